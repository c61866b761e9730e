"""Public pages served from the configured cache, invalidated exactly, before the staff stack.

A public view declares what it shows and which query parameters change it::

    @public_page(Project, ProgressUpdate, Round, Unit, params=("page", "status"))
    def project_list(request): ...

and gets, with no cache code of its own:

* the whole response kept in the configured cache (Redis in production, shared
  by every application server; local memory by default), keyed by today's date
  (statuses are as of today), the language, the host, the path and the declared
  parameters only: ``?utm_source=…`` or ``?from=timeline`` share the page's entry, and
  the view sees only what it declared (its links cannot carry the rest either);
* hits served by ``PublicPageCacheMiddleware`` at the top of the stack, before the
  session, the sign-in, the second factor or the audit trail run: a hit costs a URL
  match and one round trip to the cache;
* exact invalidation by what the page shows: every declared model has a *generation*
  in the cache, and a stored page carries the generations it was rendered in. Any
  save or delete of a declared model (admin form, import, history restore, bulk
  delete, a management command) bumps that model's generation when its transaction
  commits, so a saved reform item leaves ``/projects/`` cached. Code that writes
  without model signals (``bulk_create``, ``QuerySet.update``) calls
  ``public_data_changed(Model)`` itself (with no model: every page). A row waiting for
  review (``review.models.ReviewedModel``) is on no public page, so saving it changes
  nothing: the page cache is invalidated on approval, not on submission;
* an ETag with 304 answers to conditional requests, ``Cache-Control`` that lets
  a reverse proxy keep the page briefly, and a minimal ``Vary``.

Public pages are the same for every visitor: their templates must not use the
session, the user or a CSRF token (the language switch is a plain link). A response
that sets a cookie, or any status but 200, is never stored.
"""

import hashlib
import logging
import time
from dataclasses import dataclass
from functools import partial, wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import get_conditional_response

from .dates import today

logger = logging.getLogger(__name__)
GENERATION_PREFIX = "public-pages:generation:"
EVERY_PAGE = "*"  # the generation every page carries: public_data_changed() with no model bumps it
GENERATION_KEY = GENERATION_PREFIX + EVERY_PAGE
PAGE_TIMEOUT = 24 * 3600  # a generation bump makes old entries unreachable long before this
CACHE_CONTROL = "public, max-age=0, s-maxage=10"  # browsers revalidate (304); a proxy may keep 10 s
# Headers of the finished response that are not part of the page.
NOT_STORED_HEADERS = {"set-cookie", "vary", "date"}
_watched: set = set()
# model label → the labels of the models whose pages also show it (e.g. ratings on project pages)
_shown_with: dict[str, set[str]] = {}


def _generation_key(label: str) -> str:
    return GENERATION_PREFIX + label


def generation(label: str = EVERY_PAGE) -> int:
    key = _generation_key(label)
    value = cache.get(key)
    if value is None:
        # Start from the clock, not from 1: if the cache lost only this key, an old
        # page stored under a small generation number must not come back.
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key, 0)
    return value


def public_data_changed(*models, using=None, **_signal) -> None:
    """Make the cached public pages that show ``models`` (all pages: none given) stale once
    the current transaction commits."""
    labels = set()
    for model in models:
        labels.add(model._meta.label)
        labels |= _shown_with.get(model._meta.label, set())
    transaction.on_commit(partial(_bump, *(sorted(labels) or [EVERY_PAGE])), using=using)


def _bump(*labels: str) -> None:
    for label in labels or (EVERY_PAGE,):
        key = _generation_key(label)
        try:
            cache.incr(key)
        except ValueError:  # the key was evicted: start a new, larger generation
            cache.set(key, time.time_ns(), timeout=None)
        except Exception:  # the cache server is down: it keeps nothing stale while down
            logger.warning("Public page cache unavailable; generation not bumped", exc_info=True)


def _on_change(sender, **kwargs) -> None:
    # A row waiting for review (or sent back) is on no public page: saving it, as a
    # submission does, changes nothing the public sees. Approval's save does.
    if not getattr(kwargs.get("instance"), "affects_public_pages", True):
        return
    public_data_changed(_changed_model(sender, kwargs), using=kwargs.get("using"))


def _changed_model(sender, kwargs):
    # m2m_changed is sent by the link table: the page shows the model that holds the field.
    instance = kwargs.get("instance")
    return type(instance) if "action" in kwargs and instance is not None else sender


