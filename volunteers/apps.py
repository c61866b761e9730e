from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

COORDINATOR_PERMISSIONS = [
    "volunteers.view_volunteer",
    "volunteers.add_volunteer",
    "volunteers.change_volunteer",
    "volunteers.delete_volunteer",
    "volunteers.import_volunteer",
    "volunteers.export_volunteer",
    "volunteers.issue_certificate",
    "volunteers.view_certificate",
    "volunteers.view_servicetype",
    "volunteers.view_post",
    "volunteers.add_post",
    "volunteers.change_post",
    "volunteers.view_shiftpattern",
    "volunteers.add_shiftpattern",
    "volunteers.change_shiftpattern",
    "volunteers.delete_shiftpattern",
    "volunteers.view_shift",
    "volunteers.add_shift",
    "volunteers.change_shift",
    "volunteers.view_assignment",
    "volunteers.add_assignment",
    "volunteers.change_assignment",
    "volunteers.delete_assignment",
    "volunteers.import_assignment",
    "volunteers.export_assignment",
    "volunteers.view_problemsolved",
    "volunteers.add_problemsolved",
    "volunteers.change_problemsolved",
    "volunteers.delete_problemsolved",
    "volunteers.view_selfservicerules",
    "volunteers.add_selfservicerules",
    "volunteers.change_selfservicerules",
]


class VolunteersConfig(AppConfig):
    """党员志愿者服务: party-member volunteer rosters."""

    name = "volunteers"
    verbose_name = _("Party-member volunteers (党员志愿者服务)")
    # Coordinators keep their units' registers, shifts and attendance; a shift is
    # cancelled (kept on record), never deleted, so they have no delete_shift.
    role_permissions = {"志愿服务协调员": COORDINATOR_PERMISSIONS}
    import_engines = {  # imports.engines
        "volunteers.Volunteer": "volunteers.resources.VolunteerResource",
        "volunteers.Assignment": "volunteers.resources.AssignmentResource",
    }

    def ready(self) -> None:
        from units import open_data

        from .open_data import VOLUNTEER_SERVICE

        open_data.register(VOLUNTEER_SERVICE)
