"""The import as production runs it: queued in the database, picked up by ``manage.py db_worker``."""

import pytest
from django.core.management import call_command

from hotline.models import Case
from imports.models import ImportJob
from tests.conftest import logged_in

from .doors import confirm, job_page, kept_file, upload_case_file
from .factories import case_file, case_row

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")


@pytest.mark.django_db(transaction=True)
def test_upload_returns_at_once_and_the_worker_checks_then_imports(client, office_admin, settings):
    settings.TASKS = DATABASE_BACKEND
    logged_in(client, office_admin)
    job = upload_case_file(client, case_file([case_row("GD1"), case_row("GD2")], fmt="xlsx"), "导出.xlsx")
    assert job.status == ImportJob.Status.QUEUED  # the request did not do the work

    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and job.new == 2
    assert not Case.objects.exists()
    assert "GD1" in job_page(client, job)  # the sample rows, while the import waits for confirmation

    confirm(client, job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING and not Case.objects.exists()  # queued, not run
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Case.objects.count() == 2
    page = job_page(client, job)
    assert "GD1" not in page and job.new == 2  # the counts stay, the file's rows do not
    assert not kept_file(job) and job.preview == {}


def far_cell_xlsx() -> bytes:
    """A few kilobytes: a header at A1 and one cell at XFD1048576, the last cell a sheet has
    (the xlsx reader would ask for hundreds of gigabytes)."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "工单编号"
    book.active["XFD1048576"] = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def queued_case_job(user, name: str, content: bytes) -> ImportJob:
    """A case file that reached the queue without the upload page's guards (an older upload)."""
    from django.contrib.contenttypes.models import ContentType

    from imports import tasks
    from imports.pending import PendingImportStorage

    pending = PendingImportStorage(owner_id=user.pk, read_mode="rb")
    pending.save(content)
    job = ImportJob.objects.create(
        created_by=user,
        ledger=ContentType.objects.get_for_model(Case),
        file_name=name,
        file_format=0,  # xlsx
        pending_name=pending.name,
    )
    tasks.check_import.enqueue(job.pk)
    return job


@pytest.mark.django_db(transaction=True)
def test_the_worker_refuses_a_bad_xlsx_in_chinese_and_goes_on_with_the_next_case_file(office_admin, settings):
    settings.TASKS = DATABASE_BACKEND
    bomb = queued_case_job(office_admin, "炸弹.xlsx", far_cell_xlsx())
    broken = queued_case_job(office_admin, "坏.xlsx", b"PK\x03\x04 not really a workbook")
    good = queued_case_job(office_admin, "好.xlsx", case_file([case_row("GD1")], fmt="xlsx"))

    run_worker()

    bomb.refresh_from_db()
    assert bomb.status == ImportJob.Status.REFUSED and "XFD1048576" in bomb.errors[0][1]
    broken.refresh_from_db()
    assert broken.status == ImportJob.Status.REFUSED and "无法按xlsx格式读取该文件" in broken.errors[0][1]
    assert not kept_file(bomb) and not kept_file(broken)
    good.refresh_from_db()
    assert good.status == ImportJob.Status.CHECKED and good.new == 1
    assert not Case.objects.exists()
