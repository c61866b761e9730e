"""Restoring a record from its history in the admin (django-reversion).

A restore puts back that record and its own inline rows only, from that
record's own history only, and only within the user's units; it goes through
the form's checks and moves the lock version forward.
"""

import datetime

import pytest
import reversion
from django.urls import reverse
from reversion.models import Version

from projects.models import ProgressUpdate, Project, Round
from tests.conftest import add_update, logged_in
from tests.projects.test_admin import change_url, form_data
from units.models import Unit
from units.roles import OFFICE_ADMIN, UNIT_EDITOR

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def editors_publish_directly(settings):
    """By default an editor may not restore (it would bypass review: tests/review/test_review.py).
    An office may let editors publish directly; restores must then still stay in their units."""
    settings.REVIEW_DIRECT_PUBLISH_ROLES = [OFFICE_ADMIN, UNIT_EDITOR]


OUTSIDE_UNITS = "该版本中这条记录不属于您所在的单位"


def revision_url(project_pk, version):
    return reverse("admin:projects_project_revision", args=[project_pk, version.pk])


def oldest_version(obj):
    return Version.objects.get_for_object(obj).order_by("pk").first()


def history_urls(client, project):
    """Restore links of the project's history page, oldest first."""
    history = client.get(reverse("admin:projects_project_history", args=[project.pk]))
    assert history.status_code == 200
    return [entry["url"] for entry in history.context["action_list"]]


def restore(client, url, **overrides):
    """Open a version's restore form and save it as shown, as a user would."""
    form = client.get(url)
    assert form.status_code == 200
    project = form.context["adminform"].form.instance
    shown_version = form.context["adminform"].form["lock_version"].value()
    return client.post(url, form_data(project, lock_version=shown_version, **overrides))


# 1. Only versions of the record itself.


def test_an_office_round_with_the_same_id_is_not_reverted_through_ones_project(
    client, editor_a, make_project
):
    mine = make_project(pk=7001)
    with reversion.create_revision():
        office_round = Round.objects.create(
            pk=7001, name="办公室的批次", start_date=datetime.date(2022, 1, 1)
        )
    with reversion.create_revision():
        office_round.name = "办公室的批次(已改)"
        office_round.save()
    url = revision_url(mine.pk, oldest_version(office_round))
    client = logged_in(client, editor_a)

    response = client.post(url, form_data(mine))

    office_round.refresh_from_db()
    assert office_round.name == "办公室的批次(已改)"
    assert response.status_code == 404
    assert client.get(url).status_code == 404


def test_another_units_project_is_not_reverted_through_a_progress_update_version(
    client, editor_a, make_project, unit_b
):
    theirs = make_project(title="B的项目", unit=unit_b)
    with reversion.create_revision():
        first_update = add_update(theirs, datetime.date(2021, 5, 10), 20, pk=7002)
        theirs.save()
    with reversion.create_revision():
        theirs.title = "B的项目(已改)"
        theirs.save()
        later_update = add_update(theirs, datetime.date(2021, 6, 1), 50)
    mine = make_project(pk=first_update.pk)

    response = logged_in(client, editor_a).post(
        revision_url(mine.pk, oldest_version(first_update)), form_data(mine)
    )

    theirs.refresh_from_db()
    assert theirs.title == "B的项目(已改)"
    assert ProgressUpdate.objects.filter(pk=later_update.pk).exists()
    assert response.status_code == 404


def test_a_removed_member_does_not_rejoin_a_unit_through_a_unit_version(client, editor_a, make_project):
    other_unit = Unit.objects.create(pk=7003, name="第三党支部", kind=Unit.Kind.PARTY_BRANCH)
    with reversion.create_revision():
        other_unit.members.add(editor_a)
    with reversion.create_revision():
        other_unit.members.remove(editor_a)
    mine = make_project(pk=other_unit.pk)

    response = logged_in(client, editor_a).post(
        revision_url(mine.pk, oldest_version(other_unit)), form_data(mine)
    )

    assert not other_unit.members.filter(pk=editor_a.pk).exists()
    assert response.status_code == 404


def test_recover_takes_only_a_deleted_record_of_the_admins_own_model(client, office_admin):
    with reversion.create_revision():
        office_round = Round.objects.create(
            pk=7004, name="办公室的批次", start_date=datetime.date(2022, 1, 1)
        )
    with reversion.create_revision():
        office_round.name = "办公室的批次(已改)"
        office_round.save()
    url = reverse("admin:projects_project_recover", args=[oldest_version(office_round).pk])

    response = logged_in(client, office_admin).post(url, {})

    office_round.refresh_from_db()
    assert office_round.name == "办公室的批次(已改)"
    assert response.status_code == 404


# 2. Only the record and its own inline rows.


