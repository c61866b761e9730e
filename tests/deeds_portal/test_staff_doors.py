"""A session that passed only the password gets no staff data at any URL.

The walk covers every URL pattern of the project (tests/kit/urls.py), so a staff page added
later is walked without anyone listing it: under /admin/ such a session is sent to set up or
type its second factor, and everywhere else it is answered exactly as a visitor who is not
signed in.
"""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.kit.urls import every_path
from tests.units.factories import make_user
from tests.volunteers.factories import make_post, make_shift, make_volunteer
from units.roles import LEADER, UNIT_EDITOR, VOLUNTEER_COORDINATOR

pytestmark = pytest.mark.django_db
ENROL = reverse("second_factor_enrol")
LOGIN = reverse("admin:login")
SIGN_IN_PAGES = {ENROL, LOGIN, reverse("admin:logout"), reverse("admin:jsi18n")}
CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture(autouse=True)
def _every_role_uses_the_second_factor(settings):
    settings.SECOND_FACTOR_ENFORCED = True
    settings.SECOND_FACTOR_ROLES = [UNIT_EDITOR, LEADER, VOLUNTEER_COORDINATOR]


@pytest.fixture
def coordinator(unit_a):
    return make_user("coordinator-a", VOLUNTEER_COORDINATOR, unit_a)


@pytest.fixture
def roster_of_may(unit_a):
    volunteer = make_volunteer(unit_a, name="张志愿", phone="13800000000")
    shift = make_shift(make_post(unit_a), day=datetime.date(2021, 5, 3))
    shift.assignments.create(volunteer=volunteer)
    return volunteer


def _answer(response) -> tuple:
    body = CSRF_TOKEN.sub(b"", response.content) if response.status_code == 200 else b""
    return response.status_code, response.headers.get("Location"), body


@pytest.mark.parametrize("persona", ["office_admin", "editor_a", "leader", "coordinator"])
def test_a_password_only_session_gets_no_staff_page_anywhere(persona, request, roster_of_may):
    user = request.getfixturevalue(persona)
    visitor, staff = Client(), Client()
    staff.force_login(user)  # the password alone: no device has verified this session
    walked = 0
    for path in every_path():
        if path in SIGN_IN_PAGES:
            continue
        answer = staff.get(path)
        if path.startswith("/admin/"):
            assert (answer.status_code, answer.headers.get("Location")) == (302, ENROL), path
        else:
            assert _answer(answer) == _answer(visitor.get(path)), path
        walked += 1
    assert walked > 250  # every registered admin's pages, the staff pages and the public ones


@pytest.mark.parametrize(
    "url",
    [
        "/volunteers/roster/?month=2021-05",
        "/volunteers/roster.xlsx?month=2021-05",
        "/volunteers/hours/?start=2021-05-01&end=2021-05-31",
        "/volunteers/hours/?start=2021-05-01&end=2021-05-31&format=xlsx",
    ],
)
def test_the_volunteer_rosters_need_the_second_factor(url, client, coordinator, roster_of_may, settings):
    client.force_login(coordinator)
    refused = client.get(url)
    assert refused.status_code == 302 and refused.url.startswith(LOGIN)
    assert "张志愿".encode() not in refused.content
    settings.SECOND_FACTOR_ROLES = []  # a role that signs in with the password alone
    allowed = client.get(url)
    assert allowed.status_code == 200


def test_an_office_administrator_without_a_device_reaches_enrolment_from_a_staff_page(client, office_admin):
    client.force_login(office_admin)
    first = client.get("/volunteers/roster/")
    assert first.url.startswith(LOGIN)
    assert client.get(first.url).url == reverse("admin:index")
    assert client.get(reverse("admin:index")).url == ENROL


def test_public_pages_stay_open_to_a_password_only_session(client, office_admin):
    client.force_login(office_admin)
    assert client.get("/projects/").status_code == 200
