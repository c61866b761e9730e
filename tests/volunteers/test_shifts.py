"""Generating shifts from weekly patterns, pattern changes, cancellation and headcount flags."""

import datetime

from django.urls import reverse

from units.dates import today
from volunteers import services
from volunteers.models import Shift, combine

from .factories import book, make_pattern, make_shift, make_volunteer

D = datetime.date


def dates(pattern):
    return sorted(pattern.shifts.values_list("date", flat=True))


def test_a_month_of_mondays_with_local_times(post_a):
    pattern = make_pattern(post_a, weekdays=[0], start="07:30", end="09:00", headcount=4)
    assert services.generate_month([pattern], 2021, 5) == 5
    assert dates(pattern) == [D(2021, 5, 3), D(2021, 5, 10), D(2021, 5, 17), D(2021, 5, 24), D(2021, 5, 31)]
    first = pattern.shifts.order_by("date").first()
    assert first.starts_at == combine(D(2021, 5, 3), datetime.time(7, 30))
    assert first.starts_at.isoformat() == "2021-05-02T23:30:00+00:00"  # 07:30 in Asia/Shanghai
    assert (first.headcount, first.post, first.service.name) == (4, post_a, "三导")


def test_across_the_year_end_and_several_weekdays(post_a):
    pattern = make_pattern(post_a, weekdays=[4, 5], starts_on=D(2021, 12, 24), ends_on=D(2022, 1, 8))
    assert services.generate_month([pattern], 2021, 12) == 3  # Fri 24, Sat 25, Fri 31
    assert services.generate_month([pattern], 2022, 1) == 3  # Sat 1, Fri 7, Sat 8 (until the 8th)
    assert dates(pattern) == [
        D(2021, 12, 24),
        D(2021, 12, 25),
        D(2021, 12, 31),
        D(2022, 1, 1),
        D(2022, 1, 7),
        D(2022, 1, 8),
    ]


def test_generating_the_same_month_twice_creates_nothing_new(post_a):
    pattern = make_pattern(post_a, weekdays=[0, 2])
    created = services.generate_month([pattern], 2021, 6)
    assert created == 9
    assert services.generate_month([pattern], 2021, 6) == 0
    assert Shift.objects.count() == 9


def test_pattern_change_reaches_only_future_unbooked_shifts(post_a, unit_a):
    pattern = make_pattern(post_a, weekdays=[0], start="07:30", end="09:00")
    services.generate_month([pattern], 2021, 5)
    past, booked_future, cancelled, free_future, dropped = pattern.shifts.order_by("date")
    book(make_volunteer(unit_a), booked_future)
    cancelled.is_cancelled = True
    cancelled.save()

    pattern.start_time = datetime.time(8, 0)
    pattern.headcount = 6
    pattern.ends_on = D(2021, 5, 29)
    pattern.save()
    assert services.apply_pattern_change(pattern, on=D(2021, 5, 5)) == 2

    def local_start(shift):
        shift.refresh_from_db()
        return shift.starts_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).time()

    assert local_start(past) == datetime.time(7, 30)  # a record of what happened
    assert local_start(booked_future) == datetime.time(7, 30)  # someone relies on it
    assert local_start(cancelled) == datetime.time(7, 30)
    assert local_start(free_future) == datetime.time(8, 0) and free_future.headcount == 6
    assert not Shift.objects.filter(pk=dropped.pk).exists()  # after the new end date, nobody booked


def test_generate_action_in_the_admin_is_idempotent(client, coordinator_a, post_a):
    pattern = make_pattern(post_a, weekdays=[0])
    client.force_login(coordinator_a)
    url = reverse("admin:volunteers_shiftpattern_changelist")
    chosen = {"action": "generate_month", "_selected_action": [pattern.pk]}
    assert "month" in client.post(url, chosen).context["form"].fields
    response = client.post(url, {**chosen, "month": "2021-05"}, follow=True)
    assert "已为 2021-05 生成 5 个班次" in response.content.decode()
    response = client.post(url, {**chosen, "month": "2021-05"}, follow=True)
    assert "已为 2021-05 生成 0 个班次" in response.content.decode()
    assert Shift.objects.count() == 5


