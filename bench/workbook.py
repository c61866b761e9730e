"""The leaders' monthly workbook at city scale, beside openpyxl write-only writing the same cells.

City scale: the generated project ledger (1,000 projects, 20,000 updates), the reform
catalogue the reforms bench left (5,000 items), ten years of hotline months with the
hotline bench's page data (its cases), and 2,000 volunteers booked on a year of shifts
at 50 posts. The hotline and volunteer data are those ``bench.hotline`` and
``bench.volunteers`` built (and remove), in place for the public pages too.

The baseline the issue names reads the workbook the portal made and writes its cells
again, sheet by sheet, with openpyxl's write-only mode and no styles: the cost of the file
itself. The portal borders a table's empty cells too (a printed grid without gaps): they are
cells of the file, and openpyxl writes a cell without a value only when it has a style, so
the baseline gives those, and only those, one thin border. The portal writes with XlsxWriter, which is faster than that, so a second baseline
writes the same cells with XlsxWriter and the portal's number formats and fonts (dates as
dates, rates as percentages, bold headers): the difference to it is what the portal's
queries and its own code cost. The three are timed in turns (see ``interleaved``): on a
shared machine, timing one's repeats and then the others' let a change of load decide the
ratio. All files hold the same cells (counted, and the measurement stops if they do not).
"""

import datetime
import io
import re
import zipfile

import openpyxl
import xlsxwriter
from django.db import connection
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Border, Side

from deeds_portal.workbook.build import MonthContext, build
from deeds_portal.workbook.layout import OPTIONS
from units.months import current_month

from .stats import Measured, measure

THIN = Border(
    left=Side(style="thin"), right=Side(style="thin"), top=Side(style="thin"), bottom=Side(style="thin")
)


class _Blank:
    """A cell written with no value (a table's empty cell, bordered so the printed grid has no
    gaps): a cell all the same, which the baselines write too."""


BLANK = _Blank()


def plain_write(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        # openpyxl writes a cell without a value only when it has a style: one thin border.
        blank = WriteOnlyCell(sheet)
        blank.border = THIN
        for row in rows:
            sheet.append([blank if value is BLANK else value for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def same_writer_write(sheets: dict[str, list[list[tuple]]]) -> bytes:
    """The same cells again with XlsxWriter (the portal's writer), each with the number format
    and font the portal gave it, written the documented way (``worksheet.write``)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, OPTIONS)
    formats = {}
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for row_index, row in enumerate(rows):
            for col_index, (value, number_format, bold, size, bordered) in enumerate(row):
                if value is None:
                    continue
                key = (number_format, bold, size, bordered)
                if key not in formats:
                    properties = {"bold": True, "font_size": size} if bold else {}
                    if number_format != "General":
                        properties["num_format"] = number_format
                    if bordered:
                        properties["border"] = 1
                    formats[key] = book.add_format(properties) if properties else None
                if value is BLANK:
                    sheet.write_blank(row_index, col_index, None, formats[key])
                else:
                    sheet.write(row_index, col_index, value, formats[key])
    book.close()
    return out.getvalue()


def _style_of(cell) -> tuple:
    font = cell.font  # None for a place no cell was written
    value = BLANK if cell.value is None and font is not None else cell.value
    bordered = bool(font is not None and cell.border.left.style)
    return value, cell.number_format or "General", bool(font and font.b), font.sz if font else None, bordered


def _styled_rows(content: bytes) -> dict[str, list[list[tuple]]]:
    """(value, number format, bold, font size) of every cell of the file, sheet by sheet."""
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    sheets = {
        sheet.title: [[_style_of(cell) for cell in row] for row in sheet.iter_rows()]
        for sheet in book.worksheets
    }
    book.close()
    return sheets


def cells(content: bytes) -> int:
    """How many cells the file's sheets hold (``<c>`` elements): the baseline writes as many."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return sum(
            len(re.findall(rb"<c ", book.read(name)))
            for name in book.namelist()
            if name.startswith("xl/worksheets/sheet")
        )


def run(repeats: int = 5) -> dict:
    from . import volunteers as volunteer_bench

    if connection.vendor == "postgresql":
        # Freshly bulk-loaded tables have no planner statistics yet (autovacuum gathers
        # them later, at a time of its own): without them PostgreSQL may sort every
        # project's updates rather than read the latest from the (project, date) index.
        # A running portal's tables have them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    # June of the volunteers' year: every sheet has rows (the first round's projects,
    # hotline months to date, the month's shifts). This month: the current round's projects
    # and every earlier round's overdue ones (the workbook's default rounds).
    months = [datetime.date(volunteer_bench.YEAR, 6, 1), current_month()]
    results = [_measure(repeats, month) for month in months]
    result = results[0]
    result["this_month"] = results[1]
    return result


def interleaved(operation, *baselines, repeats: int, connection=None) -> tuple[Measured, ...]:
    """Time the operations in turns (one, the others, and again), so a change in the
    machine's load falls on all alike; then each once under tracemalloc (and the first's
    queries counted), as ``measure`` does."""
    operations = (operation, *baselines)
    results = tuple(Measured() for _ in operations)
    for _ in range(repeats):
        for result, op in zip(results, operations, strict=True):
            one = measure(op, 1, traced=False)
            result.seconds += one.seconds
            result.rss_peak_growth_kib += one.rss_peak_growth_kib
            result.maxrss_delta_kib += one.maxrss_delta_kib
            result.peak_reset = one.peak_reset
    for index, (result, op) in enumerate(zip(results, operations, strict=True)):
        traced = measure(op, 0, connection=connection if index == 0 else None)
        result.tracemalloc_peak_bytes = traced.tracemalloc_peak_bytes
        result.queries = traced.queries
    return results


def _measure(repeats: int, month: datetime.date) -> dict:
    made = build(MonthContext(month=month))
    styled = _styled_rows(made.content)
    sheets = {name: [[cell[0] for cell in row] for row in rows] for name, rows in styled.items()}
    written = {
        "workbook": cells(made.content),
        "baseline": cells(plain_write(sheets)),
        "same_writer_baseline": cells(same_writer_write(styled)),
    }
    # The same cells, or the ratios mean nothing.
    assert written["workbook"] == written["baseline"] == written["same_writer_baseline"], written
    portal, baseline, same_writer = interleaved(
        lambda: build(MonthContext(month=month)),
        lambda: plain_write(sheets),
        lambda: same_writer_write(styled),
        repeats=repeats,
        connection=connection,
    )
    return {
        "month": f"{month:%Y-%m}",
        "sheets": {name: len(rows) for name, rows in sheets.items()},
        "file_bytes": len(made.content),
        "cells": written,
        "workbook": portal.as_dict(),
        "baseline_openpyxl_write_only": baseline.as_dict(),
        "ratio": round(portal.median_s / baseline.median_s, 2),
        "baseline_same_writer": same_writer.as_dict(),
        "ratio_same_writer": round(portal.median_s / same_writer.median_s, 2),
    }
