"""The roster's rules: generating shifts, applying pattern changes, booking, hours, certificates."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from units.dates import today
from units.public_pages import public_data_changed

from .models import (
    Assignment,
    Attendance,
    Certificate,
    DoubleBooking,
    ProblemSolved,
    Shift,
    ShiftPattern,
    Volunteer,
    double_booking_message,
    next_month,
)


def month_days(year: int, month: int):
    day = datetime.date(year, month, 1)
    end = next_month(day)
    while day < end:
        yield day
        day += datetime.timedelta(days=1)


def generate_month(patterns, year: int, month: int) -> int:
    """Create the month's shifts of ``patterns``; returns how many are new (0 the second time)."""
    patterns = list(patterns)
    first = datetime.date(year, month, 1)
    existing = set(
        Shift.objects.filter(pattern__in=patterns, date__gte=first, date__lt=next_month(first)).values_list(
            "pattern_id", "date"
        )
    )
    new = [
        Shift(pattern=pattern, **pattern.shift_values(day))
        for pattern in patterns
        for day in month_days(year, month)
        if pattern.occurs_on(day) and (pattern.pk, day) not in existing
    ]
    # ignore_conflicts: a coordinator generating the same month at the same moment adds nothing twice.
    Shift.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    if new:
        public_data_changed(Shift)  # bulk_create sends no signal: the public figures count these shifts
    return len(new)


