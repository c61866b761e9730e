"""The case imports joined the one import job model: staff's old addresses still lead to the
new pages, and the upgrade turns every old case import into an import job."""

import datetime
import os

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from hotline.models import Case
from imports.jobs import private_upload_storage
from imports.models import ImportJob
from tests.conftest import logged_in

from .doors import job_url, upload_url


def old_case_job(old_id: int, user) -> ImportJob:
    return ImportJob.objects.create(
        created_by=user,
        ledger=ContentType.objects.get_for_model(Case),
        file_name="五月工单.csv",
        status=ImportJob.Status.DONE,
        details={"case_import_id": old_id},
    )


@pytest.mark.django_db
def test_the_old_case_import_addresses_lead_to_the_new_pages(client, office_admin):
    logged_in(client, office_admin)
    # A job whose own id is the old case import's is not the one: the old id is kept in its details.
    decoy = ImportJob.objects.create(
        created_by=office_admin, ledger=ContentType.objects.get_for_model(Case), file_name="其他.csv"
    )
    moved = old_case_job(decoy.pk, office_admin)

    assert client.get("/admin/hotline/caseimport/")["Location"] == reverse(
        "admin:imports_importjob_changelist"
    )
    assert client.get("/admin/hotline/caseimport/add/")["Location"] == upload_url()
    opened = client.get(f"/admin/hotline/caseimport/{decoy.pk}/change/", follow=True)
    assert opened.redirect_chain == [(job_url(moved), 302)]
    assert opened.status_code == 200 and "五月工单.csv" in opened.text
    # An old job gone since (pruned after its retention): the list of imports, not an error.
    assert client.get(f"/admin/hotline/caseimport/{moved.pk + 99}/change/")["Location"] == reverse(
        "admin:imports_importjob_changelist"
    )
    upload_page = client.get("/admin/hotline/caseimport/add/", follow=True)
    assert upload_page.status_code == 200 and 'id="upload-form"' in upload_page.text


BEFORE = [("imports", "0001_initial"), ("hotline", "0004_caseimport_started_at")]


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_turns_an_old_case_import_into_an_import_job(office_admin, settings):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        old_apps = executor.loader.project_state(BEFORE).apps
        CaseImport = old_apps.get_model("hotline", "CaseImport")
        done = CaseImport.objects.create(
            file=ContentFile(b"\xe5\xb7\xa5\xe5\x8d\x95", name="五月工单.csv"),
            original_name="五月工单.csv",
            state="done",
            rows_done=3,
            created_by_id=office_admin.pk,
            finished_at=timezone.now(),
            result={
                "rows": 3,
                "new": 2,
                "changed": 1,
                "unchanged": 0,
                "refused_rows": 0,
                "mapping": [["工单编号", "工单编号"]],
                "dropped_columns": ["来电号码"],
                "months": ["2021-05"],
            },
        )
        waiting = CaseImport.objects.create(
            file=ContentFile(b"x", name="六月工单.xlsx"), original_name="六月工单.xlsx", state="checked"
        )
        uploaded_at = timezone.now() - datetime.timedelta(days=3)
        CaseImport.objects.filter(pk=done.pk).update(created_at=uploaded_at)
        files = [private_upload_storage().path(old.file.name) for old in (done, waiting)]
        assert all(os.path.exists(path) for path in files)

        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)  # the rest of the suite runs on the latest schema

    imported = ImportJob.objects.get(details__case_import_id=done.pk)
    assert imported.ledger.model_class() is Case and imported.created_by == office_admin
    assert (imported.status, imported.file_name, imported.file_format) == ("done", "五月工单.csv", 1)
    assert (imported.new, imported.updated, imported.unchanged, imported.error_count) == (2, 1, 0, 0)
    assert imported.details["dropped_columns"] == ["来电号码"] and imported.details["months"] == ["2021-05"]
    assert imported.rows_total == 3 and imported.created_at == uploaded_at
    # One waiting for confirmation when the portal was upgraded ends; its uploader uploads again.
    ended = ImportJob.objects.get(details__case_import_id=waiting.pk)
    assert ended.status == "failed" and ended.file_format == 0 and "请重新上传" in ended.errors[0][1]
    # The callers' phones in the old files are kept no longer.
    assert not [path for path in files if os.path.exists(path)]
