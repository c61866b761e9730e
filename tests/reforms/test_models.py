"""The catalogue's rules (in the database too) and its figures, computed from its rows."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reforms.models import ServiceItem

from .factories import item_rows, make_item

pytestmark = pytest.mark.django_db
D = datetime.date


def figures():
    return ServiceItem.objects.figures()


def test_an_empty_catalogue_has_zero_counts_and_no_rates():
    result = figures()
    assert result["total"] == result["nearby"] == result["window_items"] == 0
    assert result["window_entry_rate"] is None  # nothing should enter: no rate, not 0%
    assert result["one_go_landing_rate"] is None


def test_figures_count_each_reform(unit_a, unit_b):
    make_item(unit_a, nearby=True, one_seal=True, level=ServiceItem.Level.VILLAGE)
    make_item(unit_a, nearby=True, level=ServiceItem.Level.VILLAGE)
    make_item(unit_a, batch=1, landed_on=D(2021, 3, 1))
    make_item(unit_b, batch=2, landed_on=D(2021, 5, 1))
    make_item(unit_b, batch=2)
    make_item(unit_a, should_enter=True, has_entered=True)
    make_item(unit_b, should_enter=True, has_entered=True)
    make_item(unit_b, should_enter=True)
    make_item(unit_b)
    result = figures()
    assert result["total"] == 9
    assert (result["nearby"], result["one_seal"]) == (2, 1)
    assert (result["one_go"], result["one_go_batches"], result["one_go_landed"]) == (3, 2, 2)
    assert result["one_go_landing_rate"] == Decimal("66.67")
    assert (result["window_units"], result["window_items"], result["window_entered"]) == (2, 3, 2)
    assert result["window_entry_rate"] == Decimal("66.67")


def test_figures_follow_an_added_and_a_changed_item(unit_a):
    item = make_item(unit_a, should_enter=True)
    assert figures()["window_entry_rate"] == Decimal("0.00")
    item.has_entered = True
    item.save()
    assert figures()["window_entry_rate"] == Decimal("100.00")
    make_item(unit_a, should_enter=True)
    assert (figures()["window_items"], figures()["window_entry_rate"]) == (2, Decimal("50.00"))
    item.delete()
    assert figures()["window_entered"] == 0


def test_the_figures_are_one_query(unit_a, django_assert_num_queries):
    ServiceItem.objects.bulk_create(item_rows(unit_a, 300, nearby=True, should_enter=True))
    with django_assert_num_queries(1):
        result = figures()
    assert result["nearby"] == 300


@pytest.mark.parametrize(
    ("entered", "should", "rate"),
    [
        (226, 243, Decimal("93.00")),  # the article's 93%
        (227, 243, Decimal("93.42")),
        (1, 800, Decimal("0.13")),  # 0.125: half up, not to even
        (3, 800, Decimal("0.38")),  # 0.375
        (799, 800, Decimal("99.88")),  # 99.875
        (0, 5, Decimal("0.00")),
        (5, 5, Decimal("100.00")),
    ],
)
def test_entry_rate_rounds_half_up_to_two_places(unit_a, entered, should, rate):
    rows = item_rows(unit_a, should, should_enter=True)
    for row in rows[:entered]:
        row.has_entered = True
    ServiceItem.objects.bulk_create(rows)
    assert figures()["window_entry_rate"] == rate


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"batch": 0}, "start at 1"),
        ({"landed_on": D(2021, 6, 1)}, "needs a"),
        ({"has_entered": True}, "unless it should"),
        ({"one_seal": True}, "one seal"),
    ],
)
def test_rules_hold_in_forms_and_in_the_database(unit_a, settings, fields, message):
    settings.LANGUAGE_CODE = "en"
    item = ServiceItem(
        name="规则事项",
        code="RULE-0001",
        item_type=ServiceItem.Type.LICENSING,
        competent_department=unit_a,
        implementing_unit=unit_a,
        level=ServiceItem.Level.CITY,
        **fields,
    )
    with pytest.raises(ValidationError, match=message):
        item.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_item_codes_are_unique(unit_a):
    make_item(unit_a, code="62052400MZ-XK-0001")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_item(unit_a, code="62052400MZ-XK-0001")


def test_item_codes_are_unique_whatever_the_case(unit_a):
    make_item(unit_a, code="43080000CZ-BA-1072")
    twin = ServiceItem(
        name="同一事项",
        code="43080000cz-ba-1072",
        item_type=ServiceItem.Type.LICENSING,
        competent_department=unit_a,
        implementing_unit=unit_a,
        level=ServiceItem.Level.CITY,
    )
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert refused.value.message_dict == {"code": ["该编码的事项已存在于目录中（编码不区分大小写）。"]}
    # The database refuses it too, even past the model's save (which writes capitals).
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItem.objects.bulk_create([twin])
    assert ServiceItem.objects.count() == 1


def test_codes_are_kept_in_capitals_without_surrounding_spaces(unit_a):
    item = make_item(unit_a, code=" 43080000cz-ba-1073 ")
    item.refresh_from_db()
    assert item.code == "43080000CZ-BA-1073"
    changed = make_item(unit_a, code="43080000CZ-BA-1074")
    changed.code = "43080000cz-ba-1075"
    changed.full_clean()
    assert changed.code == "43080000CZ-BA-1075"


def test_search_matches_every_word_as_a_substring(unit_a):
    elderly = make_item(unit_a, name="老年人优待证办理")
    birth = make_item(unit_a, name="生育服务登记证")
    make_item(unit_a, name="建筑工程施工许可")
    assert list(ServiceItem.objects.search("老年")) == [elderly]
    assert set(ServiceItem.objects.search("登记证")) == {birth}
    assert list(ServiceItem.objects.search("  证   老年 ")) == [elderly]
    assert set(ServiceItem.objects.search("证")) == {elderly, birth}
    assert not ServiceItem.objects.search("老年 生育").exists()
    assert ServiceItem.objects.search("").count() == 3


def test_figures_of_part_of_the_catalogue_and_of_the_whole_stay_apart(unit_a, unit_b):
    make_item(unit_a, should_enter=True, has_entered=True)
    make_item(unit_b, should_enter=True)
    assert figures()["window_entry_rate"] == Decimal("50.00")
    mine = ServiceItem.objects.filter(implementing_unit=unit_a).figures()
    assert (mine["total"], mine["window_items"], mine["window_entry_rate"]) == (1, 1, Decimal("100.00"))
    make_item(unit_b, should_enter=True)
    whole = figures()
    assert (whole["total"], whole["window_items"], whole["window_entered"]) == (3, 3, 1)
    assert whole["window_entry_rate"] == Decimal("33.33")
    assert ServiceItem.objects.filter(implementing_unit=unit_b).figures()["window_entry_rate"] == 0


def test_an_entry_date_needs_an_entry(unit_a):
    item = make_item(unit_a, should_enter=True)
    item.entered_on = datetime.date(2021, 6, 1)
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert "entered_on" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_the_migration_writes_existing_codes_in_capitals(unit_a):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("reforms.migrations.0006_serviceitem_code_capitals")
    [typed] = item_rows(unit_a, 1)
    typed.code = " 43080000cz-ba-2000"
    ServiceItem.objects.bulk_create([typed])  # as rows typed before codes were kept in capitals
    migration.codes_in_capitals(apps, None)
    typed.refresh_from_db()
    assert typed.code == "43080000CZ-BA-2000"


TODAY = datetime.datetime(2021, 6, 15, 2, 0, tzinfo=datetime.UTC)  # 15 June 2021 in Shanghai


def test_a_landing_or_an_entry_still_to_come_is_not_counted_today(unit_a):
    import time_machine

    with time_machine.travel(TODAY, tick=False):
        make_item(unit_a, batch=1, landed_on=D(2021, 6, 15))  # today: counted
        make_item(unit_a, batch=1, landed_on=D(2021, 6, 16))  # tomorrow: not yet
        make_item(unit_a, should_enter=True, has_entered=True, entered_on=D(2021, 6, 1))
        make_item(unit_a, should_enter=True, has_entered=True, entered_on=D(2022, 1, 1))
        make_item(unit_a, should_enter=True, has_entered=True)  # no date: from the start
        make_item(unit_a, should_enter=True)
        result = figures()
        assert (result["one_go"], result["one_go_landed"]) == (2, 1)
        assert result["one_go_landing_rate"] == Decimal("50.00")
        assert (result["window_items"], result["window_entered"]) == (4, 2)
        assert result["window_entry_rate"] == Decimal("50.00")
    with time_machine.travel(datetime.datetime(2022, 1, 1, 2, 0, tzinfo=datetime.UTC), tick=False):
        result = figures()
        assert (result["one_go_landed"], result["window_entered"]) == (2, 3)  # their days have come


def test_a_landing_or_entry_date_more_than_a_year_ahead_is_refused(unit_a):
    import time_machine

    item = make_item(unit_a, batch=1, should_enter=True, has_entered=True)
    with time_machine.travel(TODAY, tick=False):
        item.landed_on = D(2022, 6, 15)  # a year ahead: a date already fixed
        item.entered_on = D(2022, 6, 15)
        item.full_clean()
        item.landed_on = D(2022, 6, 16)
        item.entered_on = D(2027, 1, 1)
        with pytest.raises(ValidationError) as refused:
            item.full_clean()
    assert set(refused.value.message_dict) == {"landed_on", "entered_on"}
    assert "一年" in refused.value.message_dict["landed_on"][0]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"planned_landing_on": D(2027, 6, 1)}, "planned_landing_on"),
        ({"planned_entry_on": D(2027, 6, 1)}, "planned_entry_on"),
    ],
)
def test_a_planned_date_needs_its_reform_and_is_never_counted(unit_a, fields, field):
    item = make_item(unit_a)
    for name, value in fields.items():
        setattr(item, name, value)
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert field in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()
    # Beside its reform, a plan of any date is fine, and counts as nothing done.
    item = ServiceItem.objects.get(pk=item.pk)
    item.batch, item.should_enter = 1, True
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean()
    item.save()
    result = figures()
    assert (result["one_go_landed"], result["window_entered"]) == (0, 0)
