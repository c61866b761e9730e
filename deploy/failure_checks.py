"""Probes deploy/bench.sh runs while a failure is under way (stack environment required).

healthz SECONDS     poll /healthz through nginx; print the status codes seen, in order
until-healthy MAX   poll /healthz until it answers 200; print how long that took
login-lock          with the cache down: the admin login lock still holds, logins still work
cache               what Django's cache does right now (a value, or the error it raises)
"""

import http.cookiejar
import json
import os
import re
import secrets
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402

ORIGIN = os.environ["STACK_ORIGIN"]
TLS = ssl.create_default_context(cafile=str(Path(os.environ["STACK_DIR"]) / "tls.crt"))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=TLS), urllib.request.HTTPCookieProcessor(jar), NoRedirect
    )

    def fetch(path, data=None):
        request = urllib.request.Request(ORIGIN + path, data=data, headers={"Referer": ORIGIN + path})
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    return fetch


def log_in(fetch, username, password):
    _, _, body = fetch("/admin/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
    status, _, _ = fetch("/admin/login/", urllib.parse.urlencode(form).encode())
    return status


def healthz(seconds):
    fetch, seen, end = browser(), [], time.monotonic() + seconds
    while time.monotonic() < end:
        seen.append(fetch("/healthz")[0])
        time.sleep(0.25)
    print(json.dumps({"healthz_statuses": seen}))


def until_healthy(limit):
    fetch, started = browser(), time.monotonic()
    while fetch("/healthz")[0] != 200:
        if time.monotonic() - started > limit:
            sys.exit(f"/healthz not 200 after {limit} s")
        time.sleep(0.1)
    print(json.dumps({"healthy_after_s": round(time.monotonic() - started, 2)}))


def login_lock():
    password = secrets.token_urlsafe(16)
    users = get_user_model().objects
    for name in ("lock-target", "lock-bystander"):
        user, _ = users.get_or_create(username=name, defaults={"is_staff": True, "is_superuser": True})
        user.set_password(password)
        user.save()
    from axes.utils import reset

    reset(username="lock-target")
    guesser = browser()
    guesses = [log_in(guesser, "lock-target", f"wrong-{n}") for n in range(settings.AXES_FAILURE_LIMIT)]
    after_lock = log_in(guesser, "lock-target", password)
    bystander = browser()
    bystander_login = log_in(bystander, "lock-bystander", password)
    admin_page = bystander("/admin/")[0]
    print(
        json.dumps(
            {
                "wrong_guesses": guesses,
                "right_password_after_lock": after_lock,
                "lock_held": after_lock != 302,
                "other_user_login": bystander_login,
                "other_user_admin_page": admin_page,
            }
        )
    )
    reset(username="lock-target")


def cache():
    from django.core.cache import cache as default_cache

    try:
        default_cache.set("failure-check", "ok", 5)
        print(json.dumps({"cache": "answered", "value": default_cache.get("failure-check")}))
    except Exception as error:  # what a page using the cache would see
        print(json.dumps({"cache": "raised", "error": f"{type(error).__module__}.{type(error).__name__}"}))


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["?"]
    commands = {
        "healthz": lambda: healthz(float(rest[0])),
        "until-healthy": lambda: until_healthy(float(rest[0])),
    }
    commands |= {"login-lock": login_lock, "cache": cache}
    if command not in commands:
        sys.exit(__doc__)
    commands[command]()
