"""Public pages served from the configured cache, invalidated exactly.

A public view declares what it shows::

    @public_page(Project, ProgressUpdate, Round, Unit)
    def project_list(request): ...

and gets, with no cache code of its own:

* the whole response kept in the configured cache (Redis in production, shared
  by every application server; local memory by default), keyed by today's date
  (statuses are as of today), the language, the host and the full path, and
  tagged with the *generation* it was rendered in; the generation and the page
  are read in one round trip to the cache;
* exact invalidation: any save or delete of a declared model (admin form,
  import, history restore, bulk delete, a management command) bumps the
  generation when its transaction commits, so the next request renders anew;
  code that writes without model signals (``bulk_create``, ``QuerySet.update``)
  calls ``public_data_changed()`` itself; a row waiting for review
  (``units.models.ReviewedModel``) is on no public page, so saving it changes
  nothing: the page cache is invalidated on approval, not on submission;
* an ETag with 304 answers to conditional requests, ``Cache-Control`` that lets
  a reverse proxy keep the page briefly, and a minimal ``Vary``.

Public pages are the same for every visitor: their templates must not use the
session, the user or a CSRF token (the language switch is a plain link).
"""

import hashlib
import logging
import time
from functools import wraps

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.translation import get_language

from .dates import today

logger = logging.getLogger(__name__)
GENERATION_KEY = "public-pages:generation"
PAGE_TIMEOUT = 24 * 3600  # a generation bump makes old entries unreachable long before this
CACHE_CONTROL = "public, max-age=0, s-maxage=10"  # browsers revalidate (304); a proxy may keep 10 s
# Headers a view sets that are part of the page: a copy from the cache carries them too.
KEPT_HEADERS = ("Access-Control-Allow-Origin", "Content-Disposition", "X-Robots-Tag")
_watched: set = set()


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        # Start from the clock, not from 1: if the cache lost only this key, an old
        # page stored under a small generation number must not come back.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY, 0)
    return value


def public_data_changed(**kwargs) -> None:
    """Make every cached public page stale once the current transaction commits."""
    transaction.on_commit(_bump, using=kwargs.get("using"))


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # the key was evicted: start a new, larger generation
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)
    except Exception:  # the cache server is down: it keeps nothing stale while down
        logger.warning("Public page cache unavailable; generation not bumped", exc_info=True)


def _on_change(sender, **kwargs) -> None:
    # A row waiting for review (or sent back) is on no public page: saving it, as a
    # submission does, changes nothing the public sees. Approval's save does.
    if not getattr(kwargs.get("instance"), "affects_public_pages", True):
        return
    public_data_changed(using=kwargs.get("using"))


def watch(*models) -> None:
    """Invalidate the public pages whenever a row of ``models`` is saved or deleted."""
    for model in models:
        if model in _watched:
            continue
        _watched.add(model)
        uid = f"public-pages:{model._meta.label}"
        post_save.connect(_on_change, sender=model, weak=False, dispatch_uid=uid + ":save")
        post_delete.connect(_on_change, sender=model, weak=False, dispatch_uid=uid + ":delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _on_change, sender=field.remote_field.through, weak=False, dispatch_uid=f"{uid}:{field.name}"
            )


def _page_key(request) -> str:
    path = hashlib.sha256(f"{request.get_host()}|{request.get_full_path()}".encode()).hexdigest()
    # Pages tell the state as of today (overdue follows from the deadline): a new day, new pages.
    return f"public-pages:{today():%Y%m%d}:{get_language()}:{path}"


def _lookup(request):
    """(page key, current generation, stored page or None), in one round trip to the cache.

    A stored page carries the generation it was rendered in; a page of an older
    generation is stale and is rendered anew (and overwritten in place).
    """
    key = _page_key(request)
    found = cache.get_many([GENERATION_KEY, key])
    current = found.get(GENERATION_KEY)
    if current is None:
        current = generation()
    entry = found.get(key)
    if entry is not None and entry[0] == current:
        return key, current, entry[1:]
    return key, current, None


def _finish(request, response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = CACHE_CONTROL
    response.public_page = True  # PublicPageHeadersMiddleware keeps Vary minimal
    return get_conditional_response(request, etag=response["ETag"], response=response) or response


def public_page(*models):
    """Decorate a public view that shows rows of ``models`` (see the module docstring)."""
    watch(*models)

    def decorate(view):
        @wraps(view)
        def cached_view(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            try:
                key, current, stored = _lookup(request)
            except Exception:
                # The cache server is down: answer from the database, slower but right.
                logger.warning("Public page cache unavailable; page rendered without it", exc_info=True)
                key = current = stored = None
            if stored is not None:
                status, content_type, etag, body, headers = stored
                response = HttpResponse(body, status=status, content_type=content_type, headers=headers)
                response["ETag"] = etag
                return _finish(request, response)
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
            response["ETag"] = etag
            if key is not None:
                try:
                    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
                    # Tagged with the generation read before rendering: a write during the
                    # render bumps it, so this page is then already stale, never served.
                    entry = (
                        current,
                        response.status_code,
                        response["Content-Type"],
                        etag,
                        response.content,
                        headers,
                    )
                    cache.set(key, entry, PAGE_TIMEOUT)
                except Exception:
                    logger.warning("Public page cache unavailable; page not stored", exc_info=True)
            return _finish(request, response)

        cached_view.public_page_models = models
        return cached_view

    return decorate


class PublicPageHeadersMiddleware:
    """Public pages vary on nothing but their URL (the language is in the path).

    Sits above LocaleMiddleware and SessionMiddleware, which add ``Vary:
    Accept-Language`` / ``Cookie`` on their way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "public_page", False) and response.has_header("Vary"):
            del response["Vary"]
        return response
