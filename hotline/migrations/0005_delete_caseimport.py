"""The case imports are import jobs now (``imports`` 0003 moved them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("hotline", "0004_caseimport_started_at"),
        ("imports", "0003_case_imports_into_jobs"),
    ]

    operations = [migrations.DeleteModel(name="CaseImport")]
