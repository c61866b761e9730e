"""Ledger imports as background jobs: queued, checked, previewed, confirmed, imported.

Most tests run the jobs at once (the test settings' ImmediateBackend), so an upload's
response is already the finished check; those about the queue use the dummy backend,
which stores the job and runs nothing, and then run the job themselves, as the worker would.
"""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from imports import engines, tasks
from imports.models import ImportJob
from projects.models import Project
from tests.conftest import logged_in
from tests.kit.ledger import confirm_data, preview_errors
from tests.projects.test_import_export import HEADERS, IMPORT, confirm, upload, valid_row, write_xlsx

pytestmark = pytest.mark.django_db
Status = ImportJob.Status
MY_IMPORTS = reverse("admin:imports_importjob_changelist")
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def pending_dir(settings, tmp_path):
    settings.IMPORT_PENDING_DIR = tmp_path / "pending"
    return settings.IMPORT_PENDING_DIR


@pytest.fixture
def queue_only(settings):
    """Jobs are stored, not run: the page shows what staff see before the worker takes them."""
    settings.TASKS = DUMMY


def rows_file(round_name, count=1, **changes) -> bytes:
    return write_xlsx(
        [HEADERS] + [valid_row(round_name, 项目名称=f"项目{i}", **changes) for i in range(count)]
    )


def job_page(job) -> str:
    return reverse("admin:imports_importjob_change", args=[job.pk])


def post_upload(client, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        IMPORT, {"format": 0, "resource": 0, "import_file": SimpleUploadedFile("台账.xlsx", content)}
    )


# Queued, progress, preview.


def test_an_upload_is_queued_and_its_page_waits_for_the_worker(
    client, office_admin, round_, unit_a, queue_only
):
    client = logged_in(client, office_admin)
    response = post_upload(client, rows_file(round_.name, 3))

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == job_page(job)
    assert (job.status, job.created_by, job.file_name) == (Status.QUEUED, office_admin, "台账.xlsx")
    page = client.get(job_page(job))
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in page.text  # reloads itself while the job runs
    assert page.context["confirm_form"] is None
    assert not Project.objects.exists()

    tasks.check_import.call(job.pk)  # what the worker does

    job.refresh_from_db()
    assert (job.status, job.new, job.rows_total, job.rows_done) == (Status.CHECKED, 3, 3, 3)
    page = client.get(job_page(job))
    assert 'http-equiv="refresh"' not in page.text
    assert page.context["confirm_form"] is not None
    assert not Project.objects.exists()  # a check writes nothing


def test_a_running_job_shows_how_far_it_got(client, office_admin, round_, unit_a, queue_only):
    client = logged_in(client, office_admin)
    post_upload(client, rows_file(round_.name, 2))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=Status.CHECKING, rows_total=1000)
    cache.set(tasks.progress_key(job.pk), 300)

    page = client.get(job_page(job))

    assert page.context["rows_done"] == 300 and page.context["percent"] == 30
    assert "300" in page.text and "1000" in page.text and "<progress" in page.text


def test_the_preview_shows_counts_and_the_first_rows(client, office_admin, round_, unit_a):
    client = logged_in(client, office_admin)
    preview = upload(client, rows_file(round_.name, 30))

    job = preview.context["job"]
    assert (job.status, job.new, job.updated, job.unchanged, job.error_count) == (Status.CHECKED, 30, 0, 0, 0)
    shown = preview.context["preview"]["rows"]
    assert len(shown) == engines.PREVIEW_ROWS and all(kind == "new" for kind, _cells in shown)
    assert "项目0" in preview.text and "项目29" not in preview.text
    assert "项目名称" in preview.text


