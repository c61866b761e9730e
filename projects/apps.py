from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

EDITOR_PERMISSIONS = [
    "projects.view_round",
    "projects.view_project",
    "projects.add_project",
    "projects.change_project",
    "projects.delete_project",
    "projects.import_project",
    "projects.export_project",
    "projects.view_progressupdate",
    "projects.add_progressupdate",
    "projects.change_progressupdate",
    "projects.delete_progressupdate",
]


class ProjectsConfig(AppConfig):
    """开门办实事: the open-door deeds ledger ("十个一")."""

    name = "projects"
    verbose_name = _("Open-door deeds (开门办实事)")
    role_permissions = {"单位台账员": EDITOR_PERMISSIONS}
    import_engines = {"projects.Project": "projects.resources.ProjectResource"}  # imports.engines
    # Progress photos (upload_to="progress/…") are served by their project's publication rule.
    media_handlers = {"progress/": "projects.views.progress_photo"}

    def ready(self) -> None:
        from units import open_data

        from .open_data import PROJECTS

        open_data.register(PROJECTS)
