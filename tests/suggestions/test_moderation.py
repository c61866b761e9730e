"""Citizens' feedback belongs to citizens: the rated unit answers it, only the office moderates it.

Nobody rewrites a citizen's words; the office may hide personal data in them (the page says
so). Publishing, hiding, declining and merging are the office's, at every door of the admin
(change form, list edit, list actions, restore from history); each decision is an audit entry.
"""

import datetime

import pytest
import reversion
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from import_export.admin import ImportMixin
from reversion.models import Version

from audit.models import AuditEntry
from suggestions.admin import FeedbackModerationMixin
from suggestions.models import Rating, Suggestion, SuggestionStatus
from tests.conftest import add_update, logged_in

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
WORDS = f"不满意，桥面有积水，请联系我{PHONE}"
RATINGS = reverse("admin:suggestions_rating_changelist")
SUGGESTIONS = reverse("admin:suggestions_suggestion_changelist")


def rating_url(rating):
    return reverse("admin:suggestions_rating_change", args=[rating.pk])


def suggestion_url(suggestion):
    return reverse("admin:suggestions_suggestion_change", args=[suggestion.pk])


def decisions(obj=None):
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.MODERATION).order_by("pk")
    if obj is not None:
        entries = entries.filter(object_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
    return [entry.details["decision"] for entry in entries]


def act(client, url, action, *objects):
    return client.post(url, {"action": action, admin.helpers.ACTION_CHECKBOX_NAME: [o.pk for o in objects]})


@pytest.fixture
def done(make_project):
    project = make_project(title="修建一座风雨桥")
    add_update(project, datetime.date(2021, 6, 1), 100)
    return project


@pytest.fixture
def rating(done):
    with reversion.create_revision():  # as the history holds it from the start
        return Rating.objects.create(project=done, satisfaction="unsatisfied", comment=WORDS)


@pytest.fixture
def suggestion(unit_a):
    with reversion.create_revision():
        return Suggestion.objects.create(
            what="小区门口加装路灯", place="东关社区", why="晚上太黑", unit=unit_a
        )


# The rated unit's editor


def test_the_rated_unit_cannot_rewrite_or_publish_a_comment_but_answers_it_publicly(
    client, editor_a, office_admin, rating, done, django_capture_on_commit_callbacks
):
    editor = logged_in(Client(), editor_a)
    page = editor.get(rating_url(rating)).text
    assert 'name="comment"' not in page and 'name="comment_approved"' not in page
    assert 'name="unit_reply"' in page and 'name="redact"' not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            rating_url(rating),
            {
                "comment": "非常满意，桥修得很好",
                "comment_approved": "on",
                "unit_reply": "已安排维修积水，感谢监督。",
            },
        )
    assert response.status_code == 302
    rating.refresh_from_db()
    assert rating.comment == WORDS and not rating.comment_approved  # forged fields ignored
    assert rating.unit_reply == "已安排维修积水，感谢监督。"
    assert decisions(rating) == ["reply"]
    assert (
        "已安排维修积水" not in client.get(done.get_absolute_url()).text
    )  # not before the comment is public

    with django_capture_on_commit_callbacks(execute=True):
        act(logged_in(Client(), office_admin), RATINGS, "approve_comments", rating)
    page = client.get(done.get_absolute_url()).text
    assert "第一党支部的回复" in page and "已安排维修积水，感谢监督。" in page
    assert page.index("桥面有积水") < page.index("第一党支部的回复")


def test_the_rated_unit_cannot_publish_or_hide_comments_with_the_list_actions(client, editor_a, rating):
    editor = logged_in(client, editor_a)
    assert "approve_comments" not in editor.get(RATINGS).text
    act(editor, RATINGS, "approve_comments", rating)
    rating.refresh_from_db()
    assert not rating.comment_approved and decisions() == []


def test_the_rated_unit_cannot_tick_a_comment_public_through_a_list_edit(
    client, editor_a, rating, monkeypatch
):
    rating_admin = admin.site._registry[Rating]
    monkeypatch.setattr(rating_admin, "list_editable", ["comment_approved"])
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(rating.pk),
        "form-0-comment_approved": "on",
        "_save": "保存",
    }
    assert logged_in(client, editor_a).post(RATINGS, data).status_code == 403
    rating.refresh_from_db()
    assert not rating.comment_approved and decisions() == []


