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
    change_note: str = ""  # which months a 同比 compares, when not every month of the period
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
    months_compared: int = 0
    unmatched_months: list = field(default_factory=list)  # stored, with no month a year earlier

    @property
    def has_data(self) -> bool:
        return self.months_stored > 0


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


def _sum(rows) -> dict:
    return {name: sum(row[i] for row in rows) for i, name in enumerate(COUNT_FIELDS, start=1)}


def _month_label(month: datetime.date) -> str:
    return Period(month, month).label()


def period_figures(period: Period, rows: list[tuple] | None = None) -> PeriodFigures:
    """Totals and rates of the period, and their 同比 (one query, or none given ``month_rows``
    of the period, e.g. fetched once for several periods).

    A period with no month stored has no figures (无数据), not zeros. A 同比 compares the
    months both years have: a month stored this year whose month a year earlier is not
    (the latest month just imported, say) is left out of the comparison, and the figure
    says so, rather than the whole 同比 going blank.
    """
    if rows is None:
        rows = month_rows(period)
    previous = period.year_earlier()
    current_rows = [row for row in rows if period.start <= row[0] <= period.end]
    previous_rows = [row for row in rows if previous.start <= row[0] <= previous.end]
    previous_months = {row[0] for row in previous_rows}
    matched = [row for row in current_rows if add_months(row[0], -12) in previous_months]
    matched_months = {add_months(row[0], -12) for row in matched}
    matched_previous = [row for row in previous_rows if row[0] in matched_months]
    totals, previous_totals = _sum(current_rows), _sum(previous_rows)
    compared, compared_previous = _sum(matched), _sum(matched_previous)
    result = PeriodFigures(period, previous, len(current_rows), len(previous_rows), totals, previous_totals)
    result.months_compared = len(matched)
    result.unmatched_months = sorted(row[0] for row in current_rows if row not in matched)

    no_data = _("no figures are stored for %(period)s") % {"period": period.label()}
    if not current_rows:
        reason = no_data
    elif not matched:
        reason = _("no figures for %(period)s to compare with") % {"period": previous.label()}
    else:
        reason = ""
    # The months left out of the 同比: stored in one year and not in the other.
    gaps = [add_months(month, -12) for month in result.unmatched_months] + sorted(
        add_months(row[0], 12) for row in previous_rows if row[0] not in matched_months
    )
    note = ""
    if matched and gaps:
        note = _("compares only the %(n)s months both years have; no figures for %(missing)s") % {
            "n": len(matched),
            "missing": "、".join(_month_label(month) for month in sorted(gaps)),
        }

    for name in ("calls", "accepted"):
        figure = Figure(
            totals[name] if current_rows else None, missing_reason="" if current_rows else no_data
        )
        if reason:
            figure.change_reason = reason
        else:
            figure.previous = compared_previous[name]
            figure.change = change_percentage(compared[name], compared_previous[name])
            figure.change_note = note
            if figure.change is None:
                figure.change_reason = _("nothing a year earlier to compare with")
        result.figures[name] = figure
    for name, (part, whole, label) in RATES.items():
        value = percentage(totals[part], totals[whole])
        figure = Figure(value, divides=f"{label}: {totals[part]} ÷ {totals[whole]}")
        if not current_rows:
            figure.missing_reason = no_data
        elif value is None:
            figure.missing_reason = _("no %(whole)s in this period") % {"whole": _whole_words(whole)}
        this_year = percentage(compared[part], compared[whole])
        previous_value = percentage(compared_previous[part], compared_previous[whole])
        if reason:
            figure.change_reason = reason
        elif this_year is None or previous_value is None:
            figure.change_reason = _("no rate a year earlier to compare with")
        else:
            figure.previous = previous_value
            # A rate's 同比 is the difference in percentage points, not a percent of a percent.
            figure.change = this_year - previous_value
            figure.change_note = note
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


def monthly_table(period: Period, series: list[dict]) -> list[dict]:
    """Every month of the period in order: the stored ones from ``series``, the others marked missing."""
    stored = {row["month"]: row for row in series}
    months = (add_months(period.start, i) for i in range(period.months))
    table = [stored.get(month) or {"month": month, "missing": True} for month in months]
    for row in table:
        # Written once here: the template's date filter costs more than a ten-year table's figures.
        row["ym"] = f"{row['month']:%Y-%m}"
    return table


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
    rows, due, on_time = tallies.sums(period.start, period.end, min(after_end, this_month), this_month)
    due_now = (
        Case.objects.filter(due_at__gte=_local_start(this_month), due_at__lt=now)
        .order_by()
        .values_list("month", "handling_unit")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=tallies.on_time()))
    )
    cases = 0
    categories: dict[str, int] = {}
    units: dict[str, dict] = {}
    for kind, key, count, completed, callbacks, satisfied, online, unit_due, unit_on_time in rows:
        if kind == tallies.CATEGORY:
            if key and count:
                categories[key] = count
            continue
        cases += count
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
