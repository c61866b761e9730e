"""Review before publishing in a real browser: an office administrator signs in with a
password and a TOTP code from their authenticator, opens the review queue and approves a
unit editor's progress update, which the public page then shows."""

import datetime

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from projects.models import ProgressStatus, ProgressUpdate, Project
from review import service as review
from review.models import ReviewRequest, ReviewStatus
from tests.deeds_portal.test_second_factor import code_of
from tests.units.factories import make_user
from units.models import Unit
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

    desktop.goto(demo_server.url + "/admin/review/reviewrequest/")
    assert "status__exact=pending" in desktop.url
    assert "第一党支部" in desktop.locator("#review-units").inner_text()
    desktop.locator("#result_list tbody tr a").first.click()
    assert NOTE in desktop.locator(".review-record").inner_text()
    desktop.screenshot(path=str(screenshot_dir / "admin-review-decide.png"), full_page=True)
    desktop.click("button[name=decision][value=approve]")
    desktop.wait_for_url("**/admin/review/reviewrequest/?status__exact=pending")
    assert desktop.locator(".messagelist .success").count() == 1

    update.refresh_from_db()
    assert update.review_status == ReviewStatus.APPROVED
    assert AuditEntry.objects.filter(action=AuditEntry.Action.APPROVAL, user=office).count() == 1
    desktop.goto(public_url)
    assert NOTE in desktop.content()  # shown at once: the approval invalidated the page cache
    assert desktop.console_log.errors == []


def test_an_editor_corrects_a_sent_back_change_in_the_form_that_shows_it(
    demo_server, desktop, screenshot_dir
):
    unit = Unit.objects.get(name="第一党支部")
    project = Project.objects.published().filter(unit=unit).first()
    approved_title = project.title
    editor = make_user("editor", UNIT_EDITOR, unit)
    office = make_user("office", OFFICE_ADMIN)
    change_url = f"{demo_server.url}/admin/projects/project/{project.pk}/change/"

    desktop.goto(demo_server.url + "/admin/login/")
    desktop.fill("#id_username", "editor")
    desktop.fill("#id_password", "pw-editor")
    desktop.click("input[type=submit]")
    desktop.wait_for_url(demo_server.url + "/admin/")
    desktop.goto(change_url)
    desktop.fill("#id_title", "浏览器测试：第一稿")
    desktop.fill("#id_lead_name", "浏览器测试负责人")
    desktop.click("input[name=_save]")
    desktop.wait_for_url(f"{demo_server.url}/admin/projects/project/")

    desktop.goto(change_url)
    # Their submission, not the approved title.
    assert desktop.input_value("#id_title") == "浏览器测试：第一稿"
    assert "等待办公室审核" in desktop.locator(".messagelist").inner_text()

    review.send_back(ReviewRequest.objects.get(submitted_by=editor), office, "请写明具体路段")
    desktop.goto(change_url)
    banner = desktop.locator(".messagelist").inner_text()
    assert "请写明具体路段" in banner and "改正后保存即可重新提交" in banner
    assert desktop.input_value("#id_lead_name") == "浏览器测试负责人"  # nothing to retype
    desktop.screenshot(path=str(screenshot_dir / "admin-sent-back-change.png"), full_page=True)
    desktop.fill("#id_title", "浏览器测试：大庸路段")
    desktop.click("input[name=_save]")
    desktop.wait_for_url(f"{demo_server.url}/admin/projects/project/")

    waiting = ReviewRequest.objects.get(submitted_by=editor, status=ReviewStatus.PENDING)
    assert waiting.proposed == {"title": "浏览器测试：大庸路段", "lead_name": "浏览器测试负责人"}
    project.refresh_from_db()
    assert project.title == approved_title
    desktop.goto(change_url)
    assert desktop.input_value("#id_title") == "浏览器测试：大庸路段"  # still in view after saving
    assert desktop.console_log.errors == []
