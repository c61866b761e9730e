from django import forms
from django.utils.translation import gettext_lazy as _

from review.models import ReviewStatus
from units.models import Unit

from .models import ProjectStatus, Round


class ProjectFilterForm(forms.Form):
    """The filters of the public project list; unknown values are simply ignored."""

    # Only rounds and units with something published are offered.
    round = forms.ModelChoiceField(
        label=_("Round"),
        queryset=Round.objects.with_published_projects(),
        required=False,
        empty_label=_("All rounds"),
    )
    unit = forms.ModelChoiceField(
        label=_("Responsible unit"),
        queryset=Unit.objects.filter(
            projects__is_public=True, projects__review_status=ReviewStatus.APPROVED
        ).distinct(),
        required=False,
        empty_label=_("All units"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *ProjectStatus.choices], required=False
    )

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["round"]:
            queryset = queryset.filter(round=data["round"])
        if data["unit"]:
            queryset = queryset.filter(unit=data["unit"])
        if data["status"]:
            queryset = queryset.filter(derived_status=data["status"])
        return queryset
