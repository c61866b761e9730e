"""A coordinator sees and changes only their units' volunteers, posts, patterns, shifts and attendance."""

import datetime

import pytest
from django.urls import reverse

from tests.kit import LedgerAdmin, assert_unit_scoped, read_xlsx, write_xlsx
from volunteers import services
from volunteers.models import Assignment, Attendance, Certificate, Post, Shift, ShiftPattern, Volunteer

from .factories import book, make_pattern, make_shift


def test_volunteers_through_every_door(client, coordinator_a, volunteer_a, volunteer_b):
    assert_unit_scoped(
        client, Volunteer, mine=volunteer_a, theirs=volunteer_b, editor=coordinator_a, column_of_theirs="李四"
    )


def test_roster_through_every_door(client, coordinator_a, post_a, post_b, volunteer_a, volunteer_b):
    mine = book(volunteer_a, make_shift(post_a))
    theirs = book(volunteer_b, make_shift(post_b))
    assert_unit_scoped(
        client, Assignment, mine=mine, theirs=theirs, editor=coordinator_a, column_of_theirs="李四"
    )


@pytest.mark.parametrize("model", [Post, ShiftPattern, Shift, Certificate])
def test_lists_and_object_urls(
    client, coordinator_a, coordinator_b, post_a, post_b, volunteer_a, volunteer_b, model
):
    rows = {}
    for unit_post, volunteer, who in (
        (post_a, volunteer_a, coordinator_a),
        (post_b, volunteer_b, coordinator_b),
    ):
        rows[unit_post] = {
            Post: unit_post,
            ShiftPattern: make_pattern(unit_post),
            Shift: make_shift(unit_post),
            Certificate: services.issue_certificate(
                volunteer, datetime.date(2021, 5, 1), datetime.date(2021, 12, 31), who
            ),
        }[model]
    mine, theirs = rows[post_a], rows[post_b]
    client.force_login(coordinator_a)
    prefix = f"admin:volunteers_{model._meta.model_name}"
    shown = {obj.pk for obj in client.get(reverse(f"{prefix}_changelist")).context["cl"].result_list}
    assert mine.pk in shown and theirs.pk not in shown
    assert client.get(reverse(f"{prefix}_change", args=[mine.pk])).status_code == 200
    assert client.get(reverse(f"{prefix}_change", args=[theirs.pk])).status_code in (302, 403, 404)
    assert client.post(reverse(f"{prefix}_change", args=[theirs.pk]), {}).status_code in (302, 403, 404)


def test_forged_post_cannot_book_another_units_volunteer(client, coordinator_a, post_a, volunteer_b):
    shift = make_shift(post_a)
    client.force_login(coordinator_a)
    response = client.post(
        reverse("admin:volunteers_assignment_add"),
        {"shift": shift.pk, "volunteer": volunteer_b.pk, "attendance": Attendance.EXPECTED, "hours": ""},
    )
    assert response.status_code == 200
    assert not Assignment.objects.exists()


def test_import_refuses_another_units_shift_or_volunteer(
    client, coordinator_a, post_a, post_b, volunteer_a, volunteer_b
):
    mine, theirs = make_shift(post_a), make_shift(post_b)
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
    for shift, volunteer in ((theirs, volunteer_a), (mine, volunteer_b)):
        row = ["", shift.pk, "", "", "", "", volunteer.pk, "", "待记录", ""]
        errors = LedgerAdmin(client, Assignment).refused(write_xlsx([header, row]))
        assert "不存在或属于其他单位" in errors
    assert not Assignment.objects.exists()


def test_phone_only_in_the_keepers_export(client, coordinator_a, leader, volunteer_a):
    client.force_login(coordinator_a)
    rows = read_xlsx(LedgerAdmin(client, Volunteer).export())
    assert "联系电话" in rows[0] and volunteer_a.phone in str(rows)
    client.force_login(leader)
    rows = read_xlsx(LedgerAdmin(client, Volunteer).export())
    assert "联系电话" not in rows[0] and volunteer_a.phone not in str(rows)
    assert "张三" in str(rows)
    assert (
        volunteer_a.phone not in client.get(reverse("admin:volunteers_volunteer_changelist")).content.decode()
    )
