from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    """身边的服务热线: 12345 hotline statistics (built in its own issue)."""

    name = "hotline"
    verbose_name = _("12345 hotline (服务热线)")
    # A portal app: leaders read and export its rows (see units.roles).
    role_permissions: dict[str, list[str]] = {}
