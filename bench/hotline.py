"""The hotline at city scale: the case import and the data behind /hotline/.

* Case import: a platform export (``--hotline-rows``, default 50,000: a busy city's
  three months; the rate is per row whatever the size) (with caller phone and name columns,
  which the import drops) as csv and as xlsx, imported validated and all-or-nothing
  through ``hotline.case_import.import_cases``, beside a baseline that parses the same
  file (``csv.reader`` / python-calamine) and bulk-inserts the rows unvalidated.
  Median time over the repeats, peak memory (RSS high-water growth in the timed runs, and
  the import's tracemalloc peak from one extra traced run: tracing slows it several times,
  so the baseline is not traced). ``bulk_create`` is timed once, on the csv.
  Every run starts from an empty case table (all rows new); writes are undone after each.
* Page data: 10 years of months and 1,000,000 cases (``--hotline-cases``) for
  ``/hotline/``, measured with the other public pages by ``bench.pages``.
"""

import csv
import datetime
import random
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter
from django.db import connection, transaction
from python_calamine import CalamineWorkbook

from hotline import tallies
from hotline.case_import import BATCH, EXCEL_EPOCH, LOCAL, import_cases
from hotline.case_import import _upsert as upsert
from hotline.models import Case, CaseTally, CaseYearTally, Feedback, Month, MonthSource
from units.public_pages import public_data_changed

from .stats import measure

IMPORT_ROWS = 50_000
PAGE_CASES = 1_000_000
YEARS = 10
HEADERS = [
    "工单编号",
    "受理时间",
    "来电号码",
    "来电人",
    "来源渠道",
    "诉求类型",
    "一级分类",
    "二级分类",
    "承办单位",
    "办理状态",
    "办结时间",
    "应办结时间",
    "回访结果",
    "办理方式",
]
CHANNELS = ["电话", "网站", "微信", "省平台转办", "市长信箱"]
CATEGORIES = [(f"一级分类{i:02d}", f"二级分类{i:02d}-{j}") for i in range(30) for j in range(4)]
UNITS = [f"承办单位{i:02d}" for i in range(60)]
FEEDBACK = ["满意"] * 7 + ["基本满意", "不满意", "未回访", "未回访"]
FEEDBACK_VALUES = {"满意": Feedback.SATISFIED, "基本满意": Feedback.BASICALLY, "不满意": Feedback.UNSATISFIED}


def export_rows(count: int, seed: int):
    """Rows of a platform export: times as datetimes (the writer decides text or serial)."""
    rng = random.Random(seed)
    start = datetime.datetime(2021, 1, 1)
    span = int((datetime.datetime(2021, 6, 30) - start).total_seconds())
    for n in range(count):
        received = start + datetime.timedelta(seconds=rng.randrange(span))
        category, subcategory = rng.choice(CATEGORIES)
        completed = rng.random() < 0.97
        yield [
            f"GD2021{n:08d}",
            received,
            f"139{rng.randrange(10**8):08d}",
            "演示来电人",
            rng.choice(CHANNELS),
            rng.choice(["投诉", "求助", "咨询", "建议"]),
            category,
            subcategory,
            rng.choice(UNITS),
            "已办结" if completed else "办理中",
            received + datetime.timedelta(hours=rng.randrange(1, 240)) if completed else None,
            received + datetime.timedelta(days=rng.choice([3, 5, 7, 15])),
            rng.choice(FEEDBACK) if completed else "未回访",
            "直接办结" if rng.random() < 0.3 else "转办",
        ]


def write_csv(path: Path, count: int, seed: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for row in export_rows(count, seed):
            writer.writerow(
                [f"{v:%Y-%m-%d %H:%M:%S}" if isinstance(v, datetime.datetime) else v for v in row]
            )


def write_xlsx(path: Path, count: int, seed: int) -> None:
    # XlsxWriter, not openpyxl: several times faster at writing the fixture, same cells.
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(export_rows(count, seed), start=1):
        for c, value in enumerate(row):
            if isinstance(value, datetime.datetime):
                sheet.write_datetime(r, c, value, stamp)  # an Excel serial number with a date format
            elif value is not None:
                sheet.write_string(r, c, value)
    book.close()


# The unvalidated baseline ------------------------------------------------------------------


def _plain_time(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=LOCAL)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day, tzinfo=LOCAL)
    if isinstance(value, float | int):
        return (EXCEL_EPOCH + datetime.timedelta(days=value)).replace(tzinfo=LOCAL)
    return datetime.datetime.fromisoformat(value).replace(tzinfo=LOCAL)


