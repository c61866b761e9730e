"""`seed_demo` loads the article's open-door deeds, and running it twice changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from projects.demo import FIRST_ROUND, VISIT_ROUND
from projects.models import ProgressUpdate, Project, ProjectStatus, Round
from tests.kit.once import shared_rows
from units.models import Unit

pytestmark = pytest.mark.django_db
TEN_ONES = [
    "修建一座风雨桥",
    "捐赠一批农业实用书籍",
    "为留守儿童捐赠一批学习用品",
    "组织一次义务劳动",
    "开展一次无偿献血",
    "开展一次儿童白血病调查",
    "组织一次巡回公益课堂培训",
    "建立一个垃圾分类示范小区",
    "帮助一批困难群众采茶锄草",
    "在市民广场建立一个集中吸烟点",
]


def snapshot():
    return (
        Unit.objects.count(),
        Round.objects.count(),
        sorted(Project.objects.values_list("pk", "version")),
        ProgressUpdate.objects.count(),
    )


@pytest.fixture(scope="class")
def seeded_once(django_db_setup, django_db_blocker):
    """seed_demo run once for the class's tests (each starts from its rows, as after one run
    on an empty database, and its own changes are rolled back)."""
    with shared_rows(django_db_blocker):
        call_command("seed_demo")
        yield


@pytest.mark.usefixtures("seeded_once")
class TestSeeded:
    def test_seed_demo_loads_the_ten_ones_completed_by_the_end_of_june(self):
        ten = Project.objects.filter(title__in=TEN_ONES)
        assert ten.count() == 10
        end_of_june = datetime.date(2021, 6, 30)
        assert all(p.status_on(end_of_june) == ProjectStatus.COMPLETED for p in ten)
        assert all(p.deadline <= end_of_june and p.unit_id for p in ten)
        assert all(p.is_demo and p.lead_name.startswith("演示") for p in ten)

    def test_the_ten_ones_round_holds_the_article_s_ten_projects_and_nothing_else(self):
        assert sorted(
            Project.objects.filter(round__name=FIRST_ROUND).values_list("title", flat=True)
        ) == sorted(TEN_ONES)

    def test_seed_demo_holds_the_visit_to_40_needy_party_members_with_20000_yuan_in_its_own_round(self):
        visit = Project.objects.get(beneficiary_count=40)
        assert visit.spent == Decimal("20000")
        assert visit.progress_on(datetime.date(2021, 6, 30)).percent == 100  # before 1 July
        assert visit.round.name == VISIT_ROUND
        # The dashboard shows the latest round: the "十个一", not the visit's round.
        assert Round.objects.current().name == FIRST_ROUND

    def test_reseeding_a_database_seeded_with_the_visit_inside_the_ten_ones_moves_it_out(self):
        visit = Project.objects.get(beneficiary_count=40)
        # What the earlier demo data left behind: the visit as an eleventh "十个一" project.
        Project.objects.filter(pk=visit.pk).update(round=Round.objects.get(name=FIRST_ROUND))
        Round.objects.filter(name=VISIT_ROUND).delete()

        call_command("seed_demo")

        assert Project.objects.filter(round__name=FIRST_ROUND).count() == 10
        moved = Project.objects.get(beneficiary_count=40)
        assert moved.pk == visit.pk and moved.round.name == VISIT_ROUND
        assert moved.updates.count() == 1
        first = snapshot()
        call_command("seed_demo")
        assert snapshot() == first

    def test_seed_demo_is_idempotent(self):
        first = snapshot()
        call_command("seed_demo")
        assert snapshot() == first


def test_demo_accounts_only_with_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", users=True)
    settings.DEBUG = True
    call_command("seed_demo", users=True)
    editor = Unit.objects.get(name="第一党支部").members.get()
    assert editor.groups.get().name == "单位台账员"
