"""Personas and small factories shared by the whole suite.

Personas: an office administrator, editors of unit A and unit B, a leader, and
an anonymous citizen (the plain ``client``).
"""

import datetime
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from deeds_portal.login_throttle import forget_failures
from projects.models import ProgressStatus, ProgressUpdate, Project, Round
from units.models import Unit
from units.roles import LEADER, OFFICE_ADMIN, UNIT_EDITOR

_sequence = itertools.count(1)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture(autouse=True)
def _no_failed_sign_ins_from_earlier_tests():
    # The per-address sign-in count lives in the cache, which outlives a test's transaction.
    forget_failures("127.0.0.1")


@pytest.fixture
def unit_a(db):
    return Unit.objects.create(name="第一党支部", kind=Unit.Kind.PARTY_BRANCH)


@pytest.fixture
def unit_b(db):
    return Unit.objects.create(name="第二党支部", kind=Unit.Kind.PARTY_BRANCH)


@pytest.fixture
def round_(db):
    return Round.objects.create(name="2021年第一批", start_date=datetime.date(2021, 5, 1))


def make_user(username, role=None, unit=None, **extra):
    user = get_user_model().objects.create_user(
        username=username, password="pw-" + username, is_staff=True, **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    if unit:
        unit.members.add(user)
    return user


@pytest.fixture
def office_admin(db):
    return make_user("office", OFFICE_ADMIN)


@pytest.fixture
def editor_a(unit_a):
    return make_user("editor-a", UNIT_EDITOR, unit_a)


@pytest.fixture
def editor_b(unit_b):
    return make_user("editor-b", UNIT_EDITOR, unit_b)


@pytest.fixture
def leader(db):
    return make_user("leader", LEADER)


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def make_project(round_, unit_a):
    def make(**fields):
        defaults = {
            "round": round_,
            "title": f"项目{next(_sequence)}",
            "category": Project.Category.OTHER,
            "unit": unit_a,
            "deadline": datetime.date(2021, 6, 30),
            "is_public": True,
        }
        defaults.update(fields)
        return Project.objects.create(**defaults)

    return make


def add_update(project, date, percent, status=None, **fields):
    if status is None:
        status = {0: ProgressStatus.NOT_STARTED, 100: ProgressStatus.COMPLETED}.get(
            percent, ProgressStatus.IN_PROGRESS
        )
    return ProgressUpdate.objects.create(project=project, date=date, percent=percent, status=status, **fields)
