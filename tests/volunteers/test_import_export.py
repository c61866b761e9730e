"""The volunteer register as a spreadsheet: the shared conventions, scoped to the coordinator's units."""

from tests.kit import LedgerAdmin, read_xlsx, write_xlsx
from volunteers.models import Volunteer

HEADER = ["编号", "姓名", "所在单位或支部", "是否党员", "联系电话", "特长", "是否在册", "版本"]


def test_export_then_import_unchanged_writes_nothing(client, coordinator_a, volunteer_a):
    client.force_login(coordinator_a)
    ledger = LedgerAdmin(client, Volunteer)
    content = ledger.export()
    rows = read_xlsx(content)
    assert rows[0] == HEADER
    assert rows[1][1:4] == ["张三", "第一党支部", "是"]
    version = volunteer_a.version
    preview, _ = ledger.import_file(content)
    volunteer_a.refresh_from_db()
    assert volunteer_a.version == version


def test_import_adds_volunteers_of_own_unit_only(client, coordinator_a, unit_a, unit_b):
    client.force_login(coordinator_a)
    ledger = LedgerAdmin(client, Volunteer)
    ledger.import_file(
        write_xlsx([HEADER, ["", "钱七", "第一党支部", "是", "13911112222", "法律咨询", "是", ""]])
    )
    assert Volunteer.objects.get(name="钱七").unit == unit_a
    errors = ledger.refused(write_xlsx([HEADER, ["", "孙八", "第二党支部", "否", "", "", "是", ""]]))
    assert "第二党支部" in errors
    assert not Volunteer.objects.filter(name="孙八").exists()
    errors = ledger.refused(write_xlsx([HEADER, ["", "周九", "第一党支部", "也许", "", "", "是", ""]]))
    assert "是 or 否" in errors or "是或否" in errors or "也许" in errors
