"""Review before publishing (review/service.py): submitting, deciding, the queue, the rules
for who publishes directly, the audit entry of each decision and the page cache."""

import datetime
import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse

from audit.models import AuditEntry
from projects.models import ProgressUpdate, Project
from review import service as review
from review.models import ReviewRequest, ReviewStatus
from tests.conftest import add_update, logged_in
from tests.projects.test_admin import change_url, form_data
from tests.units.factories import approve_as_shown, make_user
from units import public_pages
from units.roles import OFFICE_ADMIN, UNIT_EDITOR

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:review_reviewrequest_changelist")


def decide_url(submission):
    return reverse("admin:review_reviewrequest_change", args=[submission.pk])


def approving(submission):
    """The decision form as the office's page sends it: with the record as the page showed it."""
    return {"decision": "approve", "seen": review.fingerprint(submission.target)}


def with_new_update(project, percent=60, **extra):
    return form_data(
        project,
        **{
            "updates-TOTAL_FORMS": "1",
            "updates-0-date": "2021-06-10",
            "updates-0-percent": str(percent),
            "updates-0-status": "in_progress",
            "updates-0-note": "桥面铺好了",
            **extra,
        },
    )


def with_changed_update(project, update, **overrides):
    fields = {
        "id": update.pk,
        "project": project.pk,
        "date": update.date.isoformat(),
        "percent": str(update.percent),
        "status": update.status,
        "note": update.note,
        "photo_caption": update.photo_caption,
        **overrides,
    }
    # The date's default is callable: the admin sends its initial value along (show_hidden_initial).
    data = form_data(
        project,
        **{
            "updates-TOTAL_FORMS": "1",
            "updates-INITIAL_FORMS": "1",
            "initial-updates-0-date": update.date.isoformat(),
        },
    )
    data.update({f"updates-0-{name}": value for name, value in fields.items()})
    return data


def approvals():
    return list(AuditEntry.objects.filter(action=AuditEntry.Action.APPROVAL))


@pytest.fixture
def bridge(make_project):
    project = make_project(title="修建一座风雨桥")
    add_update(project, datetime.date(2021, 6, 1), 40, note="桥墩完工")
    return project


@pytest.fixture
def submitted(client, editor_a, bridge, django_capture_on_commit_callbacks):
    """An editor's new progress update (60%), waiting for review."""
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(client, editor_a).post(change_url(bridge), with_new_update(bridge))
    assert response.status_code == 302
    client.logout()
    return ReviewRequest.objects.get()


# Who publishes directly


def test_the_office_and_superusers_publish_directly_editors_do_not(settings, office_admin, editor_a):
    superuser = get_user_model().objects.create_superuser("root", password="x")
    assert review.publishes_directly(office_admin) and review.publishes_directly(superuser)
    assert not review.publishes_directly(editor_a)
    settings.REVIEW_DIRECT_PUBLISH_ROLES = [OFFICE_ADMIN, UNIT_EDITOR]
    assert review.publishes_directly(make_user("editor-c", UNIT_EDITOR))


def test_an_office_update_is_public_at_once(client, office_admin, bridge):
    assert (
        logged_in(client, office_admin).post(change_url(bridge), with_new_update(bridge)).status_code == 302
    )
    assert ProgressUpdate.objects.get(percent=60).review_status == ReviewStatus.APPROVED
    assert not ReviewRequest.objects.exists()


# Submitting and deciding


def test_an_editors_update_waits_for_review(submitted, editor_a, unit_a, bridge):
    update = ProgressUpdate.objects.get(percent=60)
    assert update.review_status == ReviewStatus.PENDING and update.created_by == editor_a
    assert (submitted.kind, submitted.status, submitted.unit, submitted.submitted_by) == (
        ReviewRequest.Kind.UPDATE,
        ReviewStatus.PENDING,
        unit_a,
        editor_a,
    )
    assert submitted.target == update


def generation() -> tuple:
    """Every public page's generations at once: a bump of any of them changes this."""
    labels = sorted(model._meta.label for model in public_pages._watched)
    return tuple(public_pages.generation(label) for label in [public_pages.EVERY_PAGE, *labels])


