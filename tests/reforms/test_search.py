"""The catalogue's search finds what citizens type, and puts the item they mean first."""

import pytest
from django.db import connection
from django.urls import reverse

from reforms.models import ServiceItem

from .factories import make_item

pytestmark = pytest.mark.django_db
LIST = reverse("reforms:list")


def found(client, text: str) -> list[str]:
    return [item.name for item in client.get(LIST, {"q": text}).context["page"]]


@pytest.fixture
def catalogue(unit_a):
    names = [
        "老年人优待证办理",
        "高龄老年人津贴申领",
        "生育服务登记证",
        "建筑工程施工许可证核发",
        "机动车驾驶证补领",
        "残疾人证办理",
        "施工许可证注销",
    ]
    return {name: make_item(unit_a, name=name) for name in names}


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("老人优待证", "老年人优待证办理"),  # characters in order, one left out
        ("老年优待", "老年人优待证办理"),
        ("施工许可", "建筑工程施工许可证核发"),
        ("准生证", "生育服务登记证"),  # a short form
        ("驾照 补领", "机动车驾驶证补领"),
        ("残疾证", "残疾人证办理"),
        ("优待证", "老年人优待证办理"),
    ],
)
def test_what_citizens_type_finds_the_item(client, catalogue, typed, meant):
    assert meant in found(client, typed)


@pytest.mark.parametrize(
    "typed",
    ["优待人老", "老人驾照", "证优待", "不存在的事项", "%", "_", "\\"],  # wrong order, or nothing like it
)
def test_what_matches_no_name_finds_nothing(client, catalogue, typed):
    assert found(client, typed) == []


def test_a_mistyped_character_is_found_by_trigram_similarity_on_postgresql(client, catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm similarity is PostgreSQL's")
    assert found(client, "老年人优侍证") == ["老年人优待证办理"]


def test_the_exact_and_leading_names_come_before_the_rest(client, unit_a):
    # Thirty items that match "老年人优待证" less well, all with codes before the ones meant.
    for n in range(30):
        make_item(unit_a, name=f"困难老年人{n}号优待证明{n}", code=f"A-{n:03d}")
    make_item(unit_a, name="老年人优待证补办及换领", code="Z-002")
    make_item(unit_a, name="老年人优待证办理", code="Z-003")
    make_item(unit_a, name="老年人优待证", code="Z-004")
    assert found(client, "老年人优待证")[:3] == ["老年人优待证", "老年人优待证办理", "老年人优待证补办及换领"]
    assert found(client, "老年人 优待证")[:3] == [
        "老年人优待证",
        "老年人优待证办理",
        "老年人优待证补办及换领",
    ]
    assert found(client, "老年人优待证办理")[0] == "老年人优待证办理"
    assert found(client, "优待证办理")[0] == "老年人优待证办理"  # holds the words as typed
    assert ServiceItem.objects.search("老年人优待证").count() == 33


def test_no_search_lists_by_code(client, unit_a):
    make_item(unit_a, name="乙事项", code="B-1")
    make_item(unit_a, name="甲事项", code="A-1")
    assert found(client, "") == ["甲事项", "乙事项"]


def test_in_the_demo_catalogue_the_elderly_card_comes_first(client):
    from django.core.management import call_command

    call_command("seed_demo")
    for typed in ("老年人优待证", "老人优待证", "优待证", "老人证"):
        assert found(client, typed)[0] == "老年人优待证办理", typed


def test_every_short_form_is_needed():
    import re

    from reforms.search import SHORT_FORMS

    for short, full in SHORT_FORMS.items():
        # A short form whose characters are in the full word in order matches it anyway.
        assert not re.search(".*".join(map(re.escape, short)), full), f"{short} already matches {full}"
