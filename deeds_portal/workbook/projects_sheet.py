"""开门办实事 in the monthly workbook: every project as it stood at the month's end."""

from django.db.models import Avg, Count, Q

from projects.models import Project, ProjectStatus
from units.rates import percentage

from .layout import DATE, DECIMAL, INTEGER, PERCENT, TEXT, Column, SheetWriter

NAME = "开门办实事"
COLUMNS = [
    Column("批次", TEXT, 22),
    Column("项目名称", TEXT, 34),
    Column("责任单位", TEXT, 16),
    Column("完成时限", DATE, 12),
    Column("月末状态", TEXT, 10),
    Column("月末进度", PERCENT, 10),
    Column("上月末进度", PERCENT, 11),
    Column("较上月末(百分点)", INTEGER, 15),
    Column("逾期", TEXT, 8),
    Column("是否公开", TEXT, 9),
]
TOTAL_COLUMNS = [
    Column("名称", TEXT, 22),
    Column("项目数", INTEGER),
    Column("已完成", INTEGER),
    Column("逾期", INTEGER),
    Column("完成率", PERCENT),
    Column("平均进度", DECIMAL),
]
STATUS_WORDS = {
    ProjectStatus.NOT_STARTED: "未开始",
    ProjectStatus.IN_PROGRESS: "进行中",
    ProjectStatus.COMPLETED: "已完成",
    ProjectStatus.OVERDUE: "逾期",
}


def projects(context):
    """The ledger as of the month's end: approved projects of rounds begun by then, within the reader's units."""
    queryset = Project.objects.approved().filter(round__start_date__lte=context.month_end)
    return queryset.for_user(context.user) if context.user is not None else queryset


def figures(context) -> dict:
    result = projects(context).figures(on=context.month_end)
    return {
        "项目总数": result["total"],
        "已完成": result[ProjectStatus.COMPLETED.value],
        "进行中": result[ProjectStatus.IN_PROGRESS.value],
        "未开始": result[ProjectStatus.NOT_STARTED.value],
        "逾期": result[ProjectStatus.OVERDUE.value],
        "完成率(%)": result["completion_rate"],
        "平均进度(%)": result["average_percent"],
    }


def summary_rows(values: dict) -> list[tuple[str, object, str, str]]:
    """(indicator, value, kind, what it means) for the summary sheet."""
    return [
        ("项目总数", values["项目总数"], INTEGER, "月末前已开始的批次中的项目"),
        ("已完成", values["已完成"], INTEGER, "月末时状态为已完成"),
        ("进行中", values["进行中"], INTEGER, ""),
        ("未开始", values["未开始"], INTEGER, ""),
        ("逾期", values["逾期"], INTEGER, "完成时限早于月末且月末时未完成"),
        ("完成率", values["完成率(%)"], PERCENT, "已完成 ÷ 项目总数"),
    ]


def _totals(queryset, on, group: str, order: list[str]) -> list[list]:
    rows = (
        queryset.with_progress(on)
        .values(group)
        .annotate(
            total=Count("pk"),
            completed=Count("pk", filter=Q(derived_status=ProjectStatus.COMPLETED.value)),
            overdue=Count("pk", filter=Q(derived_status=ProjectStatus.OVERDUE.value)),
            average=Avg("progress_percent"),
        )
        .order_by(*order)
    )
    return [
        [
            row[group],
            row["total"],
            row["completed"],
            row["overdue"],
            percentage(row["completed"], row["total"]),
            row["average"],
        ]
        for row in rows
    ]


def write(book, context, figures_out: dict) -> None:
    queryset = projects(context)
    sheet = SheetWriter(
        book,
        NAME,
        f"{context.title} · 开门办实事（截至{context.month_end:%Y年%-m月%-d日}）",
        context.made_at,
        COLUMNS,
    )
    previous = dict(queryset.with_progress(context.previous_end).values_list("pk", "progress_percent"))
    rows = (
        queryset.with_progress(context.month_end)
        .select_related("round", "unit")
        .order_by("round__start_date", "round__pk", "deadline", "pk")
    )
    for project in rows.iterator(chunk_size=2000):
        before = previous.get(project.pk, 0)
        status = project.derived_status
        sheet.row(
            [
                project.round.name,
                project.title,
                project.unit.name,
                project.deadline,
                STATUS_WORDS[status],
                project.progress_percent,
                before,
                project.progress_percent - before,
                "是" if status == ProjectStatus.OVERDUE else "",
                "是" if project.is_public else "否",
            ]
        )
        figures_out[f"{project.round.name}/{project.title}"] = (
            f"{STATUS_WORDS[status]} {project.progress_percent}%"
        )
    sheet.section(
        "按责任单位汇总",
        [Column("责任单位", TEXT), *TOTAL_COLUMNS[1:]],
        _totals(queryset, context.month_end, "unit__name", ["unit__sort_order", "unit__name"]),
    )
    sheet.section(
        "按批次汇总",
        [Column("批次", TEXT), *TOTAL_COLUMNS[1:]],
        _totals(queryset, context.month_end, "round__name", ["round__start_date", "round__name"]),
    )