def _plain_rows(path: Path):
    if path.suffix == ".xlsx":
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
        next(rows)
        yield from rows
        return
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        yield from rows


def _plain_values(row) -> dict:
    received = _plain_time(row[1])
    return {
        "number": row[0],
        "received_at": received,
        "month": received.date().replace(day=1),
        "channel": row[4],
        "kind": row[5],
        "category": row[6],
        "subcategory": row[7],
        "handling_unit": row[8],
        "status": row[9],
        "is_completed": row[9] == "已办结",
        "completed_at": _plain_time(row[10]),
        "due_at": _plain_time(row[11]),
        "feedback": FEEDBACK_VALUES.get(row[12], Feedback.NONE).value,
        "is_online": row[13] == "直接办结",
    }


def plain_import(path: Path, orm: bool = False) -> int:
    """Parse the file and insert its rows as they are: no checks, no comparison, no rollup.

    ``orm=False``: through the import's own writer (multi-row INSERT); ``orm=True``: ``bulk_create``.
    """
    written, batch = 0, []

    def flush():
        if orm:
            Case.objects.bulk_create([Case(**values) for values in batch])
        else:
            upsert(batch, is_demo=False)

    with transaction.atomic():
        for row in _plain_rows(path):
            batch.append(_plain_values(row))
            if len(batch) >= BATCH:
                flush()
                written += len(batch)
                batch = []
        flush()
        written += len(batch)
    return written


def _clear(_result=None) -> None:
    """Every case, tally and month gone, the cases by one DELETE each: ``Case.objects.delete()``
    loads every case to send its ``post_delete`` (the page cache listens), a million instances.
    The cached pages that show cases are made stale as that signal would have."""
    with transaction.atomic():
        Case.objects.all()._raw_delete(connection.alias)
        CaseTally.objects.all()._raw_delete(connection.alias)
        CaseYearTally.objects.all()._raw_delete(connection.alias)
        public_data_changed(Case)
    Month.objects.all().delete()


def measure_imports(repeats: int, seed: int, rows: int = IMPORT_ROWS) -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        for fmt, writer in (("csv", write_csv), ("xlsx", write_xlsx)):
            path = Path(folder) / f"export.{fmt}"
            started = time.perf_counter()
            writer(path, rows, seed)
            written_s = time.perf_counter() - started
            check = {}

            def validated(path=path, fmt=fmt):
                with open(path, "rb") as stream:
                    return import_cases(stream, f"export.{fmt}", commit=True)

            def after(outcome, check=check):
                check.update(
                    new=outcome.new,
                    refused=outcome.errors.refused_rows,
                    committed=outcome.committed,
                    stored=Case.objects.count(),
                    months=Month.objects.filter(source=MonthSource.CASES).count(),
                )
                _clear()

            _clear()
            imported = measure(validated, repeats, after=after)
            baseline = measure(lambda path=path: plain_import(path), repeats, after=_clear, traced=False)
            orm = (
                measure(lambda path=path: plain_import(path, orm=True), 1, after=_clear, traced=False)
                if fmt == "csv"
                else None
            )
            out[fmt] = result = {
                "rows": rows,
                "file_bytes": path.stat().st_size,
                "file_written_s": round(written_s, 1),
                "validated": imported.as_dict(),
                "baseline_parse_and_insert": baseline.as_dict(),
                "baseline_parse_and_bulk_create": orm.as_dict() if orm else None,
                "rows_per_s": round(rows / imported.median_s),
                "baseline_rows_per_s": round(rows / baseline.median_s),
                "bulk_create_rows_per_s": round(rows / orm.median_s) if orm else None,
                "ratio": round(imported.median_s / baseline.median_s, 2),
                "check": check,
            }
            print(f"bench: hotline {fmt}: {result}", file=sys.stderr, flush=True)
    return out


