from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    """党员志愿者服务: party-member volunteer rosters (built in its own issue)."""

    name = "volunteers"
    verbose_name = _("Party-member volunteers (党员志愿者服务)")
    # A portal app: leaders read and export its rows (see units.roles).
    role_permissions: dict[str, list[str]] = {}
