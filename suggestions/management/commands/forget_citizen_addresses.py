"""Remove the hashed sender addresses (and the contacts of closed suggestions) past the retention period."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from suggestions.models import Rating, Suggestion, SuggestionStatus

CLOSED = [SuggestionStatus.DECLINED, SuggestionStatus.CONVERTED, SuggestionStatus.MERGED]


class Command(BaseCommand):
    help = "Forget citizens' hashed addresses older than SUGGESTION_ADDRESS_RETENTION_DAYS (run daily)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="retention period in days (default: setting)"
        )

    def handle(self, *args, days=None, **options):
        days = settings.SUGGESTION_ADDRESS_RETENTION_DAYS if days is None else days
        cutoff = timezone.now() - datetime.timedelta(days=days)
        # update(): no model signals, and no public page shows these fields, so no cache to renew.
        suggestions = (
            Suggestion.objects.filter(created_at__lt=cutoff).exclude(address_hash="").update(address_hash="")
        )
        ratings = (
            Rating.objects.filter(created_at__lt=cutoff).exclude(address_hash="").update(address_hash="")
        )
        contacts = (
            Suggestion.objects.filter(created_at__lt=cutoff, status__in=CLOSED)
            .exclude(contact="")
            .update(contact="")
        )
        self.stdout.write(
            f"forgot {suggestions} suggestion addresses, {ratings} rating addresses, {contacts} contacts"
        )
