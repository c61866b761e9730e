"""Signals that leave audit entries: sign-ins, failed sign-ins, role and unit-membership changes.

Roles and memberships change through ``add``/``remove``/``set``/``clear`` from either side
(m2m_changed). The user page's membership rows send no signals (Django sends none for
an automatic through model); that page reports them itself (units.admin.PortalUserAdmin).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed

from units.models import Unit

from .records import Action, record, record_link_change

KINDS = {"post_add": "added", "post_remove": "removed", "pre_clear": "removed"}


def signed_in(sender, request, user, **kwargs):
    record(Action.SIGN_IN, user=user, request=request)


def sign_in_failed(sender, credentials, request=None, **kwargs):
    # Only the name typed: never the password (Django masks it, but it is not kept at all).
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or "")
    record(Action.FAILED_SIGN_IN, request=request, details={"username": username[:150]})


def _links_changed(audit_action, instance, action, reverse, model, pk_set, field_name):
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
        getattr(instance, "user_set" if audit_action == Action.ROLE_CHANGE else "members").all()
        if action == "pre_clear"
        else user_model._default_manager.filter(pk__in=pk_set or [])
    )
    for user in users:
        record_link_change(audit_action, user, **{kind: [str(instance)]})


def roles_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    _links_changed(Action.ROLE_CHANGE, instance, action, reverse, model, pk_set, "groups")


def memberships_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    _links_changed(Action.MEMBERSHIP_CHANGE, instance, action, reverse, model, pk_set, "units")


def connect() -> None:
    user_logged_in.connect(signed_in, dispatch_uid="audit.signed_in")
    user_login_failed.connect(sign_in_failed, dispatch_uid="audit.sign_in_failed")
    m2m_changed.connect(roles_changed, sender=get_user_model().groups.through, dispatch_uid="audit.roles")
    m2m_changed.connect(memberships_changed, sender=Unit.members.through, dispatch_uid="audit.members")
