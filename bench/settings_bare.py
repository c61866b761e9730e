"""The load benchmark's baseline: the same Django, the bare view and no middleware at all
(bench/load.py serves it from its own gunicorn beside the portal's)."""

from deeds_portal.settings.prod import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = []
SECURE_SSL_REDIRECT = False