def watch(*models, shown_with=()) -> None:
    """Invalidate the public pages of ``models`` whenever a row of them is saved or deleted.

    ``shown_with``: models whose pages also show these rows, declared by the app that owns
    the rows (a project's page shows its ratings, and the projects app knows nothing of them).
    """
    for model in models:
        _shown_with.setdefault(model._meta.label, set()).update(other._meta.label for other in shown_with)
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


@dataclass(frozen=True)
class PublicPage:
    """What a public view declares: the models it shows and the query parameters it reads."""

    models: tuple = ()
    params: tuple = ()

    def generation_keys(self) -> list[str]:
        return [_generation_key(EVERY_PAGE)] + [_generation_key(m._meta.label) for m in self.models]


def public_page(*models, params=(), declared_by=None):
    """Declare a public view (see the module docstring). ``declared_by(**url_kwargs)`` returns the
    ``PublicPage`` of views whose content depends on the URL (an open-data file per dataset)."""
    watch(*models)
    declaration = PublicPage(tuple(models), tuple(params))

    def decorate(view):
        @wraps(view)
        def public_view(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            return response

        public_view.public_page = declared_by or (lambda **_kwargs: declaration)
        return public_view

    return decorate


def _declared_page(request):
    """The view's ``PublicPage`` for a GET or HEAD of a public URL, else None.

    The URL is matched in the language of its path, as the locale middleware will match it.
    """
    if request.method not in ("GET", "HEAD"):
        return None
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    translation.activate(language)
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    declare = getattr(match.func, "public_page", None)
    return declare(**match.kwargs) if declare is not None else None


def _keep_declared_parameters(request, page: PublicPage) -> str:
    """Drop every query parameter the view did not declare; returns the query that remains."""
    kept = QueryDict(mutable=True)
    for name in page.params:
        if name in request.GET:
            kept.setlist(name, request.GET.getlist(name))
    query = kept.urlencode()
    request.GET = kept
    request.META["QUERY_STRING"] = query
    return query


def _page_key(request, query: str) -> str:
    path = hashlib.sha256(f"{request.get_host()}|{request.path}?{query}".encode()).hexdigest()
    # Pages tell the state as of today (overdue follows from the deadline): a new day, new pages.
    return f"public-pages:{today():%Y%m%d}:{translation.get_language()}:{path}"


def _lookup(key: str, page: PublicPage):
    """(generations now, stored page or None), in one round trip to the cache."""
    generation_keys = page.generation_keys()
    found = cache.get_many([*generation_keys, key])
    generations = tuple(
        found[name] if name in found else generation(name.removeprefix(GENERATION_PREFIX))
        for name in generation_keys
    )
    entry = found.get(key)
    if entry is not None and entry[0] == generations:
        return generations, entry[1:]
    return generations, None


def _store(key: str, generations, response: HttpResponse) -> None:
    headers = [(name, value) for name, value in response.items() if name.lower() not in NOT_STORED_HEADERS]
    # Tagged with the generations read before rendering: a write during the render bumps
    # one of them, so this page is then already stale, never served.
    cache.set(key, (generations, response.status_code, headers, response.content), PAGE_TIMEOUT)


def _finish(request, response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = CACHE_CONTROL
    if response.has_header("Vary"):  # the session and locale middleware add it; the URL says it all
        del response["Vary"]
    return get_conditional_response(request, etag=response["ETag"], response=response) or response


class PublicPageCacheMiddleware:
    """Serves public pages from the page cache before the rest of the stack runs.

    Sits below the security headers (every answer carries them) and above everything
    that reads the session or the user. A miss runs the whole stack and stores the
    finished page, with the headers the middleware below added to it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = _declared_page(request)
        if page is None:
            return self.get_response(request)
        key = _page_key(request, _keep_declared_parameters(request, page))
        try:
            generations, stored = _lookup(key, page)
        except Exception:
            # The cache server is down: answer from the database, slower but right.
            logger.warning("Public page cache unavailable; page rendered without it", exc_info=True)
            generations, stored = None, None
        if stored is not None:
            status, headers, body = stored
            return _finish(request, HttpResponse(body, status=status, headers=headers))
        response = self.get_response(request)
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        if generations is not None:
            try:
                _store(key, generations, response)
            except Exception:
                logger.warning("Public page cache unavailable; page not stored", exc_info=True)
        return _finish(request, response)
