from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    """Review before publishing (发布前审核): a unit editor's change to anything public waits
    for the office's decision."""

    name = "review"
    verbose_name = _("Review before publishing")
    # A portal app: leaders read the queue (units.roles); the office decides.
    role_permissions: dict[str, list[str]] = {}
    # The photo of a change waiting for review: only staff of its unit and the office.
    media_handlers = {"review/": "review.service.serve_proposed_file"}

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_delete

        from .models import ReviewedModel
        from .service import forget_deleted

        for model in apps.get_models():
            if issubclass(model, ReviewedModel):
                post_delete.connect(
                    forget_deleted, sender=model, dispatch_uid=f"review.service:{model._meta.label}"
                )
