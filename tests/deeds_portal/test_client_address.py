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