def test_pattern_saved_in_the_admin_updates_future_free_shifts(client, coordinator_a, post_a, unit_a):
    start = today() + datetime.timedelta(days=1)
    pattern = make_pattern(post_a, weekdays=list(range(7)), starts_on=start)
    services.generate_month([pattern], start.year, start.month)
    booked = pattern.shifts.order_by("date").first()
    book(make_volunteer(unit_a), booked)
    client.force_login(coordinator_a)
    response = client.post(
        reverse("admin:volunteers_shiftpattern_change", args=[pattern.pk]),
        {
            "post": post_a.pk,
            "service": pattern.service_id,
            "weekdays": list(range(7)),
            "start_time": "07:30",
            "end_time": "09:00",
            "headcount": 2,
            "starts_on": start.isoformat(),
            "ends_on": "",
            "lock_version": pattern.version,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    booked.refresh_from_db()
    assert booked.headcount == 4
    assert set(pattern.shifts.exclude(pk=booked.pk).values_list("headcount", flat=True)) <= {2}


def test_cancelling_keeps_the_shift_and_its_bookings(client, coordinator_a, post_a, volunteer_a):
    shift = make_shift(post_a)
    book(volunteer_a, shift)
    client.force_login(coordinator_a)
    client.post(
        reverse("admin:volunteers_shift_changelist"),
        {"action": "cancel_shifts", "_selected_action": [shift.pk]},
    )
    shift.refresh_from_db()
    assert shift.is_cancelled and shift.assignments.count() == 1


def test_shifts_below_headcount_are_flagged_in_the_list(client, coordinator_a, post_a, unit_a):
    short = make_shift(post_a, D(2021, 5, 3), headcount=4)
    full = make_shift(post_a, D(2021, 5, 10), headcount=1)
    cancelled = make_shift(post_a, D(2021, 5, 17), headcount=4, is_cancelled=True)
    book(make_volunteer(unit_a), short)
    book(make_volunteer(unit_a), full)
    assert set(Shift.objects.short_staffed()) == {short}
    client.force_login(coordinator_a)
    url = reverse("admin:volunteers_shift_changelist")
    listing = client.get(url)
    text = listing.content.decode()
    assert "1 / 4 ⚠" in text and "1 / 1" in text
    flagged = client.get(url, {"staffing": "short"}).context["cl"].result_list
    assert [s.pk for s in flagged] == [short.pk]
    assert cancelled.pk not in [s.pk for s in flagged]


def test_shift_page_shows_who_is_free(client, coordinator_a, post_a, unit_a):
    busy = make_volunteer(unit_a, name="忙碌者")
    make_volunteer(unit_a, name="空闲者")
    make_volunteer(unit_a, name="不在册者", is_active=False)
    book(busy, make_shift(post_a, D(2021, 5, 3), "08:00", "09:30"))
    shift = make_shift(post_a, D(2021, 5, 3), "07:30", "09:00")
    client.force_login(coordinator_a)
    page = client.get(reverse("admin:volunteers_shift_change", args=[shift.pk])).content.decode()
    assert "空闲者" in page
    assert "忙碌者" not in page
    assert "不在册者" not in page


def test_moving_a_shift_onto_a_booked_volunteers_other_shift_is_refused(
    client, coordinator_a, post_a, unit_a
):
    volunteer = make_volunteer(unit_a, name="赵六")
    book(volunteer, make_shift(post_a, D(2021, 5, 3), "07:30", "09:00"))
    later = make_shift(post_a, D(2021, 5, 3), "10:00", "11:00")
    book(volunteer, later)
    client.force_login(coordinator_a)
    from tests.volunteers.test_double_booking import inline_post

    data = inline_post(later, [], **{"starts_at_1": "08:30", "ends_at_1": "10:00"})
    data.update({"assignments-INITIAL_FORMS": 0})
    response = client.post(reverse("admin:volunteers_shift_change", args=[later.pk]), data)
    assert response.status_code == 200
    assert "赵六 已被安排在时间重叠的班次 2021-05-03 07:30–09:00" in response.content.decode()
    later.refresh_from_db()
    assert later.starts_at == combine(D(2021, 5, 3), datetime.time(10, 0))


def test_coordinator_sees_how_many_upcoming_shifts_of_their_units_are_short(
    client, coordinator_a, post_a, post_b
):
    soon = today() + datetime.timedelta(days=3)
    make_shift(post_a, soon, headcount=2)
    make_shift(post_a, D(2021, 5, 3), headcount=2)  # past: not upcoming
    make_shift(post_b, soon, headcount=2)  # another unit's
    client.force_login(coordinator_a)
    page = client.get(reverse("admin:volunteers_shift_changelist")).content.decode()
    assert "1 个本单位即将到来的班次人数不足" in page
