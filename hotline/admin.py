from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from audit.records import record_refused_upload
from units.admin import LedgerImportExportMixin, LockVersionAdminMixin
from units.client_ip import client_ip
from units.history import RecordHistoryMixin
from units.import_jobs import sweep_import_jobs

from . import tasks
from .case_import import MAX_BYTES as MAX_CASE_IMPORT_BYTES
from .case_import import RefusedFile, guard
from .models import Case, CaseImport, Month, MonthSource
from .resources import MonthResource
from .rollup import roll_up


@admin.register(Month)
class MonthAdmin(RecordHistoryMixin, LockVersionAdminMixin, LedgerImportExportMixin, VersionAdmin):
    resource_classes = [MonthResource]
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

    def has_add_permission(self, request):
        return False  # cases come from the platform's export only


class CaseImportForm(forms.ModelForm):
    class Meta:
        model = CaseImport
        fields = ["file"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            if upload.size > MAX_CASE_IMPORT_BYTES:
                raise ValidationError(
                    _("The file is %(size)s; files larger than %(limit)s are not accepted."),
                    params={
                        "size": filesizeformat(upload.size),
                        "limit": filesizeformat(MAX_CASE_IMPORT_BYTES),
                    },
                )
            if not upload.name.lower().endswith((".csv", ".xlsx")):
                raise ValidationError(_("Upload the platform's export as an xlsx or csv file."))
            try:
                guard(upload, upload.name)  # a bomb is refused here, before it is stored or queued
            except RefusedFile as refusal:
                raise ValidationError(str(refusal)) from None
        except ValidationError as refusal:
            record_refused_upload(Case, upload.name, "; ".join(refusal.messages), size=upload.size)
            raise
        return upload


@admin.register(CaseImport)
class CaseImportAdmin(admin.ModelAdmin):
    """Upload → checked in the background (the summary) → staff confirm → imported in the background."""

    form = CaseImportForm
    list_display = ["original_name", "state", "rows_read", "created_by", "created_at", "finished_at"]
    readonly_fields = [
        "original_name",
        "state",
        "rows_read",
        "summary",
        "created_by",
        "created_at",
        "finished_at",
    ]
    actions = ["confirm_import"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["file"]
        return ["original_name", "state", "rows_read", "summary", "created_by", "created_at", "finished_at"]

    def has_change_permission(self, request, obj=None):
        return (
            False
            if obj is not None and request.method == "POST"
            else super().has_change_permission(request, obj)
        )

    def has_add_permission(self, request):
        return request.user.has_perm("hotline.import_case")

    def save_model(self, request, obj, form, change):
        obj.original_name = form.cleaned_data["file"].name
        obj.created_by = request.user
        sweep_import_jobs()  # uploads never confirmed, of every kind, go before a new one is kept
        super().save_model(request, obj, form, change)
        address = client_ip(request) or None
        transaction.on_commit(lambda: tasks.check_case_file.enqueue(obj.pk, address))

    def changelist_view(self, request, extra_context=None):
        tasks.give_up_stalled_jobs()  # a job whose worker was lost stops showing 导入中
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        tasks.give_up_stalled_jobs()
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("rows read"))
    def rows_read(self, obj):
        return tasks.rows_done(obj)  # while the import runs, from outside its transaction

    @admin.display(description=_("summary"))
    def summary(self, obj):
        from django.template.loader import render_to_string

        return render_to_string(
            "hotline/import_summary.html",
            {"job": obj, "result": obj.result, "rows_read": tasks.rows_done(obj)},
        )

    @admin.action(description=_("Import the checked files"), permissions=["import"])
    def confirm_import(self, request, queryset):
        started = 0
        confirmed_by, address = request.user.pk, client_ip(request) or None  # for the import's audit entry
        for job in queryset.filter(state=CaseImport.State.CHECKED):
            # Of two confirmations (a double click) only the one that moves the job on queues it.
            if CaseImport.objects.filter(pk=job.pk, state=CaseImport.State.CHECKED).update(
                state=CaseImport.State.IMPORTING, started_at=None, rows_done=0
            ):
                transaction.on_commit(
                    lambda pk=job.pk: tasks.import_case_file.enqueue(pk, confirmed_by, address)
                )
                started += 1
        if started:
            self.message_user(
                request, _("%(n)s import(s) started; this page shows their progress.") % {"n": started}
            )
        else:
            self.message_user(
                request, _("Only files that passed the check can be imported."), level=messages.WARNING
            )

    def has_import_permission(self, request):
        return request.user.has_perm("hotline.import_case")
