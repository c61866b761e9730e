"""百姓点菜 on a phone, moderated in the admin; 长辈版 checked in both modes without JavaScript."""

import re

import pytest
from django.contrib.auth.models import Group

from suggestions.models import Suggestion
from tests.conftest import make_user

from .conftest import CHROMIUM, PHONE
from .test_admin_pages import sign_in
from .test_public_pages import assert_fits_phone, screenshot, visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (make browser-deps)"),
]


def test_citizen_proposes_staff_accept_citizen_follows_and_supports(
    demo_server,
    phone,
    console,
    desktop,  # noqa: F811
    screenshot_dir,
):
    visit(phone, demo_server.url + "/suggestions/")
    phone.get_by_role("link", name="我要点菜").click()
    phone.wait_for_url("**/suggestions/new/")  # measured once the form has loaded, not mid-navigation
    assert_fits_phone(phone)
    phone.get_by_label("需要办的事").fill("<b>小区门口</b>加装路灯")
    phone.get_by_label("地点（村或社区）").fill("东关社区")
    phone.get_by_label("理由").fill("晚上太黑，老人出行不便")
    phone.get_by_label("联系方式（不公开）").fill("13912345678")
    phone.get_by_role("button", name="提交建议").click()
    reference = re.search(r"JY[0-9A-Z]{8}", phone.locator(".reference").inner_text()).group(0)
    assert "已收到" in phone.locator("main").inner_text()
    screenshot(phone, screenshot_dir, "suggestion-sent-phone")

    # Not public until the office has read it.
    visit(phone, demo_server.url + "/suggestions/")
    assert "加装路灯" not in phone.locator("main").inner_text()

    make_user("office", Group.objects.get(name="办公室管理员").name)
    sign_in(desktop, demo_server, "office")
    desktop.goto(demo_server.url + "/admin/suggestions/suggestion/")
    desktop.get_by_role("row", name=re.compile(reference)).get_by_role("checkbox").check()
    desktop.select_option("select[name=action]", "accept")
    desktop.click("button[name=index]")
    assert Suggestion.objects.get(reference=reference).status == "accepted"

    visit(phone, demo_server.url + "/suggestions/status/")
    phone.get_by_label("查询编号").fill(reference.lower())
    phone.get_by_role("button", name="查询").click()
    assert "已采纳" in phone.locator("main").inner_text()

    visit(phone, demo_server.url + "/suggestions/")
    card = phone.locator(".suggestion", has_text="加装路灯")
    assert "<b>小区门口</b>加装路灯" in card.inner_text()  # shown as text, not markup
    assert "13912345678" not in phone.content()
    card.get_by_role("button", name="我支持").click()
    assert "已计入" in phone.locator("main").inner_text()
    visit(phone, demo_server.url + "/suggestions/")
    phone.locator(".suggestion", has_text="加装路灯").get_by_role("button", name="我支持").click()
    assert "已经支持过" in phone.locator("main").inner_text()
    assert Suggestion.objects.get(reference=reference).support_count == 1
    assert console.errors == []


READ_STYLES = """() => {
  const body = getComputedStyle(document.body);
  const main = getComputedStyle(document.querySelector('main'));
  const taps = [...document.querySelectorAll('header a, main a.button, main button')]
    .filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().height);
  return {font: parseFloat(body.fontSize), line: parseFloat(body.lineHeight) / parseFloat(body.fontSize),
          ink: body.color, paper: getComputedStyle(document.querySelector('.card') || document.body).backgroundColor,
          page: main.color, smallestTap: Math.min(...taps)};
}"""


def _luminance(rgb: str) -> float:
    channels = [int(value) / 255 for value in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(ink: str, paper: str) -> float:
    lighter, darker = sorted([_luminance(ink), _luminance(paper)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_elder_mode_on_a_phone_without_javascript(demo_server, browser, screenshot_dir):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        visit(page, demo_server.url + "/projects/")
        standard = page.evaluate(READ_STYLES)
        assert standard["line"] >= 1.5 and contrast(standard["ink"], standard["paper"]) >= 4.5
        assert (
            page.get_by_role("link", name="标准版").count() == 0
            or not page.get_by_role("link", name="标准版").is_visible()
        )

        page.get_by_role("link", name="长辈版").click()
        page.wait_for_url(demo_server.url + "/projects/")
        elder = page.evaluate(READ_STYLES)
        assert elder["font"] >= 20 and elder["font"] > standard["font"]
        assert elder["line"] >= 1.5
        assert contrast(elder["ink"], elder["paper"]) >= 7  # WCAG AAA for body text
        assert elder["smallestTap"] >= 44
        assert_fits_phone(page)
        screenshot(page, screenshot_dir, "projects-elder-phone")

        # Remembered on the next page, and switched back with the other link.
        visit(page, demo_server.url + "/suggestions/")
        assert page.evaluate(READ_STYLES)["font"] >= 20
        assert_fits_phone(page)
        page.get_by_role("link", name="标准版").click()
        page.wait_for_url(demo_server.url + "/suggestions/")
        assert page.evaluate(READ_STYLES)["font"] == standard["font"]
        assert page.get_by_role("link", name="长辈版").is_visible()
    finally:
        context.close()
