"""The coordinator's admin for the volunteers' self-service: the personal link on the
volunteer's page, and each unit's rules (cancel deadline, how citizens join)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from reversion.admin import VersionAdmin

from units.admin import UnitScopedAdminMixin

from . import self_service
from .links import SelfServiceRules


def personal_link_field(request):
    """The read-only field of the volunteer's admin page showing their link and QR code.

    One function per request, kept on it: the link is absolute, on the host the coordinator
    uses, which needs the request, and the admin finds a read-only field by identity."""
    from .self_views import personal_url, qr_svg

    if hasattr(request, "_volunteer_link_field"):
        return request._volunteer_link_field

    def personal_link(volunteer):
        manage = reverse("volunteers:personal-link", args=[volunteer.pk])
        link = getattr(volunteer, "personal_link", None) if volunteer.pk else None
        if link is None:
            return format_html('<a href="{}">{}</a>', manage, _("Give a personal link"))
        if not self_service.link_is_live(link):
            return format_html(
                '{} <a href="{}">{}</a>',
                _("The link no longer works."),
                manage,
                _("Give a new personal link"),
            )
        url = personal_url(request, self_service.link_token(link))
        return format_html(
            '<div class="personal-link"><a href="{}" rel="noreferrer">{}</a><div class="personal-qr">{}</div>'
            '<a href="{}">{}</a></div>',
            url,
            url,
            mark_safe(qr_svg(url)),  # segno's own markup, no user text in it
            manage,
            _("Print, regenerate or revoke"),
        )

    personal_link.short_description = _("personal link")
    request._volunteer_link_field = personal_link
    return personal_link


@admin.register(SelfServiceRules)
class SelfServiceRulesAdmin(UnitScopedAdminMixin, VersionAdmin):
    list_display = ["unit", "cancel_hours_before", "contact"]
    list_select_related = ["unit"]
