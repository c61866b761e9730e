"""Case tallies: the imported cases counted per month, so the figures never scan the cases.

Two kinds of row per month of cases (``Case.month``):

* per category (一级分类, "" included): how many cases;
* per handling unit (承办单位, "" included) and month the case fell due (local time,
  none without a due time): accepted, completed, callbacks, satisfied, completed
  online, and completed by the due time.

A month's tallies are rebuilt from its cases (one grouped query per kind) whenever
its cases change: the import's roll-up, the ORM's save, delete, ``bulk_create`` and
``update`` of cases, and ``manage.py rebuild_case_tallies``. Writes of plain SQL
outside these doors must rebuild the months they touch.

Whether a case is due depends on the time of asking ("due before now"): whole due
months before the current one come from the tallies; the current month's cases due
before now are counted from the cases (``hotline.stats``, one indexed range).

Each calendar year's month rows are summed into year rows (``CaseYearTally``) whenever
one of its months is rebuilt, so a period of whole past years reads a year's rows rather
than twelve months of them (ten years at city scale: about 1,600 rows, not 32,000):

* per category: how many cases;
* per handling unit and due month: as the months', except that a due month inside the
  year is folded into its December. Once the year is over every such case is due before
  the current month, so the fold changes no figure of a past year; the year rows serve
  past years only;
* per due month (kind ``due``, no key), every year: the cases due that month and those
  completed by their due time, whoever handled them: the due window's totals.
"""

import datetime

from django.db import connection, transaction
from django.db.models import Count, DateField, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from units.months import first_of

CATEGORY, UNIT, DUE = "category", "unit", "due"
COUNTS = ["cases", "completed", "callbacks", "satisfied", "online_completed", "on_time"]
CHUNK = 60  # months per grouped query


def on_time() -> Q:
    return Q(is_completed=True, completed_at__lte=F("due_at"))


def _unit_counts() -> dict:
    from .rollup import CALLED_BACK, SATISFIED

    return {
        "cases": Count("pk"),
        "completed": Count("pk", filter=Q(is_completed=True)),
        "callbacks": Count("pk", filter=Q(feedback__in=CALLED_BACK)),
        "satisfied": Count("pk", filter=Q(feedback__in=SATISFIED)),
        "online_completed": Count("pk", filter=Q(is_online=True)),
        "on_time": Count("pk", filter=on_time()),
    }


def due_month_of(value: datetime.datetime | None) -> datetime.date | None:
    if value is None:
        return None
    return first_of(value)


def rebuild(months, *, case_model=None, tally_model=None, year_model=None) -> None:
    """Recount the given months (first days) from their cases, and their years from the months;
    months without cases lose their rows.

    Given historical models without ``year_model`` (the migration that created the month
    tallies, before the year tallies existed), the years are left to a later migration.
    """
    if case_model is None:
        from .models import Case as case_model
        from .models import CaseYearTally as year_model
    if tally_model is None:
        from .models import CaseTally as tally_model
    wanted = sorted({month for month in months if month is not None})
    if not wanted:
        return
    due = TruncMonth("due_at", output_field=DateField(), tzinfo=timezone.get_default_timezone())
    with transaction.atomic():
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            tally_model.objects.filter(month__in=chunk).delete()
            cases = case_model.objects.filter(month__in=chunk).order_by()
            rows = [
                tally_model(kind=UNIT, key=row.pop("handling_unit"), **row)
                for row in cases.values("month", "handling_unit", due_month=due).annotate(**_unit_counts())
            ]
            rows += [
                tally_model(kind=CATEGORY, key=row["category"], month=row["month"], cases=row["cases"])
                for row in cases.values("month", "category").annotate(cases=Count("pk"))
            ]
            tally_model.objects.bulk_create(rows, batch_size=1000)
        if year_model is not None:
            rebuild_years(wanted, tally_model=tally_model, year_model=year_model)


def year_of(month: datetime.date) -> datetime.date:
    return datetime.date(month.year, 1, 1)


def rebuild_years(months, *, tally_model=None, year_model=None) -> None:
    """Sum the month rows of the years of ``months`` into their year rows (one read per year)."""
    if tally_model is None:
        from .models import CaseTally as tally_model
    if year_model is None:
        from .models import CaseYearTally as year_model
    years = sorted({year_of(month) for month in months if month is not None})
    with transaction.atomic():
        for year in years:
            rows = (
                tally_model.objects.filter(month__gte=year, month__lte=year.replace(month=12))
                .order_by()
                .values_list("kind", "key", "due_month", *COUNTS)
            )
            year_model.objects.filter(year=year).delete()
            year_model.objects.bulk_create(
                [
                    year_model(
                        year=year, kind=kind, key=key, due_month=due, **dict(zip(COUNTS, counts, strict=True))
                    )
                    for (kind, key, due), counts in _summed_year(year, rows).items()
                ],
                batch_size=1000,
            )


