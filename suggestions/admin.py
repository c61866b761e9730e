"""Moderation of citizens' suggestions and ratings, scoped to the staff member's units."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from projects.models import Project, Round
from units.admin import UnitScopedAdminMixin
from units.dates import today
from units.history import RecordHistoryMixin
from units.scoping import units_of

from .models import Consultation, Rating, Suggestion, SuggestionStatus, make_project, merge


class MakeProjectForm(forms.Form):
    round = forms.ModelChoiceField(label=_("round (批次)"), queryset=Round.objects.all())
    unit = forms.ModelChoiceField(label=_("responsible unit (责任单位)"), queryset=None)
    category = forms.ChoiceField(label=_("category"), choices=Project.Category.choices)
    deadline = forms.DateField(label=_("deadline (完成时限)"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_of(user)


@admin.register(Suggestion)
class SuggestionAdmin(UnitScopedAdminMixin, VersionAdmin):
    list_display = [
        "reference",
        "what",
        "place",
        "status",
        "is_published",
        "unit",
        "support_count",
        "created_at",
    ]
    list_filter = ["status", "is_published", ("unit", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reference", "what", "place", "why"]
    list_select_related = ["unit"]
    readonly_fields = ["reference", "created_at", "support_count", "merged_into", "project_link"]
    fields = [
        "reference",
        "created_at",
        "what",
        "place",
        "why",
        "contact",
        "unit",
        "status",
        "is_published",
        "public_reason",
        "merged_into",
        "project_link",
        "support_count",
    ]
    actions = ["accept", "publish", "merge_duplicates", "make_into_project"]

    @admin.display(description=_("project made from it"))
    def project_link(self, suggestion):
        if suggestion.project is None:
            return "—"
        return format_html('<a href="{}">{}</a>', suggestion.project.get_absolute_url(), suggestion.project)

    @admin.action(description=_("Accept and publish the selected suggestions"), permissions=["change"])
    def accept(self, request, queryset):
        for suggestion in queryset.filter(status__in=[SuggestionStatus.RECEIVED, SuggestionStatus.ACCEPTED]):
            suggestion.status = SuggestionStatus.ACCEPTED
            suggestion.is_published = True
            suggestion.save()

    @admin.action(description=_("Publish the selected suggestions as received"), permissions=["change"])
    def publish(self, request, queryset):
        for suggestion in queryset.exclude(status=SuggestionStatus.MERGED):
            suggestion.is_published = True
            suggestion.save()

    @admin.action(
        description=_("Merge the selected duplicates into the earliest one"), permissions=["change"]
    )
    def merge_duplicates(self, request, queryset):
        suggestions = list(queryset.exclude(status=SuggestionStatus.MERGED).order_by("created_at", "pk"))
        if len(suggestions) < 2:
            self.message_user(request, _("Select at least two suggestions to merge."), messages.ERROR)
            return
        target, *duplicates = suggestions
        for duplicate in duplicates:
            merge(duplicate, target)
        self.message_user(
            request,
            _("%(count)d suggestions merged into %(reference)s.")
            % {"count": len(duplicates), "reference": target.reference},
        )

    @admin.action(
        description=_("Make the selected suggestion into a project of a round"), permissions=["change"]
    )
    def make_into_project(self, request, queryset):
        if not request.user.has_perm("projects.add_project"):
            raise PermissionDenied
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one suggestion."), messages.ERROR)
            return None
        suggestion = queryset.get()
        if suggestion.project_id or suggestion.status in (SuggestionStatus.MERGED, SuggestionStatus.DECLINED):
            self.message_user(request, _("This suggestion cannot be made into a project."), messages.ERROR)
            return None
        initial = {"unit": suggestion.unit, "deadline": today() + datetime.timedelta(days=90)}
        form = MakeProjectForm(
            request.POST if "make_project" in request.POST else None, user=request.user, initial=initial
        )
        if form.is_bound and form.is_valid():
            project = make_project(suggestion, user=request.user, **form.cleaned_data)
            self.message_user(
                request,
                _("Project “%(title)s” created as a draft from %(reference)s; publish it when it is ready.")
                % {"title": project.title, "reference": suggestion.reference},
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Make a project from %(reference)s") % {"reference": suggestion.reference},
            "suggestion": suggestion,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return render(request, "admin/suggestions/make_project.html", context)


@admin.register(Rating)
class RatingAdmin(UnitScopedAdminMixin, VersionAdmin):
    list_display = ["project", "satisfaction", "comment", "comment_approved", "created_at"]
    list_filter = ["satisfaction", "comment_approved"]
    list_select_related = ["project"]
    readonly_fields = ["project", "satisfaction", "created_at"]
    fields = ["project", "satisfaction", "comment", "comment_approved", "created_at"]
    actions = ["approve_comments"]

    def has_add_permission(self, request):
        return False  # ratings come from citizens only

    @admin.action(description=_("Show the selected comments publicly"), permissions=["change"])
    def approve_comments(self, request, queryset):
        for rating in queryset.exclude(comment=""):
            rating.comment_approved = True
            rating.save()


@admin.register(Consultation)
class ConsultationAdmin(RecordHistoryMixin, VersionAdmin):
    """Rounds belong to no unit: the office records their consultations."""

    list_display = ["round", "kind", "date", "place", "people_reached", "suggestions_collected"]
    list_filter = ["round", "kind"]
    date_hierarchy = "date"
