"""Coordinators' records stay true: no attendance before a shift starts, no certificate for days
still to come, no second identical pattern, and a cancelled shift blocks nobody."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.kit import LedgerAdmin, write_xlsx
from units.dates import today
from volunteers import services
from volunteers.models import Assignment, Attendance, Certificate, Shift, ShiftPattern

from .factories import book, make_pattern, make_post, make_shift, make_volunteer
from .test_double_booking import inline_post

D = datetime.date
NOT_STARTED = "尚未开始"


@pytest.fixture
def next_week():
    return today() + datetime.timedelta(days=7)


@pytest.fixture
def coming(post_a, next_week):
    return make_shift(post_a, next_week, "07:30", "09:00")


def test_attendance_before_the_shift_starts_is_refused_by_the_model(coming, volunteer_a):
    with pytest.raises(ValidationError) as refusal:
        Assignment.objects.create(shift=coming, volunteer=volunteer_a, attendance=Attendance.PRESENT)
    assert NOT_STARTED in " ".join(refusal.value.messages)
    assert not Assignment.objects.exists()
    booking = book(volunteer_a, coming)  # booking ahead is what rosters are for
    booking.attendance = Attendance.ABSENT
    with pytest.raises(ValidationError):
        booking.save()
    booking.refresh_from_db()
    assert booking.attendance == Attendance.EXPECTED


def test_admin_form_refuses_attendance_before_the_start_and_takes_it_after(
    client, coordinator_a, coming, post_a, volunteer_a
):
    client.force_login(coordinator_a)
    data = {"shift": coming.pk, "volunteer": volunteer_a.pk, "attendance": Attendance.PRESENT, "hours": ""}
    response = client.post(reverse("admin:volunteers_assignment_add"), data)
    assert response.status_code == 200
    assert NOT_STARTED in response.content.decode()
    assert not Assignment.objects.exists()
    held = make_shift(post_a, D(2021, 5, 3))
    response = client.post(reverse("admin:volunteers_assignment_add"), {**data, "shift": held.pk})
    assert response.status_code == 302
    assert Assignment.objects.get().attendance == Attendance.PRESENT


def test_shift_inline_refuses_attendance_before_the_start(client, coordinator_a, coming, volunteer_a):
    client.force_login(coordinator_a)
    day = f"{coming.date:%Y-%m-%d}"
    data = inline_post(
        coming,
        [volunteer_a],
        starts_at_0=day,
        ends_at_0=day,
        starts_at_1="07:30",
        ends_at_1="09:00",
        **{"assignments-0-attendance": Attendance.PRESENT},
    )
    response = client.post(reverse("admin:volunteers_shift_change", args=[coming.pk]), data)
    assert response.status_code == 200
    assert NOT_STARTED in response.content.decode()
    assert not Assignment.objects.exists()


def test_list_editable_refuses_attendance_before_the_start(client, coordinator_a, coming, volunteer_a):
    booking = book(volunteer_a, coming)
    client.force_login(coordinator_a)
    response = client.post(
        reverse("admin:volunteers_assignment_changelist"),
        {
            "form-TOTAL_FORMS": 1,
            "form-INITIAL_FORMS": 1,
            "form-MIN_NUM_FORMS": 0,
            "form-MAX_NUM_FORMS": 1000,
            "form-0-id": booking.pk,
            "form-0-attendance": Attendance.PRESENT,
            "form-0-hours": "",
            "_save": "保存",
        },
    )
    assert response.status_code == 200
    assert NOT_STARTED in response.content.decode()
    booking.refresh_from_db()
    assert booking.attendance == Attendance.EXPECTED


def test_mark_present_action_skips_shifts_not_started_and_says_so(
    client, coordinator_a, coming, post_a, volunteer_a, unit_a
):
    ahead = book(volunteer_a, coming)
    held = book(make_volunteer(unit_a), make_shift(post_a, D(2021, 5, 3)))
    client.force_login(coordinator_a)
    response = client.post(
        reverse("admin:volunteers_assignment_changelist"),
        {"action": "mark_present", "_selected_action": [ahead.pk, held.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert NOT_STARTED in text and "张三" in text
    ahead.refresh_from_db()
    held.refresh_from_db()
    assert (ahead.attendance, held.attendance) == (Attendance.EXPECTED, Attendance.PRESENT)


def test_roster_import_refuses_attendance_before_the_start(client, coordinator_a, coming, volunteer_a):
    booking = book(volunteer_a, coming)
    client.force_login(coordinator_a)
    header = [
        "编号",
        "班次编号",
        "日期",
        "时间",
        "岗位",
        "服务类型",
        "志愿者编号",
        "志愿者",
        "出勤",
        "服务时长(小时)",
    ]
    row = [booking.pk, coming.pk, "", "", "", "", volunteer_a.pk, "", "到岗", ""]
    errors = LedgerAdmin(client, Assignment).refused(write_xlsx([header, row]))
    assert NOT_STARTED in errors
    booking.refresh_from_db()
    assert booking.attendance == Attendance.EXPECTED


def test_hours_written_around_the_model_for_a_coming_shift_count_nowhere(
    client, coordinator_a, coming, post_a, volunteer_a, next_week
):
    book(volunteer_a, make_shift(post_a, D(2021, 5, 3)), Attendance.PRESENT)  # 1.5 h, held
    ahead = book(volunteer_a, coming)
    Assignment.objects.filter(pk=ahead.pk).update(attendance=Attendance.PRESENT, hours=Decimal("1.5"))
    client.force_login(coordinator_a)
    params = {"start": "2021-01-01", "end": f"{next_week:%Y-%m-%d}"}
    (row,) = [r for r in client.get(reverse("volunteers:hours"), params).context["rows"] if r == volunteer_a]
    assert (row.attended_hours, row.attended_shifts) == (Decimal("1.50"), 1)
    assert services.public_totals()["totals"]["hours"] == Decimal("1.50")
    assert services.headline_figures()["hours"] == Decimal("1.50")


def test_a_certificate_cannot_cover_days_after_its_issue(
    client, coordinator_a, post_a, volunteer_a, next_week
):
    book(volunteer_a, make_shift(post_a, D(2021, 5, 3)), Attendance.PRESENT)
    client.force_login(coordinator_a)
    url = reverse("volunteers:issue-certificate", args=[volunteer_a.pk])
    data = {"start": "2021-05-01", "end": f"{next_week:%Y-%m-%d}", "issuing_unit": volunteer_a.unit_id}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "不能包含签发日之后" in response.content.decode()
    assert not Certificate.objects.exists()
    with pytest.raises(ValidationError):
        services.issue_certificate(volunteer_a, D(2021, 5, 1), next_week, coordinator_a)
    assert not Certificate.objects.exists()
    response = client.post(url, {**data, "end": f"{today():%Y-%m-%d}"})
    assert response.status_code == 302
    assert Certificate.objects.get().period_end == today()


PATTERN_FORM = {
    "weekdays": [0, 2],
    "start_time": "07:30",
    "end_time": "09:00",
    "headcount": 4,
    "starts_on": "2021-06-01",
    "ends_on": "",
    "lock_version": 0,
}


def test_an_identical_pattern_is_refused_and_a_month_is_not_doubled(client, coordinator_a, post_a):
    existing = make_pattern(post_a, weekdays=[0], starts_on=D(2021, 5, 1))
    client.force_login(coordinator_a)
    url = reverse("admin:volunteers_shiftpattern_add")
    form = {**PATTERN_FORM, "post": post_a.pk, "service": existing.service_id}
    response = client.post(url, form)
    assert response.status_code == 200
    text = response.content.decode()
    assert "已有相同的班次规则" in text and "大庸路与机场路交叉路口" in text
    assert ShiftPattern.objects.count() == 1
    services.generate_month(ShiftPattern.objects.all(), 2021, 6)
    assert Shift.objects.filter(date=D(2021, 6, 7)).count() == 1


def test_patterns_that_differ_or_do_not_overlap_are_accepted(client, coordinator_a, post_a, unit_a):
    existing = make_pattern(post_a, weekdays=[0], starts_on=D(2021, 5, 1), ends_on=D(2021, 5, 31))
    client.force_login(coordinator_a)
    url = reverse("admin:volunteers_shiftpattern_add")
    base = {**PATTERN_FORM, "post": post_a.pk, "service": existing.service_id}
    accepted = [
        base,  # from June: after the other one ended
        {**base, "starts_on": "2021-05-01", "weekdays": [1, 3]},  # other weekdays
        {**base, "starts_on": "2021-05-01", "start_time": "09:00", "end_time": "10:00"},  # other times
        {**base, "starts_on": "2021-05-01", "post": make_post(unit_a).pk},  # another post
    ]
    for data in accepted:
        assert client.post(url, data).status_code == 302, data
    assert ShiftPattern.objects.count() == 5
    # Changing a pattern is not a copy of itself.
    response = client.post(
        reverse("admin:volunteers_shiftpattern_change", args=[existing.pk]),
        {
            **base,
            "weekdays": [0],
            "starts_on": "2021-05-01",
            "ends_on": "2021-05-31",
            "headcount": 3,
            "lock_version": existing.version,
        },
    )
    assert response.status_code == 302


def test_a_cancelled_shift_does_not_block_its_volunteers(post_a, volunteer_a, unit_a):
    cancelled = make_shift(post_a, D(2021, 5, 3), "07:30", "09:00")
    book(volunteer_a, cancelled)
    Shift.objects.filter(pk=cancelled.pk).cancel()
    replacement = make_shift(make_post(unit_a), D(2021, 5, 3), "07:30", "09:00")
    assert volunteer_a in services.free_volunteers(replacement)
    services.book(volunteer_a, replacement)  # the service's check, then the database's
    assert Assignment.objects.filter(volunteer=volunteer_a).count() == 2


def test_the_database_leaves_cancelled_shifts_out_and_refuses_bringing_one_back(post_a, volunteer_a, unit_a):
    from django.db import IntegrityError, transaction

    cancelled = make_shift(post_a, D(2021, 5, 3), "07:30", "09:00")
    book(volunteer_a, cancelled)
    cancelled.is_cancelled = True
    cancelled.save()
    replacement = make_shift(make_post(unit_a), D(2021, 5, 3), "08:00", "09:30")
    Assignment.objects.create(volunteer=volunteer_a, shift=replacement)  # straight to the database
    cancelled.is_cancelled = False
    with pytest.raises(IntegrityError), transaction.atomic():
        cancelled.save()
    assert Shift.objects.get(pk=cancelled.pk).is_cancelled


def test_admin_books_a_cancelled_shifts_volunteer_on_the_replacement(
    client, coordinator_a, post_a, volunteer_a
):
    cancelled = make_shift(post_a, D(2021, 5, 3), "07:30", "09:00")
    book(volunteer_a, cancelled)
    client.force_login(coordinator_a)
    client.post(
        reverse("admin:volunteers_shift_changelist"),
        {"action": "cancel_shifts", "_selected_action": [cancelled.pk]},
    )
    replacement = make_shift(post_a, D(2021, 5, 3), "07:30", "09:00")
    response = client.post(
        reverse("admin:volunteers_assignment_add"),
        {
            "shift": replacement.pk,
            "volunteer": volunteer_a.pk,
            "attendance": Attendance.EXPECTED,
            "hours": "",
        },
    )
    assert response.status_code == 302
    assert replacement.assignments.filter(volunteer=volunteer_a).exists()
    # Bringing the cancelled shift back would double-book: refused with the shift named.
    day = "2021-05-03"
    data = inline_post(cancelled, [], starts_at_0=day, ends_at_0=day, starts_at_1="07:30", ends_at_1="09:00")
    data.update(
        {
            "lock_version": Shift.objects.get(pk=cancelled.pk).version,
            "assignments-TOTAL_FORMS": 1,
            "assignments-INITIAL_FORMS": 1,
            "assignments-0-id": cancelled.assignments.get().pk,
            "assignments-0-shift": cancelled.pk,
            "assignments-0-volunteer": volunteer_a.pk,
            "assignments-0-attendance": Attendance.EXPECTED,
            "assignments-0-hours": "",
        }
    )
    response = client.post(reverse("admin:volunteers_shift_change", args=[cancelled.pk]), data)
    assert response.status_code == 200
    assert "已被安排在时间重叠的班次" in response.content.decode()
    assert Shift.objects.get(pk=cancelled.pk).is_cancelled
