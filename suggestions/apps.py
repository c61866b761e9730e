from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

EDITOR_PERMISSIONS = [
    "suggestions.view_suggestion",
    "suggestions.change_suggestion",
    "suggestions.view_rating",
    "suggestions.change_rating",
]


class SuggestionsConfig(AppConfig):
    """百姓点菜 / 百姓监督: citizens propose deeds, support them and rate the finished ones."""

    name = "suggestions"
    verbose_name = _("Citizens choose and check (百姓点菜 · 百姓监督)")
    # Unit editors moderate what is assigned to their units; the office triages the rest.
    role_permissions = {"单位台账员": EDITOR_PERMISSIONS}

    def ready(self) -> None:
        from projects.models import Project
        from units import open_data
        from units.public_pages import watch

        from .models import Consultation, Rating, Suggestion
        from .open_data import SUGGESTIONS

        # Project pages show a project's source suggestion, its ratings and its round's
        # consultations: renew them on change.
        watch(Suggestion, Rating, Consultation, shown_with=[Project])
        open_data.register(SUGGESTIONS)
