"""Starting and confirming an import job: the two steps every door takes, in one place."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing

from .models import ImportJob
from .pending import PendingImportStorage

Status = ImportJob.Status


def start_job(engine, user, upload, *, file_format: int, address: str | None) -> ImportJob:
    """Keep ``upload`` privately for ``user`` and queue its check. The caller has already run
    the engine's guards (size, zip, the sheet's extent) on it."""
    from . import tasks

    tasks.sweep_import_jobs()  # old uploads and jobs of every kind go before a new one is kept
    pending = PendingImportStorage(owner_id=user.pk, read_mode="rb")
    pending.save(b"".join(upload.chunks()))
    job = ImportJob.objects.create(
        created_by=user,
        ledger=ContentType.objects.get_for_model(engine.model),
        file_name=upload.name[:255],
        file_format=file_format,
        pending_name=pending.name,
    )
    # The doors run outside a transaction (no ATOMIC_REQUESTS): the job's row is saved.
    tasks.check_import.enqueue(job.pk, address)
    return job


def confirm_signer(user) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"imports.job-confirm:{user.pk}")


def confirm_token(job, user) -> str:
    """The confirm button's token: signed for this user and this job."""
    return confirm_signer(user).sign_object({"job": job.pk, "ledger": job.ledger_id})


def token_job(token: str, user) -> tuple[int, int] | None:
    """(job, ledger) the token was issued to ``user`` for, if it is genuine and recent."""
    try:
        signed = confirm_signer(user).unsign_object(
            token or "", max_age=settings.IMPORT_PENDING_MAX_AGE_HOURS * 3600
        )
    except signing.BadSignature:
        return None
    if not isinstance(signed, dict):
        return None
    job, ledger = signed.get("job"), signed.get("ledger")
    return (job, ledger) if isinstance(job, int) and isinstance(ledger, int) else None


def confirm_job(job: ImportJob, user, address: str | None) -> bool:
    """Start the import the preview showed. Of two confirmations (a double click, a replay)
    only the one that moves the job on queues it; returns whether this one did."""
    from . import tasks

    if (
        job.pending_name
        and not PendingImportStorage(name=job.pending_name, owner_id=job.created_by_id).exists()
    ):
        return False
    started = ImportJob.objects.filter(pk=job.pk, status=Status.CHECKED).update(
        status=Status.IMPORTING, confirmed_by=user, rows_done=0, started_at=None, finished_at=None
    )
    if started:
        tasks.run_import.enqueue(job.pk, user.pk, address)
    return bool(started)