def test_refused_rows_are_listed_per_row_in_chinese_and_nothing_can_be_confirmed(
    client, office_admin, round_, unit_a, pending_dir
):
    client = logged_in(client, office_admin)
    rows = [
        HEADERS,
        valid_row(round_.name, 项目名称="第一行"),
        valid_row(round_.name, 项目名称="第二行", 责任单位="不存在的单位"),
        valid_row(round_.name, 项目名称="第三行"),
    ]
    preview = upload(client, write_xlsx(rows))

    job = preview.context["job"]
    assert job.status == Status.REFUSED and preview.context["confirm_form"] is None
    # The second data row is row 3 in Excel (the header is row 1), as the clerk sees it.
    assert [line for line, _message in job.errors] == [3]
    ((_line, message),) = job.errors
    assert message.startswith("责任单位: ") and "不存在的单位" in message  # the file's column, in Chinese
    # A refused file changed nothing: its good rows are not counted as new or "无变化".
    assert (job.new, job.updated, job.unchanged, job.error_count) == (0, 0, 0, 1)
    page = preview.content.decode()
    assert "count-unchanged" not in page and "count-new" not in page and "count-errors" in page
    assert not list(pending_dir.iterdir())  # the refused upload is not kept
    assert not Project.objects.exists()


# Confirm: the token, the import job, the audit entry.


def test_confirming_imports_in_a_job_and_records_one_audit_entry(client, office_admin, round_, unit_a):
    client = logged_in(client, office_admin)
    preview = upload(client, rows_file(round_.name, 3))
    job = preview.context["job"]

    response = confirm(client, preview)

    assert response.status_code == 302 and response.url == job_page(job)
    job.refresh_from_db()
    assert (job.status, job.new, job.rows_done) == (Status.DONE, 3, 3)
    assert Project.objects.count() == 3
    entry = AuditEntry.objects.get(action=AuditEntry.Action.IMPORT)
    assert (entry.user, entry.address) == (office_admin, "127.0.0.1")
    assert entry.details["new"] == 3 and entry.details["result"] == "imported"
    done = client.get(job_page(job))
    assert done.context["confirm_form"] is None and 'http-equiv="refresh"' not in done.text

    # A replay is refused, imports nothing more and records nothing more.
    again = client.post(preview.context["confirm_url"], confirm_data(preview), follow=True)
    assert again.redirect_chain[-1][0] == IMPORT
    assert Project.objects.count() == 3
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == 1


def test_a_token_for_another_user_or_ledger_is_refused(client, office_admin, editor_a, round_, unit_a):
    office = logged_in(client, office_admin)
    preview = upload(office, rows_file(round_.name))
    # The office sees an editor's job page, but only its uploader may confirm it.
    editor = logged_in(Client(), editor_a)
    theirs = upload(editor, rows_file(round_.name))
    assert office.get(theirs.request["PATH_INFO"]).context["confirm_form"] is None
    refused = office.post(theirs.context["confirm_url"], confirm_data(preview), follow=True)
    assert refused.redirect_chain[-1][0] == IMPORT
    # A genuine token of this user, for another of their jobs.
    other = upload(office, rows_file(round_.name))
    refused = office.post(other.context["confirm_url"], confirm_data(preview), follow=True)
    assert refused.redirect_chain[-1][0] == IMPORT
    assert not Project.objects.exists()
    assert ImportJob.objects.filter(status=Status.CHECKED).count() == 3


def test_a_job_page_is_its_uploaders_and_the_offices_only(
    client, editor_a, editor_b, office_admin, round_, unit_a
):
    editor = logged_in(client, editor_a)
    preview = upload(editor, rows_file(round_.name))
    url = preview.request["PATH_INFO"]
    assert logged_in(Client(), editor_b).get(url).status_code == 404
    assert logged_in(Client(), office_admin).get(url).status_code == 200
    # The ledger's own job address of before the job page was one leads to it.
    job = preview.context["job"]
    old = editor.get(f"/admin/projects/project/import/job/{job.pk}/")
    assert old.status_code == 302 and old["Location"] == url


def test_a_leader_reads_the_jobs_my_imports_lists_but_cannot_confirm_them(
    client, editor_a, leader, round_, unit_a
):
    preview = upload(logged_in(client, editor_a), rows_file(round_.name))
    job = preview.context["job"]
    reader = logged_in(Client(), leader)
    assert job_page(job) in reader.get(MY_IMPORTS).text
    page = reader.get(job_page(job))
    assert page.status_code == 200 and "台账.xlsx" in page.text
    assert page.context["confirm_form"] is None and reverse("admin:projects_project_import") not in page.text
    refused = reader.post(reverse("admin:imports_importjob_confirm", args=[job.pk]), confirm_data(preview))
    assert refused.status_code == 403
    assert not Project.objects.exists()
    assert ImportJob.objects.get().status == ImportJob.Status.CHECKED


