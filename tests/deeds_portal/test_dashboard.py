"""The citizens' dashboard (/): every special task at a glance, fast whatever the data size."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import add_update
from tests.kit import rendered
from tests.reforms.factories import item_rows, make_item
from tests.volunteers.factories import book, make_post, make_shift, make_volunteer
from volunteers.models import Attendance

pytestmark = pytest.mark.django_db
D = datetime.date


def fill(make_project, unit, n: int, start: int = 0):
    from reforms.models import ServiceItem

    for i in range(start, start + n):
        project = make_project(title=f"项目{i}", lead_name=f"负责人{i}")
        add_update(project, D(2021, 6, 1), 50)
    ServiceItem.objects.bulk_create(item_rows(unit, 10 * n, start=10_000 + start * 10, nearby=True))
    post = make_post(unit)
    volunteer = make_volunteer(unit, name=f"演示志愿者{start}", phone=f"1380000{start:04d}")
    for i in range(n):
        shift = make_shift(
            post, day=D(2021, 5, 3) + datetime.timedelta(days=7 * (i + start)), citizens_served=3
        )
        book(volunteer, shift, Attendance.PRESENT, hours=Decimal("1.5"))


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert rendered(client, "/").status_code == 200
    return len(captured)


def test_the_dashboard_runs_the_same_queries_for_small_and_large_data(client, make_project, unit_a):
    fill(make_project, unit_a, 2)
    small = count_queries(client)
    fill(make_project, unit_a, 40, start=2)
    assert count_queries(client) == small
    assert small <= 12


def test_the_dashboard_shows_each_task_and_links_to_its_page(client, make_project, unit_a):
    fill(make_project, unit_a, 3)
    make_item(unit_a, should_enter=True, has_entered=True)
    page = client.get("/").text
    for url in [reverse("projects:list"), reverse("reforms:list"), reverse("volunteers:index")]:
        assert f'href="{url}"' in page, url
    for heading in ["开门办实事", "深化简政放权", "志愿"]:
        assert heading in page
    for secret in ["负责人0", "演示志愿者0", "13800000000"]:
        assert secret not in page
