"""The import doors and the one job page.

* ``LedgerImportExportMixin``: a ledger's xlsx/csv import and export in its own admin. The
  upload is guarded before it is stored, then becomes an ``ImportJob``; the export is
  scoped, named in Chinese and audited.
* ``ImportJobAdmin``: "My imports" (我的导入, every job of the user; all of them for those
  who see every unit), each job's page (progress, counts, errors, preview, confirm) and the
  upload page of a kind of file no ledger admin offers (the hotline's case export).
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm, SelectableFieldsExportForm

from audit.records import Action, record, record_refused_upload
from units import export_names
from units.admin_guard import LookupGuardMixin
from units.client_ip import client_ip

from .engines import all_engines, engine_for
from .models import ImportJob
from .rules import ImportRefused
from .services import confirm_job, confirm_token, start_job, token_job
from .tasks import give_up_stalled_jobs, rows_done

WORKER_LATE_SECONDS = 120  # a queued import not taken up by then: tell the uploader the worker may be stopped
UNAVAILABLE = _(
    "This import is no longer available: it was already confirmed, has expired or "
    "belongs to someone else. Nothing was imported. Please upload the file again."
)


def guard_upload(engine, upload, format_title):
    """The checks before an upload is stored: size, then the engine's guards (zip, the sheet's
    extent). A refusal is a ``ValidationError`` in the uploader's language, and audited."""
    try:
        limit = engine.max_bytes()
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s; files larger than %(limit)s are not accepted."),
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            )
        try:
            engine.guard(upload, format_title)
        except ImportRefused as refusal:
            raise ValidationError(str(refusal), code="refused") from None
    except ValidationError as refusal:
        record_refused_upload(engine.model, upload.name, "; ".join(refusal.messages), size=upload.size)
        raise
    return upload


class LimitedImportForm(ImportForm):
    """The library's import form with the engine's checks made before anything is stored."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        # The format field is cleaned after this one; its choices are the formats' titles.
        file_format = dict(self.fields["format"].choices).get(self.data.get("format"))
        engine = getattr(self, "engine", None)
        if engine is None:
            raise ValidationError(_("This ledger no longer accepts imports."))
        return guard_upload(engine, upload, file_format if file_format in engine.format_titles else None)


class UploadForm(forms.Form):
    """The upload of a file no ledger admin takes (the case export): xlsx or csv by its name."""

    file = forms.FileField(label=_("file"))

    def __init__(self, *args, engine, **kwargs):
        super().__init__(*args, **kwargs)
        self.engine = engine

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in self.engine.format_titles:
            message = _("Upload an %(formats)s file.") % {"formats": " / ".join(self.engine.format_titles)}
            record_refused_upload(self.engine.model, upload.name, message, size=upload.size)
            raise ValidationError(message)
        self.file_format = self.engine.format_titles.index(extension)
        return guard_upload(self.engine, upload, extension)


class ConfirmImportJobForm(forms.Form):
    """The job page's confirm button: a token signed for the uploader and this job."""

    token = forms.CharField(widget=forms.HiddenInput())

    @classmethod
    def for_job(cls, job, user):
        return cls(initial={"token": confirm_token(job, user)})


