"""The catalogue of government service items (政务服务事项) and the three reforms they belong to.

Each item carries the six basic elements of a real catalogue (name, code, type,
competent department, implementing body, legal basis), its service guide (办事指南:
materials, where and when, the office's phone, the online link, promised and legal time
limits, fee, visits), and its place in the reforms of
深化简政放权: 村(社区)"就近办" (and "一枚公章" direct issue), "一件事一次办"
batches, and "一窗通办" under "三集中三到位".

The implementing body (实施主体) is the ``Unit`` that keeps the item: unit
editors keep their units' items. For "一窗通办" the implementing body is the
city-level unit (市直单位) whose window handles the item in the hall.
"""

import datetime
import re

import reversion
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import connections, models
from django.db.models import Count, Q, Value
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from review.models import ReviewedModel, ReviewStatus
from units.dates import today
from units.models import LockVersionedModel, Unit
from units.rates import percentage
from units.scoping import UnitScopedQuerySet

from . import search


class Reform(models.TextChoices):
    """The reform filters of the public catalogue."""

    NEARBY = "nearby", _("Handled nearby in the village or community (就近办)")
    ONE_SEAL = "one_seal", _("Issued by the village with one seal (一枚公章)")
    ONE_GO = "one_go", _("One thing, done once (一件事一次办)")
    ONE_WINDOW = "one_window", _("One window in the city hall (一窗通办)")


REFORM_FILTERS = {
    Reform.NEARBY: Q(nearby=True),
    Reform.ONE_SEAL: Q(one_seal=True),
    Reform.ONE_GO: Q(batch__isnull=False),
    Reform.ONE_WINDOW: Q(should_enter=True),
}


# The catalogue's rules, each a CheckConstraint in the database and checked in Python by
# ``ServiceItem.clean`` (which puts the message on its field).
BATCH_FROM_1 = _("一件事一次办 batch numbers start at 1.")
LANDING_NEEDS_BATCH = _("A landing date needs a 一件事一次办 batch.")
ENTERED_ONLY_IF_SHOULD = _("An item cannot have entered the one-window hall unless it should enter it.")
ONE_SEAL_IS_NEARBY = _("Only a 就近办 item can be issued by the village with one seal.")
ENTRY_DATE_NEEDS_ENTRY = _("An entry date is only for an item that has entered the one-window hall.")
DUPLICATE_CODE = "duplicate_code"
DUPLICATE_CODE_MESSAGE = _(
    "An item with this code is already in the catalogue (codes are the same in capital and small letters)."
)


def normalise_code(code) -> str:
    """Catalogue codes are written in capitals (62052400MZ-XK-0001), without surrounding spaces."""
    return (code or "").strip().upper()


PLANNED_LANDING_NEEDS_BATCH = _("A planned landing date needs a 一件事一次办 batch.")
PLANNED_ENTRY_NEEDS_SHOULD = _(
    "A planned entry date is only for an item that should enter the one-window hall."
)
# Checked in Python only (a database check cannot depend on today): the actual dates may be
# up to a year ahead (a landing already fixed by notice); a later date is a typo or a plan,
# and a plan has its own field. The figures count a date only once it has come.
DATE_TOO_FAR = _(
    "This date is more than a year ahead: enter the actual date, or put a plan in the planned date."
)

PROMISE_WITHIN_LEGAL = _("The promised time limit cannot be longer than the legal time limit.")

# The office's consultation line (public): digits with the usual separators, several numbers
# allowed (“0744-8221234、12345”). A letter or a markup character is a typo, never shown.
validate_office_phone = RegexValidator(
    r"^[0-9(（+][0-9 ()（）+\-—、,，/;；转]*[0-9]$",
    _("Enter the office's phone number: digits, with - ( ) + and 、 between numbers, e.g. 0744-8221234."),
)
PHONE_SEPARATORS = "、,，/;；"
MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")


def validate_not_mobile(value: str) -> None:
    """The phone goes on a public page: an office's line or hotline, never a mobile (a person's)."""
    for number in re.split(f"[{PHONE_SEPARATORS}]", value or ""):
        if MOBILE.fullmatch(re.sub(r"\D", "", number.split("转")[0])):
            raise ValidationError(
                _("A mobile number is a person's: enter the office's fixed line or hotline instead."),
                code="mobile",
            )


