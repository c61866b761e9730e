"""党员志愿者服务 in the monthly workbook: the month's shifts, from attendance, per service type."""

from collections import Counter
from decimal import Decimal

from django.db.models import Count, Sum

from units.scoping import scope_queryset, unit_path_of
from volunteers.models import Assignment, ProblemSolved, Shift

from .layout import DECIMAL, INTEGER, TEXT, Column, SheetWriter

NAME = "党员志愿者服务"
COLUMNS = [
    Column("服务类型", TEXT, 22),
    Column("开展班次", INTEGER, 11),
    Column("服务志愿者(人)", INTEGER, 14),
    Column("服务时长(小时)", DECIMAL, 14),
    Column("服务群众(人次)", INTEGER, 14),
    Column("解决问题(件次)", INTEGER, 14),
    Column("未满员班次", INTEGER, 11),
]


def _scoped(queryset, context, unit_path=None):
    if context.user is None:
        return queryset
    return scope_queryset(queryset, context.user, unit_path or unit_path_of(queryset.model))


def _month(context):
    """Shifts of the month (none after its last day: a month's figures are those of the month)."""
    return _scoped(Shift.objects.filter(date__gte=context.month, date__lte=context.month_end), context)


def by_service(context) -> list[list]:
    """The sheet's rows, one per service type (4 queries, run once per workbook)."""
    return context.once("volunteers", lambda: _by_service(context))


def _by_service(context) -> list[list]:
    shifts = (
        _month(context)
        .held()
        .values("service__name", "service__sort_order")
        .annotate(held=Count("pk"), citizens=Sum("citizens_served"))
    )
    attended = (
        _scoped(Assignment.objects.attended(), context)
        .filter(shift__date__gte=context.month, shift__date__lte=context.month_end)
        .values("shift__service__name")
        .annotate(volunteers=Count("volunteer", distinct=True), hours=Sum("hours"))
    )
    problems = (
        _scoped(ProblemSolved.objects.filter(shift__is_cancelled=False), context, "shift__post__unit")
        .filter(shift__date__gte=context.month, shift__date__lte=context.month_end)
        .values("shift__service__name")
        .annotate(solved=Sum("count"))
    )
    # One month's short shifts, counted per service (grouping the staffing annotation again
    # in SQL would count bookings, not shifts).
    short = Counter(_month(context).short_staffed().values_list("service__name", flat=True))
    attended_by = {row["shift__service__name"]: row for row in attended}
    solved_by = {row["shift__service__name"]: row["solved"] or 0 for row in problems}
    rows = []
    for row in sorted(shifts, key=lambda r: (r["service__sort_order"], r["service__name"])):
        name = row["service__name"]
        rows.append(
            [
                name,
                row["held"],
                attended_by.get(name, {}).get("volunteers", 0),
                attended_by.get(name, {}).get("hours") or Decimal(0),
                row["citizens"] or 0,
                solved_by.get(name, 0),
                short.get(name, 0),
            ]
        )
    return rows


def figures(context) -> dict:
    rows = by_service(context)
    volunteers = (
        _scoped(Assignment.objects.attended(), context)
        .filter(shift__date__gte=context.month, shift__date__lte=context.month_end)
        .aggregate(n=Count("volunteer", distinct=True))["n"]
    )
    return {
        "开展班次": sum(r[1] for r in rows),
        "服务志愿者(人)": volunteers or 0,
        "服务时长(小时)": sum((r[3] for r in rows), Decimal(0)),
        "服务群众(人次)": sum(r[4] for r in rows),
        "解决问题(件次)": sum(r[5] for r in rows),
        "未满员班次": sum(r[6] for r in rows),
    }


def summary_rows(values: dict):
    return [
        ("开展班次", values["开展班次"], INTEGER, "本月开展（未取消）的班次"),
        ("服务志愿者(人)", values["服务志愿者(人)"], INTEGER, "本月实际出勤的志愿者人数"),
        ("服务时长(小时)", values["服务时长(小时)"], DECIMAL, "按出勤记录的实际服务时长，不按报名"),
        ("服务群众(人次)", values["服务群众(人次)"], INTEGER, ""),
        ("解决问题(件次)", values["解决问题(件次)"], INTEGER, ""),
        ("未满员班次", values["未满员班次"], INTEGER, "安排人数少于所需人数的班次"),
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
    for row in rows:
        figures_out[f"{row[0]}/开展班次"] = row[1]
        figures_out[f"{row[0]}/服务时长(小时)"] = row[3]
