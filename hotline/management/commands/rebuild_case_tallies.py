"""python manage.py rebuild_case_tallies: count every month's cases into the tallies again."""

from django.core.management.base import BaseCommand

from hotline import tallies


class Command(BaseCommand):
    help = (
        "Rebuild the hotline's case tallies (per month, category, handling unit and due month, "
        "and their yearly sums) from the stored cases, e.g. after cases were written in plain SQL."
    )

    def handle(self, *args, **options):
        months = tallies.rebuild_all()
        self.stdout.write(f"{months} months")
