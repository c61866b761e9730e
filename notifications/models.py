from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a notification is about; staff may turn off each kind sent to them."""

    REVIEW_DECIDED = "review_decided", _("The office decided my submission")
    REVIEW_QUEUE = "review_queue", _("Daily: submissions waiting for my review")
    SUGGESTION_STATUS = "suggestion_status", _("A citizen's suggestion changed status")
    SHIFT_REMINDER = "shift_reminder", _("A volunteer's shift tomorrow")


# The kinds a staff member receives, and so may turn off.
STAFF_KINDS = [Kind.REVIEW_DECIDED, Kind.REVIEW_QUEUE]


class Notification(models.Model):
    """One message to one person through one channel, kept so that it is sent once,
    retried when the channel fails, and its outcome known. The address is personal
    data: it is used to send, never logged (log lines name the id) and cleared once the
    notification is sent or has failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, db_index=True)
    channel = models.CharField(_("channel"), max_length=200)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    # Once-only sends (a daily digest, a shift's reminder) name themselves; a rerun finds them.
    key = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        default_permissions = ["view"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "channel"], condition=~models.Q(key=""), name="notification_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Preference(models.Model):
    """The kinds of notification a staff member turned off (everything is on by default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    muted = models.JSONField(_("turned off"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        default_permissions = []

    def __str__(self) -> str:
        return str(self.user)
