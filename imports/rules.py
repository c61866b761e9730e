"""The rules every ledger import keeps, as plain functions.

They know nothing of django-import-export: ``imports.resources.LedgerResource``
applies them to each file and row, and an importer that streams a file too big
for the library (the hotline's case file) calls the same functions.

* ``check_upload``: refuse, before any reader runs, a file too large, with too many
  rows or no rows, an xlsx that unpacks to far more than it weighs (a zip bomb), or a
  sheet whose declared dimension or farthest cell lies past the limits (a reader would
  allocate the whole rectangle). Every import, ledger or hotline case file, passes it.
* ``check_headers``: the file's headers are the ledger's, each once, the required ones all there.
* ``sheet_row``: a data row's number as the spreadsheet shows it (header = row 1).
* ``UnitCheck``: may this user write a row of this unit.
* ``neutralise_formula`` / ``restore_neutralised``: text a spreadsheet would run
  as a formula is exported with a leading apostrophe, removed again on import; control
  characters a spreadsheet cannot hold are left out of the export.
* ``cell_problems``: cells that cannot be stored (a NUL character).
* ``stale_version_problem``: a row changed by someone else since it was exported.
* ``RowErrors``: per-row errors, capped; nothing is written unless every row passes.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from xml.etree import ElementTree

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from units.cells import (  # noqa: F401  (the cell rules every file keeps; importers read them here)
    FORMULA_TRIGGERS,
    NEUTRALISED_STARTS,
    UNSTORABLE_IN_SPREADSHEETS,
    neutralise_formula,
    restore_neutralised,
)
from units.scoping import may_touch_unit, sees_all_units

CSV_ENCODINGS = ("utf-8-sig", "gb18030")
# Below this size an xlsx part is never refused for packing tightly: small parts
# (styles, an empty sheet) compress far better than data does.
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
SCAN_CHUNK_BYTES = 64 * 1024


class ImportRefused(ValueError):
    """A whole file refused; the message says why and what to do, in the user's language."""


def check_headers(
    found: Iterable,
    expected: Iterable[str],
    required: Iterable[str] | None = None,
    aliases: Mapping[str, str] | None = None,
) -> list[str]:
    """The file's headers, stripped and with ``aliases`` read as the ledger's own names, if
    they are the expected ones, each once, with every ``required`` one among them.

    ``required`` (default: every expected column) are the columns a row cannot do
    without; the others may be left out of a file, and its rows then keep what they
    have (a new row: the model's default). Otherwise ``ImportRefused`` names the
    missing, unknown and repeated columns. With a repeated column a reader keeps only
    one of the two values, silently.
    """
    aliases = aliases or {}
    headers = ["" if header is None else str(header).strip() for header in found]
    headers = [aliases.get(header, header) for header in headers]
    expected = list(expected)
    required = expected if required is None else list(required)
    missing = [header for header in required if header not in headers]
    unknown = [header for header in headers if header not in expected]
    repeated = []
    for header in headers:
        if header in expected and headers.count(header) > 1 and header not in repeated:
            repeated.append(header)
    if not (missing or unknown or repeated):
        return headers
    parts = []
    if missing:
        parts.append(_("missing columns: %(columns)s") % {"columns": "、".join(missing)})
    if unknown:
        parts.append(
            _("unknown columns: %(columns)s") % {"columns": "、".join(h or _("(blank)") for h in unknown)}
        )
    if repeated:
        parts.append(_("columns given more than once: %(columns)s") % {"columns": "、".join(repeated)})
    raise ImportRefused(
        _(
            "The file's columns do not match the ledger (%(problems)s). Export the ledger to get a file with the right columns."
        )
        % {"problems": _("; ").join(parts)}
    )


def sheet_row(number: int | None) -> int | None:
    """The row number a spreadsheet shows for the ``number``-th data row (the header is row 1)."""
    return number + 1 if number else number


class UnitCheck:
    """Whether a user may write rows of a unit; asked once per unit, not once per row."""

    def __init__(self, user):
        self.user = user
        self._everything = user is None or sees_all_units(user)
        self._answers = {}

    def allows(self, unit_id) -> bool:
        if self._everything:
            return True
        if unit_id not in self._answers:
            self._answers[unit_id] = may_touch_unit(self.user, unit_id)
        return self._answers[unit_id]

    @staticmethod
    def refusal(unit_name) -> str:
        return _("You may only import rows of your own units; “%(unit)s” is not one of them.") % {
            "unit": unit_name
        }


