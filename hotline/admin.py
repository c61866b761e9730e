from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from imports.admin import LedgerImportExportMixin
from imports.engines import engine_for
from units.admin import LockVersionAdminMixin
from units.history import RecordHistoryMixin

from .models import Case, Month, MonthSource
from .rollup import roll_up


@admin.register(Month)
class MonthAdmin(RecordHistoryMixin, LockVersionAdminMixin, LedgerImportExportMixin, VersionAdmin):
    list_display = [
        "month",
        "calls",
        "accepted",
        "completed",
        "callbacks",
        "satisfied",
        "online_completed",
        "source",
        "is_demo",
    ]
    list_filter = ["source", "is_demo"]
    date_hierarchy = "month"
    readonly_fields = ["version", "is_demo", "updated_at"]
    actions = ["roll_up_from_cases"]
    fieldsets = [
        (None, {"fields": ["month", "source"]}),
        (
            _("Figures"),
            {"fields": ["calls", "accepted", "completed", "callbacks", "satisfied", "online_completed"]},
        ),
        (_("Record"), {"fields": ["version", "is_demo", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.action(
        description=_("Replace the figures with those rolled up from the cases"), permissions=["change"]
    )
    def roll_up_from_cases(self, request, queryset):
        # The explicit switch: a typed month becomes a rolled-up one only when staff ask for it.
        months = list(queryset.values_list("month", flat=True))
        queryset.update(source=MonthSource.CASES)
        roll_up(months)
        self.message_user(
            request,
            _("Rolled up from the cases: %(months)s") % {"months": "、".join(f"{m:%Y-%m}" for m in months)},
        )


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["number", "received_at", "category", "handling_unit", "status", "feedback", "is_online"]
    list_filter = ["month", "is_completed", "feedback", "is_online", "channel"]
    search_fields = ["number", "handling_unit", "category"]
    date_hierarchy = "received_at"
    show_full_result_count = False  # a count of a million rows on every page is slow

    change_list_template = "admin/hotline/case/change_list.html"

    def has_add_permission(self, request):
        return False  # cases come from the platform's export only

    def changelist_view(self, request, extra_context=None):
        engine = engine_for(Case)
        upload_url = engine.upload_url() if engine and engine.may_import(request.user) else None
        return super().changelist_view(request, {**(extra_context or {}), "case_upload_url": upload_url})
