from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from imports.admin import LedgerImportExportMixin
from review.admin import ReviewedAdminMixin
from units.admin import LockVersionAdminMixin, LookupGuardMixin, UnitScopedAdminMixin
from units.history import RecordHistoryMixin

from .models import ProgressUpdate, Project, ProjectStatus, Round


@admin.register(Round)
class RoundAdmin(LookupGuardMixin, RecordHistoryMixin, VersionAdmin):
    list_display = ["name", "start_date", "end_date"]
    search_fields = ["name"]
    date_hierarchy = "start_date"


class StatusFilter(admin.SimpleListFilter):
    """Filter by the derived status as of today, overdue included."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return ProjectStatus.choices

    def queryset(self, request, queryset):
        if self.value() in ProjectStatus.values:
            return queryset.filter(derived_status=self.value())
        return queryset


class ProgressUpdateInline(admin.StackedInline):
    model = ProgressUpdate
    extra = 0
    fields = [
        ("date", "percent", "status"),
        "note",
        ("photo", "photo_caption"),
        ("created_by", "review_status"),
    ]
    readonly_fields = ["created_by", "review_status"]
    ordering = ["-date", "-pk"]


@admin.register(Project)
class ProjectAdmin(
    ReviewedAdminMixin, UnitScopedAdminMixin, LockVersionAdminMixin, LedgerImportExportMixin, VersionAdmin
):
    """A unit editor's new project, progress update or photo, and changes to approved ones,
    wait for the office's review (``review.service``)."""

    inlines = [ProgressUpdateInline]
    list_display = [
        "title",
        "round",
        "unit",
        "deadline",
        "status_badge",
        "percent",
        "is_public",
    ]
    list_filter = [StatusFilter, "round", ("unit", admin.RelatedOnlyFieldListFilter), "category", "is_public"]
    list_select_related = ["round", "unit"]
    search_fields = ["title", "description", "beneficiaries"]
    date_hierarchy = "deadline"
    readonly_fields = ["version", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["round", "title", "description", "category", "unit", "lead_name", "deadline"]}),
        (_("Money and beneficiaries"), {"fields": ["budget", "spent", "beneficiary_count", "beneficiaries"]}),
        (_("Source and publication"), {"fields": ["demand_source", "is_public", "internal_notes"]}),
        (_("Record"), {"fields": ["version", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_progress()

    @admin.display(description=_("status"), ordering="derived_status")
    def status_badge(self, project):
        label = project.derived_status_label
        return format_html('<span class="status status-{}">{}</span>', project.derived_status, label)

    @admin.display(description=_("progress"), ordering="progress_percent")
    def percent(self, project):
        return f"{project.progress_percent}%"

    def prepare_inline_row(self, request, update):
        if update.created_by_id is None:
            update.created_by = request.user
