"""Review before publishing becomes an app of its own; its table stays where it is.

``ReviewRequest`` was made by ``units`` (units 0003_review, table ``units_reviewrequest``):
this migration only tells Django's model state that the model now belongs to ``review``
(the matching state-only removal is units 0005), so the submissions already made are kept.
The model's content type is renamed rather than made anew, so its permissions
(``review.view_reviewrequest``, ``review.decide_reviewrequest``), the roles and users given
them, and the audit entries that name a submission all stay attached.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED_MODEL = "reviewrequest"


def _rename_content_type(apps, old_label, new_label):
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label=old_label, model=MOVED_MODEL)
    if not old.exists():
        return  # a fresh database: the content type is made after migrating, under review
    if ContentType.objects.filter(app_label=new_label, model=MOVED_MODEL).exists():
        return  # already there (never made by this project's migrations): leave both to the office
    old.update(app_label=new_label)
    # Lookups cached under the old label would name a content type that no longer exists.
    ContentType.objects.clear_cache()
    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    CurrentContentType.objects.clear_cache()


def content_type_to_review(apps, schema_editor):
    _rename_content_type(apps, "units", "review")


def content_type_back_to_units(apps, schema_editor):
    _rename_content_type(apps, "review", "units")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("units", "0003_review"),  # the table was made there
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReviewRequest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("object_id", models.PositiveBigIntegerField(verbose_name="record id")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("new", "New record"),
                                    ("update", "Progress update"),
                                    ("photo", "Photo"),
                                    ("change", "Change of an approved record"),
                                ],
                                max_length=10,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending review (待审核)"),
                                    ("approved", "Approved (已通过)"),
                                    ("returned", "Sent back (已退回)"),
                                ],
                                db_index=True,
                                default="pending",
                                max_length=10,
                                verbose_name="status",
                            ),
                        ),
                        ("summary", models.CharField(blank=True, max_length=200, verbose_name="record")),
                        ("proposed", models.JSONField(blank=True, default=dict, verbose_name="proposed values")),
                        (
                            "proposed_file",
                            models.CharField(
                                blank=True, db_index=True, max_length=255, verbose_name="proposed file"
                            ),
                        ),
                        (
                            "submitted_at",
                            models.DateTimeField(
                                db_index=True, default=django.utils.timezone.now, verbose_name="submitted at"
                            ),
                        ),
                        ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="decided at")),
                        ("comment", models.TextField(blank=True, verbose_name="comment")),
                        (
                            "content_type",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                to="contenttypes.contenttype",
                                verbose_name="record type",
                            ),
                        ),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="decided by",
                            ),
                        ),
                        (
                            "submitted_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="submitted by",
                            ),
                        ),
                        (
                            "unit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="review_requests",
                                to="units.unit",
                                verbose_name="unit",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "submission for review",
                        "verbose_name_plural": "review queue (待审核)",
                        "db_table": "units_reviewrequest",
                        "ordering": ["submitted_at", "pk"],
                        "permissions": [("decide_reviewrequest", "Can approve or send back submissions")],
                        "default_permissions": ["view"],
                        "indexes": [models.Index(fields=["content_type", "object_id"], name="review_target_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_review, content_type_back_to_units),
    ]
