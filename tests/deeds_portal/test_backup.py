"""`manage.py backup` and `restore` bring back every table and every uploaded file."""

import datetime
import hashlib
import io
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from PIL import Image

from projects.models import ProgressUpdate, Project
from tests.projects.factories import add_update


def jpeg(colour) -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return ContentFile(out.getvalue())


def snapshot() -> dict:
    """Row count and a checksum of the rows of every table, and a checksum of every file."""
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(row) for row in cursor.fetchall())
            tables[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    root = Path(settings.MEDIA_ROOT)
    files = {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }
    return {"tables": tables, "files": files}


@pytest.fixture
def seeded_portal(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())
    get_user_model().objects.create_user("clerk", password="a-long-password-1", is_staff=True)
    for number, project in enumerate(Project.objects.order_by("pk")[:3]):
        update = add_update(project, datetime.date(2021, 7, 1 + number), 60)
        update.photo.save(f"site-{number}.jpg", jpeg((number * 80, 90, 30)))
    assert ProgressUpdate.objects.exclude(photo="").count() == 3


def test_a_restored_backup_brings_back_every_table_and_file(seeded_portal, tmp_path):
    before = snapshot()
    assert len(before["files"]) == 3 and before["tables"]["projects_project"][0] >= 10
    archive = tmp_path / "backups" / "portal.tar"
    call_command("backup", output=str(archive), stdout=io.StringIO())

    # After the backup: a project and its photos deleted, a row added, a file lost, a stray file.
    Project.objects.filter(updates__photo__endswith="site-0.jpg").delete()
    get_user_model().objects.create_user("intruder")
    next(Path(settings.MEDIA_ROOT).rglob("site-1.jpg")).unlink()
    (Path(settings.MEDIA_ROOT) / "stray.txt").write_text("not in the backup")
    assert snapshot() != before

    call_command("restore", str(archive), interactive=False, stdout=io.StringIO())

    after = snapshot()
    assert after["files"] == before["files"]
    assert after["tables"] == before["tables"]


def test_a_damaged_backup_changes_nothing(seeded_portal, tmp_path):
    archive = tmp_path / "portal.tar"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.endswith("site-2.jpg"):
                data = data[:-10] + b"0123456789"
            target.addfile(member, io.BytesIO(data))
    get_user_model().objects.create_user("after-the-backup")
    before = snapshot()

    with pytest.raises(CommandError, match="site-2.jpg is missing or damaged; nothing was restored"):
        call_command("restore", str(damaged), interactive=False)

    assert snapshot() == before
