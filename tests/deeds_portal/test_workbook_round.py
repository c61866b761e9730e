"""A workbook of one round (批次): `monthly_report --round ID` and the round chosen in the admin."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from deeds_portal.models import IssuedWorkbook
from tests.conftest import add_update, logged_in
from tests.projects.factories import make_round

pytestmark = pytest.mark.django_db
D = datetime.date
MAKE = reverse("admin:deeds_portal_issuedworkbook_make")


@pytest.fixture(autouse=True)
def _in_2021():
    with time_machine.travel(datetime.datetime(2021, 12, 3, 2, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def two_rounds(make_project, round_, unit_a):
    """The first round's projects all done, one of them overdue; a second round begun in July."""
    for n in range(3):
        done = make_project(title=f"第一批已完成{n}", deadline=D(2021, 6, 30))
        add_update(done, D(2021, 6, 1), 100)
    late = make_project(title="第一批逾期", deadline=D(2021, 6, 30))
    add_update(late, D(2021, 6, 1), 60)
    second = make_round(name="2021年第二批", start_date=D(2021, 7, 1))
    make_project(title="第二批项目", round=second, unit=unit_a, deadline=D(2021, 12, 31))
    return round_, second


def titles(content: bytes, sheet="开门办实事") -> list[str]:
    rows = list(openpyxl.load_workbook(io.BytesIO(content))[sheet].iter_rows(min_row=3, values_only=True))
    end = next((i for i, row in enumerate(rows) if row[0] in (None, "合计")), len(rows))
    return [row[1] for row in rows[:end]]


def summary(content: bytes) -> dict:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {
        row[1]: row[2]
        for row in book["汇总"].iter_rows(min_row=3, values_only=True)
        if row[0] == "开门办实事"
    }


def test_the_command_writes_one_rounds_book(tmp_path, two_rounds):
    first, second = two_rounds
    out = tmp_path / "book.xlsx"
    call_command("monthly_report", "2021-11", "-o", str(out), "--round", str(first.pk))
    content = out.read_bytes()
    assert sorted(titles(content)) == sorted(
        ["第一批已完成0", "第一批已完成1", "第一批已完成2", "第一批逾期"]
    )
    assert summary(content)["项目总数"] == 4 and summary(content)["完成率"] == pytest.approx(0.75)
    assert first.name in openpyxl.load_workbook(out)["开门办实事"]["A1"].value
    call_command("monthly_report", "2021-11", "-o", str(out), "--round", str(second.pk))
    assert titles(out.read_bytes()) == ["第二批项目"]
    # Without a round: the current round and the first round's overdue project, said in the title.
    call_command("monthly_report", "2021-11", "-o", str(out))
    default = out.read_bytes()
    assert sorted(titles(default)) == ["第一批逾期", "第二批项目"]
    assert "2021年第二批及以前批次逾期项目" in openpyxl.load_workbook(out)["汇总"]["A1"].value
    # Each round's issue is compared with the last issue of the same round, not another's.
    assert [issued.differences for issued in IssuedWorkbook.objects.all()] == [[], [], []]
    assert IssuedWorkbook.objects.filter(scope__contains=first.name).count() == 1


@pytest.mark.parametrize(
    ("round_id", "message"),
    [("999", "没有编号为“999”的批次"), ("abc", "没有编号为“abc”的批次"), ("second", "晚于 2021-06")],
)
def test_the_command_refuses_a_round_it_cannot_use_in_chinese(tmp_path, two_rounds, round_id, message):
    if round_id == "second":
        round_id = str(two_rounds[1].pk)
    with pytest.raises(CommandError, match=message):
        call_command("monthly_report", "2021-06", "-o", str(tmp_path / "x.xlsx"), "--round", round_id)
    assert not IssuedWorkbook.objects.exists() and not (tmp_path / "x.xlsx").exists()


def test_a_round_chosen_in_the_admin_download(client, leader, two_rounds):
    first, second = two_rounds
    client = logged_in(client, leader)
    page = client.get(MAKE)
    assert "当前批次及以前批次的逾期项目（默认）" in page.text and first.name in page.text
    response = client.post(MAKE, {"month": "2021-11", "round": first.pk})
    assert response.status_code == 200
    assert len(titles(response.content)) == 4
    assert first.name in IssuedWorkbook.objects.get().scope
    default = client.post(MAKE, {"month": "2021-11", "round": ""})
    assert sorted(titles(default.content)) == ["第一批逾期", "第二批项目"]
    refused = client.post(MAKE, {"month": "2021-06", "round": second.pk})
    assert refused.status_code == 200 and "晚于 2021-06" in refused.text
    assert IssuedWorkbook.objects.count() == 2


def test_the_satisfaction_sheet_rates_the_same_rounds_projects(two_rounds, tmp_path):
    from suggestions.models import Rating

    first, _second = two_rounds
    done = first.projects.get(title="第一批已完成0")
    Rating.objects.create(project=done, satisfaction="satisfied")
    out = tmp_path / "book.xlsx"
    call_command("monthly_report", "2021-12", "-o", str(out), "--round", str(first.pk))
    assert "第一批已完成0" in titles(out.read_bytes(), "百姓监督")
    call_command("monthly_report", "2021-12", "-o", str(out))
    assert "第一批已完成0" not in str(list(openpyxl.load_workbook(out)["百姓监督"].values))
