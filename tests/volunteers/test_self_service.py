"""Volunteers serve themselves through a personal link: no account, no session, their own data only."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from volunteers import self_service
from volunteers.links import CheckIn, PersonalLink, SelfServiceRules
from volunteers.models import Assignment, Attendance, Certificate

from .factories import book, make_post, make_shift, make_volunteer

D = datetime.date
# Monday 2021-05-10, 08:00 in Shanghai: the shifts below are on the days after.
NOW = "2021-05-10T00:00:00+00:00"
FORM = re.compile(r'name="action" value="([\w-]+)"><input type="hidden" name="form" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def me(token) -> str:
    return reverse("volunteers:me", args=[token])


def forms_on(page) -> list[tuple[str, str]]:
    return FORM.findall(page.content.decode())


def form_for(client, token, action, shift_text=None) -> str:
    """The signed field of the page's form for ``action`` (on the row naming ``shift_text``)."""
    page = client.get(me(token)).content.decode()
    for row in page.split("<li>"):
        if shift_text is None or shift_text in row:
            match = FORM.search(row)
            if match and match[1] == action:
                return match[2]
    raise AssertionError(f"no {action} form for {shift_text}")


@pytest.fixture
def token(volunteer_a, coordinator_a):
    return self_service.issue_link(volunteer_a, coordinator_a)


# (1) The personal link -----------------------------------------------------------------


def test_the_personal_page_lists_own_upcoming_shifts_and_confirmed_hours_only(
    client, token, volunteer_a, post_a, unit_a
):
    other = make_volunteer(unit_a, name="王五", phone="13911112222")
    book(volunteer_a, make_shift(post_a, D(2021, 5, 3)), Attendance.PRESENT)  # 1.5 h, confirmed
    book(volunteer_a, make_shift(post_a, D(2021, 5, 4)), Attendance.EXPECTED)  # signed up, past: no hours
    tomorrow = make_shift(post_a, D(2021, 5, 11), "07:30", "09:00")
    book(volunteer_a, tomorrow)
    book(other, tomorrow)
    book(other, make_shift(post_a, D(2021, 5, 3), "10:00", "12:00"), Attendance.PRESENT)

    page = client.get(me(token))

    text = page.content.decode()
    assert page.status_code == 200
    assert "张三" in text and "2021-05-11 07:30–09:00 大庸路与机场路交叉路口" in text
    assert 'id="my-hours">1.50<' in text  # the unconfirmed sign-up counts nothing
    assert "王五" not in text and "13911112222" not in text and volunteer_a.phone not in text
    assert "no-store" in page["Cache-Control"]
    assert page["Referrer-Policy"] == "no-referrer"
    assert "sessionid" not in page.cookies and "csrftoken" not in page.cookies
    assert token not in "".join(str(c) for c in page.cookies.values())  # the phone keeps no token


def test_a_tampered_unknown_or_malformed_link_is_a_404(client, token):
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(me(tampered)).status_code == 404
    assert client.get(me("x" * 43)).status_code == 404
    assert client.get(me("short")).status_code == 404
    assert client.get(me(token)).status_code == 200


def test_regenerating_kills_the_old_link_and_revoking_kills_the_link(
    client, token, volunteer_a, coordinator_a
):
    new = self_service.issue_link(volunteer_a, coordinator_a)
    assert client.get(me(token)).status_code == 404
    assert client.get(me(new)).status_code == 200
    self_service.revoke_link(volunteer_a)
    assert client.get(me(new)).status_code == 404


def test_a_link_expires_when_the_volunteer_is_inactive_or_after_its_lifetime(
    client, token, volunteer_a, settings
):
    volunteer_a.is_active = False
    volunteer_a.save()
    assert client.get(me(token)).status_code == 404
    volunteer_a.is_active = True
    volunteer_a.save()
    assert client.get(me(token)).status_code == 200
    settings.VOLUNTEER_LINK_DAYS = 30
    with time_machine.travel("2021-06-10T00:00:00+00:00", tick=False):
        assert client.get(me(token)).status_code == 404


