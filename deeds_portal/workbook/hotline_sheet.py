"""身边的服务热线 in the monthly workbook: the month and the year to date, with 同比 and the rates.

Hotline figures are the office's (the platform's cases are not kept per unit), so a
unit editor's workbook carries the same hotline figures as the office's.
"""

from decimal import Decimal

from hotline.stats import Period, case_figures_for, month_rows, period_figures
from units.rates import percentage

from .layout import DECIMAL, INTEGER, PERCENT, TEXT, Column, SheetWriter

NAME = "身边的服务热线"
SATISFACTION_LINE = Decimal(90)  # a unit below this satisfaction rate is listed for the review
INDICATORS = [
    ("calls", "来电总量", INTEGER, "本期各月来电之和"),
    ("accepted", "受理事件", INTEGER, "本期各月受理之和"),
    ("completion_rate", "综合办结率", PERCENT, "办结 ÷ 受理"),
    ("satisfaction_rate", "综合满意率", PERCENT, "满意 ÷ 回访"),
    ("online_rate", "在线办结率", PERCENT, "在线办结 ÷ 受理"),
]


def _periods(context):
    return Period(context.month, context.month), Period(context.month.replace(month=1), context.month)


def _figures(context):
    """The month's and the year to date's figures (1 query, run once per workbook)."""

    def fetch():
        month, year = _periods(context)
        rows = month_rows(month, year)
        return period_figures(month, rows), period_figures(year, rows)

    return context.once("hotline", fetch)


def figures(context) -> dict:
    this_month, to_date = _figures(context)
    values = {}
    for key, label, _kind, _meaning in INDICATORS:
        values[f"本月{label}"] = this_month.figures[key].value
        values[f"年初至今{label}"] = to_date.figures[key].value
        values[f"年初至今{label}同比"] = to_date.figures[key].change
    return values


def summary_rows(values: dict):
    rows = []
    for _key, label, kind, meaning in INDICATORS:
        rows.append((f"年初至今{label}", values[f"年初至今{label}"], kind, meaning))
    change = values["年初至今受理事件同比"]
    rows.append(
        ("受理事件同比", change, PERCENT, "与上年同期相比，只比较两年都有数据的月份（空白：上年同期无数据）")
    )
    return rows


def write(book, context, figures_out: dict) -> None:
    _month, year = _periods(context)
    this_month, to_date = _figures(context)
    sheet = SheetWriter(
        book,
        NAME,
        f"{context.title} · 身边的服务热线（{year.label()}，截至{context.month_end:%Y年%-m月%-d日}）",
        context.made_at,
        [
            Column("指标", TEXT, 16),
            Column("本月", DECIMAL, 12),
            Column("本月同比", PERCENT, 11),
            Column("年初至今", DECIMAL, 12),
            Column("年初至今同比", PERCENT, 13),
            Column("说明", TEXT, 40),
        ],
    )
    for key, label, kind, meaning in INDICATORS:
        now, ytd = this_month.figures[key], to_date.figures[key]
        # Counts change in percent; rates change in percentage points (shown as a number).
        change_kind = PERCENT if kind == INTEGER else DECIMAL
        # Which months a 同比 left out (a month with no figures a year earlier), beside the figure.
        notes = [str(note) for note in (now.change_note, ytd.change_note) if note]
        shown = "；".join([meaning, *dict.fromkeys(notes)])
        sheet.row(
            [label, now.value, now.change, ytd.value, ytd.change, shown],
            [TEXT, kind, change_kind, kind, change_kind, TEXT],
        )
    cases = case_figures_for(year)
    sheet.section(
        "年初至今最常见的诉求分类",
        [Column("分类", TEXT), Column("工单数", INTEGER)],
        [[row["category"], row["cases"]] for row in cases.categories],
    )
    below = [
        u
        for u in cases.units
        if u["satisfaction_rate"] is not None and u["satisfaction_rate"] < SATISFACTION_LINE
    ]
    sheet.section(
        f"满意率低于 {SATISFACTION_LINE}% 的承办单位（年初至今）",
        [
            Column("承办单位", TEXT),
            Column("受理", INTEGER),
            Column("办结率", PERCENT),
            Column("满意率", PERCENT),
        ],
        [[u["handling_unit"], u["accepted"], u["completion_rate"], u["satisfaction_rate"]] for u in below],
    )
    figures_out["年初至今按期办结率"] = percentage(cases.on_time, cases.due)