def test_the_rated_unit_cannot_restore_an_earlier_public_state(client, editor_a, office_admin, rating):
    office = logged_in(Client(), office_admin)
    act(office, RATINGS, "approve_comments", rating)  # public, then hidden again by the office
    public_version = Version.objects.get_for_object(rating).order_by("-pk").first()
    assert '"comment_approved": true' in public_version.serialized_data
    act(office, RATINGS, "hide_comments", rating)
    url = reverse("admin:suggestions_rating_revision", args=[rating.pk, public_version.pk])
    assert logged_in(client, editor_a).post(url, {"unit_reply": ""}).status_code == 403
    rating.refresh_from_db()
    assert not rating.comment_approved and decisions() == ["publish", "hide"]


def test_a_unit_editor_cannot_rewrite_publish_decline_or_merge_suggestions(
    client, editor_a, suggestion, unit_a
):
    other = Suggestion.objects.create(what="再装一盏灯", place="东关社区", why="黑", unit=unit_a)
    editor = logged_in(client, editor_a)
    page = editor.get(suggestion_url(suggestion)).text
    assert 'name="what"' not in page and 'name="is_published"' not in page and 'name="status"' not in page
    editor.post(
        suggestion_url(suggestion),
        {
            "what": "改写后的建议",
            "place": "东关社区",
            "why": "x",
            "status": "declined",
            "public_reason": "不在职权范围",
            "is_published": "on",
        },
    )
    for action in ["accept", "publish", "merge_duplicates"]:
        act(editor, SUGGESTIONS, action, suggestion, other)
    suggestion.refresh_from_db()
    other.refresh_from_db()
    assert (suggestion.what, suggestion.status, suggestion.is_published) == (
        "小区门口加装路灯",
        SuggestionStatus.RECEIVED,
        False,
    )
    assert other.status == SuggestionStatus.RECEIVED and decisions() == []


# The office


def test_the_office_hides_personal_data_and_the_public_page_says_so(
    client, office_admin, editor_a, rating, done, django_capture_on_commit_callbacks
):
    office = logged_in(Client(), office_admin)
    page = office.get(rating_url(rating)).text
    assert 'name="redact"' in page and 'name="comment"' not in page
    assert 'name="unit_reply"' not in page  # shown as the unit's: the office does not write it
    refused = office.post(rating_url(rating), {"redact": "13900000000", "unit_reply": ""})
    assert refused.status_code == 200 and "这段文字不在群众的原话中" in refused.text
    with django_capture_on_commit_callbacks(execute=True):
        office.post(
            rating_url(rating),
            {
                "comment": "非常满意",
                "redact": PHONE,
                "comment_approved": "on",
                "unit_reply": "以单位名义回复",
            },
        )
    rating.refresh_from_db()
    assert rating.unit_reply == ""
    assert (
        rating.comment == "不满意，桥面有积水，请联系我［已隐去］"
        and rating.redacted
        and rating.comment_approved
    )
    assert decisions(rating) == ["redact", "publish"]
    page = client.get(done.get_absolute_url()).text
    assert "桥面有积水，请联系我［已隐去］" in page and "办公室已隐去其中的个人信息" in page
    assert PHONE not in page
    # Gone from the record history the unit's staff can open, too.
    assert all(PHONE not in version.serialized_data for version in Version.objects.get_for_object(rating))


def test_the_office_hides_a_phone_number_in_a_suggestion_on_every_public_page(
    client, office_admin, unit_a, django_capture_on_commit_callbacks
):
    suggestion = Suggestion.objects.create(
        what="加装路灯", place="东关社区", why=f"太黑了，电话{PHONE}", unit=unit_a
    )
    office = logged_in(Client(), office_admin)
    with django_capture_on_commit_callbacks(execute=True):
        office.post(
            suggestion_url(suggestion),
            {
                "redact": PHONE,
                "status": "accepted",
                "is_published": "on",
                "unit": unit_a.pk,
                "public_reason": "",
            },
        )
    suggestion.refresh_from_db()
    assert suggestion.why == "太黑了，电话［已隐去］" and suggestion.redacted and suggestion.is_published
    assert decisions(suggestion) == ["redact", "publish", "accept"]
    for url in [f"/suggestions/{suggestion.pk}/", "/open-data/suggestions.csv"]:  # the list shows no reason
        text = client.get(url).content.decode()
        assert "［已隐去］" in text and PHONE not in text, url
    for url in ["/suggestions/", f"/suggestions/{suggestion.pk}/"]:
        assert "办公室已隐去这条建议中的个人信息" in client.get(url).text, url


