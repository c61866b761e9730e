"""Staff in the admin: unit scoping, roles, history and the concurrent-edit guard."""

import datetime

import pytest
from django.urls import reverse

from projects.models import ProgressUpdate, Project
from review.models import ReviewRequest
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:projects_project_changelist")


def change_url(project):
    return reverse("admin:projects_project_change", args=[project.pk])


def delete_url(project):
    return reverse("admin:projects_project_delete", args=[project.pk])


def form_data(project, **overrides):
    data = {
        "round": project.round_id,
        "title": project.title,
        "description": project.description,
        "category": project.category,
        "unit": project.unit_id,
        "lead_name": project.lead_name,
        "deadline": project.deadline.isoformat(),
        "budget": "",
        "spent": "",
        "beneficiary_count": "",
        "beneficiaries": "",
        "demand_source": "",
        "is_public": "on" if project.is_public else "",
        "internal_notes": "",
        "lock_version": project.version,
        "updates-TOTAL_FORMS": "0",
        "updates-INITIAL_FORMS": "0",
        "updates-MIN_NUM_FORMS": "0",
        "updates-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


@pytest.fixture
def projects_ab(make_project, unit_a, unit_b):
    return make_project(title="A的项目", unit=unit_a), make_project(title="B的项目", unit=unit_b)


def test_editor_lists_only_own_units_projects(client, editor_a, projects_ab):
    response = logged_in(client, editor_a).get(CHANGELIST)
    assert response.status_code == 200
    assert "A的项目" in response.text
    assert "B的项目" not in response.text


def test_editor_cannot_open_change_or_delete_another_units_project(client, editor_a, projects_ab):
    _, theirs = projects_ab
    client = logged_in(client, editor_a)
    # The admin answers a project outside one's units as if it did not exist.
    assert client.get(change_url(theirs)).status_code == 302
    response = client.post(change_url(theirs), form_data(theirs, title="篡改"))
    assert response.status_code == 302
    assert client.post(delete_url(theirs), {"post": "yes"}).status_code == 302
    theirs.refresh_from_db()
    assert theirs.title == "B的项目"


def test_editor_cannot_bulk_delete_another_units_project(client, editor_a, projects_ab):
    _, theirs = projects_ab
    logged_in(client, editor_a).post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [theirs.pk], "post": "yes"}
    )
    assert Project.objects.filter(pk=theirs.pk).exists()


def test_editor_changes_own_project_and_cannot_move_it_to_another_unit(client, editor_a, unit_b, projects_ab):
    mine, _ = projects_ab
    client = logged_in(client, editor_a)
    response = client.post(change_url(mine), form_data(mine, unit=unit_b.pk))
    assert response.status_code == 200  # the form is shown again with an error
    mine.refresh_from_db()
    assert mine.unit.name == "第一党支部"
    response = client.post(change_url(mine), form_data(mine, title="A的项目(已改)"))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.title == "A的项目"  # the approved project stays as it was until the office approves
    [submission] = ReviewRequest.objects.filter(object_id=mine.pk)
    assert submission.unit.name == "第一党支部" and submission.proposed == {"title": "A的项目(已改)"}


def test_editor_add_form_offers_only_own_units(client, editor_a, unit_b):
    response = logged_in(client, editor_a).get(reverse("admin:projects_project_add"))
    assert response.status_code == 200
    assert "第一党支部" in response.text
    assert "第二党支部" not in response.text


def test_office_admin_sees_every_unit(client, office_admin, projects_ab):
    response = logged_in(client, office_admin).get(CHANGELIST)
    assert "A的项目" in response.text and "B的项目" in response.text


def test_leader_reads_everything_and_changes_nothing(client, leader, projects_ab):
    mine, theirs = projects_ab
    client = logged_in(client, leader)
    response = client.get(CHANGELIST)
    assert "A的项目" in response.text and "B的项目" in response.text
    assert client.get(change_url(theirs)).status_code == 200  # read-only view
    client.post(change_url(theirs), form_data(theirs, title="领导改的"))
    theirs.refresh_from_db()
    assert theirs.title == "B的项目"
    assert client.get(reverse("admin:projects_project_add")).status_code == 403


