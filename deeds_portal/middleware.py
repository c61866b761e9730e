"""Response headers that Django 5.2 does not set on its own; a 503 while the database is down."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and a restrictive Permissions-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = reverse("admin:index")

    def __call__(self, request):
        response = self.get_response(request)
        policy = (
            settings.CONTENT_SECURITY_POLICY_ADMIN
            if request.path.startswith(self.admin_prefix)
            else settings.CONTENT_SECURITY_POLICY
        )
        response.setdefault("Content-Security-Policy", policy)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class PortalLocaleMiddleware(LocaleMiddleware):
    """Public pages take their language from the URL (plain: Chinese, /en/…: English).

    Staff pages (/admin/) have no language in their URL; there the language chosen
    with the switch (a cookie, set by /i18n/setlang/) applies, Chinese by default.
    """

    def process_request(self, request):
        super().process_request(request)
        if request.path_info.startswith(reverse("admin:index")):
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            if chosen and translation.check_for_language(chosen):
                translation.activate(chosen)
                request.LANGUAGE_CODE = translation.get_language()


class DatabaseUnavailableMiddleware:
    """While the database is unreachable, a page says so (503, come back soon) instead of a 500.

    The answer is built without the database: no session, no user, no context processors.
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable: %s %s", request.method, request.path)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
