"""Case files move from MEDIA_ROOT (served, backed up with the media) to the private upload folder."""

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations, models

import imports.jobs


def move_waiting_files(apps, schema_editor):
    """Files of jobs still waiting for confirmation move along; any other left in media is deleted."""
    CaseImport = apps.get_model("hotline", "CaseImport")
    old_folder = Path(settings.MEDIA_ROOT) / "hotline-imports"
    if not old_folder.is_dir():
        return
    storage = imports.jobs.private_upload_storage()
    waiting = set(CaseImport.objects.exclude(file="").values_list("file", flat=True))
    for path in old_folder.iterdir():
        name = f"hotline-imports/{path.name}"
        if path.is_file() and name in waiting:
            target = Path(storage.path(name))
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.move(path, target)  # the folders may be on different disks
            os.chmod(target, 0o600)
        elif path.is_file():
            path.unlink()


class Migration(migrations.Migration):
    dependencies = [
        ("hotline", "0002_case_tallies"),
    ]

    operations = [
        migrations.AlterField(
            model_name="caseimport",
            name="file",
            field=models.FileField(
                storage=imports.jobs.private_upload_storage, upload_to="hotline-imports/", verbose_name="file"
            ),
        ),
        migrations.RunPython(move_waiting_files, migrations.RunPython.noop),
    ]
