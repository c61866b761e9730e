"""``manage.py restore ARCHIVE``: bring back a `backup` archive (database and uploaded files)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from deeds_portal.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Replace the database and every file in MEDIA_ROOT with those of a `backup` archive. "
        "Stop the app servers and the worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="do not ask to confirm"
        )

    def handle(self, *args, archive, interactive=True, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"No such backup: {path}")
        if interactive:
            answer = input(f"This replaces the database and all uploaded files with {path}. Type 'yes': ")
            if answer.strip() != "yes":
                raise CommandError("Restore cancelled; nothing changed.")
        try:
            manifest = restore_backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path}: backup of {manifest['created']}, {len(manifest['files'])} files"
            )
        )
