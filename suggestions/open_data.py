"""Published suggestions as open data: what /suggestions/ shows; no contact, no address, no reference."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from projects.models import Project
from units.open_data import Dataset

from .models import Suggestion


def suggestion_rows(request):
    for suggestion in Suggestion.objects.published().select_related("project").order_by("pk"):
        project = suggestion.project if suggestion.project and suggestion.project.is_published else None
        yield {
            "id": suggestion.pk,
            "what": suggestion.what,
            "place": suggestion.place,
            "why": suggestion.why,
            "received": suggestion.created_at.date(),
            "status": suggestion.status,
            "status_label": suggestion.get_status_display(),
            "reason": suggestion.public_reason if suggestion.status == "declined" else "",
            "supporters": suggestion.support_count,
            "project_url": request.build_absolute_uri(project.get_absolute_url()) if project else "",
            "url": request.build_absolute_uri(reverse("suggestions:detail", args=[suggestion.pk])),
        }


SUGGESTIONS = Dataset(
    slug="suggestions",
    title=_("Citizens' suggestions of deeds (百姓点菜)"),
    description=_("Every moderated suggestion with its status and number of supporters; no personal data."),
    fields=[
        ("id", _("Suggestion number, as in the page address")),
        ("what", _("What is needed")),
        ("place", _("Where (village or community)")),
        ("why", _("Why")),
        ("received", _("Date received, YYYY-MM-DD")),
        ("status", _("Status: received, accepted, converted or declined")),
        ("status_label", _("Status, in words")),
        ("reason", _("Public reason when not adopted")),
        ("supporters", _("Number of citizens who support it")),
        ("project_url", _("The project made from it, if any")),
        ("url", _("The suggestion's public page")),
    ],
    rows=suggestion_rows,
    models=(Suggestion, Project),
)
