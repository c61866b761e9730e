"""In development every log line is printed once, whichever logger writes it."""

import os
import subprocess
import sys

from django.conf import settings

LOGGERS = ["django.request", "django.security.csrf", "axes.handlers", "projects", "import_export"]
PROBE = """
import logging
import django

django.setup()
for name in {loggers!r}:
    logging.getLogger(name).warning("probe from %s", name)
"""


def test_each_log_line_is_printed_once_in_development():
    environment = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "LOG_LEVEL"}}
    environment["DJANGO_SETTINGS_MODULE"] = "deeds_portal.settings.dev"
    run = subprocess.run(
        [sys.executable, "-c", PROBE.format(loggers=LOGGERS)],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for name in LOGGERS:
        assert run.stderr.count(f"probe from {name}\n") == 1, run.stderr