def test_unapproved_content_never_reaches_the_page_or_the_cache_and_approval_shows_it_at_once(
    client, editor_a, office_admin, bridge, django_capture_on_commit_callbacks
):
    detail = reverse("projects:detail", args=[bridge.pk])
    assert "40%" in client.get(detail).text  # now in the page cache
    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(client, editor_a).post(change_url(bridge), with_new_update(bridge))
    client.logout()
    assert generation() == before  # a submission does not invalidate the cache
    page = client.get(detail).text
    assert "60%" not in page and "桥面铺好了" not in page
    assert "桥面铺好了" not in client.get("/").text and "桥面铺好了" not in client.get("/projects/").text
    assert client.get("/open-data/projects.json").json()["rows"][0]["percent"] == 40

    submission = ReviewRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(client, office_admin).post(decide_url(submission), approving(submission))
    assert response.status_code == 302
    assert generation() != before  # the approval does
    client.logout()
    page = client.get(detail).text
    assert "60%" in page and "桥面铺好了" in page
    assert client.get("/open-data/projects.json").json()["rows"][0]["percent"] == 60
    [entry] = approvals()
    assert entry.user == office_admin and entry.details["decision"] == "approved"
    assert entry.action == AuditEntry.Action.APPROVAL
    submission.refresh_from_db()
    assert submission.status == ReviewStatus.APPROVED and submission.decided_by == office_admin


def test_a_sent_back_update_stays_private_and_its_editor_reads_the_comment(
    client, submitted, editor_a, office_admin, bridge, django_capture_on_commit_callbacks
):
    office = logged_in(client.__class__(), office_admin)
    response = office.post(decide_url(submitted), {"decision": "send_back", "comment": "  "}, follow=True)
    assert "comment is required" in response.text or "需" in response.text
    submitted.refresh_from_db()
    assert submitted.status == ReviewStatus.PENDING and approvals() == []

    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        office.post(decide_url(submitted), {"decision": "send_back", "comment": "照片不清楚，请补充"})
    assert generation() == before
    submitted.refresh_from_db()
    assert submitted.status == ReviewStatus.RETURNED
    assert ProgressUpdate.objects.get(percent=60).review_status == ReviewStatus.RETURNED
    assert "桥面铺好了" not in client.get(reverse("projects:detail", args=[bridge.pk])).text
    assert approvals() == []  # a send-back is not an approval in the audit trail
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.SEND_BACK)
    assert entry.user == office_admin and entry.details["decision"] == "sent_back"
    assert entry.get_action_display() == "审核退回"

    editor = logged_in(client.__class__(), editor_a)
    assert "照片不清楚，请补充" in editor.get(change_url(bridge)).text
    assert "有一条记录被退回" in editor.get(reverse("admin:projects_project_changelist")).text


def test_a_corrected_update_goes_back_into_the_queue(client, submitted, editor_a, office_admin, bridge):
    review.send_back(submitted, office_admin, "请改正日期")
    update = ProgressUpdate.objects.get(percent=60)
    data = with_changed_update(bridge, update, note="桥面铺好了，已验收")
    assert logged_in(client, editor_a).post(change_url(bridge), data).status_code == 302
    update.refresh_from_db()
    assert update.review_status == ReviewStatus.PENDING and update.note == "桥面铺好了，已验收"
    assert ReviewRequest.objects.filter(status=ReviewStatus.PENDING).count() == 1


def test_a_change_to_an_approved_record_waits_and_approval_applies_it(
    client, editor_a, office_admin, bridge, django_capture_on_commit_callbacks
):
    editor = logged_in(client.__class__(), editor_a)
    data = form_data(bridge, title="风雨桥（新名）", budget="120000.50", beneficiary_count="300")
    assert editor.post(change_url(bridge), data).status_code == 302
    bridge.refresh_from_db()
    assert (bridge.title, bridge.budget, bridge.version) == ("修建一座风雨桥", None, 1)
    assert "风雨桥（新名）" not in client.get("/projects/").text
    submission = ReviewRequest.objects.get()
    assert submission.kind == ReviewRequest.Kind.CHANGE
    page = logged_in(client.__class__(), office_admin).get(decide_url(submission)).text
    assert "风雨桥（新名）" in page and "修建一座风雨桥" in page  # approved and proposed side by side

    with django_capture_on_commit_callbacks(execute=True):
        approve_as_shown(submission, office_admin)
    bridge.refresh_from_db()
    assert (bridge.title, str(bridge.budget), bridge.beneficiary_count) == (
        "风雨桥（新名）",
        "120000.50",
        300,
    )
    assert bridge.review_status == ReviewStatus.APPROVED and bridge.version == 2
    assert "风雨桥（新名）" in client.get("/projects/").text
    assert len(approvals()) == 1


