"""A citizen on a phone asks the catalogue what they can get done in their village.

Runs Debian's Chromium against the live server with the article's demo catalogue
(32 就近办 items, 297 一件事一次办 items in six batches, 243 一窗通办 items of 20
city-level units, 226 entered).
"""

import pytest

from .conftest import CHROMIUM
from .test_public_pages import assert_fits_phone, screenshot, visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium and fonts-noto-cjk (make browser-deps)",
    ),
]


@pytest.fixture
def catalogue_server(live_server, transactional_db):
    import reforms.demo
    import units.demo

    reforms.demo.load(units.demo.load())
    return live_server


def test_search_filter_and_item_page(catalogue_server, phone, console, screenshot_dir):
    visit(phone, catalogue_server.url + "/reforms/")
    figures = [text.strip() for text in phone.locator("dl.reform-figures dd").all_inner_texts()]
    assert figures == ["32", "297", "6", "20", "243", "93%"]
    assert "572" in phone.get_by_role("status").inner_text()
    assert_fits_phone(phone)
    screenshot(phone, screenshot_dir, "reforms-list")

    # A search by part of a name: 老年 finds 老年人优待证办理.
    phone.locator("input[name=q]").fill("老年")
    with phone.expect_navigation():
        phone.locator("form.catalogue-filters button[type=submit]").tap()
    titles = phone.locator("ul.item-list li.item h2 a").all_inner_texts()
    assert "老年人优待证办理" in titles and all("老年" in title for title in titles)

    # Then a filter: handled in the village, issued with one seal.
    phone.locator("select[name=level]").select_option("village")
    phone.locator("select[name=reform]").select_option("one_seal")
    with phone.expect_navigation():
        phone.locator("form.catalogue-filters button[type=submit]").tap()
    titles = phone.locator("ul.item-list li.item h2 a").all_inner_texts()
    assert titles == ["老年人优待证办理"]
    assert "1" in phone.get_by_role("status").inner_text()
    assert_fits_phone(phone)
    screenshot(phone, screenshot_dir, "reforms-search")

    with phone.expect_navigation():
        phone.get_by_role("link", name="老年人优待证办理").tap()
    assert phone.locator("h1").inner_text().strip() == "老年人优待证办理"
    facts = phone.locator("dl.item-facts").inner_text()
    for expected in ["市民政局", "村社区", "村(社区)直接出具", "即办", "最多跑1次", "免费"]:
        assert expected in facts, expected
    assert_fits_phone(phone)
    screenshot(phone, screenshot_dir, "reforms-item")

    # Nothing matches: the page says so and offers to clear the filters.
    visit(phone, catalogue_server.url + "/reforms/?q=火星&level=city")
    assert phone.locator("ul.item-list li.item").count() == 0
    with phone.expect_navigation():
        phone.get_by_role("link", name="清除全部筛选").tap()
    assert phone.locator("ul.item-list li.item").count() == 20
    assert console.errors == []
