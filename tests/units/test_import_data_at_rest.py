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

from hotline import tasks as hotline_tasks
from hotline.models import Case, CaseImport
from imports.pending import PendingImportStorage
from projects.models import Project
from tests.conftest import logged_in
from tests.hotline.factories import case_file, case_row
from tests.kit.ledger import confirm_data
from tests.projects.test_import_export import HEADERS, upload, valid_row, write_xlsx
from imports import tasks
from imports.models import ImportJob

pytestmark = pytest.mark.django_db
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
PHONE = "13812345678"


def files_under(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def upload_case_file(client, content: bytes, name="导出.csv") -> CaseImport:
    response = client.post(
        reverse("admin:hotline_caseimport_add"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302, response.text[-2000:]
    return CaseImport.objects.latest("pk")


def summary(client, job) -> str:
    return client.get(reverse("admin:hotline_caseimport_change", args=[job.pk])).text


# Case files ---------------------------------------------------------------------------------


def test_a_case_file_waits_outside_media_root_and_goes_when_its_import_is_done(
    client, office_admin, settings
):
    settings.TASKS = DUMMY  # stored and queued; the test runs the jobs as the worker would
    logged_in(client, office_admin)
    job = upload_case_file(client, case_file([case_row("GD1"), case_row("GD2")]))

    stored = job.file.path
    assert stored.startswith(str(settings.IMPORT_PENDING_DIR))
    assert not files_under(settings.MEDIA_ROOT)  # nothing a web server serves or a media backup takes

    hotline_tasks.check_case_file.call(job.pk)
    job.refresh_from_db()
    assert job.state == CaseImport.State.CHECKED and "GD1" in summary(client, job)  # the sample, to confirm
    assert files_under(settings.IMPORT_PENDING_DIR)

    client.post(
        reverse("admin:hotline_caseimport_changelist"),
        {"action": "confirm_import", "_selected_action": [job.pk]},
    )
    hotline_tasks.import_case_file.call(job.pk)  # what the worker does

    job.refresh_from_db()
    assert job.state == CaseImport.State.DONE and Case.objects.count() == 2
    assert not job.file and not files_under(settings.IMPORT_PENDING_DIR)
    assert job.result["sample"] == [] and "GD1" not in summary(client, job)
    assert job.result["new"] == 2  # the counts stay


def test_a_refused_case_file_is_deleted_with_its_sample(client, office_admin, settings):
    settings.TASKS = DUMMY
    logged_in(client, office_admin)
    job = upload_case_file(client, case_file([case_row("GD1"), case_row("GD2", received="2021-02-30 09:00")]))

    hotline_tasks.check_case_file.call(job.pk)

    job.refresh_from_db()
    assert job.state == CaseImport.State.REFUSED
    assert not job.file and not files_under(settings.IMPORT_PENDING_DIR)
    assert job.result["sample"] == [] and job.result["first_errors"][0]["row"] == 3


def test_a_case_file_never_confirmed_is_swept_with_its_sample(client, office_admin, settings):
    settings.TASKS = DUMMY
    logged_in(client, office_admin)
    job = upload_case_file(client, case_file([case_row("GD1")]))
    hotline_tasks.check_case_file.call(job.pk)
    fresh = upload_case_file(client, case_file([case_row("GD7")]))
    hotline_tasks.check_case_file.call(fresh.pk)
    never_checked = upload_case_file(client, case_file([case_row("GD8")]))  # no worker took it up
    waited = datetime.timedelta(hours=settings.IMPORT_PENDING_MAX_AGE_HOURS, minutes=1)
    CaseImport.objects.filter(pk=job.pk).update(finished_at=timezone.now() - waited)
    CaseImport.objects.filter(pk=never_checked.pk).update(created_at=timezone.now() - waited)

    call_command("sweep_pending_imports")

    job.refresh_from_db()
    assert job.state == CaseImport.State.FAILED and not job.file and job.result["sample"] == []
    page = summary(client, job)
    assert "等待确认超过" in page and "GD1" not in page
    never_checked.refresh_from_db()
    assert never_checked.state == CaseImport.State.FAILED and not never_checked.file
    fresh.refresh_from_db()
    assert fresh.state == CaseImport.State.CHECKED and fresh.file  # within its time: kept
    assert [str(path) for path in files_under(settings.IMPORT_PENDING_DIR)] == [fresh.file.path]


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
    ledger_old, ledger_new = ImportJob.objects.order_by("pk")
    tasks.check_import.call(ledger_old.pk)
    long_ago = timezone.now() - datetime.timedelta(days=settings.IMPORT_JOB_RETENTION_DAYS, hours=1)
    CaseImport.objects.filter(pk=case_old.pk).update(created_at=long_ago)
    ImportJob.objects.filter(pk=ledger_old.pk).update(created_at=long_ago)
    old_file = case_old.file.path

    call_command("sweep_pending_imports")

    assert list(CaseImport.objects.values_list("pk", flat=True)) == [case_new.pk]
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [ledger_new.pk]
    assert old_file not in [str(path) for path in files_under(settings.IMPORT_PENDING_DIR)]
    assert not PendingImportStorage(name=ledger_old.pending_name, owner_id=office_admin.pk).exists()


def test_a_case_import_that_fails_unexpectedly_keeps_neither_file_nor_sample(client, office_admin, settings):
    settings.TASKS = DUMMY
    logged_in(client, office_admin)
    job = upload_case_file(client, case_file([case_row("GD1")]))
    hotline_tasks.check_case_file.call(job.pk)
    client.post(
        reverse("admin:hotline_caseimport_changelist"),
        {"action": "confirm_import", "_selected_action": [job.pk]},
    )
    job.refresh_from_db()
    Path(job.file.path).unlink()  # lost from the disk before the worker took it: an internal error

    with pytest.raises(Exception):  # noqa: B017  (recorded by the worker as the task's failure)
        hotline_tasks.import_case_file.call(job.pk)

    job.refresh_from_db()
    assert job.state == CaseImport.State.FAILED and not job.file and job.result["sample"] == []
    assert not files_under(settings.IMPORT_PENDING_DIR)
    page = summary(client, job)
    assert "意外错误" in page and "GD1" not in page


def test_the_migration_moves_waiting_case_files_out_of_media_root_and_deletes_the_rest(
    office_admin, settings
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("hotline.migrations.0003_caseimport_private_storage")
    old_folder = settings.MEDIA_ROOT / "hotline-imports"
    old_folder.mkdir(parents=True)
    (old_folder / "waiting.csv").write_bytes(case_file([case_row("GD1")]))
    (old_folder / "left-over.csv").write_bytes(b"13912345678")
    waiting = CaseImport.objects.create(file="hotline-imports/waiting.csv", state=CaseImport.State.CHECKED)

    migration.move_waiting_files(apps, None)

    assert not files_under(settings.MEDIA_ROOT)
    assert [path.name for path in files_under(settings.IMPORT_PENDING_DIR)] == ["waiting.csv"]
    with waiting.file.open("rb") as moved:
        assert b"GD1" in moved.read()
