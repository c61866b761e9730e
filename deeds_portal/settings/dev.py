"""Development: SQLite, debug pages, a throwaway key. Never used in production."""

from .base import *  # noqa: F403
from .base import BASE_DIR, CACHES, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-used-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The page cache is shared by runserver and db_worker (two processes), so an import the worker
# runs shows on the public pages at once; a local-memory cache would be the server's alone.
_DEV_CACHE_DIR = env.str("DEV_CACHE_DIR", default=str(BASE_DIR / ".dev-cache"))
CACHES["default"] = env.cache("CACHE_URL", default=f"filecache://{_DEV_CACHE_DIR}")
# The worker's changes show at the next request: no near copy over a cache two processes share.
PUBLIC_PAGE_NEAR_SECONDS = env.float("PUBLIC_PAGE_NEAR_SECONDS", default=0)
