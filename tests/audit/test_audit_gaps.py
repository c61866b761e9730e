"""Audited actions beyond sign-ins and ledger imports: permissions and superuser status, the
hotline case import, the volunteer spreadsheets, workbook copies, refused uploads and the two
review decisions; each entry with user, time, address and object."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from audit.receivers import UNKNOWN_USERNAME
from deeds_portal.models import IssuedWorkbook
from projects.models import Project
from tests.audit.test_audit_trail import user_page_data
from tests.conftest import logged_in
from tests.hotline.factories import case_file, case_row
from tests.projects.test_import_export import HEADERS, upload, valid_row, write_xlsx

pytestmark = pytest.mark.django_db
Action = AuditEntry.Action


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def assert_who_and_where(entry, user):
    assert entry.user == user and entry.username == user.username
    assert entry.address == "127.0.0.1" and entry.time is not None


# Permissions and superuser status


def test_granting_and_removing_superuser_status_in_the_user_page_leaves_an_entry_each(
    client, office_admin, editor_a
):
    client = logged_in(client, office_admin)
    url = reverse("admin:auth_user_change", args=[editor_a.pk])
    response = client.post(url, user_page_data(client, editor_a, is_superuser="on"))
    assert response.status_code == 302
    response = client.post(url, {**user_page_data(client, editor_a), "is_superuser": ""})
    assert response.status_code == 302
    granted, removed = entries(Action.PERMISSION_CHANGE)
    for entry in (granted, removed):
        assert_who_and_where(entry, office_admin)
        assert entry.object_id == str(editor_a.pk) and entry.object_repr == "editor-a"
    assert (granted.details, removed.details) == ({"superuser": True}, {"superuser": False})


def test_saving_a_user_without_changing_superuser_status_records_no_permission_change(
    client, office_admin, editor_a
):
    client = logged_in(client, office_admin)
    url = reverse("admin:auth_user_change", args=[editor_a.pk])
    assert client.post(url, user_page_data(client, editor_a, last_name="王")).status_code == 302
    assert entries(Action.PERMISSION_CHANGE) == []


def test_a_single_permission_granted_and_removed_leaves_an_entry_each(client, office_admin, editor_a):
    client = logged_in(client, office_admin)
    permission = Permission.objects.get(codename="delete_project")
    url = reverse("admin:auth_user_change", args=[editor_a.pk])
    client.post(url, user_page_data(client, editor_a, user_permissions=[permission.pk]))
    assert editor_a.has_perm("projects.delete_project")
    permission.user_set.remove(editor_a)  # from the permission's side too
    granted, removed = entries(Action.PERMISSION_CHANGE)
    assert_who_and_where(granted, office_admin)
    assert granted.object_id == str(editor_a.pk)
    assert granted.details == {"added": [str(permission)]}
    assert removed.details == {"removed": [str(permission)]}


# The hotline case import


def post_case_file(client, content, name, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("admin:imports_importjob_upload", args=["hotline.case"]),
            {"file": SimpleUploadedFile(name, content)},
        )


def test_a_confirmed_case_import_leaves_one_entry_with_file_name_counts_and_result(
    client, office_admin, django_capture_on_commit_callbacks
):
    from imports.models import ImportJob

    client = logged_in(client, office_admin)
    post_case_file(
        client,
        case_file([case_row("GD1"), case_row("GD2")]),
        "六月工单.csv",
        django_capture_on_commit_callbacks,
    )
    job = ImportJob.objects.get()
    assert entries(Action.IMPORT) == []  # the check is not an import
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    client.post(
        reverse("admin:imports_importjob_confirm", args=[job.pk]),
        {"token": page.context["confirm_form"].initial["token"]},
    )
    [entry] = entries(Action.IMPORT)
    assert_who_and_where(entry, office_admin)
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


def test_case_files_refused_at_the_check_leave_an_entry_each(
    client, office_admin, django_capture_on_commit_callbacks
):
    client = logged_in(client, office_admin)
    bad_row = case_row("GD2")
    bad_row["受理时间"] = "2021-02-30 09:00"
    post_case_file(
        client, case_file([case_row("GD1"), bad_row]), "有错的工单.csv", django_capture_on_commit_callbacks
    )
    post_case_file(client, b"not a spreadsheet", "工单.pdf", django_capture_on_commit_callbacks)
    by_rows, by_name = entries(Action.UPLOAD_REFUSED)
    for entry in (by_rows, by_name):
        assert_who_and_where(entry, office_admin)
        assert entry.object_type.model == "case"
    assert by_rows.details["file"] == "有错的工单.csv" and by_rows.details["errors"] == 1
    assert by_name.details["file"] == "工单.pdf" and "xlsx" in by_name.details["reason"]
    assert entries(Action.IMPORT) == []


# Ledger uploads refused at the check


def test_ledger_uploads_refused_at_the_check_leave_an_entry_each(
    client, office_admin, settings, round_, unit_a
):
    client = logged_in(client, office_admin)
    bad = valid_row(round_.name, 项目名称="")
    upload(client, write_xlsx([HEADERS, bad]), name="缺名称.xlsx")  # refused by the check job
    settings.MAX_UPLOAD_BYTES = 1024
    upload(client, write_xlsx([HEADERS] + [valid_row(round_.name)] * 50), name="太大.xlsx")  # at the door
    by_check, by_size = entries(Action.UPLOAD_REFUSED)
    for entry in (by_check, by_size):
        assert_who_and_where(entry, office_admin)
        assert entry.object_type.model == "project"
    assert by_check.details["file"] == "缺名称.xlsx" and by_check.details["errors"] >= 1
    assert by_size.details["file"] == "太大.xlsx" and "1.0\xa0KB" in by_size.details["reason"]
    assert not Project.objects.exists() and entries(Action.IMPORT) == []


def test_a_ledger_upload_that_passes_the_check_is_not_recorded_as_refused(
    client, office_admin, round_, unit_a
):
    upload(logged_in(client, office_admin), write_xlsx([HEADERS, valid_row(round_.name)]))
    assert entries(Action.UPLOAD_REFUSED) == []


# Workbook copies


def test_downloading_an_issued_workbook_again_leaves_an_entry(client, leader):
    client = logged_in(client, leader)
    client.post(reverse("admin:deeds_portal_issuedworkbook_make"), {"month": "2021-06"})
    issued = IssuedWorkbook.objects.get()
    response = client.get(reverse("admin:deeds_portal_issuedworkbook_download", args=[issued.pk]))
    assert response.status_code == 200
    made, again = entries(Action.WORKBOOK_DOWNLOAD)
    assert made.details["via"] == "admin"
    assert_who_and_where(again, leader)
    assert again.object_id == str(issued.pk)
    assert again.details == {"month": "2021-06", "via": "download_again"}


# Failed sign-ins


def test_a_password_typed_as_the_user_name_is_not_kept(client, office_admin):
    client.post(reverse("admin:login"), {"username": "Pa55-word-typed-here", "password": "x"})
    client.post(reverse("admin:login"), {"username": "office", "password": "wrong"})
    unknown, known = entries(Action.FAILED_SIGN_IN)
    assert unknown.details == {"username": UNKNOWN_USERNAME}
    assert "Pa55-word-typed-here" not in str(AuditEntry.objects.filter(pk=unknown.pk).values().get())
    assert known.details == {"username": "office"}
    assert unknown.address == known.address == "127.0.0.1"
