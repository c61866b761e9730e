"""深化简政放权 in the monthly workbook: the catalogue's figures at the month's end.

"Landed" and "entered" as of the month's end are the catalogue's own rules
(``reforms.models.landed_by`` and ``entered_by``), the ones ``ServiceItem.objects.figures(on)``
and the public page count by.
For the month still running, the end is the day the workbook is made: a date still to come
is not counted yet (as on /reforms/).
"""

from django.db.models import Count, Q

from reforms.models import ServiceItem, entered_by, landed_by
from units.rates import percentage

from .layout import INTEGER, PERCENT, TEXT, TOTAL, Column, SheetWriter

NAME = "深化简政放权"


def _counted_to(context):
    """The month's end, or the day the workbook is made if that is earlier."""
    return min(context.month_end, context.made_at.date())


def _items(context):
    queryset = ServiceItem.objects.published()  # approved by the office
    return queryset.for_user(context.user) if context.user is not None else queryset


def planned_by(on) -> Q:
    """Items of a batch whose plan (计划落地日期) said they would have landed by ``on``."""
    return Q(batch__isnull=False, planned_landing_on__lte=on)


def _groups(context) -> list[dict]:
    """Items per 一件事一次办 batch (and those of none): how many, landed by the month's end,
    near at hand (就近办) and under one seal (一枚公章). One query, run once per workbook."""

    def fetch():
        return list(
            _items(context)
            .values("batch")
            .annotate(
                total=Count("pk"),
                landed=Count("pk", filter=landed_by(_counted_to(context))),
                planned=Count("pk", filter=planned_by(_counted_to(context))),
                late=Count("pk", filter=planned_by(_counted_to(context)) & ~landed_by(_counted_to(context))),
                nearby=Count("pk", filter=Q(nearby=True)),
                one_seal=Count("pk", filter=Q(one_seal=True)),
            )
            .order_by("batch")
        )

    return context.once("reform_groups", fetch)


def _batches(context) -> list[dict]:
    return [row for row in _groups(context) if row["batch"] is not None]


def _windows(context) -> list[dict]:
    """Items that should enter the one-window hall per implementing unit, and how many had
    entered by the month's end (run once)."""

    def fetch():
        return list(
            _items(context)
            .filter(should_enter=True)
            .values("implementing_unit__name")
            .annotate(total=Count("pk"), entered=Count("pk", filter=entered_by(_counted_to(context))))
            .order_by("implementing_unit__name")
        )

    return context.once("reform_windows", fetch)


def figures(context) -> dict:
    """The catalogue's figures (as ``ServiceItemQuerySet.figures`` counts them) at the month's end,
    added up from the sheet's two tables."""
    groups, batches, windows = _groups(context), _batches(context), _windows(context)
    one_go = sum(row["total"] for row in batches)
    landed = sum(row["landed"] for row in batches)
    window_items = sum(row["total"] for row in windows)
    # Only an item that should enter can have entered (a constraint of the catalogue), so the
    # entered items are those of the one-window table.
    entered = sum(row["entered"] for row in windows)
    return {
        "就近办事项": sum(row["nearby"] for row in groups),
        "一枚公章": sum(row["one_seal"] for row in groups),
        "一件事一次办批次": len(batches),
        "一件事一次办事项": one_go,
        "月末已落地": landed,
        "落地率(%)": percentage(landed, one_go),
        # Unit names are unique and every item has its implementing unit: a row per unit.
        "一窗通办单位": len(windows),
        "应进驻事项": window_items,
        "已进驻事项": entered,
        "入驻率(%)": percentage(entered, window_items),
    }


def summary_rows(values: dict):
    return [
        ("就近办事项", values["就近办事项"], INTEGER, "个", "村(社区)就近办高频事项"),
        ("一枚公章", values["一枚公章"], INTEGER, "个", "一枚公章管审批的事项"),
        (
            "一件事一次办事项",
            values["一件事一次办事项"],
            INTEGER,
            "个",
            f"共 {values['一件事一次办批次']} 批",
        ),
        ("月末已落地", values["月末已落地"], INTEGER, "个", "落地日期不晚于月末"),
        ("落地率", values["落地率(%)"], PERCENT, "%", "月末已落地 ÷ 一件事一次办事项"),
        ("一窗通办单位", values["一窗通办单位"], INTEGER, "个", "有应进驻事项的市直单位"),
        ("入驻率", values["入驻率(%)"], PERCENT, "%", "月末已进驻 ÷ 应进驻"),
    ]


def write(book, context, figures_out: dict) -> None:
    sheet = SheetWriter(
        book,
        NAME,
        f"{context.title} · 深化简政放权（截至{_counted_to(context):%Y年%-m月%-d日}）",
        context.made_at,
        [
            Column("一件事一次办批次", TEXT, 18),
            Column("事项数(个)", INTEGER, 12),
            Column("计划月末前落地(个)", INTEGER, 18),
            Column("月末实际落地(个)", INTEGER, 16),
            Column("逾期未落地(个)", INTEGER, 16),
            Column("未落地(个)", INTEGER, 12),
            Column("落地率(%)", PERCENT, 12),
        ],
    )
    batches = _batches(context)
    sheet.rows(
        [
            f"第{row['batch']}批",
            row["total"],
            row["planned"],
            row["landed"],
            row["late"],
            row["total"] - row["landed"],
            percentage(row["landed"], row["total"]),
        ]
        for row in batches
    )
    values = figures(context)
    one_go, landed = values["一件事一次办事项"], values["月末已落地"]
    planned, late = (sum(row[key] for row in batches) for key in ("planned", "late"))
    sheet.total([TOTAL, one_go, planned, landed, late, one_go - landed, values["落地率(%)"]])
    for row in batches:
        figures_out[f"第{row['batch']}批/月末已落地"] = row["landed"]
    sheet.section(
        "就近办与一枚公章（月末）",
        [Column("指标", TEXT), Column("事项数(个)", INTEGER)],
        [["村(社区)就近办事项", values["就近办事项"]], ["一枚公章管审批事项", values["一枚公章"]]],
    )
    windows = _windows(context)
    sheet.section(
        "一窗通办（月末进驻情况）",
        [
            Column("市直单位", TEXT),
            Column("应进驻(个)", INTEGER),
            Column("已进驻(个)", INTEGER),
            Column("未进驻(个)", INTEGER),
            Column("入驻率(%)", PERCENT),
        ],
        [
            [
                row["implementing_unit__name"],
                row["total"],
                row["entered"],
                row["total"] - row["entered"],
                percentage(row["entered"], row["total"]),
            ]
            for row in windows
        ],
        [
            TOTAL,
            values["应进驻事项"],
            values["已进驻事项"],
            values["应进驻事项"] - values["已进驻事项"],
            values["入驻率(%)"],
        ],
    )
