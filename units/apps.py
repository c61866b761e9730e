from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    """Shared reference data: responsible units (责任单位) and who belongs to them."""

    name = "units"
    verbose_name = _("Units and roles")
    # A portal app: leaders read and export its rows (see units.roles).
    role_permissions: dict[str, list[str]] = {}
    # The photo of a change waiting for review: only staff of its unit and the office.
    media_handlers = {"review/": "units.review.serve_proposed_file"}

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_delete

        from .models import ReviewedModel
        from .review import forget_deleted
        from .roles import sync_role_permissions

        for model in apps.get_models():
            if issubclass(model, ReviewedModel):
                post_delete.connect(
                    forget_deleted, sender=model, dispatch_uid=f"units.review:{model._meta.label}"
                )

        # The automatic unit–staff link reads “Unit_members object (3)” in the user's unit rows.
        from .models import Unit

        Unit.members.through.__str__ = lambda row: str(row.unit)

        # Permissions only exist after every app has migrated, so the groups made
        # by the data migration get their permissions here.
        post_migrate.connect(sync_role_permissions, dispatch_uid="units.sync_roles")
