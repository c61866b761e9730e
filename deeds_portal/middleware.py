"""Response headers that Django 5.2 does not set on its own."""

from django.conf import settings
from django.urls import reverse


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