def test_a_change_to_an_approved_update_waits(client, editor_a, bridge):
    update = bridge.updates.get()
    data = with_changed_update(bridge, update, note="桥墩完工（更正）")
    assert logged_in(client, editor_a).post(change_url(bridge), data).status_code == 302
    update.refresh_from_db()
    assert update.note == "桥墩完工" and update.review_status == ReviewStatus.APPROVED
    assert ReviewRequest.objects.get().proposed == {"note": "桥墩完工（更正）"}


# The queue


def test_the_queue_is_oldest_first_with_waiting_time_and_each_units_count(
    client, office_admin, editor_a, editor_b, unit_b, make_project, bridge
):
    other = make_project(title="B的项目", unit=unit_b)
    logged_in(client, editor_a).post(change_url(bridge), with_new_update(bridge))
    logged_in(client, editor_b).post(change_url(other), with_new_update(other, percent=30))
    first, second = ReviewRequest.objects.order_by("pk")
    ReviewRequest.objects.filter(pk=first.pk).update(
        submitted_at=first.submitted_at - datetime.timedelta(days=3)
    )

    office = logged_in(client, office_admin)
    response = office.get(QUEUE)
    assert response.status_code == 302 and "status__exact=pending" in response.url
    response = office.get(response.url)
    assert [row.pk for row in response.context["cl"].result_list] == [first.pk, second.pk]
    assert "3\xa0日" in response.text  # how long the oldest has waited
    assert {row["unit"]: row["count"] for row in response.context["units_pending"]} == {
        "第一党支部": 1,
        "第二党支部": 1,
    }
    only_b = office.get(QUEUE, {"status__exact": "pending", "unit__id__exact": unit_b.pk})
    assert [row.pk for row in only_b.context["cl"].result_list] == [second.pk]


# Attacks


def test_a_tampered_review_status_is_ignored(client, editor_a, round_, unit_a, bridge):
    editor = logged_in(client, editor_a)
    data = with_new_update(bridge, **{"updates-0-review_status": "approved", "review_status": "approved"})
    editor.post(change_url(bridge), data)
    assert ProgressUpdate.objects.get(percent=60).review_status == ReviewStatus.PENDING
    new = {
        "round": round_.pk,
        "title": "自己批准的项目",
        "category": Project.Category.OTHER,
        "unit": unit_a.pk,
        "deadline": "2021-12-31",
        "is_public": "on",
        "review_status": "approved",
        "updates-TOTAL_FORMS": "0",
        "updates-INITIAL_FORMS": "0",
        "updates-MIN_NUM_FORMS": "0",
        "updates-MAX_NUM_FORMS": "1000",
    }
    assert editor.post(reverse("admin:projects_project_add"), new).status_code == 302
    assert Project.objects.get(title="自己批准的项目").review_status == ReviewStatus.PENDING
    assert "自己批准的项目" not in client.get("/projects/").text


def test_a_replayed_approval_changes_nothing(client, submitted, office_admin):
    office = logged_in(client, office_admin)
    assert office.post(decide_url(submitted), approving(submitted)).status_code == 302
    response = office.post(decide_url(submitted), approving(submitted), follow=True)
    assert response.status_code == 200
    assert len(approvals()) == 1
    response = office.post(decide_url(submitted), {"decision": "send_back", "comment": "晚了"})
    submitted.refresh_from_db()
    assert submitted.status == ReviewStatus.APPROVED and submitted.comment == ""
    assert len(approvals()) == 1


