"""Volunteer service in a real browser: a citizen's phone view of /volunteers/, a coordinator's admin."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group

from tests.conftest import make_user
from units.models import Unit
from volunteers.models import Attendance, Post, Shift, Volunteer, combine

from .conftest import CHROMIUM
from .test_admin_pages import sign_in
from .test_public_pages import assert_fits_phone, screenshot, visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (make browser-deps)"),
]


@pytest.fixture
def volunteer_server(demo_server):
    import units.demo
    import volunteers.demo

    volunteers.demo.load(units.demo.load())
    return demo_server


def test_citizen_reads_the_volunteer_service_on_a_phone(volunteer_server, phone, console, screenshot_dir):
    visit(phone, volunteer_server.url + "/volunteers/")
    assert_fits_phone(phone)
    totals = phone.locator("section[aria-labelledby=totals-heading]").inner_text()
    assert "40" in totals  # 35 Mondays and 5 neighbourhood sessions
    services = phone.locator("section[aria-labelledby=services-heading]").inner_text()
    assert "三导" in services and "反诈骗宣传" in services and "法律咨询" in services
    body = phone.locator("body").inner_text()
    assert "演示志愿者" not in body and not re.search(r"1380000\d{4}", body)
    screenshot(phone, screenshot_dir, "volunteers-phone")
    assert console.errors == []


def test_coordinator_books_a_volunteer_and_records_attendance(volunteer_server, desktop, screenshot_dir):  # noqa: F811
    office_unit = Unit.objects.get(name="机关党委")
    make_user("coordinator", Group.objects.get(name="志愿服务协调员").name, office_unit)
    day = datetime.date(2021, 11, 6)  # a Saturday, nobody booked anywhere
    shift = Shift.objects.create(
        post=Post.objects.get(name="社区新时代文明实践站"),
        service_id=Shift.objects.filter(service__name="反诈骗宣传").values_list("service", flat=True).first(),
        starts_at=combine(day, datetime.time(9)),
        ends_at=combine(day, datetime.time(11)),
        headcount=2,
    )
    volunteer = Volunteer.objects.get(name="演示志愿者01")
    sign_in(desktop, volunteer_server, "coordinator")

    desktop.goto(f"{volunteer_server.url}/admin/volunteers/shift/?staffing=short")
    assert "0 / 2 ⚠" in desktop.locator("#result_list").inner_text()

    desktop.goto(f"{volunteer_server.url}/admin/volunteers/shift/{shift.pk}/change/")
    desktop.click("#assignments-group .add-row a")
    row = desktop.locator("#assignments-group tr.form-row:not(.empty-form)").last
    row.locator(".select2-selection").click()  # the volunteer autocomplete
    desktop.locator(".select2-search__field").fill("演示志愿者01")
    desktop.locator(".select2-results__option", has_text="演示志愿者01").click()
    desktop.click("input[name=_continue]")
    desktop.wait_for_load_state()
    assert desktop.locator(".errornote, .errorlist").all_inner_texts() == []
    assert shift.assignments.filter(volunteer=volunteer, attendance=Attendance.EXPECTED).exists()

    row = desktop.locator("#assignments-group tr.form-row.has_original").first
    row.locator("select[name$='-attendance']").select_option("present")
    desktop.fill("#id_citizens_served", "35")
    desktop.screenshot(path=str(screenshot_dir / "admin-shift-attendance.png"), full_page=True)
    desktop.click("input[name=_save]")
    desktop.wait_for_url(f"{volunteer_server.url}/admin/volunteers/shift/")
    assignment = shift.assignments.get(volunteer=volunteer)
    assert assignment.attendance == Attendance.PRESENT and str(assignment.hours) == "2.00"
    shift.refresh_from_db()
    assert shift.citizens_served == 35
    assert desktop.console_log.errors == []
