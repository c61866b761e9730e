"""开门办实事 in the monthly workbook: every project as it stood at the month's end."""

from collections import Counter

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from projects.models import ProgressUpdate, Project, ProjectStatus, derive_status
from units.rates import percentage

from .layout import DATE, DECIMAL, INTEGER, PERCENT, TEXT, TOTAL, Column, SheetWriter

NAME = "开门办实事"
COLUMNS = [
    Column("批次", TEXT, 22),
    Column("项目名称", TEXT, 34),
    Column("责任单位", TEXT, 16),
    Column("完成时限", DATE, 12),
    Column("月末状态", TEXT, 10),
    Column("月末进度(%)", PERCENT, 10),
    Column("上月末进度(%)", PERCENT, 11),
    Column("较上月末(百分点)", INTEGER, 15),
    Column("逾期", TEXT, 8),
    Column("是否公开", TEXT, 9),
]
TOTAL_COLUMNS = [
    Column("名称", TEXT, 22),
    Column("项目数(个)", INTEGER),
    Column("已完成(个)", INTEGER),
    Column("逾期(个)", INTEGER),
    Column("完成率(%)", PERCENT),
    Column("平均进度(%)", DECIMAL),
]
COMPLETED, OVERDUE = ProjectStatus.COMPLETED.value, ProjectStatus.OVERDUE.value
STATUS_WORDS = {
    ProjectStatus.NOT_STARTED: "未开始",
    ProjectStatus.IN_PROGRESS: "进行中",
    ProjectStatus.COMPLETED: "已完成",
    ProjectStatus.OVERDUE: "逾期",
}


def projects(context):
    """The ledger as of the month's end: approved projects of rounds begun by then, within the
    reader's units; of the chosen round only, when one is chosen."""
    queryset = Project.objects.approved().filter(round__start_date__lte=context.month_end)
    if context.round is not None:
        queryset = queryset.filter(round=context.round)
    return queryset.for_user(context.user) if context.user is not None else queryset


def _in_scope(context):
    """Whether a row belongs in the sheets: with no round chosen, the current round's projects
    and those of earlier rounds that were overdue at the month's end (a round's leftovers stay
    before the leaders until done); a finished earlier round no longer counts."""
    current = context.current_round
    if context.round is not None or current is None:
        return lambda row: True
    return lambda row: row[ROUND_ID] == current.pk or row[STATUS] == OVERDUE


ROW_FIELDS = [
    "round__name",
    "title",
    "unit__name",
    "deadline",
    "progress_status",
    "progress_percent",
    "previous_percent",
    "is_public",
    "round__start_date",
    "unit__sort_order",
    "round_id",
    "pk",
]
(
    ROUND,
    TITLE,
    UNIT,
    DEADLINE,
    STATUS,
    PERCENT_NOW,
    PERCENT_BEFORE,
    PUBLIC,
    ROUND_START,
    UNIT_ORDER,
    ROUND_ID,
    PK,
) = range(12)


def rows(context) -> list[tuple]:
    """Every project of the sheet with its progress at the month's end and at the previous
    month's end, in the sheet's order (one query, run once per workbook).

    The status at the month's end is derived from the recorded one by ``derive_status``
    (the rule ``with_progress`` writes in SQL), not selected: SQL would run the latest
    update's subquery twice more per project for it.
    """

    def fetch():
        on = context.month_end
        # Approved updates only, as ``with_progress`` counts them (review before publishing).
        before = (
            ProgressUpdate.objects.approved()
            .filter(project=OuterRef("pk"), date__lte=context.previous_end)
            .order_by("-date", "-pk")
        )
        found = (
            projects(context)
            .with_progress(on)
            .annotate(previous_percent=Coalesce(Subquery(before.values("percent")[:1]), Value(0)))
            .order_by("round__start_date", "round__pk", "deadline", "pk")
            .values_list(*ROW_FIELDS)
        )
        derived = (
            (*row[:STATUS], str(derive_status(row[STATUS], row[DEADLINE], on)), *row[STATUS + 1 :])
            for row in found
        )
        return list(filter(_in_scope(context), derived))

    return context.once("projects", fetch)


def figures(context) -> dict:
    """The same figures as ``ProjectQuerySet.figures`` gives, counted from the sheet's rows."""
    found = rows(context)
    statuses = Counter(row[STATUS] for row in found)
    total = len(found)
    return {
        "项目总数": total,
        "已完成": statuses[ProjectStatus.COMPLETED.value],
        "进行中": statuses[ProjectStatus.IN_PROGRESS.value],
        "未开始": statuses[ProjectStatus.NOT_STARTED.value],
        "逾期": statuses[ProjectStatus.OVERDUE.value],
        "完成率(%)": percentage(statuses[ProjectStatus.COMPLETED.value], total),
        "平均进度(%)": sum(row[PERCENT_NOW] for row in found) / total if total else None,
    }


