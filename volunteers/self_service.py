"""Volunteers serving themselves through a personal link: the link, booking, cancelling,
checking in, their own certificate.

The personal link. A volunteer has no account; ``/volunteers/me/<token>/`` is the
proof of who they are, like a password handed over by the coordinator.

* Unguessable: the token is 256 bits (an HMAC-SHA256 under SECRET_KEY of a random
  nonce), written as 43 URL-safe characters.
* Not stored: the row keeps the nonce and the token's SHA-256. The coordinator's page
  recomputes the link from the nonce (it needs SECRET_KEY, which the database does not
  hold); a request is matched by the digest, and the token is recomputed and compared,
  so a changed SECRET_KEY also ends every link.
* Revocable: regenerating replaces nonce and digest (the old link is a 404 at once);
  revoking deletes the row.
* Expiring: a link is dead (404) once the volunteer is marked inactive, and
  ``VOLUNTEER_LINK_DAYS`` days (365 by default) after it was made; the coordinator
  then gives a new one.
"""

import base64
import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from units.dates import today

from . import services
from .links import DEFAULT_CANCEL_HOURS, CheckIn, PersonalLink, SelfServiceRules
from .models import Assignment, Attendance, DoubleBooking, Shift, Volunteer

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
TOKEN_SALT = b"volunteers.personal-link:"
CHECK_IN_EARLY = datetime.timedelta(minutes=30)
SIGN_UP_WEEKS = 4  # how far ahead a volunteer sees open shifts


class Refused(Exception):
    """What the volunteer asked for is not allowed; ``message`` says why, in their language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# The personal link ---------------------------------------------------------------------


def _token(nonce: str) -> str:
    mac = hmac.new(settings.SECRET_KEY.encode(), TOKEN_SALT + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_token(link: PersonalLink) -> str:
    return _token(link.nonce)


def issue_link(volunteer: Volunteer, user=None) -> str:
    """Give the volunteer a new personal link (any earlier one stops working); returns the token."""
    nonce = secrets.token_urlsafe(32)
    token = _token(nonce)
    PersonalLink.objects.update_or_create(
        volunteer=volunteer,
        defaults={
            "nonce": nonce,
            "digest": _digest(token),
            "created_at": timezone.now(),
            "created_by": user if getattr(user, "pk", None) else None,
        },
    )
    return token


def revoke_link(volunteer: Volunteer) -> None:
    PersonalLink.objects.filter(volunteer=volunteer).delete()


def link_lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "VOLUNTEER_LINK_DAYS", 365))


def link_expires_at(link: PersonalLink) -> datetime.datetime:
    return link.created_at + link_lifetime()


def link_is_live(link: PersonalLink) -> bool:
    return link.volunteer.is_active and timezone.now() < link_expires_at(link)


def link_for_token(token: str) -> PersonalLink | None:
    """The live link the token opens, or None (unknown, tampered, regenerated, revoked, expired)."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    link = PersonalLink.objects.select_related("volunteer__unit").filter(digest=_digest(token)).first()
    if link is None or not hmac.compare_digest(_token(link.nonce), token) or not link_is_live(link):
        return None
    return link


def link_for_digest(digest: str) -> PersonalLink | None:
    """The live link a phone remembered for checking in (its digest, in a signed cookie)."""
    link = PersonalLink.objects.select_related("volunteer__unit").filter(digest=digest).first()
    return link if link is not None and link_is_live(link) else None


# What the personal page shows -----------------------------------------------------------


def rules_of(unit) -> SelfServiceRules:
    return SelfServiceRules.objects.filter(unit=unit).first() or SelfServiceRules(
        unit=unit, cancel_hours_before=DEFAULT_CANCEL_HOURS
    )


def cancel_deadline(shift: Shift, rules: SelfServiceRules) -> datetime.datetime:
    return shift.starts_at - datetime.timedelta(hours=rules.cancel_hours_before)


@dataclass
class Booking:
    assignment: Assignment
    cancel_until: datetime.datetime
    can_cancel: bool
    checked_in_at: datetime.datetime | None


def upcoming_bookings(volunteer: Volunteer) -> list[Booking]:
    """The volunteer's bookings of shifts that have not ended, soonest first."""
    now = timezone.now()
    rules = rules_of(volunteer.unit)
    rows = (
        volunteer.assignments.filter(ends_at__gt=now, shift__is_cancelled=False)
        .select_related("shift__post", "shift__service", "check_in")
        .order_by("starts_at")
    )
    bookings = []
    for assignment in rows:
        until = cancel_deadline(assignment.shift, rules)
        check_in = getattr(assignment, "check_in", None)
        bookings.append(
            Booking(
                assignment,
                until,
                now <= until and assignment.attendance == Attendance.EXPECTED,
                check_in.at if check_in else None,
            )
        )
    return bookings


