"""Run daily (cron, see the README): e-mail tomorrow's booked volunteers who gave an address."""

import datetime

from django.core.management.base import BaseCommand

from volunteers.reminders import send_reminders


class Command(BaseCommand):
    help = "E-mail a reminder to each volunteer booked on tomorrow's shifts who gave an e-mail address."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", type=datetime.date.fromisoformat, help="The shifts' day (default: tomorrow)."
        )

    def handle(self, *args, date=None, **options):
        sent = send_reminders(date)
        self.stdout.write(f"{sent} reminder(s) sent")
