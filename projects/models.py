import datetime

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from review.models import ReviewedModel, ReviewStatus
from units.dates import today
from units.images import PublicPhotoField
from units.models import LockVersionedModel, Unit
from units.rates import percentage
from units.scoping import UnitScopedQuerySet


class ProgressStatus(models.TextChoices):
    """The status a ledger keeper records with each progress update."""

    NOT_STARTED = "not_started", _("Not started (未开始)")
    IN_PROGRESS = "in_progress", _("In progress (进行中)")
    COMPLETED = "completed", _("Completed (已完成)")


class ProjectStatus(models.TextChoices):
    """The status shown to users: the recorded one, or overdue (逾期), which is derived."""

    NOT_STARTED = "not_started", _("Not started (未开始)")
    IN_PROGRESS = "in_progress", _("In progress (进行中)")
    COMPLETED = "completed", _("Completed (已完成)")
    OVERDUE = "overdue", _("Overdue (逾期)")


def derive_status(recorded: str, deadline: datetime.date, on: datetime.date) -> str:
    """Status on day ``on``: overdue when the deadline has passed and it was not completed."""
    if recorded == ProgressStatus.COMPLETED:
        return ProjectStatus.COMPLETED
    if deadline < on:
        return ProjectStatus.OVERDUE
    return recorded


class RoundQuerySet(models.QuerySet):
    def with_published_projects(self):
        return self.filter(projects__is_public=True, projects__review_status=ReviewStatus.APPROVED).distinct()

    def current(self):
        """The latest round (by start date) that has something to show the public."""
        return self.with_published_projects().order_by("-start_date", "-pk").first()


