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

from openpyxl.cell import WriteOnlyCell
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


class SheetWriter:
    """One sheet: a title row, a frozen header row, then data rows (and optional sections)."""

    def __init__(self, book, name: str, title: str, made_at: datetime.datetime, columns: list[Column]):
        self.sheet = book.create_sheet(name)
        self.columns = columns
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

    def _cell(self, value, kind=TEXT, font=None):
        """A value as the sheet stores it; a styled cell only where a format or font is needed.

        Plain values (text, whole numbers, dates, which openpyxl writes as yyyy-mm-dd) skip
        the cell object and its style lookup: that is most of a big sheet's cost.
        """
        if isinstance(value, str):
            value = neutralise_formula(value)
        elif kind == PERCENT and value is not None:
            value = float(Decimal(value) / 100)  # 93.35 (units.rates) → 0.9335 shown as 93.35%
        elif isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, datetime.datetime):
            value = value.replace(tzinfo=None)
        styled = font is not None or (
            kind in (DECIMAL, PERCENT, MONEY) and value is not None and not isinstance(value, str)
        )
        if not styled:
            return value
        cell = WriteOnlyCell(self.sheet, value=value)
        if kind in NUMBER_FORMATS and value is not None and not isinstance(value, str):
            cell.number_format = NUMBER_FORMATS[kind]
        if font is not None:
            cell.font = font
        return cell

    def header(self, labels: list[str]) -> None:
        self.sheet.append([self._cell(label, font=BOLD) for label in labels])

    def row(self, values: list, kinds: list[str] | None = None) -> None:
        kinds = kinds or [column.kind for column in self.columns]
        self.sheet.append([self._cell(value, kind) for value, kind in zip(values, kinds, strict=False)])

    def blank(self) -> None:
        self.sheet.append([])

    def section(self, title: str, columns: list[Column], rows: list[list]) -> None:
        """A second table below the first (e.g. totals per unit), with its own bold header."""
        self.blank()
        self.sheet.append([self._cell(title, font=BOLD)])
        self.header([column.header for column in columns])
        kinds = [column.kind for column in columns]
        for values in rows:
            self.row(values, kinds)