def test_markup_typed_in_a_file_shows_as_text_in_the_preview(client, office_admin, round_, unit_a):
    # The preview's cells are the library's diff HTML, shown as it is: its text must be escaped.
    typed = write_xlsx([HEADERS, valid_row(round_.name, 项目名称="<script>alert(1)</script>")])
    preview = upload(logged_in(client, office_admin), typed)
    assert "<script>alert(1)" not in preview.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in preview.text


def test_a_failed_import_job_says_so_and_writes_nothing(
    client, office_admin, round_, unit_a, pending_dir, settings
):
    client = logged_in(client, office_admin)
    preview = upload(client, rows_file(round_.name, 2))
    job = preview.context["job"]
    settings.TASKS = DUMMY
    client.post(preview.context["confirm_url"], confirm_data(preview))
    assert ImportJob.objects.get(pk=job.pk).status == Status.IMPORTING
    for path in pending_dir.iterdir():  # swept (or lost) before the worker took the job
        path.unlink()

    tasks.run_import.call(job.pk, office_admin.pk, "127.0.0.1")

    page = client.get(job_page(job))
    assert page.context["job"].status == Status.FAILED
    assert "Traceback" not in page.text and page.context["job"].errors
    assert not Project.objects.exists()


def test_the_import_job_checks_unit_scoping_again(client, editor_a, round_, unit_a):
    client = logged_in(client, editor_a)
    preview = upload(client, rows_file(round_.name, 2))
    assert preview.context["job"].status == Status.CHECKED
    unit_a.members.remove(editor_a)  # moved to another unit between the preview and the confirm

    confirm(client, preview)

    job = ImportJob.objects.get()
    assert job.status == Status.FAILED
    assert "第一党支部" in " ".join(message for _line, message in job.errors)
    assert not Project.objects.exists()
    assert AuditEntry.objects.get(action=AuditEntry.Action.IMPORT).details["result"] == "refused"


def test_a_job_confirmed_by_someone_else_is_not_run(client, office_admin, editor_a, round_, unit_a, settings):
    client = logged_in(client, office_admin)
    preview = upload(client, rows_file(round_.name))
    settings.TASKS = DUMMY
    client.post(preview.context["confirm_url"], confirm_data(preview))
    job = preview.context["job"]

    tasks.run_import.call(job.pk, editor_a.pk, None)  # a forged job argument

    assert ImportJob.objects.get(pk=job.pk).status == Status.IMPORTING
    assert not Project.objects.exists()


# My imports; the row limit.


def test_my_imports_lists_the_editors_own_jobs_and_every_job_for_the_office(
    client, editor_a, editor_b, office_admin, round_, unit_a, unit_b
):
    mine = upload(logged_in(client, editor_a), rows_file(round_.name)).context["job"]
    theirs = upload(logged_in(Client(), editor_b), rows_file(round_.name, 责任单位="第二党支部")).context[
        "job"
    ]

    listing = client.get(MY_IMPORTS)
    assert [job.pk for job in listing.context["cl"].result_list] == [mine.pk]
    assert job_page(mine) in listing.text
    assert client.get(reverse("admin:imports_importjob_change", args=[theirs.pk])).status_code in (302, 404)
    office = logged_in(Client(), office_admin).get(MY_IMPORTS)
    assert {job.pk for job in office.context["cl"].result_list} == {mine.pk, theirs.pk}


def test_a_5000_row_file_is_accepted_and_queued(client, office_admin, round_, unit_a, queue_only):
    client = logged_in(client, office_admin)
    response = post_upload(client, rows_file(round_.name, 5000))
    assert response.status_code == 302, preview_errors(response) if response.status_code == 200 else ""
    assert ImportJob.objects.get().status == Status.QUEUED


def test_an_unexpected_failure_is_shown_without_internals_and_logged_without_cells(
    client, office_admin, round_, unit_a, queue_only, pending_dir, caplog
):
    client = logged_in(client, office_admin)
    post_upload(client, rows_file(round_.name, 2, 负责人="13812345678"))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(file_format=99)  # no such format: an internal error

    tasks.check_import.call(job.pk)

    page = client.get(job_page(job))
    assert page.context["job"].status == Status.FAILED
    assert page.context["job"].errors and "Traceback" not in page.text and "IndexError" not in page.text
    assert "IndexError" in caplog.text and "13812345678" not in caplog.text
    assert not list(pending_dir.iterdir())


