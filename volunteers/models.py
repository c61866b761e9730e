"""党员志愿者服务: volunteers, posts, recurring patterns, shifts, assignments and certificates.

No volunteer is booked on two overlapping shifts. The database refuses it (an
exclusion constraint on PostgreSQL, triggers on SQLite; migration 0002), so it
holds on every path; an assignment carries its shift's time range for that,
copied on save and kept in step when the shift moves (``Shift.save``).
"""

import datetime
from decimal import Decimal

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units import months
from units.dates import today
from units.models import LockVersionedModel, Unit
from units.months import first_of, next_month
from units.public_pages import public_data_changed
from units.scoping import UnitScopedQuerySet

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
WEEKDAY_SHORT = "一二三四五六日"


def combine(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """A local wall-clock time on ``day`` as an aware datetime in the portal's zone."""
    return timezone.make_aware(datetime.datetime.combine(day, time))


class VolunteerQuerySet(UnitScopedQuerySet):
    unit_path = "unit"

    def active(self):
        return self.filter(is_active=True)


@reversion.register(exclude=["version"])
class Volunteer(LockVersionedModel):
    """A volunteer of a unit or party branch. The phone is private (《志愿服务条例》 Art. 20)."""

    name = models.CharField(_("name"), max_length=50)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit or branch"), on_delete=models.PROTECT, related_name="volunteers"
    )
    is_party_member = models.BooleanField(_("party member"), default=True)
    phone = models.CharField(
        _("phone"),
        max_length=20,
        blank=True,
        help_text=_("Private: never shown publicly or exported to others."),
    )
    email = models.EmailField(
        _("e-mail address"),
        blank=True,
        help_text=_("Private, optional: only for a reminder the day before each of their shifts."),
    )
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["unit__sort_order", "name", "pk"]
        permissions = [
            ("import_volunteer", _("Can import volunteers")),
            ("export_volunteer", _("Can export volunteers")),
            ("issue_certificate", _("Can issue service record certificates")),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceType(models.Model):
    """A kind of service: 反诈骗宣传, 法律咨询, 三导 … (shared by every unit)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class PostQuerySet(UnitScopedQuerySet):
    unit_path = "unit"


class Post(models.Model):
    """A place where volunteers serve, kept by a unit: e.g. 大庸路与机场路交叉路口."""

    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit or branch"), on_delete=models.PROTECT, related_name="posts"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="post_name_unique_in_unit")]

    def __str__(self) -> str:
        return self.name


def _check_times(start: datetime.time | None, end: datetime.time | None, field="end_time"):
    if start and end and end <= start:
        raise ValidationError({field: _("The end time must be after the start time (same day).")})


class ShiftPatternQuerySet(UnitScopedQuerySet):
    unit_path = "post__unit"


@reversion.register(exclude=["version"])
class ShiftPattern(LockVersionedModel):
    """A weekly rule: “every Monday 07:30–09:00 at post X, 三导, 4 volunteers, from 2021-05-01”."""

    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.PROTECT, related_name="patterns")
    service = models.ForeignKey(
        ServiceType, verbose_name=_("service"), on_delete=models.PROTECT, related_name="patterns"
    )
    weekdays = models.CharField(
        _("weekdays"), max_length=20, help_text=_("Days of the week the shift repeats on.")
    )
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    headcount = models.PositiveSmallIntegerField(_("volunteers needed"), validators=[MinValueValidator(1)])
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True, help_text=_("Blank: until further notice."))
    regular_volunteers = models.ManyToManyField(
        Volunteer,
        verbose_name=_("regular volunteers"),
        blank=True,
        related_name="patterns",
        help_text=_("Who usually serves; the list action “assign regular volunteers” books them."),
    )

    objects = ShiftPatternQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift pattern")
        verbose_name_plural = _("shift patterns")
        ordering = ["post__name", "start_time", "pk"]

    def __str__(self) -> str:
        days = "、".join("周" + WEEKDAY_SHORT[d] for d in self.weekday_numbers)
        return f"{self.post} {self.service} {days} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def weekday_numbers(self) -> list[int]:
        return sorted({int(d) for d in self.weekdays.split(",") if d.strip().isdigit()})

    @weekday_numbers.setter
    def weekday_numbers(self, numbers) -> None:
        self.weekdays = ",".join(str(d) for d in sorted(set(int(n) for n in numbers)))

    def clean(self):
        _check_times(self.start_time, self.end_time)
        if not self.weekday_numbers or any(d > 6 for d in self.weekday_numbers):
            raise ValidationError({"weekdays": _("Choose at least one day of the week.")})
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date cannot be before the start date.")})
        twin = self.identical_active_pattern()
        if twin is not None:
            # Generating a month would make each of its shifts twice (the once-per-day rule is per pattern).
            raise ValidationError(
                _(
                    "The same shift is already planned by the pattern “%(pattern)s” "
                    "(%(starts_on)s–%(ends_on)s): change that pattern instead of adding another."
                )
                % {
                    "pattern": twin,
                    "starts_on": f"{twin.starts_on:%Y-%m-%d}",
                    "ends_on": f"{twin.ends_on:%Y-%m-%d}" if twin.ends_on else _("until further notice"),
                }
            )

    def identical_active_pattern(self) -> "ShiftPattern | None":
        """Another pattern making the same shifts: same post, service and times, a shared weekday, overlapping dates."""
        if not (self.post_id and self.service_id and self.start_time and self.end_time and self.starts_on):
            return None
        candidates = ShiftPattern.objects.filter(
            post_id=self.post_id,
            service_id=self.service_id,
            start_time=self.start_time,
            end_time=self.end_time,
        ).filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=self.starts_on))
        if self.ends_on:
            candidates = candidates.filter(starts_on__lte=self.ends_on)
        days = set(self.weekday_numbers)
        for other in candidates.exclude(pk=self.pk).select_related("post", "service"):
            if days & set(other.weekday_numbers):
                return other
        return None

    def occurs_on(self, day: datetime.date) -> bool:
        return (
            day.weekday() in self.weekday_numbers
            and day >= self.starts_on
            and (self.ends_on is None or day <= self.ends_on)
        )

    def shift_values(self, day: datetime.date) -> dict:
        """What a shift of this pattern on ``day`` holds."""
        return {
            "post_id": self.post_id,
            "service_id": self.service_id,
            "date": day,
            "month": first_of(day),
            "starts_at": combine(day, self.start_time),
            "ends_at": combine(day, self.end_time),
            "headcount": self.headcount,
        }


class ShiftQuerySet(UnitScopedQuerySet):
    unit_path = "post__unit"

    def held(self):
        """Shifts that took place: not cancelled, and not still to come (generated ahead)."""
        return self.filter(is_cancelled=False, date__lte=today())

    def with_staffing(self):
        """Annotate ``assigned`` (volunteers booked) and ``short`` (below headcount, not cancelled)."""
        return self.annotate(assigned=models.Count("assignments", distinct=True)).annotate(
            short=models.Case(
                models.When(is_cancelled=False, assigned__lt=models.F("headcount"), then=True),
                default=False,
                output_field=models.BooleanField(),
            )
        )

    def short_staffed(self):
        return self.with_staffing().filter(short=True)

    def cancel(self) -> int:
        """Cancel these shifts (kept on record); their bookings stop blocking their volunteers."""
        pks = list(self.values_list("pk", flat=True))
        with transaction.atomic():
            count = Shift.objects.filter(pk__in=pks).update(is_cancelled=True)
            Assignment.objects.filter(shift_id__in=pks).update(shift_cancelled=True)
        public_data_changed(
            Shift, Assignment
        )  # update() sends no signal: the public figures count held shifts
        return count

    def in_month(self, year: int, month: int):
        first = datetime.date(year, month, 1)
        return self.filter(date__gte=first, date__lt=next_month(first))


def validate_month_in_range(month: datetime.date | None) -> None:
    """Pages step to the month before and after: 0001-01 or 9999-12 would fall off the calendar."""
    if month and not months.FIRST_YEAR <= month.year <= months.LAST_YEAR:
        raise ValidationError(_("Choose a month between 2000 and 2100."))


@reversion.register(exclude=["version"])
class Shift(LockVersionedModel):
    """One occurrence of service at a post: generated from a pattern or added by hand."""

    pattern = models.ForeignKey(
        ShiftPattern,
        verbose_name=_("pattern"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shifts",
    )
    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.PROTECT, related_name="shifts")
    service = models.ForeignKey(
        ServiceType, verbose_name=_("service"), on_delete=models.PROTECT, related_name="shifts"
    )
    date = models.DateField(_("date"), editable=False)
    # The first day of the date's month: the public figures group by it without a
    # date function per row (SQLite runs those in Python).
    month = models.DateField(_("month"), editable=False)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    headcount = models.PositiveSmallIntegerField(_("volunteers needed"), validators=[MinValueValidator(1)])
    is_cancelled = models.BooleanField(
        _("cancelled"), default=False, help_text=_("E.g. a holiday. The shift stays on record.")
    )
    citizens_served = models.PositiveIntegerField(_("citizens served"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, help_text=_("Internal."))

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "pk"]
        constraints = [
            # Generating a month twice creates nothing new.
            models.UniqueConstraint(fields=["pattern", "date"], name="shift_once_per_pattern_and_day"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["date"], name="shift_date"),
            models.Index(fields=["month", "service"], name="shift_month_service"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{local:%Y-%m-%d} {local:%H:%M}–{end:%H:%M} {self.post}（{self.service}）"

    def clean(self):
        if self.starts_at and self.ends_at:
            if self.ends_at <= self.starts_at:
                raise ValidationError({"ends_at": _("The end time must be after the start time.")})
            if timezone.localdate(self.starts_at) != timezone.localdate(self.ends_at):
                raise ValidationError({"ends_at": _("A shift starts and ends on the same day.")})

    def save(self, *args, **kwargs):
        self.date = timezone.localdate(self.starts_at)
        self.month = first_of(self.date)
        changed = self.pk is not None and (
            Shift.objects.filter(pk=self.pk)
            .exclude(starts_at=self.starts_at, ends_at=self.ends_at, is_cancelled=self.is_cancelled)
            .exists()
        )
        super().save(*args, **kwargs)
        if changed:
            # The assignments carry what the database checks for double booking.
            self.assignments.update(
                starts_at=self.starts_at, ends_at=self.ends_at, shift_cancelled=self.is_cancelled
            )

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def hours(self) -> Decimal:
        return Decimal((self.ends_at - self.starts_at).total_seconds()) / 3600


class Attendance(models.TextChoices):
    EXPECTED = "expected", _("Not recorded yet")
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent (no-show)")


class AssignmentQuerySet(UnitScopedQuerySet):
    unit_path = "shift__post__unit"

    def overlapping(self, volunteer_id, starts_at, ends_at):
        return self.overlapping_any(starts_at, ends_at).filter(volunteer_id=volunteer_id)

    def overlapping_any(self, starts_at, ends_at):
        """Bookings in the way of ``starts_at``–``ends_at``: a cancelled shift's bookings are not."""
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at, shift_cancelled=False)

    def attended(self):
        # A shift still to come has no attendance (``Assignment.save`` refuses it); hours never
        # count from one, even a row written around the model.
        return self.filter(
            attendance=Attendance.PRESENT, shift__is_cancelled=False, starts_at__lte=timezone.now()
        )


