from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Telling people what happened: one record per message, sent by the background worker
    through the configured channels (``settings.NOTIFICATION_CHANNELS``)."""

    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"
