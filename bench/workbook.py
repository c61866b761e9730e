"""The leaders' monthly workbook at city scale, beside openpyxl write-only writing the same cells.

The baseline reads the workbook the portal made and writes its cells again,
sheet by sheet, with openpyxl's write-only mode and no styles: the cost of the
file itself. The difference is the portal's queries and formatting.
"""

import io

import openpyxl
from django.db import connection

from deeds_portal.workbook.build import MonthContext, build
from units.dates import today

from .stats import measure


def plain_write(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(repeats: int = 5) -> dict:
    month = today().replace(day=1)
    made = build(MonthContext(month=month))
    book = openpyxl.load_workbook(io.BytesIO(made.content), read_only=True)
    sheets = {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets
    }
    book.close()
    portal = measure(lambda: build(MonthContext(month=month)), repeats, connection=connection)
    baseline = measure(lambda: plain_write(sheets), repeats)
    return {
        "month": f"{month:%Y-%m}",
        "sheets": {name: len(rows) for name, rows in sheets.items()},
        "file_bytes": len(made.content),
        "workbook": portal.as_dict(),
        "baseline_openpyxl_write_only": baseline.as_dict(),
        "ratio": round(portal.median_s / baseline.median_s, 2),
    }
