"""Admin for units, and the admin building blocks every ledger reuses.

* ``UnitScopedAdminMixin``: lists, forms, object URLs, imports and exports of a
  unit-owned model are limited to the user's units.
* ``LockVersionForm``: refuses a save built from an outdated version of a row.
* ``LedgerImportExportMixin``: xlsx/csv import and export with an upload limit,
  an all-or-nothing commit and the user passed to the resource for scoping; the
  upload is checked and imported by background jobs (``units.tasks``), waits for
  confirmation in a private, owned, single-use store (``pending_imports``), and
  its job page's confirm button carries a token signed for the uploader.
* ``LedgerImportAdmin``: "my imports", the jobs of the user (all of them for the office).
* ``LookupGuardMixin`` (``units.admin_guard``; the portal's admin site gives it to every
  ModelAdmin): a hand-edited, impossible filter in a list URL gets the unfiltered list
  with a message instead of a server error.
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm, SelectableFieldsExportForm
from reversion.admin import VersionAdmin

from . import export_names, signals
from .admin_guard import LookupGuardMixin
from .client_ip import client_ip
from .history import RecordHistoryMixin
from .import_log import log_import_error, user_facing_message
from .import_rules import ImportRefused, check_upload
from .models import LedgerImport, Unit
from .pending_imports import PendingImportStorage
from .resources import ChineseCSV, UnitResource
from .scoping import may_touch, scope_queryset, sees_all_units, unit_path_of, units_of

WORKER_LATE_SECONDS = 120  # a queued import not taken up by then: tell the uploader the worker may be stopped


class ReadOnlyAdminMixin:
    """Rows the portal writes itself (audit entries, import jobs, review submissions): listed
    and read in the admin, never added, edited or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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

    lock_version = forms.IntegerField(label=_("version"), widget=forms.HiddenInput, required=False)

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
        if not self.has_change_permission(request, obj):
            return fieldsets  # a reader saves nothing: no version to carry
        return [*fieldsets, (None, {"fields": ["lock_version"], "classes": ["hidden"]})]


def review_notice(model, user) -> str:
    """What an importer whose rows go to review is told, on the preview and after confirming.

    A model reviewed before publishing says it itself (``review.models.ReviewedModel.import_notice``):
    units sits below the review app and does not name it."""
    notice = getattr(model, "import_notice", None)
    return notice(user) if notice is not None else ""


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


class ConfirmImportJobForm(forms.Form):
    """The job page's confirm button: a token signed for the uploader and this job."""

    token = forms.CharField(widget=forms.HiddenInput())

    @staticmethod
    def signer(user) -> signing.TimestampSigner:
        return signing.TimestampSigner(salt=f"units.import-job-confirm:{user.pk}")

    @classmethod
    def for_job(cls, job, user):
        return cls(initial={"token": cls.signer(user).sign_object({"job": job.pk, "ledger": job.ledger_id})})

    def job_pk(self, user, ledger_id) -> int | None:
        """The job the token was issued for, if it was issued to ``user`` for this ledger."""
        try:
            signed = self.signer(user).unsign_object(
                self.data.get("token", ""), max_age=settings.IMPORT_PENDING_MAX_AGE_HOURS * 3600
            )
        except signing.BadSignature:
            return None
        if not isinstance(signed, dict) or signed.get("ledger") != ledger_id:
            return None
        return signed.get("job") if isinstance(signed.get("job"), int) else None


