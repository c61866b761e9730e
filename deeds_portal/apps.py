from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeedsPortalConfig(AppConfig):
    """The portal-wide layer: dashboard, workbook and cross-app commands."""

    name = "deeds_portal"
    verbose_name = _("Portal")
    # A portal app: leaders read and export its rows (see units.roles), and make the workbook.
    role_permissions = {
        "领导": ["deeds_portal.download_workbook"],
    }

    def ready(self) -> None:
        from . import login_throttle

        login_throttle.connect()
