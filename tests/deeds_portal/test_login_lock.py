"""Sign-in throttling: a username+address pair, and an address across usernames
(password spraying), are locked for the cool-off time, shown on a page in the portal's look."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")


def spray(client, count, address="127.0.0.1"):
    """One wrong password on each of ``count`` different accounts: no pair reaches its limit."""
    for number in range(count):
        response = client.post(
            LOGIN, {"username": f"staff{number}", "password": "123456"}, REMOTE_ADDR=address
        )
        assert response.status_code == 200  # the login form again, not yet a lock


def test_one_address_failing_on_many_usernames_is_locked(client, office_admin):
    limit = django_settings.LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit > django_settings.AXES_FAILURE_LIMIT
    spray(client, limit)
    locked = client.post(LOGIN, {"username": "office", "password": "pw-office"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    elsewhere = client.post(LOGIN, {"username": "office", "password": "pw-office"}, REMOTE_ADDR="10.0.0.9")
    assert elsewhere.status_code == 302


def test_fewer_failures_than_the_address_limit_do_not_lock(client, office_admin):
    spray(client, django_settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1)
    assert client.post(LOGIN, {"username": "office", "password": "pw-office"}).status_code == 302


def test_the_address_limit_is_configurable(client, office_admin, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 7
    spray(client, 7)
    assert client.post(LOGIN, {"username": "office", "password": "pw-office"}).status_code == 429


def test_the_lock_page_is_the_portals_and_says_how_long_it_lasts(client, office_admin):
    assert django_settings.AXES_COOLOFF_TIME == 0.5
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "office", "password": "wrong"})
    page = client.post(LOGIN, {"username": "office", "password": "pw-office"})
    assert page.status_code == 429
    assert 'class="site-header"' in page.text and "我为群众办实事" in page.text
    assert "30分钟" in page.text
    assert "office" not in page.text.split('<main id="main"')[1]  # no username echoed


def test_the_lock_page_counts_hours_too(client, office_admin, settings):
    settings.AXES_COOLOFF_TIME = 1.5
    spray(client, django_settings.LOGIN_ADDRESS_FAILURE_LIMIT)
    page = client.post(LOGIN, {"username": "office", "password": "pw-office"})
    assert page.status_code == 429
    assert "1小时30分钟" in page.text
