"""Signals that leave audit entries: sign-ins, failed sign-ins, role, permission, superuser
and unit-membership changes, and what units reports through ``units.signals`` (restores,
ledger exports, uploads refused at the check, the user page's changes).

Roles and memberships change through ``add``/``remove``/``set``/``clear`` from either side
(m2m_changed). The user page's membership rows send no signals (Django sends none for
an automatic through model); that page reports them itself (units.admin.PortalUserAdmin,
``units.signals.memberships_changed``).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_save

from units import signals as units_signals
from units.models import Unit

from .records import (
    Action,
    finish_combining,
    record,
    record_link_change,
    record_refused_upload,
    start_combining,
)

KINDS = {"post_add": "added", "post_remove": "removed", "pre_clear": "removed"}


def signed_in(sender, request, user, **kwargs):
    record(Action.SIGN_IN, user=user, request=request)


UNKNOWN_USERNAME = "（未知用户名）"  # what was typed is no one's name: not kept


def sign_in_failed(sender, credentials, request=None, **kwargs):
    # Never the password; and what was typed as the name only if it is someone's name: a
    # password typed into the name field by mistake must not end up in the log.
    user_model = get_user_model()
    typed = str(credentials.get(user_model.USERNAME_FIELD) or credentials.get("username") or "")[:150]
    known = bool(typed) and user_model._default_manager.filter(**{user_model.USERNAME_FIELD: typed}).exists()
    record(Action.FAILED_SIGN_IN, request=request, details={"username": typed if known else UNKNOWN_USERNAME})


def _links_changed(audit_action, instance, action, reverse, model, pk_set, field_name, users_of="user_set"):
    """One change per user, whichever side the change was made from."""
    if action not in KINDS:
        return
    kind = KINDS[action]
    user_model = get_user_model()
    if isinstance(instance, user_model):  # user.groups.add(group), user.units.remove(unit)
        others = (
            getattr(instance, field_name).all()
            if action == "pre_clear"
            else model._default_manager.filter(pk__in=pk_set or [])
        )
        names = [str(other) for other in others]
        if names:
            record_link_change(audit_action, instance, **{kind: names})
        return
    # group.user_set.add(user), unit.members.remove(user)
    users = (
        getattr(instance, users_of).all()
        if action == "pre_clear"
        else user_model._default_manager.filter(pk__in=pk_set or [])
    )
    for user in users:
        record_link_change(audit_action, user, **{kind: [str(instance)]})


def roles_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    _links_changed(Action.ROLE_CHANGE, instance, action, reverse, model, pk_set, "groups")


def memberships_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    _links_changed(Action.MEMBERSHIP_CHANGE, instance, action, reverse, model, pk_set, "units", "members")


def permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """A single permission granted to or taken from a user, beside their roles."""
    _links_changed(Action.PERMISSION_CHANGE, instance, action, reverse, model, pk_set, "user_permissions")


def _before_user_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and "is_superuser" not in update_fields):
        return  # a fixture, or a save that cannot change it (the sign-in's last_login)
    if instance.pk is None:
        instance._audit_was_superuser = False
        return
    was = sender._default_manager.filter(pk=instance.pk).values_list("is_superuser", flat=True).first()
    instance._audit_was_superuser = bool(was)


def _after_user_save(sender, instance, created, raw=False, **kwargs):
    """Superuser status passes every permission check: its grant and removal are recorded."""
    was = instance.__dict__.pop("_audit_was_superuser", None)
    if raw or was is None or was == instance.is_superuser:
        return
    record(Action.PERMISSION_CHANGE, obj=instance, details={"superuser": instance.is_superuser})


def restored(sender, request, obj, version_id, **kwargs):
    record(Action.RESTORE, request=request, obj=obj, details={"version": version_id})


def ledger_exported(sender, request, model, file_format, rows, **kwargs):
    record(Action.EXPORT, request=request, model=model, details={"format": file_format, "rows": rows})


def upload_refused(sender, model, file_name, reason, size, **kwargs):
    record_refused_upload(model, file_name, reason, size=size)


def memberships_changed_on_page(sender, user, added, removed, **kwargs):
    record_link_change(Action.MEMBERSHIP_CHANGE, user, added=added, removed=removed)


def page_started(sender, **kwargs):
    start_combining()


def page_finished(sender, **kwargs):
    finish_combining()


def connect() -> None:
    user_logged_in.connect(signed_in, dispatch_uid="audit.signed_in")
    user_login_failed.connect(sign_in_failed, dispatch_uid="audit.sign_in_failed")
    m2m_changed.connect(roles_changed, sender=get_user_model().groups.through, dispatch_uid="audit.roles")
    m2m_changed.connect(memberships_changed, sender=Unit.members.through, dispatch_uid="audit.members")
    user_model = get_user_model()
    m2m_changed.connect(
        permissions_changed, sender=user_model.user_permissions.through, dispatch_uid="audit.permissions"
    )
    pre_save.connect(_before_user_save, sender=user_model, dispatch_uid="audit.superuser_before")
    post_save.connect(_after_user_save, sender=user_model, dispatch_uid="audit.superuser_after")
    units_signals.record_restored.connect(restored, dispatch_uid="audit.restored")
    units_signals.ledger_exported.connect(ledger_exported, dispatch_uid="audit.ledger_exported")
    units_signals.upload_refused.connect(upload_refused, dispatch_uid="audit.upload_refused")
    units_signals.memberships_changed.connect(memberships_changed_on_page, dispatch_uid="audit.members_page")
    units_signals.related_changes_started.connect(page_started, dispatch_uid="audit.page_started")
    units_signals.related_changes_finished.connect(page_finished, dispatch_uid="audit.page_finished")