def test_an_editor_decides_nothing_neither_in_their_unit_nor_in_another(
    client, submitted, editor_a, editor_b
):
    for editor in (editor_a, editor_b):
        other = logged_in(client.__class__(), editor)
        # Refused (403), or for another unit's item answered as if it did not exist (302).
        assert other.post(decide_url(submitted), approving(submitted)).status_code in (302, 403)
        assert other.get(QUEUE + "?status__exact=pending").status_code == 403
        with pytest.raises(review.ReviewError):
            approve_as_shown(submitted, editor)
    submitted.refresh_from_db()
    assert submitted.status == ReviewStatus.PENDING and approvals() == []


def test_nobody_approves_their_own_submission(client, settings, office_admin, bridge):
    settings.REVIEW_DIRECT_PUBLISH_ROLES = []  # the office's own changes go to review too
    own = logged_in(client, office_admin)
    own.post(change_url(bridge), with_new_update(bridge))
    submission = ReviewRequest.objects.get()
    assert submission.submitted_by == office_admin
    assert own.post(decide_url(submission), approving(submission)).status_code == 403
    submission.refresh_from_db()
    assert submission.status == ReviewStatus.PENDING
    colleague = make_user("office-2", OFFICE_ADMIN)
    assert (
        logged_in(client.__class__(), colleague)
        .post(decide_url(submission), approving(submission))
        .status_code
        == 302
    )
    assert ProgressUpdate.objects.get(percent=60).review_status == ReviewStatus.APPROVED


def test_editors_cannot_delete_or_restore_an_approved_record(client, editor_a, bridge):
    import reversion

    from tests.units.test_history_restore import oldest_version, revision_url

    with reversion.create_revision():
        bridge.save()
    editor = logged_in(client, editor_a)
    assert (
        editor.post(reverse("admin:projects_project_delete", args=[bridge.pk]), {"post": "yes"}).status_code
        == 403
    )
    editor.post(
        reverse("admin:projects_project_changelist"),
        {"action": "delete_selected", "_selected_action": [bridge.pk], "post": "yes"},
    )
    update = bridge.updates.get()
    data = with_changed_update(bridge, update, DELETE="on")
    editor.post(change_url(bridge), data)
    assert (
        Project.objects.filter(pk=bridge.pk).exists() and ProgressUpdate.objects.filter(pk=update.pk).exists()
    )
    assert editor.get(revision_url(bridge.pk, oldest_version(bridge))).status_code == 403


def test_a_deleted_record_leaves_nothing_waiting(client, office_admin, editor_a, bridge):
    logged_in(client, editor_a).post(change_url(bridge), with_new_update(bridge))
    logged_in(client, editor_a).post(change_url(bridge), form_data(bridge, title="新名称"))
    assert ReviewRequest.objects.pending().count() == 2
    Project.objects.filter(pk=bridge.pk).delete()  # a bulk delete, the update with it
    assert not ReviewRequest.objects.exists()


def test_a_pending_record_moved_to_another_of_the_editors_units_moves_in_the_queue(
    client, editor_a, unit_b, round_, unit_a
):
    unit_b.members.add(editor_a)
    editor = logged_in(client, editor_a)
    new = {
        "round": round_.pk,
        "title": "两个单位都管的项目",
        "category": Project.Category.OTHER,
        "unit": unit_a.pk,
        "deadline": "2021-12-31",
        "updates-TOTAL_FORMS": "0",
        "updates-INITIAL_FORMS": "0",
    }
    editor.post(reverse("admin:projects_project_add"), new)
    project = Project.objects.get(title="两个单位都管的项目")
    editor.post(change_url(project), form_data(project, unit=unit_b.pk))
    [submission] = ReviewRequest.objects.all()
    assert submission.unit == unit_b and submission.status == ReviewStatus.PENDING


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two concurrent transactions need PostgreSQL; CI runs this on PG",
)
@pytest.mark.django_db(transaction=True)
def test_two_offices_approving_at_once_make_one_decision(round_, unit_a, editor_a, office_admin):
    from tests.projects.factories import make_project

    project = make_project(round_, unit_a)
    update = ProgressUpdate(
        project=project, date=datetime.date(2021, 6, 10), percent=60, status="in_progress"
    )
    submission = review.save_new(update, editor_a, kind=ReviewRequest.Kind.UPDATE)
    colleague = make_user("office-2", OFFICE_ADMIN)
    locked, outcomes = threading.Event(), []

    def approve_and_hold():
        try:
            with transaction.atomic():
                approve_as_shown(submission, colleague)
                locked.set()
                time.sleep(0.5)  # the other approval waits on the row meanwhile
            outcomes.append("approved")
        except review.ReviewError:
            outcomes.append("refused")
        finally:
            locked.set()
            connection.close()

    other = threading.Thread(target=approve_and_hold)
    other.start()
    assert locked.wait(10)
    try:
        approve_as_shown(submission, office_admin)
        outcomes.append("approved")
    except review.ReviewError:
        outcomes.append("refused")
    other.join(20)
    assert sorted(outcomes) == ["approved", "refused"]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.APPROVAL).count() == 1