def test_restoring_from_an_import_leaves_the_other_projects_of_that_import_alone(
    client, office_admin, editor_a, editor_b, make_project, unit_b
):
    mine = make_project(title="A的项目")
    theirs = make_project(title="B的项目", unit=unit_b)
    with reversion.create_revision():  # an office import saves the whole file in one revision
        reversion.set_user(office_admin)
        mine.save()
        theirs.save()
    mine.refresh_from_db()
    theirs.refresh_from_db()
    logged_in(client, editor_a).post(change_url(mine), form_data(mine, title="A的项目(已改)"))
    later_update = {
        "updates-TOTAL_FORMS": "1",
        "updates-0-date": "2021-06-10",
        "updates-0-percent": "60",
        "updates-0-status": "in_progress",
    }
    logged_in(client, editor_b).post(
        change_url(theirs), form_data(theirs, title="B的项目(已改)", **later_update)
    )
    client = logged_in(client, editor_a)

    response = restore(client, history_urls(client, mine)[0])

    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.title == "A的项目"
    assert theirs.title == "B的项目(已改)"
    assert ProgressUpdate.objects.filter(project=theirs, percent=60).exists()


# 3. Only within the user's units, and only through the form's checks.


def test_an_editor_cannot_move_a_project_into_another_unit_by_restoring(
    client, editor_a, make_project, unit_a, unit_b
):
    project = make_project(title="原属B的项目", unit=unit_b)
    with reversion.create_revision():
        project.save()
    with reversion.create_revision():  # the office hands it over to unit A
        project.unit = unit_a
        project.save()
    url = revision_url(project.pk, oldest_version(project))
    client = logged_in(client, editor_a)

    response = client.post(url, {}, follow=True)

    project.refresh_from_db()
    assert project.unit == unit_a
    assert OUTSIDE_UNITS in response.text
    response = client.post(url, form_data(project, unit=unit_a.pk), follow=True)
    project.refresh_from_db()
    assert project.unit == unit_a
    assert OUTSIDE_UNITS in response.text
    assert OUTSIDE_UNITS in client.get(url, follow=True).text


# 4. The lock version moves forward.


def test_a_form_opened_before_a_restore_cannot_overwrite_it(client, editor_a, make_project):
    project = make_project(title="初始")
    client = logged_in(client, editor_a)
    client.post(change_url(project), form_data(project, title="第一次修改"))
    project.refresh_from_db()
    opened_long_ago = form_data(project, title="很久以前打开的表单")
    client.post(change_url(project), form_data(project, title="第二次修改"))
    project.refresh_from_db()
    version_before_restore = project.version

    assert restore(client, history_urls(client, project)[0]).status_code == 302

    project.refresh_from_db()
    assert project.title == "第一次修改"
    assert project.version > version_before_restore
    response = client.post(change_url(project), opened_long_ago)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    project.refresh_from_db()
    assert project.title == "第一次修改"


# Legitimate restores keep working.


def test_an_editor_restores_their_own_project_with_its_progress_updates(client, editor_a, make_project):
    project = make_project(title="初始")
    client = logged_in(client, editor_a)
    client.post(
        change_url(project),
        form_data(
            project,
            title="有进度",
            **{
                "updates-TOTAL_FORMS": "1",
                "updates-0-date": "2021-05-10",
                "updates-0-percent": "30",
                "updates-0-status": "in_progress",
            },
        ),
    )
    project.refresh_from_db()
    first_update = ProgressUpdate.objects.get(project=project)
    client.post(
        change_url(project),
        form_data(
            project,
            title="进度更新",
            **{
                "updates-TOTAL_FORMS": "2",
                "updates-INITIAL_FORMS": "1",
                "updates-0-id": first_update.pk,
                "updates-0-project": project.pk,
                "updates-0-date": "2021-05-10",
                "updates-0-percent": "40",
                "updates-0-status": "in_progress",
                "updates-1-project": project.pk,
                "updates-1-date": "2021-06-01",
                "updates-1-percent": "80",
                "updates-1-status": "in_progress",
            },
        ),
    )
    assert ProgressUpdate.objects.filter(project=project).count() == 2
    first_version_url = history_urls(client, project)[0]

    client.post(first_version_url, {})  # an empty or invalid form changes nothing
    project.refresh_from_db()
    assert project.title == "进度更新"
    assert ProgressUpdate.objects.filter(project=project).count() == 2

    assert restore(client, first_version_url).status_code == 302
    project.refresh_from_db()
    assert project.title == "有进度"
    assert list(ProgressUpdate.objects.filter(project=project).values_list("pk", "percent")) == [
        (first_update.pk, 30)
    ]


def test_the_office_restores_any_units_project_into_any_unit(
    client, office_admin, make_project, unit_a, unit_b
):
    project = make_project(title="办公室的项目", unit=unit_a)
    with reversion.create_revision():
        project.save()
    with reversion.create_revision():
        project.title = "交给B"
        project.unit = unit_b
        project.save()
        add_update(project, datetime.date(2021, 6, 1), 50)
    project.refresh_from_db()
    version_before_restore = project.version
    client = logged_in(client, office_admin)

    response = restore(client, history_urls(client, project)[0], unit=unit_a.pk)

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.unit) == ("办公室的项目", unit_a)
    assert not project.updates.exists()
    assert project.version > version_before_restore
    assert Project.objects.count() == 1
