"""The project ledger as open data: what /projects/ shows, nothing more."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from units.models import Unit
from units.open_data import Dataset

from .forms import ProjectFilterForm
from .models import ProgressUpdate, Project, ProjectStatus, Round


def project_rows(request):
    """The rows as plain values: a city's thousand projects cost no model instance, and each
    label and the address pattern are worked out once, not once per row."""
    form = ProjectFilterForm(request.GET or None)
    projects = (
        form.filter(Project.objects.published().with_progress())
        .order_by("deadline", "pk")
        .values_list(*COLUMNS)
    )
    categories = {value: str(label) for value, label in Project._meta.get_field("category").flatchoices}
    statuses = {value: str(label) for value, label in ProjectStatus.choices}
    address = request.build_absolute_uri(reverse("projects:detail", args=[ADDRESS_SENTINEL]))
    before, after = address.split(str(ADDRESS_SENTINEL))
    order = [key for key, _meaning in PROJECTS.fields]
    for values in projects:
        row = dict(zip(KEYS, values, strict=True))
        row["category"] = categories.get(row["category"], row["category"])
        row["status_label"] = statuses[row["status"]]
        row["url"] = f"{before}{row['id']}{after}"
        yield {key: row[key] for key in order}


ADDRESS_SENTINEL = 987654321
# (row key, queried column), in query order
_COLUMNS = [
    ("id", "pk"),
    ("title", "title"),
    ("round", "round__name"),
    ("unit", "unit__name"),
    ("category", "category"),
    ("deadline", "deadline"),
    ("status", "derived_status"),
    ("percent", "progress_percent"),
    ("progress_date", "progress_date"),
    ("budget_yuan", "budget"),
    ("spent_yuan", "spent"),
    ("beneficiary_count", "beneficiary_count"),
    ("beneficiaries", "beneficiaries"),
]
KEYS = [key for key, _column in _COLUMNS]
COLUMNS = [column for _key, column in _COLUMNS]


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
    params=tuple(ProjectFilterForm.base_fields),
    filters=_("round (round number), unit (unit number), status — as on the project list"),
)
