"""The public page cache tried as an attacker would."""

import datetime

import pytest
import time_machine
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


def test_a_cached_page_turns_overdue_at_midnight_without_anyone_saving(client, make_project):
    """Overdue follows from the deadline and today: a page kept from yesterday must not say otherwise."""
    make_project(title="修建一座风雨桥", deadline=datetime.date(2021, 6, 30))
    with time_machine.travel("2021-06-30T15:00:00+00:00", tick=False):  # 23:00 on the deadline, Shanghai
        assert "status-overdue" not in client.get("/projects/").text
        assert '"overdue"' not in client.get("/open-data/projects.json").content.decode()
    with time_machine.travel("2021-06-30T16:30:00+00:00", tick=False):  # 00:30 on July 1, Shanghai
        assert "status-overdue" in client.get("/projects/").text
        assert '"overdue"' in client.get("/open-data/projects.json").content.decode()


@pytest.mark.parametrize(
    "url",
    ["/open-data/service-items.json", "/open-data/service-items.csv", "/open-data/volunteer-service.csv"],
)
def test_open_data_served_from_the_cache_keeps_its_headers(client, url):
    first = client.get(url)
    second = client.get(url)  # from the page cache
    assert second.content == first.content
    # Another site's script may read open data only with this header; a cached answer lost it.
    assert second["Access-Control-Allow-Origin"] == "*"
    assert second.get("Content-Disposition") == first.get("Content-Disposition")


def test_the_sitemap_from_the_cache_still_asks_not_to_be_indexed_itself(client):
    first = client.get("/sitemap.xml")
    assert first["X-Robots-Tag"]
    assert client.get("/sitemap.xml").get("X-Robots-Tag") == first["X-Robots-Tag"]
