"""The service types the article names, so a fresh portal can be used at once."""

from django.db import migrations

SERVICE_TYPES = [
    ("三导", "文明交通劝导 / 文明行为引导 / 文明旅游督导", 10),
    ("反诈骗宣传", "深入小区社区开展反诈骗宣传", 20),
    ("法律咨询", "为群众解答法律疑问", 30),
]


def add(apps, schema_editor):
    ServiceType = apps.get_model("volunteers", "ServiceType")
    for name, description, order in SERVICE_TYPES:
        ServiceType.objects.get_or_create(name=name, defaults={"description": description, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0002_no_double_booking")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
