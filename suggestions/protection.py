"""Protection of the citizens' forms: hashed addresses, per-address rate limits, a browser id.

Addresses are never stored as such: a keyed hash (HMAC with SECRET_KEY) lets staff
see that several messages came from one sender and lets the limits count, without
keeping who sent them. The counts live in the configured cache (Redis in
production), so every app server sees the same ones.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core import signing

from units.rate_limit import address_hash, over_limit  # noqa: F401  (the citizens' forms count with these)

BROWSER_COOKIE = "citizen_browser"
BROWSER_COOKIE_AGE = 2 * 365 * 24 * 3600
HONEYPOT_FIELD = "website"  # hidden from people; bots fill it in


def browser_id(request) -> tuple[str, bool]:
    """The browser's random id from its signed cookie, or a new one (second value: is new)."""
    browser = request.get_signed_cookie(BROWSER_COOKIE, default=None, salt=BROWSER_COOKIE)
    if browser:
        return browser, False
    return secrets.token_urlsafe(24), True


def remember_browser(response, browser: str) -> None:
    response.set_signed_cookie(
        BROWSER_COOKIE,
        browser,
        salt=BROWSER_COOKIE,
        max_age=BROWSER_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def browser_hash(browser: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), browser.encode(), hashlib.sha256).hexdigest()


SUPPORT_TOKEN_SALT = "suggestions.support"


def support_token(suggestion_pk: int) -> str:
    """The same for every visitor (the list page is cached): proves the POST names a listed suggestion."""
    return signing.Signer(salt=SUPPORT_TOKEN_SALT).sign(str(suggestion_pk))


def suggestion_from_token(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=SUPPORT_TOKEN_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
