"""The audit log (审计日志): read-only, filterable, exportable as csv by the office and leaders."""

import csv
import io
import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from imports.rules import neutralise_formula
from units.admin import LookupGuardMixin, ReadOnlyAdminMixin

from .models import AuditEntry

CSV_COLUMNS = [
    (_("time"), lambda entry: timezone.localtime(entry.time).strftime("%Y-%m-%d %H:%M:%S")),
    (_("user name"), lambda entry: entry.username),
    (_("address"), lambda entry: entry.address or ""),
    (_("action"), lambda entry: str(entry.get_action_display())),
    (_("object type"), lambda entry: str(entry.object_type or "")),
    (_("object id"), lambda entry: entry.object_id),
    (_("object"), lambda entry: entry.object_repr),
    (_("details"), lambda entry: _details_text(entry.details)),
]


def _details_text(details) -> str:
    return json.dumps(details, ensure_ascii=False, sort_keys=True) if details else ""


# The keys the portal writes into an entry's details (audit.records and its callers), as
# the entry's page shows them; the csv keeps the stored JSON.
DETAIL_LABELS = {
    "added": _("added"),
    "removed": _("removed"),
    "version": _("version"),
    "submission": _("submission"),
    "kind": _("kind"),
    "decision": _("decision"),
    "format": _("format"),
    "rows": _("rows"),
    "devices": _("devices"),
    "username": _("user name"),
    "month": _("month"),
    "via": _("via"),
    "file": _("file name"),
    "new": _("new"),
    "updated": _("updated"),
    "skipped": _("skipped"),
    "errors": _("errors"),
    "result": _("result"),
}


def details_lines(details) -> str:
    """“key: value” lines with the keys in the admin's language (values as stored)."""
    if not details:
        return ""
    if not isinstance(details, dict):
        return _details_text(details)
    rows = [
        (DETAIL_LABELS.get(key, key), "、".join(map(str, value)) if isinstance(value, list) else value)
        for key, value in sorted(details.items())
    ]
    return format_html_join(mark_safe("<br>"), "{}：{}", rows)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, LookupGuardMixin, admin.ModelAdmin):
    list_display = ["time", "username", "address", "action", "object_type", "object_repr"]
    list_filter = ["action", ("user", admin.RelatedOnlyFieldListFilter), "time"]
    date_hierarchy = "time"
    search_fields = ["username", "object_repr"]
    list_select_related = ["object_type"]
    fields = [
        "time",
        "user",
        "username",
        "address",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "details_shown",
    ]
    readonly_fields = fields
    change_list_template = "admin/audit/auditentry/change_list.html"

    @admin.display(description=_("details"))
    def details_shown(self, entry):
        return details_lines(entry.details)

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("audit.export_auditentry")

    def get_urls(self):
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name="audit_auditentry_export")
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_export": self.has_export_permission(request)}
        return super().changelist_view(request, extra_context)

    def export_view(self, request):
        """The entries the list shows with the same filters, as csv."""
        if not (self.has_view_permission(request) and self.has_export_permission(request)):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        entries = changelist.get_queryset(request).select_related("object_type")
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([str(title) for title, _value in CSV_COLUMNS])
        for entry in entries.iterator():
            writer.writerow([neutralise_formula(str(value(entry))) for _title, value in CSV_COLUMNS])
        response = HttpResponse(("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        return response
