"""Admin for units, and the admin building blocks every ledger reuses.

* ``UnitScopedAdminMixin``: lists, forms, object URLs, imports and exports of a
  unit-owned model are limited to the user's units.
* ``LockVersionForm``: refuses a save built from an outdated version of a row.
* ``LedgerImportExportMixin``: xlsx/csv import and export with an upload limit,
  an all-or-nothing commit and the user passed to the resource for scoping; the
  upload waits for confirmation in a private, owned, single-use store
  (``pending_imports``) and the confirm form is signed.
* ``LookupGuardMixin``: a hand-edited, impossible filter in a list URL gets the
  admin's own "?e=1" answer instead of a server error (both included above).
"""

import logging
import traceback
from contextvars import ContextVar

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.views.main import ERROR_FLAG, ChangeList
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ConfirmImportForm, ImportForm, SelectableFieldsExportForm
from reversion.admin import VersionAdmin

from audit.records import Action, combined_changes, record, record_import, record_link_change

from .history import RecordHistoryMixin
from .import_rules import ImportRefused, check_upload
from .models import Unit
from .pending_imports import PendingImportStorage, PendingImportUnavailable
from .resources import ChineseCSV
from .review import is_reviewed, publishes_directly
from .scoping import may_touch, scope_queryset, sees_all_units, unit_path_of, units_of

logger = logging.getLogger(__name__)


class GuardedChangeList(ChangeList):
    """Django turns only some impossible drill-down dates into IncorrectLookupParameters;
    ``?deadline__year=99999999999`` (OverflowError) or ``=9999`` (no year 10000) escape."""

    def get_filters(self, request):
        if any("\x00" in value for values in self.filter_params.values() for value in values):
            raise IncorrectLookupParameters("NUL byte in a filter value")  # PostgreSQL refuses it
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class LookupGuardMixin:
    """Lists (and the export page, which builds the same list) answer a malformed filter
    with the admin's own "?e=1" page."""

    def get_changelist(self, request, **kwargs):
        return GuardedChangeList


class UnitScopedAdminMixin(LookupGuardMixin, RecordHistoryMixin):
    """Limit a ModelAdmin to the rows of the user's units.

    The lookup from the model to its ``Unit`` is the one its QuerySet declares
    (``units.scoping.UnitScopedQuerySet.unit_path``). Foreign keys to units, and
    to other unit-owned models, only offer what the user may touch, so a forged
    POST fails validation. A restore from history touches only the record and
    stays within the user's units (see ``units.history``).
    """

    @property
    def unit_path(self) -> str:
        return unit_path_of(self.model) or "unit"

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user, self.unit_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is None or sees_all_units(request.user):
            return field
        related = db_field.related_model
        if related is Unit:
            field.queryset = units_of(request.user)
        elif unit_path_of(related):
            field.queryset = scope_queryset(field.queryset, request.user, unit_path_of(related))
        return field

    def _in_scope(self, request, obj) -> bool:
        return obj is None or may_touch(request.user, obj, self.unit_path)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def changelist_view(self, request, extra_context=None):
        # django-reversion's list template offers "recover deleted" on this flag;
        # recovery is only for those who see every unit (see recoverlist_view).
        if not sees_all_units(request.user):
            extra_context = {**(extra_context or {}), "has_change_permission": False}
        return super().changelist_view(request, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not sees_all_units(request.user):
            raise PermissionDenied  # deleted rows of every unit would be listed
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not sees_all_units(request.user):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)


class LockVersionForm(forms.ModelForm):
    """Carries the row's version; a save built from an outdated version is refused."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["lock_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # Locks the row until the admin's transaction ends (PostgreSQL), so two
            # saves cannot both pass this check.
            current = (
                type(self.instance)
                ._default_manager.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if cleaned.get("lock_version") != current:
                raise ValidationError(
                    _(
                        "Someone else saved this record while you were editing it, so your "
                        "changes were not saved. Your entries are kept below: copy what you "
                        "need, reload the page to see the current version, and save again."
                    ),
                    code="stale_version",
                )
        return cleaned


class LockVersionAdminMixin:
    """Uses a ``LockVersionForm`` and makes sure its hidden version is on the page.

    The admin renders only the fields named in ``fieldsets``, so the version is
    added there; without it every save would be refused as outdated.
    """

    form = LockVersionForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or "lock_version" in flatten_fieldsets(fieldsets):
            return fieldsets
        return [*fieldsets, (None, {"fields": ["lock_version"], "classes": ["hidden"]})]


def review_notice(model, user) -> str:
    """What an importer whose rows go to review is told, on the preview and after confirming."""
    if not is_reviewed(model) or publishes_directly(user):
        return ""
    return str(
        _(
            "The imported rows go to the office for review (待审核): new rows and changes of approved "
            "rows are not public until the office approves them."
        )
    )


class LimitedImportForm(ImportForm):
    """The library's import form with an upload size limit and the checks made before parsing."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is %(size)s; files larger than %(limit)s are not accepted."),
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.MAX_UPLOAD_BYTES),
                },
            )
        # The format field is cleaned after this one; its choices are the formats' titles.
        file_format = dict(self.fields["format"].choices).get(self.data.get("format"))
        try:
            check_upload(upload, file_format if file_format in ("xlsx", "csv") else None)
        except ImportRefused as refusal:
            raise ValidationError(str(refusal), code="refused") from None
        return upload


