"""The files in deploy/ agree with the portal's own limits (deploy/stack.sh runs them for real)."""

import re
import runpy
import subprocess
import sys
from pathlib import Path

from django.conf import settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX_SITE = (DEPLOY / "nginx" / "deeds-portal.conf").read_text()


def nginx_size(directive: str) -> int:
    number, unit = re.search(rf"^\s*{directive}\s+(\d+)([km]?);", NGINX_SITE, re.M).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit]


def nginx_seconds(directive: str) -> int:
    return int(re.search(rf"^\s*{directive}\s+(\d+)s;", NGINX_SITE, re.M).group(1))


def test_nginx_lets_through_every_upload_the_portal_accepts_and_little_more():
    body_limit = nginx_size("client_max_body_size")
    assert settings.MAX_UPLOAD_BYTES < body_limit <= settings.MAX_UPLOAD_BYTES + 2 * 1024 * 1024


def test_nginx_waits_for_a_request_exactly_as_long_as_gunicorn_lets_it_run():
    gunicorn = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert nginx_seconds("proxy_read_timeout") == gunicorn["timeout"] == 30
    assert nginx_seconds("proxy_send_timeout") == gunicorn["timeout"]


def test_media_goes_through_the_portal_and_a_timed_out_request_is_not_run_twice():
    assert "location /media/" not in NGINX_SITE  # photos go to `location /` (the app's access check)
    assert re.search(r"^\s*proxy_next_upstream error;", NGINX_SITE, re.M)


def render(*arguments):
    return subprocess.run(
        [sys.executable, str(DEPLOY / "render.py"), *arguments], capture_output=True, text=True, check=False
    )


def test_render_refuses_a_placeholder_left_unfilled(tmp_path):
    template = tmp_path / "site.conf"
    template.write_text(
        "upstream x {\n    server {{*APP_SERVER}} max_fails=1;\n}\nlisten {{HTTPS_LISTEN}};\n"
    )

    result = render(str(template), "APP_SERVER=127.0.0.1:8001 127.0.0.1:8002")
    assert result.returncode != 0 and "HTTPS_LISTEN" in result.stderr and result.stdout == ""

    result = render(str(template), "APP_SERVER=127.0.0.1:8001 127.0.0.1:8002", "HTTPS_LISTEN=443 ssl")
    assert result.stdout == (
        "upstream x {\n    server 127.0.0.1:8001 max_fails=1;\n    server 127.0.0.1:8002 max_fails=1;\n}\n"
        "listen 443 ssl;\n"
    )


def redis_setting(conf: str, name: str) -> str:
    return re.search(rf"^{name}\s+(\S+)", (DEPLOY / "redis" / conf).read_text(), re.M).group(1)


def env_example(name: str) -> str:
    text = (DEPLOY / "deeds-portal.env.example").read_text()
    return re.search(rf"^{name}=(\S+)", text, re.M).group(1)


def test_the_page_cache_evicts_in_a_redis_of_its_own_and_sign_in_locks_are_never_evicted():
    assert redis_setting("page-cache.conf", "maxmemory-policy") == "allkeys-lru"
    assert redis_setting("page-cache.conf", "maxmemory").endswith("mb")
    assert redis_setting("login-throttle.conf", "maxmemory-policy") == "noeviction"
    page_cache, throttle = env_example("CACHE_URL"), env_example("LOGIN_THROTTLE_CACHE_URL")
    assert f":{redis_setting('page-cache.conf', 'port')}/" in page_cache
    assert f":{redis_setting('login-throttle.conf', 'port')}/" in throttle
    stack = (DEPLOY / "stack.sh").read_text()
    assert (
        "page-cache.conf" in stack and "login-throttle.conf" in stack and "LOGIN_THROTTLE_CACHE_URL" in stack
    )


def test_every_nginx_server_hides_its_version():
    # The site file is included into Debian's own nginx.conf, which leaves server_tokens on:
    # each server block here must switch it off itself.
    servers = re.split(r"^server \{", NGINX_SITE, flags=re.M)[1:]
    assert len(servers) == 2
    for server in servers:
        assert re.search(r"^\s*server_tokens off;", server, re.M), server[:80]