class LedgerExportForm(SelectableFieldsExportForm):
    """Column checkboxes labelled with the file's own Chinese headers."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name


def job_url(job) -> str:
    return reverse("admin:imports_importjob_change", args=[job.pk])


def my_imports_url() -> str:
    return reverse("admin:imports_importjob_changelist")


class LedgerImportExportMixin(LookupGuardMixin, ImportExportMixin):
    """xlsx/csv import-export with scoping, a checked preview and an all-or-nothing import.

    The import goes through the ledger's engine (``imports.engines``, named on the app's
    AppConfig): this page stores the upload and queues its check; the job page shows its
    progress, the preview and the confirm button. Who may import is the engine's rule.
    """

    import_formats = [XLSX]  # replaced by the engine's formats
    export_formats = [XLSX, CSV]
    import_form_class = LimitedImportForm
    export_form_class = LedgerExportForm
    import_template_name = "admin/imports/ledger_import.html"  # no tracebacks on the page
    to_encoding = "utf-8-sig"  # Excel on Chinese Windows opens UTF-8 CSV correctly only with a BOM

    @property
    def import_engine(self):
        return engine_for(self.model)

    def get_import_formats(self):
        engine = self.import_engine
        return list(engine.formats) if engine is not None else []

    def get_resource_classes(self, request):
        # The engine's resource: the ledger's columns are declared once, for import and export.
        engine = self.import_engine
        return [engine.resource_class] if engine is not None else []

    def has_import_permission(self, request):
        engine = self.import_engine
        return engine is not None and engine.may_import(request.user)

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        # The ledger's own job pages before the job page was one: bookmarks still open the job.
        return [
            path(
                "import/job/<int:job_id>/",
                self.admin_site.admin_view(self.old_job_url),
                name=f"{name}_import_job",
            ),
            path(
                "import/job/<int:job_id>/confirm/",
                self.admin_site.admin_view(self.old_job_url),
                name=f"{name}_import_job_confirm",
            ),
            *super().get_urls(),
        ]

    def old_job_url(self, request, job_id):
        response = HttpResponse(status=307 if request.method == "POST" else 302)
        target = job_url(ImportJob(pk=job_id))
        response["Location"] = target + "confirm/" if request.method == "POST" else target
        return response

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def create_import_form(self, request):
        # import_action validates the upload once; the library's page shows that same form.
        form = getattr(request, "_ledger_import_form", None)
        if form is None:
            form = super().create_import_form(request)
            form.engine = self.import_engine
        return form

    def import_action(self, request, **kwargs):
        """The upload: checked for size and shape here, then queued; the job page follows it."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = request._ledger_import_form = self.create_import_form(request)
            if form.is_valid():
                job = start_job(
                    self.import_engine,
                    request.user,
                    form.cleaned_data["import_file"],
                    file_format=int(form.cleaned_data["format"]),
                    address=client_ip(request) or None,
                )
                return HttpResponseRedirect(job_url(job))
        response = super().import_action(request, **kwargs)
        if getattr(response, "context_data", None) is not None:
            response.context_data["my_imports_url"] = my_imports_url()
            response.context_data["review_notice"] = self.import_engine.review_notice(request.user)
        return response

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The library's confirm step: imports are confirmed on their job page now."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        self.message_user(request, UNAVAILABLE, level=messages.ERROR)
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))

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
        details = {"format": file_format.get_title(), "rows": getattr(request, "audit_export_rows", None)}
        record(Action.EXPORT, request=request, model=self.model, details=details)
        return response


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """ "My imports" (我的导入) and each job's page. Uploads start on a ledger's import page, or
    here for a kind of file no ledger admin takes."""

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
    job_template = "admin/imports/import_job.html"
    upload_template = "admin/imports/upload.html"

    def get_urls(self):
        return [
            path(
                "<int:job_id>/confirm/",
                self.admin_site.admin_view(self.confirm_view),
                name="imports_importjob_confirm",
            ),
            path(
                "upload/<str:engine_key>/",
                self.admin_site.admin_view(self.upload_view),
                name="imports_importjob_upload",
            ),
            *super().get_urls(),
        ]

    # Who sees what ------------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        read_all = [
            ContentType.objects.get_for_model(engine.model).pk
            for engine in all_engines()
            if engine.may_read_every_job(user)
        ]
        return queryset.filter(Q(created_by=user) | Q(ledger__in=read_all))

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        if not (request.user.is_active and request.user.is_staff):
            return False
        if obj is None:
            return True
        engine = engine_for(obj.ledger)
        return obj.created_by_id == request.user.pk or (
            engine is not None and engine.may_read_every_job(request.user)
        )

    def has_add_permission(self, request):
        return False  # an upload starts on its ledger's import page (or the upload page here)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # The list ----------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        give_up_stalled_jobs()  # a job whose worker was lost stops showing 导入中
        uploads = [
            (engine.name, reverse("admin:imports_importjob_upload", args=[engine.key]))
            for engine in all_engines()
            if engine.own_upload_page and engine.may_import(request.user)
        ]
        return super().changelist_view(request, {**(extra_context or {}), "uploads": uploads})

    @admin.display(description=_("file name"), ordering="file_name")
    def file_name_link(self, job):
        return format_html('<a href="{}">{}</a>', job_url(job), job.file_name)

    @admin.display(description=_("ledger"))
    def ledger_name(self, job):
        model = job.ledger.model_class()
        return model._meta.verbose_name_plural if model else job.ledger.model

    @admin.display(description=_("new / updated / unchanged / errors"))
    def counts(self, job):
        if job.status in (ImportJob.Status.REFUSED, ImportJob.Status.FAILED):
            return f"— / — / — / {job.error_count}"  # a refused file changed nothing
        return f"{job.new} / {job.updated} / {job.unchanged} / {job.error_count}"

    # The job page -------------------------------------------------------------------------

    def _job(self, request, job_id):
        job = ImportJob.objects.select_related("created_by", "ledger").filter(pk=job_id).first()
        if job is None or not self.has_view_permission(request, job):
            raise Http404
        return job

    def change_view(self, request, object_id, form_url="", extra_context=None):
        give_up_stalled_jobs()
        try:
            job = self._job(request, int(object_id))
        except ValueError:
            raise Http404 from None
        engine = engine_for(job.ledger)
        opts = job.ledger.model_class()._meta if job.ledger.model_class() else self.opts
        done = rows_done(job)
        may_import = engine is not None and engine.may_import(request.user)
        mine = job.created_by_id == request.user.pk
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import: %(file)s") % {"file": job.file_name},
            "opts": opts,
            "job": job,
            "rows_done": done,
            "percent": int(100 * done / job.rows_total) if job.rows_total else 0,
            "refresh_seconds": 2 if job.running else None,
            # Not taken up after a while: the worker may be stopped, and the uploader should know.
            "worker_late": job.status == ImportJob.Status.QUEUED
            and job.created_at < timezone.now() - timedelta(seconds=WORKER_LATE_SECONDS),
            "preview": job.preview or {},
            "details": job.details or {},
            "details_template": engine.details_template if engine else "",
            "confirm_form": ConfirmImportJobForm.for_job(job, request.user)
            if mine and may_import and job.status == ImportJob.Status.CHECKED
            else None,
            "confirm_url": reverse("admin:imports_importjob_confirm", args=[job.pk]),
            "may_import": may_import,
            "import_url": engine.upload_url() if engine else my_imports_url(),
            "changelist_url": engine.changelist_url() if engine else None,
            "my_imports_url": my_imports_url(),
            "review_notice": engine.review_notice(job.created_by) if engine else "",
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.job_template], context)

    @method_decorator(require_POST)
    def confirm_view(self, request, job_id):
        """Start the import the preview showed: once, by its uploader, with a genuine token.
        A refusal leads back to the upload page: whatever went wrong, the way on is a new upload."""
        job = ImportJob.objects.select_related("ledger").filter(pk=job_id).first()
        engine = engine_for(job.ledger) if job else None
        if engine is not None and not engine.may_import(request.user):
            raise PermissionDenied
        back = engine.upload_url() if engine else my_imports_url()
        if job is None or token_job(request.POST.get("token"), request.user) != (job.pk, job.ledger_id):
            return self._refuse(
                request,
                back,
                _(
                    "The confirmation did not match the preview, so nothing was imported. Please upload the file again."
                ),
            )
        if job.created_by_id != request.user.pk or not confirm_job(
            job, request.user, client_ip(request) or None
        ):
            return self._refuse(request, back, UNAVAILABLE)
        return HttpResponseRedirect(job_url(job))

    def _refuse(self, request, back, message):
        self.message_user(request, message, level=messages.ERROR)
        return HttpResponseRedirect(back)

    # The upload page of a file no ledger admin takes ---------------------------------------

    def upload_view(self, request, engine_key):
        engine = next((engine for engine in all_engines() if engine.key == engine_key), None)
        if engine is None or not engine.own_upload_page:
            raise Http404
        if not engine.may_import(request.user):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None, engine=engine)
        if request.method == "POST" and form.is_valid():
            job = start_job(
                engine,
                request.user,
                form.cleaned_data["file"],
                file_format=form.file_format,
                address=client_ip(request) or None,
            )
            return HttpResponseRedirect(job_url(job))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import %(ledger)s") % {"ledger": engine.name},
            "opts": engine.model._meta,
            "form": form,
            "engine": engine,
            "limit": filesizeformat(engine.max_bytes()),
            "my_imports_url": my_imports_url(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.upload_template], context)
