"""The article's hotline figures (截至6月底): months of January–June 2021 and 2020, and a few demo cases.

The months are chosen so the page computes exactly what the article reports for
January–June 2021 against January–June 2020: calls 9.2万 (+17.4%), cases accepted
52441 (+27.22%), 综合办结率 99.9%, 综合满意率 93.35%. The article gives only the 2021
half-year and its growth; the 2020 figures (and the online completions) are
derived from it or invented, and every demo row is marked ``is_demo``.
"""

import datetime
import itertools

from django.utils import timezone

from .models import COUNT_FIELDS, Case, Feedback, Month, MonthSource

WEIGHTS = (0.15, 0.14, 0.17, 0.17, 0.18)  # January–May; June takes the rest
HALF_YEARS = {
    # calls, accepted, completed, callbacks, satisfied, online completed
    2021: (92_159, 52_441, 52_388, 40_000, 37_340, 15_732),
    2020: (78_500, 41_221, 41_100, 32_000, 29_500, 11_000),
}
DEMO_UNITS = [
    "演示·市住房和城乡建设局",
    "演示·市城市管理局",
    "演示·市供水公司",
    "演示·市人力资源和社会保障局",
]
DEMO_CATEGORIES = [
    ("城乡建设", "物业管理"),
    ("城市管理", "占道经营"),
    ("公用事业", "停水"),
    ("劳动保障", "欠薪"),
]
DEMO_CASES = 40


def month_rows() -> list[tuple[datetime.date, dict]]:
    rows = []
    for year, totals in HALF_YEARS.items():
        split = [[int(total * weight) for weight in WEIGHTS] for total in totals]
        for values, total in zip(split, totals, strict=True):
            values.append(total - sum(values))
        for index in range(6):
            rows.append(
                (
                    datetime.date(year, index + 1, 1),
                    {name: split[i][index] for i, name in enumerate(COUNT_FIELDS)},
                )
            )
    return rows


def load(unit_map=None) -> None:
    """Idempotent; a month the office has entered itself (not demo) is left alone."""
    for month, figures in month_rows():
        existing = Month.objects.filter(month=month).first()
        if existing is not None and not existing.is_demo:
            continue
        if existing is None:
            Month.objects.create(month=month, source=MonthSource.TYPED, is_demo=True, **figures)
        elif any(getattr(existing, name) != value for name, value in figures.items()):
            for name, value in figures.items():
                setattr(existing, name, value)
            existing.save()
    _load_cases()


def _load_cases() -> None:
    feedback = itertools.cycle(
        [Feedback.SATISFIED] * 5 + [Feedback.BASICALLY, Feedback.UNSATISFIED, Feedback.NONE]
    )
    for index in range(DEMO_CASES):
        unit = DEMO_UNITS[index % len(DEMO_UNITS)]
        category, subcategory = DEMO_CATEGORIES[(index * 3) % len(DEMO_CATEGORIES)]
        received = timezone.make_aware(datetime.datetime(2021, 6, 1 + index % 28, 9, index % 60))
        completed = index % 10 != 9
        Case.objects.update_or_create(
            number=f"DEMO-202106{index + 1:04d}",
            defaults={
                "received_at": received,
                "month": datetime.date(2021, 6, 1),
                "channel": "电话" if index % 3 else "微信",
                "kind": "求助",
                "category": category,
                "subcategory": subcategory,
                "handling_unit": unit,
                "status": "已办结" if completed else "办理中",
                "is_completed": completed,
                "completed_at": received + datetime.timedelta(days=2 + index % 5) if completed else None,
                "due_at": received + datetime.timedelta(days=5),
                "feedback": next(feedback) if completed else Feedback.NONE,
                "is_online": completed and index % 4 == 0,
                "is_demo": True,
            },
        )
