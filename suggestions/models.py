"""百姓点菜 and 百姓监督: citizens' suggestions of deeds and their ratings of finished ones.

Nothing a citizen sends is public before staff moderate it. The contact a citizen
may leave is for staff only: no public page, open dataset or log line shows it.
The sender's address is kept only as a keyed hash (for rate limits and abuse
review) and removed after ``SUGGESTION_ADDRESS_RETENTION_DAYS`` by
``manage.py forget_citizen_addresses``.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from notifications.models import Kind
from notifications.services import Recipient, notify
from projects.models import Project, Round
from review import service as review
from units.dates import today
from units.models import Unit
from units.scoping import UnitScopedQuerySet

# No 0/O, 1/I/L: a reference is read out over the phone and typed on a phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "JY"


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


class SuggestionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    CONVERTED = "converted", _("Made into a project")
    DECLINED = "declined", _("Not adopted")
    MERGED = "merged", _("Merged into another suggestion")


class SuggestionQuerySet(UnitScopedQuerySet):
    unit_path = "unit"

    def published(self):
        """What the public sees: moderated suggestions, without those merged into another."""
        return self.filter(is_published=True).exclude(status=SuggestionStatus.MERGED)


class Suggestion(models.Model):
    reference = models.CharField(
        _("reference number"), max_length=12, unique=True, default=new_reference, editable=False
    )
    what = models.CharField(_("what is needed"), max_length=200)
    place = models.CharField(_("where (village or community)"), max_length=100)
    why = models.TextField(_("why"), max_length=2000)
    # Staff only: never on a public page, in open data or in a log.
    contact = models.CharField(_("contact (private)"), max_length=100, blank=True)
    address_hash = models.CharField(_("sender address (hashed)"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=12, choices=SuggestionStatus.choices, default=SuggestionStatus.RECEIVED
    )
    is_published = models.BooleanField(
        _("published"), default=False, help_text=_("Only moderated suggestions are shown to the public.")
    )
    public_reason = models.TextField(
        _("reason shown publicly"), blank=True, help_text=_("Required when the suggestion is not adopted.")
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
    )
    # On the suggestion side, so the projects app never needs to know about suggestions.
    project = models.ForeignKey(
        Project,
        verbose_name=_("project made from it"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_suggestions",
    )
    support_count = models.PositiveIntegerField(_("supporters"), default=0, editable=False)
    redacted = models.BooleanField(
        _("personal data hidden by the office"),
        default=False,
        editable=False,
        help_text=_("The public page says that something was hidden."),
    )

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("citizen suggestion")
        verbose_name_plural = _("citizen suggestions (百姓点菜)")
        ordering = ["-created_at", "-pk"]
        # Publishing, hiding, declining and merging are the office's (suggestions.moderation).
        permissions = [("moderate_suggestion", _("Can moderate citizen suggestions"))]

    def __str__(self) -> str:
        return f"{self.reference} {self.what}"

    def save(self, *args, **kwargs):
        # Every door that changes the status (the form, merging, making a project) saves here.
        before = None
        if self.pk is not None:
            before = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
        super().save(*args, **kwargs)
        if before is not None and before != self.status:
            tell_citizen(self)

    @property
    def is_public(self) -> bool:
        return self.is_published and self.status != SuggestionStatus.MERGED

    @property
    def contact_email(self) -> str:
        """The contact, when the citizen left an e-mail address there (else a phone or nothing)."""
        try:
            validate_email(self.contact.strip())
        except ValidationError:
            return ""
        return self.contact.strip()

    def clean(self):
        if self.status == SuggestionStatus.DECLINED and not self.public_reason.strip():
            raise ValidationError(
                {"public_reason": _("Give the public reason for not adopting the suggestion.")}
            )
        # Merging and conversion are admin actions that also move supporters or create the project.
        if self.status == SuggestionStatus.MERGED and not self.merged_into_id:
            raise ValidationError({"status": _("Merge duplicates with the list action “merge”.")})
        if self.status == SuggestionStatus.CONVERTED and not self.project_id:
            raise ValidationError({"status": _("Make a project with the list action; it records the link.")})
        if self.merged_into_id and self.merged_into_id == self.pk:
            raise ValidationError({"merged_into": _("A suggestion cannot be merged into itself.")})


def tell_citizen(suggestion: Suggestion) -> None:
    """The citizen who left an e-mail address learns their suggestion's new status."""
    email = suggestion.contact_email
    if not email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "reference": suggestion.reference,
            "status": suggestion.get_status_display(),
            "reason": suggestion.public_reason.strip(),
        }
        subject = gettext("Your suggestion %(reference)s: %(status)s") % values
        body = gettext("The status of your suggestion %(reference)s is now: %(status)s.") % values
        if suggestion.status == SuggestionStatus.DECLINED and values["reason"]:
            body += "\n\n" + gettext("The reason: %(reason)s") % values
        body += "\n\n" + gettext("Look it up with its reference number on the portal's 百姓点菜 page.")
    notify(Kind.SUGGESTION_STATUS, Recipient(email=email), subject, body, key="")


