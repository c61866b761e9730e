"""Case import jobs (the platform's export as an ``ImportJob``) never hang: a time limit, stall
detection, one import per confirmation and only by the uploader, the file and its sample gone
when the job ends, and rows the database could not store refused at the check (never a crash
at the import)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from hotline.case_import import import_cases
from hotline.models import Case, Month
from imports import tasks
from imports.models import ImportJob
from imports.tasks import STALL_MARGIN_SECONDS
from tests.conftest import logged_in
from tests.kit.ledger import confirm_data
from tests.projects.test_import_export import HEADERS, upload, valid_row, write_xlsx

from .doors import DUMMY, checked_job, confirm, job_page, job_url, kept_file, token_on_page, upload_case_file
from .factories import case_file, case_row

pytestmark = pytest.mark.django_db
Status = ImportJob.Status


# One import per confirmation ---------------------------------------------------------------------


def test_a_double_click_on_confirm_imports_once_and_the_job_stays_done(client, office_admin, settings):
    settings.TASKS = DUMMY
    logged_in(client, office_admin)
    job = checked_job(client)
    token = token_on_page(client, job)
    first = confirm(client, job, token)
    second = confirm(client, job, token)  # the second click, from the same page

    assert first.status_code == second.status_code == 302
    assert "此次导入已失效" in client.get(second["Location"]).text  # told, not imported twice
    job.refresh_from_db()
    assert job.status == Status.IMPORTING and job.confirmed_by == office_admin
    # Two tasks for the job (two requests that both read it as checked): only one runs.
    tasks.run_import.call(job.pk, office_admin.pk)
    tasks.run_import.call(job.pk, office_admin.pk)

    job.refresh_from_db()
    assert job.status == Status.DONE and job.new == 2
    assert Case.objects.count() == 2


def test_a_check_task_run_twice_checks_once(client, office_admin, settings):
    settings.TASKS = DUMMY
    logged_in(client, office_admin)
    job = checked_job(client)
    tasks.check_import.call(job.pk)  # again, after the check is over
    job.refresh_from_db()
    assert job.status == Status.CHECKED and kept_file(job)


def test_only_the_uploader_confirms_another_office_member_s_post_imports_nothing(client, office_admin):
    """One rule for every kind of file: the person who checked the preview confirms it (the case
    list's former action, by which any office member imported anyone's checked files, is gone)."""
    from imports.services import confirm_token
    from tests.units.factories import make_user
    from units.roles import OFFICE_ADMIN

    logged_in(client, office_admin)
    job = checked_job(client)
    uploader_token = token_on_page(client, job)
    colleague = make_user("office-2", OFFICE_ADMIN)
    logged_in(client, colleague)

    page = job_page(client, job)  # the office reads every case job, but is not offered the button
    assert token_on_page(client, job) is None and "只有上传该文件的人才能确认此次导入" in page
    replayed = confirm(client, job, uploader_token)  # the uploader's button, posted by someone else
    assert "确认内容与预览不符" in client.get(replayed["Location"]).text
    own_token = confirm(client, job, confirm_token(job, colleague))  # genuine, but not the uploader
    assert "此次导入已失效" in client.get(own_token["Location"]).text

    job.refresh_from_db()
    assert job.status == Status.CHECKED and job.confirmed_by is None and kept_file(job)
    assert not Case.objects.exists() and not AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT)

    logged_in(client, office_admin)
    confirm(client, job, uploader_token)  # the uploader still can
    job.refresh_from_db()
    assert job.status == Status.DONE and job.confirmed_by == office_admin and Case.objects.count() == 2


def test_a_confirmed_case_import_leaves_one_audit_entry_even_when_clicked_twice(client, office_admin):
    logged_in(client, office_admin)
    job = upload_case_file(client, case_file([case_row("GD1"), case_row("GD2")]), "六月工单.csv")
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT)  # the check is not an import
    token = token_on_page(client, job)

    confirm(client, job, token)
    confirm(client, job, token)

    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT)
    assert entry.user == office_admin and entry.address == "127.0.0.1"
    assert entry.object_type.model == "case"
    assert entry.details == {
        "file": "六月工单.csv",
        "rows": 2,
        "new": 2,
        "updated": 0,
        "skipped": 0,
        "errors": 0,
        "result": "imported",
    }


# Time limit and stall ---------------------------------------------------------------------------


def test_an_import_past_its_time_budget_stops_and_writes_nothing(db, settings):
    settings.IMPORT_TIME_LIMIT_SECONDS = 0  # every import is over its budget at once
    outcome = import_cases(io.BytesIO(case_file([case_row("GD1"), case_row("GD2")])), "工单.csv", commit=True)
    assert outcome.refused and not outcome.committed
    assert "停止" in outcome.file_errors[0] and "0 秒" in outcome.file_errors[0]
    assert not Case.objects.exists()


def test_a_job_whose_worker_stopped_ends_failed_instead_of_importing_forever(client, office_admin, settings):
    settings.TASKS = DUMMY
    logged_in(client, office_admin)
    lost = checked_job(client)
    busy = checked_job(client, [case_row("GD5")])
    assert lost.preview["rows"] and kept_file(lost)
    budget = settings.IMPORT_TIME_LIMIT_SECONDS + STALL_MARGIN_SECONDS
    now = timezone.now()
    ImportJob.objects.filter(pk=lost.pk).update(
        status=Status.IMPORTING, started_at=now - datetime.timedelta(seconds=budget + 5)
    )
    ImportJob.objects.filter(pk=busy.pk).update(
        status=Status.IMPORTING, started_at=now - datetime.timedelta(seconds=budget - 60)
    )

    page = job_page(client, lost)

    lost.refresh_from_db()
    assert lost.status == Status.FAILED and lost.finished_at is not None
    assert "后台任务进程在此任务完成前已停止" in page
    assert not kept_file(lost) and lost.preview == {}  # the file and its rows go with it
    busy.refresh_from_db()
    assert busy.status == Status.IMPORTING and kept_file(busy)  # within its budget: left to run

    ImportJob.objects.filter(pk=busy.pk).update(started_at=now - datetime.timedelta(seconds=budget + 5))
    client.get(reverse("admin:imports_importjob_changelist"))  # the list gives up on it too
    busy.refresh_from_db()
    assert busy.status == Status.FAILED and not kept_file(busy)
    assert not Case.objects.exists()


# No caller's data at rest -----------------------------------------------------------------------


def test_a_refused_case_file_is_deleted_and_writes_nothing(client, office_admin, settings):
    settings.TASKS = DUMMY
    logged_in(client, office_admin)
    job = upload_case_file(client, case_file([case_row("GD1"), case_row("GD2", received="2021-02-30 09:00")]))
    assert kept_file(job)

    tasks.check_import.call(job.pk)

    job.refresh_from_db()
    assert job.status == Status.REFUSED and job.errors[0][0] == 3 and job.error_count == 1
    assert not kept_file(job) and job.preview == {}
    assert not Case.objects.exists() and not Month.objects.exists()


def test_a_case_file_never_confirmed_is_swept_and_old_jobs_are_pruned(client, office_admin, settings):
    settings.TASKS = DUMMY
    logged_in(client, office_admin)
    waited_too_long = checked_job(client, [case_row("GD1")])
    fresh = checked_job(client, [case_row("GD7")])
    never_checked = upload_case_file(client, case_file([case_row("GD8")]))  # no worker took it up
    past_retention = checked_job(client, [case_row("GD9")])
    waited = datetime.timedelta(hours=settings.IMPORT_PENDING_MAX_AGE_HOURS, minutes=1)
    now = timezone.now()
    ImportJob.objects.filter(pk=waited_too_long.pk).update(finished_at=now - waited)
    ImportJob.objects.filter(pk=never_checked.pk).update(created_at=now - waited)
    retained = datetime.timedelta(days=settings.IMPORT_JOB_RETENTION_DAYS, minutes=1)
    ImportJob.objects.filter(pk=past_retention.pk).update(
        created_at=now - retained, finished_at=now - retained
    )

    call_command("sweep_pending_imports")

    waited_too_long.refresh_from_db()
    assert waited_too_long.status == Status.FAILED and waited_too_long.preview == {}
    assert not kept_file(waited_too_long)
    page = job_page(client, waited_too_long)
    assert "等待确认超过" in page and "GD1" not in page
    never_checked.refresh_from_db()
    assert never_checked.status == Status.FAILED and not kept_file(never_checked)
    assert not ImportJob.objects.filter(pk=past_retention.pk).exists() and not kept_file(past_retention)
    fresh.refresh_from_db()
    assert fresh.status == Status.CHECKED and kept_file(fresh)  # within its time: kept
    assert [path.name for path in settings.IMPORT_PENDING_DIR.rglob("*") if path.is_file()] == [
        f"{office_admin.pk}-{fresh.pending_name}"
    ]
    assert not Case.objects.exists()


# Rows the database could not store --------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"承办单位": "市城管\x00局"}, "承办单位"),
        ({"受理时间": "0001-01-01 00:00"}, "受理时间"),
        ({"受理时间": "9999-12-30 09:00", "应办结时间": 900}, "应办结时间"),
    ],
)
def test_a_row_the_database_cannot_store_is_a_row_error_at_the_check(db, cells, column):
    rows = [case_row("GD1"), case_row("GD2", **cells)]
    checked = import_cases(io.BytesIO(case_file(rows)), "工单.csv", commit=False)
    assert checked.refused and [error["row"] for error in checked.errors.first] == [3]
    assert column in " ".join(checked.errors.first[0]["messages"])
    imported = import_cases(io.BytesIO(case_file(rows)), "工单.csv", commit=True)  # never a crash
    assert imported.refused and not Case.objects.exists()


# Ledger imports keep the same rules -------------------------------------------------------------


@pytest.mark.parametrize("value", ["99999999999999999999", "9223372036854775808"])
def test_a_ledger_number_too_large_to_store_is_a_row_error_at_the_check(
    client, office_admin, round_, unit_a, value
):
    from projects.models import Project

    client = logged_in(client, office_admin)
    rows = [HEADERS, valid_row(round_.name, 项目名称="第一行"), valid_row(round_.name, 受益人数=value)]
    preview = upload(client, write_xlsx(rows))
    job = preview.context["job"]
    assert job.status == ImportJob.Status.REFUSED, job.errors
    assert [line for line, _message in job.errors] == [3]  # the second data row, as Excel numbers it
    assert "受益人数" in job.errors[0][1]
    assert not Project.objects.exists()


def test_a_ledger_double_confirm_imports_once(client, office_admin, round_, unit_a, settings):
    from projects.models import Project

    client = logged_in(client, office_admin)
    preview = upload(client, write_xlsx([HEADERS, valid_row(round_.name)]))
    settings.TASKS = DUMMY
    data = confirm_data(preview)
    client.post(preview.context["confirm_url"], data)
    client.post(preview.context["confirm_url"], data)
    from imports import tasks as ledger_tasks

    job = preview.context["job"]
    ledger_tasks.run_import.call(job.pk, office_admin.pk)
    ledger_tasks.run_import.call(job.pk, office_admin.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Project.objects.count() == 1


def test_the_page_shows_how_far_the_check_of_a_case_file_has_read(client, office_admin, settings):
    """The case export is streamed, its length unknown until the end: the page still tells
    how many rows were read, not that it waits for a worker."""
    settings.TASKS = DUMMY
    logged_in(client, office_admin)

    job = upload_case_file(client, case_file([case_row("GD1")]))
    ImportJob.objects.filter(pk=job.pk).update(status=Status.CHECKING, started_at=timezone.now())
    tasks._progress(job.pk)(4000)  # what the engine reports every hundred rows

    page = job_page(client, job)

    assert "已读取4000行" in page and "等待后台任务" not in page


@pytest.mark.django_db(transaction=True)
def test_the_page_shows_an_import_moving_while_its_transaction_is_open(client, office_admin, settings):
    """The import writes its cases in one transaction; the rows it has read show on the job's
    page (another request, another connection) before that transaction ends."""
    import threading

    from django.db import connection, transaction
    from django.test import Client

    if connection.vendor != "postgresql":
        pytest.skip(
            "a second connection during an open write needs PostgreSQL (SQLite's test database is one writer at a time); CI runs this on PG"
        )
    settings.TASKS = DUMMY
    logged_in(client, office_admin)
    job = checked_job(client)
    confirm(client, job)
    ImportJob.objects.filter(pk=job.pk).update(rows_total=5000)  # as the check of a longer file counted
    seen = {}

    def look():
        other = Client()
        other.force_login(office_admin)
        seen["page"] = other.get(job_url(job)).text
        connection.close()

    with transaction.atomic():  # the import's transaction, as the worker holds it
        tasks._progress(job.pk)(4000)
        reader = threading.Thread(target=look)
        reader.start()
        reader.join(60)

    assert "已读取 4000 / 5000 行" in seen["page"], seen.get("page", "")[-3000:]
