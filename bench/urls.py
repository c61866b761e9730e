"""The portal's own URLconf plus two baselines, used only while the benchmark runs."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from deeds_portal.urls import urlpatterns as portal_urlpatterns

SHELL = engines["django"].from_string('{% extends "base.html" %}{% block content %}<p>ok</p>{% endblock %}')


def trivial(request):
    """The baseline: the full middleware stack, no database, no template."""
    return HttpResponse("ok\n", content_type="text/plain")


def shell(request):
    """The portal's page chrome (base.html) with an empty body: what any page costs to render."""
    return HttpResponse(SHELL.render({}, request))


urlpatterns = [
    path("__bench__/trivial/", trivial, name="bench-trivial"),
    path("__bench__/shell/", shell, name="bench-shell"),
    # Appended, not included: the portal's public pages use i18n_patterns, which must be top-level.
    *portal_urlpatterns,
]
