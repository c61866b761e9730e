"""Make the monthly workbook for a month, as the figures stood at its last day."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from units import months
from units.dates import today

from . import hotline_sheet, projects_sheet, reforms_sheet, satisfaction_sheet, volunteers_sheet
from .layout import TEXT, Book, Column, SheetWriter

# Each special task contributes figures for the summary and a sheet of its own.
TASKS = [projects_sheet, reforms_sheet, hotline_sheet, volunteers_sheet, satisfaction_sheet]


class BadMonth(ValueError):
    pass


def workbook_month(text: str) -> datetime.date:
    """'2021-06' → 2021-06-01 (as ``units.months`` reads a month); a month after the current
    one, or what is not a month, is refused."""
    month = months.parse_month(text)
    if month is None:
        raise BadMonth(_("“%(month)s” is not a month; write it as 2021-06.") % {"month": text})
    if month > months.current_month():
        raise BadMonth(
            _("%(month)s has not begun yet; choose this month or an earlier one.") % {"month": text}
        )
    return month


class BadRound(ValueError):
    pass


def round_for(value, month: datetime.date):
    """The round of id ``value`` for the workbook of ``month``; one not found, or begun after the
    month, is refused (its book would have no projects)."""
    from projects.models import Round

    found = Round.objects.filter(pk=int(value)).first() if str(value).strip().isdigit() else None
    if found is None:
        raise BadRound(_("There is no round (批次) with the id “%(round)s”.") % {"round": value})
    if found.start_date > months.last_day(month):
        raise BadRound(
            _("%(round)s began on %(start)s, after %(month)s; choose a later month or another round.")
            % {"round": found.name, "start": f"{found.start_date:%Y-%m-%d}", "month": f"{month:%Y-%m}"}
        )
    return found


@dataclass
class MonthContext:
    month: datetime.date  # the first day
    user: object = None  # None: the office's whole workbook (e.g. the management command)
    made_at: datetime.datetime = field(default_factory=timezone.localtime)
    # The round (批次) the project sheets hold; None: the current round at the month's end
    # and whatever of earlier rounds was overdue then.
    round: object = None
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def once(self, key: str, compute):
        """``compute()`` the first time ``key`` is asked for in this workbook, then the same value:
        a sheet's figures and its rows come from the same queries, run once."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def month_end(self) -> datetime.date:
        """The day the figures are as of: the month's last day, or today within the current
        month (a project due later this month is not overdue yet; the pages say the same today)."""
        return min(months.last_day(self.month), today())

    @property
    def previous_end(self) -> datetime.date:
        return months.last_day(months.previous_month(self.month))

    @property
    def current_round(self):
        """The round the project sheets hold: the one chosen, else the latest round begun by the
        month's end that has approved projects (None when there is none)."""
        if self.round is not None:
            return self.round

        def fetch():
            from projects.models import Project, Round

            approved = Project.objects.approved().values("round")
            begun = Round.objects.filter(start_date__lte=self.month_end, pk__in=approved)
            return begun.order_by("-start_date", "-pk").first()

        return self.once("current_round", fetch)

    @property
    def rounds_label(self) -> str:
        """Which projects the project sheets hold, as the title says it."""
        if self.round is not None:
            return self.round.name
        current = self.current_round
        if current is None:
            return "全部批次"
        return f"{current.name}及以前批次逾期项目"

    @property
    def title(self) -> str:
        return f"{self.month.year}年{self.month.month}月 每月调度（{self.rounds_label}）"


@dataclass
class Built:
    content: bytes
    figures: dict  # "sheet/indicator" → value, what an issued workbook is compared by


def _plain(value):
    """Figures as JSON keeps them, so an issued workbook can be compared later."""
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, float):
        return str(Decimal(repr(value)).quantize(Decimal("0.01")))
    return value


def build(context: MonthContext) -> Built:
    book = Book(context.title)
    summaries = [(task, task.figures(context)) for task in TASKS]
    summary = SheetWriter(
        book,
        "汇总",
        f"{context.title} · 汇总（截至{context.month_end:%Y年%-m月%-d日}）",
        context.made_at,
        [
            Column("专项工作", TEXT, 16),
            Column("指标", TEXT, 20),
            Column("数值", TEXT, 14),
            Column("单位", TEXT, 8),
            Column("说明", TEXT, 44),
        ],
    )
    figures = {}
    for task, values in summaries:
        for indicator, value, kind, unit, meaning in task.summary_rows(values):
            summary.row(
                [task.NAME, indicator, value, unit, meaning],
                [TEXT, TEXT, kind, TEXT, TEXT],
            )
            figures[f"{task.NAME}/{indicator}"] = _plain(value)
    for task, _values in summaries:
        details = {}
        task.write(book, context, details)
        figures.update({f"{task.NAME}/{key}": _plain(value) for key, value in details.items()})
    return Built(book.close(), figures)


def differences(issued: dict, now: dict) -> list[tuple[str, object, object]]:
    """(figure, as issued, as now) for every figure that differs or exists on one side only."""
    keys = sorted(set(issued) | set(now))
    return [(key, issued.get(key), now.get(key)) for key in keys if issued.get(key) != now.get(key)]
