"""Background jobs of the ledgers' spreadsheet imports: no import holds a web request.

Run by ``python manage.py db_worker`` (django-tasks-db); ``make run`` starts one.
An upload becomes a ``LedgerImport``; ``check_ledger_import`` dry-runs it (counts,
per-row errors, the first rows of the diff), and once its uploader confirms the
preview ``run_ledger_import`` imports it all or nothing, in one transaction, with
the uploader's unit scoping checked again row by row. Both use the ledger's own
admin (its formats, resource and scoping), found through the admin site.
"""

import io
import logging
from datetime import timedelta
from types import SimpleNamespace

import reversion
from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task
from import_export.results import RowResult
from import_export.signals import post_import

from audit.records import record_import, record_refused_upload

from .import_jobs import retained_after, unconfirmed_before
from .import_log import log_import_error
from .import_rules import ImportRefused, check_upload, sheet_row
from .isolated_parse import ParseFailed, parse_in_child
from .models import LedgerImport
from .pending_imports import PendingImportStorage, PendingImportUnavailable

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20  # rows of the dry run's diff shown before confirming
PROGRESS_EVERY = 100  # rows between two progress reports
STALL_MARGIN_SECONDS = 300  # past the time budget, a job still running has lost its worker
Status = LedgerImport.Status


def progress_key(job_pk: int) -> str:
    # Progress goes to the cache, not the job's row: the import's rows are written in one
    # transaction, and a write to the job's row inside it would show only once it is over.
    return f"units:ledger-import:{job_pk}:rows-done"


def rows_done(job: LedgerImport) -> int:
    """The rows the running job has read so far (as far as the cache tells)."""
    if not job.running:
        return job.rows_done
    return max(job.rows_done, cache.get(progress_key(job.pk)) or 0)


class JobRefused(Exception):
    """The job cannot go on; the message is for the uploader."""


def _ledger_admin(job: LedgerImport):
    model = job.ledger.model_class()
    model_admin = admin.site._registry.get(model)
    if model_admin is None or not hasattr(model_admin, "report_import_errors"):
        raise JobRefused(_("This ledger no longer accepts imports."))
    return model_admin


def _pending(job, model_admin, input_format) -> PendingImportStorage:
    return PendingImportStorage(
        name=job.pending_name,
        owner_id=job.created_by_id,
        encoding=None if input_format.is_binary() else model_admin.from_encoding,
        read_mode=input_format.get_read_mode(),
    )


def _errors(model_admin, resource, result) -> list[list]:
    """[line, message] pairs: the library's errors and each refused row's messages by column,
    each line numbered as the spreadsheet shows it (the header is row 1)."""
    described = [[sheet_row(line), message] for line, message in model_admin.report_import_errors(result)]
    columns = {}
    for name, field in resource.fields.items():
        columns.setdefault(field.attribute, field.column_name)
        columns[name] = field.column_name
    for row in result.invalid_rows:
        for key, messages in row.field_specific_errors.items():
            column = columns.get(key, key)
            described += [[sheet_row(row.number), f"{column}: {message}"] for message in messages]
        described += [[sheet_row(row.number), message] for message in row.non_field_specific_errors]
    return described


def _preview(result) -> dict:
    rows = []
    for row in result.rows:
        if len(rows) >= PREVIEW_ROWS:
            break
        if row.import_type in (RowResult.IMPORT_TYPE_ERROR, RowResult.IMPORT_TYPE_INVALID) or not row.diff:
            continue
        rows.append([row.import_type, [str(cell) for cell in row.diff]])
    return {"headers": [str(header) for header in result.diff_headers], "rows": rows}


def _finish(job_pk: int, **fields) -> None:
    if fields.get("status") != Status.CHECKED:
        # The preview's rows are the file's cells (names, phones): kept only while the
        # uploader may still confirm them.
        fields["preview"] = {}
    LedgerImport.objects.filter(pk=job_pk).update(finished_at=timezone.now(), **fields)
    cache.delete(progress_key(job_pk))


