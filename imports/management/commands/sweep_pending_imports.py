from django.conf import settings
from django.core.management.base import BaseCommand

from imports.pending import sweep
from imports.tasks import sweep_jobs


class Command(BaseCommand):
    help = (
        "Delete spreadsheet uploads whose import was previewed but never confirmed, once older "
        "than IMPORT_PENDING_MAX_AGE_HOURS (ending their jobs, ledger and case imports alike), and "
        "import jobs older than IMPORT_JOB_RETENTION_DAYS. Run it from cron, e.g. hourly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-age-hours",
            type=float,
            default=None,
            help="override IMPORT_PENDING_MAX_AGE_HOURS (%(default)s)",
        )

    def handle(self, *args, max_age_hours=None, **options):
        removed = sweep(max_age_hours)
        age = settings.IMPORT_PENDING_MAX_AGE_HOURS if max_age_hours is None else max_age_hours
        self.stdout.write(f"Removed {removed} pending upload(s) older than {age} hours.")
        jobs = sweep_jobs()
        self.stdout.write(f"Ended or deleted {jobs} import job(s) past their time.")
