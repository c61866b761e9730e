from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One spreadsheet uploaded into a ledger (导入任务): checked in a background job, then, once
    its uploader confirms the preview, imported all or nothing in another (``imports.tasks``).

    Every kind of file is one of these: a ledger's sheet (项目台账, 事项目录, …) and the
    hotline platform's case export (工单) alike; the ledger's registered engine
    (``imports.engines``) reads and writes the rows.
    """

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
    # Who confirmed the import (the uploader, or for the case export anyone who may import it).
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ledger = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("ledger"), on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.PositiveSmallIntegerField(default=0)  # position in the engine's formats
    pending_name = models.CharField(max_length=64, blank=True)  # imports.pending token
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    new = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # [[line or null, message], …]: what the importer reads, never a traceback.
    errors = models.JSONField(default=list, blank=True)
    # The first rows of the check: {"headers": […], "rows": [[type, [cells…]], …]}.
    preview = models.JSONField(default=dict, blank=True)
    # What the engine adds to its summary (the case export's column mapping, months touched…):
    # never a cell of the file.
    details = models.JSONField(default=dict, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)
    # When the worker took up the check or the import: a job still running long after its
    # time budget has lost its worker (see imports.tasks.give_up_stalled_jobs).
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        # The table of the ledgers' jobs before the case export joined them: moved, not copied.
        db_table = "units_ledgerimport"
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
