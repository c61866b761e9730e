"""/volunteers/: what the service did, by service and month, from attendance only, nothing personal."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from volunteers import demo, services
from volunteers.models import Assignment, Attendance, ProblemKind, ProblemSolved, Shift, Volunteer

from .factories import book, make_pattern, make_shift, make_volunteer, service

D = datetime.date


def test_hours_count_attendance_never_sign_up(post_a, unit_a):
    shift = make_shift(post_a, D(2021, 5, 3), "07:30", "09:00", citizens_served=30)
    present = book(make_volunteer(unit_a), shift, Attendance.PRESENT)  # blank hours: the shift's 1.5 h
    book(make_volunteer(unit_a), shift, Attendance.PRESENT, hours=Decimal("1.00"))
    book(make_volunteer(unit_a), shift, Attendance.ABSENT)
    book(make_volunteer(unit_a), make_shift(post_a, D(2021, 5, 10)))  # signed up, nothing recorded
    assert present.hours == Decimal("1.50")
    totals = services.public_totals()["totals"]
    assert totals["hours"] == Decimal("2.50")
    assert totals["volunteers"] == 2
    assert totals["shifts"] == 2 and totals["citizens"] == 30


def test_totals_per_service_and_month(post_a, unit_a):
    volunteer = make_volunteer(unit_a)
    may = make_shift(post_a, D(2021, 5, 31), citizens_served=10)
    june = make_shift(post_a, D(2021, 6, 7), citizens_served=12)
    legal = make_shift(
        post_a, D(2021, 6, 26), "09:00", "11:00", service=service("法律咨询"), citizens_served=5
    )
    make_shift(post_a, D(2021, 6, 14), is_cancelled=True, citizens_served=99)
    for shift in (may, june, legal):
        book(volunteer, shift, Attendance.PRESENT)
    ProblemSolved.objects.create(shift=legal, kind=ProblemKind.LEGAL, count=3)
    figures = services.public_totals()
    months = {(row["month"], row["service"]): row for row in figures["months"]}
    assert months[(D(2021, 5, 1), "三导")]["shifts"] == 1
    assert months[(D(2021, 6, 1), "三导")]["citizens"] == 12  # the cancelled shift counts nothing
    assert months[(D(2021, 6, 1), "法律咨询")]["problems"] == 3
    assert months[(D(2021, 6, 1), "法律咨询")]["hours"] == Decimal("2.00")
    by_service = {row["service"]: row for row in figures["services"]}
    assert by_service["三导"]["shifts"] == 2 and by_service["三导"]["hours"] == Decimal("3.00")
    assert by_service["三导"]["volunteers"] == 1


def test_public_page_shows_counts_but_no_names_or_phones(client, post_a, unit_a):
    volunteer = make_volunteer(unit_a, name="王五", phone="13912345678")
    book(volunteer, make_shift(post_a, citizens_served=40), Attendance.PRESENT)
    page = client.get("/volunteers/").content.decode()
    assert "三导" in page and "40" in page
    assert "王五" not in page and "13912345678" not in page


@pytest.fixture
def seeded(db):
    call_command("seed_demo")


def test_seed_demo_monday_roster_and_problems(seeded):
    mondays = Shift.objects.filter(post__name=demo.CROSSING, service__name="三导").order_by("date")
    assert mondays.count() == 35  # every Monday from 3 May to 27 December 2021
    assert {shift.date.weekday() for shift in mondays} == {0}
    assert (mondays.first().date, mondays.last().date) == (D(2021, 5, 3), D(2021, 12, 27))
    assert all(shift.assignments.count() == 4 for shift in mondays)
    assert Assignment.objects.filter(attendance=Attendance.ABSENT).count() == 1  # the no-show is kept
    solved = services.public_totals()["totals"]["problems"]
    assert 10 < solved < 20  # the article's 10余件次
    kinds = set(ProblemSolved.objects.values_list("shift__service__name", flat=True))
    assert kinds == {"反诈骗宣传", "法律咨询"}
    assert Volunteer.objects.filter(is_demo=True).count() == len(demo.VOLUNTEERS)


def test_seed_demo_twice_changes_nothing(seeded):
    before = (
        Volunteer.objects.count(),
        Shift.objects.count(),
        sorted(Assignment.objects.values_list("pk", "attendance", "hours")),
        ProblemSolved.objects.count(),
    )
    call_command("seed_demo")
    after = (
        Volunteer.objects.count(),
        Shift.objects.count(),
        sorted(Assignment.objects.values_list("pk", "attendance", "hours")),
        ProblemSolved.objects.count(),
    )
    assert before == after


def public_urls():
    return [
        "/",
        "/volunteers/",
        "/volunteers/open-data.json",
        "/projects/",
    ]


def test_no_demo_volunteer_name_or_phone_in_any_public_response(client, seeded):
    names = list(Volunteer.objects.filter(is_demo=True).values_list("name", flat=True))
    phones = list(Volunteer.objects.filter(is_demo=True).values_list("phone", flat=True))
    assert names and all(n.startswith("演示志愿者") for n in names)
    assert phones and all(p.startswith("1380000") for p in phones)
    checked = 0
    for url in public_urls():
        response = client.get(url)
        if response.status_code == 404:
            continue
        body = response.content.decode()
        assert "演示志愿者" not in body, url
        assert not re.search(r"1380000\d{4}", body), url
        checked += 1
    assert checked >= 3
    data = json.loads(client.get("/volunteers/open-data.json").content)
    assert data["totals"]["shifts"] == 40 and 10 < data["totals"]["problems"] < 20
    # Staff-only pages are not public: a citizen is sent to the login page.
    for url in (reverse("volunteers:roster"), reverse("volunteers:hours"), reverse("volunteers:roster-xlsx")):
        assert client.get(url).status_code == 302


def shifts_for_months(post, unit, months: int):
    volunteers = [make_volunteer(unit) for _ in range(3)]
    pattern = make_pattern(post, weekdays=[0, 3], starts_on=D(2021, 1, 1))
    day = D(2021, 1, 1)
    for _ in range(months):
        services.generate_month([pattern], day.year, day.month)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    legal = service("法律咨询")
    for i, shift in enumerate(Shift.objects.order_by("date")):
        if i % 3 == 0:
            shift.service = legal
            shift.citizens_served = 5
            shift.save()
            ProblemSolved.objects.create(shift=shift, kind=ProblemKind.LEGAL, count=1)
        Assignment.objects.create(shift=shift, volunteer=volunteers[i % 3], attendance=Attendance.PRESENT)


@pytest.mark.parametrize("months", [1, 36])
def test_public_page_queries_do_not_grow_with_history(
    client, post_a, unit_a, months, django_assert_num_queries
):
    shifts_for_months(post_a, unit_a, months)
    with django_assert_num_queries(5):
        response = client.get("/volunteers/")
    assert response.status_code == 200
