"""No volunteer is booked on two overlapping shifts: the database refuses, the admin explains."""

import datetime
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from tests.kit import LedgerAdmin, write_xlsx
from volunteers.models import Assignment, Attendance, combine

from .factories import book, make_pattern, make_post, make_shift, make_volunteer

MONDAY = datetime.date(2021, 5, 3)
needs_postgres = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="two concurrent transactions need PostgreSQL (SQLite runs one writer at a time); CI runs this on PG",
)


@pytest.fixture
def two_posts(unit_a, post_a):
    return post_a, make_post(unit_a, name="社区活动室")


def test_database_refuses_overlap_through_the_orm(two_posts, volunteer_a):
    crossing, hall = two_posts
    book(volunteer_a, make_shift(crossing, MONDAY, "07:30", "09:00"))
    overlapping = make_shift(hall, MONDAY, "08:30", "10:00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(volunteer=volunteer_a, shift=overlapping)
    assert Assignment.objects.filter(shift=overlapping).count() == 0


def test_back_to_back_shifts_and_other_volunteers_are_fine(two_posts, volunteer_a, unit_a):
    crossing, hall = two_posts
    book(volunteer_a, make_shift(crossing, MONDAY, "07:30", "09:00"))
    book(volunteer_a, make_shift(hall, MONDAY, "09:00", "10:00"))
    book(make_volunteer(unit_a), make_shift(hall, MONDAY, "08:00", "08:45"))
    assert Assignment.objects.count() == 3


def test_database_refuses_moving_a_booking_or_a_shift_onto_another(two_posts, volunteer_a, unit_a):
    crossing, hall = two_posts
    book(volunteer_a, make_shift(crossing, MONDAY, "07:30", "09:00"))
    later = make_shift(hall, MONDAY, "10:00", "11:00")
    other = book(make_volunteer(unit_a), make_shift(hall, MONDAY, "07:00", "08:00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(pk=other.pk).update(volunteer=volunteer_a)
    book(volunteer_a, later)
    later.starts_at = combine(MONDAY, datetime.time(8, 0))
    with pytest.raises(IntegrityError), transaction.atomic():
        later.save()  # the booking follows its shift, into the first one
    assert Assignment.objects.get(volunteer=volunteer_a, shift=later).starts_at.hour != 0


def test_admin_form_refuses_and_names_the_shift_in_the_way(client, coordinator_a, two_posts, volunteer_a):
    crossing, hall = two_posts
    book(volunteer_a, make_shift(crossing, MONDAY, "07:30", "09:00"))
    overlapping = make_shift(hall, MONDAY, "08:30", "10:00")
    client.force_login(coordinator_a)
    response = client.post(
        reverse("admin:volunteers_assignment_add"),
        {
            "shift": overlapping.pk,
            "volunteer": volunteer_a.pk,
            "attendance": Attendance.EXPECTED,
            "hours": "",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "已被安排在时间重叠的班次" in text
    assert "2021-05-03 07:30–09:00 大庸路与机场路交叉路口" in text
    assert not Assignment.objects.filter(shift=overlapping).exists()


def inline_post(shift, volunteers, **changes):
    data = {
        "post": shift.post_id,
        "service": shift.service_id,
        "starts_at_0": "2021-05-03",
        "starts_at_1": "08:30",
        "ends_at_0": "2021-05-03",
        "ends_at_1": "10:00",
        "headcount": 4,
        "citizens_served": "",
        "notes": "",
        "pattern": "",
        "lock_version": shift.version,
        "assignments-TOTAL_FORMS": len(volunteers),
        "assignments-INITIAL_FORMS": 0,
        "assignments-MIN_NUM_FORMS": 0,
        "assignments-MAX_NUM_FORMS": 1000,
        "problems-TOTAL_FORMS": 0,
        "problems-INITIAL_FORMS": 0,
        "problems-MIN_NUM_FORMS": 0,
        "problems-MAX_NUM_FORMS": 1000,
    }
    for i, volunteer in enumerate(volunteers):
        data[f"assignments-{i}-volunteer"] = volunteer.pk
        data[f"assignments-{i}-attendance"] = Attendance.EXPECTED
        data[f"assignments-{i}-hours"] = ""
    data.update(changes)
    return data


def test_admin_inline_refuses_and_names_the_shift_in_the_way(
    client, coordinator_a, two_posts, volunteer_a, unit_a
):
    crossing, hall = two_posts
    book(volunteer_a, make_shift(crossing, MONDAY, "07:30", "09:00"))
    overlapping = make_shift(hall, MONDAY, "08:30", "10:00")
    free = make_volunteer(unit_a)
    client.force_login(coordinator_a)
    response = client.post(
        reverse("admin:volunteers_shift_change", args=[overlapping.pk]),
        inline_post(overlapping, [free, volunteer_a]),
    )
    assert response.status_code == 200
    assert "大庸路与机场路交叉路口" in response.content.decode()
    assert "已被安排在时间重叠的班次" in response.content.decode()
    assert not Assignment.objects.filter(shift=overlapping).exists()  # nothing of the page saved


def test_bulk_action_books_the_free_and_names_each_clash(
    client, coordinator_a, two_posts, volunteer_a, unit_a
):
    crossing, hall = two_posts
    book(volunteer_a, make_shift(crossing, MONDAY, "07:30", "09:00"))
    pattern = make_pattern(hall, start="08:30", end="10:00")
    free = make_volunteer(unit_a)
    pattern.regular_volunteers.set([volunteer_a, free])
    shift = make_shift(hall, MONDAY, "08:30", "10:00", pattern=pattern)
    client.force_login(coordinator_a)
    response = client.post(
        reverse("admin:volunteers_shift_changelist"),
        {"action": "assign_regular_volunteers", "_selected_action": [shift.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "已被安排在时间重叠的班次" in text and "大庸路与机场路交叉路口" in text
    assert list(shift.assignments.values_list("volunteer", flat=True)) == [free.pk]


def test_volunteer_list_action_books_on_a_shift(
    client, coordinator_a, two_posts, volunteer_a, unit_a, settings
):
    crossing, hall = two_posts
    day = datetime.date.today() + datetime.timedelta(days=7)
    book(volunteer_a, make_shift(crossing, day, "07:30", "09:00"))
    target = make_shift(hall, day, "08:00", "09:30")
    free = make_volunteer(unit_a)
    client.force_login(coordinator_a)
    url = reverse("admin:volunteers_volunteer_changelist")
    selected = {"action": "book_on_shift", "_selected_action": [volunteer_a.pk, free.pk]}
    assert "shift" in client.post(url, selected).context["form"].fields
    response = client.post(url, {**selected, "shift": target.pk}, follow=True)
    assert "已被安排在时间重叠的班次" in response.content.decode()
    assert list(target.assignments.values_list("volunteer", flat=True)) == [free.pk]


def test_roster_import_refuses_an_overlap_with_the_shift_named(client, coordinator_a, two_posts, volunteer_a):
    crossing, hall = two_posts
    book(volunteer_a, make_shift(crossing, MONDAY, "07:30", "09:00"))
    overlapping = make_shift(hall, MONDAY, "08:30", "10:00")
    client.force_login(coordinator_a)
    ledger = LedgerAdmin(client, Assignment)
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
    row = ["", overlapping.pk, "", "", "", "", volunteer_a.pk, "", "待记录", ""]
    errors = ledger.refused(write_xlsx([header, row]))
    assert "已被安排在时间重叠的班次" in errors and "大庸路与机场路交叉路口" in errors
    assert not Assignment.objects.filter(shift=overlapping).exists()


def hold_booking_open(volunteer, shift, inserted: threading.Event, outcomes: list, hold_seconds=1.0):
    """Another coordinator's transaction: books, keeps the transaction open a moment, commits."""
    try:
        with transaction.atomic():
            Assignment.objects.create(volunteer=volunteer, shift=shift)
            inserted.set()
            time.sleep(hold_seconds)
        outcomes.append("booked")
    except IntegrityError:
        outcomes.append("refused")
    finally:
        inserted.set()
        connection.close()


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_exactly_one_wins(unit_a):
    volunteer = make_volunteer(unit_a)
    first = make_shift(make_post(unit_a), MONDAY, "07:30", "09:00")
    second = make_shift(make_post(unit_a), MONDAY, "08:00", "09:30")
    inserted, outcomes = threading.Event(), []
    other = threading.Thread(target=hold_booking_open, args=(volunteer, first, inserted, outcomes))
    other.start()
    assert inserted.wait(10)
    # The other booking is not committed yet: a check in the application sees nothing …
    assert not Assignment.objects.overlapping(volunteer.pk, second.starts_at, second.ends_at).exists()
    try:
        with transaction.atomic():
            Assignment.objects.create(volunteer=volunteer, shift=second)  # … the database waits, then refuses
        outcomes.append("booked")
    except IntegrityError:
        outcomes.append("refused")
    other.join(20)
    assert sorted(outcomes) == ["booked", "refused"]
    assert Assignment.objects.filter(volunteer=volunteer).count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_admin_explains_a_refusal_that_slipped_past_the_form(client, unit_a):
    from tests.units.factories import make_user
    from units.roles import VOLUNTEER_COORDINATOR

    coordinator = make_user("coordinator-race", VOLUNTEER_COORDINATOR, unit_a)
    volunteer = make_volunteer(unit_a)
    first = make_shift(make_post(unit_a, name="大庸路与机场路交叉路口"), MONDAY, "07:30", "09:00")
    second = make_shift(make_post(unit_a), MONDAY, "08:00", "09:30")
    inserted, outcomes = threading.Event(), []
    other = threading.Thread(target=hold_booking_open, args=(volunteer, first, inserted, outcomes))
    other.start()
    assert inserted.wait(10)
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:volunteers_assignment_add"),
        {"shift": second.pk, "volunteer": volunteer.pk, "attendance": Attendance.EXPECTED, "hours": ""},
    )
    other.join(20)
    assert outcomes == ["booked"]
    assert response.status_code == 200
    assert "已被安排在时间重叠的班次" in response.content.decode()
    assert "大庸路与机场路交叉路口" in response.content.decode()
    assert not Assignment.objects.filter(shift=second).exists()


def test_a_recorded_no_show_is_kept(client, coordinator_a, post_a, volunteer_a, unit_a):
    shift = make_shift(post_a)
    no_show = book(volunteer_a, shift, Attendance.ABSENT)
    pending = book(make_volunteer(unit_a), shift)
    client.force_login(coordinator_a)
    assert (
        client.post(
            reverse("admin:volunteers_assignment_delete", args=[no_show.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    client.post(
        reverse("admin:volunteers_assignment_changelist"),
        {"action": "delete_selected", "_selected_action": [no_show.pk, pending.pk], "post": "yes"},
    )
    assert Assignment.objects.filter(pk=no_show.pk).exists()
    data = inline_post(shift, [], **{"starts_at_1": "07:30", "ends_at_1": "09:00"})
    data.update(
        {
            "assignments-TOTAL_FORMS": 1,
            "assignments-INITIAL_FORMS": 1,
            "assignments-0-id": no_show.pk,
            "assignments-0-shift": shift.pk,
            "assignments-0-volunteer": volunteer_a.pk,
            "assignments-0-attendance": Attendance.ABSENT,
            "assignments-0-hours": "0",
            "assignments-0-DELETE": "on",
        }
    )
    response = client.post(reverse("admin:volunteers_shift_change", args=[shift.pk]), data)
    assert response.status_code == 200
    assert "记录予以保留" in response.content.decode()
    assert Assignment.objects.filter(pk=no_show.pk).exists()