class LedgerExportForm(SelectableFieldsExportForm):
    """Column checkboxes labelled with the file's own Chinese headers."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name


class LedgerImportExportMixin(LookupGuardMixin, ImportExportMixin):
    """xlsx/csv import-export with scoping, a dry-run preview and all-or-nothing commit.

    An upload is checked, and once confirmed imported, by background jobs
    (``units.tasks``): the request only stores the file in the pending store and
    queues the check, then the job page (``import/job/<id>/``) shows its progress,
    the preview and the confirm button.
    """

    import_formats = [XLSX, ChineseCSV]
    export_formats = [XLSX, CSV]
    import_form_class = LimitedImportForm
    export_form_class = LedgerExportForm
    tmp_storage_class = PendingImportStorage
    import_template_name = "admin/units/ledger_import.html"  # no tracebacks on the page
    import_job_template_name = "admin/units/ledger_import_job.html"
    # Excel on Chinese Windows opens UTF-8 CSV correctly only with a BOM.
    from_encoding = "utf-8-sig"
    to_encoding = "utf-8-sig"

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                "import/job/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name=f"{name}_import_job",
            ),
            path(
                "import/job/<int:job_id>/confirm/",
                self.admin_site.admin_view(self.confirm_import_job),
                name=f"{name}_import_job_confirm",
            ),
            *super().get_urls(),
        ]

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def create_import_form(self, request):
        # import_action validates the upload once; the library's page shows that same form.
        form = getattr(request, "_ledger_import_form", None)
        return form if form is not None else super().create_import_form(request)

    def import_action(self, request, **kwargs):
        """The upload: checked for size and shape here, then queued; the page follows the job."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = request._ledger_import_form = super().create_import_form(request)
            if form.is_valid():
                return self._queue_check(request, form)
            upload = request.FILES.get("import_file")
            if upload is not None and "import_file" in form.errors:  # refused before parsing
                signals.upload_refused.send(
                    type(self),
                    model=self.model,
                    file_name=upload.name,
                    reason="; ".join(form.errors["import_file"]),
                    size=upload.size,
                )
        response = super().import_action(request, **kwargs)
        if getattr(response, "context_data", None) is not None:
            response.context_data["my_imports_url"] = self._my_imports_url()
            response.context_data["review_notice"] = review_notice(self.model, request.user)
        return response

    def _queue_check(self, request, form):
        from . import tasks

        file_format = int(form.cleaned_data["format"])
        upload = form.cleaned_data["import_file"]
        input_format = self.get_import_formats()[file_format]()
        pending = PendingImportStorage(
            owner_id=request.user.pk,
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
        )
        pending.save(b"".join(upload.chunks()))
        job = LedgerImport.objects.create(
            created_by=request.user,
            ledger=ContentType.objects.get_for_model(self.model),
            file_name=upload.name[:255],
            file_format=file_format,
            resource_index=int(form.cleaned_data.get("resource") or 0),
            pending_name=pending.name,
        )
        # The view runs outside a transaction (no ATOMIC_REQUESTS): the job's row is saved.
        tasks.check_ledger_import.enqueue(job.pk, client_ip(request) or None)
        return HttpResponseRedirect(self._job_url(job))

    def _job_url(self, job) -> str:
        opts = self.model._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_import_job",
            args=[job.pk],
            current_app=self.admin_site.name,
        )

    def _my_imports_url(self) -> str:
        return reverse("admin:units_ledgerimport_changelist", current_app=self.admin_site.name)

    def _job_for(self, request, job_id):
        """The job, if it is this ledger's and the user's own. Those who see every unit (the
        office, leaders) read any job that "My imports" lists them; confirming stays the
        uploader's."""
        reads_every_job = sees_all_units(request.user) and self.has_view_permission(request)
        if not (self.has_import_permission(request) or reads_every_job):
            raise PermissionDenied
        job = (
            LedgerImport.objects.select_related("created_by")
            .filter(pk=job_id, ledger=ContentType.objects.get_for_model(self.model))
            .first()
        )
        if job is None or (job.created_by_id != request.user.pk and not sees_all_units(request.user)):
            raise Http404
        return job

    def import_job_view(self, request, job_id):
        from .tasks import give_up_stalled_jobs, rows_done

        give_up_stalled_jobs()
        job = self._job_for(request, job_id)
        mine = job.created_by_id == request.user.pk
        done = rows_done(job)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import: %(file)s") % {"file": job.file_name},
            "opts": self.model._meta,
            "job": job,
            "rows_done": done,
            "percent": int(100 * done / job.rows_total) if job.rows_total else 0,
            "refresh_seconds": 2 if job.running else None,
            # Not taken up after a while: the worker may be stopped, and the uploader should know.
            "worker_late": job.status == LedgerImport.Status.QUEUED
            and job.created_at < timezone.now() - timedelta(seconds=WORKER_LATE_SECONDS),
            "preview": job.preview or {},
            "confirm_form": ConfirmImportJobForm.for_job(job, request.user)
            if mine and job.status == LedgerImport.Status.CHECKED
            else None,
            "confirm_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_import_job_confirm",
                args=[job.pk],
                current_app=self.admin_site.name,
            ),
            "may_import": self.has_import_permission(request),
            "import_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_import", current_app=self.admin_site.name
            ),
            "changelist_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
                current_app=self.admin_site.name,
            ),
            "my_imports_url": self._my_imports_url(),
            "review_notice": review_notice(self.model, job.created_by),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_job_template_name], context)

    @method_decorator(require_POST)
    def confirm_import_job(self, request, job_id):
        """Start the import the preview showed: once, by its uploader, with a genuine token."""
        from . import tasks

        if not self.has_import_permission(request):
            raise PermissionDenied
        ledger = ContentType.objects.get_for_model(self.model)
        form = ConfirmImportJobForm(request.POST)
        if form.job_pk(request.user, ledger.pk) != job_id:
            return self._back_to_import(
                request,
                _(
                    "The confirmation did not match the preview, so nothing was imported. Please upload the file again."
                ),
            )
        job = LedgerImport.objects.filter(pk=job_id, ledger=ledger, created_by=request.user).first()
        unavailable = _(
            "This import is no longer available: it was already confirmed, has expired or "
            "belongs to someone else. Nothing was imported. Please upload the file again."
        )
        if job is None or not PendingImportStorage(name=job.pending_name, owner_id=request.user.pk).exists():
            return self._back_to_import(request, unavailable)
        # Of two confirmations (a double click, a replay) only the first moves the job on.
        started = LedgerImport.objects.filter(pk=job.pk, status=LedgerImport.Status.CHECKED).update(
            status=LedgerImport.Status.IMPORTING, rows_done=0, finished_at=None
        )
        if not started:
            return self._back_to_import(request, unavailable)
        tasks.run_ledger_import.enqueue(job.pk, request.user.pk, client_ip(request) or None)
        return HttpResponseRedirect(self._job_url(job))

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The library's confirm step: imports are confirmed on their job page now."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        return self._back_to_import(
            request,
            _(
                "This import is no longer available: it was already confirmed, has expired or "
                "belongs to someone else. Nothing was imported. Please upload the file again."
            ),
        )

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

    def get_valid_export_item_pks(self, request):
        # Rows picked with the "export selected" action: only those the user may see.
        return self.get_queryset(request).values_list("pk", flat=True)

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        request.audit_export_rows = len(dataset)  # the rows the resource's scoping let through
        dataset.title = export_names.sheet_name(self.model._meta.verbose_name)  # not "Tablib Dataset"
        return dataset

    def get_export_filename(self, request, queryset, file_format):
        return export_names.file_name(self.model._meta.verbose_name, file_format.get_extension())

    def _do_file_export(self, file_format, request, queryset, **kwargs):
        response = super()._do_file_export(file_format, request, queryset, **kwargs)
        export_names.attachment(response, self.get_export_filename(request, queryset, file_format))
        signals.ledger_exported.send(
            type(self),
            request=request,
            model=self.model,
            file_format=file_format.get_title(),
            rows=getattr(request, "audit_export_rows", None),
        )
        return response


