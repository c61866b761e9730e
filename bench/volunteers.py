"""The volunteer rosters at city scale: 2,000 volunteers, 50 posts, a year of weekly shifts.

Measured (time and peak memory, medians over repeats, see ``bench.stats.measure``):
generating a year of shifts for the 50 posts, booking the 2,000 volunteers across
them through ``services.book`` (the application's check plus the database's
constraint, one booking at a time as the admin does), exporting one month's
roster as xlsx through its view, and the server time of ``/volunteers/`` beside
the trivial view, requested round-robin in the same run (as ``bench.pages``).
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings

from units.models import Unit
from volunteers import services
from volunteers.models import Assignment, Attendance, Post, ServiceType, Shift, ShiftPattern, Volunteer

from .report import _mib, _table
from .stats import measure

VOLUNTEERS = 2_000
POSTS = 50
YEAR = 2021
ROSTER_MONTH = datetime.date(YEAR, 6, 1)


def build() -> dict:
    """Volunteers, posts and one weekly pattern per post (one to three weekdays, staggered times)."""
    units = list(Unit.objects.order_by("pk")[:20])
    services_ = list(ServiceType.objects.order_by("sort_order"))
    Volunteer.objects.bulk_create(
        [
            Volunteer(name=f"基准志愿者{i:04d}", unit=units[i % len(units)], phone=f"1370000{i:04d}")
            for i in range(VOLUNTEERS)
        ],
        batch_size=1000,
    )
    posts = Post.objects.bulk_create(
        [Post(name=f"基准岗位{i:02d}", unit=units[i % len(units)]) for i in range(POSTS)]
    )
    for i, post in enumerate(posts):
        pattern = ShiftPattern(
            post=post,
            service=services_[i % len(services_)],
            start_time=datetime.time(7 + i % 10, 30),
            end_time=datetime.time(9 + i % 10, 0),
            headcount=4,
            starts_on=datetime.date(YEAR, 1, 1),
        )
        pattern.weekday_numbers = sorted({i % 7, (i * 3) % 7, (i * 5 + 1) % 7})
        pattern.save()
    return {"volunteers": VOLUNTEERS, "posts": POSTS, "patterns": POSTS}


def generate_year() -> int:
    patterns = list(ShiftPattern.objects.filter(post__name__startswith="基准岗位"))
    return sum(services.generate_month(patterns, YEAR, month) for month in range(1, 13))


def drop_shifts(_value=None) -> None:
    Shift.objects.filter(post__name__startswith="基准岗位").delete()


def book_everyone() -> int:
    """Each volunteer booked once, spread over the year's shifts (no clashes: one booking each).

    Through ``services.book``, one booking at a time with its check and savepoint, in one
    transaction as the admin's list actions do.
    """
    shifts = list(Shift.objects.filter(post__name__startswith="基准岗位").order_by("starts_at", "pk"))
    volunteers = Volunteer.objects.filter(name__startswith="基准志愿者").order_by("pk")
    booked = 0
    with transaction.atomic():
        for i, volunteer in enumerate(volunteers):
            services.book(volunteer, shifts[(i * 7) % len(shifts)])
            booked += 1
    return booked


def drop_bookings(_value=None) -> None:
    Assignment.objects.filter(volunteer__name__startswith="基准志愿者").delete()


def _staff_client() -> Client:
    User = get_user_model()
    admin, _ = User.objects.get_or_create(
        username="bench-volunteers", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(admin)
    return client


def teardown() -> None:
    """Remove every row this module inserted (a caller's database is left as it was found)."""
    Assignment.objects.filter(volunteer__name__startswith="基准志愿者").delete()
    drop_shifts()
    ShiftPattern.objects.filter(post__name__startswith="基准岗位").delete()
    Post.objects.filter(name__startswith="基准岗位").delete()
    Volunteer.objects.filter(name__startswith="基准志愿者").delete()
    get_user_model().objects.filter(username="bench-volunteers").delete()


def run(repeats: int = 3) -> dict:
    """The roster operations; the rows stay for the public pages (``bench.pages``) until ``teardown``."""
    try:
        return _run(repeats)
    except BaseException:
        teardown()
        raise


def _attend() -> None:
    """Attendance, so the public page has hours to count."""
    Assignment.objects.filter(volunteer__name__startswith="基准志愿者").update(
        attendance=Attendance.PRESENT, hours=1.5
    )


def populate() -> dict:
    """The rows behind ``/volunteers/`` without timing anything (``python -m bench --only pages``)."""
    try:
        data = build()
        data["shifts"] = generate_year()
        data["bookings"] = book_everyone()
        _attend()
        return data
    except BaseException:
        teardown()
        raise


def _run(repeats: int) -> dict:
    data = build()
    generated = measure(generate_year, repeats, before=drop_shifts, connection=connection)
    drop_shifts()
    data["shifts"] = generate_year()
    booking = measure(book_everyone, repeats, before=drop_bookings, connection=connection)
    drop_bookings()
    data["bookings"] = book_everyone()
    _attend()

    with override_settings(ROOT_URLCONF="bench.urls"):
        staff = _staff_client()
        url = f"/volunteers/roster.xlsx?month={ROSTER_MONTH:%Y-%m}"
        roster_bytes = len(staff.get(url).content)

        def export():
            response = staff.get(url)
            assert response.status_code == 200
            return response

        roster = measure(export, repeats, connection=connection)

    return {
        "data": data,
        "generate_year": generated.as_dict(),
        "book_everyone": booking.as_dict(),
        "roster_export": {**roster.as_dict(), "file_bytes": roster_bytes, "month": f"{ROSTER_MONTH:%Y-%m}"},
    }


def render(results: dict) -> str:
    data = results["data"]
    lines = [
        "",
        f"Volunteer rosters: {data['volunteers']} volunteers, {data['posts']} posts, "
        f"{data['shifts']} shifts in {YEAR}, {data['bookings']} bookings",
    ]
    rows = []
    for label, key in (
        ("generate a year of shifts", "generate_year"),
        ("book 2,000 volunteers", "book_everyone"),
        (f"roster xlsx {results['roster_export']['month']}", "roster_export"),
    ):
        m = results[key]
        rows.append(
            [
                label,
                f"{m['median_s'] * 1000:.1f}",
                m.get("queries", "-"),
                _mib(m["tracemalloc_peak_bytes"]),
                _mib(m["rss_peak_growth_kib_median"], 1024),
            ]
        )
    lines += _table(["operation", "median ms", "queries", "py peak MiB", "RSS peak MiB"], rows)
    return "\n".join(lines)
