"""Background jobs of the case import: a 200,000-row file never holds a web request.

Run by ``python manage.py db_worker`` (django-tasks-db); ``make run`` starts one.
Each job records its state, the rows read so far and its result on the
``CaseImport`` row, which staff watch in the admin.
"""

import logging

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks import task

from audit.records import Action, record, record_refused_upload

from .case_import import import_cases
from .models import Case, CaseImport

logger = logging.getLogger(__name__)


def _progress(job_pk: int):
    def report(rows: int) -> None:  # once per batch of rows: about a hundred updates for a big file
        CaseImport.objects.filter(pk=job_pk).update(rows_done=rows)

    return report


def _run(
    job_pk: int, *, commit: bool, running: str, passed: str, refused: str, user_pk=None, address=None
) -> None:
    job = CaseImport.objects.select_related("created_by").get(pk=job_pk)
    # The check runs for the uploader; the import for whoever confirmed it.
    user = job.created_by if user_pk is None else _user(user_pk)
    CaseImport.objects.filter(pk=job_pk).update(state=running, rows_done=0)
    try:
        with job.file.open("rb") as stream:
            outcome = import_cases(
                stream, job.original_name or job.file.name, commit=commit, progress=_progress(job_pk)
            )
    except Exception:
        # Only the job id and the exception: a row's content may carry what a caller said.
        logger.exception("hotline case import %s failed", job_pk)
        CaseImport.objects.filter(pk=job_pk).update(state=CaseImport.State.FAILED, finished_at=timezone.now())
        _discard_file(job)
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
    CaseImport.objects.filter(pk=job_pk).update(
        state=state, rows_done=outcome.rows, result=outcome.as_dict(), finished_at=timezone.now()
    )
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
    job.file.delete(save=False)
    CaseImport.objects.filter(pk=job.pk).update(file="")


@task()
def check_case_file(job_pk: int, address: str | None = None) -> None:
    """The dry run: counts, first errors, header mapping and a sample; nothing written."""
    _run(
        job_pk,
        address=address,
        commit=False,
        running=CaseImport.State.CHECKING,
        passed=CaseImport.State.CHECKED,
        refused=CaseImport.State.REFUSED,
    )


@task()
def import_case_file(job_pk: int, user_pk: int | None = None, address: str | None = None) -> None:
    """The confirmed import: all or nothing, then the touched months rolled up; one audit entry
    for ``user_pk``, who confirmed it from ``address``."""
    _run(
        job_pk,
        user_pk=user_pk,
        address=address,
        commit=True,
        running=CaseImport.State.IMPORTING,
        passed=CaseImport.State.DONE,
        refused=CaseImport.State.FAILED,
    )
