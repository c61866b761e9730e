"""Guards before parsing, and the reader in a child process, for every import (ledgers and case files).

The bomb files are built here: an xlsx of a few kilobytes whose sheet holds cells at A1 and
XFD1048576 (python-calamine aborts the whole process asking for 512 GB; openpyxl fills a
million rows of 16,384 columns), one declaring that extent without holding it, and a zip
whose parts unpack to far more than a spreadsheet does.
"""

import io
import os
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from hotline import case_import
from hotline.case_import import RefusedFile, import_cases, read_rows
from hotline.models import Case
from imports import tasks
from imports.isolated_parse import ParseFailed, parse_in_child
from imports.models import ImportJob
from imports.pending import PendingImportStorage
from imports.rules import ImportRefused, check_upload
from projects.models import Project
from tests.conftest import logged_in
from tests.hotline.factories import case_file, case_row
from tests.kit.ledger import preview_errors
from tests.projects.test_import_export import HEADERS, IMPORT, valid_row, write_xlsx

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _chinese_messages():
    with translation.override("zh-hans"):
        yield


def far_cell_xlsx(first_header="工单编号") -> bytes:
    """A few kilobytes: a header at A1 and one cell at XFD1048576, the last cell a sheet has."""
    book = openpyxl.Workbook()
    book.active["A1"] = first_header
    book.active["XFD1048576"] = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewritten_sheet(content: bytes, change) -> bytes:
    """The same xlsx with its sheet's XML passed through ``change``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            target.writestr(item, data)
    return out.getvalue()


def declared_only_xlsx() -> bytes:
    """Two ordinary rows, but the sheet declares it spans A1:XFD1048576."""
    plain = write_xlsx([HEADERS, ["", "项目", "", ""]])
    return rewritten_sheet(
        plain, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml)
    )


def refusal(function, *args, **kwargs) -> str:
    with pytest.raises(ImportRefused) as raised:
        function(*args, **kwargs)
    return str(raised.value)


# The shared guard -------------------------------------------------------------------------


def test_a_sheet_holding_a_cell_past_the_limits_is_refused_before_any_reader_runs():
    bomb = far_cell_xlsx()
    assert len(bomb) < 8 * 1024
    started = time.monotonic()
    message = refusal(check_upload, io.BytesIO(bomb), "xlsx")
    assert time.monotonic() - started < 2
    assert "XFD1048576" in message and "删除" in message


def test_a_sheet_declaring_a_dimension_past_the_limits_is_refused():
    assert "XFD1048576" in refusal(check_upload, io.BytesIO(declared_only_xlsx()), "xlsx")


def test_the_sheet_extent_limits_are_the_row_and_column_limits():
    within = write_xlsx([["列"] * 5] + [["值"] * 5] * 3)
    check_upload(io.BytesIO(within), "xlsx", max_rows=3, max_columns=5)  # E4: three data rows, five columns
    assert "F2" in refusal(
        check_upload, io.BytesIO(write_xlsx([["列"] * 6, ["值"] * 6])), "xlsx", max_columns=5
    )
    stray = rewritten_sheet(within, lambda xml: xml.replace(b'r="E4"', b'r="E9"'))
    assert "E9" in refusal(check_upload, io.BytesIO(stray), "xlsx", max_rows=3, max_columns=5)


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(file_format):
    content = (
        write_xlsx([HEADERS, ["", "项目", "", ""]]) if file_format == "xlsx" else "编号\n1\n".encode() * 50
    )
    check_upload(io.BytesIO(content), file_format, max_bytes=len(content))
    message = refusal(check_upload, io.BytesIO(content), file_format, max_bytes=len(content) - 1)
    assert "无法上传" in message


# The reader in a child process -------------------------------------------------------------


def test_a_reader_that_crashes_the_process_fails_the_parse_and_this_process_goes_on():
    with pytest.raises(ParseFailed) as failed:
        parse_in_child(os.abort)
    assert "无法读取" in str(failed.value)
    assert parse_in_child(sum, [1, 2, 3]) == 6  # and the next parse runs as usual


def test_a_reader_that_swamps_memory_fails_the_parse_within_its_limit():
    with pytest.raises(ParseFailed) as failed:
        parse_in_child(bytearray, 2 * 1024**3, memory_bytes=256 * 1024**2)
    assert "内存" in str(failed.value)


def test_a_reader_past_its_time_fails_the_parse():
    with pytest.raises(ParseFailed) as failed:
        parse_in_child(time.sleep, 30, timeout=0.5)
    assert "0.5 秒" in str(failed.value)


def test_a_readers_own_refusal_comes_back_as_it_was():
    with pytest.raises(ValueError, match="not a number"):
        parse_in_child(int, "not a number")


def test_the_real_xlsx_reader_aborting_on_the_far_cell_file_fails_only_that_read():
    """Past the guard (called here without it), python-calamine aborts asking for 512 GB: in the
    child, so this process, the worker, stays alive and says why in Chinese."""
    with pytest.raises(RefusedFile) as refused:
        list(read_rows(io.BytesIO(far_cell_xlsx()), "工单.xlsx"))
    assert "无法读取" in str(refused.value)
    rows = list(read_rows(io.BytesIO(case_file([case_row("GD1")], fmt="xlsx")), "工单.xlsx"))
    assert rows[1][0] == "GD1"


# Both pipelines pass the guard ---------------------------------------------------------------


def test_the_case_import_refuses_the_far_cell_file_before_reading_it(db):
    outcome = import_cases(io.BytesIO(far_cell_xlsx()), "工单.xlsx", commit=False)
    assert outcome.refused and "XFD1048576" in outcome.file_errors[0]


def test_the_case_import_refuses_an_xlsx_unpacking_past_its_limit_at_once(db, monkeypatch):
    content = case_file([case_row(f"GD{n}") for n in range(3000)], fmt="xlsx")  # ~2.5 MB unpacked
    monkeypatch.setattr(case_import, "MAX_UNPACKED_BYTES", 1024 * 1024)
    outcome = import_cases(io.BytesIO(content), "工单.xlsx", commit=False)
    assert outcome.refused and "解压" in outcome.file_errors[0]
    assert outcome.rows == 0  # refused before a row was read


def test_the_case_upload_form_refuses_the_far_cell_file(client, office_admin):
    logged_in(client, office_admin)
    response = client.post(
        reverse("admin:imports_importjob_upload", args=["hotline.case"]),
        {"file": SimpleUploadedFile("导出.xlsx", far_cell_xlsx())},
    )
    assert response.status_code == 200 and "XFD1048576" in response.text
    assert not ImportJob.objects.exists()


def test_the_ledger_upload_form_refuses_the_far_cell_file(client, office_admin):
    logged_in(client, office_admin)
    response = client.post(
        IMPORT,
        {"format": 0, "resource": 0, "import_file": SimpleUploadedFile("台账.xlsx", far_cell_xlsx("编号"))},
    )
    assert response.status_code == 200 and "XFD1048576" in preview_errors(response)
    assert not ImportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_refuses_bombs_stored_past_the_forms_and_goes_on_with_the_next_job(
    office_admin, round_, unit_a, settings
):
    """Files that reached the queue without the upload forms (an older upload, another door):
    the worker's own guard refuses them with a Chinese message and runs the next job."""
    from django.contrib.contenttypes.models import ContentType

    settings.TASKS = DATABASE_BACKEND
    pending = PendingImportStorage(owner_id=office_admin.pk, read_mode="rb")
    pending.save(far_cell_xlsx("编号"))
    ledger_job = ImportJob.objects.create(
        created_by=office_admin,
        ledger=ContentType.objects.get_for_model(Project),
        file_name="炸弹.xlsx",
        pending_name=pending.name,
    )
    tasks.check_import.enqueue(ledger_job.pk)

    def case_job(name, content):
        stored = PendingImportStorage(owner_id=office_admin.pk, read_mode="rb")
        stored.save(content)
        job = ImportJob.objects.create(
            created_by=office_admin,
            ledger=ContentType.objects.get_for_model(Case),
            file_name=name,
            pending_name=stored.name,
        )
        tasks.check_import.enqueue(job.pk)
        return job

    bomb = case_job("炸弹.xlsx", far_cell_xlsx())
    good = case_job("好.xlsx", case_file([case_row("GD1")], fmt="xlsx"))

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    ledger_job.refresh_from_db()
    assert ledger_job.status == ImportJob.Status.REFUSED
    assert "XFD1048576" in ledger_job.errors[0][1]
    bomb.refresh_from_db()
    assert bomb.status == ImportJob.Status.REFUSED
    assert "XFD1048576" in bomb.errors[0][1]
    good.refresh_from_db()
    assert good.status == ImportJob.Status.CHECKED and good.new == 1
    assert not Case.objects.exists() and not Project.objects.exists()


def test_a_ledger_job_still_imports_an_ordinary_file_through_the_child(client, office_admin, round_, unit_a):
    from tests.projects.test_import_export import confirm, upload

    preview = upload(logged_in(client, office_admin), write_xlsx([HEADERS, valid_row(round_.name)]))
    assert preview.context["job"].status == ImportJob.Status.CHECKED
    confirm(client, preview)
    assert Project.objects.count() == 1
