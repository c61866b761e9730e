"""The production settings module, loaded in this process (the deploy check runs it in a subprocess)."""

import importlib
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

GOOD = {
    "SECRET_KEY": "p" * 30 + "-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "deeds.example.gov.cn,www.deeds.example.gov.cn",
    "DATABASE_URL": "postgres://deeds:secret@db.internal:5432/deeds",
}


def load_prod(monkeypatch, **environment):
    for name in ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DEBUG", "SECURE_HSTS_SECONDS"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        if value is not None:  # None: the variable is not set at all
            monkeypatch.setenv(name, value)
    # base reads the environment when imported: load it afresh, and put the running one back.
    running_base = sys.modules.pop("deeds_portal.settings.base")
    sys.modules.pop("deeds_portal.settings.prod", None)
    try:
        return importlib.import_module("deeds_portal.settings.prod")
    finally:
        sys.modules.pop("deeds_portal.settings.prod", None)
        sys.modules["deeds_portal.settings.base"] = running_base


def test_production_settings_are_strict(monkeypatch):
    prod = load_prod(monkeypatch, DEBUG="on", **GOOD)
    assert prod.DEBUG is False  # DEBUG=on in the environment cannot switch debug pages on
    assert prod.ALLOWED_HOSTS == ["deeds.example.gov.cn", "www.deeds.example.gov.cn"]
    assert prod.SESSION_COOKIE_SECURE and prod.CSRF_COOKIE_SECURE
    assert prod.LANGUAGE_COOKIE_SECURE and prod.LANGUAGE_COOKIE_HTTPONLY
    assert prod.LANGUAGE_COOKIE_SAMESITE == "Lax"
    assert prod.SECURE_SSL_REDIRECT and prod.SECURE_HSTS_SECONDS >= 31_536_000
    assert prod.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert prod.TIME_ZONE == "Asia/Shanghai" and prod.LANGUAGE_CODE == "zh-hans"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "dev-" + "x" * 60}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
    ],
)
def test_production_refuses_an_unsafe_configuration(monkeypatch, override, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        load_prod(monkeypatch, **{**GOOD, **override})
