"""The case export's import as staff drive it: the upload page, the job page, its confirm button.

Every kind of file is an ``imports.models.ImportJob`` now; the case export (工单导出) has its
own upload page (no ledger admin takes it), then the shared job page and confirmation.
"""

import html
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hotline.models import Case
from imports import tasks
from imports.models import ImportJob
from imports.pending import PendingImportStorage

from .factories import case_file, case_row

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
TOKEN = re.compile(r'<input type="hidden" name="token" value="([^"]+)"')


def upload_url() -> str:
    return reverse("admin:imports_importjob_upload", args=["hotline.case"])


def job_url(job) -> str:
    return reverse("admin:imports_importjob_change", args=[job.pk])


def confirm_url(job) -> str:
    return reverse("admin:imports_importjob_confirm", args=[job.pk])


def upload_case_file(client, content: bytes, name="导出.csv") -> ImportJob:
    response = client.post(upload_url(), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.text[-2000:]
    job = ImportJob.objects.latest("pk")
    assert response["Location"] == job_url(job)
    return job


def job_page(client, job) -> str:
    response = client.get(job_url(job))
    assert response.status_code == 200
    return response.text


def token_on_page(client, job) -> str | None:
    """The confirm button's token, as the job page hands it to whoever looks at it (or None)."""
    found = TOKEN.search(job_page(client, job))
    return html.unescape(found.group(1)) if found else None


def confirm(client, job, token=None):
    """Press the job page's confirm button (its hidden token, unless one is given)."""
    if token is None:
        token = token_on_page(client, job)
        assert token, "the job page offers no confirm button"
    return client.post(confirm_url(job), {"token": token})


def checked_job(client, rows=None) -> ImportJob:
    """A case file uploaded by the client's user and checked (the check run as the worker runs it,
    whichever task backend the test has)."""
    job = upload_case_file(client, case_file(rows or [case_row("GD1"), case_row("GD2")]))
    tasks.check_import.call(job.pk)  # a no-op if the immediate backend already checked it
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED, job.errors
    assert not Case.objects.exists()
    return job


def kept_file(job) -> bool:
    """Whether the job's upload is still in the private pending store."""
    return PendingImportStorage(name=job.pending_name, owner_id=job.created_by_id).exists()
