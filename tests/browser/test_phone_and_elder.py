"""Measured on a 375 px phone, standard and 长辈版 (elder mode): what citizens reported about
the pages' layout, the hotline chart, wide tables, the site notice and the elder header."""

import pytest
from django.test import Client
from django.urls import reverse

from projects.models import Project

from .conftest import CHROMIUM
from .test_public_pages import BRIDGE, visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (make browser-deps)"),
]

PHONE_375 = {
    "viewport": {"width": 375, "height": 812},
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


@pytest.fixture
def portal(demo_server):
    """The demo projects and hotline months, and three ratings of the bridge (from three browsers)."""
    from hotline import demo

    demo.load({})
    bridge = Project.objects.get(title=BRIDGE)
    for satisfaction in ["satisfied", "fairly", "unsatisfied"]:
        Client().post(
            reverse("suggestions:rate", args=[bridge.pk]), {"satisfaction": satisfaction, "website": ""}
        )
    demo_server.bridge = bridge
    return demo_server


@pytest.fixture
def open_page(browser, portal):
    """``open_page(elder=…)``: a tab in a fresh 375 px phone context, in 长辈版 or not."""
    contexts = []

    def open_page(elder=False):
        context = browser.new_context(**PHONE_375)
        contexts.append(context)
        if elder:
            context.add_cookies([{"name": "elder", "value": "1", "url": portal.url}])
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.console_errors = []
        page.on(
            "console", lambda message: message.type == "error" and page.console_errors.append(message.text)
        )
        return page

    yield open_page
    for context in contexts:
        context.close()


def scroll_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_figures_satisfaction_tiles_and_field_tables_fit_the_phone(portal, open_page, elder):
    page = open_page(elder)
    for path in ["/", "/en/", f"/projects/{portal.bridge.pk}/", "/open-data/", "/en/open-data/"]:
        visit(page, portal.url + path)
        # The home page's “+27.22%” and the bridge's three satisfaction tiles are on the page.
        assert scroll_width(page) <= 375, f"{path} scrolls sideways: {scroll_width(page)} px"
    visit(page, portal.url + "/")
    assert "+27.22%" in page.locator("#hotline-heading + p + dl.figures").inner_text()


AXIS_SIZES = """() => [...document.querySelectorAll('svg.trend-chart text.axis')].map(text =>
    parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a)"""
MONTH_BOXES = """() => [...document.querySelectorAll('svg.trend-chart text.axis[text-anchor=middle]')].map(text => {
    const box = text.getBoundingClientRect();
    return [text.textContent, box.left, box.right];
})"""


def test_hotline_chart_labels_are_legible_larger_in_elder_mode_and_english_on_en(portal, open_page):
    sizes = {}
    for elder in (False, True):
        page = open_page(elder)
        visit(page, portal.url + "/hotline/")
        sizes[elder] = page.evaluate(AXIS_SIZES)
        assert len(sizes[elder]) == 11  # five grid values, six months
        visit(page, portal.url + "/en/hotline/")
        months = page.evaluate(MONTH_BOXES)
        assert [text for text, _, _ in months] == ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
        for (_, _, right), (text, left, _) in zip(months, months[1:], strict=False):
            assert left >= right, f"{text} overlaps the label before it"
    assert min(sizes[False]) >= 12, sizes[False]  # about 6 px before
    assert min(sizes[True]) > max(sizes[False]), sizes


def test_wide_tables_are_reached_by_keyboard_and_show_they_scroll(portal, open_page):
    page = open_page()
    visit(page, portal.url + "/hotline/")
    region = page.locator(".table-scroll").first
    assert region.get_attribute("role") == "region" and region.get_attribute("aria-label") == "月度数据"
    assert region.evaluate("box => box.scrollWidth > box.clientWidth")  # it does scroll on a phone
    # A shade marks the right edge while there is more to see (portal.css: local covers, scroll shades).
    background = region.evaluate(
        "box => [getComputedStyle(box).backgroundImage, getComputedStyle(box).backgroundAttachment]"
    )
    assert background[0].count("radial-gradient") == 2 and "local" in background[1], background
    # The keyboard reaches it (Tab) and scrolls it (arrow keys).
    for _ in range(60):
        page.keyboard.press("Tab")
        if region.evaluate("box => document.activeElement === box"):
            break
    else:
        pytest.fail("Tab never reached the table")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("End")
    page.wait_for_function("box => box.scrollLeft > 0", arg=region.element_handle())


LINES = """element => {
    const text = document.createRange();
    text.selectNodeContents(element);
    return new Set([...text.getClientRects()].map(rect => Math.round(rect.top))).size;
}"""


def test_site_notice_on_a_phone_has_an_icon_a_description_and_follows_elder_mode(portal, open_page):
    path = f"/suggestions/notice/{portal.bridge.pk}/"
    heading = {}
    for elder in (False, True):
        page = open_page(elder)
        visit(page, portal.url + path)
        icon = page.locator("link[rel~=icon]")
        assert icon.count() == 1 and page.request.get(portal.url + icon.get_attribute("href")).ok
        assert BRIDGE in page.locator("meta[name=description]").get_attribute("content")
        for term in page.locator("dt").all():
            # “批次” stood one character a line.
            assert term.evaluate(LINES) == 1, f"{term.inner_text()} wraps"
        assert scroll_width(page) <= 375
        heading[elder] = [
            page.locator(selector).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
            for selector in ("h1", "dl")
        ]
        assert page.console_errors == []  # the browser's /favicon.ico 404 was one
    assert all(elder > standard for elder, standard in zip(heading[True], heading[False], strict=True)), (
        heading
    )


def test_elder_mode_header_radio_buttons_and_buttons_beside_links(portal, open_page):
    page = open_page(elder=True)
    for path in ["/", "/en/"]:
        visit(page, portal.url + path)
        header = page.locator("header").bounding_box()["height"]
        assert header <= 812 / 4, f"{path}: the header takes {header} px of 812"  # about 300 before

    visit(page, f"{portal.url}/suggestions/rate/{portal.bridge.pk}/")
    radios = page.locator("input[type=radio]")
    assert radios.count() == 3
    for radio in radios.all():
        box = radio.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, box  # about 13 px before
        label = radio.locator("xpath=ancestor::label").bounding_box()
        assert label["height"] >= 48, label

    visit(page, portal.url + "/suggestions/")
    button = page.get_by_role("link", name="我要点菜").bounding_box()
    after = page.locator("a.button + a").bounding_box()
    apart = max(after["x"] - (button["x"] + button["width"]), after["y"] - (button["y"] + button["height"]))
    assert apart >= 8, (button, after)
