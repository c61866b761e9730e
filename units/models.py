from django.conf import settings
from django.db import models
from django.dispatch import Signal
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


# Sent by a ledger import that wrote rows with bulk_create/bulk_update (``imports.resources``),
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
        import writes rows in bulk (``imports.resources``), which calls no ``save()``."""
