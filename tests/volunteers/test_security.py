"""The volunteer pages tried as an attacker would: tampered parameters never answer 500."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import logged_in
from tests.kit import LedgerAdmin, read_xlsx
from volunteers.models import Attendance, Shift, Volunteer

from .factories import book, make_pattern, make_post, make_shift, make_volunteer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("month", ["9999-12", "0001-01"])
@pytest.mark.parametrize("page", ["volunteers:roster", "volunteers:roster-xlsx"])
def test_a_month_at_the_calendars_edge_is_refused_with_a_message_not_a_500(
    client, coordinator_a, post_a, page, month
):
    logged_in(client, coordinator_a)
    response = client.get(reverse(page), {"month": month})
    if page == "volunteers:roster":
        assert response.status_code == 200
        assert "请选择2000年至2100年之间的月份" in response.content.decode()
    else:
        assert response.status_code == 400


def test_a_month_past_the_calendars_end_is_refused_when_generating_shifts(client, coordinator_a, post_a):
    pattern = make_pattern(post_a)
    logged_in(client, coordinator_a)
    response = client.post(
        reverse("admin:volunteers_shiftpattern_changelist"),
        {"action": "generate_month", "_selected_action": [pattern.pk], "month": "9999-12"},
    )
    assert response.status_code == 200
    assert "请选择2000年至2100年之间的月份" in response.content.decode()
    assert not Shift.objects.exists()


def _shifts_held(page: str) -> str:
    return re.search(r"<dt>服务班次</dt><dd>([^<]*)</dd>", page).group(1)


def test_generated_shifts_show_on_the_public_page_at_once(
    client, coordinator_a, post_a, django_capture_on_commit_callbacks
):
    pattern = make_pattern(post_a, weekdays=(0,))
    before = _shifts_held(client.get("/volunteers/").text)
    staff = logged_in(client.__class__(), coordinator_a)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            reverse("admin:volunteers_shiftpattern_changelist"),
            {"action": "generate_month", "_selected_action": [pattern.pk], "month": "2021-05"},
        )
    assert Shift.objects.count() == 5  # the Mondays of May 2021
    assert _shifts_held(client.get("/volunteers/").text) != before


def test_cancelled_shifts_leave_the_public_figures_at_once(
    client, coordinator_a, post_a, django_capture_on_commit_callbacks
):
    shift = make_shift(post_a)
    before = _shifts_held(client.get("/volunteers/").text)
    staff = logged_in(client.__class__(), coordinator_a)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            reverse("admin:volunteers_shift_changelist"),
            {"action": "cancel_shifts", "_selected_action": [shift.pk]},
        )
    shift.refresh_from_db()
    assert shift.is_cancelled
    assert _shifts_held(client.get("/volunteers/").text) != before


PUBLIC_VOLUNTEER_URLS = [
    "/volunteers/",
    "/en/volunteers/",
    "/volunteers/open-data.json",
    "/open-data/",
    "/open-data/volunteer-service.json",
    "/open-data/volunteer-service.csv",
    "/",
]


def test_a_coordinators_visit_leaves_no_name_phone_or_cookie_for_citizens(
    client, coordinator_a, post_a, volunteer_a
):
    shift = make_shift(post_a)
    book(volunteer_a, shift, Attendance.PRESENT)
    staff = logged_in(client.__class__(), coordinator_a)
    for url in PUBLIC_VOLUNTEER_URLS:  # the coordinator's visit fills the page cache
        assert staff.get(url).status_code == 200, url
    for url in PUBLIC_VOLUNTEER_URLS:
        response = client.get(url)
        text = response.content.decode()
        assert volunteer_a.name not in text and volunteer_a.phone not in text, url
        assert "csrfmiddlewaretoken" not in text and not response.cookies, url


def _may_2021_exports(client, coordinator, unit, post_name: str, volunteer_name: str):
    """The roster, hours and register files of May 2021 with one attended shift, as rows."""
    volunteer = make_volunteer(unit, name=volunteer_name)
    book(
        volunteer, make_shift(make_post(unit, name=post_name), datetime.date(2021, 5, 3)), Attendance.PRESENT
    )
    logged_in(client, coordinator)
    roster = read_xlsx(client.get(reverse("volunteers:roster-xlsx"), {"month": "2021-05"}).content)
    hours = read_xlsx(
        client.get(
            reverse("volunteers:hours"), {"start": "2021-05-01", "end": "2021-05-31", "format": "xlsx"}
        ).content
    )
    return roster, hours, read_xlsx(LedgerAdmin(client, Volunteer).export())


def test_typed_formulas_never_run_in_the_roster_hours_or_register_exports(client, coordinator_a, unit_a):
    roster, hours, register = _may_2021_exports(client, coordinator_a, unit_a, "=1+1", "@SUM(A1)")
    for rows in (roster, hours, register):
        cells = [cell for row in rows for cell in row if isinstance(cell, str)]
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
    assert "'=1+1" in str(roster) and "'@SUM(A1)" in str(roster) and "'@SUM(A1)" in str(hours)


def test_a_control_character_in_a_name_does_not_stop_the_roster_hours_or_register_exports(
    client, coordinator_a, unit_a
):
    roster, hours, register = _may_2021_exports(client, coordinator_a, unit_a, "社区\x07服务站", "张\x0b三")
    assert "社区服务站" in str(roster) and "张三" in str(roster)
    assert "张三" in str(hours) and "张三" in str(register)


def test_shifts_not_yet_come_are_not_counted_as_held(client, post_a):
    make_shift(post_a, datetime.date(2021, 5, 3))
    with time_machine.travel("2021-05-10T04:00:00+00:00", tick=False):
        make_shift(post_a, datetime.date(2021, 6, 7))  # generated ahead for next month
        page = client.get("/volunteers/").text
        assert _shifts_held(page) == "1"
        assert "2021-06" not in client.get("/open-data/volunteer-service.csv").content.decode()
