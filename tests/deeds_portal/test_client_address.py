"""Behind nginx every request comes from 127.0.0.1: the login lock must key on the real client."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def guess_passwords(client, settings, address):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("admin:login"),
            {"username": "office", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=address,
        )


def test_a_guesser_behind_the_proxy_does_not_lock_out_the_real_user(client, settings, office_admin):
    settings.AXES_IPWARE_PROXY_COUNT = 1  # PROXY_COUNT=1: nginx in front (deploy/deeds-portal.env.example)
    guess_passwords(client, settings, "203.0.113.9")

    guesser = client.post(
        reverse("admin:login"),
        {"username": "office", "password": "pw-office"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert guesser.status_code == 429

    client.cookies.clear()
    real_user = client.post(
        reverse("admin:login"),
        {"username": "office", "password": "pw-office"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert real_user.status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_lock(client, settings, office_admin):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    # nginx replaces X-Forwarded-For with the address it saw; were it appended to, the last
    # entry would still be nginx's, never a value the client wrote first.
    for forged in ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"]:
        client.post(
            reverse("admin:login"),
            {"username": "office", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.9",
        )
    locked = client.post(
        reverse("admin:login"),
        {"username": "office", "password": "pw-office"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="10.0.0.6, 203.0.113.9",
    )
    assert locked.status_code == 429


def test_without_a_proxy_the_forwarded_header_is_ignored(client, settings, office_admin):
    settings.AXES_IPWARE_PROXY_COUNT = 0
    guess_passwords(client, settings, "203.0.113.9")
    spoofing = client.post(
        reverse("admin:login"),
        {"username": "office", "password": "pw-office"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert spoofing.status_code == 429


# An IPv6 subscriber gets a whole /64: its addresses are one address to every limit.

ONE_PHONE = [f"2001:db8:5:6::{n:x}" for n in range(1, 40)]


def test_a_guesser_stepping_through_its_ipv6_64_is_locked_as_one_address(client, settings, office_admin):
    for address in ONE_PHONE[: settings.AXES_FAILURE_LIMIT]:
        client.post(reverse("admin:login"), {"username": "office", "password": "wrong"}, REMOTE_ADDR=address)
    same_64 = client.post(
        reverse("admin:login"), {"username": "office", "password": "pw-office"}, REMOTE_ADDR=ONE_PHONE[-1]
    )
    assert same_64.status_code == 429

    client.cookies.clear()
    other_64 = client.post(
        reverse("admin:login"), {"username": "office", "password": "pw-office"}, REMOTE_ADDR="2001:db8:5:7::1"
    )
    assert other_64.status_code == 302


def test_password_spraying_from_one_ipv6_64_meets_the_address_throttle(client, settings, office_admin):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for n, address in enumerate(ONE_PHONE[:3]):
        client.post(
            reverse("admin:login"), {"username": f"name-{n}", "password": "wrong"}, REMOTE_ADDR=address
        )
    sprayed = client.post(
        reverse("admin:login"), {"username": "office", "password": "pw-office"}, REMOTE_ADDR=ONE_PHONE[10]
    )
    assert sprayed.status_code == 429
    client.cookies.clear()
    elsewhere = client.post(
        reverse("admin:login"), {"username": "office", "password": "pw-office"}, REMOTE_ADDR="2001:db8:9::1"
    )
    assert elsewhere.status_code == 302


def test_the_audit_trail_keeps_the_exact_ipv6_address(client, office_admin):
    from audit.models import AuditEntry

    client.post(
        reverse("admin:login"),
        {"username": "office", "password": "pw-office"},
        REMOTE_ADDR="2001:db8:5:6::abcd",
    )
    assert AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN).address == "2001:db8:5:6::abcd"
