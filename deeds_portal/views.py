from django.contrib.sitemaps.views import sitemap
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

import hotline.figures
import reforms.figures
import volunteers.services
from hotline.models import Case, Month
from projects.models import ProgressUpdate, Project, Round
from reforms.models import ServiceItem
from units.dates import today
from units.models import Unit
from units.public_pages import public_page
from volunteers.models import Assignment, ProblemSolved, Shift

LATEST_UPDATES = 6


@public_page(Project, ProgressUpdate, Round, Unit, ServiceItem, Month, Case, Shift, Assignment, ProblemSolved)
def dashboard(request):
    # Each special task's figures as of today, each asked the one way its own page and the
    # monthly workbook ask: ``figures(on)``.
    on = today()
    current_round = Round.objects.current()
    figures = None
    if current_round is not None:
        figures = Project.objects.published().filter(round=current_round).figures(on)
    latest_updates = (
        ProgressUpdate.objects.published()
        .select_related("project", "project__unit")
        .order_by("-date", "-pk")[:LATEST_UPDATES]
    )
    return render(
        request,
        "portal/dashboard.html",
        {
            "round": current_round,
            "figures": figures,
            "latest_updates": latest_updates,
            # The same figures as /reforms/ (one aggregate query, cached until an item changes:
            # the catalogue's figures of now are those of today).
            "reform_figures": reforms.figures.catalogue_figures(),
            "volunteers": volunteers.services.figures(on),
            # The hotline's year to date of the latest month stored, as /hotline/ shows by default.
            "hotline": hotline.figures.figures(),
        },
    )


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /i18n/",
        "Allow: /",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@public_page(Project, ServiceItem, params=("p",))  # p: the page of a long sitemap
def public_sitemap(request, sitemaps):
    return sitemap(request, sitemaps)
