"""Public pages served from the configured cache, invalidated exactly, before the staff stack.

A public view declares what it shows and which query parameters change it::

    @public_page(Project, ProgressUpdate, Round, Unit, params=("page", "status"))
    def project_list(request): ...

and gets, with no cache code of its own:

* the whole response kept in the configured cache (Redis in production, shared
  by every application server; local memory by default), keyed by today's date
  (statuses are as of today), the language, the scheme, the host, the path and the
  declared parameters only: ``?utm_source=…`` or ``?from=timeline`` share the page's entry, and
  the view sees only what it declared (its links cannot carry the rest either);
* hits served by ``PublicPageCacheMiddleware``, first in the stack, before any other
  middleware runs: a hit costs a remembered URL match and one round trip to the cache
  (with Redis, none while the generations this server read are younger than
  ``PUBLIC_PAGE_NEAR_SECONDS``: see ``_NearCopy``), and answers with the headers the
  whole stack gave the page on its miss (the security headers among them). The scheme
  in the key keeps the https redirect and HSTS as the security middleware decides them:
  an https page is never served over http;
* exact invalidation by what the page shows: every declared model has a *generation*
  in the cache, and a stored page carries the generations it was rendered in. Any
  save or delete of a declared model (admin form, import, history restore, bulk
  delete, a management command) bumps that model's generation when its transaction
  commits, so a saved reform item leaves ``/projects/`` cached. Code that writes
  without model signals (``bulk_create``, ``QuerySet.update``) calls
  ``public_data_changed(Model)`` itself (with no model: every page). A row waiting for
  review (``review.models.ReviewedModel``) is on no public page, so saving it changes
  nothing: the page cache is invalidated on approval, not on submission. A change shows
  at once on the application server that saved it, and on the others within
  ``PUBLIC_PAGE_NEAR_SECONDS`` (0.5 s with Redis or local memory; 0: at once everywhere);
* an ETag with 304 answers to conditional requests, ``Cache-Control`` that lets
  a reverse proxy keep the page briefly, and a minimal ``Vary``.

Public pages are the same for every visitor: their templates must not use the
session, the user or a CSRF token (the language switch is a plain link). A response
that sets a cookie, or any status but 200, is never stored.
"""

import datetime
import hashlib
import logging
import pickle
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial, wraps

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response

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
    _near.forget_generations()  # this process sees its own change at once
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

    @cached_property
    def generation_keys(self) -> tuple[str, ...]:
        return (_generation_key(EVERY_PAGE), *(_generation_key(m._meta.label) for m in self.models))


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


# Public URLs are few and the URLconf does not change while the process runs: a path's
# declaration is worked out once. Bounded, and long paths are never kept, so a flood of
# made-up addresses (404s) costs a URL match each, never memory.
DECLARATIONS_KEPT = 4096
LONGEST_PATH_KEPT = 256


def _resolve_declaration(path_info: str) -> tuple[str, PublicPage | None]:
    """(the language of the path, the view's ``PublicPage`` or None), matched in that language
    as the locale middleware will match it."""
    language = translation.get_language_from_path(path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            match = resolve(path_info)
        except Resolver404:
            return language, None
    declare = getattr(match.func, "public_page", None)
    return language, (declare(**match.kwargs) if declare is not None else None)


_remembered_declaration = lru_cache(maxsize=DECLARATIONS_KEPT)(_resolve_declaration)


def _declaration(path_info: str) -> tuple[str, PublicPage | None]:
    if len(path_info) > LONGEST_PATH_KEPT:
        return _resolve_declaration(path_info)
    return _remembered_declaration(path_info)


def _keep_declared_parameters(request, page: PublicPage) -> str:
    """Drop every query parameter the view did not declare; returns the query that remains."""
    if not request.META.get("QUERY_STRING"):
        return ""
    kept = QueryDict(mutable=True)
    for name in page.params:
        if name in request.GET:
            kept.setlist(name, request.GET.getlist(name))
    query = kept.urlencode()
    request.GET = kept
    request.META["QUERY_STRING"] = query
    return query


# Host headers already checked against ALLOWED_HOSTS; a refused one is never kept.
HOSTS_KEPT = 64
_allowed_hosts: dict[str, str] = {}


def _host(request) -> str:
    """``request.get_host()``: a host outside ALLOWED_HOSTS raises (400), before any lookup."""
    raw = request.META.get("HTTP_HOST")
    host = _allowed_hosts.get(raw) if raw and not settings.USE_X_FORWARDED_HOST else None
    if host is None:
        host = request.get_host()
        if raw and len(_allowed_hosts) < HOSTS_KEPT:
            _allowed_hosts[raw] = host
    return host


# Pages tell the state as of today (overdue follows from the deadline): a new day, new pages.
# The day's key is kept with the instants it holds for, [start, end) in seconds since the epoch.
_day: tuple[float, float, str] = (0.0, 0.0, "")


def _day_key() -> str:
    global _day
    now = time.time()
    start, end, key = _day
    if start <= now < end:
        return key
    zone = timezone.get_default_timezone()
    day = datetime.datetime.fromtimestamp(now, zone).date()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone).timestamp()
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    ).timestamp()
    _day = (start, end, f"{day:%Y%m%d}")
    return _day[2]


