"""The second factor: office administrators sign in with a TOTP code; enrolment shows the QR code
until it is confirmed and the recovery codes once; wrong codes count toward the login lock; an
administrator's reset of a lost device is recorded."""

import datetime

import pytest
import time_machine
from axes.utils import reset as axes_reset
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from deeds_portal.second_factor import issue_enrolment_code
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


def enrol(client, clock, user=None):
    """Password, enrolment code, enrolment page, first code; returns (device, recovery codes)."""
    user = user or get_user_model().objects.get(pk=client.session["_auth_user_id"])
    client.post(ENROL, {"enrolment_code": issue_enrolment_code(user).plain_code})
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
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    [issued_code] = response.context["codes"]
    assert issued_code.plain_code in response.text
    assert issued_code.plain_code.replace("-", "") not in issued_code.code_hash
    assert not TOTPDevice.objects.filter(user=editor_a).exists()
    assert not StaticToken.objects.filter(device__user=editor_a).exists()
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.SECOND_FACTOR_RESET)
    assert (entry.user, entry.object_id) == (office_admin, str(editor_a.pk))
    client.logout()
    settings.SECOND_FACTOR_ENFORCED = True
    assert sign_in(client, "editor-a").status_code == 302  # no code asked: the device is gone
    assert client.get(ADMIN).url == ENROL
    assert "second-factor-qr" not in client.get(ENROL).text  # the password alone enrols nothing
    client.post(ENROL, {"enrolment_code": issued_code.plain_code.lower()})
    assert "second-factor-qr" in client.get(ENROL).text


def test_a_unit_editor_cannot_reset_devices(client, editor_a, office_admin):
    client = logged_in(client, editor_a)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [office_admin.pk]},
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SECOND_FACTOR_RESET).exists()


def test_enrolment_needs_the_code_the_office_handed_over(client, office_admin, clock):
    sign_in(client, "office")
    asked = client.get(ENROL)
    assert "second-factor-qr" not in asked.text and 'name="enrolment_code"' in asked.text
    assert not TOTPDevice.objects.exists()  # no key is made for a password-only session
    code = issue_enrolment_code(office_admin)
    wrong = client.post(ENROL, {"enrolment_code": "AAAA-BBBB-CCCC"})
    assert "启用码" in wrong.text and "second-factor-qr" not in wrong.text
    assert AuditEntry.objects.filter(action=AuditEntry.Action.FAILED_SIGN_IN).count() == 1
    assert client.post(ENROL, {"enrolment_code": code.plain_code}).url == ENROL
    device, _codes = enrol_with_qr(client, clock)
    assert device.confirmed
    client.logout()
    sign_in(client, "office", code_of(device))
    assert client.get(ADMIN).status_code == 200


def enrol_with_qr(client, clock):
    assert "second-factor-qr" in client.get(ENROL).text
    device = TOTPDevice.objects.get(confirmed=False)
    done = client.post(ENROL, {"code": code_of(device)})
    clock.shift(60)
    return TOTPDevice.objects.get(pk=device.pk), done.context["codes"]


def test_an_enrolment_code_works_once_and_expires_after_a_day(
    client, office_admin, editor_a, clock, settings
):
    settings.SECOND_FACTOR_ROLES = [UNIT_EDITOR]
    code = issue_enrolment_code(office_admin)
    sign_in(client, "office")
    client.post(ENROL, {"enrolment_code": code.plain_code})
    enrol_with_qr(client, clock)
    client.logout()
    # The same code cannot enrol a second app for someone who learnt it.
    TOTPDevice.objects.all().delete()
    StaticDevice.objects.all().delete()
    sign_in(client, "office")
    again = client.post(ENROL, {"enrolment_code": code.plain_code})
    assert "second-factor-qr" not in again.text and "启用码" in again.text
    client.logout()
    late = issue_enrolment_code(editor_a)
    clock.shift(24 * 3600 + 1)
    sign_in(client, "editor-a")
    expired = client.post(ENROL, {"enrolment_code": late.plain_code})
    assert "second-factor-qr" not in expired.text and not TOTPDevice.objects.filter(user=editor_a).exists()


def test_a_guessed_code_is_void_after_five_wrong_tries(client, office_admin, clock):
    code = issue_enrolment_code(office_admin)
    sign_in(client, "office")
    for _try in range(django_settings.SECOND_FACTOR_ENROLMENT_CODE_TRIES):
        client.post(ENROL, {"enrolment_code": "WRONG-CODE-0000"})
    assert client.post(ENROL, {"enrolment_code": code.plain_code}).status_code == 429  # the login lock
    axes_reset()  # the lock lifted: the guessed-at code stays void
    refused = client.post(ENROL, {"enrolment_code": code.plain_code})
    assert "second-factor-qr" not in refused.text and "启用码" in refused.text


def test_the_first_administrator_gets_a_code_from_the_server(client, office_admin, clock):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("enrolment_code", "office", stdout=out)
    typed = out.getvalue().split("启用码：")[1][:14]
    sign_in(client, "office")
    assert client.post(ENROL, {"enrolment_code": typed}).url == ENROL
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SECOND_FACTOR_RESET).count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "/admin/otp_totp/totpdevice/",
        "/admin/otp_static/staticdevice/",
        "/admin/django_tasks_db/dbtaskresult/",
    ],
)
def test_no_admin_page_shows_second_factor_secrets(client, office_admin, clock, url):
    from django.contrib.auth import get_user_model as users

    boss = users().objects.create_superuser("root", password="pw-root")
    code = issue_enrolment_code(boss)
    sign_in(client, "root")
    client.post(ENROL, {"enrolment_code": code.plain_code})
    device, _codes = enrol_with_qr(client, clock)
    client.logout()
    sign_in(client, "root", code_of(device))
    assert client.get(ADMIN).status_code == 200
    assert client.get(url).status_code == 404
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 404
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").status_code == 404
    assert device.key not in client.get(ADMIN).text
