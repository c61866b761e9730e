"""A record's history offers a restore only to those who may restore: no link that answers 403."""

import datetime

import reversion
from django.contrib import admin
from django.urls import reverse
from reversion.admin import VersionAdmin

from hotline.models import Month
from tests.conftest import logged_in
from tests.hotline.factories import make_month
from units.history import RecordHistoryMixin


def test_every_admin_with_history_restores_through_the_one_gate():
    with_history = [a for a in admin.site._registry.values() if isinstance(a, VersionAdmin)]
    assert with_history
    ungated = [type(a).__name__ for a in with_history if not isinstance(a, RecordHistoryMixin)]
    assert ungated == []


def _month_with_history():
    month = make_month(datetime.date(2021, 6, 1), calls=100)
    with reversion.create_revision():
        month.calls = 120
        month.save()
    return month


def history_of(client, obj):
    opts = obj._meta
    return client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]))


def test_a_leader_reads_the_history_without_a_restore_link(client, leader, db):
    month = _month_with_history()
    page = history_of(logged_in(client, leader), month)
    assert page.status_code == 200
    (version,) = page.context["action_list"]
    assert version["url"] not in page.text
    assert "恢复" in page.text  # says restoring is for others, in Chinese
    assert client.get(version["url"]).status_code == 403
    assert client.post(version["url"], {}).status_code == 403
    assert Month.objects.get().calls == 120


def test_the_office_gets_the_restore_link_and_page(client, office_admin, db):
    month = _month_with_history()
    page = history_of(logged_in(client, office_admin), month)
    (version,) = page.context["action_list"]
    assert f'href="{version["url"]}"' in page.text
    assert client.get(version["url"]).status_code == 200


def test_an_editor_sees_no_restore_link_on_an_approved_project(client, editor_a, make_project):
    project = make_project(title="修建一座风雨桥")
    with reversion.create_revision():
        project.save()
    page = history_of(logged_in(client, editor_a), project)
    assert page.status_code == 200
    (version,) = page.context["action_list"]
    assert version["url"] not in page.text
    assert client.get(version["url"]).status_code == 403
