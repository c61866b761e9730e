"""Tests: the database comes from DATABASE_URL (SQLite when unset), fast hashing."""

from .base import *  # noqa: F403
from .base import BASE_DIR

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
