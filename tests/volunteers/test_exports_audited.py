"""The roster and hours spreadsheets carry volunteers' names: each download is an audit entry."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from tests.conftest import logged_in
from volunteers.models import Attendance

from .factories import book, make_shift

pytestmark = pytest.mark.django_db
Action = AuditEntry.Action


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def test_the_roster_and_hours_spreadsheets_leave_an_export_entry_each(
    client, coordinator_a, post_a, volunteer_a
):
    book(volunteer_a, make_shift(post_a, datetime.date(2021, 5, 3)), Attendance.PRESENT)
    client = logged_in(client, coordinator_a)
    client.get(reverse("volunteers:roster"), {"month": "2021-05"})  # the page itself is no export
    client.get(reverse("volunteers:hours"), {"start": "2021-05-01", "end": "2021-05-31"})
    assert entries(Action.EXPORT) == []
    assert client.get(reverse("volunteers:roster-xlsx"), {"month": "2021-05"}).status_code == 200
    response = client.get(
        reverse("volunteers:hours"), {"start": "2021-05-01", "end": "2021-05-31", "format": "xlsx"}
    )
    assert response.status_code == 200
    roster, hours = entries(Action.EXPORT)
    for entry in (roster, hours):
        assert (entry.user, entry.address) == (coordinator_a, "127.0.0.1")
    assert roster.object_type.model == "shift"
    assert roster.details == {"format": "xlsx", "rows": 1, "month": "2021-05"}
    assert hours.object_type.model == "volunteer"
    assert hours.details == {"format": "xlsx", "rows": 1, "start": "2021-05-01", "end": "2021-05-31"}
