"""``manage.py backup``: the database and every uploaded file in one archive (see deeds_portal.backup)."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from deeds_portal.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Write the database and MEDIA_ROOT into one tar archive that `restore` brings back."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="archive to write (default: backups/deeds-portal-<UTC time>.tar in the current folder)",
        )

    def handle(self, *args, output=None, **options):
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = Path(output or f"backups/deeds-portal-{stamp}.tar")
        try:
            manifest = create_backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {path} ({manifest['vendor']}, {len(manifest['files'])} files)"
            )
        )
