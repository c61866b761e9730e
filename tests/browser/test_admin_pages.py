"""Staff pages in a real browser: the admin keeps working under the strict Content-Security-Policy.

The CSP forbids inline scripts and styles; a page of Django's admin or of
django-import-export that relied on them would silently lose its behaviour, which
only a browser shows (as console errors).
"""

import datetime

import pytest
from django.contrib.auth.models import Group

from projects.models import Project
from tests.conftest import make_user
from units.models import Unit
from units.roles import OFFICE_ADMIN

from .conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (make browser-deps)"),
]


def sign_in(page, server, username):
    page.goto(server.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-" + username)
    page.click("input[type=submit]")
    page.wait_for_url(server.url + "/admin/")


def test_editor_keeps_a_project_with_progress_in_the_admin(demo_server, desktop, screenshot_dir):
    unit = Unit.objects.get(name="第一党支部")
    make_user("editor", Group.objects.get(name="单位台账员").name, unit)
    project = Project.objects.filter(unit=unit).first()
    sign_in(desktop, demo_server, "editor")

    desktop.goto(f"{demo_server.url}/admin/projects/project/")
    rows = desktop.locator("#result_list tbody tr")
    assert rows.count() == Project.objects.filter(unit=unit).count()
    assert "机关党委" not in desktop.locator("#result_list").inner_text()
    desktop.screenshot(path=str(screenshot_dir / "admin-project-list.png"), full_page=True)

    desktop.goto(f"{demo_server.url}/admin/projects/project/{project.pk}/change/")
    # The inline's "add another" link is built by the admin's own JavaScript.
    desktop.click(".inline-group .add-row a")
    new_form = desktop.locator(".inline-related:not(.empty-form)").last
    new_form.locator("input.vDateField").fill("2021-07-02")
    new_form.locator("input[name$='-percent']:not([type=hidden])").fill("100")
    new_form.locator("select[name$='-status']").select_option("completed")
    new_form.locator("textarea[name$='-note']").fill("回访群众,满意")
    desktop.click("input[name=_save]")
    desktop.wait_for_load_state()
    errors = desktop.locator(".errornote, .errorlist").all_inner_texts()
    desktop.screenshot(path=str(screenshot_dir / "admin-after-save.png"), full_page=True)
    assert errors == [], errors
    desktop.wait_for_url(f"{demo_server.url}/admin/projects/project/")
    assert project.updates.filter(date=datetime.date(2021, 7, 2), note="回访群众,满意").exists()

    for path in [
        "/admin/projects/project/import/",
        "/admin/projects/project/export/",
        f"/admin/projects/project/{project.pk}/history/",
    ]:
        response = desktop.goto(demo_server.url + path)
        assert response.ok, path
    desktop.screenshot(path=str(screenshot_dir / "admin-export.png"), full_page=True)
    # The export form's "select all" toggle (an inline handler allowed by its hash) still works.
    desktop.goto(demo_server.url + "/admin/projects/project/export/")
    desktop.uncheck("input.select-toggle")
    assert desktop.locator("input[resource-id='0']:checked").count() == 0
    assert desktop.console_log.errors == []


def test_office_admin_assigns_an_editor_to_a_unit(demo_server, desktop):
    make_user("office", Group.objects.get(name="办公室管理员").name)
    newcomer = make_user("newcomer")
    unit = Unit.objects.get(name="第三党支部")
    sign_in(desktop, demo_server, "office")

    desktop.goto(f"{demo_server.url}/admin/units/unit/{unit.pk}/change/")
    # filter_horizontal is built by the admin's SelectFilter JavaScript.
    desktop.select_option("#id_members_from", label="newcomer")
    desktop.click("#id_members_add")
    desktop.click("input[name=_save]")
    desktop.wait_for_url(f"{demo_server.url}/admin/units/unit/")
    assert unit.members.filter(pk=newcomer.pk).exists()

    response = desktop.goto(f"{demo_server.url}/admin/auth/user/{newcomer.pk}/change/")
    assert response.ok
    assert "第三党支部" in desktop.locator(".inline-group").inner_text()
    assert desktop.console_log.errors == []


def test_project_list_is_readable_on_a_laptop(demo_server, desktop, screenshot_dir):
    """At 1280×800 the ledger fits the window and a title reads as a line, not a column of characters."""
    make_user("office", OFFICE_ADMIN)
    desktop.set_viewport_size({"width": 1280, "height": 800})
    sign_in(desktop, demo_server, "office")

    desktop.goto(f"{demo_server.url}/admin/projects/project/")
    desktop.screenshot(path=str(screenshot_dir / "admin-project-list-laptop.png"), full_page=True)
    scroll_width, inner_width = desktop.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, (
        f"the project list scrolls sideways: {scroll_width}px > {inner_width}px"
    )
    table_width, results_width = desktop.evaluate(
        "[document.querySelector('#result_list').scrollWidth, document.querySelector('.results').clientWidth]"
    )
    assert table_width <= results_width, f"columns hidden to the right: {table_width}px > {results_width}px"
    title_cell = desktop.locator("#result_list tbody .field-title").first
    title_width = title_cell.evaluate("cell => cell.getBoundingClientRect().width")
    font_size = title_cell.evaluate("cell => parseFloat(getComputedStyle(cell).fontSize)")
    # A CJK character is about one em wide: ten of them must fit on a line.
    assert title_width >= 10 * font_size, f"title column {title_width}px, font {font_size}px"
    assert desktop.console_log.errors == []
