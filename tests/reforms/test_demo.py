"""seed_demo's catalogue reproduces the article's figures, idempotently."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from reforms.models import ServiceItem
from tests.kit.once import shared_rows
from units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def seeded(django_db_setup, django_db_blocker):
    """seed_demo run once for the module's tests (each starts from its rows, as after one run)."""
    with shared_rows(django_db_blocker):
        call_command("seed_demo")
        yield


def test_seed_demo_reproduces_the_articles_figures():
    figures = ServiceItem.objects.figures()
    assert figures["nearby"] == 32
    assert (figures["one_go"], figures["one_go_batches"], figures["one_go_landed"]) == (297, 6, 297)
    assert figures["one_go_landing_rate"] == Decimal("100.00")
    assert (figures["window_units"], figures["window_items"]) == (20, 243)
    assert figures["window_entry_rate"] == Decimal("93.00")
    window_units = Unit.objects.filter(service_items__should_enter=True).distinct()
    assert {unit.kind for unit in window_units} == {Unit.Kind.DEPARTMENT}
    assert all(name.startswith("市") for name in window_units.values_list("name", flat=True))
    assert not ServiceItem.objects.filter(is_demo=False).exists()


def test_the_articles_two_certificates_are_issued_in_the_village_with_one_seal():
    sealed = ServiceItem.objects.filter(one_seal=True)
    assert {"老年人优待证办理", "生育服务登记证办理"} <= set(sealed.values_list("name", flat=True))
    assert all(item.level == ServiceItem.Level.VILLAGE and item.nearby for item in sealed)


def test_seed_demo_is_idempotent_for_the_catalogue():
    first = sorted(ServiceItem.objects.values_list("pk", "code", "version"))
    units = Unit.objects.count()
    call_command("seed_demo")
    assert sorted(ServiceItem.objects.values_list("pk", "code", "version")) == first
    assert Unit.objects.count() == units


def test_the_demo_page_shows_the_articles_figures(client):
    text = client.get("/reforms/").content.decode()
    figures = text.split('class="figures reform-figures"')[1].split("</dl>")[0]
    for value in ["32", "297", "6", "20", "243", "93%"]:
        assert f"<dd>{value}</dd>" in figures, value
