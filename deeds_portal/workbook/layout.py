"""How every sheet of the monthly workbook is laid out, in one place.

Title row (the month, the rounds, and when the workbook was made, in Beijing time), a
frozen header row, set column widths, numbers as numbers, dates as dates, rates as
formatted percentages and changes of a rate in 百分点, A4 landscape fitted to the page
width with the header row repeated on every page, the title in the page header and
第 x 页 / 共 y 页 in the footer; every table cell bordered, 合计 rows bold; native
charts drawn from the tables beside them. Text that a spreadsheet would run as a formula
is neutralised.

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
from django.utils import timezone

from imports.rules import neutralise_formula

TEXT, INTEGER, DECIMAL, PERCENT, DATE = "text", "integer", "decimal", "percent", "date"
# A change of a rate is in percentage points (百分点), never in percent: the cell says so.
POINTS = "points"
NUMBER_FORMATS = {
    DECIMAL: "0.00",
    PERCENT: "0.00%",
    DATE: "yyyy-mm-dd",
    POINTS: '0.00"百分点"',
}
A4 = 9  # the paper size code of the sheet's print set-up
# Page x of y in the footer, the sheet's title in the header (Excel's codes; "&&" is an "&").
FOOTER = "&C第 &P 页 / 共 &N 页"
TOTAL = "合计"
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
    """The workbook being written, with the cell formats its sheets share (made once).

    Every table cell has a thin border (a printed table needs its lines: the sheet's
    gridlines are not printed); header and totals rows are bold on a grey ground.
    """

    def __init__(self, title: str = ""):
        self._out = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self._out, OPTIONS)
        if title:
            self.workbook.set_properties({"title": title})
        add = self.workbook.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True})
        self.header = add(
            {"bold": True, "border": 1, "bg_color": "#D9D9D9", "text_wrap": True, "valign": "vcenter"}
        )
        kinds = [TEXT, INTEGER, DECIMAL, PERCENT, DATE, POINTS]
        self.formats = {
            kind: add({"num_format": NUMBER_FORMATS.get(kind, "General"), "border": 1}) for kind in kinds
        }
        self.total_formats = {
            kind: add(
                {
                    "num_format": NUMBER_FORMATS.get(kind, "General"),
                    "border": 1,
                    "bold": True,
                    "bg_color": "#F2F2F2",
                }
            )
            for kind in kinds
        }

    def close(self) -> bytes:
        self.workbook.close()
        return self._out.getvalue()


@dataclass(frozen=True)
class Table:
    """Where a table landed on its sheet (0-based rows, as XlsxWriter counts): charts refer to it."""

    sheet_name: str
    header_row: int
    first_row: int  # the first data row
    last_row: int  # the last data row (first_row - 1 when it has none)
    total_row: int | None = None

    def column(self, col: int) -> list:
        """A chart's reference to the data cells of column ``col``."""
        return [self.sheet_name, self.first_row, col, self.last_row, col]


