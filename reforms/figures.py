"""The catalogue's figures as /reforms/ and the dashboard show them: cached until an item changes.

``ServiceItem.objects.figures()`` is one aggregate query, but at 100,000 items it reads the
whole table (tens of milliseconds on PostgreSQL), on every page view. The figures change
only when an item is saved or deleted, which happens through ``save()``/``delete()`` in the
admin, the import and ``seed_demo``: those drop the cached figures, at once and again when
the transaction commits (a reader in between may have cached the old ones). Writes that
bypass the signals (``QuerySet.update``, ``bulk_create``, SQL by hand) are caught up by the
timeout.
"""

from django.core.cache import cache
from django.db import transaction

from .models import ServiceItem

CACHE_KEY = "reforms:catalogue-figures"
TIMEOUT_SECONDS = 300


def catalogue_figures() -> dict:
    """The published catalogue's figures (see ``ServiceItemQuerySet.figures``)."""
    figures = cache.get(CACHE_KEY)
    if figures is None:
        figures = ServiceItem.objects.published().figures()
        cache.set(CACHE_KEY, figures, TIMEOUT_SECONDS)
    return figures


def forget_figures(**kwargs) -> None:
    """Signal receiver: an item was saved or deleted."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))
