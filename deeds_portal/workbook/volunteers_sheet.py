"""党员志愿者服务 in the monthly workbook: the month's shifts, from attendance, per service type."""

from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from units.months import year_start
from units.scoping import scope_queryset, unit_path_of
from volunteers.models import Assignment, Shift
from volunteers.services import month_figures

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
    """(rows per service, volunteers who attended any shift): 5 queries, run once per workbook."""
    return context.once("volunteers", lambda: _count(context))


def _count(context) -> tuple[list[list], int]:
    # The month's figures per service type as the public page shows them (one function, one
    # rule), within the reader's units; then what only the workbook prints: short shifts (fewer
    # booked than needed, not cancelled: ``with_staffing``'s rule, its count of bookings as a
    # subquery) whether held or not, and the volunteers who served in the month, each once.
    user = context.user
    shown = month_figures(context.month, context.month, user)
    booked = (
        Assignment.objects.filter(shift=OuterRef("pk"))
        .order_by()
        .values("shift")
        .annotate(booked=Count("pk"))
        .values("booked")
    )
    short = dict(
        _month(context)
        .filter(is_cancelled=False, headcount__gt=Coalesce(Subquery(booked), 0))
        .order_by()
        .values_list("service__name")
        .annotate(short=Count("pk"))
    )
    volunteers = (
        _scoped(Assignment.objects.attended(), context)
        .filter(shift__month=context.month)
        .values("volunteer")
        .distinct()
        .count()
    )
    # A service type appears once it held a shift in the month (its short shifts counted with it).
    rows = [
        [
            row["service"],
            row["shifts"],
            row["volunteers"],
            row["hours"],
            row["citizens"],
            row["problems"],
            short.get(row["service"], 0),
        ]
        for row in shown
        if row["shifts"]
    ]
    return rows, volunteers


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
    first = year_start(context.month)
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