class SheetWriter:
    """One sheet: a title row, a frozen header row, then data rows (and optional sections).

    How a column's values are written is decided once per column (``writers``), not per
    cell: each column kind has its number format and border, and each value is written by
    its type (text neutralised, numbers as numbers, dates as dates).

    Printed on A4 landscape, one page wide, the header row repeated on every page, the
    sheet's title in the page header and 第 x 页 / 共 y 页 in the footer.
    """

    def __init__(self, book: Book, name: str, title: str, made_at: datetime.datetime, columns: list[Column]):
        self.book = book
        self.name = name
        self.sheet = sheet = book.workbook.add_worksheet(name)
        self.columns = columns
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width)
        sheet.freeze_panes(2, 0)
        sheet.repeat_rows(1)
        sheet.set_landscape()
        sheet.set_paper(A4)
        sheet.fit_to_pages(1, 0)
        sheet.set_header("&C&14&B" + title.replace("&", "&&"))
        sheet.set_footer(FOOTER)
        sheet.write_string(0, 0, title, book.title)
        made_at = timezone.localtime(made_at) if timezone.is_aware(made_at) else made_at
        sheet.write_string(0, len(columns) - 1, f"生成时间：{made_at:%Y-%m-%d %H:%M}（北京时间）")
        self.next_row = 1  # the row the next write goes to (0-based, as XlsxWriter counts)
        self.header([column.header for column in columns])
        self._writers = self.writers([column.kind for column in columns])
        self.charts = 0

    def writers(self, kinds: list[str], total: bool = False) -> list:
        """For each column kind, the function writing a value into that column of a row."""
        return [self._writer(kind, total) for kind in kinds]

    def _writer(self, kind: str, total: bool = False):
        sheet = self.sheet
        write_string, write_number, write_blank = sheet.write_string, sheet.write_number, sheet.write_blank
        formats = self.book.total_formats if total else self.book.formats
        cell_format = formats[kind]
        text_format = formats[TEXT]
        date_format = formats[DATE]
        percent = kind == PERCENT

        def write(row: int, col: int, value) -> None:
            if value is None:
                write_blank(row, col, None, cell_format)
                return
            kind_of = type(value)
            if kind_of is str:
                if value:  # an empty text is an empty cell
                    write_string(row, col, neutralise_formula(value), text_format)
                else:
                    write_blank(row, col, None, cell_format)
            elif kind_of is int or kind_of is float or kind_of is Decimal:
                if percent:
                    # 93.35 (units.rates) → 0.9335 shown as 93.35%, divided exactly (a whole
                    # percent as a float gives the same double).
                    value = value / 100 if kind_of is int else float(Decimal(value) / 100)
                elif kind_of is Decimal:
                    value = float(value)
                write_number(row, col, value, cell_format)
            elif kind_of is bool:
                sheet.write_boolean(row, col, value, cell_format)
            elif kind_of is datetime.date or kind_of is datetime.datetime:
                if getattr(value, "tzinfo", None) is not None:
                    value = value.replace(tzinfo=None)
                sheet.write_datetime(row, col, value, date_format)
            else:
                write_string(row, col, neutralise_formula(str(value)), text_format)

        return write

    def header(self, labels: list[str]) -> None:
        row, write, header = self.next_row, self.sheet.write_string, self.book.header
        for col, label in enumerate(labels):
            write(row, col, label, header)
        self.next_row += 1

    def row(self, values: list, kinds: list[str] | None = None) -> None:
        self.rows([values], None if kinds is None else self.writers(kinds))

    def rows(self, rows, writers: list | None = None) -> Table:
        """Many rows of the same columns: the writers are looked up once."""
        writers = writers or self._writers
        first = row = self.next_row
        for values in rows:
            for col, (write, value) in enumerate(zip(writers, values, strict=False)):
                write(row, col, value)
            row += 1
        self.next_row = row
        return Table(self.name, first - 1, first, row - 1)

    def total(self, values: list, kinds: list[str] | None = None) -> int:
        """The table's 合计 row (values computed from its rows by the caller), bold on grey."""
        kinds = kinds or [column.kind for column in self.columns]
        row = self.next_row
        for col, (write, value) in enumerate(zip(self.writers(kinds, total=True), values, strict=False)):
            write(row, col, value)
        self.next_row += 1
        return row

    def blank(self) -> None:
        self.next_row += 1

    def section(
        self, title: str, columns: list[Column], rows: list[list], total: list | None = None
    ) -> Table:
        """A second table below the first (e.g. totals per unit), with its own bold header and,
        when it sums, its 合计 row."""
        self.blank()
        self.sheet.write_string(self.next_row, 0, title, self.book.bold)
        self.next_row += 1
        self.header([column.header for column in columns])
        kinds = [column.kind for column in columns]
        table = self.rows(rows, self.writers(kinds))
        if total is not None:
            return Table(
                table.sheet_name, table.header_row, table.first_row, table.last_row, self.total(total, kinds)
            )
        return table

    def chart(
        self, kind: str, title: str, series: list[dict], *, y_title: str = "", subtype: str | None = None
    ):
        """A native Excel chart of tables already written, placed below them (15 rows tall).

        ``series``: XlsxWriter's series options (``name``, ``categories``, ``values`` as
        [sheet, first row, col, last row, col]); the chart moves with the cells it sits on.
        """
        options = {"type": kind} if subtype is None else {"type": kind, "subtype": subtype}
        chart = self.book.workbook.add_chart(options)
        for one in series:
            chart.add_series(one)
        chart.set_title({"name": title, "name_font": {"size": 12}})
        if y_title:
            chart.set_y_axis({"name": y_title})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 720, "height": 300})
        self.blank()
        self.sheet.insert_chart(self.next_row, 0, chart, {"object_position": 1})
        self.next_row += 16
        self.charts += 1
        return chart