def cell_problems(row: Mapping) -> list[tuple[str, str]]:
    """(column, message) for each cell that cannot be stored as it is."""
    for value in row.values():  # every row of a file is asked: the common answer first
        if isinstance(value, str) and "\x00" in value:
            break
    else:
        return []
    problems = []
    for column, value in row.items():
        if isinstance(value, str) and "\x00" in value:
            # PostgreSQL refuses the character; SQLite would store it invisibly.
            problems.append(
                (
                    column,
                    _(
                        "The cell contains an invisible null character (NUL), which cannot be stored. Delete the cell's content and type it again."
                    ),
                )
            )
    return problems


def parse_version(value) -> int | None:
    """The row version written in a file: a whole number, or None when blank or unreadable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return int(number) if number.is_integer() and number > 0 else None


def stale_version_problem(file_value, current_version: int) -> str | None:
    """Why a row exported at ``file_value`` may not overwrite the row now at ``current_version``."""
    file_version = parse_version(file_value)
    if file_version is None:
        return _(
            "The version column of this row is empty or unreadable, so it cannot be checked whether someone else changed the row. Export the ledger again and make your change in the new file."
        )
    if file_version != current_version:
        return _(
            "This row was changed by someone else after your file was exported, and importing it would undo their change. Export the ledger again and redo your change in the new file."
        )
    return None


class RowErrors:
    """Errors of a whole file by (row number, column); the first ``limit`` are kept.

    A file is written only if ``may_write`` — no row had an error.
    """

    def __init__(self, limit: int = 100):
        self.limit = limit
        self.entries: list[tuple[int, str, str]] = []
        self.count = 0

    def add(self, row_number: int, column: str, message: str) -> None:
        self.count += 1
        if len(self.entries) < self.limit:
            self.entries.append((row_number, column, str(message)))

    @property
    def may_write(self) -> bool:
        return self.count == 0

    def __len__(self) -> int:
        return self.count

    def messages(self) -> list[str]:
        lines = [
            _("Row %(row)s, column “%(column)s”: %(message)s")
            % {"row": row, "column": column, "message": message}
            for row, column, message in self.entries
        ]
        if self.count > len(self.entries):
            lines.append(
                _("… and %(count)s more errors not listed. Nothing was imported.")
                % {"count": self.count - len(self.entries)}
            )
        return lines


# Guards before parsing ----------------------------------------------------------


def import_limits() -> dict:
    return {
        "max_bytes": settings.MAX_UPLOAD_BYTES,
        "max_rows": settings.IMPORT_MAX_ROWS,
        "max_columns": settings.IMPORT_MAX_COLUMNS,
        "max_unpacked_bytes": settings.IMPORT_MAX_UNPACKED_BYTES,
        "max_ratio": settings.IMPORT_MAX_COMPRESSION_RATIO,
    }


def allow_csv_fields_up_to(size: int) -> None:
    """Let the csv module read a cell as long as the whole file may be.

    The module's default (131,072 characters) is below what a text column holds,
    so the portal's own export could not be read back. The limit is per process,
    and only ever raised; the upload size still bounds every cell.
    """
    if csv.field_size_limit() < size:
        csv.field_size_limit(size)


def decode_csv(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), or GB18030 as Chinese Excel/WPS save it."""
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused(_("The CSV file is not UTF-8 or GB18030 text."))


