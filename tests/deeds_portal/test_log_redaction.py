"""A volunteer's personal link never reaches a log: the portal's lines, gunicorn's and nginx's
access logs carry its path without the token (one pattern, deeds_portal.jsonlog.PRIVATE_PATH)."""

import logging
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from deeds_portal.jsonlog import redact_path

DEPLOY = Path(settings.BASE_DIR) / "deploy"
TOKEN = "PVZe3BX0mekhbRc9ISJ6UIHbROPLXqf4Qn5me1CpS48"
PATHS = [
    f"/volunteers/me/{TOKEN}/",
    f"/en/volunteers/me/{TOKEN}/",
    f"/volunteers/me/{TOKEN}/certificates/ZYFW-2021-00001/",
    f"/volunteers/me/{TOKEN}",
    "/volunteers/roster/",
    "/volunteers/checkin/12:abc/",
]
PROBE = """
import logging
import django

django.setup()
# How Django reports a 404 and runserver a request line.
logging.getLogger("django.request").warning("Not Found: %s", "/volunteers/me/{token}/")
logging.getLogger("django.server").info('"GET /volunteers/me/{token}/ HTTP/1.1" 200 5120')
"""


def test_the_rule_hides_the_token_and_nothing_else():
    assert [redact_path(path) for path in PATHS] == [
        "/volunteers/me/*/",
        "/en/volunteers/me/*/",
        "/volunteers/me/*/certificates/ZYFW-2021-00001/",
        "/volunteers/me/*",
        "/volunteers/roster/",
        "/volunteers/checkin/12:abc/",
    ]


def test_the_portals_log_lines_carry_no_token():
    for log_format in ("", "json"):
        environment = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "LOG_LEVEL"}}
        environment.update(DJANGO_SETTINGS_MODULE="deeds_portal.settings.dev", LOG_FORMAT=log_format)
        run = subprocess.run(
            [sys.executable, "-c", PROBE.format(token=TOKEN)],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        output = run.stderr + run.stdout
        assert TOKEN not in output
        assert output.count("/volunteers/me/*/") == 2, output


def test_gunicorns_access_log_carries_no_token():
    from gunicorn.config import Config

    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    config = Config()
    config.set("accesslog", "-")
    logger = conf["JsonLogger"](config)
    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    logger.access_log.addHandler(Keep())

    class Response:
        status, sent = "200 OK", 10

    import datetime

    logger.access(Response(), None, {"REQUEST_METHOD": "GET", "PATH_INFO": PATHS[0]}, datetime.timedelta(0))
    assert lines and TOKEN not in lines[-1] and '"path": "/volunteers/me/*/"' in lines[-1]


def test_nginx_logs_the_path_with_the_same_rule():
    site = (DEPLOY / "nginx" / "deeds-portal.conf").read_text()
    assert '"path":"$deeds_logged_path"' in site and '"path":"$uri"' not in site
    match = re.search(r'map \$uri \$deeds_logged_path \{\s*"~(?P<regex>[^"]+)" "(?P<value>[^"]+)";', site)
    pattern = re.compile(match["regex"].replace("(?<", "(?P<"))

    def nginx(path):
        found = pattern.match(path)
        if not found:
            return path
        return re.sub(r"\$\{(\w+)\}", lambda name: found[name[1]], match["value"])

    assert [nginx(path) for path in PATHS] == [redact_path(path) for path in PATHS]
