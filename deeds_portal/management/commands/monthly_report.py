"""python manage.py monthly_report 2021-06 -o 2021-06.xlsx: the leaders' workbook of a month."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from deeds_portal.models import IssuedWorkbook
from deeds_portal.workbook.build import BadMonth, BadRound, round_for, workbook_month
from deeds_portal.workbook.issue import issue


class Command(BaseCommand):
    help = (
        "Write the monthly workbook (每月调度) of MONTH (YYYY-MM) as its figures stood on the "
        "month's last day, and keep a record of it. Says which figures differ from the last "
        "workbook issued for the same month."
    )

    def add_arguments(self, parser):
        parser.add_argument("month", help="the month, e.g. 2021-06")
        parser.add_argument("-o", "--output", required=True, help="the xlsx file to write, e.g. 2021-06.xlsx")
        parser.add_argument(
            "--round",
            dest="round_id",
            help="the id of the round (批次) the project sheets hold; default: the current round "
            "and what earlier rounds left overdue",
        )

    def handle(self, *args, month, output, round_id=None, **options):
        try:
            first_day = workbook_month(month)
            round_ = None if round_id is None else round_for(round_id, first_day)
        except (BadMonth, BadRound) as error:
            raise CommandError(str(error)) from None
        target = Path(output)
        if not target.parent.exists():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": target.parent})
        issued = issue(first_day, via=IssuedWorkbook.Via.COMMAND, round_=round_)
        target.write_bytes(bytes(issued.content))
        self.stdout.write(
            _("Wrote %(file)s (%(month)s, made %(made)s).")
            % {
                "file": target,
                "month": f"{first_day:%Y-%m}",
                "made": f"{timezone.localtime(issued.made_at):%Y-%m-%d %H:%M}",
            }
        )
        for figure, before, now in issued.differences:
            self.stdout.write(
                _("Differs from the last issue: %(figure)s was %(before)s, is now %(now)s.")
                % {
                    "figure": figure,
                    "before": "—" if before is None else before,
                    "now": "—" if now is None else now,
                }
            )
