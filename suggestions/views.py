"""Citizens' pages: propose a deed, look up its status, support one, rate a finished deed.

The lists and detail pages are public pages (cached, the same for everyone); the
forms carry a CSRF token and a citizen's own answer, so they are never cached.
Support is a plain POST from the cached list: it carries a signed token naming
the suggestion instead of a CSRF token, must come from the site's own origin, and
the browser's own random id (a cookie set by that POST or by a rating) makes it
count once per browser, with a cap per sender address beside it. A rating counts
once per browser and project too: a later one replaces the earlier.
"""

from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from projects.models import Project, ProjectStatus
from units.models import Unit
from units.public_pages import public_data_changed, public_page

from . import protection
from .forms import RatingForm, StatusForm, SuggestionForm
from .models import Suggestion, SuggestionStatus, add_support, save_rating

PAGE_SIZE = 20
HOUR = 3600
# Per address and hour; a village office or a mobile carrier puts many people behind one address.
SUBMIT_LIMIT = getattr(settings, "SUGGESTION_SUBMIT_LIMIT", 5)
SUPPORT_LIMIT = getattr(settings, "SUGGESTION_SUPPORT_LIMIT", 30)
RATING_LIMIT = getattr(settings, "SUGGESTION_RATING_LIMIT", 10)
LOOKUP_LIMIT = getattr(settings, "SUGGESTION_LOOKUP_LIMIT", 30)


def _too_many(request, template, context):
    context = {
        **context,
        "throttled": _("Too many submissions from your network. Please try again in an hour."),
    }
    return render(request, template, context, status=429)


@public_page(Suggestion, Project, Unit, params=("page",))
def suggestion_list(request):
    suggestions = Suggestion.objects.published().select_related("project").order_by("-support_count", "-pk")
    page = Paginator(suggestions, PAGE_SIZE).get_page(request.GET.get("page"))
    for suggestion in page:
        suggestion.support_token = protection.support_token(suggestion.pk)
    return render(request, "suggestions/list.html", {"page": page})


@public_page(Suggestion, Project, Unit)
def suggestion_detail(request, pk):
    suggestion = get_object_or_404(Suggestion.objects.published().select_related("project", "unit"), pk=pk)
    suggestion.support_token = protection.support_token(suggestion.pk)
    project = suggestion.project if suggestion.project and suggestion.project.is_published else None
    return render(request, "suggestions/detail.html", {"suggestion": suggestion, "project": project})


@never_cache
def suggestion_new(request):
    form = SuggestionForm(request.POST or None)
    if request.method == "POST":
        if protection.over_limit(request, "suggest", SUBMIT_LIMIT, HOUR):
            return _too_many(request, "suggestions/new.html", {"form": form})
        if form.is_bot:
            # Answer as if accepted, so the bot learns nothing; nothing is written.
            return redirect(reverse("suggestions:status") + "?sent=1")
        if form.is_valid():
            suggestion = form.save(commit=False)
            suggestion.address_hash = protection.address_hash(request)
            suggestion.save()
            return redirect(reverse("suggestions:status") + f"?reference={suggestion.reference}&sent=1")
    return render(request, "suggestions/new.html", {"form": form})


@never_cache
def suggestion_status(request):
    form = StatusForm(request.GET if "reference" in request.GET else None)
    context = {"form": form, "just_sent": request.GET.get("sent") == "1"}
    if form.is_bound:
        if protection.over_limit(request, "lookup", LOOKUP_LIMIT, HOUR):
            return _too_many(request, "suggestions/status.html", context)
        if form.is_valid():
            suggestion = (
                Suggestion.objects.filter(reference=form.cleaned_data["reference"])
                .select_related("merged_into", "project")
                .first()
            )
            context["suggestion"] = suggestion
            context["not_found"] = suggestion is None
            # The suggestion it went into is named only once it is public: its text is
            # another citizen's, unmoderated until then.
            if (
                suggestion
                and suggestion.status == SuggestionStatus.MERGED
                and suggestion.merged_into.is_public
            ):
                context["merged_into"] = suggestion.merged_into
    return render(request, "suggestions/status.html", context)


