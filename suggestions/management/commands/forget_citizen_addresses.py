"""Remove the hashed sender addresses (and the contacts of closed suggestions) past the retention period.

The record history (django-reversion) keeps a copy of every saved row, so the
same fields are blanked in the stored versions too.
"""

import datetime
import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from reversion.models import Version

from suggestions.models import Rating, Suggestion, SuggestionStatus, Support

CLOSED = [SuggestionStatus.DECLINED, SuggestionStatus.CONVERTED, SuggestionStatus.MERGED]


def _scrub_history(model, pks, fields) -> None:
    """Blank ``fields`` in the stored versions of the rows ``pks`` of ``model``."""
    for version in Version.objects.get_for_model(model).filter(object_id__in=[str(pk) for pk in pks]):
        if version.format != "json":
            continue
        data = json.loads(version.serialized_data)
        changed = False
        for entry in data:
            for name in fields:
                if entry.get("fields", {}).get(name):
                    entry["fields"][name] = ""
                    changed = True
        if changed:
            Version.objects.filter(pk=version.pk).update(serialized_data=json.dumps(data, ensure_ascii=False))


class Command(BaseCommand):
    help = "Forget citizens' hashed addresses older than SUGGESTION_ADDRESS_RETENTION_DAYS (run daily)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="retention period in days (default: setting)"
        )

    @transaction.atomic
    def handle(self, *args, days=None, **options):
        days = settings.SUGGESTION_ADDRESS_RETENTION_DAYS if days is None else days
        cutoff = timezone.now() - datetime.timedelta(days=days)
        # update(): no model signals, and no public page shows these fields, so no cache to renew.
        old_suggestions = Suggestion.objects.filter(created_at__lt=cutoff)
        old_ratings = Rating.objects.filter(created_at__lt=cutoff)
        closed = old_suggestions.filter(status__in=CLOSED)
        _scrub_history(Suggestion, old_suggestions.values_list("pk", flat=True), ["address_hash"])
        _scrub_history(Suggestion, closed.values_list("pk", flat=True), ["contact"])
        _scrub_history(Rating, old_ratings.values_list("pk", flat=True), ["address_hash"])
        suggestions = old_suggestions.exclude(address_hash="").update(address_hash="")
        ratings = old_ratings.exclude(address_hash="").update(address_hash="")
        contacts = closed.exclude(contact="").update(contact="")
        # Supports keep no history; past the period they count only per browser.
        supports = (
            Support.objects.filter(created_at__lt=cutoff).exclude(address_hash="").update(address_hash="")
        )
        self.stdout.write(
            f"forgot {suggestions} suggestion addresses, {ratings} rating addresses, "
            f"{supports} support addresses, {contacts} contacts"
        )
