"""Once a day (deploy/systemd/deeds-portal-notify.timer): every volunteer with an e-mail address
booked on a shift tomorrow is reminded of it (once per shift and volunteer)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.models import Kind
from notifications.services import Recipient, notify
from volunteers.models import Assignment


class Command(BaseCommand):
    help = "Remind volunteers (with an e-mail address) of tomorrow's shifts."

    def handle(self, *args, **options):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        bookings = (
            Assignment.objects.filter(
                shift__date=tomorrow, shift__is_cancelled=False, volunteer__is_active=True
            )
            .exclude(volunteer__email="")
            .select_related("shift__post", "shift__service", "volunteer")
        )
        told = 0
        for booking in bookings:
            shift = booking.shift
            with translation.override(settings.LANGUAGE_CODE):
                values = {
                    "name": booking.volunteer.name,
                    "service": shift.service,
                    "post": shift.post,
                    "day": f"{timezone.localtime(shift.starts_at):%Y-%m-%d}",
                    "start": f"{timezone.localtime(shift.starts_at):%H:%M}",
                    "end": f"{timezone.localtime(shift.ends_at):%H:%M}",
                }
                subject = _("Your volunteer shift tomorrow: %(service)s at %(post)s") % values
                body = (
                    _(
                        "%(name)s, thank you for serving: tomorrow, %(day)s, %(start)s–%(end)s, "
                        "%(service)s at %(post)s. If you cannot come, tell your coordinator today."
                    )
                    % values
                )
            made = notify(
                Kind.SHIFT_REMINDER,
                Recipient(email=booking.volunteer.email),
                subject,
                body,
                key=f"shift:{shift.pk}:{booking.volunteer_id}",
            )
            told += bool(made)
        self.stdout.write(f"{told} reminded")
