"""The monthly workbook as leaders print it: A4 pages numbered 页码/总页数 under the title,
borders on every table, totals rows equal to their rows, units in the headers, 百分点 for
changes of a rate, native charts, and Beijing time wherever a time is said."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.core.management import call_command

from deeds_portal.models import IssuedWorkbook
from deeds_portal.workbook.build import MonthContext, build
from tests.conftest import add_update
from tests.hotline.factories import make_month
from tests.projects.factories import make_round
from tests.reforms.factories import make_item
from tests.volunteers.factories import book, make_post, make_shift, make_volunteer
from volunteers.models import Attendance

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _in_2021():
    # 10:00 UTC is 18:00 in Beijing.
    with time_machine.travel(datetime.datetime(2021, 8, 3, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def june(make_project, unit_a, unit_b):
    """A month with something in every sheet."""
    bridge = make_project(title="修建一座风雨桥", unit=unit_a, deadline=D(2021, 6, 30))
    add_update(bridge, D(2021, 6, 10), 100)
    late = make_project(title="B单位项目", unit=unit_b, deadline=D(2021, 6, 15))
    add_update(late, D(2021, 6, 1), 50)
    make_project(title="未动工项目", unit=unit_a, deadline=D(2021, 12, 31))
    for unit in (unit_a, unit_b):
        make_item(unit, batch=1, landed_on=D(2021, 5, 1), nearby=True, one_seal=True)
        make_item(unit, batch=2)
        make_item(unit, should_enter=True, has_entered=True)
        make_item(unit, should_enter=True)
    for year in (2020, 2021):
        for month in range(1, 7):
            make_month(
                D(year, month, 1),
                calls=1000 * month + year - 2020,
                accepted=500 * month,
                satisfied=380 - 10 * (year - 2020),
            )
    post = make_post(unit_a)
    alice, bob = make_volunteer(unit_a), make_volunteer(unit_a)
    for day, hours in [(D(2021, 5, 10), "2"), (D(2021, 6, 10), "1.5"), (D(2021, 6, 11), "3")]:
        shift = make_shift(post, day=day, citizens_served=4)
        book(alice, shift, Attendance.PRESENT, hours=Decimal(hours))
        book(bob, shift, Attendance.PRESENT, hours=Decimal(1))
    return bridge, late


JUNE = D(2021, 6, 1)


def content_of(month=JUNE, **context) -> bytes:
    return build(MonthContext(month=month, **context)).content


def rows_of(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def table(sheet, title: str) -> tuple[list, list[list], list]:
    """(header, data rows, totals row) of the section titled ``title`` (or of the sheet's
    first table when ``title`` is the header's first cell)."""
    rows = rows_of(sheet)
    start = next(i for i, row in enumerate(rows) if row[0] == title)
    header_at = start if rows[start][1] is not None else start + 1
    body = []
    for row in rows[header_at + 1 :]:
        if row[0] == "合计":
            return rows[header_at], body, row
        if all(cell is None for cell in row):
            break
        body.append(row)
    return rows[header_at], body, None


def test_every_sheet_prints_on_a4_with_the_title_above_and_page_x_of_y_below(june):
    book = openpyxl.load_workbook(io.BytesIO(content_of()))
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 9  # A4
        assert "2021年6月 每月调度" in sheet.oddHeader.center.text
        footer = sheet.oddFooter.center.text
        assert "&P" in footer and "&N" in footer and "第" in footer and "共" in footer
        assert not sheet.print_options.gridLines  # the tables carry their own lines


def test_every_table_cell_has_a_border_and_the_titles_do_not(june):
    book = openpyxl.load_workbook(io.BytesIO(content_of()))
    for sheet in book.worksheets:
        header = sheet[2]
        assert all(cell.border.left.style == "thin" and cell.font.b for cell in header)
        bordered = 0
        for row in sheet.iter_rows(min_row=3):
            filled = [cell for cell in row if cell.value is not None]
            if len(filled) < 2:  # a section's title, or a gap between tables
                assert all(cell.border.left.style is None for cell in filled)
                continue
            for cell in row[: len(header)]:
                if cell.value is not None:
                    assert cell.border.top.style == "thin", (sheet.title, cell.coordinate, cell.value)
                    bordered += 1
        assert bordered, sheet.title
    # An empty cell inside a table is bordered too, so the printed grid has no gaps.
    projects = book["开门办实事"]
    overdue_cell = next(r for r in projects.iter_rows(min_row=3) if r[1].value == "未动工项目")[8]
    assert overdue_cell.value is None and overdue_cell.border.left.style == "thin"


def test_totals_rows_equal_the_sum_of_their_rows(june):
    book = openpyxl.load_workbook(io.BytesIO(content_of()), data_only=True)
    checked = 0
    for sheet_name, title, additive in [
        ("开门办实事", "按责任单位汇总", [1, 2, 3]),
        ("开门办实事", "按批次汇总", [1, 2, 3]),
        ("开门办实事", "按月末状态汇总", [1]),
        ("深化简政放权", "一件事一次办批次", [1, 2, 3, 4, 5]),
        ("深化简政放权", "一窗通办（月末进驻情况）", [1, 2, 3]),
        ("身边的服务热线", "各月来电与受理（2021年与2020年同月）", [1, 2, 3, 4]),
        ("党员志愿者服务", "服务类型", [1, 3, 4, 5, 6]),
        ("党员志愿者服务", "2021年各月服务时长", [1]),
        ("百姓监督", "批次", [3, 4, 5, 6]),
    ]:
        header, body, total = table(book[sheet_name], title)
        assert total is not None, (sheet_name, title)
        for col in additive:
            assert total[col] == pytest.approx(sum(row[col] or 0 for row in body)), (sheet_name, title, col)
            checked += 1
    assert checked == 29
    projects_header, by_unit, total = table(book["开门办实事"], "按责任单位汇总")
    assert total[1:5] == [3, 1, 1, pytest.approx(1 / 3, abs=1e-4)]  # the rate of the totals, not a sum
    _header, by_month, months_total = table(book["身边的服务热线"], "各月来电与受理（2021年与2020年同月）")
    assert [row[0] for row in by_month] == [f"{n}月" for n in range(1, 7)]
    assert months_total[1] == sum(1000 * n + 1 for n in range(1, 7))
    assert months_total[2] == sum(1000 * n for n in range(1, 7))
    # A volunteer who served in two service types is one volunteer in the total.
    _header, _services, volunteers_total = table(book["党员志愿者服务"], "服务类型")
    assert volunteers_total[2] == 2
    _header, hours, hours_total = table(book["党员志愿者服务"], "2021年各月服务时长")
    assert [row[1] for row in hours][4:6] == [pytest.approx(3), pytest.approx(6.5)]
    assert hours_total[1] == pytest.approx(9.5)


def test_headers_carry_their_units_and_rate_changes_say_percentage_points(june):
    book = openpyxl.load_workbook(io.BytesIO(content_of()))
    unit = re.compile(r"[(（](个|件|条|人|人次|件次|小时|%|百分点|%或百分点)[)）]$")
    for sheet_name, title in [
        ("开门办实事", "批次"),
        ("开门办实事", "按责任单位汇总"),
        ("深化简政放权", "一件事一次办批次"),
        ("深化简政放权", "一窗通办（月末进驻情况）"),
        ("身边的服务热线", "指标（单位）"),
        ("党员志愿者服务", "服务类型"),
        ("百姓监督", "批次"),
    ]:
        header, body, _total = table(book[sheet_name], title)
        if sheet_name == "身边的服务热线":
            # Each row is an indicator of its own unit: the unit stands with the indicator.
            assert all(unit.search(row[0]) for row in body), body
            continue
        numeric = [
            label
            for label in header[1:]
            if label
            and label not in {"项目名称", "责任单位", "完成时限", "月末状态", "逾期", "是否公开", "说明"}
        ]
        assert numeric and all(unit.search(label) for label in numeric), (sheet_name, numeric)
    summary = rows_of(book["汇总"])
    assert summary[1][3] == "单位"
    assert all(row[3] for row in summary[2:]), "every summary figure says its unit"
    hotline = book["身边的服务热线"]
    by_label = {row[0].value: row for row in hotline.iter_rows(min_row=3, max_row=7)}
    calls, satisfaction = by_label["来电总量(个)"], by_label["综合满意率(%)"]
    assert calls[4].number_format == "0.00%"
    assert "百分点" in satisfaction[4].number_format and "%" not in satisfaction[4].number_format


def chart_ranges(content: bytes) -> dict[str, list[tuple[str, str]]]:
    """Each chart's title and the (sheet, range) of each of its series' categories and values."""
    found = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if re.fullmatch(r"xl/charts/chart\d+\.xml", name):
                xml = archive.read(name).decode()
                title = re.search(r"<a:t>([^<]*)</a:t>", xml).group(1)  # the first text: the chart's title
                refs = re.findall(r"<c:f>'?([^<!']+)'?!([^<]+)</c:f>", xml)
                found[title] = refs
    return found


def cells(book, sheet: str, reference: str) -> list:
    return [row[0].value for row in book[sheet][reference.replace("$", "")]]


def test_the_workbook_holds_native_charts_of_the_hotline_projects_and_volunteer_hours(june):
    content = content_of()
    charts = chart_ranges(content)
    book = openpyxl.load_workbook(io.BytesIO(content))
    months = [f"{n}月" for n in range(1, 7)]
    calls = charts["各月来电总量（2021年与2020年）"]
    # Each chart draws from the table printed beside it: this year's and last year's calls.
    assert [cells(book, *ref) for ref in calls] == [
        months,
        [1000 * n + 1 for n in range(1, 7)],
        months,
        [1000 * n for n in range(1, 7)],
    ]
    cases = charts["各月受理事件（2021年与2020年）"]
    assert cells(book, *cases[1]) == [500 * n for n in range(1, 7)]
    statuses = next(refs for title, refs in charts.items() if title.startswith("项目月末状态"))
    assert cells(book, *statuses[0]) == ["未开始", "进行中", "已完成", "逾期"]
    assert cells(book, *statuses[1]) == [1, 0, 1, 1]
    hours = charts["2021年各月志愿服务时长"]
    assert cells(book, *hours[1])[4:6] == [pytest.approx(3), pytest.approx(6.5)]
    assert len(charts) == 4


def test_times_are_beijing_time_in_the_file_and_in_what_the_command_prints(june, tmp_path, capsys):
    out = tmp_path / "2021-06.xlsx"
    call_command("monthly_report", "2021-06", "-o", str(out))
    printed = capsys.readouterr().out
    assert "2021-08-03 18:00" in printed and "10:00" not in printed
    book = openpyxl.load_workbook(out)
    assert any(
        "2021-08-03 18:00" in str(cell.value) and "北京时间" in str(cell.value) for cell in book["汇总"][1]
    )
    assert "18:00" in str(IssuedWorkbook.objects.get())


def test_an_earlier_rounds_finished_projects_stay_out_of_the_default_book(make_project, unit_a):
    """The November 2026 book counted eleven finished 2021 projects: by default the book holds
    the current round and only what earlier rounds left overdue, and its title says so."""
    finished = make_project(title="上一轮已完成", deadline=D(2021, 6, 1))
    add_update(finished, D(2021, 5, 20), 100)
    left_over = make_project(title="上一轮逾期", deadline=D(2021, 6, 1))
    add_update(left_over, D(2021, 5, 20), 40)
    new_round = make_round(name="2021年第二批", start_date=D(2021, 7, 1))
    make_project(title="本轮项目", round=new_round, unit=unit_a, deadline=D(2021, 12, 31))
    book = openpyxl.load_workbook(io.BytesIO(content_of(D(2021, 7, 1))))
    titles = [row[1] for row in rows_of(book["开门办实事"])[2:]]
    assert "本轮项目" in titles and "上一轮逾期" in titles and "上一轮已完成" not in titles
    assert "2021年第二批及以前批次逾期项目" in book["开门办实事"]["A1"].value
    summary = {row[1]: row[2] for row in rows_of(book["汇总"])[2:] if row[0] == "开门办实事"}
    assert summary["项目总数"] == 2 and summary["已完成"] == 0 and summary["逾期"] == 1
