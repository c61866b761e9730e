"""Portal-wide behaviour: health check, security headers, language, login throttling, cache."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok\n"


HEALTHZ_PROBE = (
    "import django; django.setup(); from django.test import Client; "
    "r = Client().get('/healthz'); print(r.status_code, r.content.decode().strip())"
)


def test_healthz_answers_503_when_the_database_does_not():
    # A real unreachable database: nothing listens on port 1.
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment.update(
        DJANGO_SETTINGS_MODULE="deeds_portal.settings.test",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
    )
    result = subprocess.run(
        [sys.executable, "-c", HEALTHZ_PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip().endswith("503 database unavailable"), result.stdout + result.stderr


def test_pages_carry_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_interface_is_chinese_by_default_and_english_on_request(client):
    response = client.get("/")
    assert '<html lang="zh-CN">' in response.text
    assert "我为群众办实事" in response.text
    english = client.get("/en/")
    assert '<html lang="en">' in english.text
    assert "Practical deeds for the people" in english.text
    # A cookie or the browser's language never changes what a shared link shows.
    client.cookies["django_language"] = "en"
    assert '<html lang="zh-CN">' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").text


def test_staff_may_switch_the_admin_to_english(client, office_admin):
    client.force_login(office_admin)
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    assert '<html lang="en"' in client.get("/admin/").text


def test_the_language_cookie_is_kept_from_scripts_and_other_sites(client, office_admin):
    client.force_login(office_admin)
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    cookie = client.cookies[django_settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"


def test_admin_is_chinese(client, office_admin):
    client.force_login(office_admin)
    page = client.get("/admin/").text
    assert '<html lang="zh-hans"' in page
    assert "修改密码" in page and "我为群众办实事" in page


def test_admin_login_is_locked_after_repeated_failures(client, office_admin):
    url = reverse("admin:login")
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "office", "password": "wrong"})
    locked = client.post(url, {"username": "office", "password": "pw-office"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_login_works_with_the_right_password(client, office_admin):
    response = client.post(reverse("admin:login"), {"username": "office", "password": "pw-office"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(office_admin.pk)


def run_manage(*args, **env):
    # A clean process environment: the browser tests allow async-unsafe calls in
    # this process, which the deploy check would rightly refuse.
    private = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in private}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PROD = {
    "DJANGO_SETTINGS_MODULE": "deeds_portal.settings.prod",
    "SECRET_KEY": "k" * 20 + uuid.uuid4().hex + uuid.uuid4().hex,
    "ALLOWED_HOSTS": "deeds.example.gov.cn",
    "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
}


def test_deploy_check_is_clean_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PROD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without(missing):
    env = {**PROD, missing: ""}
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_configured_cache_round_trips():
    """With CACHE_URL=redis://… (CI sets it) this goes over a real Redis connection."""
    cache = caches["default"]
    key = f"test-{uuid.uuid4().hex}"
    cache.set(key, {"进度": 100}, 30)
    assert cache.get(key) == {"进度": 100}
    cache.delete(key)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL not set (CI sets it)")
def test_redis_cache_url_is_understood():
    import environ
    from django.core.cache.backends.redis import RedisCache

    from deeds_portal.settings.test import worker_redis_url

    config = environ.Env.cache_url_config(worker_redis_url(os.environ["REDIS_URL"]))
    cache = RedisCache(config["LOCATION"], {})
    cache.set("deeds-portal-ping", "pong", 10)
    assert cache.get("deeds-portal-ping") == "pong"
