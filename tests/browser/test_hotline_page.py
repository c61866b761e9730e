"""/hotline/ on a phone: the article's figures, the SVG trend chart and its table, within the CSP."""

import pytest

from hotline import demo

from .conftest import CHROMIUM
from .test_public_pages import assert_fits_phone, screenshot, visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (make browser-deps)"),
]


def test_hotline_page_on_a_phone(demo_server, phone, console, screenshot_dir):
    demo.load({})
    visit(phone, demo_server.url + "/hotline/")

    calls = phone.locator("#figure-calls").inner_text()
    assert "9.2万" in calls and "+17.4%" in calls
    assert "52441" in phone.locator("#figure-accepted").inner_text()
    assert "99.9%" in phone.locator("#figure-completion").inner_text()
    assert "93.35%" in phone.locator("#figure-satisfaction").inner_text()

    chart = phone.locator("svg.trend-chart")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] <= 390 and box["height"] > 100  # drawn, and it fits the phone
    assert chart.locator("rect.bar-calls").count() == 6
    # The bars are coloured by portal.css (a CSS fill, no inline style): the stylesheet applied.
    fill = chart.locator("rect.bar-calls").first.evaluate("bar => getComputedStyle(bar).fill")
    assert fill not in ("", "none", "rgb(0, 0, 0)")

    table = phone.locator("table.trend-table")
    assert table.locator("tbody tr").count() == 6
    first = [cell.strip() for cell in table.locator("tbody tr").first.locator("th, td").all_inner_texts()]
    january = next(figures for month, figures in demo.month_rows() if f"{month:%Y-%m}" == "2021-01")
    assert first[:3] == ["2021-01", str(january["calls"]), str(january["accepted"])]

    phone.get_by_label("起始月份").fill("2020-01")
    phone.get_by_label("截止月份").fill("2020-06")
    phone.get_by_role("button", name="查看").click()
    phone.wait_for_url("**/hotline/?start=2020-01&end=2020-06")
    assert "2019" in phone.locator("#figure-calls").inner_text()  # no 2019 to compare with: a reason

    assert_fits_phone(phone)
    screenshot(phone, screenshot_dir, "hotline")
    assert console.errors == []
