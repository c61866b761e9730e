"""Per-address rate limits for the pages anyone may open: the citizens' forms, the volunteers' links.

Addresses are never stored as such: a keyed hash (HMAC with SECRET_KEY) is what the
counters are keyed on. The counts live in the configured cache (Redis in production),
so every app server sees the same ones; an IPv6 /64 counts as one address
(``units.client_ip.limit_address``).
"""

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache

from .client_ip import limit_address


def address_hash(request) -> str:
    """The keyed hash of the address the limits count (an IPv6 /64 is one address)."""
    address = limit_address(request) or ""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def over_limit(request, action: str, limit: int, period_seconds: int) -> bool:
    """Count one ``action`` from the request's address; True once more than ``limit`` in the period.

    Fixed windows: the counter key carries the window number, so it expires on its own.
    """
    window = int(time.time() // period_seconds)
    key = f"citizen-limit:{action}:{address_hash(request)}:{window}"
    try:
        if cache.add(key, 1, timeout=period_seconds + 1):
            count = 1
        else:
            count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=period_seconds + 1)
        count = 1
    except Exception:  # the cache server is down: better to accept than to refuse everyone
        return False
    return count > limit
