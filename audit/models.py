from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One audited action. Written only through ``audit.records.record``; never edited."""

    class Action(models.TextChoices):
        SIGN_IN = "sign_in", _("Sign-in")
        FAILED_SIGN_IN = "failed_sign_in", _("Failed sign-in")
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")
        WORKBOOK_DOWNLOAD = "workbook_download", _("Workbook download")
        RESTORE = "restore", _("Restore from history")
        # Review before publishing: the office's two decisions are told apart in the trail.
        # "approval" named both before they were; older entries keep it (their details say which).
        APPROVAL = "approval", _("Approval")
        REVIEW_APPROVED = "review_approved", _("Review: approved")
        REVIEW_SENT_BACK = "review_sent_back", _("Review: sent back")
        ROLE_CHANGE = "role_change", _("Role change")
        MEMBERSHIP_CHANGE = "membership_change", _("Unit-membership change")
        SECOND_FACTOR_RESET = "second_factor_reset", _("Second-factor reset")
        MODERATION = "moderation", _("Moderation of citizens' feedback")

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # The account may be deleted later; the name it had stays on the entry.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices, db_index=True)
    object_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), null=True, blank=True, on_delete=models.SET_NULL
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    target = GenericForeignKey("object_type", "object_id")

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-time", "-pk"]
        default_permissions = ["view"]
        permissions = [("export_auditentry", _("Can export the audit log"))]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.username or '-'}"
