"""What a citizen reads on a phone: the dashboard, the project list and a project page.

Runs Debian's Chromium through Playwright against pytest-django's live server with the
article's demo data (the ten projects of the “十个一” round and, in a round of its own, the
visit to 40 needy party members: 11 projects, all completed by the end of June 2021).

UI labels depend on the translation catalogues, so the assertions rest on data (titles,
unit names, dates, figures) and structure (<progress>, <time datetime>, <html lang>).
"""

from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.conf import settings

from projects.demo import FIRST_ROUND, TEN_ONES, VISIT, VISIT_ROUND
from projects.models import Project

from .conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium and fonts-noto-cjk (make browser-deps)",
    ),
]

SITE_TITLE_EN = "Practical deeds for the people"
DEMO_PROJECTS = [*TEN_ONES, VISIT]
UNIT_OF = {row[0]: row[2] for row in DEMO_PROJECTS}  # title → responsible unit
ROUND_OF = {**{row[0]: FIRST_ROUND for row in TEN_ONES}, VISIT[0]: VISIT_ROUND}
BRIDGE = "修建一座风雨桥"
ZH_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"


def visit(page, url):
    response = page.goto(url)
    assert response is not None and response.ok, f"{url} answered {response and response.status}"
    return response


def assert_fits_phone(page):
    """No horizontal scrolling at phone width."""
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == 390
    assert scroll_width <= inner_width, f"{page.url} scrolls sideways: {scroll_width}px > {inner_width}px"


def assert_site_title(page, language):
    """The site title is the brand, ends the <title>, and is translated when the catalogue exists."""
    brand = page.locator("header .brand").inner_text().strip()
    assert brand
    assert page.title().endswith(brand)
    if language == "en":
        assert brand == SITE_TITLE_EN
    elif ZH_CATALOGUE.exists():
        assert brand != SITE_TITLE_EN
        assert any("\u4e00" <= char <= "\u9fff" for char in brand), brand


def screenshot(page, directory, name):
    page.screenshot(path=directory / f"{name}.png", full_page=True)


def test_dashboard_shows_the_current_round(demo_server, phone, console, screenshot_dir):
    visit(phone, demo_server.url + "/")

    assert phone.locator("html").get_attribute("lang") == "zh-CN"
    assert_site_title(phone, "zh-hans")
    assert phone.locator("h1").inner_text().strip() == phone.locator("header .brand").inner_text().strip()

    deeds = phone.locator("section[aria-labelledby=deeds-heading]")
    assert deeds.get_by_role("link", name=FIRST_ROUND).count() == 1
    # The article's ten: projects, completed, in progress, not started, overdue, completion rate.
    figures = [text.strip() for text in deeds.locator("dl.figures dd").all_inner_texts()]
    assert figures == ["10", "10", "0", "0", "0", "100%"]
    assert deeds.locator("progress").get_attribute("value") == "100"
    # The visit's 2万元 belong to its own round, not to the “十个一”.
    assert "2万元" not in deeds.inner_text()

    latest = phone.locator("section[aria-labelledby=updates-heading] ol.timeline > li")
    assert latest.count() == 6
    dates = [latest.nth(i).locator("time").get_attribute("datetime") for i in range(6)]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == "2021-06-29"
    bridge = latest.filter(has=phone.get_by_role("link", name=BRIDGE))
    assert bridge.locator("time").get_attribute("datetime") == "2021-06-28"
    assert "机关党委 · 100%" in bridge.inner_text()

    assert_fits_phone(phone)
    screenshot(phone, screenshot_dir, "dashboard")
    assert console.errors == []


def test_project_list_shows_titles_progress_unit_and_status(demo_server, phone, console, screenshot_dir):
    visit(phone, demo_server.url + "/projects/")

    assert phone.locator("html").get_attribute("lang") == "zh-CN"
    assert_site_title(phone, "zh-hans")
    assert "11" in phone.get_by_role("status").inner_text()

    cards = phone.locator("ul.project-list > li.project")
    assert cards.count() == len(DEMO_PROJECTS) == 11
    seen = {}
    for i in range(cards.count()):
        card = cards.nth(i)
        title = card.locator("h2 a").inner_text().strip()
        assert card.locator("progress").get_attribute("value") == "100", title
        assert card.locator(".progress-figure").inner_text().strip() == "100%"
        assert card.locator(".status").get_attribute("class").split() == ["status", "status-completed"]
        facts = card.locator("dl.facts dd").all_inner_texts()
        assert UNIT_OF[title] in [fact.strip() for fact in facts], title
        assert ROUND_OF[title] in facts[-1], title
        assert card.locator("time").get_attribute("datetime").startswith("2021-0")
        seen[title] = card
    assert set(seen) == set(UNIT_OF)

    assert_fits_phone(phone)
    screenshot(phone, screenshot_dir, "project-list")

    # A citizen taps a title and lands on the project page.
    seen[BRIDGE].locator("h2 a").tap()
    phone.wait_for_url(f"**/projects/{Project.objects.get(title=BRIDGE).pk}/")
    assert phone.locator("h1").inner_text().strip() == BRIDGE
    assert console.errors == []


