"""Units imported in bulk by the office: a catalogue names departments that must exist first."""

import pytest

from reforms.models import ServiceItem
from tests.conftest import logged_in
from tests.kit import LedgerAdmin, read_xlsx, write_xlsx
from units.models import Unit

pytestmark = pytest.mark.django_db


def test_the_office_imports_units_then_a_catalogue_naming_them(client, office_admin, unit_a):
    units = LedgerAdmin(logged_in(client, office_admin), Unit)
    sheet = [
        ["单位名称", "类型", "排序"],
        ["市民政局", "科室/部门", 10],
        ["市卫健委", "部门", None],  # the stored value's label or a word of it is not enough
    ]
    assert "“部门”不是" in units.refused(write_xlsx(sheet))
    assert not Unit.objects.filter(name="市民政局").exists()  # all or nothing
    sheet[2][1] = "科室/部门"
    # A unit already there is found by its name (no 编号 in a sheet typed by hand).
    sheet.append(["第一党支部", "党支部", 5])
    preview, _ = units.import_file(write_xlsx(sheet), name="单位.xlsx")
    assert (preview.context["job"].totals["new"], preview.context["job"].totals["update"]) == (2, 1)
    health = Unit.objects.get(name="市卫健委")
    assert health.kind == Unit.Kind.DEPARTMENT and health.sort_order == 100 and health.is_active  # defaults
    unit_a.refresh_from_db()
    assert unit_a.sort_order == 5 and Unit.objects.filter(name="第一党支部").count() == 1

    exported = read_xlsx(units.export())
    assert exported[0] == ["编号", "单位名称", "类型", "排序", "启用"]
    assert ["市民政局", "科室/部门", 10, "是"] in [row[1:] for row in exported[1:]]

    catalogue = LedgerAdmin(client, ServiceItem)
    headers = ["事项名称", "事项编码", "实施部门", "主管部门", "事项类型", "办理层级"]
    catalogue.import_file(
        write_xlsx(
            [headers, ["最低生活保障", "62052400MZ-JF-0001", "市民政局", "市民政局", "行政给付", "市"]]
        )
    )
    assert ServiceItem.objects.get(code="62052400MZ-JF-0001").implementing_unit.name == "市民政局"


def test_only_the_office_imports_or_exports_units(client, editor_a, leader):
    for user in (editor_a, leader):
        units = LedgerAdmin(logged_in(client, user), Unit)
        assert units.upload(write_xlsx([["单位名称", "类型"], ["自封单位", "党支部"]])).status_code == 403
        assert client.get(units.export_url).status_code == 403
    assert not Unit.objects.filter(name="自封单位").exists()
