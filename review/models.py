"""Review before publishing (发布前审核): the state a public record is in, and the queue of
submissions the office decides (``review.service`` holds the rules)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import Unit
from units.scoping import scope_queryset


class ReviewStatus(models.TextChoices):
    """Where a public record stands in review before publishing."""

    PENDING = "pending", _("Pending review (待审核)")
    APPROVED = "approved", _("Approved (已通过)")
    RETURNED = "returned", _("Sent back (已退回)")


class ReviewedModel(models.Model):
    """A record citizens see only once the office approved it (see ``review.service``).

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

    # A restore from history puts back a row's values, never its review state: a pending or
    # sent-back row is not published by a restore (``units.history``).
    kept_on_restore = ("review_status",)

    class Meta:
        abstract = True

    @classmethod
    def import_notice(cls, user) -> str:
        """What an importer of this ledger is told on the preview and after confirming
        (``units.admin.review_notice``): their rows wait for the office, unless they publish directly."""
        from .service import publishes_directly

        if publishes_directly(user):
            return ""
        return str(
            _(
                "The imported rows go to the office for review (待审核): new rows and changes of approved "
                "rows are not public until the office approves them."
            )
        )

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
        # Made in ``units`` before review was an app of its own: the table keeps its name, so
        # the submissions already made stay where they are.
        db_table = "units_reviewrequest"
        verbose_name = _("submission for review")
        verbose_name_plural = _("review queue (待审核)")
        ordering = ["submitted_at", "pk"]
        default_permissions = ["view"]
        permissions = [("decide_reviewrequest", _("Can approve or send back submissions"))]
        indexes = [models.Index(fields=["content_type", "object_id"], name="review_target_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.summary}"
