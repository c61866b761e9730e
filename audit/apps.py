from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit trail (审计日志): who signed in, imported, exported, restored or changed roles."""

    name = "audit"
    verbose_name = _("Audit trail")
    # A portal app: leaders read and export its entries (units.roles); unit editors get nothing.
    role_permissions: dict[str, list[str]] = {}

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