def apply_pattern_change(pattern: ShiftPattern, on: datetime.date | None = None) -> int:
    """Bring the pattern's future shifts nobody is booked on in line with it.

    Past shifts, shifts with a volunteer booked and cancelled shifts keep what
    they were: they are a record, or someone relies on them. Returns how many changed.
    """
    on = on or today()
    free_future = (
        pattern.shifts.filter(date__gt=on, is_cancelled=False).annotate(n=Count("assignments")).filter(n=0)
    )
    changed = 0
    for shift in free_future:
        if not pattern.occurs_on(shift.date):
            shift.delete()
            changed += 1
            continue
        values = pattern.shift_values(shift.date)
        if any(getattr(shift, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(shift, name, value)
            shift.save()
            changed += 1
    return changed


def book(volunteer: Volunteer, shift: Shift) -> Assignment:
    """Book ``volunteer`` on ``shift``; raises ``DoubleBooking`` naming the shift in the way."""
    message = (
        None if shift.is_cancelled else double_booking_message(volunteer, shift.starts_at, shift.ends_at)
    )
    if message:
        raise DoubleBooking(message)
    try:
        with transaction.atomic():
            return Assignment.objects.create(volunteer=volunteer, shift=shift)
    except IntegrityError:
        # Booked elsewhere in the meantime (the database's constraint), or already on this shift.
        message = double_booking_message(volunteer, shift.starts_at, shift.ends_at)
        raise DoubleBooking(
            message or _("%(volunteer)s is already on this shift.") % {"volunteer": volunteer}
        ) from None


def free_volunteers(shift: Shift):
    """Active volunteers of the shift's unit who could be booked on it (none overlapping)."""
    busy = Assignment.objects.overlapping_any(shift.starts_at, shift.ends_at).values("volunteer")
    return (
        Volunteer.objects.filter(unit_id=shift.post.unit_id, is_active=True)
        .exclude(pk__in=busy)
        .order_by("name")
    )


def attended_hours(assignments) -> Decimal:
    return assignments.attended().aggregate(total=Sum("hours"))["total"] or Decimal(0)


@dataclass
class ServiceRecord:
    volunteer: Volunteer
    start: datetime.date
    end: datetime.date
    hours: Decimal
    shifts: int
    services: list[str]


def service_record(volunteer: Volunteer, start: datetime.date, end: datetime.date) -> ServiceRecord:
    """What the volunteer served from ``start`` to ``end`` (inclusive), from attendance only."""
    attended = volunteer.assignments.attended().filter(shift__date__gte=start, shift__date__lte=end)
    figures = attended.aggregate(hours=Sum("hours"), shifts=Count("pk"))
    services = list(attended.order_by().values_list("shift__service__name", flat=True).distinct())
    return ServiceRecord(
        volunteer, start, end, figures["hours"] or Decimal(0), figures["shifts"], sorted(services)
    )


def issue_certificate(volunteer: Volunteer, start, end, user, issuing_unit=None) -> Certificate:
    """Record a certificate with the next number of the year, e.g. ZYFW-2021-00007.

    The number is unique in the database; two certificates issued at the same
    moment that pick the same number are resolved by taking the next one.
    """
    record = service_record(volunteer, start, end)
    now = timezone.now()
    prefix = f"ZYFW-{timezone.localdate(now).year}-"
    for _attempt in range(20):
        last = (
            Certificate.objects.filter(number__startswith=prefix)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        number = f"{prefix}{int(last.removeprefix(prefix)) + 1 if last else 1:05d}"
        try:
            with transaction.atomic():
                return Certificate.objects.create(
                    number=number,
                    volunteer=volunteer,
                    issued_at=now,
                    issued_by=user if getattr(user, "pk", None) else None,
                    issuing_unit=issuing_unit or volunteer.unit,
                    period_start=start,
                    period_end=end,
                    hours=record.hours,
                    shifts_attended=record.shifts,
                    services="、".join(record.services),
                )
        except IntegrityError:
            continue
    raise RuntimeError("no free certificate number after 20 attempts")


def hours_by_volunteer(volunteers, start: datetime.date, end: datetime.date):
    """Volunteers annotated with ``attended_hours``, ``attended_shifts`` and ``absences`` in the period."""
    in_period = Q(assignments__shift__date__gte=start, assignments__shift__date__lte=end)
    present = in_period & Q(
        assignments__attendance=Attendance.PRESENT,
        assignments__shift__is_cancelled=False,
        assignments__starts_at__lte=timezone.now(),  # as ``attended()``: no hours from a shift to come
    )
    return volunteers.annotate(
        attended_hours=Sum("assignments__hours", filter=present),
        attended_shifts=Count("assignments", filter=present),
        absences=Count("assignments", filter=in_period & Q(assignments__attendance=Attendance.ABSENT)),
    )


def public_totals():
    """Figures for the public page by month and service type: a fixed number of queries.

    Shifts held (not cancelled), volunteers who served (distinct, present), hours
    (attendance only), people served, problems solved. Nothing personal.
    """
    shifts = (
        Shift.objects.held()
        .values("month", "service__name", "service__sort_order")
        .annotate(shifts=Count("pk"), citizens=Sum("citizens_served"))
    )
    attended = (
        Assignment.objects.attended()
        .values("shift__month", "shift__service__name")
        .annotate(volunteers=Count("volunteer", distinct=True), hours=Sum("hours"))
    )
    problems = (
        ProblemSolved.objects.filter(shift__is_cancelled=False)
        .values("shift__month", "shift__service__name")
        .annotate(solved=Sum("count"))
    )
    rows: dict = {}

    def row(month, service, order=100):
        return rows.setdefault(
            (month, service),
            {
                "month": month,
                "service": service,
                "order": order,
                "shifts": 0,
                "volunteers": 0,
                "hours": Decimal(0),
                "citizens": 0,
                "problems": 0,
            },
        )

    for item in shifts:
        entry = row(item["month"], item["service__name"], item["service__sort_order"])
        entry["shifts"] = item["shifts"]
        entry["citizens"] = item["citizens"] or 0
    for item in attended:
        entry = row(item["shift__month"], item["shift__service__name"])
        entry["volunteers"] = item["volunteers"]
        entry["hours"] = item["hours"] or Decimal(0)
    for item in problems:
        row(item["shift__month"], item["shift__service__name"])["problems"] = item["solved"] or 0
    by_month = sorted(rows.values(), key=lambda r: (r["month"], r["order"], r["service"]), reverse=False)
    totals = {
        "shifts": sum(r["shifts"] for r in by_month),
        "hours": sum((r["hours"] for r in by_month), Decimal(0)),
        "citizens": sum(r["citizens"] for r in by_month),
        "problems": sum(r["problems"] for r in by_month),
        "volunteers": Assignment.objects.attended().values("volunteer").distinct().count(),
    }
    by_service: dict = {}
    for r in by_month:
        s = by_service.setdefault(
            r["service"],
            {
                "service": r["service"],
                "order": r["order"],
                "shifts": 0,
                "hours": Decimal(0),
                "citizens": 0,
                "problems": 0,
            },
        )
        for key in ("shifts", "hours", "citizens", "problems"):
            s[key] += r[key]
    services = sorted(by_service.values(), key=lambda s: (s["order"], s["service"]))
    service_volunteers = dict(
        Assignment.objects.attended()
        .values("shift__service__name")
        .annotate(n=Count("volunteer", distinct=True))
        .values_list("shift__service__name", "n")
    )
    for s in services:
        s["volunteers"] = service_volunteers.get(s["service"], 0)
    return {"months": list(reversed(by_month)), "services": services, "totals": totals}


def headline_figures() -> dict:
    """The dashboard's figures: shifts held, attended hours, problems solved (three queries)."""
    return {
        "shifts": Shift.objects.held().count(),
        "hours": attended_hours(Assignment.objects.all()),
        "problems": ProblemSolved.objects.filter(shift__is_cancelled=False).aggregate(n=Sum("count"))["n"]
        or 0,
    }
