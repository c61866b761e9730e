from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from imports.admin import LedgerImportExportMixin
from review.admin import ReviewedAdminMixin
from units.admin import LockVersionAdminMixin, UnitScopedAdminMixin
from units.models import Unit

from .models import ServiceItem


@admin.register(ServiceItem)
class ServiceItemAdmin(
    ReviewedAdminMixin, UnitScopedAdminMixin, LockVersionAdminMixin, LedgerImportExportMixin, VersionAdmin
):
    """A unit editor's new item, and changes to an approved one, wait for the office's review."""

    list_display = [
        "name",
        "code",
        "item_type",
        "level",
        "implementing_unit",
        "nearby",
        "one_seal",
        "batch",
        "landed_on",
        "should_enter",
        "has_entered",
    ]
    list_filter = [
        "level",
        "item_type",
        "nearby",
        "one_seal",
        "batch",
        "should_enter",
        "has_entered",
        ("implementing_unit", admin.RelatedOnlyFieldListFilter),
        ("competent_department", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["implementing_unit"]
    search_fields = ["name", "code"]
    readonly_fields = ["version", "created_at", "updated_at"]
    fieldsets = [
        (
            _("Basic elements"),
            {
                "fields": [
                    "name",
                    "code",
                    "item_type",
                    "competent_department",
                    "implementing_unit",
                    "legal_basis",
                ]
            },
        ),
        (
            _("For citizens"),
            {
                "fields": [
                    "level",
                    ("time_limit_days", "legal_time_limit_days"),
                    ("is_free", "fee"),
                    "visits",
                    ("online", "online_url"),
                    "materials",
                    "place",
                    "office_hours",
                    "phone",
                ]
            },
        ),
        (
            _("Reforms"),
            {
                "fields": [
                    ("nearby", "one_seal"),
                    ("batch", "planned_landing_on", "landed_on"),
                    ("should_enter", "planned_entry_on"),
                    ("has_entered", "entered_on"),
                ]
            },
        ),
        (_("Record"), {"fields": ["version", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "competent_department" and field is not None:
            # Only the implementing body decides whose item it is; an editor may name
            # any unit as the competent department.
            field.queryset = Unit.objects.all()
        return field
