"""The catalogue's figures as /reforms/ and the dashboard show them, and the departments its
search offers: cached until an item (or a unit) changes.

``ServiceItem.objects.figures()`` is one aggregate query, but at 100,000 items it reads the
whole table (tens of milliseconds on PostgreSQL), on every page view. The figures change
only when an item is saved or deleted, which happens through ``save()``/``delete()`` in the
admin, the import and ``seed_demo``: those drop the cached figures, at once and again when
the transaction commits (a reader in between may have cached the old ones). Writes that
bypass the signals (``QuerySet.update``, ``bulk_create``, SQL by hand) are caught up by the
timeout. The figures are as of today (a landing dated tomorrow counts tomorrow), so the key
carries the day: a new day computes them anew.
"""

import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef

from units.dates import today
from units.models import Unit

from .models import ServiceItem

CACHE_KEY = "reforms:catalogue-figures"
DEPARTMENTS_KEY = "reforms:search-departments"
TIMEOUT_SECONDS = 300


def _figures_key(on) -> str:
    return f"{CACHE_KEY}:{on:%Y%m%d}"


def catalogue_figures(on: datetime.date | None = None) -> dict:
    """The published catalogue's figures as of ``on`` (default today; see
    ``ServiceItemQuerySet.figures``); today's are cached."""
    if on is not None and on != today():
        return ServiceItem.objects.published().figures(on)
    on = today()
    key = _figures_key(on)
    figures = cache.get(key)
    if figures is None:
        figures = ServiceItem.objects.published().figures(on)
        cache.set(key, figures, TIMEOUT_SECONDS)
    return figures


def search_departments() -> list[tuple[int, str]]:
    """(pk, name) of the departments that have published items, as the search's department filter offers them.

    A semi-join over the whole catalogue on every search cost as much as the search itself.
    """
    departments = cache.get(DEPARTMENTS_KEY)
    if departments is None:
        with_items = ServiceItem.objects.published().filter(competent_department=OuterRef("pk"))
        departments = list(Unit.objects.filter(Exists(with_items)).values_list("pk", "name"))
        cache.set(DEPARTMENTS_KEY, departments, TIMEOUT_SECONDS)
    return departments


def forget_figures(**kwargs) -> None:
    """Signal receiver: an item or a unit was saved or deleted."""
    keys = [_figures_key(today()), DEPARTMENTS_KEY]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
