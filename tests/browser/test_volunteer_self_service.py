"""A volunteer on a 375 px phone: signs up from their personal link, is refused a double booking,
checks in at the post by its QR code's address, and downloads their certificate."""

import datetime

import pytest
from django.utils import timezone

from units.models import Unit
from volunteers import self_service
from volunteers.models import Assignment, Attendance, Certificate, Post, ServiceType, Shift, Volunteer
from volunteers.self_views import post_code

from .conftest import CHROMIUM, PHONE
from .test_public_pages import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (make browser-deps)"),
]
NARROW_PHONE = {**PHONE, "viewport": {"width": 375, "height": 812}}


def fits(page):
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == 375
    assert scroll_width <= inner_width, f"{page.url} scrolls sideways: {scroll_width}px > {inner_width}px"


def at(minutes: int) -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(minutes=minutes)).replace(second=0, microsecond=0)


def test_a_volunteer_serves_themselves_on_a_375px_phone(
    live_server, transactional_db, browser, screenshot_dir
):
    unit = Unit.objects.create(name="第一党支部", kind=Unit.Kind.PARTY_BRANCH)
    crossing = Post.objects.create(name="大庸路与机场路交叉路口", unit=unit)
    station = Post.objects.create(name="社区新时代文明实践站", unit=unit)
    service = ServiceType.objects.get_or_create(name="三导")[0]  # the data migration may have made it
    volunteer = Volunteer.objects.create(name="张志愿", unit=unit, phone="13800000000")
    yesterday = Shift.objects.create(
        post=crossing, service=service, starts_at=at(-24 * 60), ends_at=at(-23 * 60), headcount=2
    )
    Assignment.objects.create(volunteer=volunteer, shift=yesterday, attendance=Attendance.PRESENT)
    soon = Shift.objects.create(post=crossing, service=service, starts_at=at(20), ends_at=at(80), headcount=2)
    clash = Shift.objects.create(post=station, service=service, starts_at=at(30), ends_at=at(90), headcount=2)
    token = self_service.issue_link(volunteer)

    context = browser.new_context(**NARROW_PHONE)
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    errors = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    try:
        phone.goto(f"{live_server.url}/volunteers/me/{token}/")
        fits(phone)
        assert "张志愿 的志愿服务" in phone.locator("h1").inner_text()

        # Sign up for the shift in 20 minutes.
        phone.locator("li", has_text=str(soon)).get_by_role("button", name="报名").click()
        assert f"您已报名 {soon}" in phone.locator("[role=status]").inner_text()
        fits(phone)

        # The overlapping shift at the other post is refused, naming the shift in the way.
        phone.locator("li", has_text=str(clash)).get_by_role("button", name="报名").click()
        assert f"您已报名同一时间的 {soon}" in phone.locator("[role=alert]").inner_text()
        fits(phone)
        screenshot(phone, screenshot_dir, "volunteer-self-double-booking-375")
        assert not Assignment.objects.filter(volunteer=volunteer, shift=clash).exists()

        # At the post: the sign's QR code opens the check-in page on the same phone.
        phone.goto(f"{live_server.url}/volunteers/checkin/{post_code(crossing)}/")
        fits(phone)
        assert "本手机的志愿者：张志愿" in phone.locator("main").inner_text()
        phone.get_by_role("button", name="立即签到").click()
        assert "签到" in phone.locator("[role=status]").inner_text()
        assert Assignment.objects.get(volunteer=volunteer, shift=soon).check_in is not None
        screenshot(phone, screenshot_dir, "volunteer-self-check-in-375")

        # Their certificate, for the confirmed hours (yesterday's shift).
        phone.goto(f"{live_server.url}/volunteers/me/{token}/")
        phone.get_by_role("button", name="出具我的证明").click()
        fits(phone)
        certificate = Certificate.objects.get(volunteer=volunteer)
        text = phone.locator("body").inner_text()
        assert "志愿服务记录证明" in text and certificate.number in text and "张志愿" in text
        screenshot(phone, screenshot_dir, "volunteer-self-certificate-375")
        assert errors == []
    finally:
        context.close()
