"""The admin home's box of review work: what came back to an editor, what waits for the office."""

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from units.review import publishes_directly, work_of

register = template.Library()


@register.inclusion_tag("admin/units/review_work.html", takes_context=True)
def review_work(context):
    user = context["request"].user
    work = work_of(user)
    if work["oldest"] is not None:
        work["oldest_waited"] = timesince(work["oldest"], timezone.now())
    # Whoever publishes directly submits nothing: their box is the queue alone.
    return {"work": work, "submits": not publishes_directly(user)}
