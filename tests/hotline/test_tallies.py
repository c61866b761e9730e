"""Case tallies: they follow the import, save, delete and bulk writes, the rebuild command
rebuilds them, and the figures read from them equal the ones counted from the cases."""

import datetime
import io
import random

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from hotline import tallies
from hotline.case_import import import_cases
from hotline.models import Case, CaseTally, CaseYearTally, Feedback
from hotline.rollup import case_figures
from hotline.stats import Period, case_figures_for
from tests.kit.once import shared_rows

from .factories import case_file, case_row, make_case

D = datetime.date
LOCAL = timezone.get_fixed_timezone(8 * 60)
NOW = datetime.datetime(2021, 7, 14, 10, 0, tzinfo=LOCAL)  # mid-July: some July cases are due, some not


def local_start(month: datetime.date) -> datetime.datetime:
    return datetime.datetime(month.year, month.month, 1, tzinfo=LOCAL)


def counted_from_cases(period: Period) -> dict:
    """The figures as the cases themselves give them (the queries the tallies replaced)."""
    in_period = Q(month__gte=period.start, month__lte=period.end)
    now = timezone.now()
    due_window = Q(due_at__gte=local_start(period.start), due_at__lt=min(local_start(period.after_end), now))
    on_time = Q(is_completed=True, completed_at__lte=F("due_at"))
    row = Case.objects.filter(in_period | due_window).aggregate(
        cases=Count("pk", filter=in_period),
        due=Count("pk", filter=due_window),
        on_time=Count("pk", filter=due_window & on_time),
    )
    categories = list(
        Case.objects.filter(in_period)
        .exclude(category="")
        .values("category")
        .annotate(cases=Count("pk"))
        .order_by("-cases", "category")[:10]
    )
    units = {
        unit.pop("handling_unit"): unit
        for unit in Case.objects.filter(in_period)
        .exclude(handling_unit="")
        .values("handling_unit")
        .annotate(
            **case_figures(),
            due=Count("pk", filter=Q(due_at__lt=now)),
            on_time=Count("pk", filter=Q(due_at__lt=now) & on_time),
        )
    }
    return {**row, "categories": categories, "units": units}


def read_from_tallies(period: Period) -> dict:
    figures = case_figures_for(period)
    units = {
        unit["handling_unit"]: {
            name: unit[name]
            for name in (
                "accepted",
                "completed",
                "callbacks",
                "satisfied",
                "online_completed",
                "due",
                "on_time",
            )
        }
        for unit in figures.units
    }
    return {
        "cases": figures.cases,
        "due": figures.due,
        "on_time": figures.on_time,
        "categories": figures.categories,
        "units": units,
    }


def random_cases(count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for n in range(count):
        month = D(2021, rng.randrange(1, 8), 1)
        received = local_start(month) + datetime.timedelta(days=rng.randrange(28), hours=rng.randrange(24))
        if month == D(2021, 7, 1):
            received = min(received, NOW - datetime.timedelta(hours=1))
        completed = rng.random() < 0.8
        make_case(
            received,
            number=f"R{n:05d}",
            category=rng.choice(["城市管理", "交通出行", ""]),
            handling_unit=rng.choice(["市城管局", "市交通局", "区住建局", ""]),
            is_completed=completed,
            completed_at=received + datetime.timedelta(hours=rng.randrange(1, 300)) if completed else None,
            due_at=None
            if rng.random() < 0.1
            else received + datetime.timedelta(days=rng.choice([1, 5, 9, 20])),
            feedback=rng.choice(list(Feedback)),
            is_online=completed and rng.random() < 0.3,
        )


PERIODS = [
    Period(D(2021, 1, 1), D(2021, 6, 1)),
    Period(D(2021, 6, 1), D(2021, 6, 1)),
    Period(D(2021, 7, 1), D(2021, 7, 1)),  # the current month: due only up to now
    Period(D(2021, 1, 1), D(2021, 12, 1)),
    Period(D(2020, 1, 1), D(2020, 12, 1)),  # nothing stored
]


@pytest.fixture(scope="class")
def three_hundred_cases(django_db_setup, django_db_blocker):
    """Saved one by one (each save recounts its months' tallies), once for all the periods."""
    with shared_rows(django_db_blocker):
        with time_machine.travel(NOW, tick=False):
            random_cases(300)
        yield


class TestFiguresFromTheTallies:
    @pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start:%Y-%m}..{p.end:%Y-%m}")
    def test_figures_from_the_tallies_equal_the_ones_counted_from_the_cases(
        self, three_hundred_cases, db, period
    ):
        with time_machine.travel(NOW, tick=False):
            assert Case.objects.count() == 300
            assert read_from_tallies(period) == counted_from_cases(period)


