"""The newest public pages read on a 390 px phone: controls full width, tables legible."""

import pytest

from .conftest import CHROMIUM
from .test_public_pages import assert_fits_phone, screenshot, visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (make browser-deps)"),
]


@pytest.fixture
def catalogue_server(live_server, transactional_db):
    import reforms.demo
    import units.demo

    reforms.demo.load(units.demo.load())
    return live_server


def test_the_catalogue_search_box_spans_the_phone_like_the_filters(catalogue_server, phone, screenshot_dir):
    visit(phone, catalogue_server.url + "/reforms/")
    assert_fits_phone(phone)
    search = phone.locator("input[name=q]").bounding_box()
    select = phone.locator("select[name=level]").bounding_box()
    assert abs(search["width"] - select["width"]) < 1, (search, select)
    # Below 16 px, phones zoom the page in when the box is tapped.
    font_size = phone.locator("input[name=q]").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert font_size >= 16
    screenshot(phone, screenshot_dir, "reforms-search-phone")


def test_open_data_field_names_and_meanings_do_not_run_together(catalogue_server, phone, screenshot_dir):
    visit(phone, catalogue_server.url + "/open-data/")
    assert_fits_phone(phone)
    gaps = phone.locator("table.fields").first.evaluate(
        """table => [...table.tBodies[0].rows].map(row => {
            const name = row.cells[0].querySelector('code').getBoundingClientRect();
            const meaning = document.createRange();
            meaning.selectNodeContents(row.cells[1]);
            return meaning.getBoundingClientRect().left - name.right;
        })"""
    )
    assert min(gaps) >= 8, gaps  # the longest name (beneficiary_count) touched its meaning
    screenshot(phone, screenshot_dir, "open-data-phone")


@pytest.mark.parametrize("path", ["/reforms/", "/en/reforms/", "/open-data/"])
def test_each_menu_entry_stays_on_one_line(catalogue_server, phone, path):
    visit(phone, catalogue_server.url + path)
    lines = phone.locator(".nav a").evaluate_all(
        """links => links.map(link => {
            const text = document.createRange();
            text.selectNodeContents(link);
            const tops = new Set([...text.getClientRects()].map(rect => Math.round(rect.top)));
            return [link.textContent.trim(), tops.size];
        })"""
    )
    # “首页” broken into “首 / 页” read as two words on a 390 px phone.
    assert all(count == 1 for _, count in lines), lines
