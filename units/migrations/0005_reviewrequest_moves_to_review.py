"""``ReviewRequest`` now belongs to the review app (review 0001_initial): removed from units'
model state only; its table ``units_reviewrequest`` and every row in it stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0004_ledger_import"),
        # The review app takes the model over before units lets it go.
        ("review", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ReviewRequest")],
            database_operations=[],
        ),
    ]
