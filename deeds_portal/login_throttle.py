"""A limit on failed sign-ins per client address, across usernames (password spraying).

django-axes locks a username+address pair after ``AXES_FAILURE_LIMIT`` failures.
It compares every lockout parameter combination with that one limit, so it cannot
also lock an address after a *higher* number of failures spread over many
usernames. This module keeps that second count in the ``login-throttle`` cache
(``LOGIN_THROTTLE_CACHE_URL``, else ``CACHE_URL``, never the page cache's local
memory): one counter per client address (as axes determines it, behind
``PROXY_COUNT`` proxies, through ``units.client_ip.limit_address``: an IPv6 /64
counts as one address).

* Every failed sign-in from an address counts, refused ones included, for the
  cool-off time (``AXES_COOLOFF_TIME``) after the first failure.
* When the count reaches ``LOGIN_ADDRESS_FAILURE_LIMIT`` the address is locked for
  the cool-off time: every sign-in from it is refused, even with a right password,
  with axes' lockout page. A successful sign-in does not lower the count, so one
  valid account cannot be used to keep spraying.
* Staff behind one office gateway share its address: set the limit well above
  what a busy office mistypes in the cool-off time.
* A lock is lifted early by deleting the counter (``forget_failures(address)``) or
  by restarting with the local-memory cache.
"""

from axes.helpers import get_client_ip_address, get_cool_off
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import caches
from django.core.exceptions import PermissionDenied

KEY_PREFIX = "login-address-failures:"
CACHE_ALIAS = "login-throttle"  # never the page cache, whose floods would push a lock out


def _cache():
    return caches[CACHE_ALIAS]


def _key(address: str) -> str:
    return KEY_PREFIX + address


def _timeout(request) -> int | None:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else None  # no cool-off: locked until lifted


def is_address_locked(request) -> bool:
    address = get_client_ip_address(request)
    return bool(address) and _cache().get(_key(address), 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


def record_failure(sender, credentials=None, request=None, **kwargs) -> None:
    """``user_login_failed`` receiver: count the failure against the client address."""
    address = get_client_ip_address(request) if request is not None else None
    if not address:
        return
    key, timeout = _key(address), _timeout(request)
    if _cache().add(key, 1, timeout):
        return
    try:
        count = _cache().incr(key)
    except ValueError:  # expired between add() and incr()
        _cache().set(key, 1, timeout)
        return
    if count == settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        # The lock lasts the whole cool-off from the failure that reached the limit.
        _cache().set(key, count, timeout)


def forget_failures(address: str) -> None:
    _cache().delete(_key(address))


class AddressThrottleBackend:
    """First authentication backend: refuses every sign-in from a locked address.

    ``request.axes_locked_out`` is the flag axes' own backend sets; with it axes'
    middleware answers with the lockout page and axes records nothing more.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None and is_address_locked(request):
            request.axes_locked_out = True
            raise PermissionDenied
        return None


def connect() -> None:
    user_login_failed.connect(record_failure, dispatch_uid="deeds_portal.login_throttle")
