"""The import jobs' model is the ``imports`` app's now; its table stays where it is."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0004_ledger_import"),
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="LedgerImport")],
            database_operations=[],
        ),
    ]
