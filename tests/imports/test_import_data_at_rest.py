"""No personal data at rest, for every kind of import job (ledgers and the hotline's case files).

Uploads wait in the private folder, never under MEDIA_ROOT, and are deleted when their job
ends, whatever the end; never-confirmed jobs are swept; previews are emptied once a job
ends; job rows are deleted after IMPORT_JOB_RETENTION_DAYS.
"""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from hotline.models import Case
from imports import tasks
from imports.models import ImportJob
from imports.pending import PendingImportStorage, pending_folder
from projects.models import Project
from tests.conftest import logged_in
from tests.hotline.factories import case_file, case_row
from tests.kit.ledger import confirm_data
from tests.projects.test_import_export import HEADERS, upload, valid_row, write_xlsx

pytestmark = pytest.mark.django_db
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
PHONE = "13812345678"


def files_under(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def upload_case_file(client, content: bytes, name="导出.csv") -> ImportJob:
    response = client.post(
        reverse("admin:imports_importjob_upload", args=["hotline.case"]),
        {"file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 302, response.text[-2000:]
    return ImportJob.objects.latest("pk")


def summary(client, job) -> str:
    return client.get(reverse("admin:imports_importjob_change", args=[job.pk])).text


def confirm(client, job):
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    token = page.context["confirm_form"].initial["token"]
    return client.post(reverse("admin:imports_importjob_confirm", args=[job.pk]), {"token": token})


def stored(job) -> Path:
    return PendingImportStorage(name=job.pending_name, owner_id=job.created_by_id).path


# Case files ---------------------------------------------------------------------------------


def test_a_case_file_waits_outside_media_root_and_goes_when_its_import_is_done(
    client, office_admin, settings
):
    settings.TASKS = DUMMY  # stored and queued; the test runs the jobs as the worker would
    logged_in(client, office_admin)
    job = upload_case_file(client, case_file([case_row("GD1"), case_row("GD2")]))

    assert stored(job).is_file() and str(stored(job)).startswith(str(settings.IMPORT_PENDING_DIR))
    assert not files_under(settings.MEDIA_ROOT)  # nothing a web server serves or a media backup takes

    tasks.check_import.call(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and "GD1" in summary(client, job)  # the sample, to confirm
    assert files_under(settings.IMPORT_PENDING_DIR)

    confirm(client, job)
    tasks.run_import.call(job.pk, office_admin.pk)  # what the worker does

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Case.objects.count() == 2
    assert not files_under(settings.IMPORT_PENDING_DIR)
    assert job.preview == {} and "GD1" not in summary(client, job)
    assert job.new == 2  # the counts stay


def test_a_refused_case_file_is_deleted_with_its_sample(client, office_admin, settings):
    settings.TASKS = DUMMY
    logged_in(client, office_admin)
    job = upload_case_file(client, case_file([case_row("GD1"), case_row("GD2", received="2021-02-30 09:00")]))

    tasks.check_import.call(job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.REFUSED
    assert not files_under(settings.IMPORT_PENDING_DIR)
    assert job.preview == {} and job.errors[0][0] == 3


def test_a_case_file_never_confirmed_is_swept_with_its_sample(client, office_admin, settings):
    settings.TASKS = DUMMY
    logged_in(client, office_admin)
    job = upload_case_file(client, case_file([case_row("GD1")]))
    tasks.check_import.call(job.pk)
    fresh = upload_case_file(client, case_file([case_row("GD7")]))
    tasks.check_import.call(fresh.pk)
    never_checked = upload_case_file(client, case_file([case_row("GD8")]))  # no worker took it up
    waited = datetime.timedelta(hours=settings.IMPORT_PENDING_MAX_AGE_HOURS, minutes=1)
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - waited)
    ImportJob.objects.filter(pk=never_checked.pk).update(created_at=timezone.now() - waited)

    call_command("sweep_pending_imports")

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and not stored(job).exists() and job.preview == {}
    page = summary(client, job)
    assert "等待确认超过" in page and "GD1" not in page
    never_checked.refresh_from_db()
    assert never_checked.status == ImportJob.Status.FAILED and not stored(never_checked).exists()
    fresh.refresh_from_db()
    assert fresh.status == ImportJob.Status.CHECKED and stored(fresh).exists()  # within its time: kept
    assert files_under(pending_folder()) == [stored(fresh)]


# Ledger imports -------------------------------------------------------------------------------


def test_a_ledger_preview_keeps_the_files_cells_only_until_the_job_ends(client, office_admin, round_, unit_a):
    client = logged_in(client, office_admin)
    preview = upload(client, write_xlsx([HEADERS, valid_row(round_.name, 负责人=PHONE)]))
    job = preview.context["job"]
    assert job.status == ImportJob.Status.CHECKED and PHONE in preview.text  # shown to confirm it

    client.post(preview.context["confirm_url"], confirm_data(preview))

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Project.objects.count() == 1
    assert job.preview == {} and job.new == 1
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    assert PHONE not in page.text


def test_a_refused_ledger_check_keeps_no_preview(client, office_admin, round_, unit_a):
    client = logged_in(client, office_admin)
    rows = [HEADERS, valid_row(round_.name, 负责人=PHONE), valid_row(round_.name, 责任单位="不存在的单位")]
    job = upload(client, write_xlsx(rows)).context["job"]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REFUSED and job.preview == {}


def test_a_ledger_import_never_confirmed_is_swept_with_its_preview(
    client, office_admin, round_, unit_a, settings
):
    client = logged_in(client, office_admin)
    preview = upload(client, write_xlsx([HEADERS, valid_row(round_.name, 负责人=PHONE)]))
    job = preview.context["job"]
    waited = datetime.timedelta(hours=settings.IMPORT_PENDING_MAX_AGE_HOURS, minutes=1)
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - waited)

    call_command("sweep_pending_imports")

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.preview == {}
    assert not PendingImportStorage(name=job.pending_name, owner_id=office_admin.pk).exists()
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    assert "等待确认超过" in page.text and PHONE not in page.text
    assert page.context["confirm_form"] is None
    assert not Project.objects.exists()


# Retention --------------------------------------------------------------------------------------


def test_job_rows_of_both_kinds_are_deleted_after_the_retention_period(
    client, office_admin, round_, unit_a, settings
):
    settings.TASKS = DUMMY
    client = logged_in(client, office_admin)
    case_old = upload_case_file(client, case_file([case_row("GD1")]))
    case_new = upload_case_file(client, case_file([case_row("GD2")]))
    for _upload in range(2):
        client.post(
            reverse("admin:projects_project_import"),
            {
                "format": 0,
                "resource": 0,
                "import_file": SimpleUploadedFile("台账.xlsx", write_xlsx([HEADERS, valid_row(round_.name)])),
            },
        )
    ledger_old, ledger_new = ImportJob.objects.filter(ledger__model="project").order_by("pk")
    tasks.check_import.call(ledger_old.pk)
    long_ago = timezone.now() - datetime.timedelta(days=settings.IMPORT_JOB_RETENTION_DAYS, hours=1)
    ImportJob.objects.filter(pk__in=[case_old.pk, ledger_old.pk]).update(created_at=long_ago)
    old_file = stored(case_old)

    call_command("sweep_pending_imports")

    assert list(ImportJob.objects.order_by("pk").values_list("pk", flat=True)) == [case_new.pk, ledger_new.pk]
    assert old_file not in files_under(settings.IMPORT_PENDING_DIR)
    assert not PendingImportStorage(name=ledger_old.pending_name, owner_id=office_admin.pk).exists()


def test_a_case_import_that_fails_keeps_neither_file_nor_sample(client, office_admin, settings):
    settings.TASKS = DUMMY
    logged_in(client, office_admin)
    job = upload_case_file(client, case_file([case_row("GD1")]))
    tasks.check_import.call(job.pk)
    confirm(client, job)
    job.refresh_from_db()
    stored(job).write_bytes(b"\xff\xfe\x00 not what was checked")  # changed on the disk meanwhile

    tasks.run_import.call(job.pk, office_admin.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.preview == {} and Case.objects.count() == 0
    assert not files_under(settings.IMPORT_PENDING_DIR)
    page = summary(client, job)
    assert "GD1" not in page and job.errors
