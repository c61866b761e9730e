from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Spreadsheet imports (表格导入): one job model, one job page, one private upload folder,
    one sweep, for every kind of file. Each app names its engines on its own AppConfig
    (``import_engines``); this app collects them (``imports.engines``)."""

    name = "imports"
    verbose_name = _("Spreadsheet imports")
    role_permissions: dict[str, list[str]] = {}
    # The units as a sheet: the office's own (units sit below this app, so it names them).
    import_engines = {"units.Unit": "imports.engines.UnitEngine"}

    def ready(self) -> None:
        from django.core import checks
        from reversion.signals import post_revision_commit

        from .engines import check_engines, collect
        from .history import write_collected
        from .pending import check_pending_folder

        post_revision_commit.connect(write_collected, dispatch_uid="imports.history.write_collected")
        checks.register(check_pending_folder)
        checks.register(check_engines)
        collect()
