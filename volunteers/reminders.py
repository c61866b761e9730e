"""An e-mail the day before a shift, to each booked volunteer who gave an address.

The portal has no notification channel of its own yet; when one exists, this is the one
place to send through it. The mail names the shift and the cancel deadline, never the
personal link: a mailbox or a mail server's log is no place for it.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from units.dates import today

from . import self_service
from .links import ShiftReminder
from .models import Assignment

logger = logging.getLogger(__name__)


def due_reminders(day: datetime.date):
    """Bookings of ``day``'s shifts (not cancelled) of active volunteers with an address, not yet reminded."""
    return (
        Assignment.objects.filter(shift__date=day, shift__is_cancelled=False, volunteer__is_active=True)
        .exclude(volunteer__email="")
        .filter(reminder__isnull=True)
        .select_related("volunteer__unit", "shift__post", "shift__service")
        .order_by("starts_at", "pk")
    )


def send_reminders(day: datetime.date | None = None) -> int:
    """Remind the volunteers booked on ``day`` (tomorrow by default); returns how many were sent."""
    day = day or today() + datetime.timedelta(days=1)
    sent = 0
    for assignment in due_reminders(day):
        # Claimed first: two runs at the same moment send one mail, not two.
        with transaction.atomic():
            reminder, created = ShiftReminder.objects.get_or_create(assignment=assignment)
        if not created:
            continue
        try:
            _send(assignment)
        except Exception:
            # Not the address: a log is no place for it. The next run tries again.
            logger.warning("Shift reminder for booking %s not sent", assignment.pk, exc_info=True)
            reminder.delete()
            continue
        sent += 1
    return sent


def _send(assignment: Assignment) -> None:
    shift = assignment.shift
    deadline = self_service.cancel_deadline(shift, self_service.rules_of(assignment.volunteer.unit))
    opens, _closes = self_service.check_in_window(shift)
    with translation.override(settings.LANGUAGE_CODE):  # volunteers read Chinese
        context = {
            "volunteer": assignment.volunteer,
            "shift": shift,
            "deadline": timezone.localtime(deadline),
            "can_cancel": timezone.now() <= deadline,
            "opens": timezone.localtime(opens),
        }
        subject = _("Reminder: your volunteer shift %(shift)s") % {"shift": shift}
        body = render_to_string("volunteers/self/reminder.txt", context)
    send_mail(subject, body, None, [assignment.volunteer.email])
