"""One JSON object per log line, for the app servers' logs (LOG_FORMAT=json), and the one
rule for paths that must never reach a log.

Only the record's own message goes out, never the request attached to it by Django:
a request carries cookies, query strings and form fields that may identify a resident.

A volunteer's personal link (``/volunteers/me/<token>/``) is their proof of who they are:
every logged path passes ``redact_path`` (the portal's handlers through
``RedactPrivatePaths``, gunicorn's access log in deploy/gunicorn.conf.py), and nginx's
access log applies the same pattern (``PRIVATE_PATH_NGINX``, checked against this one
by tests/deeds_portal/test_log_redaction.py).
"""

import json
import logging
import re
from datetime import UTC, datetime

# A path segment that is a secret: the token of a volunteer's personal link.
PRIVATE_PATH = re.compile(r"(/volunteers/me/)[^/?#\s\"]+")
REDACTED = "*"


def redact_path(text: str | None) -> str | None:
    """``text`` with the secret segment of every private path replaced by ``*``."""
    return PRIVATE_PATH.sub(r"\g<1>" + REDACTED, text) if text else text


class RedactPrivatePaths(logging.Filter):
    """On every handler of the portal: a message naming a personal link (Django's "Not Found:
    /volunteers/me/…", runserver's request lines) is written without the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_path(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
