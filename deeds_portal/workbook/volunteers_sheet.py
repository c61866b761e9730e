"""党员志愿者服务 in the monthly workbook: the month's shifts, from attendance, per service type."""

from collections import Counter
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from units.dates import today
from units.scoping import scope_queryset, unit_path_of
from volunteers.models import Assignment, ProblemSolved, Shift

from .layout import DECIMAL, INTEGER, TEXT, TOTAL, Column, SheetWriter

NAME = "党员志愿者服务"
COLUMNS = [
    Column("服务类型", TEXT, 22),
    Column("开展班次(个)", INTEGER, 12),
    Column("服务志愿者(人)", INTEGER, 14),
    Column("服务时长(小时)", DECIMAL, 14),
    Column("服务群众(人次)", INTEGER, 14),
    Column("解决问题(件次)", INTEGER, 14),
    Column("未满员班次(个)", INTEGER, 14),
]


def _scoped(queryset, context, unit_path=None):
    if context.user is None:
        return queryset
    return scope_queryset(queryset, context.user, unit_path or unit_path_of(queryset.model))


def _month(context):
    """Shifts of the month (none after its last day: a month's figures are those of the month).

    By ``Shift.month`` (the first day of the shift's date's month, kept by the model and by
    shift generation), which its (month, service) index serves.
    """
    return _scoped(Shift.objects.filter(month=context.month), context)


def by_service(context) -> list[list]:
    """The sheet's rows, one per service type with shifts held in the month."""
    return _month_figures(context)[0]


def _month_figures(context) -> tuple[list[list], int]:
    """(rows per service, volunteers who attended any shift): 3 queries, run once per workbook."""
    return context.once("volunteers", lambda: _count(context))


def _count(context) -> tuple[list[list], int]:
    in_month = {"shift__month": context.month}
    # Per service type, the month's shifts: held ones (not cancelled, not still to come) and
    # their citizens; short ones (fewer booked than needed, not cancelled: ``with_staffing``'s
    # rule, its count of bookings as a subquery) whether held or not. Counted in SQL, a row per
    # service rather than per shift.
    held = Q(is_cancelled=False, date__lte=today())
    booked = (
        Assignment.objects.filter(shift=OuterRef("pk"))
        .order_by()
        .values("shift")
        .annotate(booked=Count("pk"))
        .values("booked")
    )
    shifts = (
        _month(context)
        .order_by()
        .values_list("service__name", "service__sort_order")
        .annotate(
            held=Count("pk", filter=held),
            citizens=Sum("citizens_served", filter=held),
            short=Count("pk", filter=Q(is_cancelled=False, headcount__gt=Coalesce(Subquery(booked), 0))),
        )
    )
    attended = (
        _scoped(Assignment.objects.attended(), context)
        .filter(**in_month)
        .order_by()
        .values_list("shift__service__name", "volunteer_id", "hours")
    )
    problems = (
        _scoped(ProblemSolved.objects.filter(shift__is_cancelled=False), context, "shift__post__unit")
        .filter(**in_month)
        .order_by()
        .values_list("shift__service__name", "count")
    )
    # A service type appears once it held a shift in the month (its short shifts counted with it).
    services = {
        name: (order, held, citizens or 0, short) for name, order, held, citizens, short in shifts if held
    }
    volunteers: dict[str, set] = {}
    hours: dict[str, Decimal] = {}
    for name, volunteer, served in attended:
        volunteers.setdefault(name, set()).add(volunteer)
        hours[name] = hours.get(name, Decimal(0)) + (served or Decimal(0))
    solved = Counter()
    for name, count in problems:
        solved[name] += count or 0
    rows = [
        [
            name,
            held,
            len(volunteers.get(name, ())),
            hours.get(name, Decimal(0)),
            citizens,
            solved.get(name, 0),
            short,
        ]
        for name, (_order, held, citizens, short) in sorted(
            services.items(), key=lambda item: (item[1][0], item[0])
        )
    ]
    return rows, len(set().union(*volunteers.values()))


def figures(context) -> dict:
    rows, volunteers = _month_figures(context)
    return {
        "开展班次": sum(r[1] for r in rows),
        "服务志愿者(人)": volunteers,
        "服务时长(小时)": sum((r[3] for r in rows), Decimal(0)),
        "服务群众(人次)": sum(r[4] for r in rows),
        "解决问题(件次)": sum(r[5] for r in rows),
        "未满员班次": sum(r[6] for r in rows),
    }


def summary_rows(values: dict):
    return [
        ("开展班次", values["开展班次"], INTEGER, "个", "本月开展（未取消）的班次"),
        ("服务志愿者(人)", values["服务志愿者(人)"], INTEGER, "人", "本月实际出勤的志愿者人数"),
        ("服务时长(小时)", values["服务时长(小时)"], DECIMAL, "小时", "按出勤记录的实际服务时长，不按报名"),
        ("服务群众(人次)", values["服务群众(人次)"], INTEGER, "人次", ""),
        ("解决问题(件次)", values["解决问题(件次)"], INTEGER, "件次", ""),
        ("未满员班次", values["未满员班次"], INTEGER, "个", "安排人数少于所需人数的班次"),
    ]


def hours_by_month(context) -> list[list]:
    """Attended hours of each month of the year to date (one query): the chart's table."""
    first = context.month.replace(month=1)
    found = dict(
        _scoped(Assignment.objects.attended(), context)
        .filter(shift__month__gte=first, shift__month__lte=context.month)
        .order_by()
        .values_list("shift__month")
        .annotate(hours=Sum("hours"))
    )
    return [
        [f"{number}月", found.get(context.month.replace(month=number)) or Decimal(0)]
        for number in range(1, context.month.month + 1)
    ]


def write(book, context, figures_out: dict) -> None:
    sheet = SheetWriter(
        book,
        NAME,
        f"{context.title} · 党员志愿者服务（本月，截至{context.month_end:%Y年%-m月%-d日}）",
        context.made_at,
        COLUMNS,
    )
    rows = by_service(context)
    sheet.rows(rows)
    values = figures(context)
    # Volunteers are counted once however many service types they served in: the total is not
    # the column's sum.
    names = ["开展班次", "服务志愿者(人)", "服务时长(小时)", "服务群众(人次)", "解决问题(件次)", "未满员班次"]
    sheet.total([TOTAL, *(values[name] for name in names)])
    months = hours_by_month(context)
    table = sheet.section(
        f"{context.month.year}年各月服务时长",
        [Column("月份", TEXT), Column("服务时长(小时)", DECIMAL)],
        months,
        [TOTAL, sum((row[1] for row in months), Decimal(0))],
    )
    sheet.chart(
        "column",
        f"{context.month.year}年各月志愿服务时长",
        [{"name": "服务时长(小时)", "categories": table.column(0), "values": table.column(1)}],
        y_title="小时",
    )
    for row in rows:
        figures_out[f"{row[0]}/开展班次"] = row[1]
        figures_out[f"{row[0]}/服务时长(小时)"] = row[3]
