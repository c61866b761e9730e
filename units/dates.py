"""Dates as the portal counts them: days in Asia/Shanghai, whatever the server clock's zone."""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    """Today in the portal's TIME_ZONE (Asia/Shanghai)."""
    return timezone.localdate()
