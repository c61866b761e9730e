"""One shape for "as of a date": each special task's figures in the monthly workbook are those its
own public page (and the dashboard) shows for the same day, asked through the app's
``figures(on=…)``."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from deeds_portal.workbook import (
    hotline_sheet,
    projects_sheet,
    reforms_sheet,
    satisfaction_sheet,
    volunteers_sheet,
)
from deeds_portal.workbook.build import MonthContext
from hotline import figures as hotline_figures
from reforms.models import ServiceItem
from suggestions.models import Rating, satisfaction_figures
from tests.conftest import add_update
from tests.hotline.factories import make_month
from tests.reforms.factories import make_item
from tests.volunteers.factories import book, make_post, make_shift, make_volunteer, service
from volunteers import services as volunteer_services
from volunteers.models import Attendance, ProblemKind, ProblemSolved

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = datetime.datetime(2021, 8, 10, 2, 0, tzinfo=datetime.UTC)  # 10:00 on 10 August in Beijing


@pytest.fixture(autouse=True)
def _on_10_august():
    with time_machine.travel(TODAY, tick=False):
        yield


def test_projects_as_the_dashboard_shows_them_today(client, make_project):
    done = make_project(title="已完成", deadline=D(2021, 7, 31))
    add_update(done, D(2021, 7, 20), 100)
    late = make_project(title="已逾期", deadline=D(2021, 7, 31))
    add_update(late, D(2021, 7, 1), 40)
    # Due later this month: the August workbook made today does not call it overdue, nor does
    # the dashboard.
    due_soon = make_project(title="本月下旬到期", deadline=D(2021, 8, 20))
    add_update(due_soon, D(2021, 8, 1), 60)
    dashboard = client.get(reverse("dashboard")).context["figures"]
    ours = projects_sheet.figures(MonthContext(month=D(2021, 8, 1)))
    assert (
        ours["项目总数"],
        ours["已完成"],
        ours["进行中"],
        ours["未开始"],
        ours["逾期"],
        ours["完成率(%)"],
    ) == (
        dashboard["total"],
        dashboard["completed"],
        dashboard["in_progress"],
        dashboard["not_started"],
        dashboard["overdue"],
        dashboard["completion_rate"],
    )
    assert ours["逾期"] == 1


def reform_values(ours: dict) -> tuple:
    return (
        ours["就近办事项"],
        ours["一枚公章"],
        ours["一件事一次办事项"],
        ours["月末已落地"],
        ours["落地率(%)"],
        ours["应进驻事项"],
        ours["已进驻事项"],
        ours["入驻率(%)"],
    )


def catalogue_values(figures: dict) -> tuple:
    return (
        figures["nearby"],
        figures["one_seal"],
        figures["one_go"],
        figures["one_go_landed"],
        figures["one_go_landing_rate"],
        figures["window_items"],
        figures["window_entered"],
        figures["window_entry_rate"],
    )


def test_reforms_as_of_a_past_month_and_as_the_public_page_shows_them(client, unit_a, unit_b):
    for landed in [D(2021, 5, 20), D(2021, 6, 30), D(2021, 7, 1)]:
        make_item(unit_a, batch=1, landed_on=landed, nearby=True, one_seal=True)
    make_item(unit_b, batch=2)
    make_item(unit_a, should_enter=True, has_entered=True, entered_on=D(2021, 7, 2))
    make_item(unit_b, should_enter=True, has_entered=True)
    make_item(unit_b, should_enter=True)
    june = reforms_sheet.figures(MonthContext(month=D(2021, 6, 1)))
    catalogue_june = ServiceItem.objects.published().figures(on=D(2021, 6, 30))
    assert reform_values(june) == catalogue_values(catalogue_june)
    assert june["月末已落地"] == 2 and june["已进驻事项"] == 1  # July's landing and entry not yet
    page = client.get(reverse("reforms:list")).context["figures"]
    august = reforms_sheet.figures(MonthContext(month=D(2021, 8, 1)))
    assert reform_values(august) == catalogue_values(page)
    assert august["月末已落地"] == 3 and august["已进驻事项"] == 2


def test_hotline_year_to_date_as_the_public_page_shows_it(client):
    for year in (2020, 2021):
        for month in range(1, 8):
            make_month(
                D(year, month, 1), calls=1000 * month + year, accepted=500 + month, satisfied=370 + year % 7
            )
    page = client.get(reverse("hotline:index"), {"start": "2021-01", "end": "2021-06"}).context["figures"]
    ours = hotline_sheet.figures(MonthContext(month=D(2021, 6, 1)))
    as_of = hotline_figures.figures(on=D(2021, 6, 30))
    for key, label in [
        ("calls", "来电总量"),
        ("accepted", "受理事件"),
        ("completion_rate", "综合办结率"),
        ("satisfaction_rate", "综合满意率"),
        ("online_rate", "在线办结率"),
    ]:
        assert ours[f"年初至今{label}"] == page.figures[key].value == as_of.figures[key].value
        assert ours[f"年初至今{label}同比"] == page.figures[key].change == as_of.figures[key].change
    # The dashboard and the page's default: the year to date of the latest month stored (July).
    dashboard = client.get(reverse("dashboard")).context["hotline"]
    july = hotline_sheet.figures(MonthContext(month=D(2021, 7, 1)))
    assert (
        dashboard.figures["calls"].value
        == july["年初至今来电总量"]
        == sum(1000 * m + 2021 for m in range(1, 8))
    )


def test_volunteers_month_as_the_public_page_shows_it(client, unit_a):
    post = make_post(unit_a)
    alice, bob = make_volunteer(unit_a), make_volunteer(unit_a)
    guide = make_shift(post, day=D(2021, 6, 7), citizens_served=12)
    legal = make_shift(post, day=D(2021, 6, 26), service=service("法律咨询"), citizens_served=5)
    book(alice, guide, Attendance.PRESENT, hours=Decimal("1.5"))
    book(bob, guide, Attendance.PRESENT, hours=Decimal(2))
    book(alice, legal, Attendance.PRESENT, hours=Decimal(1))
    ProblemSolved.objects.create(shift=legal, kind=ProblemKind.LEGAL, count=3)
    make_shift(post, day=D(2021, 7, 5), citizens_served=8)  # another month
    page = client.get(reverse("volunteers:index")).context["figures"]
    page_june = {row["service"]: row for row in page["months"] if row["month"] == D(2021, 6, 1)}
    sheet = {row[0]: row[1:6] for row in volunteers_sheet.by_service(MonthContext(month=D(2021, 6, 1)))}
    assert sheet == {
        name: [row["shifts"], row["volunteers"], row["hours"], row["citizens"], row["problems"]]
        for name, row in page_june.items()
    }
    assert sheet["三导"] == [1, 2, Decimal("3.5"), 12, 0]
    # The dashboard's figures as of a day count the shifts held by then.
    assert volunteer_services.figures(on=D(2021, 6, 30))["shifts"] == 2
    assert client.get(reverse("dashboard")).context["volunteers"]["shifts"] == 3
    assert volunteer_services.figures(on=D(2021, 6, 30))["hours"] == Decimal("4.5")


def test_ratings_as_the_project_page_counts_them_on_the_same_day(make_project):
    project = make_project(title="修建一座风雨桥", deadline=D(2021, 6, 30))
    add_update(project, D(2021, 6, 1), 100)
    for moment, answer in [
        (datetime.datetime(2021, 6, 20, 2, tzinfo=datetime.UTC), "satisfied"),
        # 00:30 on 1 July in Beijing: July's, though UTC still says 30 June.
        (datetime.datetime(2021, 6, 30, 16, 30, tzinfo=datetime.UTC), "unsatisfied"),
        (datetime.datetime(2021, 8, 2, 2, tzinfo=datetime.UTC), "fairly"),
    ]:
        with time_machine.travel(moment, tick=False):
            Rating.objects.create(project=project, satisfaction=answer)
    for month, on in [
        (D(2021, 6, 1), D(2021, 6, 30)),
        (D(2021, 7, 1), D(2021, 7, 31)),
        (D(2021, 8, 1), None),
    ]:
        ours = satisfaction_sheet.figures(MonthContext(month=month))
        page = satisfaction_figures(project, on=on)  # None: today, as the project page shows it
        assert (ours["评价数"], ours["满意率(%)"]) == (page["total"], page["satisfaction_rate"])
    assert satisfaction_figures(project, on=D(2021, 6, 30))["total"] == 1