def test_a_record_changed_after_the_office_opened_it_is_not_approved_unseen(
    client, submitted, editor_a, office_admin, bridge
):
    """The editor may improve a pending record before the decision; the office approves what
    its page showed, never what was slipped in after it was opened."""
    from django.test import Client

    office = logged_in(client, office_admin)
    page = office.get(decide_url(submitted))
    shown = {"decision": "approve", "seen": page.context["seen"]}
    update = ProgressUpdate.objects.get(percent=60)
    editor = logged_in(Client(), editor_a)
    editor.post(change_url(bridge), with_changed_update(bridge, update, note="换成了没看过的内容"))
    update.refresh_from_db()
    assert update.note == "换成了没看过的内容" and update.review_status == ReviewStatus.PENDING

    response = office.post(decide_url(submitted), shown, follow=True)

    update.refresh_from_db()
    assert update.review_status == ReviewStatus.PENDING and not approvals()
    assert response.redirect_chain[-1][0] == decide_url(submitted)
    assert "换成了没看过的内容" in response.text  # shown now, to be decided on
    office.post(decide_url(submitted), {"decision": "approve", "seen": response.context["seen"]})
    update.refresh_from_db()
    assert update.review_status == ReviewStatus.APPROVED and len(approvals()) == 1


def test_an_approval_that_does_not_say_what_was_seen_is_refused(client, submitted, office_admin):
    """A hand-made POST without the page's fingerprint would approve whatever the record holds now."""
    office = logged_in(client, office_admin)
    for forged in ({"decision": "approve"}, {"decision": "approve", "seen": ""}):
        response = office.post(decide_url(submitted), forged, follow=True)
        assert response.redirect_chain[-1][0] == decide_url(submitted)
        assert "请先打开并核对记录，再批准" in response.text
    with pytest.raises(review.ReviewError):
        review.approve(submitted, office_admin, seen="")
    submitted.refresh_from_db()
    assert submitted.status == ReviewStatus.PENDING and not approvals()
    assert ProgressUpdate.objects.get(percent=60).review_status == ReviewStatus.PENDING

    office.post(decide_url(submitted), approving(submitted))  # the page's own form says it
    submitted.refresh_from_db()
    assert submitted.status == ReviewStatus.APPROVED and len(approvals()) == 1


def test_approving_says_public_now_only_when_citizens_see_the_record(client, submitted, office_admin, bridge):
    office = logged_in(client, office_admin)
    page = office.post(decide_url(submitted), approving(submitted), follow=True).text
    assert "现已公开" in page  # the bridge is a public project: its update is shown now

    draft = Project.objects.create(
        title="内部筹备中的项目",
        round=bridge.round,
        unit=bridge.unit,
        deadline=bridge.deadline,
        is_public=False,
    )
    review.save_new(draft, make_user("another-editor", UNIT_EDITOR, unit=bridge.unit))
    page = office.post(
        decide_url(pending := ReviewRequest.objects.pending().get()), approving(pending), follow=True
    ).text
    assert "现已公开" not in page and "群众暂时看不到" in page
    draft.refresh_from_db()
    assert draft.is_approved and not draft.is_published
