"""Background jobs of the case import: a 200,000-row file never holds a web request.

Run by ``python manage.py db_worker`` (django-tasks-db); ``make run`` starts one.
Each job records its state, the rows read so far and its result on the
``CaseImport`` row, which staff watch in the admin.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from audit.records import Action, record, record_refused_upload
from units.import_jobs import retained_after, unconfirmed_before
from units.tasks import STALL_MARGIN_SECONDS

from .case_import import import_cases
from .models import Case, CaseImport

logger = logging.getLogger(__name__)


def progress_key(job_pk: int) -> str:
    # Progress goes to the cache, not the job's row: the import writes its cases in one
    # transaction, and a write to the job's row inside it would show only once it is over.
    return f"hotline:case-import:{job_pk}:rows-done"


def rows_done(job: CaseImport) -> int:
    """The rows the running job has read so far (as far as the cache tells)."""
    if job.state not in (CaseImport.State.CHECKING, CaseImport.State.IMPORTING):
        return job.rows_done
    return max(job.rows_done, cache.get(progress_key(job.pk)) or 0)


def _progress(job_pk: int):
    key = progress_key(job_pk)

    def report(rows: int) -> None:  # once per batch of rows: about a hundred reports for a big file
        cache.set(key, rows, timeout=settings.IMPORT_TIME_LIMIT_SECONDS + STALL_MARGIN_SECONDS)

    return report


def _run(job_pk: int, *, commit: bool, passed: str, refused: str, user_pk=None, address=None) -> None:
    job = CaseImport.objects.select_related("created_by").get(pk=job_pk)
    # The check runs for the uploader; the import for whoever confirmed it.
    user = job.created_by if user_pk is None else _user(user_pk)
    try:
        with job.file.open("rb") as stream:
            outcome = import_cases(
                stream, job.original_name or job.file.name, commit=commit, progress=_progress(job_pk)
            )
    except Exception:
        # Only the job id and the exception: a row's content may carry what a caller said.
        logger.exception("hotline case import %s failed", job_pk)
        with translation.override(settings.LANGUAGE_CODE):
            message = _(
                "An unexpected error occurred while importing. It has been recorded for the administrator."
            )
        _end(job, message)  # the file and the sample rows go, whatever the end
        if commit:
            _record_import(job, None, user, address)
        else:
            record_refused_upload(Case, str(job), "failed", user=user, address=address)
        raise
    state = refused if outcome.refused else passed
    logger.info(
        "hotline case import %s: %s rows, %s new, %s changed, %s unchanged, %s refused",
        job_pk,
        outcome.rows,
        outcome.new,
        outcome.changed,
        outcome.unchanged,
        outcome.errors.refused_rows,
    )
    result = outcome.as_dict()
    if state != CaseImport.State.CHECKED:
        result["sample"] = []  # the file's rows: shown only while the import may be confirmed
    CaseImport.objects.filter(pk=job_pk).update(
        state=state, rows_done=outcome.rows, result=result, finished_at=timezone.now()
    )
    cache.delete(progress_key(job_pk))
    if state != CaseImport.State.CHECKED:
        _discard_file(job)
    if commit:
        _record_import(job, outcome, user, address)
    elif outcome.refused:
        record_refused_upload(
            Case,
            str(job),
            "; ".join(outcome.file_errors) or "rows refused",
            user=user,
            address=address,
            rows=outcome.rows,
            refused_rows=outcome.errors.refused_rows,
        )


def _user(pk):
    return get_user_model()._default_manager.filter(pk=pk).first()


def _record_import(job: CaseImport, outcome, user, address) -> None:
    """The confirmed import's one entry: file, counts and result (no row's content)."""
    details = {"file": str(job)[:255], "result": "failed"}
    if outcome is not None:
        details.update(
            rows=outcome.rows,
            new=outcome.new,
            updated=outcome.changed,
            skipped=outcome.unchanged,
            errors=outcome.errors.refused_rows + len(outcome.file_errors),
            result="imported" if outcome.committed else "refused",
        )
    record(Action.IMPORT, user=user, address=address, model=Case, details=details)


def _discard_file(job: CaseImport) -> None:
    """The uploaded export carries callers' phones and names: kept only until the import is over."""
    if job.file:
        job.file.delete(save=False)
    CaseImport.objects.filter(pk=job.pk).update(file="")
    cache.delete(progress_key(job.pk))


def _end(job: CaseImport, message, **fields) -> None:
    """End a job that cannot go on: its file and sample rows deleted, the reason shown."""
    result = {**(job.result or {}), "sample": [], "file_errors": [str(message)], "committed": False}
    CaseImport.objects.filter(pk=job.pk).update(
        state=CaseImport.State.FAILED, result=result, finished_at=timezone.now(), **fields
    )
    _discard_file(job)


