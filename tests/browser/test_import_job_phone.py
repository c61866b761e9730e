"""The import job page read on a 375 px phone: the preview table scrolls inside its box."""

import pytest
from django.contrib.contenttypes.models import ContentType

from imports.models import ImportJob
from projects.models import Project
from tests.conftest import make_user
from units.roles import OFFICE_ADMIN

from .conftest import CHROMIUM, PHONE
from .test_admin_pages import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (make browser-deps)"),
]

HEADERS = [
    "编号",
    "批次",
    "项目名称",
    "责任单位",
    "负责人",
    "完成时限",
    "预算(万元)",
    "受益群众",
    "需求来源",
    "版本",
]
ROW = [
    "",
    "2021年第一批",
    "为辖区老旧小区加装电梯并完善无障碍设施",
    "第一党支部",
    "演示负责人",
    "2021-12-31",
    "20",
    "40名困难党员",
    "座谈会",
    "1",
]


@pytest.fixture
def small_phone(browser):
    context = browser.new_context(**{**PHONE, "viewport": {"width": 375, "height": 812}})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_preview_table_scrolls_inside_its_box_on_a_phone(
    live_server, transactional_db, small_phone, screenshot_dir
):
    office = make_user("office-phone", OFFICE_ADMIN)
    job = ImportJob.objects.create(
        created_by=office,
        ledger=ContentType.objects.get_for_model(Project),
        file_name="项目台账.xlsx",
        status=ImportJob.Status.CHECKED,
        new=3,
        preview={"headers": HEADERS, "rows": [["new", ROW]] * 3},
    )
    sign_in(small_phone, live_server, "office-phone")
    small_phone.goto(f"{live_server.url}/admin/imports/importjob/{job.pk}/change/")
    small_phone.screenshot(path=str(screenshot_dir / "admin-import-job-phone.png"), full_page=True)
    page_width, viewport = small_phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page_width <= viewport == 375, f"the page scrolls sideways: {page_width}px"
    table = small_phone.locator("table.import-preview")
    box = table.evaluate(
        "t => { const b = t.parentElement; return {box: b.getBoundingClientRect().right,"
        " scrolls: getComputedStyle(b).overflowX, wide: b.scrollWidth > b.clientWidth}; }"
    )
    assert box["box"] <= 375 and box["scrolls"] == "auto" and box["wide"], box
    # A header and a long title read on one line each, not a character per line.
    line = (
        small_phone.locator("table.import-preview th")
        .nth(3)
        .evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 20")
    )
    for cell in (
        small_phone.locator("table.import-preview th").nth(3),
        small_phone.locator("table.import-preview tbody td").nth(3),
    ):
        assert cell.bounding_box()["height"] < 2.5 * line, cell.inner_text()
