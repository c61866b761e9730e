"""The ledgers' import jobs move here from ``units`` (their table stays: no job is lost)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("units", "0004_ledger_import"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("file_name", models.CharField(max_length=255, verbose_name="file name")),
                        ("file_format", models.PositiveSmallIntegerField(default=0)),
                        ("resource_index", models.PositiveSmallIntegerField(default=0)),
                        ("pending_name", models.CharField(blank=True, max_length=64)),
                        ("status", models.CharField(choices=[("queued", "Queued"), ("checking", "Checking"), ("checked", "Checked, waiting for confirmation"), ("refused", "Refused, nothing written"), ("importing", "Importing"), ("done", "Imported"), ("failed", "Failed, nothing written")], default="queued", max_length=10, verbose_name="status")),
                        ("new", models.PositiveIntegerField(default=0, verbose_name="new")),
                        ("updated", models.PositiveIntegerField(default=0, verbose_name="updated")),
                        ("unchanged", models.PositiveIntegerField(default=0, verbose_name="unchanged")),
                        ("error_count", models.PositiveIntegerField(default=0, verbose_name="errors")),
                        ("errors", models.JSONField(blank=True, default=list)),
                        ("preview", models.JSONField(blank=True, default=dict)),
                        ("rows_done", models.PositiveIntegerField(default=0, verbose_name="rows done")),
                        ("rows_total", models.PositiveIntegerField(default=0, verbose_name="rows")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="uploaded at")),
                        ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started at")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                        ("created_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="uploaded by")),
                        ("ledger", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="contenttypes.contenttype", verbose_name="ledger")),
                    ],
                    options={
                        "verbose_name": "spreadsheet import",
                        "verbose_name_plural": "spreadsheet imports",
                        "ordering": ["-created_at", "-pk"],
                        "db_table": "units_ledgerimport",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
