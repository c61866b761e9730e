"""The Chinese admin speaks Chinese, including the login-lock records of django-axes."""

import re

import pytest

from tests.conftest import logged_in

ENGLISH_AXES_LABELS = ["Axes", "AXES", "Access attempts", "Access failures", "Access logs"]


def visible_text(response):
    return re.sub(r"<[^>]+>", " ", response.content.decode())


@pytest.mark.django_db
def test_office_admin_reads_the_login_lock_section_in_chinese(client, office_admin):
    text = visible_text(logged_in(client, office_admin).get("/admin/"))
    for label in ENGLISH_AXES_LABELS:
        assert label not in text
    assert "登录锁定" in text
    assert "登录尝试" in text


@pytest.mark.django_db
def test_office_admin_reads_the_access_attempt_list_in_chinese(client, office_admin):
    text = visible_text(logged_in(client, office_admin).get("/admin/axes/accessattempt/"))
    for label in ["Access attempt", "User Agent", "IP Address", "Attempt Time", "Failed Logins"]:
        assert label not in text


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["office_admin", "editor_a", "leader"])
def test_every_section_and_ledger_on_the_admin_home_is_named_in_chinese(client, persona, request):
    """Walks the admin home's own list, so a package's section added later is checked too."""
    home = logged_in(client, request.getfixturevalue(persona)).get("/admin/")
    sections = home.context["app_list"]
    assert sections
    for section in sections:
        assert CJK.search(str(section["name"])), section["name"]
        for model in section["models"]:
            assert CJK.search(str(model["name"])), (section["name"], model["name"])
    text = visible_text(home)
    for label in ["Static devices", "TOTP devices", "Task Results", "Tasks Database Backend", "OTP_"]:
        assert label not in text
