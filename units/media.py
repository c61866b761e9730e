"""``/media/<name>``: each app serves its own uploads under its own access rule.

An app owns the upload prefixes it declares on its AppConfig, e.g.
``media_handlers = {"progress/": "projects.views.progress_photo"}``; the view is
called as ``view(request, name)`` with the stored name ("progress/2021/06/a.jpg").
This module reads those declarations, so it never imports or names a domain app.
A name no app owns, or one that could reach outside the upload folder, is a 404.
"""

from collections.abc import Callable, Iterable
from functools import cache

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.module_loading import import_string

MediaView = Callable[[HttpRequest, str], HttpResponse]


def collect_media_handlers(configs: Iterable[AppConfig]) -> dict[str, str]:
    """{prefix: dotted view path} from the app configs; each name has at most one owner."""
    owners: dict[str, str] = {}
    for config in configs:
        for prefix, view in getattr(config, "media_handlers", {}).items():
            if not is_safe_name(prefix.rstrip("/")) or not prefix.endswith("/"):
                raise ImproperlyConfigured(
                    f"{config.label}: media prefix {prefix!r} must look like 'folder/'."
                )
            for taken in owners:
                if prefix.startswith(taken) or taken.startswith(prefix):
                    raise ImproperlyConfigured(f"{config.label}: media prefix {prefix!r} overlaps {taken!r}.")
            owners[prefix] = view
    return owners


@cache
def _handlers() -> tuple[tuple[str, MediaView], ...]:
    return tuple(
        (prefix, import_string(view))
        for prefix, view in collect_media_handlers(apps.get_app_configs()).items()
    )


def is_safe_name(name: str) -> bool:
    """A relative name inside the upload folder: no NUL byte (PostgreSQL refuses it in a
    query), no absolute path, no ``..``, ``.`` or empty segment, no backslash."""
    if not name or "\x00" in name or "\\" in name:
        return False
    return all(segment not in ("", ".", "..") for segment in name.split("/"))


def serve_media(request: HttpRequest, name: str) -> HttpResponse:
    if is_safe_name(name):
        for prefix, view in _handlers():
            if name.startswith(prefix):
                return view(request, name)
    raise Http404