def test_a_changed_secret_key_ends_every_link(client, token, settings):
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert client.get(me(token)).status_code == 404


def test_the_database_holds_no_token(token, volunteer_a):
    link = PersonalLink.objects.get(volunteer=volunteer_a)
    assert token not in (link.nonce, link.digest)


def test_the_coordinator_sees_the_link_and_qr_code_on_the_volunteers_admin_page(
    client, coordinator_a, volunteer_a, volunteer_b, token
):
    client.force_login(coordinator_a)
    page = client.get(reverse("admin:volunteers_volunteer_change", args=[volunteer_a.pk])).content.decode()
    assert f"http://testserver/volunteers/me/{token}/" in page and '<div class="personal-qr"><svg' in page
    manage = reverse("volunteers:personal-link", args=[volunteer_a.pk])
    client.post(manage, {"action": "issue"})
    assert client.get(me(token)).status_code == 404  # regenerated from the admin
    new = self_service.link_token(PersonalLink.objects.get(volunteer=volunteer_a))
    assert f"/volunteers/me/{new}/" in client.get(manage).content.decode()
    client.post(manage, {"action": "revoke"})
    assert client.get(me(new)).status_code == 404
    # Another unit's volunteer: not the coordinator's to give a link to.
    assert client.post(reverse("volunteers:personal-link", args=[volunteer_b.pk])).status_code == 404
    assert not PersonalLink.objects.filter(volunteer=volunteer_b).exists()


def test_the_personal_pages_are_rate_limited_per_address(client, token, monkeypatch):
    from volunteers import self_views

    monkeypatch.setattr(self_views, "PAGE_LIMIT", 3)
    answers = [client.get(me("y" * 43)).status_code for _ in range(3)] + [client.get(me(token)).status_code]
    assert answers == [404, 404, 404, 429]
    assert "请稍候" in client.get(me(token)).content.decode()
    assert Client(REMOTE_ADDR="10.0.0.9").get(me(token)).status_code == 200  # another address


# (2) Signing up and cancelling ----------------------------------------------------------


def test_a_volunteer_signs_up_for_an_open_shift_of_their_units_posts(
    client, token, volunteer_a, post_a, post_b
):
    shift = make_shift(post_a, D(2021, 5, 12), "07:30", "09:00", headcount=2)
    elsewhere = make_shift(post_b, D(2021, 5, 12), "10:00", "11:00")
    page = client.get(me(token)).content.decode()
    assert str(elsewhere) not in page  # another unit's post is not offered
    field = form_for(client, token, "sign-up", "2021-05-12 07:30")

    answer = client.post(me(token), {"action": "sign-up", "form": field})

    assert answer.status_code == 302
    assert Assignment.objects.filter(volunteer=volunteer_a, shift=shift).exists()
    assert "您已报名" in client.get(answer["Location"]).content.decode()


def test_a_forged_form_or_one_for_another_units_shift_books_nothing(client, token, volunteer_a, post_b):
    elsewhere = make_shift(post_b, D(2021, 5, 12), "10:00", "11:00")
    forged = client.post(me(token), {"action": "sign-up", "form": str(elsewhere.pk)})
    assert forged.status_code == 400 and "表单已过期" in forged.content.decode()
    from volunteers.self_views import form_field

    link = PersonalLink.objects.get(volunteer=volunteer_a)
    signed = client.post(me(token), {"action": "sign-up", "form": form_field(link, "sign-up", elsewhere.pk)})
    assert signed.status_code == 409
    assert not Assignment.objects.filter(volunteer=volunteer_a).exists()