# A citizen follows the online link: only a web address, never javascript:, data: or ftp:.
validate_web_address = URLValidator(
    schemes=["http", "https"], message=_("Enter a web address that starts with http:// or https://.")
)


class WebAddressField(models.URLField):
    """A link citizens follow: http(s) only, in every form and import (``full_clean``)."""

    default_validators = [validate_web_address]

    def formfield(self, **kwargs):
        # A typed "www.example.gov.cn" becomes https://…, as Django 6 will do by default.
        return super().formfield(**{"assume_scheme": "https", **kwargs})


def latest_actual_date(on: datetime.date) -> datetime.date:
    """The latest landing or entry date accepted on ``on``: the same day a year ahead."""
    try:
        return on.replace(year=on.year + 1)
    except ValueError:  # 29 February
        return on.replace(year=on.year + 1, day=28)


class ServiceItemQuerySet(UnitScopedQuerySet):
    unit_path = "implementing_unit"

    def published(self):
        """What citizens see: items the office approved (``review.service``)."""
        return self.filter(review_status=ReviewStatus.APPROVED)

    def search(self, text: str):
        """Items whose name every whitespace-separated word matches as citizens type it: short
        forms, characters in order with gaps, trigram similarity on PostgreSQL (``reforms.search``)."""
        return search.matching(self, text)

    def ranked(self, text: str):
        """Best matches of ``text`` first: the exact name, names beginning with it, then the rest;
        with no text, by code."""
        return search.ranked(self, text)

    def in_reform(self, reform: str):
        return self.filter(REFORM_FILTERS[Reform(reform)])

    def figures(self, on: datetime.date | None = None) -> dict:
        """Every figure of the catalogue as of ``on`` (today) in one aggregate query; rates through
        ``units.rates``. A landing or entry dated later than ``on`` is not counted yet."""
        figures = self._counts(on or today())
        figures["one_go_landing_rate"] = percentage(figures["one_go_landed"], figures["one_go"])
        figures["window_entry_rate"] = percentage(figures["window_entered"], figures["window_items"])
        return figures

    def _counts(self, on: datetime.date) -> dict:
        # The same aggregate as ``self.aggregate(**figure_counts(on))``, written as a values query so
        # its SQL can be kept: for the whole catalogue (asked on every /reforms/ and / request)
        # it is compiled once per database and day, as building nine filtered aggregates cost the
        # page more than running them.
        key = self._whole_catalogue_key(on)
        compiled = _COMPILED_COUNTS.get(key) if key else None
        if compiled is None:
            values = (
                self.order_by().values(_whole=Value(1)).annotate(**figure_counts(on)).values(*FIGURE_NAMES)
            )
            compiled = values.query.sql_with_params()
            if key:
                if len(_COMPILED_COUNTS) > 16:  # yesterday's SQL is never asked for again
                    _COMPILED_COUNTS.clear()
                _COMPILED_COUNTS[key] = compiled
        with connections[self.db].cursor() as cursor:
            cursor.execute(*compiled)
            row = cursor.fetchone()
        return dict(zip(FIGURE_NAMES, row, strict=True))

    def _whole_catalogue_key(self, on: datetime.date):
        """The compiled-SQL key of the whole catalogue, or of the whole published one; None otherwise."""
        if self.query.annotations or self.query.is_sliced:
            return None
        if not self.query.where:
            return (self.db, "all", on)
        if self.query.where == type(self)(self.model).published().query.where:
            return (self.db, "published", on)
        return None


def landed_by(on: datetime.date) -> Q:
    """Items of a batch that had landed by ``on``: a later landing date is a date still to come."""
    return Q(batch__isnull=False, landed_on__lte=on)


def entered_by(on: datetime.date) -> Q:
    """Items that had entered the hall by ``on``; an entered item with no date counts from the start."""
    return Q(has_entered=True) & (Q(entered_on__isnull=True) | Q(entered_on__lte=on))


