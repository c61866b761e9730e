"""我的提交 and the admin home's counts: an editor sees what they submitted and what came back;
the office sees how much waits; the project list flags a progress update waiting; a submission
is never called a successful change."""

import datetime

import pytest
from django.urls import reverse

from review import service as review
from review.models import ReviewRequest
from tests.conftest import add_update, logged_in
from tests.projects.test_admin import change_url, form_data
from tests.review.test_review import with_new_update
from tests.units.factories import approve_as_shown

pytestmark = pytest.mark.django_db
MINE = reverse("admin:review_reviewrequest_mine")
HOME = reverse("admin:index")
PROJECTS = reverse("admin:projects_project_changelist")


@pytest.fixture
def bridge(make_project):
    project = make_project(title="修建一座风雨桥")
    add_update(project, datetime.date(2021, 6, 1), 40, note="桥墩完工")
    return project


@pytest.fixture
def three_submissions(client, editor_a, office_admin, make_project, bridge):
    """One of editor A's submissions sent back, one approved, one waiting."""
    editor = logged_in(client.__class__(), editor_a)
    for title in ["修路灯", "建书屋"]:
        project = make_project(title=title)
        editor.post(change_url(project), form_data(project, lead_name=f"{title}负责人"))
    lamps, books = ReviewRequest.objects.order_by("pk")
    review.send_back(lamps, office_admin, "负责人请写全名")
    approve_as_shown(books, office_admin)
    editor.post(change_url(bridge), with_new_update(bridge))
    return editor


def section(page, name):
    return page.split(f'id="mine-{name}"', 1)[1].split('class="module"', 1)[0]


def test_my_submissions_lists_sent_back_waiting_and_approved(three_submissions):
    page = three_submissions.get(MINE).text
    assert "我的提交" in page
    returned = section(page, "returned")
    assert "修路灯" in returned and "负责人请写全名" in returned
    assert "修建一座风雨桥" in section(page, "pending")
    assert "建书屋" in section(page, "decided") and "已通过" in section(page, "decided")


def test_a_sent_back_change_submitted_again_leaves_the_sent_back_list(three_submissions, editor_a):
    lamps = ReviewRequest.objects.get(summary="修路灯").target
    three_submissions.post(change_url(lamps), form_data(lamps, lead_name="王小明"))
    page = three_submissions.get(MINE).text
    assert "修路灯" not in section(page, "returned") and "修路灯" in section(page, "pending")
    assert "已退回，已重新提交" in section(page, "decided")


def test_nobody_sees_anothers_submissions(client, three_submissions, editor_b):
    page = logged_in(client, editor_b).get(MINE).text
    assert "修路灯" not in page and "修建一座风雨桥" not in page and "没有退回给您的提交" in page


def test_the_admin_home_counts_what_came_back_and_what_waits(client, three_submissions, office_admin):
    box = three_submissions.get(HOME).text.split('id="review-work"', 1)[1].split("</div>", 1)[0]
    assert "退回给您的提交" in box and "您等待审核的提交" in box
    counts = [cell.split("<", 1)[0] for cell in box.split('class="review-count">')[1:]]
    assert counts == ["1", "1"]  # one sent back, one waiting
    assert "待您审核" not in box  # editors decide nothing

    office_box = logged_in(client, office_admin).get(HOME).text.split('id="review-work"', 1)[1]
    office_box = office_box.split("</div>", 1)[0]
    assert "待您审核" in office_box and "最早的一条已等待" in office_box
    assert office_box.split('class="review-count">')[1].startswith("1<")
    assert "退回给您的提交" not in office_box  # the office publishes directly


def test_the_project_list_flags_a_progress_update_waiting(client, editor_a, bridge, make_project):
    make_project(title="建书屋")
    editor = logged_in(client, editor_a)
    assert "有一条记录（如进展更新）待审核" not in editor.get(PROJECTS).text
    editor.post(change_url(bridge), with_new_update(bridge))
    rows = editor.get(PROJECTS).text.split("<tbody>", 1)[1].split("</tr>")
    [flagged] = [row for row in rows if "有一条记录（如进展更新）待审核" in row]
    assert "修建一座风雨桥" in flagged


def test_a_submission_is_not_announced_as_a_successful_change(client, editor_a, office_admin, bridge):
    response = logged_in(client, editor_a).post(change_url(bridge), with_new_update(bridge), follow=True)
    assert "已提交办公室审核" in response.text
    assert "成功修改" not in response.text
    response = logged_in(client, office_admin).post(
        change_url(bridge), form_data(bridge, lead_name="王五"), follow=True
    )
    assert "成功修改" in response.text  # the office's change is saved, and said so


def test_a_leader_who_submits_nothing_is_not_shown_submission_counts(client, leader):
    page = logged_in(client, leader).get(HOME).text
    assert 'id="review-work"' not in page and "我的通知设置" in page
