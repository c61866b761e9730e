"""The month records: constraints in the database, the admin, and the month sheet."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from hotline.models import Month, MonthSource
from tests.conftest import logged_in
from tests.kit.ledger import CSV, XLSX, LedgerAdmin, read_xlsx, write_csv, write_xlsx

from .factories import make_month

D = datetime.date
HEADERS = ["月份", "来电总量", "受理事件", "办结", "回访", "满意", "在线办结"]


@pytest.mark.parametrize(
    "figures",
    [
        {"completed": 501, "accepted": 500},
        {"satisfied": 401, "callbacks": 400},
        {"online_completed": 491, "completed": 490},
        {"calls": -1},
    ],
)
def test_the_database_refuses_impossible_figures(db, figures):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_month(D(2021, 6, 1), **figures)


def test_one_record_per_month(db):
    make_month(D(2021, 6, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_month(D(2021, 6, 1))


def test_office_types_a_month_in_the_admin(client, office_admin):
    logged_in(client, office_admin)
    ledger = LedgerAdmin(client, Month)
    response = client.post(
        ledger.changelist_url.replace("/", "/", 1) + "add/",
        {
            "month": "2021-06-01",
            "source": MonthSource.TYPED,
            "calls": 100,
            "accepted": 50,
            "completed": 60,
            "callbacks": 10,
            "satisfied": 5,
            "online_completed": 0,
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "办结" in response.text and not Month.objects.exists()


def sheet(*rows):
    return [HEADERS, *rows]


@pytest.mark.parametrize("fmt", [XLSX, CSV])
def test_month_sheet_round_trip_and_second_import_updates(client, office_admin, fmt):
    make_month(D(2021, 5, 1), calls=900)
    ledger = LedgerAdmin(logged_in(client, office_admin), Month)
    exported = read_xlsx(ledger.export())
    assert exported[0] == HEADERS
    assert exported[1][0] == "2021-05"

    rows = sheet(["2021-05", 950, 500, 490, 400, 380, 100], ["2021-06", 1000, 600, 590, 500, 470, 120])
    content = write_xlsx(rows) if fmt == XLSX else write_csv(rows)
    name = "月度.xlsx" if fmt == XLSX else "月度.csv"
    preview, _ = ledger.import_file(content, fmt, name)
    totals = preview.context["job"].totals
    assert totals["update"] == 1 and totals["new"] == 1  # May is shown as an update, not a new row
    assert Month.objects.count() == 2
    assert Month.objects.get(month=D(2021, 5, 1)).calls == 950

    preview, _ = ledger.import_file(content, fmt, name)  # the same file again: nothing counted twice
    assert preview.context["job"].totals["skip"] == 2
    assert Month.objects.count() == 2


@pytest.mark.parametrize(
    "row, message",
    [
        (["2021-06", -5, 500, 490, 400, 380, 100], "0"),
        (["2021-06", 1000, 500, 501, 400, 380, 100], "办结"),
        (["2021-06", 1000, 500, 490, 400, 401, 100], "满意"),
        (["2021-13", 1000, 500, 490, 400, 380, 100], "2021-13"),
        (["2099-01", 1000, 500, 490, 400, 380, 100], "2099-01"),
    ],
    ids=["negative", "completed>accepted", "satisfied>callbacks", "month-13", "future"],
)
def test_bad_month_rows_are_refused_and_nothing_written(client, office_admin, row, message):
    ledger = LedgerAdmin(logged_in(client, office_admin), Month)
    good = ["2021-05", 950, 500, 490, 400, 380, 100]
    errors = ledger.refused(write_xlsx(sheet(good, row)))
    assert message in errors
    assert not Month.objects.exists()


def test_a_month_rolled_up_from_cases_is_not_typed_over_silently(client, office_admin):
    make_month(D(2021, 6, 1), source=MonthSource.CASES)
    ledger = LedgerAdmin(logged_in(client, office_admin), Month)
    errors = ledger.refused(write_xlsx(sheet(["2021-06", 1000, 600, 590, 500, 470, 120])))
    assert "2021-06" in errors
    assert Month.objects.get().accepted == 500
