"""Every registered admin (the portal's and third-party ones: axes, django-otp, tasks) answers
hand-edited junk in its list, export and object addresses without a server error: a bad filter
gives the unfiltered list with a Chinese message, a NUL in an object address a 404.

Runs on SQLite and on PostgreSQL (DATABASE_URL), which refuses NUL bytes in any text."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.db import models
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from units.admin_guard import ChangeListGuard

pytestmark = pytest.mark.django_db

BIG = "99999999999999999999"
JUNK = ["abc", "\x00", BIG]
MESSAGE = "筛选条件无效"
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
IDS = [model._meta.label for model, _admin in REGISTERED]


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root-fuzz", password="x")


def admin_url(model, view, *args):
    opts = model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)
    except NoReverseMatch:
        return None


def junk_queries(model, model_admin, user):
    """Malformed values for every parameter the list understands, and for every field."""
    request = RequestFactory().get("/")
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    parameters = {name for spec in changelist.filter_specs for name in spec.expected_parameters()}
    queries = [{name: value} for name in sorted(parameters) for value in JUNK]
    for field in model._meta.concrete_fields:
        if isinstance(field, models.DateField):
            queries += [{f"{field.name}__year": BIG}, {f"{field.name}__year": "abc"}]
        if field.is_relation:
            queries.append({f"{field.name}__id__exact": "abc"})
    if model_admin.date_hierarchy:
        name = model_admin.date_hierarchy
        queries += [
            {f"{name}__year": BIG},
            {f"{name}__year": "9999", f"{name}__month": "12"},
            {f"{name}__year": "2021", f"{name}__month": "99"},
            {f"{name}__year": "2021", f"{name}__month": "2", f"{name}__day": "30"},
        ]
    return queries + [{"id": "\x00"}, {"q": "a\x00b"}, {"o": "abc"}, {"p": "abc"}, {"e": "1"}]


def assert_answered(url, response, list_url) -> bool:
    """A page (the filter ignored, as Django does for some), or the unfiltered list with the
    message queued: True when the answer was sent back to the list."""
    assert response.status_code in (200, 302), (url, response.status_code)
    if response.status_code != 302:
        return False
    location = response["Location"]
    assert location == list_url or not location.startswith(list_url), (url, location)
    if location != list_url:
        return False
    told = [str(message) for message in get_messages(response.wsgi_request)]
    assert len(told) == 1 and MESSAGE in told[0], (url, told)
    return True


def get_unread(client, url, query):
    """The answer to ``url?query`` with no message left unread from an earlier request, so
    the messages its request carries are its own."""
    client.cookies.pop("messages", None)
    return client.get(url, query)


def assert_list_shows_the_message(client, list_url):
    # The list a refused filter is sent back to is the same address whatever the junk was, so
    # it is opened after the first refusal only; every refusal is seen to queue the message.
    page = client.get(list_url, follow=True)  # the review queue opens on its pending items
    assert page.status_code == 200 and MESSAGE in page.text, list_url


def test_every_registered_admin_uses_the_guarded_list(superuser):
    request = RequestFactory().get("/")
    request.user = superuser
    for model, model_admin in REGISTERED:
        assert issubclass(model_admin.get_changelist(request), ChangeListGuard), model._meta.label


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=IDS)
def test_junk_in_a_list_or_export_address_is_never_a_server_error(client, superuser, model, model_admin):
    client.force_login(superuser)
    list_url = admin_url(model, "changelist")
    export_url = admin_url(model, "export")
    urls = [list_url, export_url] if export_url else [list_url]
    list_seen = False
    for query in junk_queries(model, model_admin, superuser):
        for url in urls:
            response = get_unread(client, url, query)
            if assert_answered(f"{url} {query!r}", response, list_url) and not list_seen:
                assert_list_shows_the_message(client, list_url)
                list_seen = True


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=IDS)
def test_a_nul_in_an_object_address_is_not_found(client, superuser, model, model_admin):
    client.force_login(superuser)
    for view in ("history", "change", "delete"):
        url = admin_url(model, view, "\x00")
        if url:
            assert client.get(url).status_code == 404, url


def test_the_audit_export_with_a_bad_filter_shows_the_list_with_a_message(client, superuser):
    client.force_login(superuser)
    export = reverse("admin:audit_auditentry_export")
    listing = reverse("admin:audit_auditentry_changelist")
    for query in ({"time__year": "abc"}, {"user__id__exact": "abc"}, {"q": "\x00"}, {"time__year": BIG}):
        response = client.get(export, query, follow=True)
        assert response.redirect_chain == [(listing, 302)], query
        assert response.status_code == 200 and MESSAGE in response.text
    good = client.get(export, {"action__exact": "sign_in"})
    assert good.status_code == 200 and good["Content-Type"] == "text/csv"


def test_good_filters_still_filter(client, superuser):
    client.force_login(superuser)
    listing = reverse("admin:audit_auditentry_changelist")
    response = client.get(listing, {"time__year": "2021"})
    assert response.status_code == 200 and MESSAGE not in response.text
