"""The portal's roles (Django groups) and their permissions.

The groups are created by a data migration; their permissions are (re)applied
after every ``migrate``. Each domain app declares what its roles may do with a
``role_permissions`` attribute on its AppConfig, so this module never imports
or names the domain apps: an app with that attribute is a portal app, whose
rows the leader may read and export.
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

OFFICE_ADMIN = "办公室管理员"
UNIT_EDITOR = "单位台账员"
LEADER = "领导"
VOLUNTEER_COORDINATOR = "志愿服务协调员"
ROLES = [OFFICE_ADMIN, UNIT_EDITOR, LEADER, VOLUNTEER_COORDINATOR]


def portal_app_labels() -> list[str]:
    """Apps that declare ``role_permissions`` (possibly empty) on their AppConfig."""
    return [config.label for config in apps.get_app_configs() if hasattr(config, "role_permissions")]


def _declared(role: str) -> Q:
    """Permissions that app configs declare for ``role``: {role: ["app.codename", …]}."""
    query = Q(pk__in=[])
    for config in apps.get_app_configs():
        for dotted in getattr(config, "role_permissions", {}).get(role, []):
            app_label, codename = dotted.split(".", 1)
            query |= Q(content_type__app_label=app_label, codename=codename)
    return query


def permissions_for(role: str):
    perms = Permission.objects.all()
    if role == OFFICE_ADMIN:
        return perms
    if role == LEADER:
        # Read everything, export, download the workbook; change nothing.
        return perms.filter(
            Q(content_type__app_label__in=portal_app_labels())
            & (Q(codename__startswith="view_") | Q(codename__startswith="export_"))
            | Q(content_type__app_label="units", codename="access_all_units")
            | _declared(role)
        )
    return perms.filter(_declared(role))


def sync_roles_after_the_last_app(sender=None, **kwargs) -> None:
    """post_migrate handler. ``migrate`` and ``flush`` send post_migrate once per app, in app
    order, and each app's permissions are made at its own: the roles are synced once, after
    the last app's, when every permission exists (syncing at each app's repeated the work
    two dozen times, a second of every flush between transactional tests)."""
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if with_models and sender is with_models[-1]:
        sync_role_permissions()


def sync_role_permissions(sender=None, **kwargs) -> None:
    """Give every role its permissions (and re-create a missing role, e.g. after a flush)."""
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(permissions_for(role))
