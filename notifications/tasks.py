"""Sending a notification in the background worker (``manage.py db_worker``), with retries."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend, task

from .channels import ChannelError, by_path
from .models import Notification

logger = logging.getLogger(__name__)
Status = Notification.Status


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between tries, up to an hour."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


@task()
def send_notification(notification_id: int) -> str:
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != Status.QUEUED:
            return "nothing to send"
        notification.attempts += 1
        try:
            by_path(notification.channel).send(notification)
        except (ChannelError, ImportError) as error:
            notification.last_error = str(error)[:200]
            if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                notification.status = Status.FAILED
                notification.address = ""  # personal data, no longer needed
                notification.save()
                logger.warning(
                    "notification %s failed after %s attempts", notification.pk, notification.attempts
                )
                return "failed"
            notification.save()
            logger.info(
                "notification %s not sent (attempt %s), will retry", notification.pk, notification.attempts
            )
            delay = retry_delay(notification.attempts)
            transaction.on_commit(lambda: _retry(notification.pk, delay))
            return "retrying"
        notification.status = Status.SENT
        notification.address = ""  # personal data, no longer needed once delivered
        notification.sent_at = timezone.now()
        notification.last_error = ""
        notification.save()
    logger.info("notification %s sent", notification_id)
    return "sent"


def _retry(pk: int, delay: timedelta) -> None:
    if default_task_backend.supports_defer:
        send_notification.using(run_after=timezone.now() + delay).enqueue(pk)
    else:  # a backend that cannot wait (the tests' immediate one) tries again at once
        send_notification.enqueue(pk)