class Support(models.Model):
    """One browser's support of a suggestion (the browser is a random id it holds in a cookie).

    A browser that drops its cookie is a new browser, so supports are also counted per
    sender address (``SUGGESTION_SUPPORTS_PER_ADDRESS`` for one suggestion)."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="supports")
    browser = models.CharField(max_length=64)  # a hash of the browser's random id
    address_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "browser"], name="support_once_per_browser")
        ]

    def __str__(self) -> str:
        return f"{self.suggestion_id} · {self.created_at:%Y-%m-%d}"


def add_support(suggestion: Suggestion, *, browser: str, address: str, per_address: int) -> str:
    """Count one browser's support: "counted", "already" (this browser did) or "address_full"."""
    if suggestion.supports.filter(browser=browser).exists():
        return "already"
    if per_address and suggestion.supports.filter(address_hash=address).count() >= per_address:
        return "address_full"
    try:
        with transaction.atomic():
            Support.objects.create(suggestion=suggestion, browser=browser, address_hash=address)
    except IntegrityError:  # the same browser's second click, at the same moment
        return "already"
    recount_support(suggestion)
    return "counted"


def recount_support(suggestion: Suggestion) -> None:
    Suggestion.objects.filter(pk=suggestion.pk).update(support_count=suggestion.supports.count())
    suggestion.refresh_from_db(fields=["support_count"])


@transaction.atomic
def merge(duplicate: Suggestion, into: Suggestion) -> None:
    """Merge ``duplicate`` into ``into``: its supporters count for ``into``, once per browser."""
    if duplicate.pk == into.pk:
        raise ValueError("a suggestion cannot be merged into itself")
    while into.merged_into_id:  # merging into a merged one means merging into where it went
        into = into.merged_into
    already = set(into.supports.values_list("browser", flat=True))
    duplicate.supports.exclude(browser__in=already).update(suggestion=into)
    duplicate.supports.all().delete()
    Suggestion.objects.filter(merged_into=duplicate).update(merged_into=into)
    duplicate.status = SuggestionStatus.MERGED
    duplicate.merged_into = into
    duplicate.save()
    recount_support(duplicate)
    recount_support(into)
    into.save()  # a model save, so the public pages are renewed


@transaction.atomic
def make_project(suggestion: Suggestion, user=None, **project_fields) -> Project:
    """Turn a suggestion into a project of a round; the two pages link each other.

    Made by a unit editor, the project waits for the office's review (``review.service``)."""
    fields = {
        "title": suggestion.what,
        "description": suggestion.why,
        "unit": suggestion.unit,
        "demand_source": Project.DemandSource.CITIZEN,
    }
    fields.update(project_fields)
    project = Project(**fields)
    review.save_new(project, user)
    suggestion.project = project
    suggestion.status = SuggestionStatus.CONVERTED
    suggestion.unit = project.unit
    suggestion.save()
    return project


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    FAIRLY = "fairly", _("Fairly satisfied")
    UNSATISFIED = "unsatisfied", _("Not satisfied")


class RatingQuerySet(UnitScopedQuerySet):
    unit_path = "project__unit"

    def given_by(self, on: datetime.date | None = None):
        """Ratings given by the end of ``on`` (a Beijing-time day; default today): what every
        figure of ratings "as of a date" counts, on the project page and in the workbook."""
        return self.filter(created_at__date__lte=on or today())


