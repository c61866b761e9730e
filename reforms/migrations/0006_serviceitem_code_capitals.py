"""Codes in capitals before they become unique whatever the case (0007)."""

from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Trim, Upper


def codes_in_capitals(apps, schema_editor):
    ServiceItem = apps.get_model("reforms", "ServiceItem")
    same = (
        ServiceItem.objects.annotate(normal=Upper(Trim("code")))
        .values("normal")
        .annotate(items=Count("pk"))
        .filter(items__gt=1)
        .values_list("normal", flat=True)
    )
    if same:
        # Two items under one code are one item typed twice: a person decides which stays.
        raise RuntimeError(
            "These service-item codes are used by more than one item once capitals and small "
            f"letters are taken as the same: {', '.join(sorted(same))}. Merge or recode those "
            "items in the admin, then run migrate again."
        )
    ServiceItem.objects.update(code=Upper(Trim("code")))


class Migration(migrations.Migration):
    dependencies = [
        ("reforms", "0005_batch_figures_index"),
    ]

    operations = [migrations.RunPython(codes_in_capitals, migrations.RunPython.noop)]
