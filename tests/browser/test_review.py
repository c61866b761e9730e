"""Review before publishing in a real browser: an office administrator signs in with a
password and a TOTP code from their authenticator, opens the review queue and approves a
unit editor's progress update, which the public page then shows."""

import datetime

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from projects.models import ProgressStatus, ProgressUpdate, Project
from tests.deeds_portal.test_second_factor import code_of
from tests.units.factories import make_user
from units import review
from units.models import ReviewRequest, ReviewStatus, Unit
from units.roles import OFFICE_ADMIN, UNIT_EDITOR

from .conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (make browser-deps)"),
]
NOTE = "浏览器测试：桥面铺装完成"


def test_office_signs_in_with_a_totp_code_and_approves_an_update(
    demo_server, desktop, settings, screenshot_dir
):
    settings.SECOND_FACTOR_ENFORCED = True
    unit = Unit.objects.get(name="第一党支部")
    project = Project.objects.published().filter(unit=unit).first()
    editor = make_user("editor", UNIT_EDITOR, unit)
    update = ProgressUpdate(
        project=project, date=datetime.date.today(), percent=90, status=ProgressStatus.IN_PROGRESS, note=NOTE
    )
    review.save_new(update, editor, kind=ReviewRequest.Kind.UPDATE)
    public_url = f"{demo_server.url}/projects/{project.pk}/"
    desktop.goto(public_url)
    assert NOTE not in desktop.content()  # waiting for review: not public (and now in the page cache)

    office = make_user("office", OFFICE_ADMIN)
    device = TOTPDevice.objects.create(user=office, name="手机", confirmed=True)
    desktop.goto(demo_server.url + "/admin/login/")
    desktop.fill("#id_username", "office")
    desktop.fill("#id_password", "pw-office")
    desktop.fill("#id_otp_token", code_of(device))  # what the authenticator app shows now
    desktop.click("input[type=submit]")
    desktop.wait_for_url(demo_server.url + "/admin/")

    desktop.goto(demo_server.url + "/admin/units/reviewrequest/")
    assert "status__exact=pending" in desktop.url
    assert "第一党支部" in desktop.locator("#review-units").inner_text()
    desktop.locator("#result_list tbody tr a").first.click()
    assert NOTE in desktop.locator(".review-record").inner_text()
    desktop.screenshot(path=str(screenshot_dir / "admin-review-decide.png"), full_page=True)
    desktop.click("button[name=decision][value=approve]")
    desktop.wait_for_url("**/admin/units/reviewrequest/?status__exact=pending")
    assert desktop.locator(".messagelist .success").count() == 1

    update.refresh_from_db()
    assert update.review_status == ReviewStatus.APPROVED
    assert AuditEntry.objects.filter(action=AuditEntry.Action.APPROVAL, user=office).count() == 1
    desktop.goto(public_url)
    assert NOTE in desktop.content()  # shown at once: the approval invalidated the page cache
    assert desktop.console_log.errors == []
