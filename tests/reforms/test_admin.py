"""Keeping the catalogue in the admin: editors' choices, the version check, the rules in the form."""

import pytest
from django.urls import reverse

from reforms.models import ServiceItem
from review.models import ReviewRequest
from tests.conftest import logged_in
from tests.kit import LedgerAdmin
from tests.units.factories import approve_as_shown

from .factories import make_item

pytestmark = pytest.mark.django_db
ADD = reverse("admin:reforms_serviceitem_add")


def form_data(item, **changes) -> dict:
    data = {
        "name": item.name,
        "code": item.code,
        "item_type": item.item_type,
        "competent_department": item.competent_department_id,
        "implementing_unit": item.implementing_unit_id,
        "legal_basis": "",
        "level": item.level,
        "time_limit_days": "",
        "is_free": "on",
        "fee": "",
        "visits": 1,
        "lock_version": item.version,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def test_editor_keeps_own_items_but_may_name_any_competent_department(
    client, editor_a, office_admin, unit_a, unit_b
):
    item = make_item(unit_a)
    client = logged_in(client, editor_a)
    page = client.get(LedgerAdmin(client, ServiceItem).change_url(item))
    form = page.context["adminform"].form
    assert set(form.fields["implementing_unit"].queryset) == {unit_a}
    assert set(form.fields["competent_department"].queryset) == {unit_a, unit_b}
    response = client.post(
        LedgerAdmin(client, ServiceItem).change_url(item), form_data(item, competent_department=unit_b.pk)
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.competent_department == unit_a  # the change waits for the office's review
    approve_as_shown(ReviewRequest.objects.get(), office_admin)
    item.refresh_from_db()
    assert item.competent_department == unit_b
    forged = client.post(
        LedgerAdmin(client, ServiceItem).change_url(item),
        form_data(item, implementing_unit=unit_b.pk),
    )
    assert forged.status_code == 200  # the form refuses a unit that is not theirs
    item.refresh_from_db()
    assert item.implementing_unit == unit_a


def test_a_form_breaking_a_rule_is_refused_with_the_reason(client, office_admin, unit_a):
    item = make_item(unit_a)
    client = logged_in(client, office_admin)
    response = client.post(
        LedgerAdmin(client, ServiceItem).change_url(item), form_data(item, has_entered="on")
    )
    assert response.status_code == 200
    assert "不能标为已进驻" in response.content.decode()
    item.refresh_from_db()
    assert not item.has_entered


def test_a_save_from_an_outdated_version_is_refused(client, office_admin, unit_a):
    item = make_item(unit_a)
    stale = form_data(item, name="旧表单")
    item.name = "别人先改了"
    item.save()
    client = logged_in(client, office_admin)
    response = client.post(LedgerAdmin(client, ServiceItem).change_url(item), stale)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.name == "别人先改了"


def test_the_form_refuses_a_code_that_differs_only_in_case(client, office_admin, unit_a):
    make_item(unit_a, code="43080000CZ-BA-1072")
    client = logged_in(client, office_admin)
    twin = ServiceItem(
        name="同一事项换了写法",
        code="43080000cz-ba-1072",
        item_type=ServiceItem.Type.LICENSING,
        competent_department=unit_a,
        implementing_unit=unit_a,
        level=ServiceItem.Level.CITY,
    )
    data = form_data(twin)
    data.pop("lock_version")
    response = client.post(ADD, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [
        "该编码的事项已存在于目录中（编码不区分大小写）。"
    ]
    assert not ServiceItem.objects.filter(name="同一事项换了写法").exists()

    response = client.post(ADD, {**data, "code": "43080000cz-ba-1099"})
    assert response.status_code == 302
    assert ServiceItem.objects.get(name="同一事项换了写法").code == "43080000CZ-BA-1099"
