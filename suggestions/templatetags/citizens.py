"""What citizens said about a project, for its public page (the projects app never imports this app)."""

from django import template

from ..models import Consultation, Rating, satisfaction_figures

register = template.Library()


@register.simple_tag
def citizen_voice(project) -> dict:
    """The project's satisfaction figures, approved comments and published source suggestions."""
    return {
        "satisfaction": satisfaction_figures(project),
        "comments": list(
            Rating.objects.filter(project=project, comment_approved=True)
            .exclude(comment="")
            .order_by("-created_at")[:20]
        ),
        "sources": list(project.source_suggestions.published()),
    }


@register.simple_tag
def round_consultations(round_) -> list:
    """How the round was chosen with the public (座谈会, 征求意见函, 走访调研)."""
    if round_ is None:
        return []
    return list(Consultation.objects.filter(round=round_))
