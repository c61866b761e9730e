"""gunicorn settings for every app server (systemd unit and deploy/stack.sh alike).

The access log is one JSON object per request with the path but never the query
string, the client address, cookies or the user agent: those can identify a resident.
"""

import json
import os
import time

from gunicorn.glogging import Logger

# The long-work rule: a request that takes longer than this is killed, and nginx waits
# exactly as long (proxy_read_timeout in deploy/nginx/deeds-portal.conf).
timeout = 30
graceful_timeout = 30
# WEB_CONCURRENCY (the environment file) overrides this; gunicorn reads it itself.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# nginx buffers slow clients, so plain synchronous workers suffice.
worker_class = "sync"
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"
# gunicorn's control socket is one path per system user: a second app server on the machine
# fails to open it and logs an error at every start. Nothing here uses it.
control_socket_disable = True


class JsonLogger(Logger):
    """Access lines as JSON: method, path, status, bytes, duration; nothing about the person."""

    def access(self, resp, req, environ, request_time):
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.syslog):
            return
        # Imported here: the project is importable once the app is loaded, not when this file is read.
        from deeds_portal.jsonlog import redact_path

        record = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "type": "access",
            "method": environ.get("REQUEST_METHOD"),
            "path": redact_path(environ.get("PATH_INFO")),  # never a volunteer's personal link
            "status": int(str(resp.status).split()[0]) if resp.status else None,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "pid": os.getpid(),
        }
        self.access_log.info(json.dumps(record, ensure_ascii=False))


logger_class = JsonLogger

# gunicorn's own messages (worker boot, timeouts) as JSON lines like the portal's; access
# lines are already JSON (JsonLogger above).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"private_paths": {"()": "deeds_portal.jsonlog.RedactPrivatePaths"}},
    "formatters": {
        "json": {"()": "deeds_portal.jsonlog.JsonFormatter"},
        "bare": {"format": "%(message)s"},
    },
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["private_paths"],
            "stream": "ext://sys.stderr",
        },
        "access_console": {
            "class": "logging.StreamHandler",
            "formatter": "bare",
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["error_console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access_console"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["error_console"], "level": "INFO"},
}
