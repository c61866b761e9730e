"""Smoke test of the running stack through nginx over HTTPS (``deploy/stack.sh smoke``).

Public pages, a hashed static file and its cache lifetime, /healthz, an admin login and a
published photo, each through nginx exactly as a browser reaches them; then the logs are
searched for a value sent in a query string, which must not appear. Exits non-zero on the
first failure. Needs the stack's environment (stack.sh provides it) to create its admin
account and its photo.
"""

import http.cookiejar
import io
import json
import os
import re
import secrets
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django_otp.oath import totp  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from PIL import Image  # noqa: E402

from projects.models import ProgressStatus, ProgressUpdate, Project  # noqa: E402

ORIGIN = os.environ["STACK_ORIGIN"]
STATE = Path(os.environ["STACK_DIR"])
TLS = ssl.create_default_context(cafile=str(STATE / "tls.crt"))
PRIVATE_MARKER = "smoke-" + secrets.token_hex(6)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


cookies = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(
    urllib.request.HTTPSHandler(context=TLS), urllib.request.HTTPCookieProcessor(cookies), NoRedirect
)


def fetch(url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        sys.exit(1)


def make_photo_and_admin():
    password = secrets.token_urlsafe(16)
    admin, _ = get_user_model().objects.get_or_create(
        username="smoke-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    admin.set_password(password)
    admin.save()
    # Administrators sign in with a second factor in production: the smoke admin has an
    # authenticator device, and the login below sends its current code.
    TOTPDevice.objects.get_or_create(user=admin, name="smoke", defaults={"confirmed": True})
    project = Project.objects.published().order_by("pk").first()
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(jpeg, "JPEG")
    update = ProgressUpdate(project=project, percent=50, status=ProgressStatus.IN_PROGRESS)
    update.photo.save("smoke.jpg", ContentFile(jpeg.getvalue()), save=False)
    update.save()
    return admin.username, password, update.photo.name, jpeg.getvalue()


def current_code(username) -> str:
    device = TOTPDevice.objects.get(user__username=username, name="smoke")
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def main():
    username, password, photo_name, photo_bytes = make_photo_and_admin()
    http_origin = "http://127.0.0.1:" + os.environ["STACK_HTTP_PORT"]

    status, headers, _ = fetch(http_origin + "/projects/")
    check(status == 301 and headers["Location"] == ORIGIN + "/projects/", "plain HTTP redirects to HTTPS")

    status, headers, body = fetch(ORIGIN + "/")
    check(status == 200 and "max-age=31536000" in headers.get("Strict-Transport-Security", ""), "dashboard")
    status, _, body = fetch(f"{ORIGIN}/projects/?q={PRIVATE_MARKER}")
    check(status == 200 and re.search(r"/projects/\d+/", body.decode()), "project list")

    status, _, body = fetch(ORIGIN + "/healthz")
    check(status == 200 and body == b"ok\n", "/healthz")

    manifest = json.loads((STATE / "static" / "staticfiles.json").read_text())["paths"]
    hashed = next(path for name, path in manifest.items() if name.endswith(".css"))
    status, headers, _ = fetch(f"{ORIGIN}/static/{hashed}", headers={"Accept-Encoding": "gzip"})
    check(
        status == 200 and "immutable" in headers["Cache-Control"] and headers["Content-Encoding"] == "gzip",
        f"static {hashed}: cached for a year, gzipped",
    )

    status, headers, body = fetch(f"{ORIGIN}/media/{photo_name}")
    check(
        status == 200 and body == photo_bytes and headers["Content-Type"] == "image/jpeg", "published photo"
    )

    megabyte = 1024 * 1024
    status, _, _ = fetch(ORIGIN + "/projects/", b"x" * (settings.MAX_UPLOAD_BYTES + megabyte // 2))
    check(status != 413, "an upload just over MAX_UPLOAD_BYTES reaches the portal (its own message)")
    status, _, _ = fetch(ORIGIN + "/projects/", b"x" * (settings.MAX_UPLOAD_BYTES + 3 * megabyte))
    check(status == 413, "a far larger upload is refused by nginx")

    status, _, body = fetch(ORIGIN + "/admin/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": password,
            "otp_token": current_code(username),
            "next": "/admin/",
        }
    ).encode()
    status, headers, _ = fetch(ORIGIN + "/admin/login/", form, {"Referer": ORIGIN + "/admin/login/"})
    check(status == 302 and headers["Location"] == "/admin/", "admin login")
    session = next(cookie for cookie in cookies if cookie.name == "sessionid")
    check(session.secure, "session cookie is Secure")
    status, _, body = fetch(ORIGIN + "/admin/")
    check(status == 200 and username.encode() in body, "admin index after login")

    logs = "".join(path.read_text(errors="replace") for path in (STATE / "logs").glob("*"))
    check(PRIVATE_MARKER not in logs, "no query string in any log")
    print("smoke: all checks passed")


if __name__ == "__main__":
    main()