def tally_rows() -> set:
    return set(CaseTally.objects.values_list("month", "kind", "key", "due_month", *tallies.COUNTS))


def rebuilt_rows() -> set:
    rows = tally_rows()
    call_command("rebuild_case_tallies", stdout=io.StringIO())
    return rows, tally_rows()


def test_save_and_delete_of_a_case_recount_its_months(db):
    case = make_case()
    assert CaseTally.objects.get(kind=tallies.CATEGORY).cases == 1
    unit = CaseTally.objects.get(kind=tallies.UNIT)
    assert (unit.key, unit.month, unit.due_month, unit.cases, unit.completed, unit.on_time) == (
        "市城管局",
        D(2021, 6, 1),
        D(2021, 6, 1),
        1,
        1,
        1,
    )
    case.month = D(2021, 5, 1)  # moved to another month: the old one loses it
    case.category = "交通出行"
    case.save()
    assert set(CaseTally.objects.values_list("month", "key")) == {
        (D(2021, 5, 1), "交通出行"),
        (D(2021, 5, 1), "市城管局"),
    }
    case.delete()
    assert not CaseTally.objects.exists()


def test_bulk_create_update_and_queryset_delete_keep_the_tallies(db):
    base = local_start(D(2021, 6, 1))
    Case.objects.bulk_create(
        [Case(number=f"B{n}", received_at=base, month=D(2021, 6, 1), category="城市管理") for n in range(5)]
    )
    assert CaseTally.objects.get(kind=tallies.CATEGORY).cases == 5
    Case.objects.filter(number__in=["B0", "B1"]).update(category="交通出行")
    assert dict(CaseTally.objects.filter(kind=tallies.CATEGORY).values_list("key", "cases")) == {
        "城市管理": 3,
        "交通出行": 2,
    }
    Case.objects.filter(category="城市管理").delete()
    assert dict(CaseTally.objects.filter(kind=tallies.CATEGORY).values_list("key", "cases")) == {
        "交通出行": 2
    }
    Case.objects.all().delete()
    assert not CaseTally.objects.exists()


def test_an_import_recounts_the_months_it_touched_including_a_case_s_old_month(db):
    import_cases(
        io.BytesIO(case_file([case_row("GD1"), case_row("GD2", status="办理中")])), "a.csv", commit=True
    )
    unit = CaseTally.objects.get(kind=tallies.UNIT)
    assert (unit.month, unit.cases, unit.completed) == (D(2021, 6, 1), 2, 1)
    # GD2 completed, and GD1 moved to May by a corrected receiving time
    moved = [case_row("GD1", received="2021-05-31 09:00:00"), case_row("GD2")]
    import_cases(io.BytesIO(case_file(moved)), "b.csv", commit=True)
    assert sorted(CaseTally.objects.filter(kind=tallies.UNIT).values_list("month", "cases", "completed")) == [
        (D(2021, 5, 1), 1, 1),
        (D(2021, 6, 1), 1, 1),
    ]
    before, after = rebuilt_rows()
    assert before == after


def test_the_rebuild_command_restores_tallies_lost_or_wrong(db):
    with time_machine.travel(NOW, tick=False):
        random_cases(60)
        good = tally_rows()
        CaseTally.objects.filter(month=D(2021, 3, 1)).delete()
        CaseTally.objects.filter(month=D(2021, 4, 1)).update(cases=999)
        CaseTally.objects.create(month=D(2019, 1, 1), kind=tallies.CATEGORY, key="旧", cases=3)
        out = io.StringIO()
        call_command("rebuild_case_tallies", stdout=out)
        assert tally_rows() == good
        assert "months" in out.getvalue()


