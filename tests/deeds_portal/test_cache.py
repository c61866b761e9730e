"""With Redis down, the cache behaves as an empty cache: pages are built from the database."""

import logging
import time

from django.utils.module_loading import import_string

from tests.deeds_portal.test_settings import GOOD, load_prod

UNREACHABLE_REDIS = "redis://127.0.0.1:1/1"  # nothing listens on port 1


def production_cache(monkeypatch):
    config = load_prod(monkeypatch, CACHE_URL=UNREACHABLE_REDIS, **GOOD).CACHES["default"]
    backend = import_string(config["BACKEND"])
    monkeypatch.setattr(backend, "_last_warning", 0.0)  # an earlier test's warning holds back the next
    return backend(config["LOCATION"], config)


def test_an_unreachable_redis_is_an_empty_cache_not_an_error(monkeypatch, caplog):
    cache = production_cache(monkeypatch)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="deeds_portal.cache"):
        assert cache.get("dashboard", "miss") == "miss"
        assert cache.set("dashboard", "page") is False
        assert cache.get_or_set("projects", lambda: "built from the database") == "built from the database"
        assert cache.get_many(["a", "b"]) == {}
        cache.delete("dashboard")
    assert time.monotonic() - started < 5
    assert "cache unavailable" in caplog.text  # the operator sees it in the logs


# Each public operation of Django's cache API, as the portal's code may call it.
CACHE_CALLS = {
    "add": ("k", 1),
    "get": ("k",),
    "set": ("k", 1),
    "touch": ("k",),
    "delete": ("k",),
    "get_many": (["k"],),
    "get_many_unchecked": ([":1:k"],),  # the public page cache's read (units/public_pages.py)
    "get_or_set": ("k", 1),
    "has_key": ("k",),
    "incr": ("k",),
    "decr": ("k",),
    "set_many": ({"k": 1},),
    "delete_many": (["k"],),
    "clear": (),
    "incr_version": ("k",),
    "decr_version": ("k",),
    "close": (),
}


def test_every_cache_operation_survives_an_unreachable_redis(monkeypatch):
    from django.core.cache.backends.base import BaseCache

    names = set(vars(BaseCache))
    asynchronous = {name for name in names if name.startswith("a") and name[1:] in names}
    operations = {name for name in names - asynchronous if not name.startswith(("_", "make_", "validate_"))}
    operations -= {"get_backend_timeout"}
    assert operations <= set(CACHE_CALLS), operations - set(CACHE_CALLS)  # a new operation: add it here
    cache = production_cache(monkeypatch)
    for name, arguments in CACHE_CALLS.items():
        try:
            getattr(cache, name)(*arguments)
        except ValueError:  # the answer to a key that is not there, as from an empty cache
            assert name in {"incr", "decr", "incr_version", "decr_version"}


def test_a_wrong_password_with_redis_down_shows_the_sign_in_form(client, db, settings, office_admin):
    settings.CACHES = {
        **settings.CACHES,
        "login-throttle": {
            "BACKEND": "deeds_portal.cache.TolerantRedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    for _attempt in range(2):  # the first failure adds the count, the next increments it
        answer = client.post("/admin/login/", {"username": "office", "password": "wrong", "otp_token": ""})
        assert answer.status_code == 200
        assert "请输入一个正确的" in answer.text


def test_the_redis_client_is_built_once_not_per_operation(monkeypatch):
    # Building a redis.Redis costs more than the page cache's round trip to Redis.
    cache = production_cache(monkeypatch)
    assert cache._cache.get_client() is cache._cache.get_client()
    assert cache._cache.get_client(write=True) is cache._cache.get_client()  # one server: one pool
