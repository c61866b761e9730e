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
"""

import datetime

from django.db import connection, transaction
from django.db.models import Count, DateField, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from units.months import first_of

CATEGORY, UNIT = "category", "unit"
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


def rebuild(months, *, case_model=None, tally_model=None) -> None:
    """Recount the given months (first days) from their cases; months without cases lose their rows."""
    if case_model is None:
        from .models import Case as case_model
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


def rebuild_all(*, case_model=None, tally_model=None) -> int:
    """Every month's tallies again (the migration's backfill and the management command)."""
    if case_model is None:
        from .models import Case as case_model
    if tally_model is None:
        from .models import CaseTally as tally_model
    months = set(case_model.objects.order_by().values_list("month", flat=True).distinct())
    months |= set(tally_model.objects.order_by().values_list("month", flat=True).distinct())
    rebuild(months, case_model=case_model, tally_model=tally_model)
    return len(months)


def sums(start: datetime.date, end: datetime.date, window_end: datetime.date, this_month: datetime.date):
    """Per kind and key: the counts of the months ``start``–``end``; of those, the cases (and
    on time) due in whole months before ``this_month``; and of every month's cases, those
    (and on time) due from ``start`` to before ``window_end``. One query.

    Written as SQL: the ORM's conditional sums cost more to compile than the table costs
    to read. Two grouped halves joined by UNION ALL, each reading only its own rows (the
    period's months; the units' rows due in the window, by their index) with plain sums,
    rather than one pass testing every condition on every row of either: over ten years
    of months that halves the query. The halves are merged here, by kind and key.
    """
    from .models import CaseTally

    table = connection.ops.quote_name(CaseTally._meta.db_table)
    key = connection.ops.quote_name("key")
    day = connection.ops.adapt_datefield_value
    plain = ", ".join(f"SUM({name})" for name in COUNTS[:5])
    sql = (
        f"SELECT 0, kind, {key}, {plain}, "
        "SUM(CASE WHEN due_month < %s THEN cases ELSE 0 END), "
        "SUM(CASE WHEN due_month < %s THEN on_time ELSE 0 END), 0, 0 "
        f"FROM {table} WHERE month >= %s AND month <= %s GROUP BY kind, {key} "
        "UNION ALL "
        f"SELECT 1, kind, {key}, 0, 0, 0, 0, 0, 0, 0, SUM(cases), SUM(on_time) "
        f"FROM {table} WHERE kind = %s AND due_month >= %s AND due_month < %s GROUP BY kind, {key}"
    )
    params = [day(this_month), day(this_month), day(start), day(end), UNIT, day(start), day(window_end)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    merged: dict[tuple, list] = {}
    for half, kind, name, *counts in found:
        row = merged.setdefault((kind, name), [kind, name, *([0] * len(counts))])
        # The period half carries the first seven sums, the window half the last two.
        for index in range(7, 9) if half else range(7):
            row[2 + index] = counts[index]
    return [tuple(row) for row in merged.values()]