def _run(job_pk: int, *, dry_run: bool, address: str | None = None) -> None:
    job = LedgerImport.objects.select_related("created_by", "ledger").get(pk=job_pk)
    if dry_run:
        LedgerImport.objects.filter(pk=job_pk).update(
            status=Status.CHECKING, rows_done=0, started_at=timezone.now()
        )
    else:
        LedgerImport.objects.filter(pk=job_pk).update(started_at=timezone.now())
    failed = Status.REFUSED if dry_run else Status.FAILED
    caller = SimpleNamespace(user=job.created_by)  # what the admin's hooks read from a request
    try:
        model_admin = _ledger_admin(job)
        if (
            job.created_by is None
            or not job.created_by.is_active
            or not model_admin.has_import_permission(caller)
        ):
            raise JobRefused(_("You may no longer import into this ledger. Nothing was imported."))
        input_format = model_admin.get_import_formats()[job.file_format](encoding=model_admin.from_encoding)
        pending = _pending(job, model_admin, input_format)
        try:
            data = pending.read() if dry_run else pending.take()
        except PendingImportUnavailable:
            raise JobRefused(
                _(
                    "This import is no longer available: it was already confirmed, has expired or "
                    "belongs to someone else. Nothing was imported. Please upload the file again."
                )
            ) from None
        # The shared guards, then the reader in a child process: a file that would crash or
        # swamp the reader fails this job only, never the worker.
        try:
            check_upload(
                io.BytesIO(data if isinstance(data, bytes) else data.encode()), input_format.get_title()
            )
        except ImportRefused as refusal:
            raise JobRefused(str(refusal)) from None
        try:
            dataset = parse_in_child(input_format.create_dataset, data)
        except ParseFailed as failure:
            log_import_error(job.ledger.model_class()._meta.label, None, failure)
            raise JobRefused(str(failure)) from None
        except Exception as error:
            log_import_error(job.ledger.model_class()._meta.label, None, error)
            detail = str(error) if isinstance(error, ValueError) else ""
            raise JobRefused(
                _(
                    "The file could not be read as the chosen format. Upload an xlsx or csv file "
                    "exported from this portal. %(detail)s"
                )
                % {"detail": detail}
            ) from None
        del data
        LedgerImport.objects.filter(pk=job_pk).update(rows_total=len(dataset))

        resource_class = model_admin.get_import_resource_classes(caller)[job.resource_index]
        resource = resource_class(**model_admin.get_import_resource_kwargs(caller))
        key = progress_key(job_pk)

        def on_row(number):
            if number and number % PROGRESS_EVERY == 0:
                cache.set(key, number, timeout=settings.IMPORT_TIME_LIMIT_SECONDS + 3600)

        resource.on_row = on_row
        options = {
            "dry_run": dry_run,
            "raise_errors": False,
            "use_transactions": True,
            "rollback_on_validation_errors": True,
            "file_name": job.file_name,
            "user": job.created_by,
            "retain_instance_in_row_result": not dry_run,
        }
        if dry_run:
            result = resource.import_data(dataset, **options)
        else:
            result = _import_with_history(job, resource, dataset, options)
    except JobRefused as refusal:
        if dry_run:
            _pending_remove(job)
            _record_refused(job, str(refusal), address)
        _finish(job_pk, status=failed, errors=[[None, str(refusal)]], error_count=1)
        return
    except Exception as error:
        # The exception's type and where it was raised, not its message: a cell may carry
        # someone's name or phone. Not raised again, so the worker does not log it either.
        log_import_error(f"{job.ledger.app_label}.{job.ledger.model} (job {job_pk})", None, error)
        _pending_remove(job)
        _finish(
            job_pk,
            status=Status.FAILED,
            error_count=1,
            errors=[
                [
                    None,
                    _(
                        "An unexpected error occurred while importing. It has been recorded for the administrator."
                    ),
                ]
            ],
        )
        return
    errors = _errors(model_admin, resource, result)
    refused = bool(errors) or result.has_errors() or result.has_validation_errors()
    totals = result.totals
    # A refused file changes nothing: no row of it is new, updated or "unchanged".
    counts = {
        "new": 0 if refused else totals.get(RowResult.IMPORT_TYPE_NEW, 0),
        "updated": 0 if refused else totals.get(RowResult.IMPORT_TYPE_UPDATE, 0),
        "unchanged": 0 if refused else totals.get(RowResult.IMPORT_TYPE_SKIP, 0),
        "error_count": max(len(errors), 1) if refused else 0,
        "errors": errors[:500],
        "rows_done": len(dataset),
    }
    if dry_run:
        if refused:
            _pending_remove(job)
            _record_refused(job, "rows refused", address, rows=len(dataset), errors=counts["error_count"])
        _finish(
            job_pk, status=Status.REFUSED if refused else Status.CHECKED, preview=_preview(result), **counts
        )
        return
    record_import(job.ledger.model_class(), job.file_name, result, user=job.created_by, address=address)
    if refused:
        _finish(job_pk, status=Status.FAILED, **counts)
        return
    model_admin.generate_log_entries(result, caller)
    post_import.send(sender=None, model=job.ledger.model_class())
    _finish(job_pk, status=Status.DONE, **counts)