def test_status_filter_shows_overdue_projects(client, office_admin, make_project):
    make_project(title="逾期项目", deadline=datetime.date(2021, 1, 1))
    make_project(title="未到期项目", deadline=datetime.date(2999, 1, 1))
    response = logged_in(client, office_admin).get(CHANGELIST, {"status": "overdue"})
    assert "逾期项目" in response.text
    assert "未到期项目" not in response.text


def test_the_change_form_carries_the_version_it_was_built_from(client, editor_a, make_project):
    project = make_project()
    project.save()
    page = logged_in(client, editor_a).get(change_url(project)).text
    assert 'name="lock_version" value="2"' in page


def test_second_concurrent_save_is_refused_and_keeps_what_was_typed(client, office_admin, make_project):
    project = make_project(title="原标题")
    first = form_data(project, title="第一位的修改")
    second = form_data(project, title="第二位的修改")  # built from the same version
    client = logged_in(client, office_admin)  # publishes directly (an editor's change waits for review)
    assert client.post(change_url(project), first).status_code == 302
    response = client.post(change_url(project), second)
    assert response.status_code == 200
    assert "第二位的修改" in response.text  # the form keeps the typing
    assert response.context["adminform"].form.non_field_errors()
    project.refresh_from_db()
    assert project.title == "第一位的修改"


def test_progress_updates_are_recorded_inline_with_who_recorded_them(client, editor_a, make_project):
    project = make_project()
    data = form_data(
        project,
        **{
            "updates-TOTAL_FORMS": "1",
            "updates-0-date": "2021-06-10",
            "updates-0-percent": "60",
            "updates-0-status": "in_progress",
            "updates-0-note": "主体完工",
        },
    )
    assert logged_in(client, editor_a).post(change_url(project), data).status_code == 302
    update = ProgressUpdate.objects.get(project=project)
    assert (update.percent, update.created_by) == (60, editor_a)


def test_history_lists_changes_and_an_earlier_version_can_be_restored(client, office_admin, make_project):
    project = make_project(title="初始")
    client = logged_in(client, office_admin)
    client.post(change_url(project), form_data(project, title="第一次修改"))
    project.refresh_from_db()
    client.post(change_url(project), form_data(project, title="第二次修改"))
    history = client.get(reverse("admin:projects_project_history", args=[project.pk]))
    assert history.status_code == 200
    versions = history.context["action_list"]
    assert len(versions) == 2
    first_version_url = versions[0]["url"]  # oldest first
    form = client.get(first_version_url)
    assert "第一次修改" in form.text
    shown_version = form.context["adminform"].form["lock_version"].value()
    response = client.post(
        first_version_url, form_data(project, title="第一次修改", lock_version=shown_version)
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "第一次修改"


def test_editor_cannot_restore_a_version_of_another_units_project(
    client, office_admin, editor_b, make_project
):
    project = make_project(title="初始")
    logged_in(client, office_admin).post(change_url(project), form_data(project, title="第一次修改"))
    project.refresh_from_db()
    client.post(change_url(project), form_data(project, title="第二次修改"))
    history = client.get(reverse("admin:projects_project_history", args=[project.pk]))
    first_version_url = history.context["action_list"][0]["url"]
    project.refresh_from_db()
    response = logged_in(client, editor_b).post(first_version_url, form_data(project, title="第一次修改"))
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.title == "第二次修改"
    assert client.get(reverse("admin:projects_project_recoverlist")).status_code == 403
    assert reverse("admin:projects_project_recoverlist") not in client.get(CHANGELIST).text


def test_office_admin_recovers_a_deleted_project(client, office_admin, make_project):
    project = make_project(title="误删的项目")
    client = logged_in(client, office_admin)
    client.post(change_url(project), form_data(project, title="误删的项目"))
    client.post(delete_url(project), {"post": "yes"})
    assert not Project.objects.filter(title="误删的项目").exists()
    recover_list = client.get(reverse("admin:projects_project_recoverlist"))
    assert "误删的项目" in recover_list.text
    version = recover_list.context["deleted"][0]
    recover_url = reverse("admin:projects_project_recover", args=[version.pk])
    form = client.get(recover_url)
    response = client.post(
        recover_url, form_data(project, lock_version=form.context["adminform"].form["lock_version"].value())
    )
    assert response.status_code == 302
    assert Project.objects.filter(title="误删的项目").exists()