@pytest.mark.django_db(transaction=True)
def test_as_production_runs_it_the_worker_checks_then_imports(client, office_admin, round_, unit_a, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client = logged_in(client, office_admin)
    response = post_upload(client, rows_file(round_.name, 3))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == Status.QUEUED  # the request did not do the work

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    page = client.get(job_page(job))
    assert page.context["job"].status == Status.CHECKED and not Project.objects.exists()

    client.post(page.context["confirm_url"], confirm_data(page))
    assert ImportJob.objects.get().status == Status.IMPORTING and not Project.objects.exists()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    assert ImportJob.objects.get().status == Status.DONE and Project.objects.count() == 3
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == 1


# A worker lost mid-job.


def test_a_job_whose_worker_stopped_ends_failed_instead_of_waiting_forever(
    client, office_admin, round_, unit_a, queue_only, settings
):
    import datetime

    from django.utils import timezone

    from imports.pending import PendingImportStorage

    client = logged_in(client, office_admin)
    post_upload(client, rows_file(round_.name, 2))
    post_upload(client, rows_file(round_.name, 3))
    lost, busy = ImportJob.objects.order_by("pk")
    budget = settings.IMPORT_TIME_LIMIT_SECONDS + tasks.STALL_MARGIN_SECONDS
    now = timezone.now()
    ImportJob.objects.filter(pk=lost.pk).update(
        status=Status.IMPORTING, started_at=now - datetime.timedelta(seconds=budget + 5)
    )
    ImportJob.objects.filter(pk=busy.pk).update(
        status=Status.CHECKING, started_at=now - datetime.timedelta(seconds=budget - 60)
    )

    page = client.get(job_page(lost))

    lost.refresh_from_db()
    assert lost.status == Status.FAILED and lost.finished_at is not None
    assert "后台任务进程在此任务完成前已停止" in page.text
    assert 'http-equiv="refresh"' not in page.text  # the page stops waiting
    assert not PendingImportStorage(name=lost.pending_name, owner_id=office_admin.pk).exists()
    assert not Project.objects.exists()
    busy.refresh_from_db()
    assert busy.status == Status.CHECKING  # still within its budget: left to run
    assert 'http-equiv="refresh"' in client.get(job_page(busy)).text

    ImportJob.objects.filter(pk=busy.pk).update(started_at=now - datetime.timedelta(seconds=budget + 5))
    client.get(MY_IMPORTS)  # "My imports" gives up on it too
    busy.refresh_from_db()
    assert busy.status == Status.FAILED


def test_a_job_the_worker_has_not_taken_up_says_the_worker_may_be_stopped(
    client, office_admin, round_, unit_a, queue_only
):
    import datetime

    from django.utils import timezone

    client = logged_in(client, office_admin)
    post_upload(client, rows_file(round_.name, 1))
    job = ImportJob.objects.get()
    assert 'id="worker-late"' not in client.get(job_page(job)).text

    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))

    page = client.get(job_page(job))
    assert 'id="worker-late"' in page.text and 'http-equiv="refresh"' in page.text


def test_rows_imported_by_the_worker_keep_their_history(client, office_admin, round_, unit_a, queue_only):
    """The worker runs outside any request (no RevisionMiddleware): the import still leaves
    one version per row, by its uploader, as the in-request import did."""
    from reversion.models import Version

    client = logged_in(client, office_admin)
    post_upload(client, rows_file(round_.name, 2))
    job = ImportJob.objects.get()
    tasks.check_import.call(job.pk)
    page = client.get(job_page(job))
    client.post(page.context["confirm_url"], confirm_data(page))  # queued, not run

    tasks.run_import.call(job.pk, office_admin.pk)  # what the worker does

    assert ImportJob.objects.get().status == Status.DONE
    for project in Project.objects.all():
        [version] = Version.objects.get_for_object(project)
        assert version.revision.user == office_admin
