"""Production settings plus the benchmark's bare view, for the load benchmark only (bench/load.py)."""

from deeds_portal.settings.prod import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# gunicorn is reached over plain HTTP on loopback, without the TLS proxy production has.
SECURE_SSL_REDIRECT = False
