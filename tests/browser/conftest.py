"""Fixtures for the browser tests: Debian's Chromium driven by Playwright (sync API).

Playwright never downloads a browser here: it launches /usr/bin/chromium (``make browser-deps``).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A typical phone: the portal is read mostly on phones.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# Playwright's sync API runs an event loop in the test thread; without this, Django's
# async-safety guard refuses every ORM call the test (or live_server set-up) makes.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def demo_server(live_server, transactional_db):
    """The live server with the article's demo data (units, rounds, the “ten ones”)."""
    import projects.demo
    import units.demo

    projects.demo.load(units.demo.load())
    return live_server


class ConsoleLog:
    """Console messages of type error (CSP violations, failed loads) and uncaught exceptions."""

    def __init__(self):
        self.errors = []

    def on_console(self, page, message):
        if message.type == "error":
            self.errors.append(f"{page.url}: {message.text} {message.location}")


@pytest.fixture
def console():
    return ConsoleLog()


@pytest.fixture
def phone(browser, console):
    """A page in a fresh phone-sized context (own cookies) that records console errors."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda message: console.on_console(page, message))
    page.on("pageerror", lambda error: console.errors.append(f"{page.url}: uncaught {error}"))
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def desktop(browser):
    """A page in a fresh 1280×900 context for the admin; its console errors in ``page.console_log``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    console = ConsoleLog()
    page.console_log = console
    page.on("console", lambda message: console.on_console(page, message))
    page.on("pageerror", lambda error: console.errors.append(f"{page.url}: uncaught {error}"))
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