def attended(volunteer: Volunteer) -> dict:
    """Hours and shifts from attendance the coordinator confirmed, nothing else."""
    confirmed = volunteer.assignments.attended()
    return {"hours": services.attended_hours(confirmed) or Decimal(0), "shifts": confirmed.count()}


def open_shifts(volunteer: Volunteer):
    """Shifts of the next weeks at the posts of the volunteer's unit with a place left,
    which the volunteer is not on. Other volunteers appear only as a count."""
    now = timezone.now()
    return (
        Shift.objects.filter(
            post__unit_id=volunteer.unit_id,
            post__is_active=True,
            is_cancelled=False,
            starts_at__gt=now,
            date__lte=today() + datetime.timedelta(weeks=SIGN_UP_WEEKS),
        )
        .exclude(assignments__volunteer=volunteer)
        .annotate(booked=Count("assignments"))
        .filter(booked__lt=F("headcount"))
        .annotate(places=F("headcount") - F("booked"))
        .select_related("post", "service")
        .order_by("starts_at", "post__name")
    )


# Booking and cancelling -----------------------------------------------------------------


def _clash_message(volunteer: Volunteer, shift: Shift) -> str | None:
    clash = (
        Assignment.objects.overlapping(volunteer.pk, shift.starts_at, shift.ends_at)
        .exclude(shift=shift)
        .select_related("shift__post", "shift__service")
        .first()
    )
    if clash is None:
        return None
    return _(
        "You are already booked on %(shift)s at the same time. Cancel that booking first, or choose another shift."
    ) % {"shift": clash.shift}


def sign_up(volunteer: Volunteer, shift_pk: int) -> Assignment:
    """Book the volunteer on an open shift of their unit's posts; ``Refused`` says why not."""
    with transaction.atomic():
        # Locked: two volunteers taking the last place at once are served one after the other.
        shift = (
            Shift.objects.select_for_update(of=("self",))
            .filter(
                pk=shift_pk,
                post__unit_id=volunteer.unit_id,
                post__is_active=True,
                is_cancelled=False,
                starts_at__gt=timezone.now(),
            )
            .select_related("post", "service")
            .first()
        )
        if shift is None:
            raise Refused(_("This shift is not open for sign-up (any more)."))
        if shift.assignments.filter(volunteer=volunteer).exists():
            raise Refused(_("You are already booked on %(shift)s.") % {"shift": shift})
        if shift.assignments.count() >= shift.headcount:
            raise Refused(_("The shift %(shift)s is full. Please choose another one.") % {"shift": shift})
        message = _clash_message(volunteer, shift)
        if message:
            raise Refused(message)
        try:
            return services.book(volunteer, shift)
        except DoubleBooking as refusal:
            # The database's rule caught a booking made in the meantime.
            raise Refused(_clash_message(volunteer, shift) or refusal.message) from None


def cancel(volunteer: Volunteer, assignment_pk: int) -> Shift:
    """Cancel the volunteer's own booking, up to the unit's deadline; returns the shift."""
    assignment = (
        volunteer.assignments.filter(pk=assignment_pk, ends_at__gt=timezone.now())
        .select_related("shift__post", "shift__service")
        .first()
    )
    if assignment is None:
        raise Refused(_("This booking is not yours or no longer exists."))
    shift = assignment.shift
    deadline = cancel_deadline(shift, rules_of(volunteer.unit))
    if timezone.now() > deadline or assignment.attendance != Attendance.EXPECTED:
        raise Refused(
            _(
                "The booking on %(shift)s could be cancelled only until %(deadline)s. Please tell your coordinator."
            )
            % {"shift": shift, "deadline": date_format(timezone.localtime(deadline), "Y-m-d H:i")}
        )
    assignment.delete()
    return shift


# Checking in at the post ----------------------------------------------------------------


def check_in_window(shift: Shift) -> tuple[datetime.datetime, datetime.datetime]:
    return shift.starts_at - CHECK_IN_EARLY, shift.ends_at


