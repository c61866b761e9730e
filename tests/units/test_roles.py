"""Roles are declared by the apps themselves; the shared app names none of them."""

import inspect

import pytest
from django.contrib.auth.models import Group

import units.roles
from units.roles import LEADER, UNIT_EDITOR, portal_app_labels

pytestmark = pytest.mark.django_db


def test_the_shared_app_names_no_domain_app():
    source = inspect.getsource(units.roles)
    for domain_app in ["projects", "reforms", "hotline", "volunteers"]:
        assert f'"{domain_app}"' not in source


def test_portal_apps_are_those_that_declare_role_permissions():
    assert {"units", "projects", "reforms", "hotline", "volunteers", "deeds_portal"} <= set(
        portal_app_labels()
    )
    assert "auth" not in portal_app_labels() and "axes" not in portal_app_labels()


def test_the_leader_reads_and_exports_every_portal_app_but_changes_nothing():
    leader = set(
        Group.objects.get(name=LEADER).permissions.values_list("content_type__app_label", "codename")
    )
    assert ("projects", "view_project") in leader
    assert ("projects", "export_project") in leader
    assert ("units", "access_all_units") in leader
    assert not [codename for _, codename in leader if codename.startswith(("add_", "change_", "delete_"))]
    assert not [app for app, _ in leader if app in {"auth", "axes", "reversion"}]


def test_the_unit_editor_gets_what_the_projects_app_declares():
    editor = set(
        Group.objects.get(name=UNIT_EDITOR).permissions.values_list("content_type__app_label", "codename")
    )
    assert ("projects", "change_project") in editor
    assert ("units", "access_all_units") not in editor