def _same_site(request) -> bool:
    """A support POST must come from our own pages.

    Browsers send Origin on every POST; a page from another site, a sandboxed frame or
    a file (``Origin: null``) is not ours. Without an Origin (a browser of some years
    ago) the Referer must name our own origin instead."""
    own = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        return origin == own
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    return f"{referer.scheme}://{referer.netloc}" == own


def _address_limit(name: str) -> int:
    """How many supports of one suggestion, or ratings of one project, one address may send
    (an office or a carrier puts many people behind one address; 0: no limit)."""
    return getattr(settings, name)


@csrf_exempt  # the page holding the button is cached for everyone; see the module docstring
@never_cache
def support(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    pk = protection.suggestion_from_token(request.POST.get("token", ""))
    suggestion = Suggestion.objects.published().filter(pk=pk).first() if pk else None
    if suggestion is None or not _same_site(request):
        raise Http404
    context = {"suggestion": suggestion}
    if protection.over_limit(request, "support", SUPPORT_LIMIT, HOUR):
        return _too_many(request, "suggestions/supported.html", context)
    browser, new_browser = protection.browser_id(request)
    outcome = add_support(
        suggestion,
        browser=protection.browser_hash(browser),
        address=protection.address_hash(request),
        per_address=_address_limit("SUGGESTION_SUPPORTS_PER_ADDRESS"),
    )
    if outcome == "counted":
        public_data_changed(Suggestion)
    context.update(counted=outcome == "counted", address_full=outcome == "address_full")
    response = render(request, "suggestions/supported.html", context)
    if new_browser:
        protection.remember_browser(response, browser)
    return response


def _rateable_project(pk):
    project = get_object_or_404(Project.objects.published().select_related("unit"), pk=pk)
    return project, project.status_on() == ProjectStatus.COMPLETED


@never_cache
def rate(request, pk):
    project, completed = _rateable_project(pk)
    form = RatingForm(request.POST or None)
    context = {"project": project, "form": form, "completed": completed}
    if request.method == "POST" and completed:
        if protection.over_limit(request, "rate", RATING_LIMIT, HOUR):
            return _too_many(request, "suggestions/rate.html", context)
        if form.is_bot:
            return render(request, "suggestions/rate.html", {**context, "thanks": True})
        if form.is_valid():
            browser, new_browser = protection.browser_id(request)
            rating, replaced = save_rating(
                project,
                browser=protection.browser_hash(browser),
                address=protection.address_hash(request),
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
                per_address=_address_limit("SUGGESTION_RATINGS_PER_ADDRESS"),
            )
            if rating is None:
                context["throttled"] = _(
                    "This project has received as many ratings from your network as it can count."
                )
                return render(request, "suggestions/rate.html", context, status=429)
            response = render(
                request, "suggestions/rate.html", {**context, "thanks": True, "replaced": replaced}
            )
            if new_browser:
                protection.remember_browser(response, browser)
            return response
    return render(request, "suggestions/rate.html", context)


def canonical_project_url(request, project) -> str:
    """The project's page in Chinese (the notice is posted at a Chinese site), on this host."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("projects:detail", args=[project.pk])
    return request.build_absolute_uri(path)


def project_qr(url: str) -> segno.QRCode:
    # Level M survives a little dirt on a posted notice.
    return segno.make_qr(url, error="m")


@public_page(Project, Unit)
def site_notice(request, pk):
    """An A4 notice for the project site; the QR code opens the project's page."""
    project = get_object_or_404(Project.objects.published().select_related("unit", "round"), pk=pk)
    url = canonical_project_url(request, project)
    # Vector and without a fixed size: the print CSS makes it 15 cm wide, which a phone
    # reads from about two metres (a code scans from roughly ten times its width).
    qr_svg = project_qr(url).svg_inline(border=4, omitsize=True, svgclass="qr", title=url)
    return render(request, "suggestions/notice.html", {"project": project, "url": url, "qr_svg": qr_svg})
