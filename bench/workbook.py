"""The leaders' monthly workbook at city scale, beside openpyxl write-only writing the same cells.

City scale: the generated project ledger (1,000 projects, 20,000 updates), the reform
catalogue the reforms bench left (5,000 items), ten years of hotline months with the
hotline bench's page data (its cases), and 2,000 volunteers booked on a year of shifts
at 50 posts. The hotline and volunteer data are built here and removed afterwards.

The baseline reads the workbook the portal made and writes its cells again,
sheet by sheet, with openpyxl's write-only mode and no styles: the cost of the
file itself. The difference is the portal's queries and formatting. The two are timed
in turns (see ``interleaved``): on a shared machine, timing one's repeats and then the
other's let a change of load decide the ratio. Both files hold
the same cells (counted, and the measurement stops if they do not): an empty text the
portal wrote as a cell without a value would read back as empty and be left out.
"""

import datetime
import io
import re
import zipfile

import openpyxl
from django.db import connection

from deeds_portal.workbook.build import MonthContext, build
from units.dates import today

from .stats import Measured, measure


def plain_write(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cells(content: bytes) -> int:
    """How many cells the file's sheets hold (``<c>`` elements): the baseline writes as many."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return sum(
            len(re.findall(rb"<c ", book.read(name)))
            for name in book.namelist()
            if name.startswith("xl/worksheets/sheet")
        )


def run(repeats: int = 5, seed: int = 20210701, stage=lambda text: None) -> dict:
    from . import hotline as hotline_bench
    from . import volunteers as volunteer_bench

    try:
        stage("workbook: loading ten years of hotline months and their cases")
        hotline_data = hotline_bench.generate_page_data(seed)
        stage("workbook: 2,000 volunteers on a year of shifts at 50 posts")
        volunteer_bench.build()
        shifts = volunteer_bench.generate_year()
        bookings = volunteer_bench.book_everyone()
        stage(f"workbook: measuring ({repeats} repeats)")
        # June of the volunteers' year: every sheet has rows (the first round's projects,
        # hotline months to date, the month's shifts). This month: all 1,000 projects.
        months = [datetime.date(volunteer_bench.YEAR, 6, 1), today().replace(day=1)]
        results = [_measure(repeats, month) for month in months]
    finally:
        hotline_bench._clear()
        volunteer_bench.teardown()
    result = results[0]
    result["data"] = {"hotline": hotline_data, "shifts": shifts, "bookings": bookings}
    result["this_month"] = results[1]
    return result


def interleaved(operation, baseline_operation, repeats: int, connection=None) -> tuple[Measured, Measured]:
    """Time the two operations in turns (one, the other, and again), so a change in the
    machine's load falls on both alike; then each once under tracemalloc (and the first's
    queries counted), as ``measure`` does."""
    results = Measured(), Measured()
    for _ in range(repeats):
        for result, op in zip(results, (operation, baseline_operation), strict=True):
            one = measure(op, 1, traced=False)
            result.seconds += one.seconds
            result.rss_peak_growth_kib += one.rss_peak_growth_kib
            result.maxrss_delta_kib += one.maxrss_delta_kib
            result.peak_reset = one.peak_reset
    for result, op, counted in zip(results, (operation, baseline_operation), (connection, None), strict=True):
        traced = measure(op, 0, connection=counted)
        result.tracemalloc_peak_bytes = traced.tracemalloc_peak_bytes
        result.queries = traced.queries
    return results


def _measure(repeats: int, month: datetime.date) -> dict:
    made = build(MonthContext(month=month))
    book = openpyxl.load_workbook(io.BytesIO(made.content), read_only=True)
    sheets = {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets
    }
    book.close()
    written = {"workbook": cells(made.content), "baseline": cells(plain_write(sheets))}
    assert written["workbook"] == written["baseline"], written  # the same cells, or the ratio means nothing
    portal, baseline = interleaved(
        lambda: build(MonthContext(month=month)), lambda: plain_write(sheets), repeats, connection=connection
    )
    return {
        "month": f"{month:%Y-%m}",
        "sheets": {name: len(rows) for name, rows in sheets.items()},
        "file_bytes": len(made.content),
        "cells": written,
        "workbook": portal.as_dict(),
        "baseline_openpyxl_write_only": baseline.as_dict(),
        "ratio": round(portal.median_s / baseline.median_s, 2),
    }
