"""Factories for the volunteer rosters: volunteers, posts, patterns, shifts, bookings."""

import datetime
import itertools

from volunteers.models import (
    Assignment,
    Attendance,
    Post,
    ServiceType,
    Shift,
    ShiftPattern,
    Volunteer,
    combine,
)

_sequence = itertools.count(1)


def make_volunteer(unit, **fields) -> Volunteer:
    n = next(_sequence)
    defaults = {"name": f"志愿者{n}", "unit": unit, "phone": f"1390000{n:04d}"}
    defaults.update(fields)
    return Volunteer.objects.create(**defaults)


def service(name="三导") -> ServiceType:
    return ServiceType.objects.get_or_create(name=name)[0]


def make_post(unit, **fields) -> Post:
    defaults = {"name": f"岗位{next(_sequence)}", "unit": unit}
    defaults.update(fields)
    return Post.objects.create(**defaults)


def make_pattern(post, weekdays=(0,), start="07:30", end="09:00", **fields) -> ShiftPattern:
    defaults = {
        "post": post,
        "service": service(),
        "start_time": datetime.time.fromisoformat(start),
        "end_time": datetime.time.fromisoformat(end),
        "headcount": 4,
        "starts_on": datetime.date(2021, 5, 1),
    }
    defaults.update(fields)
    pattern = ShiftPattern(**defaults)
    pattern.weekday_numbers = weekdays
    pattern.save()
    return pattern


def make_shift(post, day=datetime.date(2021, 5, 3), start="07:30", end="09:00", **fields) -> Shift:
    defaults = {
        "post": post,
        "service": service(),
        "starts_at": combine(day, datetime.time.fromisoformat(start)),
        "ends_at": combine(day, datetime.time.fromisoformat(end)),
        "headcount": 4,
    }
    defaults.update(fields)
    return Shift.objects.create(**defaults)


def book(volunteer, shift, attendance=Attendance.EXPECTED, hours=None) -> Assignment:
    return Assignment.objects.create(volunteer=volunteer, shift=shift, attendance=attendance, hours=hours)
