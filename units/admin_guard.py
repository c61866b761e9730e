"""Hand-edited admin addresses never become a server error.

A filter value the list cannot use (``?deadline__year=abc``, a year past 9999, a NUL byte,
which PostgreSQL refuses in any text) answers with the list itself, unfiltered, and a
message in the user's language; an object address with a NUL byte is a 404. Every
ModelAdmin gets this from the portal's admin site (``deeds_portal.admin_site``), third-party
ones included, so no admin has to remember it. Nothing here registers a model: the site
imports it while it is being built.
"""

import logging
from functools import wraps

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.http import Http404, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _refused(changelist, error) -> IncorrectLookupParameters:
    # The kind of error only: the filter's value is whatever was typed into the address.
    logger.info("admin list %s: filter refused (%s)", changelist.opts.label, type(error).__name__)
    return IncorrectLookupParameters(error)


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())


class ChangeListGuard:
    """Django turns only some impossible drill-down dates into IncorrectLookupParameters;
    ``?deadline__year=99999999999`` (OverflowError) or ``=9999`` (no year 10000) escape."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise _refused(self, error) from error

    def get_results(self, request):
        # A lookup the filters let through may fail only when its SQL is made (a year
        # bound past 9999 in ``?made_at__year=…``), i.e. when the list is counted here.
        try:
            return super().get_results(request)
        except (ValueError, OverflowError) as error:
            raise _refused(self, error) from error


_guarded_classes: dict[type, type] = {}


def guarded_changelist(changelist_class: type) -> type:
    if issubclass(changelist_class, ChangeListGuard):
        return changelist_class
    if changelist_class not in _guarded_classes:
        _guarded_classes[changelist_class] = type(
            f"Guarded{changelist_class.__name__}", (ChangeListGuard, changelist_class), {}
        )
    return _guarded_classes[changelist_class]


class LookupGuardMixin:
    """Lists (and export pages, which build the same list) refuse a malformed filter as
    IncorrectLookupParameters, whatever ChangeList the admin uses."""

    def get_changelist(self, request, **kwargs):
        return guarded_changelist(super().get_changelist(request, **kwargs))


def _list_url(view, request) -> str:
    """The list of the ModelAdmin the view belongs to, else the page itself."""
    model_admin = getattr(view, "__self__", None)
    opts = getattr(model_admin, "opts", None)
    if opts is not None:
        try:
            return reverse(
                f"admin:{opts.app_label}_{opts.model_name}_changelist",
                current_app=model_admin.admin_site.name,
            )
        except NoReverseMatch:
            pass
    return request.path


def _without_filters(request, to: str):
    messages.error(
        request,
        _(
            "The filter in the address is not valid, so the list is shown without filters. Choose filters on the page."
        ),
    )
    return HttpResponseRedirect(to)


def guard_admin_view(view):
    """Wrap one admin view: bad filters back to the unfiltered list with a message."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if "\x00" in request.path:
            raise Http404  # no object, model or page is named with a NUL
        if _has_nul(request.GET):
            return _without_filters(request, _list_url(view, request))
        if ERROR_FLAG in request.GET and getattr(view, "__name__", "") == "changelist_view":
            return _without_filters(
                request, request.path
            )  # Django's own "?e=1" answer, reached from elsewhere
        try:
            response = view(request, *args, **kwargs)
        except IncorrectLookupParameters:  # an export or another page built on the list
            return _without_filters(request, _list_url(view, request))
        if response.status_code == 302 and response.get("Location", "").endswith(f"?{ERROR_FLAG}=1"):
            return _without_filters(request, response["Location"].rsplit("?", 1)[0])
        return response

    return guarded