def check_in_bookings(volunteer: Volunteer, post) -> list[Assignment]:
    """The volunteer's bookings at this post whose check-in window is open now."""
    now = timezone.now()
    return list(
        volunteer.assignments.filter(
            shift__post=post, shift__is_cancelled=False, starts_at__lte=now + CHECK_IN_EARLY, ends_at__gte=now
        )
        .select_related("shift__post", "shift__service", "check_in")
        .order_by("starts_at")
    )


def check_in(volunteer: Volunteer, post, assignment_pk: int) -> CheckIn:
    """Record that the volunteer is at the post for their booking; ``Refused`` says why not."""
    assignment = (
        Assignment.objects.filter(pk=assignment_pk, shift__post=post)
        .select_related("shift__post", "shift__service")
        .first()
    )
    if assignment is None or assignment.volunteer_id != volunteer.pk:
        raise Refused(_("You can check in only yourself, for a shift you are booked on at this post."))
    shift = assignment.shift
    opens, closes = check_in_window(shift)
    now = timezone.now()
    if shift.is_cancelled or not opens <= now <= closes:
        raise Refused(
            _("Check-in for %(shift)s is open from %(opens)s to %(closes)s.")
            % {
                "shift": shift,
                "opens": date_format(timezone.localtime(opens), "H:i"),
                "closes": date_format(timezone.localtime(closes), "H:i"),
            }
        )
    try:
        with transaction.atomic():
            return CheckIn.objects.create(assignment=assignment, at=now)
    except IntegrityError:
        earlier = CheckIn.objects.get(assignment=assignment)
        raise Refused(
            _("You already checked in for %(shift)s at %(time)s.")
            % {"shift": shift, "time": date_format(timezone.localtime(earlier.at), "H:i")}
        ) from None


def confirm_attendance(assignment: Assignment) -> None:
    """The coordinator confirms a volunteer was there: only now do the hours count."""
    assignment.attendance = Attendance.PRESENT
    assignment.full_clean()
    assignment.save()


# Their own certificate -------------------------------------------------------------------


def own_certificate(volunteer: Volunteer, start: datetime.date, end: datetime.date):
    """Issue the volunteer's 志愿服务记录证明 exactly as a coordinator would (numbered, on record)."""
    if services.service_record(volunteer, start, end).shifts == 0:
        raise Refused(_("There is no confirmed service in this period, so there is nothing to certify."))
    try:
        return services.issue_certificate(volunteer, start, end, None, volunteer.unit)
    except ValidationError as refusal:  # the certificate's own rules (e.g. no days after its issue)
        raise Refused(" ".join(refusal.messages)) from None


# The public join page ------------------------------------------------------------------------


def _weekly_time(pattern) -> str:
    from .models import WEEKDAY_SHORT

    days = "、".join("周" + WEEKDAY_SHORT[d] for d in pattern.weekday_numbers)
    return f"{days} {pattern.start_time:%H:%M}–{pattern.end_time:%H:%M}"


def join_posts() -> list[dict]:
    """Each active post with its services and weekly times, and the places open in the coming
    weeks; its unit's contact. Counts only: no volunteer is named (《志愿服务条例》 Art. 20)."""
    from .models import Post, ShiftPattern

    day = today()
    horizon = day + datetime.timedelta(weeks=SIGN_UP_WEEKS)
    posts = list(Post.objects.filter(is_active=True, unit__is_active=True).select_related("unit"))
    patterns = (
        ShiftPattern.objects.filter(post__in=posts, starts_on__lte=horizon)
        .exclude(ends_on__lt=day)
        .select_related("service")
        .order_by("start_time", "pk")
    )
    times: dict[int, list[str]] = {}
    for pattern in patterns:
        times.setdefault(pattern.post_id, []).append(f"{_weekly_time(pattern)} {pattern.service.name}")
    shifts = (
        Shift.objects.filter(post__in=posts, is_cancelled=False, date__gte=day, date__lte=horizon)
        .annotate(booked=Count("assignments"))
        .values_list("post_id", "headcount", "booked")
    )
    places: dict[int, int] = {}
    for post_id, headcount, booked in shifts:
        places[post_id] = places.get(post_id, 0) + max(headcount - booked, 0)
    contacts = dict(SelfServiceRules.objects.values_list("unit_id", "contact"))
    rows = [
        {
            "post": post,
            "times": times.get(post.pk, []),
            "places": places.get(post.pk, 0),
            "contact": contacts.get(post.unit_id, ""),
        }
        for post in posts
    ]
    return sorted(
        rows, key=lambda row: (row["post"].unit.sort_order, row["post"].unit.name, row["post"].name)
    )
