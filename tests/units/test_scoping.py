"""Unit ownership, declared once per model and asked through one set of functions."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import ProgressUpdate, Project, Round
from tests.conftest import add_update, logged_in
from units.scoping import may_touch, owning_unit_id, unit_ids_of, unit_path_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_projects(make_project, unit_a, unit_b):
    mine, theirs = make_project(unit=unit_a), make_project(unit=unit_b)
    add_update(mine, datetime.date(2021, 5, 2), 10)
    add_update(theirs, datetime.date(2021, 5, 2), 20)
    return mine, theirs


def test_models_declare_how_they_reach_their_unit():
    assert unit_path_of(Project) == "unit"
    assert unit_path_of(ProgressUpdate) == "project__unit"
    assert unit_path_of(Round) is None  # rounds belong to the office, not to a unit


def test_for_user_gives_an_editor_only_their_units_rows(two_projects, editor_a, office_admin, leader):
    mine, theirs = two_projects
    assert list(Project.objects.for_user(editor_a)) == [mine]
    assert list(ProgressUpdate.objects.for_user(editor_a).values_list("project", flat=True)) == [mine.pk]
    assert set(Project.objects.for_user(office_admin)) == {mine, theirs}
    assert set(Project.objects.for_user(leader)) == {mine, theirs}
    assert not Project.objects.for_user(AnonymousUser()).exists()


def test_may_touch_follows_the_declared_path(two_projects, editor_a):
    mine, theirs = two_projects
    assert owning_unit_id(mine.updates.get()) == mine.unit_id
    assert may_touch(editor_a, mine) and may_touch(editor_a, mine.updates.get())
    assert not may_touch(editor_a, theirs) and not may_touch(editor_a, theirs.updates.get())


def test_a_users_units_are_read_once(two_projects, editor_a):
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            unit_ids_of(editor_a)
    assert len(queries) == 1


def test_an_editors_project_page_looks_their_units_up_once(client, two_projects, editor_a):
    mine, _ = two_projects
    client = logged_in(client, editor_a)
    url = reverse("admin:projects_project_change", args=[mine.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    membership = [q["sql"] for q in queries if "units_unit_members" in q["sql"]]
    assert len(membership) == 1, membership
    # 21 before the membership was remembered per request (9 of them the same check).
    # 12 before review before publishing: +1 whether the user publishes directly (their
    # roles, once per request), +1 the record's latest submission (the office's comment),
    # +1 the editor's own waiting or sent-back changes of the record and its rows (the form shows them).
    assert len(queries) <= 15, [q["sql"][:80] for q in queries]