def test_a_case_due_later_this_month_is_not_due_yet_and_becomes_due_in_time(db):
    with time_machine.travel(NOW, tick=False):
        received = NOW - datetime.timedelta(days=2)
        make_case(received, due_at=NOW + datetime.timedelta(hours=2), completed_at=received)
        period = Period(D(2021, 7, 1), D(2021, 7, 1))
        figures = case_figures_for(period)
        assert (figures.cases, figures.due, figures.units[0]["due"]) == (1, 0, 0)
    with time_machine.travel(NOW + datetime.timedelta(hours=3), tick=False):
        figures = case_figures_for(period)
        assert (figures.due, figures.on_time, figures.units[0]["due"]) == (1, 1, 1)
    with time_machine.travel(datetime.datetime(2021, 8, 2, tzinfo=LOCAL), tick=False):
        figures = case_figures_for(period)  # a whole month later: from the tallies alone
        assert (figures.due, figures.on_time, figures.units[0]["on_time"]) == (1, 1, 1)


# Year tallies: a period of whole past years reads a year's rows ---------------------------

JANUARY_2022 = datetime.datetime(
    2022, 1, 10, 10, 0, tzinfo=LOCAL
)  # 2021 is over; some of its cases fall due now


def cases_over_three_years(count: int, seed: int = 11) -> None:
    """Cases received 2019–2021, some due in the next month or year (December's in January),
    some due before they were received (a typing slip the figures must still count right)."""
    rng = random.Random(seed)
    for n in range(count):
        month = D(rng.choice([2019, 2020, 2021]), rng.randrange(1, 13), 1)
        received = local_start(month) + datetime.timedelta(days=rng.randrange(28), hours=rng.randrange(24))
        completed = rng.random() < 0.8
        make_case(
            received,
            number=f"Y{n:05d}",
            category=rng.choice(["城市管理", "交通出行", ""]),
            handling_unit=rng.choice(["市城管局", "市交通局", ""]),
            is_completed=completed,
            completed_at=received + datetime.timedelta(hours=rng.randrange(1, 900)) if completed else None,
            due_at=None
            if rng.random() < 0.1
            else received + datetime.timedelta(days=rng.choice([-40, 3, 20, 40])),
            feedback=rng.choice(list(Feedback)),
            is_online=completed and rng.random() < 0.3,
        )


YEAR_PERIODS = [
    Period(D(2019, 1, 1), D(2021, 12, 1)),  # three whole years
    Period(D(2019, 3, 1), D(2021, 12, 1)),  # months of 2019, then whole years
    Period(D(2019, 1, 1), D(2021, 11, 1)),  # whole years, then months of 2021
    Period(D(2020, 1, 1), D(2020, 12, 1)),
    Period(D(2019, 6, 1), D(2020, 5, 1)),  # no whole year
    Period(D(2021, 1, 1), D(2022, 1, 1)),  # a whole year and the current month
]


@pytest.mark.parametrize(
    "now", [JANUARY_2022, NOW.replace(year=2021, month=3)], ids=["january 2022", "march 2021"]
)
@pytest.mark.parametrize("period", YEAR_PERIODS, ids=lambda p: f"{p.start:%Y-%m}..{p.end:%Y-%m}")
def test_figures_of_whole_years_equal_the_ones_counted_from_the_cases(db, period, now):
    with time_machine.travel(JANUARY_2022, tick=False):
        cases_over_three_years(240)
    with time_machine.travel(now, tick=False):
        assert read_from_tallies(period) == counted_from_cases(period)


def year_rows() -> set:
    return set(CaseYearTally.objects.values_list("year", "kind", "key", "due_month", *tallies.COUNTS))


def test_a_year_s_rows_follow_its_cases_and_the_rebuild_command(db):
    with time_machine.travel(JANUARY_2022, tick=False):
        cases_over_three_years(60)
        assert {year for year, *_ in year_rows()} == {D(2019, 1, 1), D(2020, 1, 1), D(2021, 1, 1)}
        good = year_rows()
        CaseYearTally.objects.filter(year=D(2020, 1, 1)).delete()
        CaseYearTally.objects.filter(year=D(2019, 1, 1)).update(cases=999)
        CaseYearTally.objects.create(year=D(2015, 1, 1), kind=tallies.CATEGORY, key="旧", cases=3)
        call_command("rebuild_case_tallies", stdout=io.StringIO())
        assert year_rows() == good
        Case.objects.filter(month__year=2019).delete()
        assert {year for year, *_ in year_rows()} == {D(2020, 1, 1), D(2021, 1, 1)}
        unit_cases = CaseYearTally.objects.filter(year=D(2021, 1, 1), kind=tallies.UNIT)
        assert (
            sum(unit_cases.values_list("cases", flat=True)) == Case.objects.filter(month__year=2021).count()
        )
