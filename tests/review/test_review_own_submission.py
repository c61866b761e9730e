"""An editor's change of an approved record, while it waits or after it was sent back: their
form shows what they submitted (with a banner saying so) and saving replaces that submission."""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from projects.models import ProgressUpdate
from review import service as review
from review.models import ReviewRequest, ReviewStatus
from tests.conftest import add_update, logged_in
from tests.projects.test_admin import change_url, form_data
from tests.review.test_review import with_changed_update
from tests.units.factories import approve_as_shown, make_user
from tests.units.test_media import png
from units.roles import UNIT_EDITOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def bridge(make_project):
    project = make_project(title="修建一座风雨桥")
    add_update(project, datetime.date(2021, 6, 1), 40, note="桥墩完工")
    return project


def title_in_form(page):
    return 'name="title" value="' in page and page.split('name="title" value="', 1)[1].split('"', 1)[0]


def test_the_form_shows_the_editors_waiting_change_and_a_save_replaces_it(client, editor_a, bridge):
    editor = logged_in(client, editor_a)
    editor.post(change_url(bridge), form_data(bridge, title="风雨桥（第一稿）"))
    page = editor.get(change_url(bridge)).text
    assert title_in_form(page) == "风雨桥（第一稿）"
    assert "等待办公室审核" in page and "再次保存将替换这次提交" in page

    bridge.refresh_from_db()
    assert bridge.title == "修建一座风雨桥"  # the approved row is untouched
    editor.post(change_url(bridge), form_data(bridge, title="风雨桥（第二稿）", lead_name="李四"))
    [waiting] = ReviewRequest.objects.all()
    assert waiting.status == ReviewStatus.PENDING
    assert waiting.proposed == {"title": "风雨桥（第二稿）", "lead_name": "李四"}
    assert title_in_form(editor.get(change_url(bridge)).text) == "风雨桥（第二稿）"


def test_a_sent_back_change_shows_with_the_offices_comment_and_a_save_submits_it_again(
    client, editor_a, office_admin, bridge
):
    editor = logged_in(client, editor_a)
    editor.post(change_url(bridge), form_data(bridge, title="风雨桥（第一稿）", lead_name="李四"))
    review.send_back(ReviewRequest.objects.get(), office_admin, "名称请写全称")
    page = editor.get(change_url(bridge)).text
    assert title_in_form(page) == "风雨桥（第一稿）" and 'value="李四"' in page
    assert "办公室于" in page and "名称请写全称" in page and "改正后保存即可重新提交" in page

    # Saved with only the title corrected: the rest of the submission is not retyped.
    data = form_data(bridge, title="修建大庸路风雨桥", lead_name="李四")
    assert editor.post(change_url(bridge), data).status_code == 302
    returned, waiting = ReviewRequest.objects.order_by("pk")
    assert returned.status == ReviewStatus.RETURNED and returned.comment == "名称请写全称"
    assert waiting.status == ReviewStatus.PENDING
    assert waiting.proposed == {"title": "修建大庸路风雨桥", "lead_name": "李四"}


def test_an_approved_change_no_longer_shows_and_others_see_the_approved_values(
    client, editor_a, unit_a, office_admin, bridge
):
    logged_in(client, editor_a).post(change_url(bridge), form_data(bridge, title="风雨桥（第一稿）"))
    colleague = logged_in(client.__class__(), make_user("editor-a2", UNIT_EDITOR, unit_a))
    page = colleague.get(change_url(bridge)).text
    assert title_in_form(page) == "修建一座风雨桥"  # not their submission
    assert "等待办公室审核" in page  # but they are told a change waits

    approve_as_shown(ReviewRequest.objects.get(), office_admin)
    page = logged_in(client, editor_a).get(change_url(bridge)).text
    assert title_in_form(page) == "风雨桥（第一稿）" and "再次保存" not in page


def test_a_progress_updates_waiting_change_shows_in_its_row(client, editor_a, bridge):
    update = bridge.updates.get()
    editor = logged_in(client, editor_a)
    editor.post(change_url(bridge), with_changed_update(bridge, update, note="桥墩完工（更正）"))
    page = editor.get(change_url(bridge)).text
    assert "桥墩完工（更正）</textarea>" in page and "等待办公室审核" in page

    # Saving the page again with that row as it shows keeps one submission, not a second.
    data = with_changed_update(bridge, update, note="桥墩完工（更正）", percent="45")
    data["initial-updates-0-date"] = update.date.isoformat()
    assert editor.post(change_url(bridge), data).status_code == 302
    [waiting] = ReviewRequest.objects.all()
    assert waiting.proposed == {"note": "桥墩完工（更正）", "percent": "45"}
    assert ProgressUpdate.objects.get().note == "桥墩完工"


def test_a_waiting_photo_is_kept_when_the_editor_corrects_the_caption(client, editor_a, bridge):
    update = bridge.updates.get()
    editor = logged_in(client, editor_a)
    data = with_changed_update(bridge, update)
    data["updates-0-photo"] = png()
    assert editor.post(change_url(bridge), data).status_code == 302
    photo = ReviewRequest.objects.get().proposed_file
    assert photo.startswith("review/") and default_storage.exists(photo)

    assert (
        editor.post(
            change_url(bridge), with_changed_update(bridge, update, photo_caption="新桥面")
        ).status_code
        == 302
    )
    [waiting] = ReviewRequest.objects.all()
    assert waiting.proposed == {"photo": photo, "photo_caption": "新桥面"}
    assert waiting.proposed_file == photo and default_storage.exists(photo)


def test_a_photo_under_review_shows_inline_to_the_office_only(
    client, editor_a, editor_b, office_admin, bridge
):
    update = bridge.updates.get()
    data = with_changed_update(bridge, update)
    data["updates-0-photo"] = png()
    logged_in(client, editor_a).post(change_url(bridge), data)
    submission = ReviewRequest.objects.get()
    office = logged_in(client.__class__(), office_admin)
    page = office.get(reverse("admin:review_reviewrequest_change", args=[submission.pk])).text
    source = f'<img src="/media/{submission.proposed_file}"'
    assert source in page and 'class="review-photo"' in page
    shown = office.get(f"/media/{submission.proposed_file}")
    assert shown.status_code == 200 and b"".join(shown.streaming_content)
    assert (
        logged_in(client.__class__(), editor_b).get(f"/media/{submission.proposed_file}").status_code == 404
    )


def test_the_office_cannot_approve_a_submission_its_editor_has_replaced(
    client, editor_a, office_admin, bridge
):
    editor = logged_in(client, editor_a)
    editor.post(change_url(bridge), form_data(bridge, title="风雨桥（第一稿）"))
    first = ReviewRequest.objects.get()
    office = logged_in(client.__class__(), office_admin)
    decide = reverse("admin:review_reviewrequest_change", args=[first.pk])
    assert "风雨桥（第一稿）" in office.get(decide).text  # the office reads the first draft …
    editor.post(change_url(bridge), form_data(bridge, title="风雨桥（第二稿）"))  # … the editor replaces it
    response = office.post(decide, {"decision": "approve"}, follow=True)
    assert "不存在" in response.text  # Django says the submission no longer exists
    bridge.refresh_from_db()
    assert bridge.title == "修建一座风雨桥"  # nothing the office did not see was applied
    assert ReviewRequest.objects.get().proposed == {"title": "风雨桥（第二稿）"}
