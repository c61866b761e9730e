"""Calendar months as the whole portal counts them, in one place.

A month is the date of its first day. Every app, page, import and the monthly workbook
reads a typed month, steps from month to month and finds a month's last day here, so a
month means the same on the hotline page, in the volunteer roster and in the workbook.
Days are Asia/Shanghai days (``units.dates``).
"""

import calendar
import datetime
import re

from django.utils import timezone

from .dates import today

# “2021-06”, “2021-6”, “2021/6”, “2021.6” or “2021年6月”: the forms the office's sheets hold.
MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")
# The campaign's years, with room on both sides: a page steps to the month before and after,
# and a year typed as 0021 or 2210 is a typing slip, not a month to show.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_month(text) -> datetime.date | None:
    """The month's first day, or None when ``text`` is not a month of FIRST_YEAR…LAST_YEAR."""
    match = MONTH.match(str(text or ""))
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return datetime.date(year, month, 1)


def first_of(day: datetime.date | datetime.datetime) -> datetime.date:
    """The first day of the month ``day`` falls in (an aware datetime in Beijing time)."""
    if isinstance(day, datetime.datetime):
        zone = timezone.get_default_timezone()
        day = timezone.localtime(day, zone).date() if timezone.is_aware(day) else day.date()
    return day.replace(day=1)


def current_month() -> datetime.date:
    return first_of(today())


def add_months(month: datetime.date, count: int) -> datetime.date:
    """The first day of the month ``count`` months after (before, if negative) ``month``'s."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def next_month(month: datetime.date) -> datetime.date:
    return add_months(first_of(month), 1)


def previous_month(month: datetime.date) -> datetime.date:
    return add_months(first_of(month), -1)


def last_day(month: datetime.date) -> datetime.date:
    """The month's last day: what "as of the month" means for every figure."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def year_start(month: datetime.date) -> datetime.date:
    return month.replace(month=1, day=1)


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from ``start``'s to ``end``'s, both included."""
    return (end.year - start.year) * 12 + end.month - start.month + 1