def _record_refused(job: LedgerImport, reason: str, address, **counts) -> None:
    model = job.ledger.model_class()
    if model is not None:
        record_refused_upload(model, job.file_name, reason, user=job.created_by, address=address, **counts)


class _RolledBack(Exception):
    def __init__(self, result):
        super().__init__()
        self.result = result


def _import_with_history(job, resource, dataset, options):
    """The confirmed import, in one revision of the rows' history by the uploader (the worker
    runs outside any request, so ``RevisionMiddleware`` does not make it); a refused import,
    rolled back, leaves no revision."""
    try:
        with reversion.create_revision():
            reversion.set_user(job.created_by)
            reversion.set_comment(_("Imported from “%(file)s”.") % {"file": job.file_name})
            result = resource.import_data(dataset, **options)
            if result.has_errors() or result.has_validation_errors():
                raise _RolledBack(result)
    except _RolledBack as rolled_back:
        result = rolled_back.result
    return result


def _pending_remove(job: LedgerImport) -> None:
    if job.pending_name and job.created_by_id:
        PendingImportStorage(name=job.pending_name, owner_id=job.created_by_id).remove()


def give_up_stalled_jobs() -> int:
    """Jobs still checking or importing well past their time budget lost their worker (it was
    stopped or crashed mid-job): they are marked failed, so their pages stop waiting.

    Nothing of theirs was written: the import runs in one transaction, which the lost
    connection rolled back. A job within its budget stops itself (``units.resources``).
    """
    limit = timezone.now() - timedelta(seconds=settings.IMPORT_TIME_LIMIT_SECONDS + STALL_MARGIN_SECONDS)
    stalled = list(
        LedgerImport.objects.filter(
            status__in=[Status.CHECKING, Status.IMPORTING], started_at__lt=limit
        ).select_related("created_by")
    )
    with translation.override(settings.LANGUAGE_CODE):  # stored as the worker stores its messages
        message = _(
            "The background worker stopped before this job was over. Nothing was written. "
            "Please upload the file again."
        )
    for job in stalled:
        if LedgerImport.objects.filter(pk=job.pk, status=job.status).update(
            status=Status.FAILED, finished_at=timezone.now(), error_count=1, errors=[[None, str(message)]]
        ):
            _pending_remove(job)
            cache.delete(progress_key(job.pk))
            logger.warning("ledger import %s: no progress past its time budget; marked failed", job.pk)
    return len(stalled)


def sweep_ledger_jobs() -> int:
    """Checked jobs never confirmed in time end (their upload and preview deleted); jobs past
    ``IMPORT_JOB_RETENTION_DAYS`` are deleted. Registered in ``units.import_jobs``."""
    with translation.override(settings.LANGUAGE_CODE):  # stored as the worker stores its messages
        message = _(
            "This import waited for confirmation longer than %(hours)s hours, so the uploaded file "
            "was deleted. Nothing was imported. Please upload the file again."
        ) % {"hours": f"{settings.IMPORT_PENDING_MAX_AGE_HOURS:g}"}
    touched = 0
    for job in LedgerImport.objects.filter(status=Status.CHECKED, finished_at__lt=unconfirmed_before()):
        if LedgerImport.objects.filter(pk=job.pk, status=Status.CHECKED).update(
            status=Status.FAILED, preview={}, error_count=1, errors=[[None, str(message)]]
        ):
            _pending_remove(job)
            touched += 1
    # A job queued that long ago will never run; one checking or importing is the stall rule's.
    old = LedgerImport.objects.filter(created_at__lt=retained_after()).exclude(
        status__in=[Status.CHECKING, Status.IMPORTING]
    )
    for job in old:
        _pending_remove(job)
    return touched + old.delete()[0]


@task()
def check_ledger_import(job_pk: int, address: str | None = None) -> None:
    """The dry run: counts, per-row errors and the first rows of the diff; nothing written.
    ``address``: the upload's, for the audit entry of a refused file."""
    _run(job_pk, dry_run=True, address=address)


@task()
def run_ledger_import(job_pk: int, user_pk: int, address: str | None = None) -> None:
    """The confirmed import, by the uploader (``user_pk``, from ``address``): all or nothing."""
    if not LedgerImport.objects.filter(pk=job_pk, created_by_id=user_pk, status=Status.IMPORTING).exists():
        logger.warning("ledger import %s: not confirmed by its uploader; not run", job_pk)
        return
    _run(job_pk, dry_run=False, address=address)