class SignedConfirmImportForm(ConfirmImportForm):
    """The confirm step's hidden fields, signed for the user and ledger that saw the preview.

    An altered file name, format or resource, or a form taken from someone
    else's page, fails the signature and is refused instead of acted on.
    """

    signature = forms.CharField(widget=forms.HiddenInput())
    signed_fields = ("import_file_name", "original_file_name", "format", "resource")

    def __init__(self, *args, signer, **kwargs):
        super().__init__(*args, **kwargs)
        self.signer = signer
        if not self.is_bound and self.initial:
            self.initial["signature"] = signer.sign_object(
                [str(self.initial.get(name, "")) for name in self.signed_fields]
            )

    def clean(self):
        cleaned = super().clean()
        try:
            signed = self.signer.unsign_object(self.data.get("signature", ""))
        except signing.BadSignature:
            signed = None
        if signed != [self.data.get(name, "") for name in self.signed_fields]:
            raise ValidationError(_("The confirmation does not match the preview."), code="altered")
        return cleaned


class LedgerExportForm(SelectableFieldsExportForm):
    """Column checkboxes labelled with the file's own Chinese headers."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name


# The user whose upload the library's storage is saving (see get_tmp_storage_class_kwargs).
_uploader_id = ContextVar("uploader_id", default=None)


def user_facing_message(error) -> str:
    """What the importer reads: our own explanations; never internals of an unexpected error."""
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    if isinstance(error, ValueError):
        return str(error)
    return str(_("An unexpected error occurred while importing. It has been recorded for the administrator."))


def log_import_error(ledger, line, error) -> None:
    # The exception's message may quote cells (names, phone numbers): only its
    # type and where it was raised are logged.
    logger.warning(
        "Import into %s failed (%s): %s\n%s",
        ledger,
        f"row {line}" if line is not None else "file",
        type(error).__name__,
        "".join(traceback.format_tb(error.__traceback__)).rstrip(),
    )


class LedgerImportExportMixin(LookupGuardMixin, ImportExportMixin):
    """xlsx/csv import-export with scoping, a dry-run preview and all-or-nothing commit."""

    import_formats = [XLSX, ChineseCSV]
    export_formats = [XLSX, CSV]
    import_form_class = LimitedImportForm
    confirm_form_class = SignedConfirmImportForm
    export_form_class = LedgerExportForm
    tmp_storage_class = PendingImportStorage
    import_template_name = "admin/units/ledger_import.html"  # no tracebacks on the page
    # Excel on Chinese Windows opens UTF-8 CSV correctly only with a BOM.
    from_encoding = "utf-8-sig"
    to_encoding = "utf-8-sig"

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def get_tmp_storage_class_kwargs(self):
        # The library builds the storage without the request; import_action
        # provides the uploading user, who alone may confirm the upload.
        return {"owner_id": _uploader_id.get()}

    def get_confirm_form_kwargs(self, request, import_form=None):
        return {
            **super().get_confirm_form_kwargs(request, import_form),
            "signer": signing.Signer(salt=f"units.import-confirm:{self.opts.label}:{request.user.pk}"),
        }

    def import_action(self, request, **kwargs):
        reset = _uploader_id.set(request.user.pk)
        try:
            response = super().import_action(request, **kwargs)
        finally:
            _uploader_id.reset(reset)
        context = getattr(response, "context_data", None) or {}
        notice = review_notice(self.model, request.user)
        if notice and hasattr(response, "context_data"):
            context["review_notice"] = notice
        if context.get("result") is not None:
            context["import_errors"] = self.report_import_errors(context["result"])
        if context.get("confirm_form") is None:
            # Nothing to confirm: the upload is not kept.
            upload = (getattr(context.get("form"), "cleaned_data", None) or {}).get("import_file")
            if getattr(upload, "tmp_storage_name", None):
                PendingImportStorage(name=upload.tmp_storage_name, owner_id=request.user.pk).remove()
        return response

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Commit a previewed upload: once, by its owner, exactly as previewed."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return self._back_to_import(
                request,
                _(
                    "The confirmation did not match the preview, so nothing was imported. Please upload the file again."
                ),
            )
        input_format = self.get_import_formats()[int(confirm_form.cleaned_data["format"])](
            encoding=self.from_encoding
        )
        pending = PendingImportStorage(
            name=confirm_form.cleaned_data["import_file_name"],
            owner_id=request.user.pk,
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
        )
        try:
            data = pending.take()
        except PendingImportUnavailable:
            return self._back_to_import(
                request,
                _(
                    "This import is no longer available: it was already confirmed, has expired or "
                    "belongs to someone else. Nothing was imported. Please upload the file again."
                ),
            )
        try:
            dataset = input_format.create_dataset(data)
        except Exception as error:
            log_import_error(self.opts.label, None, error)
            return self._back_to_import(
                request,
                _("The file could not be read, so nothing was imported. Please upload the file again."),
            )
        result = self.process_dataset(dataset, confirm_form, request, **kwargs)
        response = self.process_result(result, request)
        notice = review_notice(self.model, request.user)
        if notice and not (result.has_errors() or result.has_validation_errors()):
            self.message_user(request, notice, level=messages.WARNING)
        record_import(self.model, confirm_form.cleaned_data["original_file_name"], result)
        return response

    def _back_to_import(self, request, message):
        self.message_user(request, message, level=messages.ERROR)
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_import", current_app=self.admin_site.name)
        )

    def report_import_errors(self, result) -> list[tuple]:
        """Log each error's traceback; return (line or None, message) pairs for the page."""
        described = []
        errors = [(None, error) for error in result.base_errors]
        errors += [(line, error) for line, row_errors in result.row_errors() for error in row_errors]
        for line, error in errors:
            log_import_error(self.opts.label, line, error.error)
            described.append((line, user_facing_message(error.error)))
        return described

    def get_import_data_kwargs(self, **kwargs):
        data_kwargs = super().get_import_data_kwargs(**kwargs)
        # A row that fails validation at commit time rolls back the whole file.
        data_kwargs["rollback_on_validation_errors"] = True
        return data_kwargs

    def add_data_read_fail_error_to_form(self, form, error):
        # The library names only the exception class; say what to do instead.
        detail = str(error) if isinstance(error, ValueError) else ""
        form.add_error(
            "import_file",
            _(
                "The file could not be read as the chosen format. Upload an xlsx or csv file "
                "exported from this portal. %(detail)s"
            )
            % {"detail": detail},
        )

    def get_valid_export_item_pks(self, request):
        # Rows picked with the "export selected" action: only those the user may see.
        return self.get_queryset(request).values_list("pk", flat=True)

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        request.audit_export_rows = len(dataset)  # the rows the resource's scoping let through
        return dataset

    def _do_file_export(self, file_format, request, queryset, **kwargs):
        response = super()._do_file_export(file_format, request, queryset, **kwargs)
        details = {"format": file_format.get_title(), "rows": getattr(request, "audit_export_rows", None)}
        record(Action.EXPORT, request=request, model=self.model, details=details)
        return response

    def export_action(self, request):
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            # The export page filters like the list it was opened from; answer as that list does.
            opts = self.model._meta
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            return HttpResponseRedirect(f"{changelist}?{ERROR_FLAG}=1")

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            self.report_import_errors(result)
            return self._back_to_import(
                request,
                _("Nothing was imported: the file no longer passes the checks. Upload it again to see why."),
            )
        return super().process_result(result, request)