def check_upload(upload, file_format: str | None = None, *, count_rows: bool = True, **limits) -> None:
    """Refuse a file that is too large to import or has no rows, before any reader runs.

    ``file_format`` is "xlsx" or "csv"; without it the content decides. Files that
    are not what they claim are left to the parser, which explains that. An importer
    that counts rows as it streams passes ``count_rows=False``: sizes, the zip and the
    sheet's extent are still checked. Raises ``ImportRefused``; the upload is rewound.
    """
    limits = {**import_limits(), **limits}
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    if size > limits["max_bytes"]:
        raise ImportRefused(
            _("The file is %(size)s; files larger than %(limit)s are not accepted.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limits["max_bytes"])}
        )
    try:
        head = upload.read(4)
        upload.seek(0)
        is_zip = head == b"PK\x03\x04"
        if file_format == "xlsx" or (file_format is None and is_zip):
            if not is_zip:
                return
            rows, filled = _count_xlsx_rows(upload, limits, count_rows)
        elif not count_rows:
            return
        else:
            try:
                text = decode_csv(upload.read())
            except ImportRefused:
                return
            rows, filled = _count_csv_rows(text, limits["max_rows"])
    finally:
        upload.seek(0)
    if not count_rows:
        return
    if rows > limits["max_rows"]:
        raise ImportRefused(
            _(
                "The file has more than %(limit)s rows; one import takes at most %(limit)s rows. Split the file into parts of at most %(limit)s rows and import them one after another."
            )
            % {"limit": limits["max_rows"]}
        )
    if filled == 0:
        raise ImportRefused(
            _(
                "The file has no data rows: there is nothing below the header row. Add the rows to import under the headers, or export the ledger to start from its rows."
            )
        )


def _count_csv_rows(text: str, max_rows: int) -> tuple[int, int]:
    """Data rows as the CSV reader yields them, and how many have any content; stops past the limit."""
    allow_csv_fields_up_to(len(text) + 1)
    rows = filled = 0
    reader = csv.reader(io.StringIO(text))
    next(reader, None)  # the header row
    for row in reader:
        if not row:
            continue  # a blank line is not a row
        rows += 1
        if any(cell.strip() for cell in row):
            filled += 1
        if rows > max_rows:
            break
    return rows, filled


def _too_big(limits) -> ImportRefused:
    return ImportRefused(
        _(
            "The xlsx file unpacks to more than %(limit)s or is packed far more tightly than a spreadsheet is, so it is not read. Split it into smaller files of at most %(rows)s rows, or save it again from Excel or WPS."
        )
        % {"limit": filesizeformat(limits["max_unpacked_bytes"]), "rows": limits["max_rows"]}
    )


def _count_xlsx_rows(upload, limits, count_rows: bool = True) -> tuple[int, int]:
    """Rows of the sheet an import reads, counted from its XML without building the workbook.

    The zip's central directory gives every part's unpacked size before anything
    is unpacked; the sheet's extent is then checked, and its rows scanned in chunks,
    the scan stopping past the row limit. A file whose directory cannot be read is
    left to the parser.
    """
    try:
        book = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0, 1
    with book:
        parts = book.infolist()
        if sum(part.file_size for part in parts) > limits["max_unpacked_bytes"]:
            raise _too_big(limits)
        for part in parts:
            ratio = part.file_size / max(part.compress_size, 1)
            if part.file_size >= RATIO_CHECKED_FROM_BYTES and ratio > limits["max_ratio"]:
                raise _too_big(limits)
        sheet = _active_sheet_name(book)
        if sheet is None:
            return 0, 1
        try:
            _check_sheet_extent(book, sheet, limits)
            if not count_rows:
                return 0, 1
            return _scan_sheet_rows(book, sheet, limits)
        except (zipfile.BadZipFile, ElementTree.ParseError, OSError, EOFError, RuntimeError):
            return 0, 1  # the parser reports the damaged file


# The declared dimension ("A1:XFD1048576") and every cell and row reference of a sheet.
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([^\"]{1,40})\"")
# Led by the literal 'r="' (no whitespace class before it), so the scan jumps from one to the next.
CELL_COLUMN = re.compile(rb"r=\"\$?([A-Z]{1,4})\$?[0-9]")
CELL_ROW = re.compile(rb"r=\"\$?[A-Z]{0,4}\$?([0-9]{1,10})\"")
REFERENCE = re.compile(r"\$?([A-Z]{1,4})?\$?([0-9]{1,10})?")
REFERENCE_TAIL_BYTES = 64  # a reference cut in two by a chunk's end is read whole with the next


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _too_far(last_row: int, last_column: int, limits) -> bool:
    """Past the column limit, or a rectangle larger than the largest file an import takes.

    Rows are weighed by the rectangle, not alone: blank rows formatted below a table are
    common and skipped by every importer, and cost a reader little when the table is narrow.
    """
    largest = (limits["max_rows"] + 1) * limits["max_columns"]  # with the header row
    return last_column > limits["max_columns"] or last_row * max(last_column, 1) > largest


def _check_sheet_extent(book: zipfile.ZipFile, name: str, limits) -> None:
    """Refuse a sheet that declares or holds a cell past the columns, or the rectangle, an import takes.

    A reader builds the whole rectangle from A1 to the farthest cell: a 2 KB file with cells
    at A1 and XFD1048576 asks for hundreds of gigabytes. Checked on the raw XML with a
    regular expression, so it costs a fraction of a parse and nothing is built.
    """
    last_row = last_column = 0
    budget = limits["max_unpacked_bytes"]
    tail = b""
    with book.open(name) as part:
        first = True
        while chunk := part.read(SCAN_CHUNK_BYTES * 16):
            budget -= len(chunk)
            if budget < 0:
                raise _too_big(limits)
            text = tail + chunk
            if first:
                first = False
                declared = DIMENSION.search(text)
                if declared:
                    for reference in declared.group(1).decode("ascii", "replace").split(":"):
                        found = REFERENCE.fullmatch(reference.strip())
                        if found:
                            letters, digits = found.groups()
                            last_column = max(last_column, _column_number(letters or ""))
                            last_row = max(last_row, int(digits or 0))
            # Sets first: a chunk names few columns, and each row's number once per cell.
            for letters in set(CELL_COLUMN.findall(text)):
                last_column = max(last_column, _column_number(letters.decode()))
            last_row = max(last_row, *map(int, set(CELL_ROW.findall(text)) or {b"0"}))
            if _too_far(last_row, last_column, limits):
                break
            tail = chunk[-REFERENCE_TAIL_BYTES:]
    if _too_far(last_row, last_column, limits):
        raise ImportRefused(
            _(
                "The sheet reaches cell %(cell)s, beyond the %(rows)s rows and %(columns)s columns "
                "one import takes, so it is not read. Delete the cells outside the table (or copy "
                "the table into a new sheet), save the file again and upload it."
            )
            % {
                "cell": f"{_column_letters(max(last_column, 1))}{max(last_row, 1)}",
                "rows": limits["max_rows"],
                "columns": limits["max_columns"],
            }
        )


def _active_sheet_name(book: zipfile.ZipFile) -> str | None:
    """The part of the sheet an xlsx opens on (``workbook.active``), as the importer reads it."""
    names = set(book.namelist())
    try:
        workbook = ElementTree.fromstring(_read_small(book, "xl/workbook.xml"))
        relations = ElementTree.fromstring(_read_small(book, "xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target", "") for rel in relations if rel.get("Id")}
        sheets = [element for element in workbook.iter() if _local(element.tag) == "sheet"]
        active = 0
        for view in workbook.iter():
            if _local(view.tag) == "workbookView":
                active = int(view.get("activeTab", 0))
                break
        relation_id = next(value for key, value in sheets[active].attrib.items() if _local(key) == "id")
        target = targets[relation_id]
        name = target.lstrip("/") if target.startswith("/") else "xl/" + target
        if name in names:
            return name
    except (KeyError, IndexError, StopIteration, ValueError, ElementTree.ParseError):
        pass
    worksheets = sorted(name for name in names if name.startswith("xl/worksheets/") and name.endswith(".xml"))
    return worksheets[0] if worksheets else None


def _read_small(book: zipfile.ZipFile, name: str, limit: int = 2 * 1024 * 1024) -> bytes:
    with book.open(name) as part:
        data = part.read(limit + 1)
    if len(data) > limit:
        raise ValueError(name)
    return data


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _scan_sheet_rows(book: zipfile.ZipFile, name: str, limits) -> tuple[int, int]:
    """Data rows with content below the header; blank rows are skipped by the importer too."""
    parser = ElementTree.XMLPullParser(events=("end",))
    filled = 0
    budget = limits["max_unpacked_bytes"]
    with book.open(name) as part:
        while True:
            chunk = part.read(SCAN_CHUNK_BYTES)
            budget -= len(chunk)
            if budget < 0:
                raise _too_big(limits)
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
            for _event, element in parser.read_events():
                if _local(element.tag) != "row":
                    continue
                if _row_has_content(element):
                    filled += 1
                element.clear()
                if filled - 1 > limits["max_rows"]:
                    return filled - 1, filled - 1
            if not chunk:
                break
    data_rows = max(filled - 1, 0)
    return data_rows, data_rows


def _row_has_content(row) -> bool:
    for cell in row:
        for value in cell:
            if _local(value.tag) in ("v", "is") and "".join(value.itertext()) != "":
                return True
    return False
