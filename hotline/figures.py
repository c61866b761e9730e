"""The hotline's figures as of a date: the one shape the public page, the dashboard and the
monthly workbook read them in.

As of a day, the hotline's figures are those of the year to date of that day's month (the
months are stored whole, as of their last day); with no day given, of the latest month stored,
which is what /hotline/ shows by default.
"""

import datetime

from units.months import first_of, year_start

from . import stats


def period_on(on: datetime.date | None = None) -> stats.Period | None:
    """The year to date of ``on``'s month; None given: of the latest month stored (None if none is)."""
    if on is None:
        return stats.default_period(stats.latest_month())
    month = first_of(on)
    return stats.Period(year_start(month), month)


def figures(on: datetime.date | None = None, rows: list[tuple] | None = None) -> stats.PeriodFigures | None:
    """Totals, rates and 同比 of ``period_on(on)`` (``rows``: ``stats.month_rows`` already fetched)."""
    period = period_on(on)
    return stats.period_figures(period, rows) if period else None
