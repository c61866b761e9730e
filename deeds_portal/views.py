from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from projects.models import ProgressUpdate, Project, Round
from reforms.figures import catalogue_figures

LATEST_UPDATES = 6


def dashboard(request):
    current_round = Round.objects.current()
    figures = None
    if current_round is not None:
        figures = Project.objects.published().filter(round=current_round).figures()
    latest_updates = (
        ProgressUpdate.objects.filter(project__is_public=True)
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
            # The same figures as /reforms/ (one aggregate query, cached until an item changes).
            "reform_figures": catalogue_figures(),
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
