"""The import as production runs it: queued in the database, picked up by ``manage.py db_worker``."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from hotline.models import Case, CaseImport
from tests.conftest import logged_in

from .factories import case_file, case_row

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_upload_returns_at_once_and_the_worker_checks_then_imports(client, office_admin, settings):
    settings.TASKS = DATABASE_BACKEND
    logged_in(client, office_admin)
    response = client.post(
        reverse("admin:hotline_caseimport_add"),
        {"file": SimpleUploadedFile("导出.xlsx", case_file([case_row("GD1"), case_row("GD2")], fmt="xlsx"))},
    )
    assert response.status_code == 302
    job = CaseImport.objects.get()
    assert job.state == CaseImport.State.QUEUED  # the request did not do the work

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    job.refresh_from_db()
    assert job.state == CaseImport.State.CHECKED and job.result["new"] == 2
    assert not Case.objects.exists()
    summary = client.get(reverse("admin:hotline_caseimport_change", args=[job.pk])).text
    assert "GD1" in summary  # the sample rows, while the import waits for confirmation

    client.post(
        reverse("admin:hotline_caseimport_changelist"),
        {"action": "confirm_import", "_selected_action": [job.pk]},
    )
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    job.refresh_from_db()
    assert job.state == CaseImport.State.DONE and Case.objects.count() == 2
    summary = client.get(reverse("admin:hotline_caseimport_change", args=[job.pk])).text
    assert "GD1" not in summary and job.result["new"] == 2  # the counts stay, the file's rows do not