@admin.register(Unit)
class UnitAdmin(RecordHistoryMixin, VersionAdmin):
    list_display = ["name", "kind", "member_count", "is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_member_count=Count("members"))

    @admin.display(description=_("staff members"), ordering="_member_count")
    def member_count(self, unit):
        return unit._member_count


class UnitMembershipInline(admin.TabularInline):
    model = Unit.members.through
    extra = 0
    verbose_name = _("unit membership")
    verbose_name_plural = _("unit memberships")
    autocomplete_fields = ["unit"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [UnitMembershipInline]
    list_display = ["username", "last_name", "first_name", "is_staff", "unit_names"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "units"]
    actions = ["reset_second_factor"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("units")

    def save_related(self, request, form, formsets, change):
        with combined_changes():  # one audit entry for the page's role change, one for its units
            super().save_related(request, form, formsets, change)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Unit.members.through:  # its rows send no signals of their own
            moved_from = [
                row_form.initial.get("unit")
                for row, _fields in formset.changed_objects
                for row_form in formset.initial_forms
                if row_form.instance.pk == row.pk
            ]
            record_link_change(
                Action.MEMBERSHIP_CHANGE,
                form.instance,
                added=[str(row.unit) for row in formset.new_objects]
                + [str(row.unit) for row, _fields in formset.changed_objects],
                removed=[str(row.unit) for row in formset.deleted_objects]
                + [str(unit) for unit in Unit.objects.filter(pk__in=moved_from)],
            )

    @admin.action(description=_("Reset the second factor (lost phone)"), permissions=["change"])
    def reset_second_factor(self, request, queryset):
        """The staff member sets up the app again at their next sign-in; the reset is recorded."""
        reset = 0
        for user in queryset:
            devices = list(devices_for_user(user, confirmed=None))
            if devices:
                for device in devices:
                    device.delete()
                record(
                    Action.SECOND_FACTOR_RESET, request=request, obj=user, details={"devices": len(devices)}
                )
                reset += 1
        self.message_user(request, _("Second factor reset for %(count)d staff members.") % {"count": reset})

    @admin.display(description=_("their units"))
    def unit_names(self, user):
        return "、".join(unit.name for unit in user.units.all())


from . import review_admin  # noqa: E402,F401  (the review queue registers itself)
