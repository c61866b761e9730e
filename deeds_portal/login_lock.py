"""django-axes (the admin login lock) in the admin's language.

Axes ships no Chinese catalogue and names its app after itself ("Axes"). The office
administrator unlocks colleagues from these pages, so they are kept, in Chinese:
the app gets a translated name here, and axes' own strings are marked below so that
``makemessages`` copies them into our catalogue, whose translations Django then uses
for axes' identical msgids.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class LoginLockConfig(AxesAppConfig):
    verbose_name = _("Login lock")

    def ready(self) -> None:
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        # Axes names a record in an English sentence (page titles, breadcrumbs, delete pages).
        AccessAttempt.__str__ = lambda row: str(
            _("Sign-in attempts of %(user)s") % {"user": row.username or "—"}
        )
        AccessFailureLog.__str__ = lambda row: str(
            _("Failed sign-in of %(user)s at %(time)s") % {"user": row.username or "—", "time": _local(row)}
        )
        AccessLog.__str__ = lambda row: str(
            _("Sign-in of %(user)s at %(time)s") % {"user": row.username or "—", "time": _local(row)}
        )


def _local(row) -> str:
    from django.utils import timezone

    return f"{timezone.localtime(row.attempt_time):%Y-%m-%d %H:%M:%S}" if row.attempt_time else "—"


AXES_STRINGS = [
    # Models (axes/models.py)
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    # Admin (axes/admin.py)
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
]
