"""Background jobs of every spreadsheet import: no import holds a web request.

Run by ``python manage.py db_worker`` (django-tasks-db); ``make run`` starts one.
An upload becomes an ``ImportJob``; ``check_import`` checks it (counts, per-row errors,
the first rows of the preview: nothing written), and once it is confirmed
``run_import`` imports it all or nothing, in one transaction. The job's ledger names
its engine (``imports.engines``), which reads and writes the rows; everything else is
here, the same for every kind of file: progress outside the import's transaction,
one audit entry, the file deleted when the job ends, the stall rule and the sweep.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from audit.records import record_import, record_refused_upload

from .engines import FileRefused, engine_for
from .jobs import retained_after, unconfirmed_before
from .log import log_import_error
from .models import ImportJob
from .pending import PendingImportStorage, PendingImportUnavailable, sweep

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 100  # rows between two progress reports
STALL_MARGIN_SECONDS = 300  # past the time budget, a job still running has lost its worker
Status = ImportJob.Status


def progress_key(job_pk: int) -> str:
    # Progress goes to the cache, not the job's row: the import's rows are written in one
    # transaction, and a write to the job's row inside it would show only once it is over.
    return f"imports:job:{job_pk}:rows-done"


def rows_done(job: ImportJob) -> int:
    """The rows the running job has read so far (as far as the cache tells)."""
    if not job.running:
        return job.rows_done
    return max(job.rows_done, cache.get(progress_key(job.pk)) or 0)


class JobRefused(Exception):
    """The job cannot go on; the message is for the uploader."""


def _message(text) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # stored as the worker stores its messages
        return str(text)


def _progress(job_pk: int):
    key = progress_key(job_pk)

    def report(done: int, total: int | None = None) -> None:  # engines call it every hundred rows or so
        if total is not None:
            ImportJob.objects.filter(pk=job_pk).update(rows_total=total)
        if done:
            cache.set(key, done, timeout=settings.IMPORT_TIME_LIMIT_SECONDS + STALL_MARGIN_SECONDS)

    return report


def _finish(job: ImportJob, **fields) -> None:
    """The job's end: its file and preview rows go unless it still waits for confirmation."""
    if fields.get("status") != Status.CHECKED:
        # The preview's rows are the file's cells (names, phones): kept only while the
        # uploader may still confirm them; the file itself only as long.
        fields["preview"] = {}
        _discard_file(job)
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now(), **fields)
    cache.delete(progress_key(job.pk))


def _discard_file(job: ImportJob) -> None:
    if job.pending_name and job.created_by_id:
        PendingImportStorage(name=job.pending_name, owner_id=job.created_by_id).remove()


def _user(pk):
    return get_user_model()._default_manager.filter(pk=pk).first() if pk else None


def _run(job_pk: int, *, commit: bool, user_pk=None, address: str | None = None) -> None:
    job = ImportJob.objects.select_related("created_by", "ledger").get(pk=job_pk)
    # The check runs for the uploader; the import for whoever confirmed it.
    user = job.created_by if user_pk is None else _user(user_pk)
    engine = engine_for(job.ledger)
    model = job.ledger.model_class()
    failed = Status.FAILED if commit else Status.REFUSED
    try:
        if engine is None:
            raise JobRefused(_("This ledger no longer accepts imports."))
        if user is None or not engine.may_import(user):
            raise JobRefused(_("You may no longer import into this ledger. Nothing was imported."))
        storage = PendingImportStorage(name=job.pending_name, owner_id=job.created_by_id)
        try:
            with storage.opened(take=commit) as stream:
                outcome = engine.run(job, stream, commit=commit, user=user, progress=_progress(job_pk))
        except PendingImportUnavailable:
            raise JobRefused(
                _(
                    "This import is no longer available: it was already confirmed, has expired or "
                    "belongs to someone else. Nothing was imported. Please upload the file again."
                )
            ) from None
    except (JobRefused, FileRefused) as refusal:
        if commit:
            record_import(model, job.file_name, user=user, address=address, imported=False, errors=1)
        else:
            _record_refused(model, job, str(refusal), user, address)
        _finish(job, status=failed, errors=[[None, str(refusal)]], error_count=1)
        return
    except Exception as error:
        # The exception's type and where it was raised, not its message: a cell may carry
        # someone's name or phone. Not raised again, so the worker does not log it either.
        log_import_error(f"{job.ledger.app_label}.{job.ledger.model} (job {job_pk})", None, error)
        message = _message(
            _("An unexpected error occurred while importing. It has been recorded for the administrator.")
        )
        if commit:
            record_import(model, job.file_name, user=user, address=address, imported=False, errors=1)
        else:
            _record_refused(model, job, "failed", user, address)
        _finish(job, status=Status.FAILED, error_count=1, errors=[[None, message]])
        return
    refused = outcome.refused
    logger.info(
        "import %s (%s): %s rows, %s new, %s updated, %s unchanged, %s errors",
        job_pk,
        job.ledger.model,
        outcome.rows,
        outcome.new,
        outcome.updated,
        outcome.unchanged,
        outcome.error_count or len(outcome.errors),
    )
    fields = {
        "new": outcome.new,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "error_count": max(outcome.error_count, len(outcome.errors)) if refused else 0,
        "errors": outcome.errors[:500],
        "rows_done": outcome.rows,
        "rows_total": outcome.rows,
        "details": outcome.details,
    }
    if commit:
        record_import(
            model,
            job.file_name,
            user=user,
            address=address,
            imported=not refused,
            rows=outcome.rows,
            new=outcome.new,
            updated=outcome.updated,
            skipped=outcome.unchanged,
            errors=fields["error_count"],
        )
        _finish(job, status=Status.FAILED if refused else Status.DONE, **fields)
        return
    if refused:
        _record_refused(
            model, job, "rows refused", user, address, rows=outcome.rows, errors=fields["error_count"]
        )
    _finish(job, status=Status.REFUSED if refused else Status.CHECKED, preview=outcome.preview, **fields)


