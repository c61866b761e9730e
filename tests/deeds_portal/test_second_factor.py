"""The second factor: office administrators sign in with a TOTP code; enrolment shows the QR code
until it is confirmed and the recovery codes once; wrong codes count toward the login lock; an
administrator's reset of a lost device is recorded."""

import datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from tests.conftest import logged_in
from units.roles import UNIT_EDITOR

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")
ENROL = reverse("second_factor_enrol")
ADMIN = reverse("admin:index")
START = datetime.datetime(2021, 6, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _enforced(settings):
    settings.SECOND_FACTOR_ENFORCED = True


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_of(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def sign_in(client, username, code=""):
    return client.post(
        LOGIN, {"username": username, "password": f"pw-{username}", "otp_token": code, "next": ADMIN}
    )


def enrol(client, clock):
    """Password, enrolment page, first code; returns (device, recovery codes)."""
    page = client.get(ENROL)
    assert page.status_code == 200 and '<div class="second-factor-qr"><svg' in page.text
    device = TOTPDevice.objects.get(confirmed=False)
    done = client.post(ENROL, {"code": code_of(device)})
    assert done.status_code == 200
    clock.shift(60)  # a code is good once: the next sign-in needs the next one
    return TOTPDevice.objects.get(pk=device.pk), done.context["codes"]


def test_the_sign_in_page_asks_for_the_code(client):
    page = client.get(LOGIN)
    assert 'name="otp_token"' in page.text and "验证码" in page.text


def test_an_office_administrator_without_a_device_is_sent_to_enrolment(client, office_admin, clock):
    assert sign_in(client, "office").status_code == 302
    assert client.get(ADMIN).url == ENROL
    device, codes = enrol(client, clock)
    assert device.confirmed and len(codes) == 10
    assert client.get(ADMIN).status_code == 200  # this session is now verified
    assert "second-factor-qr" not in client.get(ENROL).text  # the QR code is not shown again


def test_sign_in_without_the_code_is_refused_once_enrolled(client, office_admin, clock):
    sign_in(client, "office")
    device, _codes = enrol(client, clock)
    client.logout()
    refused = sign_in(client, "office")
    assert refused.status_code == 200 and "验证码" in refused.text
    assert client.get(ADMIN).status_code == 302
    assert sign_in(client, "office", "000000" if code_of(device) != "000000" else "111111").status_code == 200
    clock.shift(5)  # django-otp slows guessing: after a wrong code the next try waits a moment
    assert sign_in(client, "office", code_of(device)).status_code == 302
    assert client.get(ADMIN).status_code == 200


def test_a_recovery_code_works_once(client, office_admin, clock):
    sign_in(client, "office")
    _device, codes = enrol(client, clock)
    client.logout()
    assert sign_in(client, "office", codes[0]).status_code == 302
    assert client.get(ADMIN).status_code == 200
    client.logout()
    assert sign_in(client, "office", codes[0]).status_code == 200
    assert StaticToken.objects.count() == 9


def test_wrong_codes_count_toward_the_login_lock(client, office_admin, clock):
    sign_in(client, "office")
    device, _codes = enrol(client, clock)
    client.logout()
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "office", "12345x").status_code == 200
    sign_in(client, "office", "")  # a missing code counts too
    assert sign_in(client, "office", code_of(device)).status_code == 429
    assert AuditEntry.objects.filter(action=AuditEntry.Action.FAILED_SIGN_IN).count() >= 5


def test_other_roles_only_when_the_setting_names_them(client, editor_a, settings):
    assert sign_in(client, "editor-a").status_code == 302
    assert client.get(ADMIN).status_code == 200
    settings.SECOND_FACTOR_ROLES = [UNIT_EDITOR]
    assert client.get(ADMIN).url == ENROL


def test_demo_accounts_need_none_in_debug_only(client, settings):
    from tests.units.factories import make_user
    from units.roles import OFFICE_ADMIN

    make_user("demo-admin", OFFICE_ADMIN)
    sign_in(client, "demo-admin")
    assert client.get(ADMIN).url == ENROL
    settings.DEBUG = True
    assert client.get(ADMIN).status_code == 200


def test_a_device_reset_is_recorded_and_enrolment_starts_again(
    client, office_admin, editor_a, settings, clock
):
    settings.SECOND_FACTOR_ROLES = [UNIT_EDITOR]
    sign_in(client, "editor-a")
    enrol(client, clock)
    client.logout()
    settings.SECOND_FACTOR_ENFORCED = False  # the administrator here signs in with force_login
    admin_client = logged_in(client, office_admin)
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [editor_a.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=editor_a).exists()
    assert not StaticToken.objects.filter(device__user=editor_a).exists()
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.SECOND_FACTOR_RESET)
    assert (entry.user, entry.object_id) == (office_admin, str(editor_a.pk))
    client.logout()
    settings.SECOND_FACTOR_ENFORCED = True
    assert sign_in(client, "editor-a").status_code == 302  # no code asked: the device is gone
    assert client.get(ADMIN).url == ENROL


def test_a_unit_editor_cannot_reset_devices(client, editor_a, office_admin):
    client = logged_in(client, editor_a)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [office_admin.pk]},
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SECOND_FACTOR_RESET).exists()