def test_a_double_booking_is_refused_naming_the_shift_in_the_way(client, token, volunteer_a, post_a, unit_a):
    other_post = make_post(unit_a, name="社区服务站")
    first = make_shift(post_a, D(2021, 5, 12), "07:30", "09:00")
    make_shift(other_post, D(2021, 5, 12), "08:00", "10:00")
    field = form_for(client, token, "sign-up", "2021-05-12 08:00")
    book(volunteer_a, first)

    answer = client.post(me(token), {"action": "sign-up", "form": field})

    text = answer.content.decode()
    assert answer.status_code == 409
    assert "您已报名同一时间的 2021-05-12 07:30–09:00 大庸路与机场路交叉路口（三导）" in text
    assert Assignment.objects.filter(volunteer=volunteer_a).count() == 1


def test_a_full_shift_is_refused(client, token, volunteer_a, post_a, unit_a):
    shift = make_shift(post_a, D(2021, 5, 12), headcount=1)
    field = form_for(client, token, "sign-up", "2021-05-12")
    book(make_volunteer(unit_a), shift)  # the last place went meanwhile

    answer = client.post(me(token), {"action": "sign-up", "form": field})

    assert answer.status_code == 409 and "已满" in answer.content.decode()
    assert not Assignment.objects.filter(volunteer=volunteer_a).exists()
    assert "2021-05-12" not in client.get(me(token)).content.decode()  # a full shift is not offered


def test_cancelling_up_to_the_deadline_the_coordinator_sets(client, token, volunteer_a, post_a, unit_a):
    SelfServiceRules.objects.create(unit=unit_a, cancel_hours_before=24)
    # Now is 2021-05-10 08:00: 2021-05-11 07:30 is 23.5 hours away, 2021-05-11 09:00 is 25.
    soon = book(volunteer_a, make_shift(post_a, D(2021, 5, 11), "07:30", "08:30"))
    later = book(volunteer_a, make_shift(post_a, D(2021, 5, 11), "09:00", "10:00"))
    page = client.get(me(token)).content.decode()
    assert "已过自行取消时限" in page  # the soon one offers no cancel button
    field = form_for(client, token, "cancel", "2021-05-11 09:00")

    assert client.post(me(token), {"action": "cancel", "form": field}).status_code == 302
    assert not Assignment.objects.filter(pk=later.pk).exists()

    from volunteers.self_views import form_field

    link = PersonalLink.objects.get(volunteer=volunteer_a)
    late = client.post(me(token), {"action": "cancel", "form": form_field(link, "cancel", soon.pk)})
    assert late.status_code == 409 and "只能在 2021-05-10 07:30 之前取消" in late.content.decode()
    assert Assignment.objects.filter(pk=soon.pk).exists()


def test_nobody_cancels_another_volunteers_booking(client, token, volunteer_a, post_a, unit_a):
    theirs = book(make_volunteer(unit_a), make_shift(post_a, D(2021, 5, 20)))
    from volunteers.self_views import form_field

    link = PersonalLink.objects.get(volunteer=volunteer_a)
    answer = client.post(me(token), {"action": "cancel", "form": form_field(link, "cancel", theirs.pk)})
    assert answer.status_code == 409
    assert Assignment.objects.filter(pk=theirs.pk).exists()


def test_the_sign_up_form_states_what_is_kept_and_why(client, token):
    text = client.get(me(token)).content.decode()
    assert "《志愿服务条例》第二十条" in text and "未经您同意" in text


# (4) Checking in at the post, and the coordinator's confirmation ---------------------------


def check_in_url(post) -> str:
    from volunteers.self_views import post_code

    return reverse("volunteers:check-in", args=[post_code(post)])


CHECK_IN = re.compile(r'<input type="hidden" name="form" value="([^"]+)"><button type="submit">立即签到')


@pytest.fixture
def shift_tomorrow(post_a):
    return make_shift(post_a, D(2021, 5, 11), "07:30", "09:00")


