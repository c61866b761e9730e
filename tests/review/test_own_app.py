"""Review before publishing is an app of its own (issue 20): the queue's addresses from when it
was part of units still open the same pages, and the permission to decide moved with the model
without anyone losing it."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.models import AuditEntry
from review import service as review
from review.models import ReviewRequest, ReviewStatus
from tests.conftest import logged_in
from tests.units.factories import make_user
from units.roles import LEADER, OFFICE_ADMIN, UNIT_EDITOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(make_project, editor_a):
    """An editor's new project, waiting for the office."""
    return review.save_new(make_project(title="修建一座风雨桥"), editor_a)


def test_the_old_queue_address_opens_the_queue_with_its_filter(client, office_admin, waiting):
    response = logged_in(client, office_admin).get("/admin/units/reviewrequest/?status__exact=pending")
    assert response.status_code == 301
    assert response["Location"] == "/admin/review/reviewrequest/?status__exact=pending"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "修建一座风雨桥" in page.text


@pytest.mark.parametrize(
    ("who", "old", "new"),
    [
        ("editor_a", "/admin/units/reviewrequest/mine/", "/admin/review/reviewrequest/mine/"),
        (
            "office_admin",
            "/admin/units/reviewrequest/{pk}/change/",
            "/admin/review/reviewrequest/{pk}/change/",
        ),
        ("office_admin", "/admin/units/reviewrequest/", "/admin/review/reviewrequest/"),
    ],
)
def test_each_old_address_of_the_queue_opens_the_same_page(client, request, waiting, who, old, new):
    response = logged_in(client, request.getfixturevalue(who)).get(old.format(pk=waiting.pk), follow=True)
    assert response.redirect_chain[0] == (new.format(pk=waiting.pk), 301)
    assert response.status_code == 200 and "修建一座风雨桥" in response.text


def test_a_decision_sent_to_the_old_address_is_made_once(client, office_admin, waiting):
    response = logged_in(client, office_admin).post(
        f"/admin/units/reviewrequest/{waiting.pk}/change/",
        {"decision": "send_back", "comment": "请写明桥的位置"},
        follow=True,
    )
    assert response.redirect_chain[0][1] == 308 and response.status_code == 200
    waiting.refresh_from_db()
    assert (waiting.status, waiting.comment) == (ReviewStatus.RETURNED, "请写明桥的位置")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SEND_BACK).count() == 1


def _granted(role):
    return set(Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename"))


def test_the_office_decides_the_leader_reads_the_editor_does_neither(office_admin, leader, editor_a, waiting):
    assert {("review", "decide_reviewrequest"), ("review", "view_reviewrequest")} <= _granted(OFFICE_ADMIN)
    assert ("review", "view_reviewrequest") in _granted(LEADER)
    assert ("review", "decide_reviewrequest") not in _granted(LEADER)
    assert not {codename for app, codename in _granted(UNIT_EDITOR) if app == "review"}
    assert not Permission.objects.filter(content_type__app_label="units", codename__endswith="reviewrequest")
    assert review.may_decide(office_admin, waiting)
    assert not review.may_decide(leader, waiting)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_a_database_made_before_the_move_keeps_who_may_decide_and_what_the_audit_trail_names():
    """The database as units left it (the submissions' content type and permissions under units,
    the office given units.decide_reviewrequest) is migrated forward: the same rows now read
    review.*, so the office still decides and the audit entries still name submissions."""
    decide = Permission.objects.get(content_type__app_label="review", codename="decide_reviewrequest")
    content_type = decide.content_type
    deputy = get_user_model().objects.create_user("deputy", is_staff=True)
    deputy.user_permissions.add(decide)  # a single permission given beside the roles
    entry = AuditEntry.objects.create(
        action=AuditEntry.Action.APPROVAL, object_type=content_type, object_id="7"
    )
    try:
        _migrate([("review", None)])  # back to before the move: units 0004, no review app
        ContentType.objects.clear_cache()
        as_before = Permission.objects.get(pk=decide.pk)
        assert (as_before.content_type.app_label, as_before.codename) == ("units", "decide_reviewrequest")
        assert Group.objects.get(name=OFFICE_ADMIN).permissions.filter(pk=decide.pk).exists()
    finally:
        _migrate(_latest())
        ContentType.objects.clear_cache()

    moved = ContentType.objects.get(pk=content_type.pk)
    assert (moved.app_label, moved.model) == ("review", "reviewrequest")
    assert moved.model_class() is ReviewRequest
    assert ContentType.objects.filter(model="reviewrequest").count() == 1
    office = make_user("office", OFFICE_ADMIN)
    assert office.has_perm("review.decide_reviewrequest")
    assert get_user_model().objects.get(username="deputy").has_perm("review.decide_reviewrequest")
    entry.refresh_from_db()
    assert entry.object_type.model_class() is ReviewRequest
