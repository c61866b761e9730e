"""Hand-edited admin URLs: a malformed filter never becomes a server error."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.conftest import logged_in

pytestmark = pytest.mark.django_db
PROJECTS = reverse("admin:projects_project_changelist")
EXPORT = reverse("admin:projects_project_export")
ROUNDS = reverse("admin:projects_round_changelist")


def answers_without_error(response, url):
    """The answer to bad lookups is the list without filters (with a message); 400/404 are fine too."""
    if response.status_code == 302:
        return response["Location"] == url
    return response.status_code in (400, 404)


def shown_or_refused(response, url):
    """Some malformed filters the list simply ignores (Django drops them) and shows the page."""
    return response.status_code == 200 or answers_without_error(response, url)


@pytest.mark.parametrize(
    "query",
    [
        {"deadline__year": "99999999999"},
        {"deadline__year": "9999"},  # the year after 9999 does not exist
        {"deadline__year": "9999", "deadline__month": "12"},
        {"deadline__year": "2021", "deadline__month": "99"},
        {"deadline__year": "abc"},
        {"category__exact": "\x00"},  # PostgreSQL refuses a NUL byte in a query
        {"is_public__exact": "\x00"},
    ],
)
def test_list_with_an_impossible_filter_value(client, office_admin, make_project, query):
    make_project()
    response = logged_in(client, office_admin).get(PROJECTS, query)
    assert answers_without_error(response, PROJECTS), response.status_code


def test_date_drill_down_on_rounds_too(client, office_admin, round_):
    response = logged_in(client, office_admin).get(ROUNDS, {"start_date__year": "99999999999"})
    assert answers_without_error(response, ROUNDS), response.status_code


@pytest.mark.parametrize(
    "query",
    [
        {"round__id__exact": "abc"},
        {"unit__id__exact": "1;DROP"},
        {"no_such_field": "1"},
        {"deadline__year": "99999999999"},
        {"is_public__exact": "maybe"},
        {"category__exact": "\x00"},
    ],
)
def test_export_page_with_a_malformed_filter(client, office_admin, make_project, query):
    make_project()
    client = logged_in(client, office_admin)
    response = client.get(EXPORT, query)
    assert shown_or_refused(response, PROJECTS), response.status_code
    posted = client.post(f"{EXPORT}?{urlencode(query)}", {"format": "0", "resource": "0"})
    assert shown_or_refused(posted, PROJECTS) or posted["Content-Type"].startswith("application/"), (
        posted.status_code
    )


def test_a_bad_filter_shows_the_unfiltered_list_with_a_chinese_message(client, office_admin, make_project):
    make_project(title="仍然列出的项目")
    response = logged_in(client, office_admin).get(PROJECTS, {"deadline__year": "99999999999"}, follow=True)
    assert response.redirect_chain == [(PROJECTS, 302)]
    assert "地址中的筛选条件无效" in response.text and "仍然列出的项目" in response.text


def test_export_page_with_good_filters_still_works(client, office_admin, make_project, round_):
    make_project(title="要导出的项目")
    response = logged_in(client, office_admin).get(EXPORT, {"round__id__exact": round_.pk})
    assert response.status_code == 200
