"""The leaders' monthly workbook: layout, the as-of rule, issued records, permissions, the command."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from deeds_portal.models import IssuedWorkbook
from deeds_portal.workbook.build import MonthContext, build, parse_month
from tests.conftest import add_update, logged_in
from tests.hotline.factories import make_month
from tests.projects.factories import make_round
from tests.reforms.factories import make_item
from tests.volunteers.factories import book, make_post, make_shift, make_volunteer
from volunteers.models import Attendance

pytestmark = pytest.mark.django_db
D = datetime.date
MAKE = reverse("admin:deeds_portal_issuedworkbook_make")


@pytest.fixture(autouse=True)
def _in_2021():
    with time_machine.travel(datetime.datetime(2021, 8, 3, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def open_book(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def rows_of(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def project_row(sheet, title):
    return next(row for row in rows_of(sheet)[2:] if row[1] == title)


@pytest.fixture
def ledger(make_project, unit_a, unit_b):
    bridge = make_project(title="修建一座风雨桥", unit=unit_a, deadline=D(2021, 6, 30))
    add_update(bridge, D(2021, 5, 20), 30)
    add_update(bridge, D(2021, 6, 10), 70)
    add_update(bridge, D(2021, 7, 1), 100)  # after June: not in June's workbook
    late = make_project(title="B单位项目", unit=unit_b, deadline=D(2021, 6, 15))
    add_update(late, D(2021, 6, 1), 50)
    return bridge, late


def test_the_workbook_is_laid_out_for_print_and_reading(ledger):
    book = open_book(build(MonthContext(month=D(2021, 6, 1))).content)
    assert book.sheetnames == [
        "汇总",
        "开门办实事",
        "深化简政放权",
        "身边的服务热线",
        "党员志愿者服务",
        "百姓监督",
    ]
    for sheet in book.worksheets:
        assert "2021年6月" in sheet["A1"].value and "截至2021年6月30日" in sheet["A1"].value
        assert any(str(cell.value or "").startswith("生成时间：2021-08-03 18:00") for cell in sheet[1])
        assert sheet.freeze_panes == "A3"
        assert sheet.print_title_rows == "$2:$2"
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
        # Fit to one page wide, as many pages tall as it takes. A fitToWidth left out of the
        # file is 1, the default the file format gives it.
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth or 1) == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.column_dimensions["A"].width > 10
    projects = book["开门办实事"]
    assert [cell.value for cell in projects[2]][:6] == [
        "批次",
        "项目名称",
        "责任单位",
        "完成时限",
        "月末状态",
        "月末进度",
    ]
    row = next(r for r in projects.iter_rows(min_row=3) if r[1].value == "修建一座风雨桥")
    assert row[3].value == datetime.datetime(2021, 6, 30) and row[3].number_format == "yyyy-mm-dd"
    assert row[5].value == pytest.approx(0.70) and row[5].number_format == "0.00%"
    assert isinstance(row[7].value, int)


def test_figures_are_as_they_stood_at_the_months_end(ledger):
    june = open_book(build(MonthContext(month=D(2021, 6, 1))).content)["开门办实事"]
    bridge = project_row(june, "修建一座风雨桥")
    assert bridge[4:9] == ["进行中", pytest.approx(0.70), pytest.approx(0.30), 40, None]
    late = project_row(june, "B单位项目")
    assert late[4] == "逾期" and late[8] == "是"
    july = open_book(build(MonthContext(month=D(2021, 7, 1))).content)["开门办实事"]
    assert project_row(july, "修建一座风雨桥")[4:8] == ["已完成", pytest.approx(1.0), pytest.approx(0.70), 30]
    summary = rows_of(open_book(build(MonthContext(month=D(2021, 6, 1))).content)["汇总"])
    figures = {row[1]: row[2] for row in summary[2:]}
    assert figures["项目总数"] == 2 and figures["已完成"] == 0 and figures["逾期"] == 1
    assert figures["完成率"] == 0


def test_a_year_boundary_and_rounds_begun_later(make_project, unit_a):
    december = make_project(title="跨年项目", deadline=D(2022, 3, 31))
    add_update(december, D(2021, 12, 31), 60)
    add_update(december, D(2022, 1, 1), 80)
    later = make_round(name="2022年新一轮", start_date=D(2022, 1, 1))
    make_project(title="新一轮项目", round=later, unit=unit_a, deadline=D(2022, 6, 30))
    with time_machine.travel(datetime.datetime(2022, 2, 1, 2, 0, tzinfo=datetime.UTC), tick=False):
        dec = open_book(build(MonthContext(month=D(2021, 12, 1))).content)["开门办实事"]
        jan = open_book(build(MonthContext(month=D(2022, 1, 1))).content)["开门办实事"]
    assert project_row(dec, "跨年项目")[5] == pytest.approx(0.60)
    assert "新一轮项目" not in str(rows_of(dec))  # its round began after December
    assert project_row(jan, "跨年项目")[5:8] == [pytest.approx(0.80), pytest.approx(0.60), 20]
    assert project_row(jan, "新一轮项目")[4] == "未开始"


def test_totals_per_unit_and_per_round(ledger):
    rows = rows_of(open_book(build(MonthContext(month=D(2021, 6, 1))).content)["开门办实事"])
    titles = [row[0] for row in rows]
    by_unit = rows[titles.index("按责任单位汇总") + 2 : titles.index("按责任单位汇总") + 4]
    assert by_unit == [
        ["第一党支部", 1, 0, 0, 0, 70, *[None] * 4],
        ["第二党支部", 1, 0, 1, 0, 50, *[None] * 4],
    ]
    assert "按批次汇总" in titles


def test_typed_text_never_runs_as_a_formula(make_project):
    make_project(title='=HYPERLINK("http://evil","点我")')
    sheet = open_book(build(MonthContext(month=D(2021, 6, 1))).content)["开门办实事"]
    cell = next(r[1] for r in sheet.iter_rows(min_row=3) if str(r[1].value).startswith("'="))
    assert cell.data_type == "s"


def test_each_issue_is_recorded_and_a_changed_past_month_is_reported(tmp_path, ledger, capsys):
    out = tmp_path / "2021-06.xlsx"
    call_command("monthly_report", "2021-06", "-o", str(out))
    first = IssuedWorkbook.objects.get()
    assert first.month == D(2021, 6, 1) and first.via == "command" and first.differences == []
    assert bytes(first.content) == out.read_bytes()
    assert first.figures["开门办实事/项目总数"] == 2
    bridge, _ = ledger
    bridge.updates.get(date=D(2021, 6, 10)).delete()  # the data behind June changes afterwards
    capsys.readouterr()
    call_command("monthly_report", "2021-06", "-o", str(out))
    second = IssuedWorkbook.objects.order_by("-pk").first()
    assert ["开门办实事/2021年第一批/修建一座风雨桥", "进行中 70%", "进行中 30%"] in second.differences
    printed = capsys.readouterr().out
    assert "修建一座风雨桥" in printed and "进行中 70%" in printed
    # What was issued the first time can be had again, unchanged.
    assert open_book(bytes(first.content))["开门办实事"] is not None


@pytest.mark.parametrize(
    ("month", "message"), [("2021-13", "不是"), ("六月", "不是"), ("2021-09", "尚未开始")]
)
def test_the_command_refuses_a_bad_month_in_chinese(tmp_path, month, message):
    with pytest.raises(CommandError, match=message):
        call_command("monthly_report", month, "-o", str(tmp_path / "x.xlsx"))
    assert not IssuedWorkbook.objects.exists()


def test_the_command_explains_itself():
    from deeds_portal.management.commands.monthly_report import Command

    help_text = Command().create_parser("manage.py", "monthly_report").format_help()
    assert "YYYY-MM" in help_text and "--output" in help_text


def test_parse_month():
    assert parse_month("2021-06") == D(2021, 6, 1)
    assert parse_month(" 2021-6 ") == D(2021, 6, 1)


def test_only_staff_with_the_permission_make_it(client, ledger, editor_a, leader, office_admin):
    assert logged_in(client, editor_a).get(MAKE).status_code == 403
    assert client.post(MAKE, {"month": "2021-06"}).status_code == 403
    response = logged_in(client, leader).post(MAKE, {"month": "2021-06"})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('2021-06.xlsx"')
    assert "no-store" in response["Cache-Control"]
    assert IssuedWorkbook.objects.get().made_by == leader
    refused = client.post(MAKE, {"month": "2021-13"})
    assert refused.status_code == 200 and "不是" in refused.text
    issued = IssuedWorkbook.objects.get()
    again = client.get(reverse("admin:deeds_portal_issuedworkbook_download", args=[issued.pk]))
    assert again.content == bytes(issued.content)
    change_url = reverse("admin:deeds_portal_issuedworkbook_change", args=[issued.pk])
    assert client.post(change_url, {}).status_code in (302, 403)
    delete_url = reverse("admin:deeds_portal_issuedworkbook_delete", args=[issued.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert IssuedWorkbook.objects.count() == 1


def test_a_unit_editor_with_the_permission_gets_only_their_units_rows(client, ledger, editor_a):
    editor_a.user_permissions.add(Permission.objects.get(codename="download_workbook"))
    response = logged_in(client, editor_a).post(MAKE, {"month": "2021-06"})
    sheet = open_book(response.content)["开门办实事"]
    text = str(rows_of(sheet))
    assert "修建一座风雨桥" in text and "B单位项目" not in text and "第二党支部" not in text
    summary = {row[1]: row[2] for row in rows_of(open_book(response.content)["汇总"])[2:]}
    assert summary["项目总数"] == 1
    issued = IssuedWorkbook.objects.get()
    assert issued.scope == "第一党支部"
    # Their list shows their own issues only, and the office's are out of reach.
    office_issue = IssuedWorkbook.objects.create(
        month=D(2021, 6, 1), via="command", scope="全部单位", scope_key="all", content=b"x"
    )
    download = reverse("admin:deeds_portal_issuedworkbook_download", args=[office_issue.pk])
    assert client.get(download).status_code == 404


def summary_of(content) -> dict:
    return {(row[0], row[1]): row[2] for row in rows_of(open_book(content)["汇总"])[2:]}


def test_reforms_count_only_what_landed_by_the_months_end(unit_a):
    for landed in [D(2021, 5, 20), D(2021, 6, 30), D(2021, 7, 1)]:
        make_item(unit_a, batch=1, landed_on=landed)
    make_item(unit_a, batch=2)
    make_item(unit_a, should_enter=True, has_entered=True)
    make_item(unit_a, should_enter=True)
    june = summary_of(build(MonthContext(month=D(2021, 6, 1))).content)
    assert june[("深化简政放权", "一件事一次办事项")] == 4
    assert june[("深化简政放权", "月末已落地")] == 2  # 1 July is after June
    assert june[("深化简政放权", "落地率")] == pytest.approx(0.5)
    assert june[("深化简政放权", "入驻率")] == pytest.approx(0.5)
    july = summary_of(build(MonthContext(month=D(2021, 7, 1))).content)
    assert july[("深化简政放权", "月末已落地")] == 3
    sheet = rows_of(open_book(build(MonthContext(month=D(2021, 6, 1))).content)["深化简政放权"])
    assert ["第1批", 3, 2, pytest.approx(2 / 3, abs=1e-4), *[None] * 0] == sheet[2][:4]


def test_volunteers_count_the_months_attended_shifts_across_month_and_year_ends(unit_a):
    post = make_post(unit_a)
    alice, bob = make_volunteer(unit_a), make_volunteer(unit_a)
    # Attendance is recorded once the shifts have taken place (never ahead of them).
    with time_machine.travel(datetime.datetime(2022, 2, 1, 2, 0, tzinfo=datetime.UTC), tick=False):
        for day in [D(2021, 12, 27), D(2021, 12, 31), D(2022, 1, 1)]:
            shift = make_shift(post, day=day, citizens_served=10)
            book(alice, shift, Attendance.PRESENT, hours=Decimal("1.5"))
            book(bob, shift, Attendance.ABSENT)  # a no-show: kept, never counted as hours
        cancelled = make_shift(post, day=D(2021, 12, 20), is_cancelled=True)
        book(alice, cancelled, Attendance.PRESENT, hours=Decimal(3))
        december = summary_of(build(MonthContext(month=D(2021, 12, 1))).content)
        january = summary_of(build(MonthContext(month=D(2022, 1, 1))).content)
    assert december[("党员志愿者服务", "开展班次")] == 2
    assert december[("党员志愿者服务", "服务志愿者(人)")] == 1
    assert december[("党员志愿者服务", "服务时长(小时)")] == pytest.approx(3.0)
    assert december[("党员志愿者服务", "服务群众(人次)")] == 20
    assert december[("党员志愿者服务", "未满员班次")] == 2  # 2 of 4 booked
    assert january[("党员志愿者服务", "开展班次")] == 1
    assert january[("党员志愿者服务", "服务时长(小时)")] == pytest.approx(1.5)


def test_hotline_gives_the_month_and_the_year_to_date_as_of_the_month(db):
    for year in (2020, 2021):
        for month in range(1, 8):
            make_month(
                D(year, month, 1),
                calls=1000 * (year - 2019),
                accepted=100 * (year - 2019),
                completed=100 * (year - 2019),
                callbacks=10,
                satisfied=9,
                online_completed=50,
            )
    june = summary_of(build(MonthContext(month=D(2021, 6, 1))).content)
    assert june[("身边的服务热线", "年初至今来电总量")] == 12000  # July 2021 is after June: not counted
    assert june[("身边的服务热线", "年初至今受理事件")] == 1200
    assert june[("身边的服务热线", "受理事件同比")] == pytest.approx(1.0)  # +100.00%
    assert june[("身边的服务热线", "年初至今综合满意率")] == pytest.approx(0.9)
    sheet = rows_of(open_book(build(MonthContext(month=D(2021, 6, 1))).content)["身边的服务热线"])
    calls = next(row for row in sheet if row[0] == "来电总量")
    assert calls[1:5] == [2000, pytest.approx(1.0), 12000, pytest.approx(1.0)]
    january = summary_of(build(MonthContext(month=D(2021, 1, 1))).content)
    assert january[("身边的服务热线", "年初至今来电总量")] == 2000  # a year end: January only


def test_hotline_year_on_year_compares_the_months_both_years_have(db):
    for month in range(1, 7):
        make_month(D(2020, month, 1), accepted=100, completed=90, online_completed=50)
    for month in range(1, 8):
        make_month(D(2021, month, 1), accepted=150, completed=90, online_completed=50)
    july = build(MonthContext(month=D(2021, 7, 1))).content
    assert summary_of(july)[("身边的服务热线", "受理事件同比")] == pytest.approx(0.5)  # Jan–Jun each
    sheet = rows_of(open_book(july)["身边的服务热线"])
    accepted = next(row for row in sheet if row[0] == "受理事件")
    assert accepted[2] is None and accepted[4] == pytest.approx(0.5)  # July alone has nothing to compare
    assert "2020年7月无数据" in accepted[5]


def test_the_one_window_hall_counts_items_entered_by_the_months_end(unit_a):
    make_item(unit_a, should_enter=True, has_entered=True, entered_on=D(2021, 6, 30))
    make_item(unit_a, should_enter=True, has_entered=True, entered_on=D(2021, 7, 1))
    make_item(unit_a, should_enter=True, has_entered=True)  # no date: counts from the start
    make_item(unit_a, should_enter=True)
    june = summary_of(build(MonthContext(month=D(2021, 6, 1))).content)
    july = summary_of(build(MonthContext(month=D(2021, 7, 1))).content)
    assert june[("深化简政放权", "入驻率")] == pytest.approx(0.5)
    assert july[("深化简政放权", "入驻率")] == pytest.approx(0.75)


def test_satisfaction_counts_the_ratings_given_by_the_months_end(ledger, unit_b):
    from suggestions.models import Rating

    bridge, late = ledger
    for moment, project, answer in [
        (datetime.datetime(2021, 6, 20, 2, tzinfo=datetime.UTC), bridge, "satisfied"),
        (datetime.datetime(2021, 6, 21, 2, tzinfo=datetime.UTC), bridge, "satisfied"),
        # 23:30 on 30 June in Beijing is still June, though UTC has not reached it.
        (datetime.datetime(2021, 6, 30, 15, 30, tzinfo=datetime.UTC), late, "unsatisfied"),
        (datetime.datetime(2021, 6, 30, 16, 30, tzinfo=datetime.UTC), bridge, "fairly"),  # 1 July in Beijing
    ]:
        with time_machine.travel(moment, tick=False):
            Rating.objects.create(project=project, satisfaction=answer)
    june = build(MonthContext(month=D(2021, 6, 1))).content
    summary = summary_of(june)
    assert summary[("百姓监督", "评价数")] == 3
    assert summary[("百姓监督", "不满意")] == 1
    assert summary[("百姓监督", "满意率")] == pytest.approx(0.6667)
    assert project_row(open_book(june)["百姓监督"], "修建一座风雨桥")[3:8] == [2, 2, 0, 0, pytest.approx(1)]
    july = summary_of(build(MonthContext(month=D(2021, 7, 1))).content)
    assert july[("百姓监督", "评价数")] == 4 and july[("百姓监督", "满意率")] == pytest.approx(0.75)


def test_reform_figures_added_up_from_the_sheets_tables_equal_the_catalogues_own(unit_a, unit_b):
    from deeds_portal.workbook import reforms_sheet
    from reforms.models import ServiceItem

    for unit in (unit_a, unit_b):
        make_item(unit, nearby=True, one_seal=True)
        make_item(unit, nearby=True)
        make_item(unit, batch=1, landed_on=D(2021, 5, 1))
        make_item(unit, batch=3)
        make_item(unit, should_enter=True, has_entered=True)
        make_item(unit, should_enter=True)
    make_item(unit_b, batch=3, landed_on=D(2021, 6, 2), nearby=True, should_enter=True)
    catalogue = ServiceItem.objects.figures()
    ours = reforms_sheet.figures(MonthContext(month=D(2021, 6, 1)))
    assert (
        ours["就近办事项"],
        ours["一枚公章"],
        ours["一件事一次办批次"],
        ours["一件事一次办事项"],
        ours["月末已落地"],
        ours["一窗通办单位"],
        ours["应进驻事项"],
        ours["已进驻事项"],
    ) == (
        catalogue["nearby"],
        catalogue["one_seal"],
        catalogue["one_go_batches"],
        catalogue["one_go"],
        catalogue["one_go_landed"],
        catalogue["window_units"],
        catalogue["window_items"],
        catalogue["window_entered"],
    )
    assert (ours["就近办事项"], ours["一件事一次办批次"], ours["一窗通办单位"]) == (5, 2, 2)


def test_volunteers_of_the_current_month_shifts_to_come_count_only_as_short(unit_a):
    from tests.volunteers.factories import service
    from volunteers.models import ProblemKind, ProblemSolved

    post = make_post(unit_a)
    alice, bob = make_volunteer(unit_a), make_volunteer(unit_a)
    held = make_shift(post, day=D(2021, 6, 10), citizens_served=7, headcount=2)
    book(alice, held, Attendance.PRESENT, hours=Decimal(2))
    book(bob, held, Attendance.PRESENT, hours=Decimal("1.5"))
    ProblemSolved.objects.create(shift=held, kind=ProblemKind.values[0], count=3)
    other = make_shift(post, day=D(2021, 6, 11), service=service("其他服务"), headcount=1)
    book(alice, other, Attendance.PRESENT, hours=Decimal(1))
    to_come = make_shift(post, day=D(2021, 6, 20), headcount=2)  # short, not held yet
    book(bob, to_come)
    with time_machine.travel(datetime.datetime(2021, 6, 15, 2, 0, tzinfo=datetime.UTC), tick=False):
        content = build(MonthContext(month=D(2021, 6, 1))).content
    june = summary_of(content)
    assert june[("党员志愿者服务", "开展班次")] == 2
    assert june[("党员志愿者服务", "服务志愿者(人)")] == 2  # alice on both shifts counts once
    assert june[("党员志愿者服务", "服务时长(小时)")] == pytest.approx(4.5)
    assert june[("党员志愿者服务", "服务群众(人次)")] == 7
    assert june[("党员志愿者服务", "解决问题(件次)")] == 3
    assert june[("党员志愿者服务", "未满员班次")] == 1
    rows = {row[0]: row[1:] for row in rows_of(open_book(content)["党员志愿者服务"])[2:]}
    assert rows["三导"] == [1, 2, pytest.approx(3.5), 7, 3, 1]
    assert rows["其他服务"] == [1, 1, pytest.approx(1.0), 0, 0, 0]


def test_the_workbook_runs_the_same_few_queries_whatever_the_data(
    ledger, make_project, unit_a, django_assert_num_queries
):
    from tests.hotline.factories import make_case

    def made_with(queries):
        with django_assert_num_queries(queries):
            build(MonthContext(month=D(2021, 6, 1)))

    made_with(10)
    for n in range(20):
        project = make_project(title=f"项目{n}", unit=unit_a, deadline=D(2021, 6, 1 + n))
        add_update(project, D(2021, 5, 1 + n), 10 + n)
        make_item(unit_a, batch=1 + n % 3, should_enter=n % 2 == 0)
        make_case(category=f"类{n % 4}", handling_unit=f"单位{n % 5}")
    make_month(D(2021, 6, 1))
    made_with(10)


def test_a_control_character_typed_into_a_title_does_not_stop_the_workbook(make_project):
    """Django's forms let a bell or vertical tab through; XML 1.0 has no place for them, and
    the workbook escapes them rather than failing for everyone."""
    make_project(title="修缮\x07老旧\x0b小区")
    sheet = open_book(build(MonthContext(month=D(2021, 6, 1))).content)["开门办实事"]
    titles = [row[1] for row in rows_of(sheet)[2:]]
    assert any(title and title.startswith("修缮") and title.endswith("小区") for title in titles), titles