def figure_counts(on: datetime.date) -> dict:
    """The catalogue's counts as of ``on`` as aggregates (no GROUP BY: one row for the whole set)."""
    window = Q(should_enter=True)
    return {
        "total": Count("pk"),
        "nearby": Count("pk", filter=Q(nearby=True)),
        "one_seal": Count("pk", filter=Q(one_seal=True)),
        "one_go": Count("pk", filter=Q(batch__isnull=False)),
        "one_go_batches": Count("batch", distinct=True),
        "one_go_landed": Count("pk", filter=landed_by(on)),
        "window_units": Count("implementing_unit", distinct=True, filter=window),
        "window_items": Count("pk", filter=window),
        "window_entered": Count("pk", filter=window & entered_by(on)),
    }


FIGURE_NAMES = list(figure_counts(datetime.date.min))
_COMPILED_COUNTS: dict[tuple, tuple[str, tuple]] = {}


@reversion.register(exclude=["version"])
class ServiceItem(ReviewedModel, LockVersionedModel):
    """A government service item (政务服务事项) of the catalogue."""

    class Type(models.TextChoices):
        LICENSING = "licensing", _("Administrative licensing (行政许可)")
        CONFIRMATION = "confirmation", _("Administrative confirmation (行政确认)")
        PAYMENT = "payment", _("Administrative payment (行政给付)")
        FILING = "filing", _("Administrative filing (行政备案)")
        AWARD = "award", _("Administrative award (行政奖励)")
        RULING = "ruling", _("Administrative ruling (行政裁决)")
        OTHER_POWER = "other_power", _("Other administrative power (其他行政权力)")
        PUBLIC_SERVICE = "public_service", _("Public service (公共服务)")

    class Level(models.TextChoices):
        CITY = "city", _("City (市)")
        COUNTY = "county", _("District or county (区县)")
        TOWNSHIP = "township", _("Township or street (乡镇街道)")
        VILLAGE = "village", _("Village or community (村社区)")

    name = models.CharField(_("item name (事项名称)"), max_length=200)
    # Unique whatever the case (serviceitem_code_unique_ci), and kept in capitals.
    code = models.CharField(
        _("item code (事项编码)"),
        max_length=50,
        db_index=True,
        help_text=_("Unique in the catalogue, e.g. 62052400MZ-XK-0001."),
    )
    item_type = models.CharField(_("item type (事项类型)"), max_length=20, choices=Type.choices)
    competent_department = models.ForeignKey(
        Unit,
        verbose_name=_("competent department (主管部门)"),
        on_delete=models.PROTECT,
        related_name="competent_items",
    )
    implementing_unit = models.ForeignKey(
        Unit,
        verbose_name=_("implementing body (实施主体)"),
        on_delete=models.PROTECT,
        related_name="service_items",
        help_text=_("The unit that handles and keeps this item; for 一窗通办, its city-level unit."),
    )
    legal_basis = models.TextField(_("legal basis (设定依据)"), blank=True)
    level = models.CharField(_("level where it is handled"), max_length=20, choices=Level.choices)
    time_limit_days = models.PositiveSmallIntegerField(
        _("promised time limit (working days)"),
        null=True,
        blank=True,
        help_text=_("0: done on the spot (即办)."),
    )
    legal_time_limit_days = models.PositiveSmallIntegerField(
        _("legal time limit (法定时限, working days)"),
        null=True,
        blank=True,
        help_text=_("The limit the law sets; the promised limit is at most this."),
    )
    is_free = models.BooleanField(_("free of charge"), default=True)
    fee = models.CharField(_("fee"), max_length=200, blank=True, help_text=_("The fee, when it is not free."))
    visits = models.PositiveSmallIntegerField(
        _("visits it takes (跑动次数)"), default=1, help_text=_("0: no visit, done entirely online.")
    )
    online = models.BooleanField(_("can be done online"), default=False)
    # The service guide (办事指南): what a citizen needs to get the item done.
    materials = models.TextField(
        _("materials (办理材料)"), blank=True, help_text=_("One document per line, as the citizen brings it.")
    )
    place = models.CharField(_("where to go (办理地点)"), max_length=200, blank=True)
    office_hours = models.CharField(_("office hours (办理时间)"), max_length=200, blank=True)
    phone = models.CharField(
        _("consultation phone (咨询电话)"),
        max_length=50,
        blank=True,
        validators=[validate_office_phone, validate_not_mobile],
        help_text=_("The office's public number, never a person's mobile."),
    )
    online_url = WebAddressField(
        _("online service link (网上办理)"),
        max_length=500,
        blank=True,
        help_text=_("Where it is done online: an http:// or https:// address."),
    )
    nearby = models.BooleanField(_("handled nearby (就近办)"), default=False)
    one_seal = models.BooleanField(
        _("village issues it with one seal (一枚公章)"),
        default=False,
        help_text=_("The village or community issues the certificate itself."),
    )
    batch = models.PositiveSmallIntegerField(
        _("一件事一次办 batch"),
        null=True,
        blank=True,
        help_text=_("Batch 1, 2, …; blank: not in the reform."),
    )
    landed_on = models.DateField(
        _("date landed (落地)"),
        null=True,
        blank=True,
        help_text=_("The actual date; the figures count the item as landed from this day."),
    )
    planned_landing_on = models.DateField(
        _("planned landing date (计划落地日期)"),
        null=True,
        blank=True,
        help_text=_("The date it is planned to land; never counted as landed."),
    )
    should_enter = models.BooleanField(_("should enter the one-window hall"), default=False)
    has_entered = models.BooleanField(_("has entered the one-window hall"), default=False)
    entered_on = models.DateField(
        _("date entered the hall (进驻日期)"),
        null=True,
        blank=True,
        help_text=_("The figures count the item as entered from this day; blank: from the start."),
    )
    planned_entry_on = models.DateField(
        _("planned entry date (计划进驻日期)"),
        null=True,
        blank=True,
        help_text=_("The date it is planned to move into the hall; never counted as entered."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ServiceItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["code"]
        permissions = [
            ("import_serviceitem", _("Can import service items")),
            ("export_serviceitem", _("Can export service items")),
        ]
        constraints = [
            # 43080000cz-ba-1072 is the same item as 43080000CZ-BA-1072.
            models.UniqueConstraint(
                Upper("code"),
                name="serviceitem_code_unique_ci",
                violation_error_code=DUPLICATE_CODE,
                violation_error_message=DUPLICATE_CODE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(batch__isnull=True) | Q(batch__gte=1),
                name="serviceitem_batch_from_1",
                violation_error_message=BATCH_FROM_1,
            ),
            models.CheckConstraint(
                condition=Q(landed_on__isnull=True) | Q(batch__isnull=False),
                name="serviceitem_landing_needs_batch",
                violation_error_message=LANDING_NEEDS_BATCH,
            ),
            models.CheckConstraint(
                condition=Q(has_entered=False) | Q(should_enter=True),
                name="serviceitem_entered_only_if_should",
                violation_error_message=ENTERED_ONLY_IF_SHOULD,
            ),
            models.CheckConstraint(
                condition=Q(entered_on__isnull=True) | Q(has_entered=True),
                name="serviceitem_entry_date_needs_entry",
                violation_error_message=ENTRY_DATE_NEEDS_ENTRY,
            ),
            models.CheckConstraint(
                condition=Q(planned_landing_on__isnull=True) | Q(batch__isnull=False),
                name="serviceitem_planned_landing_needs_batch",
                violation_error_message=PLANNED_LANDING_NEEDS_BATCH,
            ),
            models.CheckConstraint(
                condition=Q(planned_entry_on__isnull=True) | Q(should_enter=True),
                name="serviceitem_planned_entry_needs_should",
                violation_error_message=PLANNED_ENTRY_NEEDS_SHOULD,
            ),
            models.CheckConstraint(
                condition=Q(time_limit_days__isnull=True)
                | Q(legal_time_limit_days__isnull=True)
                | Q(time_limit_days__lte=models.F("legal_time_limit_days")),
                name="serviceitem_promise_within_legal",
                violation_error_message=PROMISE_WITHIN_LEGAL,
            ),
            models.CheckConstraint(
                condition=Q(one_seal=False) | Q(nearby=True),
                name="serviceitem_one_seal_is_nearby",
                violation_error_message=ONE_SEAL_IS_NEARBY,
            ),
        ]
        indexes = [
            # The public filters by level and type; the reform flags are few distinct values.
            models.Index(fields=["level", "item_type"], name="serviceitem_level_type_idx"),
            # The monthly workbook's items per batch (published ones, landed by a date, near at
            # hand, under one seal): read from the index alone, already in batch order.
            models.Index(
                fields=["review_status", "batch", "landed_on", "nearby", "one_seal"],
                name="serviceitem_batch_figures_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def get_absolute_url(self) -> str:
        return reverse("reforms:detail", args=[self.pk])

    @property
    def materials_list(self) -> list[str]:
        """The materials, one per line as typed (blank lines and list marks dropped)."""
        return [line.strip().lstrip("-•·*").strip() for line in self.materials.splitlines() if line.strip()]

    @property
    def tel_number(self) -> str:
        """The phone as a tel: link dials it (digits and +), when it is one number; else ""."""
        if not self.phone or any(mark in self.phone for mark in PHONE_SEPARATORS + "转"):
            return ""
        return re.sub(r"[^0-9+]", "", self.phone)

    @property
    def has_landed(self) -> bool:
        """Landed as of today, as the figures count it (a landing date still to come is not yet)."""
        return self.batch is not None and self.landed_on is not None and self.landed_on <= today()

    @property
    def is_in_hall(self) -> bool:
        """In the one-window hall as of today, as the figures count it."""
        return self.has_entered and (self.entered_on is None or self.entered_on <= today())

    def clean(self):
        errors = {}
        if self.batch is not None and self.batch < 1:
            errors["batch"] = BATCH_FROM_1
        if self.landed_on is not None and self.batch is None:
            errors["landed_on"] = LANDING_NEEDS_BATCH
        if self.has_entered and not self.should_enter:
            errors["has_entered"] = ENTERED_ONLY_IF_SHOULD
        if self.one_seal and not self.nearby:
            errors["one_seal"] = ONE_SEAL_IS_NEARBY
        if self.entered_on is not None and not self.has_entered:
            errors["entered_on"] = ENTRY_DATE_NEEDS_ENTRY
        if (
            self.time_limit_days is not None
            and self.legal_time_limit_days is not None
            and self.time_limit_days > self.legal_time_limit_days
        ):
            errors["time_limit_days"] = PROMISE_WITHIN_LEGAL
        if self.planned_landing_on is not None and self.batch is None:
            errors["planned_landing_on"] = PLANNED_LANDING_NEEDS_BATCH
        if self.planned_entry_on is not None and not self.should_enter:
            errors["planned_entry_on"] = PLANNED_ENTRY_NEEDS_SHOULD
        latest = latest_actual_date(today())
        for name in ("landed_on", "entered_on"):
            day = getattr(self, name)
            if name not in errors and isinstance(day, datetime.date) and day > latest:
                errors[name] = DATE_TOO_FAR
        if errors:
            raise ValidationError(errors)

    def prepare_save(self) -> None:
        self.code = normalise_code(self.code)

    def validate_constraints(self, exclude=None):
        # A constraint over an expression reports to no field; this one is the code's.
        try:
            super().validate_constraints(exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            others = []
            for problem in errors.pop(NON_FIELD_ERRORS, []):
                if getattr(problem, "code", None) == DUPLICATE_CODE:
                    errors.setdefault("code", []).append(problem)
                else:
                    others.append(problem)
            if others:
                errors[NON_FIELD_ERRORS] = others
            raise ValidationError(errors) from None

    def clean_fields(self, exclude=None):
        self.code = normalise_code(self.code)
        # A unit already loaded from the database onto this item (the admin form's choice, or
        # the import's lookup by name) exists: skip Django's second lookup of it, one query per
        # unit per row of an import.
        exclude = set(exclude or ())
        for name in ("competent_department", "implementing_unit"):
            field = self._meta.get_field(name)
            unit = field.get_cached_value(self, default=None)
            if unit is not None and unit.pk == getattr(self, field.attname) and not unit._state.adding:
                exclude.add(name)
        super().clean_fields(exclude)

    def get_constraints(self):
        # The check constraints guard the database; clean() checks the same rules without a
        # query, with each message on its field. Django would validate each check constraint
        # with a query of its own, four per row of a 5,000-row import.
        checked_in_clean = {
            "serviceitem_batch_from_1",
            "serviceitem_landing_needs_batch",
            "serviceitem_entered_only_if_should",
            "serviceitem_one_seal_is_nearby",
            "serviceitem_entry_date_needs_entry",
            "serviceitem_planned_landing_needs_batch",
            "serviceitem_planned_entry_needs_should",
            "serviceitem_promise_within_legal",
        }
        return [
            (model, [c for c in constraints if c.name not in checked_in_clean])
            for model, constraints in super().get_constraints()
        ]
