"""The admin home's box of review work: what came back to an editor, what waits for the office."""

from django import template
from django.apps import apps
from django.utils import timezone
from django.utils.timesince import timesince

from review.models import ReviewedModel
from review.service import publishes_directly, work_of

register = template.Library()


@register.inclusion_tag("admin/review/review_work.html", takes_context=True)
def review_work(context):
    user = context["request"].user
    work = work_of(user)
    if work["oldest"] is not None:
        work["oldest_waited"] = timesince(work["oldest"], timezone.now())
    return {"work": work, "submits": submits_for_review(user)}


def submits_for_review(user) -> bool:
    """Whether ``user``'s changes go to review: not for whoever publishes directly (their box is
    the queue alone), nor for whoever may add or change no reviewed record (leaders)."""
    if publishes_directly(user):
        return False
    return any(
        user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")
        for model in apps.get_models()
        if issubclass(model, ReviewedModel)
        for action in ("add", "change")
    )
