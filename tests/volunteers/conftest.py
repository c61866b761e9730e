"""Personas of the volunteer rosters: a coordinator of unit A and one of unit B."""

import pytest

from tests.units.factories import make_user
from units.roles import VOLUNTEER_COORDINATOR

from .factories import make_post, make_volunteer


@pytest.fixture
def coordinator_a(unit_a):
    return make_user("coordinator-a", VOLUNTEER_COORDINATOR, unit_a)


@pytest.fixture
def coordinator_b(unit_b):
    return make_user("coordinator-b", VOLUNTEER_COORDINATOR, unit_b)


@pytest.fixture
def post_a(unit_a):
    return make_post(unit_a, name="大庸路与机场路交叉路口")


@pytest.fixture
def post_b(unit_b):
    return make_post(unit_b, name="社区活动室")


@pytest.fixture
def volunteer_a(unit_a):
    return make_volunteer(unit_a, name="张三")


@pytest.fixture
def volunteer_b(unit_b):
    return make_volunteer(unit_b, name="李四")
