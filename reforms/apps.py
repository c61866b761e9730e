from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReformsConfig(AppConfig):
    """深化简政放权: the approval-reform item catalogue (built in its own issue)."""

    name = "reforms"
    verbose_name = _("Approval reform (深化简政放权)")
    # A portal app: leaders read and export its rows (see units.roles).
    role_permissions: dict[str, list[str]] = {}
