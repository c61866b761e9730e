"""Once a day (deploy/systemd/deeds-portal-notify-review-queue.timer): each office administrator
is told how many submissions wait for their decision and how long the oldest has waited."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from notifications.models import Kind
from notifications.services import Recipient, notify
from review.service import work_of


class Command(BaseCommand):
    help = "Tell each office administrator how many submissions wait for review (once a day)."

    def handle(self, *args, **options):
        deciders = (
            get_user_model()
            .objects.filter(
                Q(is_superuser=True)
                | Q(
                    groups__permissions__codename="decide_reviewrequest",
                    groups__permissions__content_type__app_label="review",
                )
                | Q(user_permissions__codename="decide_reviewrequest"),
                is_active=True,
                is_staff=True,
            )
            .distinct()
        )
        today = timezone.localdate()
        told = 0
        for user in deciders:
            work = work_of(user)
            if not work["queue"]:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                values = {"count": work["queue"], "waited": timesince(work["oldest"], timezone.now())}
                subject = _("%(count)s submissions wait for your review") % values
                body = (
                    _(
                        "%(count)s submissions wait for your review; the oldest has waited %(waited)s. "
                        "Open the review queue (待审核) in the admin to decide them."
                    )
                    % values
                )
            made = notify(
                Kind.REVIEW_QUEUE,
                Recipient.of_user(user),
                subject,
                body,
                key=f"review-queue:{today}:{user.pk}",
            )
            told += bool(made)
        self.stdout.write(f"{told} told")
