"""The public catalogue tried as a newcomer and an attacker would."""

import re

import pytest

from reforms.models import ServiceItem
from tests.conftest import logged_in
from tests.kit import LedgerAdmin, read_csv, read_xlsx
from tests.kit.ledger import CSV, XLSX
from tests.reforms.factories import make_item

pytestmark = pytest.mark.django_db


def test_the_search_box_is_a_search_field_with_one_type(client, unit_a):
    make_item(unit_a)
    page = client.get("/reforms/").text
    search_box = re.search(r'<input[^>]*name="q"[^>]*>', page).group(0)
    # Two type attributes make browsers keep the first ("text"): the box lost its phone styling.
    assert re.findall(r'\btype="([^"]*)"', search_box) == ["search"]


@pytest.mark.parametrize(
    "query",
    [
        {"q": "证" * 5000},
        {"q": "\x00"},
        {"department": "99999999999999999999"},
        {"department": "abc", "level": "nowhere", "item_type": "[]", "reform": "x"},
        {"page": "99999999999999999999999"},
    ],
)
def test_malformed_search_and_filters_show_the_catalogue_not_an_error(client, unit_a, query):
    make_item(unit_a, name="老年人优待证办理")
    for url in ("/reforms/", "/open-data/service-items.json", "/open-data/service-items.csv"):
        response = client.get(url, query)
        assert response.status_code == 200, url


FORMULAS = {"name": '=HYPERLINK("http://x","办理")', "legal_basis": "+cmd|' /C calc'!A0", "fee": "@SUM(1+1)"}


def _cells(rows) -> list:
    return [cell for row in rows for cell in row if isinstance(cell, str)]


def test_typed_formulas_never_run_in_the_admin_export_or_the_open_data(client, office_admin, unit_a):
    make_item(unit_a, is_free=False, **FORMULAS)
    for file_format, read in ((XLSX, read_xlsx), (CSV, read_csv)):
        ledger = LedgerAdmin(logged_in(client, office_admin), ServiceItem)
        cells = _cells(read(ledger.export(file_format)))
        for typed in FORMULAS.values():
            assert "'" + typed in cells, (file_format, typed, cells)
    cells = _cells(read_csv(client.get("/open-data/service-items.csv").content))
    assert "'" + FORMULAS["name"] in cells and "'" + FORMULAS["fee"] in cells