def test_project_page_shows_the_dated_timeline(demo_server, phone, console, screenshot_dir):
    project = Project.objects.get(title=BRIDGE)
    visit(phone, f"{demo_server.url}/projects/{project.pk}/")

    assert phone.locator("html").get_attribute("lang") == "zh-CN"
    assert phone.locator("h1").inner_text().strip() == BRIDGE
    assert phone.title().startswith(BRIDGE)
    assert_site_title(phone, "zh-hans")
    assert FIRST_ROUND in phone.locator(".breadcrumb").inner_text()

    header = phone.locator("main > .progress")
    assert header.locator("progress").get_attribute("value") == "100"
    facts = phone.locator("main dl.facts")
    assert facts.locator(".status-completed").count() == 1
    assert "机关党委" in [text.strip() for text in facts.locator("dd").all_inner_texts()]
    assert facts.locator("time").get_attribute("datetime") == "2021-06-30"

    entries = phone.locator("section[aria-labelledby=timeline-heading] ol.timeline > li")
    assert [entries.nth(i).locator("time").get_attribute("datetime") for i in range(entries.count())] == [
        "2021-06-28",
        "2021-06-10",
        "2021-05-20",
    ]
    assert "100%" in entries.nth(0).inner_text()
    assert "风雨桥建成，市民可在桥上休憩纳凉。" in entries.nth(0).inner_text()
    assert "完成选址和设计，材料进场。" in entries.nth(2).inner_text()
    assert "30%" in entries.nth(2).inner_text()
    # The lead's name is internal ledger data, never public.
    assert "周建国" not in phone.locator("body").inner_text()

    assert_fits_phone(phone)
    screenshot(phone, screenshot_dir, "project-bridge")
    assert console.errors == []


def test_language_switch_to_english_and_back(demo_server, phone, console, screenshot_dir):
    project = Project.objects.get(title=BRIDGE)
    path = f"/projects/{project.pk}/"
    visit(phone, demo_server.url + path)
    assert phone.locator("html").get_attribute("lang") == "zh-CN"

    # The switch is a plain link to the same page in the other language.
    switch = phone.locator(".lang a")
    assert switch.get_attribute("href") == "/en" + path
    assert phone.locator("form.lang").count() == 0
    with phone.expect_navigation():
        switch.tap()
    assert phone.url == demo_server.url + "/en" + path
    assert phone.locator("html").get_attribute("lang") == "en"
    assert_site_title(phone, "en")
    assert "Open-door deeds" in phone.locator("header nav").inner_text()
    assert "Progress timeline" in phone.locator("#timeline-heading").inner_text()
    assert phone.locator("h1").inner_text().strip() == BRIDGE  # data stays Chinese
    assert_fits_phone(phone)
    screenshot(phone, screenshot_dir, "project-bridge-en")

    # Links on an English page stay English; a shared /en/ link opens in English anywhere.
    with phone.expect_navigation():
        phone.locator("header .brand").tap()
    assert phone.url == demo_server.url + "/en/"
    assert phone.locator("h1").inner_text().strip() == SITE_TITLE_EN

    back = phone.locator(".lang a")
    assert back.inner_text().strip() == "中文"
    with phone.expect_navigation():
        back.tap()
    assert phone.url == demo_server.url + "/"
    assert phone.locator("html").get_attribute("lang") == "zh-CN"
    assert_site_title(phone, "zh-hans")
    assert phone.locator(".lang a").get_attribute("href") == "/en/"
    assert console.errors == []


def test_pages_declare_an_icon(demo_server, phone):
    visit(phone, demo_server.url + "/")
    declared = phone.locator("link[rel~=icon]")
    href = declared.first.get_attribute("href") if declared.count() else "/favicon.ico"
    if href.startswith("data:"):
        return
    response = phone.request.get(urljoin(phone.url, href))
    assert response.ok, f"the icon {href} answered {response.status}"
