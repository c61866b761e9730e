from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UnitQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Unit(models.Model):
    """责任单位: the office's party committee, a party branch or a department."""

    class Kind(models.TextChoices):
        PARTY_COMMITTEE = "party_committee", _("Party committee (机关党委)")
        PARTY_BRANCH = "party_branch", _("Party branch (支部)")
        DEPARTMENT = "department", _("Department (科室/部门)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff members"),
        related_name="units",
        blank=True,
        help_text=_("Staff who keep this unit's ledgers. A unit editor sees only the rows of their units."),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["sort_order", "name"]
        permissions = [
            ("access_all_units", _("Can see the records of every unit")),
        ]

    def __str__(self) -> str:
        return self.name


# Sent by a ledger import that wrote rows with bulk_create/bulk_update (``units.resources``),
# which send no post_save: ``sender`` the model, ``instances`` the rows written. A receiver of
# post_save that keeps something derived from a model's rows listens to this as well.
rows_written_in_bulk = Signal()


class LockVersionedModel(models.Model):
    """A row with a version number, so concurrent edits are detected, not lost.

    The admin form sends back the version it was built from; a save whose
    version is no longer current is refused (see ``units.admin.LockVersionForm``).
    """

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.prepare_save()
        updating = self.pk is not None and not self._state.adding
        if updating:
            # Counted by the database, not from this instance: an instance rebuilt
            # from history (a restore) carries no meaningful version of its own.
            self.version = models.F("version") + 1
        super().save(*args, **kwargs)
        if updating:
            self.refresh_from_db(fields=["version"])

    def prepare_save(self) -> None:
        """What a model does to its values before it is written; also run before a ledger
        import writes rows in bulk (``units.resources``), which calls no ``save()``."""


class ReviewStatus(models.TextChoices):
    """Where a public record stands in review before publishing."""

    PENDING = "pending", _("Pending review (待审核)")
    APPROVED = "approved", _("Approved (已通过)")
    RETURNED = "returned", _("Sent back (已退回)")


class ReviewedModel(models.Model):
    """A record citizens see only once the office approved it (see ``units.review``).

    Rows written by code that does not go through a door of the portal (demo data,
    management commands) are approved; the doors a unit editor uses (admin form,
    inline, import) make an editor's new row pending and turn an editor's change
    of an approved row into a submission.
    """

    review_status = models.CharField(
        _("review"),
        max_length=10,
        choices=ReviewStatus.choices,
        default=ReviewStatus.APPROVED,
        editable=False,
        db_index=True,
    )

    class Meta:
        abstract = True

    @property
    def is_approved(self) -> bool:
        return self.review_status == ReviewStatus.APPROVED

    @property
    def affects_public_pages(self) -> bool:
        """Saving a row that is not approved changes no public page (``units.public_pages``)."""
        return self.is_approved

    @property
    def is_shown_to_citizens(self) -> bool:
        """Whether the public pages show this row; a model with more to it than approval
        (a public flag, a parent that must be shown too) says so."""
        return self.is_approved


class ReviewRequestQuerySet(models.QuerySet):
    unit_path = "unit"

    def for_user(self, user):
        from .scoping import scope_queryset

        return scope_queryset(self, user, self.unit_path)

    def pending(self):
        return self.filter(status=ReviewStatus.PENDING)


class ReviewRequest(models.Model):
    """One submission waiting for (or given) the office's decision: 待审核 → 已通过 / 已退回."""

    class Kind(models.TextChoices):
        NEW = "new", _("New record")
        UPDATE = "update", _("Progress update")
        PHOTO = "photo", _("Photo")
        CHANGE = "change", _("Change of an approved record")

    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("record type"), on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    target = GenericForeignKey("content_type", "object_id")
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="review_requests"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    summary = models.CharField(_("record"), max_length=200, blank=True)
    # For a change of an approved record: {field name: proposed value}, as text.
    proposed = models.JSONField(_("proposed values"), default=dict, blank=True)
    # A proposed new photo, kept privately (``review/…``) until the decision.
    proposed_file = models.CharField(_("proposed file"), max_length=255, blank=True, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    objects = ReviewRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("submission for review")
        verbose_name_plural = _("review queue (待审核)")
        ordering = ["submitted_at", "pk"]
        default_permissions = ["view"]
        permissions = [("decide_reviewrequest", _("Can approve or send back submissions"))]
        indexes = [models.Index(fields=["content_type", "object_id"], name="review_target_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.summary}"


class LedgerImport(models.Model):
    """One spreadsheet uploaded into a ledger: checked in a background job, then, once its
    uploader confirms the preview, imported all or nothing in another (``units.tasks``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked, waiting for confirmation")
        REFUSED = "refused", _("Refused, nothing written")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed, nothing written")

    RUNNING = (Status.QUEUED, Status.CHECKING, Status.IMPORTING)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ledger = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("ledger"), on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.PositiveSmallIntegerField(default=0)  # position in the admin's import_formats
    resource_index = models.PositiveSmallIntegerField(default=0)
    pending_name = models.CharField(max_length=64, blank=True)  # units.pending_imports token
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    new = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # [[line or null, message], …]: what the importer reads, never a traceback.
    errors = models.JSONField(default=list, blank=True)
    # The first rows of the dry run's diff: {"headers": […], "rows": [[type, [cells…]], …]}.
    preview = models.JSONField(default=dict, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # When the worker took up the check or the import: a job still running long after its
    # time budget has lost its worker (see units.tasks.give_up_stalled_jobs).
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def totals(self) -> dict:
        """The counts under django-import-export's names."""
        return {"new": self.new, "update": self.updated, "skip": self.unchanged, "error": self.error_count}
