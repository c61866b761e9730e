"""The import's confirm step: pending uploads are private, owned, short-lived and used once.

An upload is checked by a background job; its job page carries the confirm button, whose
token is signed for the uploader and the job (the test backend runs the jobs at once).

Driven through the project ledger's admin (the first ledger built on
``LedgerImportExportMixin``); every ledger shares this behaviour.
"""

import logging
import os
import tempfile
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from imports.pending import PendingImportStorage, PendingImportUnavailable, check_pending_folder
from projects.models import Project
from tests.conftest import logged_in
from tests.kit.ledger import confirm_data
from tests.projects.test_import_export import (
    HEADERS,
    IMPORT,
    PROCESS,
    confirm,
    upload,
    valid_row,
    write_xlsx,
)

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/projects/project/"
UPLOAD_AGAIN = "请重新上传文件"
PHONE = "13812345678"


@pytest.fixture
def pending_dir(settings, tmp_path) -> Path:
    settings.IMPORT_PENDING_DIR = tmp_path / "pending"
    return settings.IMPORT_PENDING_DIR


def a_file(round_name, **changes) -> bytes:
    return write_xlsx([HEADERS, valid_row(round_name, **changes)])


def files_in(folder) -> list[Path]:
    folder = Path(folder)
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.exists() else []


def copies_in_shared_temp(content: bytes) -> list[Path]:
    """Files directly in the system temp folder holding exactly ``content``."""
    found = []
    for entry in os.scandir(tempfile.gettempdir()):
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_size == len(content):
                if Path(entry.path).read_bytes() == content:
                    found.append(Path(entry.path))
        except OSError:
            continue  # another process's file vanished or is not readable
    return found


def refused(response) -> str:
    """A refused confirm: back on the import page with a message; returns the page text."""
    assert response.status_code == 200
    assert response.redirect_chain and response.redirect_chain[-1][0] == IMPORT
    page = response.content.decode()
    assert UPLOAD_AGAIN in page
    assert "Traceback" not in page
    return page


# 1. The confirm token is not trusted.


def test_another_users_upload_can_neither_be_confirmed_nor_consumed(
    client, editor_a, editor_b, round_, unit_a, unit_b, pending_dir
):
    b_client = logged_in(Client(), editor_b)
    preview = upload(b_client, a_file(round_.name, 项目名称="B的项目", 责任单位="第二党支部"))
    stolen = confirm_data(preview)
    a_client = logged_in(client, editor_a)

    refused(a_client.post(preview.context["confirm_url"], stolen, follow=True))
    assert a_client.get(preview.request["PATH_INFO"]).status_code == 404  # nor see B's job page

    assert not Project.objects.exists()
    # B's upload is untouched: B can still confirm it.
    assert confirm(b_client, preview).status_code == 302
    assert Project.objects.get().title == "B的项目"


@pytest.mark.parametrize("shape", ["another job's token", "altered", "empty", "not a token"])
def test_a_tampered_token_reads_and_imports_nothing(client, office_admin, round_, unit_a, pending_dir, shape):
    client = logged_in(client, office_admin)
    preview = upload(client, a_file(round_.name, 项目名称="正常上传"))
    other = upload(client, a_file(round_.name, 项目名称="另一个文件"))
    token = confirm_data(preview)["token"]
    token = {
        "another job's token": confirm_data(other)["token"],
        "altered": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "empty": "",
        "not a token": "../" + "A" * 43,
    }[shape]

    refused(client.post(preview.context["confirm_url"], {"token": token}, follow=True))

    assert not Project.objects.exists()
    assert len(files_in(pending_dir)) == 2
    assert confirm(client, preview).status_code == 302  # the genuine confirmation still works
    assert Project.objects.get().title == "正常上传"


def test_the_librarys_own_confirm_step_is_refused(client, office_admin, round_, unit_a, pending_dir):
    client = logged_in(client, office_admin)
    preview = upload(client, a_file(round_.name))
    refused(client.post(PROCESS, {"import_file_name": preview.context["job"].pending_name}, follow=True))
    assert not Project.objects.exists()


def test_the_storage_opens_an_upload_only_for_its_owner(editor_a, editor_b, pending_dir):
    mine = PendingImportStorage(owner_id=editor_b.pk, read_mode="rb")
    mine.save(b"rows of unit B")
    for name, owner in [(mine.name, editor_a.pk), ("../" + mine.name, editor_b.pk), ("", editor_b.pk)]:
        with pytest.raises(PendingImportUnavailable):
            PendingImportStorage(name=name, owner_id=owner, read_mode="rb").take()
    assert (
        PendingImportStorage(name=mine.name, owner_id=editor_b.pk, read_mode="rb").take() == b"rows of unit B"
    )
    assert files_in(pending_dir) == []


