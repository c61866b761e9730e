"""Channels a notification can go through. ``settings.NOTIFICATION_CHANNELS`` lists their
dotted paths; an SMS gateway is added by writing a ``Channel`` whose ``address_of`` reads a
phone number and whose ``send`` calls the gateway, and listing it there."""

from functools import cache

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string


class ChannelError(Exception):
    """The channel could not send now; the worker tries again later. The message names
    no address or other personal data (it is stored and logged)."""


class Channel:
    """One way of reaching people."""

    name = ""

    def address_of(self, recipient) -> str:
        """The recipient's address on this channel, or "" (not reachable this way)."""
        raise NotImplementedError

    def send(self, notification) -> None:
        """Deliver ``notification`` or raise ``ChannelError``."""
        raise NotImplementedError


class EmailChannel(Channel):
    """Django's e-mail: the console in development, SMTP from ``EMAIL_URL`` in production."""

    name = "email"

    def address_of(self, recipient) -> str:
        return recipient.email or ""

    def send(self, notification) -> None:
        try:
            send_mail(
                notification.subject,
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                [notification.address],
                fail_silently=False,
            )
        except Exception as error:  # SMTP and socket errors alike; the worker retries
            raise ChannelError(type(error).__name__) from None


@cache
def _load(path: str) -> Channel:
    return import_string(path)()


def configured() -> list[tuple[str, Channel]]:
    return [(path, _load(path)) for path in settings.NOTIFICATION_CHANNELS]


def by_path(path: str) -> Channel:
    return _load(path)
