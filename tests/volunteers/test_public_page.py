"""/volunteers/: what the service did, by service and month, from attendance only, nothing personal."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.kit.once import shared_rows
from volunteers import demo, services
from volunteers.models import Assignment, Attendance, ProblemKind, ProblemSolved, Shift, Volunteer

from .factories import book, make_pattern, make_post, make_shift, make_volunteer, service

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


def public_urls():
    return [
        "/",
        "/volunteers/",
        "/volunteers/open-data.json",
        "/projects/",
    ]


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
    for n in range(months):  # posts and patterns grow too: the page still asks one query for them
        make_pattern(make_post(unit_a), weekdays=[n % 7], headcount=2)
    with django_assert_num_queries(6):
        response = client.get("/volunteers/")
    assert response.status_code == 200
    assert len(response.context["posts"]) == months + 1


def posts_section(client) -> str:
    page = client.get("/volunteers/").content.decode()
    return page.split('id="posts-heading"')[1].split("</section>")[0]


def test_the_page_shows_each_post_its_weekly_times_and_how_many_serve_but_no_names(client, post_a, unit_a):
    import time_machine

    crossing = make_pattern(post_a, weekdays=[0], start="07:30", end="09:00", headcount=4)
    crossing.regular_volunteers.set([make_volunteer(unit_a, name="王五", phone="13912345678")])
    make_pattern(
        post_a, weekdays=[5, 6], start="15:00", end="17:00", headcount=2, service=service("反诈骗宣传")
    )
    station = make_post(unit_a, name="便民服务站", address="大庸路18号")
    make_pattern(station, weekdays=list(range(7)), start="09:00", end="11:30", headcount=1)
    make_pattern(station, weekdays=[2], starts_on=D(2021, 7, 1))  # yet to start
    make_pattern(make_post(unit_a, name="已结束的岗位"), ends_on=D(2021, 5, 31))  # over
    make_pattern(make_post(unit_a, name="已停用的岗位", is_active=False))
    with time_machine.travel(datetime.datetime(2021, 6, 15, 2, 0, tzinfo=datetime.UTC), tick=False):
        section = posts_section(client)
    text = re.sub(r"<[^>]+>", "", section)
    assert "大庸路与机场路交叉路口" in text
    assert "每星期一 07:30–09:00 · 三导 · 每次4人" in text
    assert "每星期六、星期日 15:00–17:00 · 反诈骗宣传 · 每次2人" in text
    assert "便民服务站" in text and "大庸路18号" in text and "每天 09:00–11:30" in text
    assert "每星期三 07:30–09:00 · 三导 · 每次4人 · 自2021年7月1日起" in text
    assert "已结束的岗位" not in text and "已停用的岗位" not in text
    assert "王五" not in section and "13912345678" not in section
    data = json.loads(client.get("/volunteers/open-data.json").content)
    crossing_data = next(post for post in data["posts"] if post["post"] == "大庸路与机场路交叉路口")
    assert crossing_data["times"][0] == {
        "weekdays": [0],
        "start": "07:30",
        "end": "09:00",
        "service": "三导",
        "volunteers_per_shift": 4,
        "from": None,
        "until": None,
    }
    english = re.sub(r"<[^>]+>", "", client.get("/en/volunteers/").content.decode())
    assert "every Monday 07:30–09:00" in english and "4 volunteers each time" in english


def test_a_changed_pattern_shows_on_the_cached_page(client, post_a, django_capture_on_commit_callbacks):
    pattern = make_pattern(post_a, weekdays=[0], start="07:30", end="09:00")
    assert "每星期一 07:30–09:00" in re.sub(r"<[^>]+>", "", posts_section(client))
    with django_capture_on_commit_callbacks(execute=True):
        pattern.weekday_numbers = [1]
        pattern.headcount = 6
        pattern.save()
    text = re.sub(r"<[^>]+>", "", posts_section(client))
    assert "每星期二 07:30–09:00 · 三导 · 每次6人" in text and "每星期一" not in text
    with django_capture_on_commit_callbacks(execute=True):
        post_a.name = "大庸路口"
        post_a.save()
    assert "大庸路口" in posts_section(client)


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """seed_demo run once for the class's tests (each starts from its rows, as after one run
    on an empty database, and its own changes are rolled back)."""
    with shared_rows(django_db_blocker):
        call_command("seed_demo")
        yield


@pytest.mark.usefixtures("seeded")
@pytest.mark.django_db
class TestTheDemo:
    def test_seed_demo_monday_roster_and_problems(self):
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

    def test_seed_demo_twice_changes_nothing(self):
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

    def test_no_demo_volunteer_name_or_phone_in_any_public_response(self, client):
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
        for url in (
            reverse("volunteers:roster"),
            reverse("volunteers:hours"),
            reverse("volunteers:roster-xlsx"),
        ):
            assert client.get(url).status_code == 302

    def test_the_demo_crossing_is_staffed_every_monday(self, client):
        text = re.sub(r"<[^>]+>", "", posts_section(client))
        assert f"{demo.CROSSING}" in text
        assert "每星期一 07:30–09:00 · 三导 · 每次4人" in text
