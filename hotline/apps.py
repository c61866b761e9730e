from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The hotline's figures are the office's, not a unit's: the office administrator keeps
# months and imports cases (all permissions); leaders read and export (units.roles);
# unit editors may read the months and cases, to see how the hotline answers, but
# change nothing.
EDITOR_PERMISSIONS = ["hotline.view_month", "hotline.view_case"]


class HotlineConfig(AppConfig):
    """身边的服务热线: 12345 hotline statistics."""

    name = "hotline"
    verbose_name = _("12345 hotline (服务热线)")
    role_permissions = {"单位台账员": EDITOR_PERMISSIONS}
    # The months as a sheet, and the platform's case export (工单导出), streamed (imports.engines).
    import_engines = {
        "hotline.Month": "hotline.resources.MonthResource",
        "hotline.Case": "hotline.case_import.CaseEngine",
    }