class DoubleBooking(Exception):
    """The database refused an assignment that overlaps another of the same volunteer."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def double_booking_message(volunteer, starts_at, ends_at, exclude_pk=None) -> str | None:
    """The Chinese refusal naming the shift in the way, or None when there is none."""
    clash = (
        Assignment.objects.overlapping(volunteer.pk, starts_at, ends_at)
        .exclude(pk=exclude_pk)
        .select_related("shift__post", "shift__service")
        .first()
    )
    if clash is None:
        return None
    return str(
        _(
            "%(volunteer)s is already booked on the overlapping shift %(shift)s; choose another volunteer or time."
        )
        % {"volunteer": volunteer, "shift": clash.shift}
    )


@reversion.register(exclude=["starts_at", "ends_at", "shift_cancelled"])
class Assignment(models.Model):
    """A volunteer booked on a shift, and what happened: present or absent, hours actually served."""

    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="assignments"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="assignments"
    )
    # The shift's range, copied so the database can refuse overlaps (see module docstring).
    starts_at = models.DateTimeField(editable=False)
    ends_at = models.DateTimeField(editable=False)
    # Copied from the shift too: the database leaves a cancelled shift's bookings out of the check.
    shift_cancelled = models.BooleanField(default=False, editable=False)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.EXPECTED
    )
    hours = models.DecimalField(
        _("hours served"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "Actual hours at the post, travel excluded. Blank for a volunteer present: the shift's length."
        ),
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["starts_at", "pk"]
        permissions = [
            ("import_assignment", _("Can import rosters")),
            ("export_assignment", _("Can export rosters")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["shift", "volunteer"], name="assignment_once_per_shift"),
        ]
        indexes = [models.Index(fields=["volunteer", "starts_at"], name="assignment_volunteer_time")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.shift}"

    def save(self, *args, **kwargs):
        # Every path passes here (forms, inline, list actions, import, code): none records
        # attendance for a shift that has not started.
        self.validate_attendance_time()
        self.starts_at, self.ends_at = self.shift.starts_at, self.shift.ends_at
        self.shift_cancelled = self.shift.is_cancelled
        if self.attendance == Attendance.PRESENT and self.hours is None:
            self.hours = self.shift.hours.quantize(Decimal("0.01"))
        if self.attendance == Attendance.ABSENT:
            self.hours = Decimal(0)
        super().save(*args, **kwargs)

    def validate_attendance_time(self) -> None:
        if self.attendance != Attendance.EXPECTED and self.shift_id and not self.shift.has_started:
            raise ValidationError(
                {
                    "attendance": _(
                        "The shift %(shift)s has not started yet: attendance can be recorded once it has."
                    )
                    % {"shift": self.shift}
                }
            )

    def clean(self):
        self.validate_attendance_time()
        if self.attendance == Attendance.ABSENT and self.hours:
            raise ValidationError({"hours": _("A volunteer who was absent served no hours.")})
        if self.hours is not None and self.shift_id and self.hours > self.shift.hours:
            raise ValidationError({"hours": _("The hours served cannot exceed the shift's length.")})


class ProblemKind(models.TextChoices):
    FRAUD = "fraud", _("Fraud and scams (反诈骗)")
    LEGAL = "legal", _("Legal questions (法律咨询)")
    TRAFFIC = "traffic", _("Traffic and civility (文明劝导)")
    OTHER = "other", _("Other (其他)")


class ProblemSolved(models.Model):
    """Problems solved for citizens during a shift, counted by kind (件次)."""

    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="problems"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ProblemKind.choices)
    count = models.PositiveIntegerField(_("number solved"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("problems solved")
        verbose_name_plural = _("problems solved")
        constraints = [models.UniqueConstraint(fields=["shift", "kind"], name="problem_kind_once_per_shift")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} × {self.count}"


class CertificateQuerySet(UnitScopedQuerySet):
    unit_path = "volunteer__unit"


class Certificate(models.Model):
    """志愿服务记录证明 as issued (《志愿服务条例》 Art. 19): what was printed, kept on record."""

    number = models.CharField(_("certificate number"), max_length=30, unique=True)
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="certificates"
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    issuing_unit = models.ForeignKey(
        Unit, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    hours = models.DecimalField(_("total hours"), max_digits=8, decimal_places=2)
    shifts_attended = models.PositiveIntegerField(_("shifts attended"))
    services = models.CharField(_("services"), max_length=300, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("service record certificate")
        verbose_name_plural = _("service record certificates")
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        self.clean()  # a certificate is a record: none vouches for days after it was issued
        super().save(*args, **kwargs)

    def clean(self):
        validate_certificate_period(self.period_end, timezone.localdate(self.issued_at))


def validate_certificate_period(end: datetime.date | None, issued_on: datetime.date) -> None:
    """A certificate vouches only for days that have passed by its issue date."""
    if end and end > issued_on:
        raise ValidationError(
            _(
                "A certificate cannot cover days after it is issued: the period must end on "
                "%(issued_on)s or earlier."
            )
            % {"issued_on": f"{issued_on:%Y-%m-%d}"}
        )


# The self-service models live in a module of their own; Django finds models here.
from .links import CheckIn, PersonalLink, SelfServiceRules  # noqa: E402, F401