def test_the_office_cannot_undo_a_redaction_by_restoring_the_earlier_version(client, office_admin, rating):
    office = logged_in(client, office_admin)
    office.post(rating_url(rating), {"redact": PHONE, "unit_reply": ""})
    first = Version.objects.get_for_object(rating).order_by("pk").first()
    rating.refresh_from_db()
    assert PHONE not in first.serialized_data  # scrubbed, so no restore brings it back
    Version.objects.filter(pk=first.pk).update(
        serialized_data=first.serialized_data.replace("［已隐去］", PHONE)
    )
    url = reverse("admin:suggestions_rating_revision", args=[rating.pk, first.pk])
    assert office.post(url, {"unit_reply": ""}).status_code == 403
    rating.refresh_from_db()
    assert PHONE not in rating.comment and rating.redacted


def test_each_moderation_decision_of_the_office_is_an_audit_entry(
    client, office_admin, suggestion, unit_a, rating
):
    office = logged_in(client, office_admin)
    duplicate = Suggestion.objects.create(what="门口装路灯", place="东关社区", why="黑", unit=unit_a)
    act(office, SUGGESTIONS, "accept", suggestion)
    act(office, SUGGESTIONS, "hide", suggestion)
    act(office, SUGGESTIONS, "publish", suggestion)
    act(office, SUGGESTIONS, "merge_duplicates", suggestion, duplicate)
    declined = Suggestion.objects.create(what="修一座桥", place="西村", why="远", unit=unit_a)
    office.post(
        suggestion_url(declined),
        {"status": "declined", "public_reason": "已列入明年计划", "is_published": "on", "unit": unit_a.pk},
    )
    act(office, RATINGS, "approve_comments", rating)
    act(office, RATINGS, "hide_comments", rating)

    assert decisions(suggestion) == ["publish", "accept", "hide", "publish"]
    assert decisions(duplicate) == ["merge"]
    assert decisions(declined) == ["publish", "decline"]
    assert decisions(rating) == ["publish", "hide"]
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.MODERATION)
    assert all(entry.user == office_admin and entry.address == "127.0.0.1" for entry in entries)
    decline = entries.get(details__decision="decline")
    assert decline.details["reason"] == "已列入明年计划"
    assert entries.get(details__decision="merge").details["merged_into"] == suggestion.reference
    declined.refresh_from_db()
    assert declined.status == SuggestionStatus.DECLINED and declined.what == "修一座桥"


def test_deleting_a_citizens_rating_is_an_audit_entry_too(client, office_admin, editor_a, rating, done):
    other = Rating.objects.create(project=done, satisfaction="unsatisfied", comment="差")
    assert (
        logged_in(Client(), editor_a)
        .post(reverse("admin:suggestions_rating_delete", args=[rating.pk]), {"post": "yes"})
        .status_code
        == 403
    )
    office = logged_in(client, office_admin)
    office.post(reverse("admin:suggestions_rating_delete", args=[rating.pk]), {"post": "yes"})
    act_data = {"action": "delete_selected", "post": "yes", admin.helpers.ACTION_CHECKBOX_NAME: [other.pk]}
    office.post(RATINGS, act_data)
    assert not Rating.objects.exists()
    assert decisions() == ["delete", "delete"]


def test_every_door_to_citizens_feedback_goes_through_the_moderation_rules():
    for model in (Suggestion, Rating):
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, FeedbackModerationMixin), model
        assert not isinstance(model_admin, ImportMixin), model  # no file import can rewrite them
        for name in ("save_model", "get_readonly_fields", "revision_view", "delete_model", "delete_queryset"):
            assert getattr(type(model_admin), name) is getattr(FeedbackModerationMixin, name), (model, name)