def test_a_volunteer_checks_in_at_the_post_in_the_window_once(
    client, token, volunteer_a, post_a, shift_tomorrow
):
    booking = book(volunteer_a, shift_tomorrow)
    client.get(me(token))  # the phone opened the personal link
    with time_machine.travel("2021-05-11T07:10:00+08:00", tick=False):
        page = client.get(check_in_url(post_a)).content.decode()
        assert "本手机的志愿者：张三" in page
        field = CHECK_IN.search(page)[1]
        done = client.post(check_in_url(post_a), {"form": field})
        assert done.status_code == 200 and "已于 07:10 签到" in done.content.decode()
        again = client.post(check_in_url(post_a), {"form": field})
    assert again.status_code == 409 and "您已于 07:10" in again.content.decode()
    assert CheckIn.objects.filter(assignment=booking).count() == 1
    assert Assignment.objects.get(pk=booking.pk).attendance == Attendance.EXPECTED  # the coordinator confirms


def test_check_in_outside_the_window_is_refused(client, token, volunteer_a, post_a, shift_tomorrow):
    booking = book(volunteer_a, shift_tomorrow)
    client.get(me(token))
    from volunteers.self_views import form_field

    link = PersonalLink.objects.get(volunteer=volunteer_a)
    for moment in ("2021-05-11T06:59:00+08:00", "2021-05-11T09:01:00+08:00"):
        with time_machine.travel(moment, tick=False):
            field = form_field(link, "check-in", booking.pk)
            page = client.get(check_in_url(post_a)).content.decode()
            assert "立即签到" not in page and "开始前 30 分钟至结束可签到" in page
            answer = client.post(check_in_url(post_a), {"form": field})
            assert answer.status_code == 409 and "签到时间为 07:00 至 09:00" in answer.content.decode()
    with time_machine.travel("2021-05-11T07:00:00+08:00", tick=False):
        assert client.post(check_in_url(post_a), {"form": field}).status_code == 200  # 30 minutes before
    assert CheckIn.objects.count() == 1


def test_nobody_checks_in_for_another_person(client, token, volunteer_a, post_a, unit_a, shift_tomorrow):
    book(volunteer_a, shift_tomorrow)
    other = make_volunteer(unit_a, name="王五")
    theirs = book(other, shift_tomorrow)
    other_token = self_service.issue_link(other)
    from volunteers.self_views import form_field

    client.get(me(token))  # the phone is 张三's
    with time_machine.travel("2021-05-11T07:10:00+08:00", tick=False):
        mine = form_field(PersonalLink.objects.get(volunteer=volunteer_a), "check-in", theirs.pk)
        refused = client.post(check_in_url(post_a), {"form": mine})
        assert refused.status_code == 409 and "只能为本人签到" in refused.content.decode()
        # A form made for the other volunteer's link is no good on 张三's phone either.
        forged = form_field(PersonalLink.objects.get(volunteer=other), "check-in", theirs.pk)
        assert client.post(check_in_url(post_a), {"form": forged}).status_code == 403
        # A phone that never opened a personal link checks in nobody.
        stranger = Client()
        assert "请先在本手机上打开您的个人链接" in stranger.get(check_in_url(post_a)).content.decode()
        assert stranger.post(check_in_url(post_a), {"form": forged}).status_code == 403
    assert not CheckIn.objects.exists()
    assert other_token


def test_a_tampered_post_code_is_a_404(client, post_a):
    url = check_in_url(post_a)
    assert client.get(url).status_code == 200
    assert client.get(url.replace(f"/{post_a.pk}:", f"/{post_a.pk + 1}:")).status_code == 404


def test_the_coordinator_prints_a_check_in_sign_per_post(client, coordinator_a, post_a, post_b):
    client.force_login(coordinator_a)
    sign = client.get(reverse("volunteers:check-in-sign", args=[post_a.pk])).content.decode()
    assert f"http://testserver{check_in_url(post_a)}" in sign and "<svg" in sign and "志愿者签到" in sign
    assert client.get(reverse("volunteers:check-in-sign", args=[post_b.pk])).status_code == 404


