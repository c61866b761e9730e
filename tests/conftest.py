"""Personas shared by the whole suite; factories live in ``tests/<app>/factories.py``.

Personas: an office administrator, editors of unit A and unit B, a leader, and
an anonymous citizen (the plain ``client``).
"""

import datetime

import pytest

from deeds_portal.login_throttle import forget_failures
from projects.models import Round
from tests.projects import factories as project_factories
from tests.projects.factories import add_update
from tests.units.factories import make_user
from units.models import Unit
from units.roles import LEADER, OFFICE_ADMIN, UNIT_EDITOR

__all__ = ["add_update", "logged_in", "make_user"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_PENDING_DIR = tmp_path / "pending-imports"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: a page cached by another test's data must not leak in."""
    from django.core.cache import cache, caches

    cache.clear()
    caches["login-throttle"].clear()


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
        fields.setdefault("round", round_)
        fields.setdefault("unit", unit_a)
        return project_factories.make_project(**fields)

    return make
