"""Create the portal's roles, so a fresh database has them.

Their permissions are applied after migrate by ``units.roles.sync_role_permissions``
(permissions of later apps do not exist yet while this migration runs).
"""

from django.db import migrations

ROLES = ["办公室管理员", "单位台账员", "领导", "志愿服务协调员"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
