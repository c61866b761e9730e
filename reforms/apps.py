from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

EDITOR_PERMISSIONS = [
    "reforms.view_serviceitem",
    "reforms.add_serviceitem",
    "reforms.change_serviceitem",
    "reforms.delete_serviceitem",
    "reforms.import_serviceitem",
    "reforms.export_serviceitem",
]


class ReformsConfig(AppConfig):
    """深化简政放权: the approval-reform item catalogue."""

    name = "reforms"
    verbose_name = _("Approval reform (深化简政放权)")
    # Unit editors keep their units' items; leaders read and export every row (see units.roles).
    role_permissions = {"单位台账员": EDITOR_PERMISSIONS}
    import_engines = {"reforms.ServiceItem": "reforms.resources.ServiceItemResource"}  # imports.engines

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from units.models import rows_written_in_bulk

        from .figures import forget_figures
        from .models import ServiceItem

        post_save.connect(forget_figures, sender=ServiceItem, dispatch_uid="reforms-figures-save")
        post_delete.connect(forget_figures, sender=ServiceItem, dispatch_uid="reforms-figures-delete")
        rows_written_in_bulk.connect(
            forget_figures, sender=ServiceItem, dispatch_uid="reforms-figures-import"
        )
        # A renamed or removed department changes the search's department choices.
        post_save.connect(forget_figures, sender="units.Unit", dispatch_uid="reforms-departments-save")
        post_delete.connect(forget_figures, sender="units.Unit", dispatch_uid="reforms-departments-delete")

        from units import open_data

        from .open_data import SERVICE_ITEMS

        open_data.register(SERVICE_ITEMS)
