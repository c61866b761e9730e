"""The project ledger as open data: what /projects/ shows, nothing more."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from units.models import Unit
from units.open_data import Dataset

from .forms import ProjectFilterForm
from .models import ProgressUpdate, Project, ProjectStatus, Round


def project_rows(request):
    form = ProjectFilterForm(request.GET or None)
    projects = (
        form.filter(Project.objects.published().with_progress())
        .select_related("round", "unit")
        .current_round_first()
    )
    for project in projects:
        yield {
            "id": project.pk,
            "title": project.title,
            "round": project.round.name,
            "unit": project.unit.name,
            "category": project.get_category_display(),
            "deadline": project.deadline,
            "status": project.derived_status,
            "status_label": ProjectStatus(project.derived_status).label,
            "percent": project.progress_percent,
            "progress_date": project.progress_date,
            "budget_yuan": project.budget,
            "spent_yuan": project.spent,
            "beneficiary_count": project.beneficiary_count,
            "beneficiaries": project.beneficiaries,
            "url": request.build_absolute_uri(reverse("projects:detail", args=[project.pk])),
        }


PROJECTS = Dataset(
    slug="projects",
    title=_("Open-door deeds: projects and their progress"),
    description=_("Every published project with its status and percent complete today."),
    fields=[
        ("id", _("Project number, as in the page address")),
        ("title", _("Title")),
        ("round", _("Round (批次)")),
        ("unit", _("Responsible unit (责任单位)")),
        ("category", _("Category")),
        ("deadline", _("Deadline (完成时限), YYYY-MM-DD")),
        ("status", _("Status today: not_started, in_progress, completed or overdue")),
        ("status_label", _("Status today, in words")),
        ("percent", _("Percent complete today (0–100)")),
        ("progress_date", _("Date of the latest progress, YYYY-MM-DD")),
        ("budget_yuan", _("Budget in yuan")),
        ("spent_yuan", _("Money spent in yuan")),
        ("beneficiary_count", _("Number of beneficiaries")),
        ("beneficiaries", _("Who benefits (no personal names)")),
        ("url", _("The project's public page")),
    ],
    rows=project_rows,
    models=(Project, ProgressUpdate, Round, Unit),
    filters=_("round (round number), unit (unit number), status — as on the project list"),
)
