"""Admin for units, and the admin building blocks every ledger reuses.

* ``UnitScopedAdminMixin``: lists, forms, object URLs, imports and exports of a
  unit-owned model are limited to the user's units.
* ``LockVersionForm``: refuses a save built from an outdated version of a row.
* ``LedgerImportExportMixin``: xlsx/csv import and export with an upload limit,
  an all-or-nothing commit and the user passed to the resource for scoping.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm, SelectableFieldsExportForm
from reversion.admin import VersionAdmin

from .import_rules import ImportRefused, check_upload
from .models import Unit
from .resources import ChineseCSV
from .scoping import may_touch_unit, scope_queryset, sees_all_units, units_of


class UnitScopedAdminMixin:
    """Limit a ModelAdmin to the rows of the user's units.

    ``unit_path`` is the lookup from the model to its ``Unit`` ("unit",
    "project__unit", …). Foreign keys to units, and to other unit-scoped models,
    only offer what the user may touch, so a forged POST fails validation.
    """

    unit_path = "unit"

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user, self.unit_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is None or sees_all_units(request.user):
            return field
        related = db_field.related_model
        if related is Unit:
            field.queryset = units_of(request.user)
        else:
            related_admin = self.admin_site._registry.get(related)
            if isinstance(related_admin, UnitScopedAdminMixin):
                field.queryset = scope_queryset(field.queryset, request.user, related_admin.unit_path)
        return field

    def _in_scope(self, request, obj) -> bool:
        if obj is None or sees_all_units(request.user):
            return True
        unit = obj
        for part in self.unit_path.split("__"):
            unit = getattr(unit, part, None)
        return unit is None or may_touch_unit(request.user, unit.pk)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    # django-reversion reverts first and keeps the revert when the change view
    # answers with a redirect, which it also does for an object the user may not
    # see; so the object is checked before reversion touches anything.
    def revision_view(self, request, object_id, version_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise PermissionDenied
        return super().revision_view(request, object_id, version_id, extra_context)

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


class LedgerExportForm(SelectableFieldsExportForm):
    """Column checkboxes labelled with the file's own Chinese headers."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name


class LedgerImportExportMixin(ImportExportMixin):
    """xlsx/csv import-export with scoping, a dry-run preview and all-or-nothing commit."""

    import_formats = [XLSX, ChineseCSV]
    export_formats = [XLSX, CSV]
    import_form_class = LimitedImportForm
    export_form_class = LedgerExportForm
    # Excel on Chinese Windows opens UTF-8 CSV correctly only with a BOM.
    from_encoding = "utf-8-sig"
    to_encoding = "utf-8-sig"

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

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

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            self.message_user(
                request,
                _("Nothing was imported: the file no longer passes the checks. Upload it again to see why."),
                level=messages.ERROR,
            )
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        return super().process_result(result, request)


@admin.register(Unit)
class UnitAdmin(VersionAdmin):
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

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("units")

    @admin.display(description=_("their units"))
    def unit_names(self, user):
        return "、".join(unit.name for unit in user.units.all())