class Rating(models.Model):
    """A citizen's rating of a completed project; its comment is public only once approved."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="ratings"
    )
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices)
    comment = models.TextField(_("comment"), max_length=500, blank=True)
    comment_approved = models.BooleanField(_("comment shown publicly"), default=False)
    redacted = models.BooleanField(
        _("personal data hidden by the office"),
        default=False,
        editable=False,
        help_text=_("The public page says that something was hidden."),
    )
    unit_reply = models.TextField(
        _("the unit's public reply"),
        max_length=500,
        blank=True,
        help_text=_("Shown under the comment, as the responsible unit's answer, once the comment is public."),
    )
    address_hash = models.CharField(_("sender address (hashed)"), max_length=64, blank=True, editable=False)
    # A hash of the rating browser's random id: one rating per browser and project.
    browser_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("citizen rating")
        verbose_name_plural = _("citizen ratings (百姓监督)")
        ordering = ["-created_at", "-pk"]
        # Showing, hiding and redacting comments are the office's (suggestions.moderation).
        permissions = [("moderate_rating", _("Can moderate citizen ratings"))]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "browser_hash"],
                condition=~models.Q(browser_hash=""),
                name="rating_once_per_browser",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_satisfaction_display()}"


@transaction.atomic
def save_rating(project, *, browser: str, address: str, satisfaction: str, comment: str, per_address: int):
    """A browser's rating of a project: its first, or one that replaces its earlier rating.

    Returns ``(rating, replaced)``; ``rating`` is None when the sender's address already
    rated the project ``per_address`` times from other browsers (nothing is written)."""
    earlier = Rating.objects.select_for_update().filter(project=project, browser_hash=browser).first()
    if earlier is None:
        if (
            per_address
            and Rating.objects.filter(project=project, address_hash=address).count() >= per_address
        ):
            return None, False
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    project=project,
                    browser_hash=browser,
                    address_hash=address,
                    satisfaction=satisfaction,
                    comment=comment,
                )
            return rating, False
        except IntegrityError:  # the same browser's rating sent twice at the same moment
            earlier = Rating.objects.select_for_update().get(project=project, browser_hash=browser)
    earlier.satisfaction = satisfaction
    if comment != earlier.comment:
        # A new comment is unread: it waits for the office like any other.
        earlier.comment = comment
        earlier.comment_approved = False
        earlier.redacted = False
        earlier.unit_reply = ""  # it answered the earlier comment
    earlier.address_hash = address
    earlier.created_at = timezone.now()
    earlier.save()
    return earlier, True


def satisfaction_figures(project, on: datetime.date | None = None) -> dict:
    """Counts per answer and the rates (via units.rates) as of ``on`` (default today), for a
    project page; the monthly workbook counts by the same rule (``given_by``)."""
    from units.rates import percentage

    counts = dict(
        Rating.objects.given_by(on)
        .filter(project=project)
        .values_list("satisfaction")
        .annotate(n=models.Count("pk"))
        .values_list("satisfaction", "n")
    )
    total = sum(counts.values())
    rows = [
        {
            "key": value,
            "label": label,
            "count": counts.get(value, 0),
            "percent": percentage(counts.get(value, 0), total),
        }
        for value, label in Satisfaction.choices
    ]
    satisfied = counts.get(Satisfaction.SATISFIED, 0) + counts.get(Satisfaction.FAIRLY, 0)
    return {"total": total, "rows": rows, "satisfaction_rate": percentage(satisfied, total)}


class Consultation(models.Model):
    """How a round was chosen with the public: a forum, a letter seeking opinions, a field visit."""

    class Kind(models.TextChoices):
        FORUM = "forum", _("Forum (座谈会)")
        LETTER = "letter", _("Letter seeking opinions (征求意见函)")
        VISIT = "visit", _("Field visit (走访调研)")

    round = models.ForeignKey(
        Round, verbose_name=_("round (批次)"), on_delete=models.CASCADE, related_name="consultations"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=100)
    people_reached = models.PositiveIntegerField(_("people reached"))
    suggestions_collected = models.PositiveIntegerField(_("suggestions collected"))

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations behind the rounds")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.round} · {self.get_kind_display()} · {self.date}"
