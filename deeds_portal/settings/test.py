"""Tests: the database comes from DATABASE_URL (SQLite when unset), fast hashing."""

import os
import re

from .base import *  # noqa: F403
from .base import BASE_DIR, CACHES, DATABASES

DEBUG = False
SECRET_KEY = "test-only-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the app folders: no collectstatic before tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # noqa: F405
# Background jobs run at once, inside the test (their code is the same).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Most tests sign staff in with force_login, which cannot pass a second factor; the tests of
# the second factor (tests/deeds_portal/test_second_factor.py) turn it on.
SECOND_FACTOR_ENFORCED = False
# Every test sees the shared cache as it is (a copy trusted for a moment would outlive the
# cache.clear() between tests); the tests of the copy turn it on.
PUBLIC_PAGE_NEAR_SECONDS = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A test database need not outlive a crash: a commit (each migration, each write of a
    # transactional test, each flush between them) does not wait for the disk.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()


def worker_redis_url(url: str) -> str:
    """The Redis database of this pytest-xdist worker (``make test`` runs two): every test
    empties the cache (FLUSHDB), so workers sharing one database would empty each other's
    mid-test and read each other's cached pages. Worker gwN takes the Nth number of
    TEST_REDIS_DATABASES ("1,2") when set, else the configured number plus N. A subprocess a
    test starts inherits the worker's variable and so lands in the same database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not url.startswith(("redis://", "rediss://")):
        return url
    index = int(worker.removeprefix("gw"))
    match = re.fullmatch(r"(?P<server>rediss?://[^/]+)(?:/(?P<db>\d*))?", url)
    if match is None:
        return url
    chosen = os.environ.get("TEST_REDIS_DATABASES", "").split(",")
    if index < len(chosen) and chosen[index].strip():
        return f"{match['server']}/{int(chosen[index])}"
    return f"{match['server']}/{int(match['db'] or 0) + index}"


for _alias in CACHES.values():
    if isinstance(_alias.get("LOCATION"), str):
        _alias["LOCATION"] = worker_redis_url(_alias["LOCATION"])
