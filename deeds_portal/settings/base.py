"""Settings shared by every environment.

Every value that differs between machines is read from the environment through
django-environ; nothing secret lives in the repository.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env is a convenience for developers; production sets real variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "deeds_portal.admin_site.PortalAdminConfig",  # django.contrib.admin, guarding every admin
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "deeds_portal.login_lock.LoginLockConfig",  # django-axes, named in Chinese
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "reversion",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    # Shared reference data first, then one app per special task, then the
    # portal that combines them (dependencies point from later to earlier).
    "units",
    "audit",
    "notifications",
    "review",
    "imports",
    "projects",
    "reforms",
    "hotline",
    "volunteers",
    "suggestions",
    "deeds_portal",
]

MIDDLEWARE = [
    # First: a public page's hit runs nothing else. A miss stores the page with the headers the
    # middleware below add (security headers included); the scheme is in its key, so the https
    # redirect and HSTS stay as the security middleware decides (units/public_pages.py).
    "units.public_pages.PublicPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "deeds_portal.middleware.SecurityHeadersMiddleware",
    "deeds_portal.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "deeds_portal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.CurrentRequestMiddleware",  # the user and address of audit entries
    "django_otp.middleware.OTPMiddleware",
    "deeds_portal.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "reversion.middleware.RevisionMiddleware",
    # Last, as django-axes requires: it reads the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "deeds_portal.urls"
WSGI_APPLICATION = "deeds_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite needs no set-up; DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"].get("ENGINE") == "django.db.backends.sqlite3":
    # The embedded default serves several processes at once (runserver beside db_worker):
    # WAL lets readers go on while one writes; IMMEDIATE takes the write lock when a
    # transaction starts, so a transaction that read never fails upgrading to a write
    # ("database is locked" at once, whatever the timeout) and waits its turn instead.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", env.float("SQLITE_BUSY_TIMEOUT", default=20))
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
    )
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# A kept connection is checked before each request reuses it: after a database restart the
# next request reconnects instead of failing with the dead connection.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://deeds-portal")}
# With a shared cache (Redis), each application server keeps a copy of the public pages it
# serves and trusts the generations it read from Redis for this long: a hit then needs no
# round trip. A change saved on this server shows at once, one saved on another within this
# time. 0: every hit asks Redis (units/public_pages.py). The local-memory cache is this
# process's own already: the copy only spares it unpickling the page on every hit. A cache
# shared through files (development: runserver and the worker) is asked every time, so an
# import shows at once.
PUBLIC_PAGE_NEAR_SECONDS = env.float(
    "PUBLIC_PAGE_NEAR_SECONDS",
    default=0.5 if CACHES["default"]["BACKEND"].endswith(("RedisCache", "LocMemCache")) else 0,
)
# Redis down must cost speed, not pages: errors count as misses (deeds_portal/cache.py), and a
# Redis that does not answer is given up on within a second.
# The sign-in counters (deeds_portal.login_throttle) are kept apart from the page cache: a
# flood of query strings fills the page cache, and a full local-memory cache drops its oldest
# entries, a lock among them. With Redis, point it at a database of its own that never evicts.
CACHES["login-throttle"] = env.cache(
    "LOGIN_THROTTLE_CACHE_URL",
    default=env.str("CACHE_URL", default="locmemcache://deeds-portal-login-throttle"),
)
for _alias in CACHES.values():
    if _alias["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        _alias["BACKEND"] = "deeds_portal.cache.TolerantRedisCache"
        _alias.setdefault("OPTIONS", {}).update(socket_connect_timeout=1, socket_timeout=1)
    elif _alias["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
        _alias["BACKEND"] = "deeds_portal.cache.PageLocMemCache"

AUTHENTICATION_BACKENDS = [
    "deeds_portal.login_throttle.AddressThrottleBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Admin login throttling (django-axes): lock a username+address pair after
# repeated failures, so guessing passwords stops being practical.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# …and lock an address failing on many usernames (password spraying). Axes has one
# limit for every parameter combination, so this second, higher limit is counted in
# the cache by deeds_portal.login_throttle, for the same cool-off time.
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a reverse proxy the client address comes from X-Forwarded-For (units/client_ip.py).
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)
# Per-address limits count an IPv6 /64 as one address (units/client_ip.py).
AXES_CLIENT_IP_CALLABLE = "units.client_ip.limit_address"
# Citizens' suggestions and ratings: days their hashed sender addresses are kept (forget_citizen_addresses).
SUGGESTION_ADDRESS_RETENTION_DAYS = env.int("SUGGESTION_ADDRESS_RETENTION_DAYS", default=90)
# How many supports of one suggestion, and ratings of one project, count from one address
# (beside one per browser); a village office or a carrier puts many people behind one address.
SUGGESTION_SUPPORTS_PER_ADDRESS = env.int("SUGGESTION_SUPPORTS_PER_ADDRESS", default=20)
SUGGESTION_RATINGS_PER_ADDRESS = env.int("SUGGESTION_RATINGS_PER_ADDRESS", default=20)
# A second factor (TOTP, deeds_portal/second_factor.py) for office administrators always, and for
# the roles (group names) listed here. In DEBUG, make run's demo accounts sign in without one.
SECOND_FACTOR_ENFORCED = env.bool("SECOND_FACTOR_ENFORCED", default=True)
SECOND_FACTOR_ROLES = env.list("SECOND_FACTOR_ROLES", default=[])
# Review before publishing (review/service.py): the roles (group names) whose changes are public
# at once; superusers always. Everyone else's new records and changes wait for the office (待审核).
REVIEW_DIRECT_PUBLISH_ROLES = env.list("REVIEW_DIRECT_PUBLISH_ROLES", default=["办公室管理员"])
# Setting up an authenticator app needs the one-time enrolment code (启用码) the office hands over
# when it resets a second factor; the code is good for this many hours and this many wrong tries.
SECOND_FACTOR_ENROLMENT_CODE_HOURS = env.float("SECOND_FACTOR_ENROLMENT_CODE_HOURS", default=24)
SECOND_FACTOR_ENROLMENT_CODE_TRIES = 5
SECOND_FACTOR_DEMO_EXEMPT = ["demo-admin", "demo-editor", "demo-leader", "demo-coordinator"]
OTP_TOTP_ISSUER = "我为群众办实事"
# Audit entries older than this are deleted by prune_audit (at least 183 days: 等保2.0 asks six months).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=200)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploads: a photo or a ledger spreadsheet is never larger than this.
# Background jobs (the hotline's case import): rows in the database, run by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Notifications (notifications/): e-mail through Django. EMAIL_URL in production, e.g.
# smtp+tls://user:password@smtp.example.gov.cn:587 (or the EMAIL_* settings one by one);
# the console by default, so development prints what would be sent.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
if env.str("EMAIL_HOST", default="") and not env.str("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env.str("EMAIL_HOST", default=_email.get("EMAIL_HOST") or "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=_email.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default=_email.get("EMAIL_HOST_USER") or "")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default=_email.get("EMAIL_HOST_PASSWORD") or "")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=bool(_email.get("EMAIL_USE_TLS")))
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=bool(_email.get("EMAIL_USE_SSL")))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="我为群众办实事 <noreply@localhost>")
# Each a dotted path to a notifications.channels.Channel; an SMS gateway's channel is added here.
NOTIFICATION_CHANNELS = env.list("NOTIFICATION_CHANNELS", default=["notifications.channels.EmailChannel"])
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)

MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Ledger imports run as background jobs (imports.tasks, `db_worker`), never inside a request:
# the upload is stored and queued, the check (dry run) and the confirmed import each run
# in the worker. Imports run at roughly 200 rows/s (50,000 rows took 241 s), fewer on a
# busy server. A file with more rows is refused before it is parsed, and an xlsx before it
# is unpacked when it would unpack to far more than such a file (a zip bomb).
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20_000)
# A sheet declaring or holding a cell past this column (or past the row limit) is refused
# before it is read: a reader builds the whole rectangle up to its farthest cell.
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=200)
# The parse runs in a child process with this much memory beyond the worker's own: a reader
# that crashes or runs out fails that one job, never the worker (units/isolated_parse.py).
IMPORT_PARSE_MEMORY_BYTES = env.int("IMPORT_PARSE_MEMORY_BYTES", default=1536 * 1024 * 1024)
# …and at most this long (a file within the limits reads in seconds); it counts within the
# stall margin of imports.tasks, so a job still reading is never taken for a lost one.
IMPORT_PARSE_TIME_LIMIT_SECONDS = env.float("IMPORT_PARSE_TIME_LIMIT_SECONDS", default=120)
# Each job of an import (check, confirmed import) stops and rolls back after this.
IMPORT_TIME_LIMIT_SECONDS = env.float("IMPORT_TIME_LIMIT_SECONDS", default=600)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = env.int("IMPORT_MAX_COMPRESSION_RATIO", default=100)

# django-import-export: import and export are permissions of their own
# (``projects.import_project`` …), every import runs in one transaction.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True
# An upload waits between the import's preview and its confirmation in a private
# folder (units/pending_imports.py): beside MEDIA_ROOT, never inside it, as
# everything under MEDIA_ROOT may be served. Unconfirmed uploads are deleted after
# IMPORT_PENDING_MAX_AGE_HOURS (on each new upload and by `sweep_pending_imports`).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "imports.pending.PendingImportStorage"
IMPORT_PENDING_DIR = Path(env.str("IMPORT_PENDING_DIR", default=str(MEDIA_ROOT.parent / "pending-imports")))
IMPORT_PENDING_MAX_AGE_HOURS = env.float("IMPORT_PENDING_MAX_AGE_HOURS", default=4)
# Import jobs (ledgers' and case files') are deleted, rows and all, this many days after their
# upload (units/import_jobs.py); the audit log keeps each import's entry for its own time.
IMPORT_JOB_RETENTION_DAYS = env.int("IMPORT_JOB_RETENTION_DAYS", default=90)

LOGIN_URL = "admin:login"

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # LOG_FORMAT=json (the production env file) writes one JSON object per line.
    "formatters": {"json": {"()": "deeds_portal.jsonlog.JsonFormatter"}},
    # Every line passes the private-path filter: a volunteer's personal link never reaches a log.
    "filters": {"private_paths": {"()": "deeds_portal.jsonlog.RedactPrivatePaths"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["private_paths"],
            **({"formatter": "json"} if env.str("LOG_FORMAT", default="") == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Never log request bodies, SQL parameters or spreadsheet rows: they may carry
    # personal data. django-import-export logs row contents at DEBUG.
    "loggers": {
        # Django's default config gives "django" a console handler of its own (when DEBUG
        # is on) and lets it propagate to the root's: every Django line printed twice.
        # Here the root's handler alone prints it. (That also drops Django's default
        # mail_admins handler; ADMINS is not set, so it sent nothing.)
        "django": {"handlers": [], "level": LOG_LEVEL},
        # runserver's request lines: through the filtered handler, not Django's own.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "import_export": {"level": "INFO"},
    },
}

# Security headers that apply in every environment. HTTPS-only settings are in prod.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# django-import-export's admin templates carry a few cosmetic style="" attributes and
# one inline handler (the export form's "select all" toggle). The admin allows style
# attributes and that one handler, by its hash; never <style> blocks or other scripts.
IMPORT_EXPORT_SELECT_ALL_HANDLER = (
    "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='"  # onSelectToggleChange(event)
)
CONTENT_SECURITY_POLICY_ADMIN = (
    CONTENT_SECURITY_POLICY.replace(
        "script-src 'self'", f"script-src 'self' 'unsafe-hashes' {IMPORT_EXPORT_SELECT_ALL_HANDLER}"
    )
    + "; style-src-attr 'unsafe-inline'"
)
SESSION_COOKIE_HTTPONLY = True
# The admin's language switch is read only by the server (no script reads it), and a
# cross-site request has no business carrying it.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
