"""How every sheet of the monthly workbook is laid out, in one place.

Title row (the month and when the workbook was made), a frozen header row, set
column widths, numbers as numbers, dates as dates, rates as formatted
percentages, A4 landscape fitted to the page width with the header row
repeated on every page. Text that a spreadsheet would run as a formula is
neutralised. Sheets are written in openpyxl's write-only mode: rows stream to
the file, so a city-scale workbook needs little memory.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from units.import_rules import neutralise_formula

TEXT, INTEGER, DECIMAL, PERCENT, DATE, MONEY = "text", "integer", "decimal", "percent", "date", "money"
NUMBER_FORMATS = {
    INTEGER: "0",
    DECIMAL: "0.00",
    PERCENT: "0.00%",
    DATE: "yyyy-mm-dd",
    MONEY: "#,##0.00",
}
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: float = 12


def _plain(value):
    """A value of a text, whole-number or date column as the sheet stores it (no cell object).

    An empty text is an empty cell: openpyxl would write an element without a value for it,
    which every reader shows as empty anyway.
    """
    kind = type(value)
    if kind is str:
        return neutralise_formula(value) if value else None
    if kind is Decimal:
        return float(value)
    if kind is datetime.datetime:
        return value.replace(tzinfo=None)
    return value


def _values_to_row(sheet):
    """openpyxl's write-only ``_values_to_row`` for ``sheet``, but taking a cell as it comes.

    openpyxl first tries a cell as a value (raising and catching a ValueError), then makes a
    new blank cell for the next value because a styled one went by; here a ``Cell`` (our formatted
    numbers and bold headers) is written as it is, without either. Other values go exactly the
    library's way. The rows are written as they are appended, so a cell is written before the
    next row is made.
    """

    def values_to_row(values, row_idx):
        cell = WriteOnlyCell(sheet)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if type(value) is Cell:
                value.column = col_idx
                value.row = row_idx
                yield value
                continue
            cell.value = value
            cell.column = col_idx
            cell.row = row_idx
            if cell.hyperlink is not None:
                cell.hyperlink.ref = cell.coordinate
            yield cell
            if cell.has_style or cell.hyperlink:
                cell = WriteOnlyCell(sheet)

    return values_to_row


class SheetWriter:
    """One sheet: a title row, a frozen header row, then data rows (and optional sections).

    How a column's values are stored is decided once per column (``converters``), not per
    cell: text, whole numbers and dates go in as plain values (openpyxl writes dates as
    yyyy-mm-dd), formatted numbers as cells sharing one prepared style.
    """

    def __init__(self, book, name: str, title: str, made_at: datetime.datetime, columns: list[Column]):
        self.sheet = book.create_sheet(name)
        self.sheet._values_to_row = _values_to_row(self.sheet)
        self.columns = columns
        self._styles = {}
        for index, column in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = column.width
        self.sheet.freeze_panes = "A3"
        self.sheet.print_title_rows = "2:2"
        setup = self.sheet.page_setup
        setup.orientation = "landscape"
        setup.paperSize = Worksheet.PAPERSIZE_A4
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        self.sheet.sheet_properties.pageSetUpPr.fitToPage = True
        made = f"生成时间：{made_at:%Y-%m-%d %H:%M}"
        self.sheet.append([self._cell(title, font=TITLE)] + [None] * (len(columns) - 2) + [made])
        self.header([column.header for column in columns])
        self._converters = self.converters([column.kind for column in columns])

    def _style(self, number_format=None, font=None):
        """The style array of a cell with this format and font, made once per sheet."""
        key = (number_format, font)
        style = self._styles.get(key)
        if style is None:
            cell = WriteOnlyCell(self.sheet)
            if number_format is not None:
                cell.number_format = number_format
            if font is not None:
                cell.font = font
            style = self._styles[key] = cell._style
        return style

    def _cell(self, value, kind=TEXT, font=None):
        """One value as the sheet stores it (titles, headers, the odd cell): see ``converters``."""
        if font is None:
            return self.converters([kind])[0](value)
        return Cell(self.sheet, 1, 1, _plain(value), self._style(font=font))

    def converters(self, kinds: list[str]) -> list:
        """For each column kind, the function turning a value into what the sheet stores."""
        return [self._converter(kind) for kind in kinds]

    def _converter(self, kind: str):
        if kind not in (DECIMAL, PERCENT, MONEY):
            return _plain
        sheet, style = self.sheet, self._style(NUMBER_FORMATS[kind])
        percent = kind == PERCENT

        def formatted(value):
            if value is None:
                return None
            if type(value) is str:
                return neutralise_formula(value) if value else None
            if percent:
                # 93.35 (units.rates) → 0.9335 shown as 93.35%; a whole percent divides exactly
                # as a float (the same double as through Decimal), without a Decimal per cell.
                value = value / 100 if type(value) is int else float(Decimal(value) / 100)
            elif type(value) is Decimal:
                value = float(value)
            return Cell(sheet, 1, 1, value, style)

        return formatted

    def header(self, labels: list[str]) -> None:
        self.sheet.append([self._cell(label, font=BOLD) for label in labels])

    def row(self, values: list, kinds: list[str] | None = None) -> None:
        converters = self._converters if kinds is None else self.converters(kinds)
        self.sheet.append([convert(value) for convert, value in zip(converters, values, strict=False)])

    def rows(self, rows, converters: list | None = None) -> None:
        """Many rows of the same columns: the converters are looked up once."""
        converters = converters or self._converters
        append = self.sheet.append
        for values in rows:
            append([convert(value) for convert, value in zip(converters, values, strict=False)])

    def blank(self) -> None:
        self.sheet.append([])

    def section(self, title: str, columns: list[Column], rows: list[list]) -> None:
        """A second table below the first (e.g. totals per unit), with its own bold header."""
        self.blank()
        self.sheet.append([self._cell(title, font=BOLD)])
        self.header([column.header for column in columns])
        self.rows(rows, self.converters([column.kind for column in columns]))