def _record_refused(model, job: ImportJob, reason: str, user, address, **counts) -> None:
    if model is not None:
        record_refused_upload(model, job.file_name, reason, user=user, address=address, **counts)


def give_up_stalled_jobs() -> int:
    """Jobs still checking or importing well past their time budget lost their worker (it was
    stopped or crashed mid-job): they are marked failed, their file deleted, so their pages
    stop waiting.

    Nothing of theirs was written: the import runs in one transaction, which the lost
    connection rolled back. A job within its budget stops itself (the engines check the time).
    """
    limit = timezone.now() - timedelta(seconds=settings.IMPORT_TIME_LIMIT_SECONDS + STALL_MARGIN_SECONDS)
    message = _message(
        _(
            "The background worker stopped before this job was over. Nothing was written. "
            "Please upload the file again."
        )
    )
    stalled = 0
    for job in ImportJob.objects.filter(status__in=[Status.CHECKING, Status.IMPORTING], started_at__lt=limit):
        if ImportJob.objects.filter(pk=job.pk, status=job.status, started_at=job.started_at).update(
            status=Status.FAILED, error_count=1, errors=[[None, message]]
        ):
            _finish(job, status=Status.FAILED)
            stalled += 1
            logger.warning("import %s: no progress past its time budget; marked failed", job.pk)
    return stalled


def sweep_jobs() -> int:
    """Jobs never confirmed in time (checked, or still queued for their check) end, file and
    preview deleted; jobs past ``IMPORT_JOB_RETENTION_DAYS`` are deleted, rows and all."""
    message = _message(
        _(
            "This import waited for confirmation longer than %(hours)s hours, so the uploaded file "
            "was deleted. Nothing was imported. Please upload the file again."
        )
        % {"hours": f"{settings.IMPORT_PENDING_MAX_AGE_HOURS:g}"}
    )
    touched = give_up_stalled_jobs()
    waiting = {Status.CHECKED: "finished_at__lt", Status.QUEUED: "created_at__lt"}
    for status, since in waiting.items():
        for job in ImportJob.objects.filter(status=status, **{since: unconfirmed_before()}):
            if ImportJob.objects.filter(pk=job.pk, status=status).update(
                status=Status.FAILED, error_count=1, errors=[[None, message]]
            ):
                _finish(job, status=Status.FAILED)
                touched += 1
    # One checking or importing is the stall rule's.
    old = ImportJob.objects.filter(created_at__lt=retained_after()).exclude(
        status__in=[Status.CHECKING, Status.IMPORTING]
    )
    for job in old:
        _discard_file(job)
    return touched + old.delete()[0]


def sweep_import_jobs() -> int:
    """Everything past its time, in one call: pending uploads older than their limit, jobs
    never confirmed, stalled or past retention. Run before each upload is stored, and hourly."""
    return sweep() + sweep_jobs()


@task()
def check_import(job_pk: int, address: str | None = None) -> None:
    """The check: counts, per-row errors and the first rows of the preview; nothing written.
    ``address``: the upload's, for the audit entry of a refused file. Taken up once."""
    if not ImportJob.objects.filter(pk=job_pk, status=Status.QUEUED).update(
        status=Status.CHECKING, rows_done=0, started_at=timezone.now()
    ):
        logger.warning("import %s: not waiting for a check; not run", job_pk)
        return
    _run(job_pk, commit=False, address=address)


@task()
def run_import(job_pk: int, user_pk: int, address: str | None = None) -> None:
    """The confirmed import, by ``user_pk`` from ``address``: all or nothing.

    Taken up once: of two tasks for one job (a double click raced past the confirm's own
    check), the second finds it started and does nothing.
    """
    if not ImportJob.objects.filter(
        pk=job_pk, confirmed_by_id=user_pk, status=Status.IMPORTING, started_at=None
    ).update(rows_done=0, started_at=timezone.now()):
        logger.warning("import %s: not confirmed, or already taken up; not run", job_pk)
        return
    _run(job_pk, commit=True, user_pk=user_pk, address=address)
