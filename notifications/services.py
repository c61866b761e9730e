"""``notify(...)``: the one way the portal tells someone something.

Domain apps call it (they never send mail themselves): it checks the recipient's
preference, keeps one ``Notification`` per configured channel that can reach them and,
once the caller's transaction commits, hands each to the background worker
(``notifications.tasks.send_notification``), which sends and retries.
"""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from . import channels
from .models import Kind, Notification, Preference

logger = logging.getLogger(__name__)


@dataclass
class Recipient:
    """Whom to tell: a staff user (their preference applies) or a citizen or volunteer by address."""

    email: str = ""
    phone: str = ""
    user: object = None

    @classmethod
    def of_user(cls, user) -> "Recipient":
        return cls(email=user.email or "", user=user)


def wants(user, kind) -> bool:
    if user is None:
        return True
    preference = Preference.objects.filter(user=user).first()
    return preference is None or kind not in preference.muted


def notify(kind: Kind, recipient: Recipient, subject: str, body: str, key: str = "") -> list[Notification]:
    """Keep and queue the message for every channel that reaches ``recipient``; nothing when
    they turned this kind off or cannot be reached. ``key``: sent once only under this name."""
    if recipient.user is not None and (not recipient.user.is_active or not wants(recipient.user, kind)):
        return []
    made = []
    for path, channel in channels.configured():
        address = channel.address_of(recipient)
        if not address:
            continue
        if key and Notification.objects.filter(key=key, channel=path).exists():
            continue  # already sent (a rerun of a daily command)
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    kind=kind,
                    channel=path,
                    recipient=recipient.user,
                    address=address,
                    subject=subject[:200],
                    body=body,
                    key=key,
                )
        except IntegrityError:
            continue  # the same key made at the same moment elsewhere
        logger.info("notification %s queued (%s)", notification.pk, kind)
        transaction.on_commit(lambda pk=notification.pk: _enqueue(pk))
        made.append(notification)
    return made


def _enqueue(pk: int, run_after=None) -> None:
    from .tasks import send_notification

    task = send_notification if run_after is None else send_notification.using(run_after=run_after)
    task.enqueue(pk)
