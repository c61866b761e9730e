"""Production: refuses to start without a real secret, hosts and a database."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import EMAIL_BACKEND, NOTIFICATION_CHANNELS, SECRET_KEY, env

DEBUG = False

if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("dev-", "test-", "django-insecure")):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters.")
ALLOWED_HOSTS = [host for host in env.list("ALLOWED_HOSTS", default=[]) if host]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the portal's host names.")
if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured("DATABASE_URL must be set in production.")

# The portal sits behind a TLS-terminating proxy (nginx) that sets this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True

# Without a mail server (EMAIL_URL or EMAIL_HOST) nothing is mailed: the console backend, the
# development default, would write every message with its address into the worker's log.
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
    NOTIFICATION_CHANNELS = [
        path for path in NOTIFICATION_CHANNELS if path != "notifications.channels.EmailChannel"
    ]
