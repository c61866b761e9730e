"""The ledger's time rules: progress and status as of a date, overdue derived, never typed."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from projects.models import ProgressStatus, ProgressUpdate, Project, ProjectStatus, Round
from tests.conftest import add_update

D = datetime.date
pytestmark = pytest.mark.django_db
SHANGHAI_MIDNIGHT_JULY_1 = "2021-06-30T16:00:00+00:00"  # 2021-07-01 00:00 in Asia/Shanghai


def db_status(project, on):
    return Project.objects.with_progress(on).get(pk=project.pk).derived_status


def test_a_project_without_updates_has_not_started(make_project):
    project = make_project(deadline=D(2021, 6, 30))
    assert project.status_on(D(2021, 6, 1)) == ProjectStatus.NOT_STARTED
    assert db_status(project, D(2021, 6, 1)) == ProjectStatus.NOT_STARTED


def test_progress_as_of_a_date_is_the_latest_update_on_or_before_it(make_project):
    project = make_project()
    add_update(project, D(2021, 5, 20), 30)
    add_update(project, D(2021, 6, 10), 70)
    assert project.progress_on(D(2021, 5, 19)) is None
    assert project.progress_on(D(2021, 5, 20)).percent == 30
    assert project.progress_on(D(2021, 6, 9)).percent == 30
    assert project.progress_on(D(2021, 6, 10)).percent == 70
    annotated = Project.objects.with_progress(D(2021, 6, 9)).get(pk=project.pk)
    assert (annotated.progress_percent, annotated.progress_date) == (30, D(2021, 5, 20))


def test_an_update_typed_later_but_dated_earlier_counts_on_its_own_date(make_project):
    project = make_project()
    add_update(project, D(2021, 6, 20), 80)
    add_update(project, D(2021, 6, 1), 40)  # back-filled after the 80% entry
    assert project.progress_on(D(2021, 6, 5)).percent == 40
    assert project.progress_on(D(2021, 6, 25)).percent == 80


def test_overdue_starts_the_day_after_the_deadline(make_project):
    project = make_project(deadline=D(2021, 6, 30))
    add_update(project, D(2021, 6, 1), 50)
    assert project.status_on(D(2021, 6, 30)) == ProjectStatus.IN_PROGRESS
    assert project.status_on(D(2021, 7, 1)) == ProjectStatus.OVERDUE
    assert db_status(project, D(2021, 6, 30)) == ProjectStatus.IN_PROGRESS
    assert db_status(project, D(2021, 7, 1)) == ProjectStatus.OVERDUE


def test_completed_late_is_overdue_until_the_day_it_was_completed(make_project):
    project = make_project(deadline=D(2021, 6, 30))
    add_update(project, D(2021, 6, 1), 50)
    add_update(project, D(2021, 7, 10), 100)
    assert project.is_overdue(D(2021, 7, 9))
    assert project.status_on(D(2021, 7, 10)) == ProjectStatus.COMPLETED
    assert list(Project.objects.overdue(D(2021, 7, 9))) == [project]
    assert list(Project.objects.overdue(D(2021, 7, 10))) == []


def test_completed_on_time_is_never_overdue(make_project):
    project = make_project(deadline=D(2021, 6, 30))
    add_update(project, D(2021, 6, 28), 100)
    assert project.status_on(D(2022, 1, 1)) == ProjectStatus.COMPLETED
    assert db_status(project, D(2022, 1, 1)) == ProjectStatus.COMPLETED


def test_today_is_the_date_in_shanghai_not_utc(make_project):
    project = make_project(deadline=D(2021, 6, 30))
    add_update(project, D(2021, 6, 1), 50)
    with time_machine.travel("2021-06-30T15:59:59+00:00", tick=False):  # 23:59:59 in Shanghai
        assert project.status_on() == ProjectStatus.IN_PROGRESS
        assert not Project.objects.overdue().exists()
    with time_machine.travel(SHANGHAI_MIDNIGHT_JULY_1, tick=False):  # still June 30 in UTC
        assert project.status_on() == ProjectStatus.OVERDUE
        assert Project.objects.overdue().get() == project


def test_a_new_update_defaults_to_today_in_shanghai(make_project):
    project = make_project()
    with time_machine.travel(SHANGHAI_MIDNIGHT_JULY_1, tick=False):
        update = ProgressUpdate.objects.create(project=project, percent=10, status=ProgressStatus.IN_PROGRESS)
    assert update.date == D(2021, 7, 1)


def test_month_end_figures_count_status_as_of_the_last_day(make_project):
    on_time = make_project(deadline=D(2021, 6, 30))
    late = make_project(deadline=D(2021, 5, 31))
    add_update(on_time, D(2021, 6, 30), 100)
    add_update(late, D(2021, 5, 31), 60)
    may = Project.objects.figures(D(2021, 5, 31))
    june = Project.objects.figures(D(2021, 6, 30))
    assert (may["completed"], may["in_progress"], may["overdue"]) == (0, 1, 0)
    assert (june["completed"], june["in_progress"], june["overdue"]) == (1, 0, 1)
    assert june["total"] == 2
    assert june["average_percent"] == 80


@pytest.mark.parametrize(
    ("percent", "status"),
    [
        (120, ProgressStatus.IN_PROGRESS),
        (-5, ProgressStatus.IN_PROGRESS),
        (90, ProgressStatus.COMPLETED),
        (100, ProgressStatus.IN_PROGRESS),
        (30, ProgressStatus.NOT_STARTED),
    ],
)
def test_inconsistent_progress_is_refused(make_project, percent, status):
    update = ProgressUpdate(project=make_project(), date=D(2021, 6, 1), percent=percent, status=status)
    with pytest.raises(ValidationError):
        update.full_clean()


def test_progress_cannot_be_dated_in_the_future(make_project):
    with time_machine.travel(SHANGHAI_MIDNIGHT_JULY_1, tick=False):
        tomorrow = ProgressUpdate(
            project=make_project(), date=D(2021, 7, 2), percent=10, status=ProgressStatus.IN_PROGRESS
        )
        with pytest.raises(ValidationError) as error:
            tomorrow.full_clean()
        assert "date" in error.value.message_dict
        tomorrow.date = D(2021, 7, 1)  # today in Shanghai, still June 30 in UTC
        tomorrow.full_clean()


def test_round_cannot_end_before_it_starts():
    with pytest.raises(ValidationError):
        Round(name="r", start_date=D(2021, 7, 1), end_date=D(2021, 6, 1)).full_clean()


def test_the_current_round_is_the_latest_with_published_projects(make_project, round_):
    later = Round.objects.create(name="新一轮", start_date=D(2021, 7, 5))
    make_project(round=round_)
    assert Round.objects.current() == round_
    make_project(round=later, is_public=False)
    assert Round.objects.current() == round_
    make_project(round=later)
    assert Round.objects.current() == later


def test_every_save_moves_the_version_on(make_project):
    project = make_project()
    assert project.version == 1
    project.title = "改名"
    project.save()
    project.refresh_from_db()
    assert project.version == 2