def test_the_roster_shows_check_ins_and_the_coordinator_confirms_attendance(
    client, token, volunteer_a, post_a, shift_tomorrow, coordinator_a, coordinator_b
):
    booking = book(volunteer_a, shift_tomorrow)
    CheckIn.objects.create(assignment=booking, at=shift_tomorrow.starts_at - datetime.timedelta(minutes=5))
    staff = Client()
    staff.force_login(coordinator_b)
    confirm = reverse("volunteers:confirm-attendance", args=[booking.pk])
    assert staff.post(confirm).status_code == 404  # another unit's booking
    staff.force_login(coordinator_a)
    with time_machine.travel("2021-05-11T09:30:00+08:00", tick=False):
        roster = staff.get(reverse("volunteers:roster"), {"month": "2021-05"}).content.decode()
        assert "07:25 已签到" in roster and confirm in roster
        assert 'id="my-hours">0<' in client.get(me(token)).content.decode()
        assert staff.post(confirm).status_code == 302
        assert Assignment.objects.get(pk=booking.pk).attendance == Attendance.PRESENT
        assert 'id="my-hours">1.50<' in client.get(me(token)).content.decode()


# (3) The public join page --------------------------------------------------------------------


def test_the_join_page_shows_posts_weekly_times_open_places_and_contact_without_names(
    client, post_a, volunteer_a, unit_a, django_assert_max_num_queries
):
    from .factories import make_pattern

    SelfServiceRules.objects.create(unit=unit_a, contact="机关党委办公室 0744-1234567")
    make_pattern(post_a, weekdays=(0, 2), start="07:30", end="09:00", headcount=3)
    shift = make_shift(post_a, D(2021, 5, 12), headcount=3)
    book(volunteer_a, shift)
    make_shift(post_a, D(2021, 5, 13), headcount=2, is_cancelled=True)  # cancelled: no places
    make_shift(post_a, D(2021, 7, 1), headcount=5)  # beyond the coming weeks
    make_post(unit_a, name="已撤销岗位", is_active=False)

    with django_assert_max_num_queries(8):
        page = client.get(reverse("volunteers:join"))

    text = page.content.decode()
    assert page.status_code == 200
    assert "大庸路与机场路交叉路口" in text and "周一、周三 07:30–09:00 三导" in text
    assert "近期尚余 2 个名额" in text
    assert "机关党委办公室 0744-1234567" in text
    assert "已撤销岗位" not in text
    assert "张三" not in text and volunteer_a.phone not in text
    assert "《志愿服务条例》第二十条" in text
    assert "csrftoken" not in page.cookies and "no-store" not in page.get("Cache-Control", "")


# (5) Their own certificate ---------------------------------------------------------------------


def test_a_volunteer_downloads_their_certificate_numbered_and_recorded_as_a_coordinator_issues_it(
    client, token, volunteer_a, post_a, unit_a, coordinator_a
):
    from volunteers import services

    book(volunteer_a, make_shift(post_a, D(2021, 5, 3)), Attendance.PRESENT)
    book(volunteer_a, make_shift(post_a, D(2021, 5, 4)), Attendance.PRESENT, hours=Decimal("1"))
    book(volunteer_a, make_shift(post_a, D(2021, 5, 5)))  # signed up only: not certified
    field = form_for(client, token, "certificate")

    answer = client.post(
        me(token), {"action": "certificate", "form": field, "start": "2021-05-01", "end": "2021-05-09"}
    )

    certificate = Certificate.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("volunteers:my-certificate", args=[token, "ZYFW-2021-00001"])
    assert (certificate.volunteer, certificate.issuing_unit, certificate.issued_by) == (
        volunteer_a,
        unit_a,
        None,
    )
    assert (certificate.hours, certificate.shifts_attended) == (Decimal("2.50"), 2)
    page = client.get(answer["Location"])
    text = page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert "编号：ZYFW-2021-00001" in text and "共参加服务 <strong>2</strong> 次" in text
    assert "累计服务时长 <strong>2.50</strong> 小时" in text
    # The coordinator's next certificate continues the same numbering, and shows the same text.
    issued = services.issue_certificate(volunteer_a, D(2021, 5, 1), D(2021, 5, 9), coordinator_a)
    assert issued.number == "ZYFW-2021-00002"
    assert "ZYFW-2021-00001" in client.get(me(token)).content.decode()  # listed on the personal page


