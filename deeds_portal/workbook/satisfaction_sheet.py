"""百姓监督 in the monthly workbook: citizens' ratings of completed projects, up to the month's end."""

from django.db.models import Count, Q

from suggestions.models import Rating, Satisfaction
from units.rates import percentage

from . import projects_sheet
from .layout import INTEGER, PERCENT, TEXT, TOTAL, Column, SheetWriter

NAME = "百姓监督"
COLUMNS = [
    Column("批次", TEXT, 22),
    Column("项目名称", TEXT, 34),
    Column("责任单位", TEXT, 16),
    Column("评价数(条)", INTEGER, 10),
    Column("满意(条)", INTEGER, 9),
    Column("基本满意(条)", INTEGER, 12),
    Column("不满意(条)", INTEGER, 10),
    Column("满意率(%)", PERCENT, 10),
]


def _ratings(context):
    """Ratings given by the month's end (Asia/Shanghai days), within the reader's units."""
    queryset = Rating.objects.given_by(context.month_end)
    return queryset.for_user(context.user) if context.user is not None else queryset


def _count_aggregates() -> dict:
    return {
        "total": Count("pk"),
        "satisfied": Count("pk", filter=Q(satisfaction=Satisfaction.SATISFIED)),
        "fairly": Count("pk", filter=Q(satisfaction=Satisfaction.FAIRLY)),
        "unsatisfied": Count("pk", filter=Q(satisfaction=Satisfaction.UNSATISFIED)),
    }


def _rate(counts) -> object:
    # The same rule as the project page: satisfied or fairly satisfied ÷ all ratings.
    return percentage(counts["satisfied"] + counts["fairly"], counts["total"])


def _rows(context) -> list[dict]:
    """Ratings given by the month's end per project, in the sheet's order (one query, run once)."""

    def fetch():
        # The projects of the project sheets (the chosen round, or the current one and the
        # overdue ones of earlier rounds): the same rule, from the same rows.
        shown = projects_sheet.project_ids(context)
        found = (
            _ratings(context)
            .values("project__round__name", "project__title", "project__unit__name", "project__pk")
            .annotate(**_count_aggregates())
            .order_by("project__round__start_date", "project__deadline", "project__pk")
        )
        return [row for row in found if row["project__pk"] in shown]

    return context.once("ratings", fetch)


def figures(context) -> dict:
    # Every rating has its project: the per-project counts add up to the whole.
    found = _rows(context)
    counts = {name: sum(row[name] for row in found) for name in _count_aggregates()}
    return {"评价数": counts["total"], "不满意": counts["unsatisfied"], "满意率(%)": _rate(counts)}


def summary_rows(values: dict):
    return [
        ("评价数", values["评价数"], INTEGER, "条", "群众对本表所列批次已完成项目的评价，截至月末"),
        ("不满意", values["不满意"], INTEGER, "条", ""),
        ("满意率", values["满意率(%)"], PERCENT, "%", "（满意 + 基本满意）÷ 评价数；无评价时为空"),
    ]


def write(book, context, figures_out: dict) -> None:
    sheet = SheetWriter(
        book,
        NAME,
        f"{context.title} · 百姓监督（截至{context.month_end:%Y年%-m月%-d日}）",
        context.made_at,
        COLUMNS,
    )
    rows = _rows(context)
    counts = {name: sum(row[name] for row in rows) for name in _count_aggregates()}
    for row in rows:
        rate = _rate(row)
        sheet.row(
            [
                row["project__round__name"],
                row["project__title"],
                row["project__unit__name"],
                row["total"],
                row["satisfied"],
                row["fairly"],
                row["unsatisfied"],
                rate,
            ]
        )
        figures_out[f"{row['project__round__name']}/{row['project__title']}"] = f"{row['total']}条 {rate}%"
    sheet.total(
        [
            TOTAL,
            "",
            "",
            counts["total"],
            counts["satisfied"],
            counts["fairly"],
            counts["unsatisfied"],
            _rate(counts),
        ]
    )
