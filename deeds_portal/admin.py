"""The portal's own admin pages: the monthly workbook (make one for a month, download an issued
one again) and the staff list's second-factor reset; the admin pages of other packages that
office staff have no use for, or that show secrets, are taken off the admin."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult
from reversion.admin import VersionAdmin

from audit.records import Action, record
from imports.admin import LedgerImportExportMixin
from projects.models import Round
from units.admin import PortalUserAdmin
from units.history import RecordHistoryMixin
from units.models import Unit
from units.months import current_month, previous_month
from units.scoping import sees_all_units

from .models import IssuedWorkbook
from .second_factor import issue_enrolment_code
from .workbook.build import BadMonth, BadRound, round_for, workbook_month
from .workbook.issue import issue

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MonthForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        help_text=_("As 2021-06. The figures are those of the month's last day."),
    )
    round = forms.ModelChoiceField(
        label=_("Round (批次)"),
        queryset=Round.objects.order_by("-start_date", "-pk"),
        required=False,
        empty_label=_("The current round, and what earlier rounds left overdue"),
        help_text=_("The project sheets hold this round only."),
    )

    def clean_month(self):
        try:
            return workbook_month(self.cleaned_data["month"])
        except BadMonth as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("month") and cleaned.get("round"):
            try:
                round_for(cleaned["round"].pk, cleaned["month"])
            except BadRound as error:
                self.add_error("round", str(error))
        return cleaned


def workbook_response(issued: IssuedWorkbook) -> HttpResponse:
    response = HttpResponse(bytes(issued.content), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{issued.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@admin.register(Unit)
class UnitAdmin(LedgerImportExportMixin, RecordHistoryMixin, VersionAdmin):
    """Units (责任单位), imported in bulk by the office (a catalogue names departments that must
    exist). Here, above the import machinery, because units themselves sit below it."""

    list_display = ["name", "kind", "member_count", "is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_member_count=Count("members"))

    def has_export_permission(self, request):
        return self.has_import_permission(request)  # the units are the office's

    @admin.display(description=_("staff members"), ordering="_member_count")
    def member_count(self, unit):
        return unit._member_count


@admin.register(IssuedWorkbook)
class IssuedWorkbookAdmin(admin.ModelAdmin):
    list_display = ["month_label", "made_at", "made_by", "via", "scope", "difference_count", "download_link"]
    list_filter = ["via", "month"]
    date_hierarchy = "made_at"
    readonly_fields = ["month", "made_at", "made_by", "via", "scope", "differences_table", "download_link"]
    fields = readonly_fields
    change_list_template = "admin/deeds_portal/issuedworkbook/change_list.html"

    def _may_make(self, request) -> bool:
        return request.user.is_active and request.user.has_perm("deeds_portal.download_workbook")

    def has_module_permission(self, request):
        return self._may_make(request)

    def has_view_permission(self, request, obj=None):
        return self._may_make(request)

    def has_add_permission(self, request):
        return False  # workbooks are made from the data, never typed

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # what was issued stays on record

    def get_queryset(self, request):
        queryset = super().get_queryset(request).defer("content", "figures").select_related("made_by")
        if sees_all_units(request.user):
            return queryset
        return queryset.filter(made_by=request.user)

    @admin.display(description=_("month"), ordering="month")
    def month_label(self, issued):
        return f"{issued.month:%Y-%m}"

    @admin.display(description=_("figures changed since the previous issue"))
    def difference_count(self, issued):
        return len(issued.differences)

    @admin.display(description=_("file"))
    def download_link(self, issued):
        url = reverse("admin:deeds_portal_issuedworkbook_download", args=[issued.pk])
        return format_html('<a href="{}">{}</a>', url, _("download"))

    @admin.display(description=_("differences from the previous issue of this month"))
    def differences_table(self, issued):
        if not issued.differences:
            return _("none")
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("figure"),
            _("as issued before"),
            _("now"),
            format_html_rows(issued.differences),
        )

    def get_urls(self):
        urls = [
            path(
                "make/", self.admin_site.admin_view(self.make_view), name="deeds_portal_issuedworkbook_make"
            ),
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="deeds_portal_issuedworkbook_download",
            ),
        ]
        return urls + super().get_urls()

    def make_view(self, request):
        if not self._may_make(request):
            raise PermissionDenied
        last_month = f"{previous_month(current_month()):%Y-%m}"
        form = MonthForm(request.POST or None, initial={"month": last_month})
        if request.method == "POST" and form.is_valid():
            issued = issue(
                form.cleaned_data["month"],
                user=request.user,
                via=IssuedWorkbook.Via.ADMIN,
                round_=form.cleaned_data["round"],
            )
            if issued.differences:
                messages.warning(
                    request,
                    _(
                        "%(count)d figures differ from the workbook issued before for this month; see its record."
                    )
                    % {"count": len(issued.differences)},
                )
            return workbook_response(issued)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Make the monthly workbook"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/deeds_portal/issuedworkbook/make.html", context)

    def download_view(self, request, pk):
        if not self._may_make(request):
            raise PermissionDenied
        issued = get_object_or_404(self.get_queryset(request).defer(None), pk=pk)
        # The workbook names units' figures as issued: each copy handed out is on record.
        record(
            Action.WORKBOOK_DOWNLOAD,
            request=request,
            obj=issued,
            details={"month": issued.month.strftime("%Y-%m"), "via": "download_again"},
        )
        return workbook_response(issued)


def format_html_rows(rows) -> str:
    return format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
        ((f, "—" if a is None else a, "—" if b is None else b) for f, a, b in rows),
    )


# No admin page shows a second-factor key, its QR code or a recovery code: the office resets a
# colleague's second factor from the staff list (recorded), never by reading or editing a device.
# Background jobs are followed on each import's own page, not in the task backend's table.
HIDDEN_FROM_THE_ADMIN = (TOTPDevice, StaticDevice, DBTaskResult)
for _model in HIDDEN_FROM_THE_ADMIN:
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class StaffAdmin(PortalUserAdmin):
    """The staff list, with each member's second-factor state and the office's reset."""

    list_display = [*PortalUserAdmin.list_display, "second_factor_state"]
    actions = ["reset_second_factor"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("enrolment_code")

    @admin.display(description=_("second factor"))
    def second_factor_state(self, user):
        if any(True for _device in devices_for_user(user)):
            return _("set up")
        code = getattr(user, "enrolment_code", None)
        if code is not None and code.expires_at > timezone.now():
            return _("enrolment code valid until %(time)s") % {
                "time": timezone.localtime(code.expires_at).strftime("%Y-%m-%d %H:%M")
            }
        return _("not set up")

    @admin.action(
        description=_("Reset the second factor and issue an enrolment code"), permissions=["change"]
    )
    def reset_second_factor(self, request, queryset):
        """Removes the staff members' apps and recovery codes and shows each a one-time enrolment
        code, once, for the office to hand over; each reset is recorded (the code is not)."""
        codes = []
        for user in queryset.order_by("username"):
            devices = list(devices_for_user(user, confirmed=None))
            for device in devices:
                device.delete()
            code = issue_enrolment_code(user, issued_by=request.user)
            record(
                Action.SECOND_FACTOR_RESET,
                request=request,
                obj=user,
                details={"devices": len(devices), "enrolment_code_expires": code.expires_at.isoformat()},
            )
            codes.append(code)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Enrolment codes"),
            "codes": codes,
            "back": reverse("admin:auth_user_changelist"),
        }
        response = TemplateResponse(request, "admin/second_factor/codes_issued.html", context)
        response["Cache-Control"] = "private, no-store"
        return response


User = get_user_model()
admin.site.unregister(User)
admin.site.register(User, StaffAdmin)