@admin.register(Unit)
class UnitAdmin(LedgerImportExportMixin, RecordHistoryMixin, VersionAdmin):
    """Units, imported in bulk by the office (a catalogue names departments that must exist)."""

    resource_classes = [UnitResource]
    list_display = ["name", "kind", "member_count", "is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_member_count=Count("members"))

    def has_import_permission(self, request):
        # Units are the office's: whoever sees only their own units imports none.
        user = request.user
        return sees_all_units(user) and user.has_perm("units.add_unit") and user.has_perm("units.change_unit")

    def has_export_permission(self, request):
        return self.has_import_permission(request)

    @admin.display(description=_("staff members"), ordering="_member_count")
    def member_count(self, unit):
        return unit._member_count


class UnitMembershipInline(admin.TabularInline):
    model = Unit.members.through
    extra = 0
    verbose_name = _("unit membership")
    verbose_name_plural = _("unit memberships")
    autocomplete_fields = ["unit"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The automatic through model's field has no translatable name of its own.
        if db_field.name == "unit":
            kwargs["label"] = _("unit")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


DEFAULT_PERMISSION_WORDS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission) -> str:
    """A permission in the admin's language: Django stores its name in English when it is made."""
    content_type = permission.content_type
    model = content_type.model_class()
    if model is None:
        return str(permission)
    app_name = gettext(str(model._meta.app_config.verbose_name))
    model_name = gettext(str(model._meta.verbose_name))
    action = permission.codename.removesuffix(f"_{model._meta.model_name}")
    if action in DEFAULT_PERMISSION_WORDS and permission.codename == f"{action}_{model._meta.model_name}":
        name = DEFAULT_PERMISSION_WORDS[action] % {"model": model_name}
    else:
        name = gettext(permission.name)
    return f"{app_name} | {model_name} | {name}"


class ChinesePermissionsMixin:
    """The permission pickers of the user and group pages list permissions in Chinese, and only
    those of records the admin has pages for (a permission on a second-factor device or a task
    row would grant nothing the office can use, and read as English)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("permissions", "user_permissions"):
            with_pages = ContentType.objects.get_for_models(
                *self.admin_site._registry, for_concrete_models=False
            )
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(
                content_type__in=with_pages.values()
            ).select_related("content_type")
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        return field


admin.site.unregister(Group)


@admin.register(Group)
class PortalGroupAdmin(ChinesePermissionsMixin, GroupAdmin):
    pass


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(ChinesePermissionsMixin, UserAdmin):
    inlines = [UnitMembershipInline]
    list_display = ["username", "last_name", "first_name", "is_staff", "unit_names"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "units"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("units")

    def save_related(self, request, form, formsets, change):
        # The page's role change is one change (one audit entry), its units another.
        with signals.one_page_of_changes(type(self)):
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
            signals.memberships_changed.send(
                type(self),
                user=form.instance,
                added=[str(row.unit) for row in formset.new_objects]
                + [str(row.unit) for row, _fields in formset.changed_objects],
                removed=[str(row.unit) for row in formset.deleted_objects]
                + [str(unit) for unit in Unit.objects.filter(pk__in=moved_from)],
            )

    @admin.display(description=_("their units"))
    def unit_names(self, user):
        return "、".join(unit.name for unit in user.units.all())


@admin.register(LedgerImport)
class LedgerImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """ "My imports": every spreadsheet import's job; an editor sees only their own. Uploads
    start on a ledger's import page, never here."""

    list_display = [
        "file_name_link",
        "ledger_name",
        "status",
        "counts",
        "created_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
    list_select_related = ["created_by", "ledger"]

    def changelist_view(self, request, extra_context=None):
        from .tasks import give_up_stalled_jobs

        give_up_stalled_jobs()
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if sees_all_units(request.user) else queryset.filter(created_by=request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if not (request.user.is_active and request.user.is_staff):
            return False
        return obj is None or obj.created_by_id == request.user.pk or sees_all_units(request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The job's own page (progress, preview, confirm) is the ledger's.
        job = self.get_object(request, object_id)
        if job is None or not self.has_view_permission(request, job):
            raise Http404
        return HttpResponseRedirect(self.job_url(job))

    @staticmethod
    def job_url(job) -> str:
        model = job.ledger.model_class()
        return reverse(f"admin:{job.ledger.app_label}_{model._meta.model_name}_import_job", args=[job.pk])

    @admin.display(description=_("file name"), ordering="file_name")
    def file_name_link(self, job):
        return format_html('<a href="{}">{}</a>', self.job_url(job), job.file_name)

    @admin.display(description=_("ledger"))
    def ledger_name(self, job):
        model = job.ledger.model_class()
        return model._meta.verbose_name_plural if model else job.ledger.model

    @admin.display(description=_("new / updated / unchanged / errors"))
    def counts(self, job):
        if job.status in (LedgerImport.Status.REFUSED, LedgerImport.Status.FAILED):
            return f"— / — / — / {job.error_count}"  # a refused file changed nothing
        return f"{job.new} / {job.updated} / {job.unchanged} / {job.error_count}"
