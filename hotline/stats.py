"""The figures of the /hotline/ page for a period of months, in a fixed number of queries.

Every rate and 同比 comes from ``units.rates`` (exact decimals, one rounding rule);
a rate with nothing to divide by, or a 同比 without the same months a year earlier,
has no value and a short reason instead.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from units.months import add_months, months_between, year_start
from units.rates import change_percentage, percentage

from . import tallies
from .models import COUNT_FIELDS, Case, Month

MIN_CASES_TO_RANK = 30  # a unit with fewer cases is listed, not ranked: a few cases say little
TOP_CATEGORIES = 10
UNITS_SHOWN = 50


@dataclass(frozen=True)
class Period:
    """Whole months from ``start`` to ``end`` (first days), both included."""

    start: datetime.date
    end: datetime.date

    @property
    def months(self) -> int:
        return months_between(self.start, self.end)

    def year_earlier(self) -> "Period":
        return Period(add_months(self.start, -12), add_months(self.end, -12))

    def label(self) -> str:
        if not (get_language() or "zh-hans").startswith("zh"):
            return (
                f"{self.start:%Y-%m}" if self.start == self.end else f"{self.start:%Y-%m} – {self.end:%Y-%m}"
            )
        if self.start == self.end:
            return f"{self.start.year}年{self.start.month}月"
        if self.start.year == self.end.year:
            return f"{self.start.year}年{self.start.month}—{self.end.month}月"
        return f"{self.start.year}年{self.start.month}月—{self.end.year}年{self.end.month}月"

    @property
    def after_end(self) -> datetime.date:
        return add_months(self.end, 1)


def latest_month() -> datetime.date | None:
    return Month.objects.aggregate(latest=Max("month"))["latest"]


def default_period(latest: datetime.date | None) -> Period | None:
    """The year to date of the latest month stored."""
    if latest is None:
        return None
    return Period(year_start(latest), latest)


@dataclass
class Figure:
    """A total or a rate with its 同比, or the reason one of them has no value."""

    value: object
    previous: object = None
    change: object = None
    missing_reason: str = ""
    change_reason: str = ""
    divides: str = ""  # what a rate divides by, in words and numbers


@dataclass
class PeriodFigures:
    period: Period
    previous_period: Period
    months_stored: int
    previous_months_stored: int
    totals: dict
    previous_totals: dict
    figures: dict = field(default_factory=dict)


RATES = {
    # name: (part, whole, label of the division)
    "completion_rate": ("completed", "accepted", _("cases completed ÷ cases accepted")),
    "satisfaction_rate": ("satisfied", "callbacks", _("satisfied callbacks ÷ callbacks made")),
    "online_rate": ("online_completed", "accepted", _("cases completed online ÷ cases accepted")),
}


def month_rows(*periods: Period) -> list[tuple]:
    """(month, *COUNT_FIELDS) of the stored months of the periods and of a year earlier (one query)."""
    wanted = Q()
    for period in periods:
        previous = period.year_earlier()
        wanted |= Q(month__gte=period.start, month__lte=period.end)
        wanted |= Q(month__gte=previous.start, month__lte=previous.end)
    return list(Month.objects.filter(wanted).order_by().values_list("month", *COUNT_FIELDS))


def period_figures(period: Period, rows: list[tuple] | None = None) -> PeriodFigures:
    """Totals and rates of the period and of the same months a year earlier (one query, or
    none given ``month_rows`` of the period, e.g. fetched once for several periods)."""
    if rows is None:
        rows = month_rows(period)
    previous = period.year_earlier()
    current_rows = [row for row in rows if period.start <= row[0] <= period.end]
    previous_rows = [row for row in rows if previous.start <= row[0] <= previous.end]
    totals = {name: sum(row[i] for row in current_rows) for i, name in enumerate(COUNT_FIELDS, start=1)}
    previous_totals = {
        name: sum(row[i] for row in previous_rows) for i, name in enumerate(COUNT_FIELDS, start=1)
    }
    row = {"n_cur": len(current_rows), "n_prev": len(previous_rows)}
    result = PeriodFigures(period, previous, row["n_cur"], row["n_prev"], totals, previous_totals)
    complete_previous = row["n_prev"] == previous.months
    no_previous = _("no figures for %(period)s to compare with") % {"period": previous.label()}
    partial_previous = _("%(period)s has figures for only %(stored)s of its %(months)s months") % {
        "period": previous.label(),
        "stored": row["n_prev"],
        "months": previous.months,
    }
    previous_reason = "" if complete_previous else (partial_previous if row["n_prev"] else no_previous)

    for name in ("calls", "accepted"):
        figure = Figure(totals[name])
        if complete_previous:
            figure.previous = previous_totals[name]
            figure.change = change_percentage(totals[name], previous_totals[name])
            if figure.change is None:
                figure.change_reason = _("nothing a year earlier to compare with")
        else:
            figure.change_reason = previous_reason
        result.figures[name] = figure
    for name, (part, whole, label) in RATES.items():
        value = percentage(totals[part], totals[whole])
        figure = Figure(value, divides=f"{label}: {totals[part]} ÷ {totals[whole]}")
        if value is None:
            figure.missing_reason = _("no %(whole)s in this period") % {"whole": _whole_words(whole)}
        previous_value = percentage(previous_totals[part], previous_totals[whole])
        if not complete_previous:
            figure.change_reason = previous_reason
        elif value is None or previous_value is None:
            figure.change_reason = _("no rate a year earlier to compare with")
        else:
            figure.previous = previous_value
            # A rate's 同比 is the difference in percentage points, not a percent of a percent.
            figure.change = value - previous_value
        result.figures[name] = figure
    return result


def _whole_words(whole: str) -> str:
    return {"accepted": _("cases accepted"), "callbacks": _("callbacks made")}[whole]


def monthly_series(period: Period) -> list[dict]:
    rows = list(
        Month.objects.between(period.start, period.end)
        .order_by("month")
        .values("month", "source", *COUNT_FIELDS)
    )
    for row in rows:
        row["completion_rate"] = percentage(row["completed"], row["accepted"])
        row["satisfaction_rate"] = percentage(row["satisfied"], row["callbacks"])
        row["online_rate"] = percentage(row["online_completed"], row["accepted"])
    return rows


@dataclass
class CaseFigures:
    cases: int
    due: int
    on_time: int
    on_time_rate: object
    categories: list
    units: list


def case_figures_for(period: Period) -> CaseFigures:
    """On-time completion, top categories and the per-unit table, from the case tallies (2 queries).

    The tallies hold every month's counts; what depends on the time of asking (cases due
    before now) is read from them for whole due months before the current one, and from
    the cases due earlier this month (one indexed range of ``due_at``).
    """
    now = timezone.now()
    this_month = tallies.due_month_of(now)
    after_end = period.after_end
    rows = tallies.sums(period.start, period.end, min(after_end, this_month), this_month)
    due_now = (
        Case.objects.filter(due_at__gte=_local_start(this_month), due_at__lt=now)
        .order_by()
        .values_list("month", "handling_unit")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=tallies.on_time()))
    )
    cases = due = on_time = 0
    categories: dict[str, int] = {}
    units: dict[str, dict] = {}
    for kind, key, count, completed, callbacks, satisfied, online, *dues in rows:
        if kind == tallies.CATEGORY:
            if key and count:
                categories[key] = count
            continue
        unit_due, unit_on_time, window_due, window_on_time = (int(value or 0) for value in dues)
        cases += count
        due += window_due
        on_time += window_on_time
        if key and count:
            units[key] = {
                **_unit_row(key),
                "accepted": count,
                "completed": completed,
                "callbacks": callbacks,
                "satisfied": satisfied,
                "online_completed": online,
                "due": unit_due,
                "on_time": unit_on_time,
            }
    window_has_this_month = period.start <= this_month < after_end
    for month, key, due_count, on_time_count in due_now:
        if window_has_this_month:
            due += due_count
            on_time += on_time_count
        if key and period.start <= month <= period.end:
            unit = units.get(key) or units.setdefault(key, _unit_row(key))
            unit["due"] += due_count
            unit["on_time"] += on_time_count
    top = sorted(categories.items(), key=lambda item: (-item[1], item[0]))[:TOP_CATEGORIES]
    shown = sorted(units.values(), key=lambda u: (-u["accepted"], u["handling_unit"]))[:UNITS_SHOWN]
    for unit in shown:
        unit["completion_rate"] = percentage(unit["completed"], unit["accepted"])
        unit["on_time_rate"] = percentage(unit["on_time"], unit["due"])
        unit["satisfaction_rate"] = percentage(unit["satisfied"], unit["callbacks"])
        unit["ranked"] = unit["accepted"] >= MIN_CASES_TO_RANK
    ranked = sorted(
        (u for u in shown if u["ranked"]),
        key=lambda u: (
            -(u["completion_rate"] or 0),
            -(u["on_time_rate"] or 0),
            -(u["satisfaction_rate"] or 0),
        ),
    )
    for place, unit in enumerate(ranked, start=1):
        unit["rank"] = place
    shown = ranked + [u for u in shown if not u["ranked"]]
    return CaseFigures(
        cases,
        due,
        on_time,
        percentage(on_time, due),
        [{"category": name, "cases": count} for name, count in top],
        shown,
    )


def _unit_row(name: str) -> dict:
    return {
        "handling_unit": name,
        "accepted": 0,
        "completed": 0,
        "callbacks": 0,
        "satisfied": 0,
        "online_completed": 0,
        "due": 0,
        "on_time": 0,
    }


def _local_start(month: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(month.year, month.month, 1))
