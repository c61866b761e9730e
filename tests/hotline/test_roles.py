"""Who keeps the hotline's data: the office. Leaders read and export; unit editors only read."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hotline.models import Case, Month
from imports.models import ImportJob
from imports.services import confirm_token
from tests.conftest import logged_in
from tests.kit.ledger import LedgerAdmin, read_xlsx, write_xlsx

from .doors import checked_job, confirm_url, job_url, upload_url
from .factories import case_file, case_row, make_month

ROW = [["月份", "来电总量", "受理事件", "办结", "回访", "满意", "在线办结"], ["2021-06", 1, 1, 1, 1, 1, 1]]


def test_unit_editor_reads_months_but_changes_nothing(client, editor_a):
    month = make_month(datetime.date(2021, 5, 1))
    logged_in(client, editor_a)
    ledger = LedgerAdmin(client, Month)
    assert client.get(ledger.changelist_url).status_code == 200
    assert client.get(ledger.changelist_url + "add/").status_code == 403
    assert client.post(ledger.change_url(month), {"calls": 5}).status_code == 403
    assert client.get(ledger.import_url).status_code == 403
    assert client.get(upload_url()).status_code == 403


def test_leader_exports_months_but_cannot_import(client, leader):
    make_month(datetime.date(2021, 5, 1), calls=1234)
    ledger = LedgerAdmin(logged_in(client, leader), Month)
    assert ["2021-05", 1234] == read_xlsx(ledger.export())[1][:2]
    response = client.post(
        ledger.import_url,
        {"format": 0, "resource": 0, "import_file": SimpleUploadedFile("m.xlsx", write_xlsx(ROW))},
    )
    assert response.status_code == 403 and not Month.objects.filter(month=datetime.date(2021, 6, 1)).exists()
    assert client.get(upload_url()).status_code == 403
    case_upload = client.post(
        upload_url(), {"file": SimpleUploadedFile("导出.csv", case_file([case_row("GD1")]))}
    )
    assert case_upload.status_code == 403 and not ImportJob.objects.exists()


def test_only_csv_or_xlsx_uploads(client, office_admin):
    logged_in(client, office_admin)
    response = client.post(
        upload_url(), {"file": SimpleUploadedFile("导出.pdf", case_file([case_row("GD1")]))}
    )
    assert response.status_code == 200 and "xlsx" in response.text
    assert not ImportJob.objects.exists()


def test_unit_editor_cannot_import_cases_nor_confirm_the_office_s_file(client, office_admin, editor_a):
    job = checked_job(logged_in(client, office_admin))
    logged_in(client, editor_a)

    upload = client.post(upload_url(), {"file": SimpleUploadedFile("导出.csv", case_file([case_row("GD9")]))})
    assert upload.status_code == 403
    assert client.get(job_url(job)).status_code == 404  # the office's job is not the editor's to see
    forged = client.post(confirm_url(job), {"token": confirm_token(job, editor_a)})
    assert forged.status_code == 403

    assert ImportJob.objects.get() == job
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and not Case.objects.exists()


def test_the_case_list_offers_the_platform_s_export_to_the_office_only(client, office_admin, editor_a):
    cases = reverse("admin:hotline_case_changelist")
    office_page = logged_in(client, office_admin).get(cases)
    assert 'id="case-upload"' in office_page.text and upload_url() in office_page.text
    editor_page = logged_in(client, editor_a).get(cases)
    assert editor_page.status_code == 200 and 'id="case-upload"' not in editor_page.text
