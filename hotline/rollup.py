"""Cases roll up into months: accepted, completed, callbacks, satisfied, completed online.

Calls are not in a case export (a call need not become a case), so a rolled-up
month keeps the calls it had. A month the office typed is never overwritten: the
rollup reports it instead, and the office decides (switch the month's source to
"rolled up from cases" in the admin, then roll up again).
"""

import datetime

from django.db.models import Count, Q

from units.months import first_of, parse_month

from .models import Case, Feedback, Month, MonthSource

SATISFIED = (Feedback.SATISFIED, Feedback.BASICALLY)  # 满意 + 基本满意, the platform's 综合满意率
CALLED_BACK = (Feedback.SATISFIED, Feedback.BASICALLY, Feedback.UNSATISFIED)


def case_figures():
    """Aggregates giving a month's figures from its cases (one query)."""
    return {
        "accepted": Count("pk"),
        "completed": Count("pk", filter=Q(is_completed=True)),
        "callbacks": Count("pk", filter=Q(feedback__in=CALLED_BACK)),
        "satisfied": Count("pk", filter=Q(feedback__in=SATISFIED)),
        "online_completed": Count("pk", filter=Q(is_online=True)),
    }


def _as_month(value) -> datetime.date:
    return parse_month(value) if isinstance(value, str) else first_of(value)


def roll_up(months) -> list[str]:
    """Recompute the given months (and their case tallies) from their cases.

    Returns the typed months left as they were (their tallies are recounted all the same).
    """
    from . import tallies

    wanted = sorted({_as_month(month) for month in months})
    if not wanted:
        return []
    tallies.rebuild(wanted)
    figures = {
        row.pop("month"): row
        for row in Case.objects.filter(month__in=wanted).values("month").annotate(**case_figures())
    }
    existing = {month.month: month for month in Month.objects.filter(month__in=wanted)}
    kept = []
    for month in wanted:
        record = existing.get(month)
        if record is not None and record.source == MonthSource.TYPED:
            kept.append(f"{month:%Y-%m}")
            continue
        counts = figures.get(month, dict.fromkeys(case_figures(), 0))
        if record is None:
            Month.objects.create(month=month, source=MonthSource.CASES, **counts)
        else:
            for name, value in counts.items():
                setattr(record, name, value)
            record.save()
    return kept