def test_no_certificate_without_confirmed_service_or_for_a_bad_period(client, token, volunteer_a, post_a):
    book(volunteer_a, make_shift(post_a, D(2021, 5, 3)))  # never confirmed
    field = form_for(client, token, "certificate")
    empty = client.post(
        me(token), {"action": "certificate", "form": field, "start": "2021-05-01", "end": "2021-05-09"}
    )
    assert empty.status_code == 409 and "无法出具证明" in empty.content.decode()
    backwards = client.post(
        me(token), {"action": "certificate", "form": field, "start": "2021-05-09", "end": "2021-05-01"}
    )
    assert backwards.status_code == 400 and "结束日期不能早于开始日期" in backwards.content.decode()
    book(volunteer_a, make_shift(post_a, D(2021, 5, 4)), Attendance.PRESENT)
    ahead = client.post(
        me(token), {"action": "certificate", "form": field, "start": "2021-05-01", "end": "2021-05-31"}
    )
    assert ahead.status_code == 409 and "证明不能包含签发日之后的日期" in ahead.content.decode()
    assert not Certificate.objects.exists()


def test_a_volunteer_sees_only_their_own_certificates(client, token, unit_a, post_a):
    from volunteers import services

    other = make_volunteer(unit_a, name="王五")
    book(other, make_shift(post_a, D(2021, 5, 3)), Attendance.PRESENT)
    theirs = services.issue_certificate(other, D(2021, 5, 1), D(2021, 5, 9), None)
    assert client.get(reverse("volunteers:my-certificate", args=[token, theirs.number])).status_code == 404
    assert theirs.number not in client.get(me(token)).content.decode()


def test_attendance_is_not_confirmed_before_the_shift_starts(
    client, volunteer_a, shift_tomorrow, coordinator_a
):
    booking = book(volunteer_a, shift_tomorrow)
    CheckIn.objects.create(assignment=booking, at=shift_tomorrow.starts_at - datetime.timedelta(minutes=20))
    client.force_login(coordinator_a)
    with time_machine.travel("2021-05-11T07:15:00+08:00", tick=False):
        answer = client.post(reverse("volunteers:confirm-attendance", args=[booking.pk]), follow=True)
    assert "尚未开始：开始后才能记录出勤" in answer.content.decode()
    assert Assignment.objects.get(pk=booking.pk).attendance == Attendance.EXPECTED


def test_the_volunteer_page_and_the_sitemap_lead_to_the_join_page(client, db):
    assert 'href="/volunteers/join/"' in client.get(reverse("volunteers:index")).content.decode()
    assert "/volunteers/join/" in client.get("/sitemap.xml").content.decode()


def test_the_coordinator_sets_the_cancel_deadline_of_their_own_unit_only(
    client, coordinator_a, unit_a, unit_b
):
    client.force_login(coordinator_a)
    add = reverse("admin:volunteers_selfservicerules_add")
    answer = client.post(add, {"unit": unit_a.pk, "cancel_hours_before": 24, "contact": "机关党委办公室"})
    assert answer.status_code == 302
    assert SelfServiceRules.objects.get(unit=unit_a).cancel_hours_before == 24
    refused = client.post(add, {"unit": unit_b.pk, "cancel_hours_before": 1, "contact": ""})
    assert refused.status_code == 200 and not SelfServiceRules.objects.filter(unit=unit_b).exists()


def test_a_leader_who_only_reads_the_register_sees_no_personal_link(client, leader, volunteer_a, token):
    client.force_login(leader)
    page = client.get(reverse("admin:volunteers_volunteer_change", args=[volunteer_a.pk]))
    assert page.status_code == 200 and token not in page.content.decode()
    assert client.get(reverse("volunteers:personal-link", args=[volunteer_a.pk])).status_code == 403
