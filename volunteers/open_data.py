"""Volunteer service as open data: the public page's counts by month and service, nothing personal."""

from django.utils.translation import gettext_lazy as _

from units.open_data import Dataset

from . import services
from .models import Assignment, ProblemSolved, ServiceType, Shift


def service_rows(request):
    for row in services.public_totals()["months"]:
        yield {
            "month": row["month"].strftime("%Y-%m") if hasattr(row["month"], "strftime") else row["month"],
            "service": row["service"],
            "shifts_held": row["shifts"],
            "volunteers_served": row["volunteers"],
            "hours": row["hours"],
            "people_served": row["citizens"],
            "problems_solved": row["problems"],
        }


VOLUNTEER_SERVICE = Dataset(
    slug="volunteer-service",
    title=_("Party-member volunteer service by month and service type"),
    description=_("What the volunteer page shows: counts only, never a name or a phone number."),
    fields=[
        ("month", _("Month, YYYY-MM")),
        ("service", _("Service type")),
        ("shifts_held", _("Shifts held (cancelled ones excluded)")),
        ("volunteers_served", _("Volunteers who served (a count)")),
        ("hours", _("Volunteer hours, from attendance")),
        ("people_served", _("People served")),
        ("problems_solved", _("Problems solved")),
    ],
    rows=service_rows,
    models=(Shift, Assignment, ProblemSolved, ServiceType),
)
