"""The citizens' dashboard (/): every special task at a glance, fast whatever the data size."""

import datetime
import re
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


def _terms(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", term).strip() for term in re.findall(r"<dt>(.*?)</dt>", html, re.S)]


def test_the_home_page_names_the_hotline_rates_as_the_hotline_page_does(client):
    from hotline import demo

    demo.load({})
    home = client.get("/").text
    card = home.split('id="hotline-heading"')[1].split("</section>")[0]
    hotline = client.get("/hotline/").text
    for term in ["综合办结率", "综合满意率"]:
        assert term in _terms(card) and term in _terms(hotline)
    assert "完成率" not in _terms(card) and "满意率" not in _terms(card)
    # The hotline page's own monthly table uses the same words as its figures.
    table = hotline.split('class="data trend-table"')[1].split("</thead>")[0]
    assert "综合办结率" in table and "综合满意率" in table


def test_the_elder_mode_switch_speaks_the_page_language(client):
    def switch(path):
        return re.search(r'<a class="elder-on"[^>]*>(.*?)</a>', client.get(path).text).group(1)

    assert switch("/") == "长辈版"
    english = switch("/en/")
    assert english == "Elder mode" and not re.search(r"[\u4e00-\u9fff]", english)
