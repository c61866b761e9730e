"""Hotline figures: one record per month, and the platform's work orders (工单) they can come from.

A month's figures are either typed by the office (admin or the month sheet) or
rolled up from the imported cases; ``Month.source`` says which, and a rollup never
overwrites a typed month (see ``hotline.rollup``).
"""

import datetime

import reversion
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from units.models import LockVersionedModel
from units.months import current_month, first_of


class MonthSource(models.TextChoices):
    TYPED = "typed", _("Typed by the office (录入)")
    CASES = "cases", _("Rolled up from cases (工单汇总)")


COUNT_FIELDS = ["calls", "accepted", "completed", "callbacks", "satisfied", "online_completed"]


class MonthQuerySet(models.QuerySet):
    def between(self, start: datetime.date, end: datetime.date):
        return self.filter(month__gte=start, month__lte=end)


# The lock version is counted by the database (an F() expression at save time), so it is
# kept out of history like the other ledgers': with it, no version of a month could be restored.
@reversion.register(exclude=["version"])
class Month(LockVersionedModel):
    """The hotline's figures for one calendar month (as of its last day)."""

    month = models.DateField(
        _("month"), unique=True, help_text=_("The first day of the month, e.g. 2021-06-01 for June 2021.")
    )
    calls = models.PositiveIntegerField(_("calls (来电总量)"), default=0)
    accepted = models.PositiveIntegerField(_("cases accepted (受理事件)"), default=0)
    completed = models.PositiveIntegerField(_("cases completed (办结)"), default=0)
    callbacks = models.PositiveIntegerField(_("callbacks made (回访)"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied callbacks (满意)"), default=0)
    online_completed = models.PositiveIntegerField(
        _("completed online (在线办结)"),
        default=0,
        help_text=_("Cases answered and completed directly, without dispatch to a unit."),
    )
    source = models.CharField(
        _("source of the figures"), max_length=10, choices=MonthSource.choices, default=MonthSource.TYPED
    )
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MonthQuerySet.as_manager()

    class Meta:
        verbose_name = _("hotline month")
        verbose_name_plural = _("hotline months")
        ordering = ["-month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="hotline_month_first_day",
                violation_error_message=_("A month is stored as its first day."),
            ),
            models.CheckConstraint(
                condition=Q(completed__lte=F("accepted")),
                name="hotline_month_completed_lte_accepted",
                violation_error_message=_("Cases completed cannot be more than cases accepted."),
            ),
            models.CheckConstraint(
                condition=Q(satisfied__lte=F("callbacks")),
                name="hotline_month_satisfied_lte_callbacks",
                violation_error_message=_("Satisfied callbacks cannot be more than callbacks made."),
            ),
            models.CheckConstraint(
                condition=Q(online_completed__lte=F("completed")),
                name="hotline_month_online_lte_completed",
                violation_error_message=_("Cases completed online cannot be more than cases completed."),
            ),
            # PositiveIntegerField adds "≥ 0" checks of its own on every backend.
        ]
        permissions = [
            ("import_month", _("Can import hotline months")),
            ("export_month", _("Can export hotline months")),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    def clean(self):
        if self.month:
            if self.month.day != 1:
                self.month = first_of(self.month)
            if self.month > current_month():
                raise ValidationError(
                    {"month": _("%(month)s is in the future.") % {"month": f"{self.month:%Y-%m}"}}
                )


class Feedback(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASICALLY = "basically", _("Basically satisfied (基本满意)")
    UNSATISFIED = "unsatisfied", _("Unsatisfied (不满意)")
    NONE = "none", _("No callback (未回访)")


class CaseQuerySet(models.QuerySet):
    """Bulk writes through the ORM keep the tallies (``hotline.tallies``) in step."""

    def between(self, start: datetime.date, end: datetime.date):
        return self.filter(month__gte=start, month__lte=end)

    def _months(self) -> set:
        return set(self.order_by().values_list("month", flat=True).distinct())

    def delete(self):
        from . import tallies

        months = self._months()
        result = super().delete()
        tallies.rebuild(months)
        return result

    delete.alters_data = True
    delete.queryset_only = True

    def update(self, **kwargs):
        from . import tallies

        months = self._months()
        result = super().update(**kwargs)
        if "month" in kwargs:
            months.add(kwargs["month"])
        tallies.rebuild(months)
        return result

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        from . import tallies

        objs = list(objs)
        result = super().bulk_create(objs, *args, **kwargs)
        tallies.rebuild({obj.month for obj in objs})
        return result


class Case(models.Model):
    """A work order (工单) from the hotline platform's export; no caller's name or phone is kept."""

    number = models.CharField(_("work-order number (工单编号)"), max_length=64, unique=True)
    received_at = models.DateTimeField(_("received at (受理时间)"))
    month = models.DateField(_("month"), db_index=True, editable=False)
    channel = models.CharField(_("channel (来源渠道)"), max_length=50, blank=True)
    kind = models.CharField(_("request type (诉求类型)"), max_length=50, blank=True)
    category = models.CharField(_("category (一级分类)"), max_length=100, blank=True)
    subcategory = models.CharField(_("subcategory (二级分类)"), max_length=100, blank=True)
    handling_unit = models.CharField(_("handling unit (承办单位)"), max_length=100, blank=True)
    status = models.CharField(_("status (办理状态)"), max_length=50, blank=True)
    is_completed = models.BooleanField(_("completed"), default=False)
    completed_at = models.DateTimeField(_("completed at (办结时间)"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at (应办结时间)"), null=True, blank=True, db_index=True)
    feedback = models.CharField(
        _("callback result (回访结果)"), max_length=12, choices=Feedback.choices, default=Feedback.NONE
    )
    is_online = models.BooleanField(_("completed online (在线办结)"), default=False)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("hotline case (工单)")
        verbose_name_plural = _("hotline cases (工单)")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["month", "category"], name="hotline_case_month_category"),
            models.Index(fields=["month", "handling_unit"], name="hotline_case_month_unit"),
        ]
        permissions = [("import_case", _("Can import hotline cases"))]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        from . import tallies

        months = {self.month}
        if self.pk is not None and not kwargs.get("force_insert"):
            months.add(Case.objects.filter(pk=self.pk).values_list("month", flat=True).first())
        super().save(*args, **kwargs)
        tallies.rebuild(months)

    def delete(self, *args, **kwargs):
        from . import tallies

        result = super().delete(*args, **kwargs)
        tallies.rebuild({self.month})
        return result


class CaseCounts(models.Model):
    """What a tally counts: per category, or per handling unit and due month (``hotline.tallies``)."""

    kind = models.CharField(max_length=10)
    key = models.CharField(max_length=100, blank=True)
    due_month = models.DateField(null=True, blank=True)
    cases = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    callbacks = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    online_completed = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class CaseTally(CaseCounts):
    """The cases of a month counted per category, or per handling unit and due month (``hotline.tallies``)."""

    month = models.DateField(_("month"), db_index=True)

    class Meta:
        verbose_name = _("case tally")
        verbose_name_plural = _("case tallies")
        indexes = [models.Index(fields=["kind", "due_month"], name="hotline_tally_due_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} {self.key}"


class CaseYearTally(CaseCounts):
    """A calendar year's case tallies summed (``hotline.tallies``): a period of whole past years
    reads a year's rows, not twelve months of them (a ten-year /hotline/ read 32,000 month rows)."""

    year = models.DateField(_("year"), db_index=True)  # its 1 January

    class Meta:
        verbose_name = _("case tally of a year")
        verbose_name_plural = _("case tallies of a year")
        indexes = [models.Index(fields=["kind", "due_month"], name="hotline_yeartally_due_month")]

    def __str__(self) -> str:
        return f"{self.year:%Y} {self.kind} {self.key}"
