"""Error pages a citizen or a member of staff may meet: in the reader's language, with a way home."""

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def test_a_page_that_does_not_exist_says_so_in_chinese_with_a_way_home(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert '<html lang="zh-CN">' in text and "页面不存在" in text and "首页列有各项专项工作" in text
    assert '<a href="/">返回首页</a>' in text
    assert 'name="viewport"' in text  # read on phones
    assert "Not Found" not in text


def test_the_english_side_answers_in_english(client):
    text = client.get("/en/no-such-page/").content.decode()
    assert "Page not found" in text and '<a href="/en/">Back to the home page</a>' in text


def test_staff_without_a_permission_are_told_in_chinese(client, editor_a):
    response = logged_in(client, editor_a).get(reverse("admin:deeds_portal_issuedworkbook_make"))
    assert response.status_code == 403 and "无权访问" in response.content.decode()


def test_a_form_sent_without_its_token_asks_for_a_reload_in_chinese():
    response = Client(enforce_csrf_checks=True).post(reverse("suggestions:new"), {"title": "路灯不亮"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode() and "刷新后重新提交" in response.content.decode()


def test_a_request_from_an_unknown_host_gets_the_chinese_bad_request_page(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400 and "无法识别该请求" in response.content.decode()


def test_the_server_error_and_unavailable_pages_need_no_request_and_are_chinese():
    # Django renders 500.html, and the middleware 503.html, without a request or context.
    with translation.override("zh-hans"):
        assert "错误已记录" in render_to_string("500.html")
        unavailable = render_to_string("503.html")
    assert (
        "门户暂时无法访问" in unavailable and "<a " not in unavailable
    )  # no link into a portal that is down