class Round(models.Model):
    """批次: a round of practical-deed projects, e.g. 2021年第一批 or 新一轮."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("round (批次)")
        verbose_name_plural = _("rounds (批次)")
        ordering = ["-start_date", "-pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})


class ProjectQuerySet(UnitScopedQuerySet):
    unit_path = "unit"

    def published(self):
        """What citizens see: published by its unit and approved by the office."""
        return self.filter(is_public=True, review_status=ReviewStatus.APPROVED)

    def approved(self):
        """Every approved project, drafts included (the monthly workbook's ledger)."""
        return self.filter(review_status=ReviewStatus.APPROVED)

    def current_round_first(self):
        """The order citizens read projects in: the current round's first (the latest by start
        date, as ``Round.objects.current()``), then each earlier round; within a round, by deadline."""
        return self.order_by("-round__start_date", "-round__pk", "deadline", "pk")

    def with_progress(self, on: datetime.date | None = None):
        """Annotate progress as of ``on`` (default today): percent, recorded status,
        date of that update, and the ``derived_status`` (incl. overdue).

        The annotation is not called ``status_on``: that name is the method that
        derives the same status for one project on any day.

        One correlated subquery per value keeps the row count and the number of
        queries independent of how many updates a project has.
        """
        on = on or today()
        latest = ProgressUpdate.objects.approved().filter(project=OuterRef("pk"), date__lte=on)
        latest = latest.order_by("-date", "-pk")
        return self.annotate(
            progress_percent=Coalesce(Subquery(latest.values("percent")[:1]), Value(0)),
            progress_status=Coalesce(
                Subquery(latest.values("status")[:1]), Value(ProgressStatus.NOT_STARTED.value)
            ),
            progress_date=Subquery(latest.values("date")[:1]),
        ).annotate(
            derived_status=Case(
                When(progress_status=ProgressStatus.COMPLETED, then=Value(ProjectStatus.COMPLETED.value)),
                When(deadline__lt=on, then=Value(ProjectStatus.OVERDUE.value)),
                default=F("progress_status"),
                output_field=models.CharField(),
            )
        )

    def with_latest_note(self, on: datetime.date | None = None):
        """Annotate ``progress_note``: the text of the latest update on or before ``on``."""
        latest = ProgressUpdate.objects.approved().filter(project=OuterRef("pk"), date__lte=on or today())
        return self.annotate(progress_note=Subquery(latest.order_by("-date", "-pk").values("note")[:1]))

    def with_status(self, status: str, on: datetime.date | None = None):
        return self.with_progress(on).filter(derived_status=status)

    def overdue(self, on: datetime.date | None = None):
        return self.with_status(ProjectStatus.OVERDUE, on)

    def figures(self, on: datetime.date | None = None) -> dict:
        """Counts by derived status, average percent and money, in one query."""
        counts = {
            status.value: Count("pk", filter=Q(derived_status=status.value)) for status in ProjectStatus
        }
        figures = self.with_progress(on).aggregate(
            total=Count("pk"),
            average_percent=models.Avg("progress_percent"),
            budget=models.Sum("budget"),
            spent=models.Sum("spent"),
            beneficiaries=models.Sum("beneficiary_count"),
            **counts,
        )
        figures["completion_rate"] = percentage(figures[ProjectStatus.COMPLETED.value], figures["total"])
        return figures


@reversion.register(follow=["updates"], exclude=["version"])
class Project(ReviewedModel, LockVersionedModel):
    """A practical-deed project (实事项目), e.g. one of the "十个一"."""

    class Category(models.TextChoices):
        INFRASTRUCTURE = "infrastructure", _("Public facilities (设施建设)")
        DONATION = "donation", _("Donations and assistance (捐赠帮扶)")
        VOLUNTEERING = "volunteering", _("Voluntary service (志愿服务)")
        HEALTH = "health", _("Health (健康卫生)")
        EDUCATION = "education", _("Education and training (教育培训)")
        ENVIRONMENT = "environment", _("Environment (环境整治)")
        VISITS = "visits", _("Visits and condolences (走访慰问)")
        OTHER = "other", _("Other (其他)")

    class DemandSource(models.TextChoices):
        FORUM = "forum", _("Forum (座谈会)")
        LETTER = "letter", _("Letter seeking opinions (征求意见函)")
        VISIT = "visit", _("Field visit (走访调研)")
        CITIZEN = "citizen", _("Citizen suggestion (群众建议)")
        OTHER = "other", _("Other (其他)")

    round = models.ForeignKey(
        Round, verbose_name=_("round (批次)"), on_delete=models.PROTECT, related_name="projects"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(pgettext_lazy("project", "description"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("responsible unit (责任单位)"), on_delete=models.PROTECT, related_name="projects"
    )
    lead_name = models.CharField(
        _("lead (负责人)"), max_length=50, blank=True, help_text=_("Internal; never shown on public pages.")
    )
    deadline = models.DateField(_("deadline (完成时限)"))
    budget = models.DecimalField(
        _("budget (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    spent = models.DecimalField(
        _("spent (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    beneficiary_count = models.PositiveIntegerField(_("number of beneficiaries"), null=True, blank=True)
    beneficiaries = models.CharField(
        _("beneficiaries"),
        max_length=200,
        blank=True,
        help_text=_("Who benefits, described without personal names (shown publicly)."),
    )
    demand_source = models.CharField(
        _("where the demand came from"), max_length=20, choices=DemandSource.choices, blank=True
    )
    is_public = models.BooleanField(
        _("published"), default=False, help_text=_("Drafts are never shown on public pages.")
    )
    internal_notes = models.TextField(
        _("internal notes"),
        blank=True,
        help_text=_("For staff only, e.g. names of needy residents; never public or exported publicly."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["deadline", "pk"]
        permissions = [
            ("import_project", _("Can import projects")),
            ("export_project", _("Can export projects")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["round", "title"], name="project_title_unique_in_round"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        """Whether citizens see the project (``ProjectQuerySet.published`` for one row)."""
        return self.is_public and self.is_approved

    @property
    def is_shown_to_citizens(self) -> bool:
        return self.is_published

    def progress_on(self, on: datetime.date | None = None) -> "ProgressUpdate | None":
        """The latest approved update dated on or before ``on``."""
        return self.updates.approved().filter(date__lte=on or today()).order_by("-date", "-pk").first()

    def status_on(self, on: datetime.date | None = None) -> str:
        on = on or today()
        latest = self.progress_on(on)
        recorded = latest.status if latest else ProgressStatus.NOT_STARTED
        return derive_status(recorded, self.deadline, on)

    @property
    def derived_status_label(self) -> str:
        """Label of the ``derived_status`` annotation made by ``with_progress``."""
        return ProjectStatus(self.derived_status).label

    def is_overdue(self, on: datetime.date | None = None) -> bool:
        return self.status_on(on) == ProjectStatus.OVERDUE


def validate_photo_size(photo) -> None:
    limit = settings.MAX_UPLOAD_BYTES
    if photo.size > limit:
        raise ValidationError(_("The photo is larger than %(mb)d MB."), params={"mb": limit // (1024 * 1024)})


class ProgressUpdateQuerySet(UnitScopedQuerySet):
    unit_path = "project__unit"

    def approved(self):
        """Updates the office approved: the only ones that count, on every page and sheet."""
        return self.filter(review_status=ReviewStatus.APPROVED)

    def published(self):
        """Updates citizens see: approved, of a published project."""
        return self.approved().filter(project__is_public=True, project__review_status=ReviewStatus.APPROVED)


@reversion.register()
class ProgressUpdate(ReviewedModel):
    """A dated progress record: what was done, how far along, on which day."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="updates"
    )
    date = models.DateField(_("date of progress"), default=today)
    percent = models.PositiveSmallIntegerField(
        _("percent complete"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    status = models.CharField(_("status"), max_length=20, choices=ProgressStatus.choices)
    note = models.TextField(_("what was done"), blank=True)
    photo = PublicPhotoField(
        _("photo"),
        upload_to="progress/%Y/%m/",
        blank=True,
        validators=[validate_photo_size],
        db_index=True,  # photos are served by looking their name up
    )
    photo_caption = models.CharField(_("photo caption"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ProgressUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-date", "-pk"]
        indexes = [
            # "Latest update on or before D" per project (with_progress) is one index seek.
            models.Index(fields=["project", "date", "id"], name="progress_project_date_idx"),
            # The dashboard's latest updates across all projects.
            models.Index(fields=["date", "id"], name="progress_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="progress_percent_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.date:%Y-%m-%d} · {self.percent}%"

    @property
    def review_parent(self):
        """Where the office opens this row in the admin (it is edited inline on its project)."""
        return self.project

    @property
    def is_shown_to_citizens(self) -> bool:
        return self.is_approved and self.project.is_published

    def clean(self):
        if self.date and self.date > today():
            raise ValidationError({"date": _("The date of progress cannot be in the future.")})
        if self.percent is None:
            return
        if self.status == ProgressStatus.COMPLETED and self.percent != 100:
            raise ValidationError({"percent": _("A completed project is at 100%.")})
        if self.status != ProgressStatus.COMPLETED and self.percent == 100:
            raise ValidationError({"status": _("At 100% the status is “completed”.")})
        if self.status == ProgressStatus.NOT_STARTED and self.percent != 0:
            raise ValidationError({"percent": _("A project that has not started is at 0%.")})