# 2. Pending uploads do not pile up.


def test_uploads_stay_out_of_the_shared_temp_folder_and_leave_nothing_after_commit(
    client, office_admin, round_, unit_a, pending_dir
):
    client = logged_in(client, office_admin)
    content = a_file(round_.name, 负责人=PHONE)
    preview = upload(client, content)

    assert copies_in_shared_temp(content) == []
    assert len(files_in(pending_dir)) == 1
    assert confirm(client, preview).status_code == 302
    assert files_in(pending_dir) == []


def test_a_dry_run_that_fails_keeps_no_copy(client, office_admin, round_, unit_a, pending_dir):
    client = logged_in(client, office_admin)
    content = a_file(round_.name, 负责人=PHONE, 完成时限="六月底")
    preview = upload(client, content)

    assert preview.context.get("confirm_form") is None
    assert copies_in_shared_temp(content) == []
    assert files_in(pending_dir) == []


def make_old(paths, settings):
    past = time.time() - settings.IMPORT_PENDING_MAX_AGE_HOURS * 3600 - 60
    for path in paths:
        os.utime(path, (past, past))


def test_abandoned_dry_runs_are_swept_by_the_command(
    client, office_admin, round_, unit_a, pending_dir, settings
):
    client = logged_in(client, office_admin)
    previews = [upload(client, a_file(round_.name, 项目名称=f"放弃的{i}", 负责人=PHONE)) for i in range(3)]
    fresh = upload(client, a_file(round_.name, 项目名称="刚上传的"))
    assert len(files_in(pending_dir)) == 4
    make_old([path for path in files_in(pending_dir) if not _is(fresh, path)], settings)

    call_command("sweep_pending_imports", verbosity=0)

    assert [p.name for p in files_in(pending_dir)] == [_stored_name(fresh)]
    refused(client.post(previews[0].context["confirm_url"], confirm_data(previews[0]), follow=True))
    assert not Project.objects.exists()
    assert confirm(client, fresh).status_code == 302  # a recent upload is kept


def _stored_name(preview) -> str:
    job = preview.context["job"]
    return PendingImportStorage(name=job.pending_name, owner_id=job.created_by_id).path.name


def _is(preview, path) -> bool:
    return path.name == _stored_name(preview)


def test_storing_a_new_upload_sweeps_old_ones(client, office_admin, round_, unit_a, pending_dir, settings):
    client = logged_in(client, office_admin)
    upload(client, a_file(round_.name, 项目名称="放弃的", 负责人=PHONE))
    make_old(files_in(pending_dir), settings)

    new = upload(client, a_file(round_.name, 项目名称="新的"))

    assert [p.name for p in files_in(pending_dir)] == [_stored_name(new)]


def test_a_pending_folder_inside_media_root_is_refused_at_start_up(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_PENDING_DIR = tmp_path / "media" / "pending"
    assert [error.id for error in check_pending_folder()] == ["imports.E001"]
    settings.IMPORT_PENDING_DIR = tmp_path / "pending"
    assert check_pending_folder() == []


# 3. Replayed confirms.


def test_confirming_twice_imports_once_and_explains_the_second(
    client, office_admin, round_, unit_a, pending_dir
):
    client = logged_in(client, office_admin)
    preview = upload(client, a_file(round_.name, 项目名称="只导入一次"))
    data = confirm_data(preview)

    first = client.post(preview.context["confirm_url"], data)
    second = client.post(preview.context["confirm_url"], data, follow=True)

    assert first.status_code == 302 and first.url == preview.request["PATH_INFO"]  # back to the job page
    refused(second)
    assert Project.objects.filter(title="只导入一次").count() == 1


# 4. No traceback in the interface.


def test_an_import_error_shows_a_message_but_no_traceback_and_logs_no_row_contents(
    client, editor_a, round_, unit_a, pending_dir, caplog
):
    client = logged_in(client, editor_a)
    # A file without its header row: the first row, with a phone number, is taken as headers.
    content = write_xlsx([valid_row(round_.name, 负责人=PHONE), valid_row(round_.name)])

    with caplog.at_level(logging.WARNING):
        response = upload(client, content)

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert "导出" in page  # the Chinese explanation of the columns is shown
    for leak in ("Traceback", "site-packages", 'File "', ".py"):
        assert leak not in page
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "ImportRefused" in logged and "imports/rules.py" in logged  # enough to find the cause
    assert PHONE not in logged
    assert files_in(pending_dir) == []