def project_ids(context) -> set:
    """The projects the sheets hold (the satisfaction sheet rates the same ones)."""
    return {row[PK] for row in rows(context)}


def summary_rows(values: dict) -> list[tuple[str, object, str, str, str]]:
    """(indicator, value, kind, unit, what it means) for the summary sheet."""
    return [
        ("项目总数", values["项目总数"], INTEGER, "个", "本表所列批次的项目（见标题）"),
        ("已完成", values["已完成"], INTEGER, "个", "月末时状态为已完成"),
        ("进行中", values["进行中"], INTEGER, "个", ""),
        ("未开始", values["未开始"], INTEGER, "个", ""),
        ("逾期", values["逾期"], INTEGER, "个", "完成时限早于月末且月末时未完成"),
        ("完成率", values["完成率(%)"], PERCENT, "%", "已完成 ÷ 项目总数"),
    ]


def _totals(found: list[tuple], order, name: int) -> list[list]:
    """Per unit or round: projects, completed, overdue, completion rate, average percent."""
    groups: dict = {}
    for row in found:
        group = groups.get(order(row))
        if group is None:
            group = groups[order(row)] = [row[name], 0, 0, 0, 0]
        group[1] += 1
        group[2] += row[STATUS] == COMPLETED
        group[3] += row[STATUS] == OVERDUE
        group[4] += row[PERCENT_NOW]
    return [
        [label, total, completed, overdue, percentage(completed, total), percent_sum / total]
        for _key, (label, total, completed, overdue, percent_sum) in sorted(groups.items())
    ]


def _total_row(found: list[tuple]) -> list:
    """The 合计 row of a totals table: every project of the sheet once."""
    total = len(found)
    completed = sum(row[STATUS] == COMPLETED for row in found)
    overdue = sum(row[STATUS] == OVERDUE for row in found)
    average = sum(row[PERCENT_NOW] for row in found) / total if total else None
    return [TOTAL, total, completed, overdue, percentage(completed, total), average]


def write(book, context, figures_out: dict) -> None:
    sheet = SheetWriter(
        book,
        NAME,
        f"{context.title} · 开门办实事（截至{context.month_end:%Y年%-m月%-d日}）",
        context.made_at,
        COLUMNS,
    )
    found = rows(context)
    sheet.rows(
        [
            row[ROUND],
            row[TITLE],
            row[UNIT],
            row[DEADLINE],
            STATUS_WORDS[row[STATUS]],
            row[PERCENT_NOW],
            row[PERCENT_BEFORE],
            row[PERCENT_NOW] - row[PERCENT_BEFORE],
            "是" if row[STATUS] == OVERDUE else "",
            "是" if row[PUBLIC] else "否",
        ]
        for row in found
    )
    for row in found:
        figures_out[f"{row[ROUND]}/{row[TITLE]}"] = f"{STATUS_WORDS[row[STATUS]]} {row[PERCENT_NOW]}%"
    sheet.section(
        "按责任单位汇总",
        [Column("责任单位", TEXT), *TOTAL_COLUMNS[1:]],
        _totals(found, lambda row: (row[UNIT_ORDER], row[UNIT]), UNIT),
        _total_row(found),
    )
    sheet.section(
        "按批次汇总",
        [Column("批次", TEXT), *TOTAL_COLUMNS[1:]],
        _totals(found, lambda row: (row[ROUND_START], row[ROUND]), ROUND),
        _total_row(found),
    )
    statuses = Counter(row[STATUS] for row in found)
    by_status = sheet.section(
        "按月末状态汇总",
        [Column("月末状态", TEXT), Column("项目数(个)", INTEGER), Column("占比(%)", PERCENT)],
        [
            [word, statuses[status.value], percentage(statuses[status.value], len(found))]
            for status, word in STATUS_WORDS.items()
        ],
        [TOTAL, len(found), percentage(len(found), len(found))],
    )
    sheet.chart(
        "column",
        f"项目月末状态（{context.rounds_label}）",
        [
            {
                "name": "项目数(个)",
                "categories": by_status.column(0),
                "values": by_status.column(1),
                "data_labels": {"value": True},
            }
        ],
        y_title="个",
    )