# The page ------------------------------------------------------------------------------


def generate_page_data(seed: int, cases: int = PAGE_CASES) -> dict:
    rng = random.Random(seed)
    started = time.perf_counter()
    months = [
        datetime.date(year, month, 1) for year in range(2021 - YEARS + 1, 2022) for month in range(1, 13)
    ]
    Month.objects.bulk_create(
        [
            Month(
                month=month,
                calls=15_000 + rng.randrange(3000),
                accepted=8000 + rng.randrange(1000),
                completed=7900,
                callbacks=6000,
                satisfied=5600,
                online_completed=2000,
            )
            for month in months
        ]
    )
    per_month = cases // len(months)
    number = 0
    for month in months:
        base = datetime.datetime(month.year, month.month, 1, tzinfo=LOCAL)
        batch = []
        for _ in range(per_month):
            received = base + datetime.timedelta(seconds=rng.randrange(27 * 86400))
            category, subcategory = rng.choice(CATEGORIES)
            completed = rng.random() < 0.97
            batch.append(
                {
                    "number": f"P{number:09d}",
                    "received_at": received,
                    "month": month,
                    "channel": rng.choice(CHANNELS),
                    "kind": "投诉",
                    "category": category,
                    "subcategory": subcategory,
                    "handling_unit": rng.choice(UNITS),
                    "status": "已办结" if completed else "办理中",
                    "is_completed": completed,
                    "completed_at": received + datetime.timedelta(hours=rng.randrange(1, 240))
                    if completed
                    else None,
                    "due_at": received + datetime.timedelta(days=7),
                    "feedback": FEEDBACK_VALUES.get(rng.choice(FEEDBACK), Feedback.NONE).value,
                    "is_online": completed and rng.random() < 0.3,
                }
            )
            number += 1
        with transaction.atomic():
            upsert(batch, is_demo=False)  # the import's own writer: plain multi-row INSERTs
    tallies.rebuild(months)  # as the import's roll-up does for the months it wrote
    with connection.cursor() as cursor:  # fresh statistics for the planner, as autovacuum would have
        cursor.execute("ANALYZE")
    return {"months": len(months), "cases": number, "seconds": round(time.perf_counter() - started, 1)}


def run_imports(repeats: int, seed: int, rows: int = IMPORT_ROWS) -> dict:
    _clear()
    try:
        return measure_imports(repeats, seed, rows)
    finally:
        _clear()


teardown = _clear


def render(results: dict) -> str:
    mib = 1024 * 1024
    lines = [""]
    if results.get("import"):  # not measured by ``--only pages``
        lines += [
            f"Hotline: case import of {next(iter(results['import'].values()))['rows']:,} rows (validated, all-or-nothing) vs parsing the file and "
            "inserting it unchecked (same INSERT writer; bulk_create, 1 run, in the last column but one)",
            "format  validated s  rows/s   baseline s  rows/s   ratio  peak MiB (tracemalloc, validated)"
            "  RSS growth MiB (validated/baseline)  bulk_create rows/s  check",
        ]
    for fmt, r in results.get("import", {}).items():
        v, b = r["validated"], r["baseline_parse_and_insert"]
        lines.append(
            f"{fmt:6}  {v['median_s']:11.2f}  {r['rows_per_s']:7,}  {b['median_s']:10.2f}  {r['baseline_rows_per_s']:7,}"
            f"  {r['ratio']:5.2f}  {v['tracemalloc_peak_bytes'] / mib:8.1f}"
            f"  {(v['rss_peak_growth_kib_median'] or 0) / 1024:12.1f} / {(b['rss_peak_growth_kib_median'] or 0) / 1024:.1f}"
            f"  {r['bulk_create_rows_per_s'] or '-':>18}  {r['check']}"
        )
    d = results["page_data"]
    lines.append(
        f"Hotline months for /hotline/: {d['months']} months, {d['cases']:,} cases (generated in {d['seconds']} s)"
    )
    return "\n".join(lines)
