"""Checks of the streaming case import, as plain functions.

This module is the seam with the shared spreadsheet rules (``units/import_rules.py``,
being written at the same time): header check with aliases and duplicates, formula
neutralising, and per-row error collection with Chinese messages. When that module
lands, these functions are replaced by calls to it and nothing else in
``hotline.case_import`` changes.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from imports.resources import restore_neutralised

FIRST_ERRORS = 50  # errors kept for the preview; the rest are only counted


def clean_header(value) -> str:
    if value is None:
        return ""
    return restore_neutralised(str(value).strip().replace("\n", "").replace(" ", "").replace("\u3000", ""))


@dataclass
class HeaderMap:
    """Which file column feeds which field; ``shown`` is the mapping the preview lists."""

    positions: dict[str, int] = field(default_factory=dict)  # field name → column index
    shown: list[tuple[str, str]] = field(default_factory=list)  # (file header, our header)
    dropped: list[str] = field(default_factory=list)  # personal-data columns, never read
    ignored: list[str] = field(default_factory=list)  # other columns we do not use
    errors: list[str] = field(default_factory=list)


def map_headers(raw_headers, columns: dict[str, tuple[str, ...]], required, personal) -> HeaderMap:
    """Match a file's headers to ``columns`` ({field: (header, *aliases)}).

    Refused: a required column missing, or two columns that mean the same field.
    Personal-data columns are recorded as dropped and never read; other unknown
    columns are ignored (platform exports carry many columns we do not need).
    """
    lookup = {name: field_name for field_name, names in columns.items() for name in names}
    result = HeaderMap()
    seen: dict[str, str] = {}
    for index, raw in enumerate(raw_headers):
        header = clean_header(raw)
        if not header:
            continue
        if header in personal:
            result.dropped.append(header)
            continue
        field_name = lookup.get(header)
        if field_name is None:
            result.ignored.append(header)
            continue
        if field_name in seen:
            result.errors.append(
                _("The columns “%(first)s” and “%(second)s” both mean “%(meaning)s”; keep one of them.")
                % {"first": seen[field_name], "second": header, "meaning": columns[field_name][0]}
            )
            continue
        seen[field_name] = header
        result.positions[field_name] = index
        result.shown.append((header, columns[field_name][0]))
    missing = [columns[name][0] for name in required if name not in result.positions]
    if missing:
        result.errors.append(_("Missing columns: %(columns)s.") % {"columns": "、".join(missing)})
    return result


@dataclass
class RowErrors:
    """Per-row errors: the first few kept with their row numbers, all counted."""

    first: list[dict] = field(default_factory=list)
    refused_rows: int = 0
    limit: int = FIRST_ERRORS

    def add(self, row_number: int, messages: list[str]) -> None:
        self.refused_rows += 1
        if len(self.first) < self.limit:
            self.first.append({"row": row_number, "messages": messages})

    def __bool__(self) -> bool:
        return self.refused_rows > 0


def text_cell(value) -> str:
    """A text cell as typed: numbers a spreadsheet made of codes lose their “.0”, formulas their guard."""
    if type(value) is str:  # the common case first: most cells are plain text
        text = value.strip()
        return restore_neutralised(text) if text[:1] == "'" else text
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return restore_neutralised(str(value).strip())
