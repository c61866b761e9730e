from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IssuedWorkbook(models.Model):
    """每月调度表: a monthly workbook as it was issued, kept so exactly that file can be had again."""

    class Via(models.TextChoices):
        ADMIN = "admin", _("downloaded in the admin")
        COMMAND = "command", _("written by the monthly_report command")

    month = models.DateField(_("month"), help_text=_("The first day of the month the workbook covers."))
    made_at = models.DateTimeField(_("made at"), auto_now_add=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    via = models.CharField(_("made through"), max_length=10, choices=Via.choices)
    scope = models.CharField(_("units covered"), max_length=300)
    # "all", or the sorted ids of the units an editor's workbook was limited to.
    scope_key = models.CharField(max_length=200, editable=False)
    figures = models.JSONField(_("figures"), default=dict, editable=False)
    differences = models.JSONField(
        _("differences from the previous issue of this month"), default=list, editable=False
    )
    content = models.BinaryField(_("workbook file"), editable=False)

    class Meta:
        verbose_name = _("issued monthly workbook")
        verbose_name_plural = _("issued monthly workbooks")
        ordering = ["-made_at", "-pk"]
        permissions = [("download_workbook", _("Can make and download the monthly workbook"))]
        indexes = [models.Index(fields=["month", "scope_key", "made_at"], name="issued_month_scope_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {timezone.localtime(self.made_at):%Y-%m-%d %H:%M}"

    @property
    def filename(self) -> str:
        return f"monthly-report-{self.month:%Y-%m}.xlsx"


class EnrolmentCode(models.Model):
    """启用码: the one-time code the office hands a staff member to set up their second factor.

    Issued when the office resets a second factor (or sets one up for a new colleague); only its
    hash is kept. Without it, a password alone cannot enrol a new authenticator app.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="enrolment_code",
    )
    code_hash = models.CharField(max_length=128, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    failed_attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("second-factor enrolment code")
        verbose_name_plural = _("second-factor enrolment codes")

    def __str__(self) -> str:
        return str(self.user)