def sweep_case_jobs() -> int:
    """Files never confirmed in time (checked, or still queued for their check) end, file and
    sample deleted; jobs past ``IMPORT_JOB_RETENTION_DAYS`` are deleted. Registered in
    ``units.import_jobs``."""
    with translation.override(settings.LANGUAGE_CODE):  # stored as the worker stores its messages
        message = str(
            _(
                "This import waited for confirmation longer than %(hours)s hours, so the uploaded file "
                "was deleted. Nothing was imported. Please upload the file again."
            )
            % {"hours": f"{settings.IMPORT_PENDING_MAX_AGE_HOURS:g}"}
        )
    touched = give_up_stalled_jobs()
    for job in CaseImport.objects.filter(
        state=CaseImport.State.CHECKED, finished_at__lt=unconfirmed_before()
    ):
        if CaseImport.objects.filter(pk=job.pk, state=CaseImport.State.CHECKED).update(
            state=CaseImport.State.FAILED
        ):
            _end(job, message)
            touched += 1
    # Never checked either (no worker took it up in all that time): the file goes all the same.
    for job in CaseImport.objects.filter(state=CaseImport.State.QUEUED, created_at__lt=unconfirmed_before()):
        if CaseImport.objects.filter(pk=job.pk, state=CaseImport.State.QUEUED).update(
            state=CaseImport.State.FAILED
        ):
            _end(job, message)
            touched += 1
    # A job queued that long ago will never run; one checking or importing is the stall rule's.
    running = [CaseImport.State.CHECKING, CaseImport.State.IMPORTING]
    old = CaseImport.objects.filter(created_at__lt=retained_after()).exclude(state__in=running)
    for job in old:
        _discard_file(job)
    return touched + old.delete()[0]


def give_up_stalled_jobs() -> int:
    """Jobs still checking or importing well past their time budget lost their worker (stopped or
    crashed mid-job): they are marked failed, their file deleted, so their pages stop waiting.

    Nothing of theirs was written: the import runs in one transaction, which the lost
    connection rolled back. A job within its budget stops itself (``hotline.case_import``).
    """
    limit = timezone.now() - timedelta(seconds=settings.IMPORT_TIME_LIMIT_SECONDS + STALL_MARGIN_SECONDS)
    with translation.override(settings.LANGUAGE_CODE):  # stored as the worker stores its messages
        message = str(
            _(
                "The background worker stopped before this job was over. Nothing was written. "
                "Please upload the file again."
            )
        )
    stalled = 0
    running = [CaseImport.State.CHECKING, CaseImport.State.IMPORTING]
    for job in CaseImport.objects.filter(state__in=running, started_at__lt=limit):
        if CaseImport.objects.filter(pk=job.pk, state=job.state, started_at=job.started_at).update(
            state=CaseImport.State.FAILED
        ):
            _end(job, message)
            stalled += 1
            logger.warning("hotline case import %s: no progress past its time budget; marked failed", job.pk)
    return stalled


@task()
def check_case_file(job_pk: int, address: str | None = None) -> None:
    """The dry run: counts, first errors, header mapping and a sample; nothing written."""
    if not CaseImport.objects.filter(pk=job_pk, state=CaseImport.State.QUEUED).update(
        state=CaseImport.State.CHECKING, rows_done=0, started_at=timezone.now()
    ):
        logger.warning("hotline case import %s: not waiting for a check; not run", job_pk)
        return
    _run(
        job_pk,
        commit=False,
        passed=CaseImport.State.CHECKED,
        refused=CaseImport.State.REFUSED,
        address=address,
    )


@task()
def import_case_file(job_pk: int, user_pk: int | None = None, address: str | None = None) -> None:
    """The confirmed import: all or nothing, then the touched months rolled up; one audit entry
    for ``user_pk``, who confirmed it from ``address``.

    Taken up once: of two tasks for one job (a double click raced past the confirm's own
    check), the second finds it started and does nothing.
    """
    if not CaseImport.objects.filter(pk=job_pk, state=CaseImport.State.IMPORTING, started_at=None).update(
        rows_done=0, started_at=timezone.now()
    ):
        logger.warning("hotline case import %s: not confirmed, or already taken up; not run", job_pk)
        return
    _run(
        job_pk,
        commit=True,
        passed=CaseImport.State.DONE,
        refused=CaseImport.State.FAILED,
        user_pk=user_pk,
        address=address,
    )
