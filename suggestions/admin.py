"""Moderation of citizens' suggestions and ratings, scoped to the staff member's units.

Who may change what is decided once, in ``FeedbackModerationMixin`` (the rules are
``suggestions.moderation``): the change form, list edits, list actions and restores
from history all save through it. Neither admin imports files.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from audit.records import Action, record
from projects.models import Project, Round
from units.admin import UnitScopedAdminMixin
from units.dates import today
from units.history import RecordHistoryMixin
from units.scoping import owning_unit_id, unit_ids_of, units_of

from . import moderation
from .models import Consultation, Rating, Suggestion, SuggestionStatus, make_project, merge

REDACT_FIELD = "redact"


class RedactionForm(forms.ModelForm):
    """The office's one change to a citizen's words: hiding personal data typed into them."""

    redact = forms.CharField(
        label=_("hide personal data"),
        required=False,
        min_length=2,
        max_length=100,
        help_text=_(
            "Type the personal data exactly as the citizen wrote it (a phone number, a name, an "
            "address). Saving replaces it with ［已隐去］ and the public page says that something was "
            "hidden. The citizen's other words cannot be changed."
        ),
    )

    def clean_redact(self):
        fragment = self.cleaned_data.get(REDACT_FIELD, "")
        words = moderation.policy_for(self._meta.model).redactable
        # Part of an earlier mark is not the citizen's text.
        if fragment and (
            fragment in moderation.REDACTION_MARK
            or not any(fragment in (getattr(self.instance, name) or "") for name in words)
        ):
            raise ValidationError(_("This text does not appear in the citizen's words."))
        return fragment


class FeedbackModerationMixin:
    """The one place that enforces who may change citizens' feedback (``suggestions.moderation``).

    Every save (change form, list edit, list action, restore from history) passes
    ``save_model``: a citizen's words change only by the office's redaction, moderation
    fields only by the office (``moderate_<model>`` permission), the public reply only by
    the rated unit's own staff, and each decision leaves an audit entry. The change form
    shows as read-only what the user may not change, so a forged POST of those fields is
    ignored; a save that would change them anyway (a restore, a list edit) is refused.
    """

    form = RedactionForm

    def has_moderate_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.moderate_{opts.model_name}")

    def may_reply(self, request, obj) -> bool:
        """The reply is shown as the unit's: only its own staff write it, not the office for it."""
        return obj is not None and owning_unit_id(obj, self.unit_path) in unit_ids_of(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        policy = moderation.policy_for(self.model)
        # A new record's text is what staff typed as received (a suggestion made by phone).
        locked = list(policy.words) if obj is not None else []
        if not self.has_moderate_permission(request):
            locked += policy.moderation
        if not self.may_reply(request, obj):
            locked += policy.reply
        locked = [name.removesuffix("_id") for name in locked]
        return readonly + [name for name in locked if name not in readonly]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is None or not self.has_moderate_permission(request):
            return [name for name in fields if name != REDACT_FIELD]
        return fields

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # The restore puts the old row back before the form is saved: keep what it holds now.
        current = self.get_object(request, unquote(object_id))
        if current is not None:
            request._feedback_before = moderation.snapshot(current)
        return super().revision_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        """Also the list actions' save (``form`` None): check, save, record the decisions."""
        before = getattr(request, "_feedback_before", None) if change else None
        if change and before is None:
            before = moderation.stored_snapshot(obj)
        fragment = (getattr(form, "cleaned_data", None) or {}).get(REDACT_FIELD, "")
        if fragment:
            for name in moderation.policy_for(self.model).redactable:
                setattr(obj, name, moderation.redact(getattr(obj, name) or "", fragment))
            obj.redacted = True
        changed = moderation.check_change(
            obj,
            before,
            may_moderate=self.has_moderate_permission(request),
            may_reply=self.may_reply(request, obj),
        )
        super().save_model(request, obj, form, change)
        self.record_decisions(request, obj, before, changed)
        if fragment:
            moderation.scrub_history(obj, fragment)

    def delete_model(self, request, obj):
        record(Action.MODERATION, request=request, obj=obj, details={"decision": "delete"})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record(Action.MODERATION, request=request, obj=obj, details={"decision": "delete"})
        super().delete_queryset(request, queryset)

    def record_decisions(self, request, obj, before, changed) -> None:
        for decision in moderation.decisions(obj, before, changed):
            record(Action.MODERATION, request=request, obj=obj, details=decision)


class MakeProjectForm(forms.Form):
    round = forms.ModelChoiceField(label=_("round (批次)"), queryset=Round.objects.all())
    unit = forms.ModelChoiceField(label=_("responsible unit (责任单位)"), queryset=None)
    category = forms.ChoiceField(label=_("category"), choices=Project.Category.choices)
    # Asked, never guessed: the office commits to a date citizens will hold the unit to.
    deadline = forms.DateField(label=_("deadline (完成时限)"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_of(user)

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < today():
            raise forms.ValidationError(_("The deadline cannot be before today."))
        return deadline


@admin.register(Suggestion)
class SuggestionAdmin(FeedbackModerationMixin, UnitScopedAdminMixin, VersionAdmin):
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
    readonly_fields = ["reference", "created_at", "support_count", "merged_into", "project_link", "redacted"]
    fields = [
        "reference",
        "created_at",
        "what",
        "place",
        "why",
        "contact",
        REDACT_FIELD,
        "redacted",
        "unit",
        "status",
        "is_published",
        "public_reason",
        "merged_into",
        "project_link",
        "support_count",
    ]
    actions = ["accept", "publish", "hide", "merge_duplicates", "make_into_project"]

    @admin.display(description=_("project made from it"))
    def project_link(self, suggestion):
        if suggestion.project is None:
            return "—"
        return format_html('<a href="{}">{}</a>', suggestion.project.get_absolute_url(), suggestion.project)

    @admin.action(description=_("Accept and publish the selected suggestions"), permissions=["moderate"])
    def accept(self, request, queryset):
        for suggestion in queryset.filter(status__in=[SuggestionStatus.RECEIVED, SuggestionStatus.ACCEPTED]):
            suggestion.status = SuggestionStatus.ACCEPTED
            suggestion.is_published = True
            self.save_model(request, suggestion, None, change=True)

    @admin.action(description=_("Publish the selected suggestions as received"), permissions=["moderate"])
    def publish(self, request, queryset):
        for suggestion in queryset.exclude(status=SuggestionStatus.MERGED):
            suggestion.is_published = True
            self.save_model(request, suggestion, None, change=True)

    @admin.action(description=_("Hide the selected suggestions from the public"), permissions=["moderate"])
    def hide(self, request, queryset):
        for suggestion in queryset.filter(is_published=True):
            suggestion.is_published = False
            self.save_model(request, suggestion, None, change=True)

    @admin.action(
        description=_("Merge the selected duplicates into the earliest one"), permissions=["moderate"]
    )
    def merge_duplicates(self, request, queryset):
        suggestions = list(queryset.exclude(status=SuggestionStatus.MERGED).order_by("created_at", "pk"))
        if len(suggestions) < 2:
            self.message_user(request, _("Select at least two suggestions to merge."), messages.ERROR)
            return
        target, *duplicates = suggestions
        for duplicate in duplicates:
            before = moderation.snapshot(duplicate)
            merge(duplicate, target)
            self.record_decisions(request, duplicate, before, ["status", "merged_into_id"])
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
        initial = {"unit": suggestion.unit}
        form = MakeProjectForm(
            request.POST if "make_project" in request.POST else None, user=request.user, initial=initial
        )
        if form.is_bound and form.is_valid():
            before = moderation.snapshot(suggestion)
            project = make_project(suggestion, user=request.user, **form.cleaned_data)
            self.record_decisions(request, suggestion, before, ["status"])
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
class RatingAdmin(FeedbackModerationMixin, UnitScopedAdminMixin, VersionAdmin):
    """The office shows, hides and redacts comments; the rated unit answers them publicly."""

    list_display = ["project", "satisfaction", "comment", "comment_approved", "has_reply", "created_at"]
    list_filter = ["satisfaction", "comment_approved", "redacted"]
    list_select_related = ["project"]
    readonly_fields = ["project", "satisfaction", "created_at", "redacted"]
    fields = [
        "project",
        "satisfaction",
        "comment",
        REDACT_FIELD,
        "redacted",
        "comment_approved",
        "unit_reply",
        "created_at",
    ]
    actions = ["approve_comments", "hide_comments"]

    def has_add_permission(self, request):
        return False  # ratings come from citizens only

    @admin.display(description=_("unit's reply"), boolean=True)
    def has_reply(self, rating):
        return bool(rating.unit_reply)

    @admin.action(description=_("Show the selected comments publicly"), permissions=["moderate"])
    def approve_comments(self, request, queryset):
        for rating in queryset.exclude(comment="").filter(comment_approved=False):
            rating.comment_approved = True
            self.save_model(request, rating, None, change=True)

    @admin.action(description=_("Hide the selected comments from the public"), permissions=["moderate"])
    def hide_comments(self, request, queryset):
        for rating in queryset.filter(comment_approved=True):
            rating.comment_approved = False
            self.save_model(request, rating, None, change=True)


@admin.register(Consultation)
class ConsultationAdmin(RecordHistoryMixin, VersionAdmin):
    """Rounds belong to no unit: the office records their consultations."""

    list_display = ["round", "kind", "date", "place", "people_reached", "suggestions_collected"]
    list_filter = ["round", "kind"]
    date_hierarchy = "date"
