from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    """Shared reference data: responsible units (责任单位) and who belongs to them."""

    name = "units"
    verbose_name = _("Units and roles")
    # A portal app: leaders read and export its rows (see units.roles).
    role_permissions: dict[str, list[str]] = {}

    def ready(self) -> None:
        # The automatic unit–staff link reads “Unit_members object (3)” in the user's unit rows.
        from .models import Unit
        from .roles import sync_roles_after_the_last_app

        Unit.members.through.__str__ = lambda row: str(row.unit)

        # Permissions only exist after every app has migrated, so the groups made
        # by the data migration get their permissions here.
        post_migrate.connect(sync_roles_after_the_last_app, dispatch_uid="units.sync_roles")