def _summed_year(year: datetime.date, rows) -> dict[tuple, list]:
    """(kind, key, due month) → counts of a year's month rows (see the module docstring)."""
    summed: dict[tuple, list] = {}

    def add(kind, key, due_month, counts):
        row = summed.setdefault((kind, key, due_month), [0] * len(COUNTS))
        for index, count in enumerate(counts):
            row[index] += count

    on_time_at = COUNTS.index("on_time")
    for kind, key, due_month, *counts in rows:
        if kind != UNIT:
            add(kind, key, None, counts)
            continue
        inside = due_month is not None and due_month.year == year.year
        add(UNIT, key, year.replace(month=12) if inside else due_month, counts)
        if due_month is not None:
            due = [0] * len(COUNTS)
            due[0], due[on_time_at] = counts[0], counts[on_time_at]
            add(DUE, "", due_month, due)
    return summed


def rebuild_all(*, case_model=None, tally_model=None, year_model=None) -> int:
    """Every month's and year's tallies again (the migration's backfill and the management command)."""
    if case_model is None:
        from .models import Case as case_model
        from .models import CaseYearTally as year_model
    if tally_model is None:
        from .models import CaseTally as tally_model
    months = set(case_model.objects.order_by().values_list("month", flat=True).distinct())
    months |= set(tally_model.objects.order_by().values_list("month", flat=True).distinct())
    rebuild(months, case_model=case_model, tally_model=tally_model, year_model=year_model)
    if year_model is not None:  # years left with rows and no month: emptied
        stale = set(year_model.objects.order_by().values_list("year", flat=True).distinct())
        rebuild_years(
            stale - {year_of(month) for month in months}, tally_model=tally_model, year_model=year_model
        )
    return len(months)


def sums(start: datetime.date, end: datetime.date, window_end: datetime.date, this_month: datetime.date):
    """Per kind and key, the counts of the months ``start``–``end`` and, of those, the cases
    (and on time) due in whole months before ``this_month``: a list of (kind, key, *COUNTS[:5],
    due, on time). And of every month's cases, those (and on time) due from ``start`` to
    before ``window_end``. One query; returns (rows, window due, window on time).

    Whole years of the period that are over before ``this_month`` are read from the year
    rows, its other months from the month rows; the window from the year rows' due months.
    Written as SQL: the ORM's conditional sums cost more to compile than the tables cost to
    read. Grouped parts joined by UNION ALL, each reading only its own rows by an index,
    merged here by kind and key.
    """
    from .models import CaseTally, CaseYearTally

    months = connection.ops.quote_name(CaseTally._meta.db_table)
    years = connection.ops.quote_name(CaseYearTally._meta.db_table)
    key = connection.ops.quote_name("key")
    day = connection.ops.adapt_datefield_value
    first_year, after_years = _whole_past_years(start, end, this_month)
    period_sums = (
        f"kind, {key}, "
        + ", ".join(f"SUM({name})" for name in COUNTS[:5])
        + ", SUM(CASE WHEN due_month < %s THEN cases ELSE 0 END)"
        + ", SUM(CASE WHEN due_month < %s THEN on_time ELSE 0 END)"
    )
    sql = (
        f"SELECT {period_sums} FROM {months} WHERE month >= %s AND month < %s GROUP BY kind, {key} "
        f"UNION ALL SELECT {period_sums} FROM {months} WHERE month >= %s AND month <= %s GROUP BY kind, {key} "
        f"UNION ALL SELECT {period_sums} FROM {years} "
        f"WHERE kind <> %s AND year >= %s AND year < %s GROUP BY kind, {key} "
        f"UNION ALL SELECT %s, '', 0, 0, 0, 0, 0, SUM(cases), SUM(on_time) FROM {years} "
        "WHERE kind = %s AND due_month >= %s AND due_month < %s"
    )
    before = [day(this_month), day(this_month)]
    params = [
        *before,
        *(day(start), day(first_year)),
        *before,
        *(day(after_years), day(end)),
        *before,
        *(DUE, day(first_year), day(after_years)),
        *(DUE, DUE, day(start), day(window_end)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    merged: dict[tuple, list] = {}
    window_due = window_on_time = 0
    for kind, name, *counts in found:
        if kind == DUE:
            window_due, window_on_time = (int(value or 0) for value in counts[-2:])
            continue
        row = merged.setdefault((kind, name), [0] * len(counts))
        for index, count in enumerate(counts):
            row[index] += int(count or 0)
    return [(kind, name, *counts) for (kind, name), counts in merged.items()], window_due, window_on_time


def _whole_past_years(start: datetime.date, end: datetime.date, this_month: datetime.date):
    """The whole calendar years of ``start``–``end`` over before ``this_month``, as
    [first, after): the months before ``first`` and from ``after`` on are read month by
    month; no such year gives first = after = start (every month month by month)."""
    first = start if start.month == 1 else datetime.date(start.year + 1, 1, 1)
    after = min(datetime.date(end.year + (end.month == 12), 1, 1), year_of(this_month))
    return (first, after) if first < after else (start, start)
