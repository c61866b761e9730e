"""Models of the volunteers' self-service: personal links, check-ins at the post, each unit's rules.

Volunteers have no accounts. A volunteer's personal link carries a token that is the
only thing proving who they are; see ``volunteers.self_service`` for how it is made.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.models import Unit
from units.scoping import UnitScopedQuerySet

from .models import Assignment, Volunteer

DEFAULT_CANCEL_HOURS = 12


class PersonalLinkQuerySet(UnitScopedQuerySet):
    unit_path = "volunteer__unit"


class PersonalLink(models.Model):
    """The volunteer's current personal link. Regenerating replaces the row: the old link is dead.

    The token itself is not stored. ``nonce`` is random; the token is an HMAC of it under
    SECRET_KEY, so the coordinator's page can show the link again, while a copy of the
    database alone gives nobody a working link. ``digest`` (SHA-256 of the token) is how
    a request finds the row.
    """

    volunteer = models.OneToOneField(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="personal_link"
    )
    nonce = models.CharField(max_length=64, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )

    objects = PersonalLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal link")
        verbose_name_plural = _("personal links")

    def __str__(self) -> str:
        return str(self.volunteer)


class CheckInQuerySet(UnitScopedQuerySet):
    unit_path = "assignment__shift__post__unit"


class CheckIn(models.Model):
    """A volunteer checked in at the post with their phone. Attendance is still the coordinator's call."""

    # One row per booking: the database refuses a second check-in.
    assignment = models.OneToOneField(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="check_in"
    )
    at = models.DateTimeField(_("checked in at"), default=timezone.now)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")

    def __str__(self) -> str:
        return f"{self.assignment} · {timezone.localtime(self.at):%H:%M}"


class SelfServiceRulesQuerySet(UnitScopedQuerySet):
    unit_path = "unit"


class SelfServiceRules(models.Model):
    """A unit's rules for volunteers who book themselves, and how citizens reach its coordinator."""

    unit = models.OneToOneField(
        Unit, verbose_name=_("unit or branch"), on_delete=models.CASCADE, related_name="volunteer_rules"
    )
    contact = models.CharField(
        _("how to join"),
        max_length=200,
        blank=True,
        help_text=_("Public on the join page: e.g. the coordinating office's phone and room."),
    )
    cancel_hours_before = models.PositiveSmallIntegerField(
        _("cancel up to (hours before the shift)"),
        default=DEFAULT_CANCEL_HOURS,
        help_text=_("Volunteers cancel a booking themselves up to this many hours before it starts."),
    )

    objects = SelfServiceRulesQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer self-service rules")
        verbose_name_plural = _("volunteer self-service rules")

    def __str__(self) -> str:
        return str(self.unit)
