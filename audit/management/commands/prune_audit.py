"""Delete audit entries older than the retention period (run daily)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEntry

# 等保2.0 asks for audit records kept at least six months.
MINIMUM_DAYS = 183


class Command(BaseCommand):
    help = "Delete audit entries older than AUDIT_RETENTION_DAYS (at least 183 days)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="retention period in days (default: setting)"
        )

    def handle(self, *args, days=None, **options):
        days = settings.AUDIT_RETENTION_DAYS if days is None else days
        if days < MINIMUM_DAYS:
            raise CommandError(
                _("Audit entries are kept at least %(minimum)d days (six months); %(days)d is too few.")
                % {"minimum": MINIMUM_DAYS, "days": days}
            )
        cutoff = timezone.now() - datetime.timedelta(days=days)
        deleted, _rows = AuditEntry.objects.filter(time__lt=cutoff).delete()
        self.stdout.write(
            _("Deleted %(count)d audit entries older than %(days)d days.") % {"count": deleted, "days": days}
        )
