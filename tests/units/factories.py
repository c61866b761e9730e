"""Factories for the shared app: units and staff users with a role."""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from units.models import Unit

_sequence = itertools.count(1)


def make_unit(name=None, kind=Unit.Kind.PARTY_BRANCH, **fields) -> Unit:
    return Unit.objects.create(name=name or f"测试单位{next(_sequence)}", kind=kind, **fields)


def make_user(username, role=None, unit=None, **extra):
    """A staff user (password ``pw-<username>``) with a role (group name) and a unit."""
    user = get_user_model().objects.create_user(
        username=username, password="pw-" + username, is_staff=True, **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    if unit:
        unit.members.add(user)
    return user


def approve_as_shown(submission, user):
    """The office approves a submission as its page showed the record (review.service.approve)."""
    from review import service as review

    return review.approve(submission, user, seen=review.fingerprint(submission.target))