def _page_key(request, language: str, query: str) -> str:
    # The scheme is part of the page: its links are absolute, and the answer over https carries
    # HSTS, which must never reach a plain-http visitor (nor a cached page skip the redirect).
    address = f"{request.scheme}://{_host(request)}{request.path}?{query}"
    return f"public-pages:{_day_key()}:{language}:{hashlib.sha256(address.encode()).hexdigest()}"


def _get_many(backend, names: list[str]) -> list:
    """The values of ``names`` in order (None: not there), in one round trip to the cache.

    The page cache's keys are hex digests and dotted labels, valid for any backend: the portal's
    backends (deeds_portal.cache) fetch them without checking each key again."""
    fetch = getattr(backend, "get_many_unchecked", None)
    if fetch is not None:
        return fetch([backend.make_key(name) for name in names])
    found = backend.get_many(names)
    return [found.get(name) for name in names]


class _NearCopy:
    """This process's copy of recent pages and of the generations read from a shared cache.

    With Redis, a hit otherwise costs a round trip to it, which costs more than the rest of
    the hit together. For ``PUBLIC_PAGE_NEAR_SECONDS`` after the generations were read from
    Redis, a page whose generations still match is served from here; a change saved in this
    process is seen at once, one saved by another application server within that time.
    Bounded by the bytes of the pages kept, oldest used first out.
    """

    def __init__(self, max_bytes: int = 32 * 1024 * 1024):
        self.max_bytes = max_bytes
        self.generations: dict[str, tuple[int, float]] = {}  # generation key → (value, read at)
        self.pages: OrderedDict[str, tuple[tuple, bytes]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()  # threaded servers share it
        self.forgotten_at = 0.0

    def forget_generations(self) -> None:
        self.forgotten_at = time.monotonic()
        self.generations = {}

    def forget(self) -> None:
        with self.lock:
            self.forgotten_at = time.monotonic()
            self.generations = {}
            self.pages.clear()
            self.size = 0

    def current(self, keys, seconds: float) -> tuple | None:
        """The generations of ``keys`` if all were read from the shared cache in the last ``seconds``."""
        oldest = time.monotonic() - seconds
        values = []
        generations = self.generations
        for key in keys:
            known = generations.get(key)
            if known is None or known[1] < oldest:
                return None
            values.append(known[0])
        return tuple(values)

    def read(self, keys, values, asked_at: float) -> None:
        if asked_at <= self.forgotten_at:  # asked before a change saved here (another thread)
            return
        self.generations.update((key, (value, asked_at)) for key, value in zip(keys, values, strict=True))

    def page(self, key: str, generations: tuple) -> HttpResponse | None:
        with self.lock:
            entry = self.pages.get(key)
            if entry is None or entry[0] != generations:
                return None
            self.pages.move_to_end(key)
        return pickle.loads(entry[1])  # a response of its own for each request

    def keep(self, key: str, generations: tuple, response: HttpResponse) -> None:
        pickled = pickle.dumps(response, pickle.HIGHEST_PROTOCOL)
        if len(pickled) > self.max_bytes // 8:
            return
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.size -= len(old[1])
            self.pages[key] = (generations, pickled)
            self.size += len(pickled)
            while self.size > self.max_bytes:
                _key, (_generations, dropped) = self.pages.popitem(last=False)
                self.size -= len(dropped)


_near = _NearCopy()


def _lookup(key: str, page: PublicPage):
    """(generations now, stored response or None)."""
    generation_keys = page.generation_keys
    near_seconds = settings.PUBLIC_PAGE_NEAR_SECONDS
    if near_seconds:
        generations = _near.current(generation_keys, near_seconds)
        if generations is not None:
            stored = _near.page(key, generations)
            if stored is not None:
                return generations, stored
    asked_at = time.monotonic()
    *current, entry = _get_many(caches[DEFAULT_CACHE_ALIAS], [*generation_keys, key])
    generations = tuple(
        value if value is not None else generation(name.removeprefix(GENERATION_PREFIX))
        for name, value in zip(generation_keys, current, strict=True)
    )
    # A generation of 0 is one the cache could not tell (it is down): nothing is copied then,
    # so a change saved meanwhile cannot leave an old copy matching.
    near = near_seconds and all(generations)
    if near:
        _near.read(generation_keys, generations, asked_at)
    if entry is not None and entry[0] == generations:
        if near:
            _near.keep(key, generations, entry[1])
        return generations, entry[1]
    return generations, None


def _store(key: str, generations, response: HttpResponse) -> None:
    # Kept as a plain response of the page's status, headers and body: what a hit returns as it is.
    page = HttpResponse(
        response.content,
        status=response.status_code,
        headers={name: value for name, value in response.items() if name.lower() not in NOT_STORED_HEADERS},
    )
    # Tagged with the generations read before rendering: a write during the render bumps
    # one of them, so this page is then already stale, never served.
    cache.set(key, (generations, page), PAGE_TIMEOUT)
    if settings.PUBLIC_PAGE_NEAR_SECONDS and all(generations):
        _near.keep(key, generations, page)


CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def _answer(request, response: HttpResponse) -> HttpResponse:
    meta = request.META
    if any(header in meta for header in CONDITIONAL_HEADERS):
        return get_conditional_response(request, etag=response["ETag"], response=response) or response
    return response


class PublicPageCacheMiddleware:
    """Serves public pages from the page cache before the rest of the stack runs.

    First in MIDDLEWARE: a hit runs nothing else. A miss runs the whole stack (the security
    middleware's redirect to https included) and stores the finished page with the headers
    every middleware below added to it, the security headers among them; the scheme is in
    the key, so a page fetched over https (with HSTS) is only ever served over https.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        language, page = _declaration(request.path_info)
        if page is None:
            return self.get_response(request)
        key = _page_key(request, language, _keep_declared_parameters(request, page))
        try:
            generations, stored = _lookup(key, page)
        except Exception:
            # The cache server is down: answer from the database, slower but right.
            logger.warning("Public page cache unavailable; page rendered without it", exc_info=True)
            generations, stored = None, None
        if stored is not None:
            return _answer(request, stored)
        response = self.get_response(request)
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        response["Cache-Control"] = CACHE_CONTROL
        if response.has_header("Vary"):  # the session and locale middleware add it; the URL says it all
            del response["Vary"]
        if generations is not None:
            try:
                _store(key, generations, response)
            except Exception:
                logger.warning("Public page cache unavailable; page not stored", exc_info=True)
        return _answer(request, response)


@receiver(setting_changed)
def _forget_what_settings_decide(*, setting, **_kwargs) -> None:
    global _day
    if setting in {"ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE"}:
        _remembered_declaration.cache_clear()
    if setting in {"ALLOWED_HOSTS", "DEBUG", "USE_X_FORWARDED_HOST"}:
        _allowed_hosts.clear()
    if setting in {"TIME_ZONE", "USE_TZ"}:
        _day = (0.0, 0.0, "")
    if setting in {"CACHES", "PUBLIC_PAGE_NEAR_SECONDS"}:
        _near.forget()
