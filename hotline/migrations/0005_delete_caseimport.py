"""The case imports are import jobs now (``imports`` 0002 moved them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("hotline", "0004_caseimport_started_at"),
        ("imports", "0002_one_job_model"),
    ]

    operations = [migrations.DeleteModel(name="CaseImport")]
