"""With Redis down, the cache behaves as an empty cache: pages are built from the database."""

import logging
import time

from django.utils.module_loading import import_string

from tests.deeds_portal.test_settings import GOOD, load_prod

UNREACHABLE_REDIS = "redis://127.0.0.1:1/1"  # nothing listens on port 1


def production_cache(monkeypatch):
    config = load_prod(monkeypatch, CACHE_URL=UNREACHABLE_REDIS, **GOOD).CACHES["default"]
    return import_string(config["BACKEND"])(config["LOCATION"], config)


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
