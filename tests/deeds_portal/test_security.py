"""The public page cache tried as an attacker would."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.deeds_portal.test_login_lock import spray

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")


def test_flooding_the_page_cache_with_query_strings_does_not_lift_a_sign_in_lock(client, office_admin):
    spray(client, django_settings.LOGIN_ADDRESS_FAILURE_LIMIT)
    # Every query string is a page of its own in the cache: enough of them once pushed the
    # address's failure count out of the local-memory cache, and the lock with it.
    for number in range(400):
        assert client.get("/open-data/", {"n": number}).status_code == 200
    locked = client.post(LOGIN, {"username": "office", "password": "pw-office"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
