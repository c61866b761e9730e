"""How every sheet of the monthly workbook is laid out, in one place.

Title row (the month and when the workbook was made), a frozen header row, set
column widths, numbers as numbers, dates as dates, rates as formatted
percentages, A4 landscape fitted to the page width with the header row
repeated on every page. Text that a spreadsheet would run as a formula is
neutralised.

The workbook is written with XlsxWriter: it writes each cell as a few strings where
openpyxl builds and serialises an element tree per cell, well over twice as fast for the
same cells (bench/workbook.py measures both). Cells stay in memory until the workbook is
closed (its constant-memory mode streams rows to temporary files but writes each text
inline, slower here); the workbook has one row per project and a few summary tables, so
that is a few MiB at city scale (the bench reports the peak).
"""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter

from units.import_rules import neutralise_formula

TEXT, INTEGER, DECIMAL, PERCENT, DATE = "text", "integer", "decimal", "percent", "date"
NUMBER_FORMATS = {
    DECIMAL: "0.00",
    PERCENT: "0.00%",
    DATE: "yyyy-mm-dd",
}
A4 = 9  # the paper size code of the sheet's print set-up
# Every value is written by its own type; XlsxWriter must never turn a text into a formula,
# a link or a number on its own.
OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: float = 12


class Book:
    """The workbook being written, with the cell formats its sheets share (made once)."""

    def __init__(self, title: str = ""):
        self._out = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self._out, OPTIONS)
        if title:
            self.workbook.set_properties({"title": title})
        self.title = self.workbook.add_format({"bold": True, "font_size": 14})
        self.bold = self.workbook.add_format({"bold": True})
        self.formats = {
            kind: self.workbook.add_format({"num_format": code}) for kind, code in NUMBER_FORMATS.items()
        }

    def close(self) -> bytes:
        self.workbook.close()
        return self._out.getvalue()


class SheetWriter:
    """One sheet: a title row, a frozen header row, then data rows (and optional sections).

    How a column's values are written is decided once per column (``writers``), not per
    cell: each column kind has its number format, and each value is written by its type
    (text neutralised, numbers as numbers, dates as dates).
    """

    def __init__(self, book: Book, name: str, title: str, made_at: datetime.datetime, columns: list[Column]):
        self.book = book
        self.sheet = sheet = book.workbook.add_worksheet(name)
        self.columns = columns
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width)
        sheet.freeze_panes(2, 0)
        sheet.repeat_rows(1)
        sheet.set_landscape()
        sheet.set_paper(A4)
        sheet.fit_to_pages(1, 0)
        sheet.write_string(0, 0, title, book.title)
        sheet.write_string(0, len(columns) - 1, f"生成时间：{made_at:%Y-%m-%d %H:%M}")
        self.next_row = 1  # the row the next write goes to (0-based, as XlsxWriter counts)
        self.header([column.header for column in columns])
        self._writers = self.writers([column.kind for column in columns])

    def writers(self, kinds: list[str]) -> list:
        """For each column kind, the function writing a value into that column of a row."""
        return [self._writer(kind) for kind in kinds]

    def _writer(self, kind: str):
        sheet = self.sheet
        write_string, write_number = sheet.write_string, sheet.write_number
        number_format = self.book.formats.get(kind)
        date_format = self.book.formats[DATE]
        percent = kind == PERCENT

        def write(row: int, col: int, value) -> None:
            if value is None:
                return
            kind_of = type(value)
            if kind_of is str:
                if value:  # an empty text is an empty cell
                    write_string(row, col, neutralise_formula(value))
            elif kind_of is int or kind_of is float or kind_of is Decimal:
                if percent:
                    # 93.35 (units.rates) → 0.9335 shown as 93.35%, divided exactly (a whole
                    # percent as a float gives the same double).
                    value = value / 100 if kind_of is int else float(Decimal(value) / 100)
                elif kind_of is Decimal:
                    value = float(value)
                write_number(row, col, value, number_format)
            elif kind_of is bool:
                sheet.write_boolean(row, col, value)
            elif kind_of is datetime.date or kind_of is datetime.datetime:
                if getattr(value, "tzinfo", None) is not None:
                    value = value.replace(tzinfo=None)
                sheet.write_datetime(row, col, value, date_format)
            else:
                write_string(row, col, neutralise_formula(str(value)))

        return write

    def header(self, labels: list[str]) -> None:
        row, write, bold = self.next_row, self.sheet.write_string, self.book.bold
        for col, label in enumerate(labels):
            write(row, col, label, bold)
        self.next_row += 1

    def row(self, values: list, kinds: list[str] | None = None) -> None:
        self.rows([values], None if kinds is None else self.writers(kinds))

    def rows(self, rows, writers: list | None = None) -> None:
        """Many rows of the same columns: the writers are looked up once."""
        writers = writers or self._writers
        row = self.next_row
        for values in rows:
            for col, (write, value) in enumerate(zip(writers, values, strict=False)):
                write(row, col, value)
            row += 1
        self.next_row = row

    def blank(self) -> None:
        self.next_row += 1

    def section(self, title: str, columns: list[Column], rows: list[list]) -> None:
        """A second table below the first (e.g. totals per unit), with its own bold header."""
        self.blank()
        self.sheet.write_string(self.next_row, 0, title, self.book.bold)
        self.next_row += 1
        self.header([column.header for column in columns])
        self.rows(rows, self.writers([column.kind for column in columns]))
