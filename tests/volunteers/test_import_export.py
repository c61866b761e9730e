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


def test_a_long_register_imports_in_batches_with_each_volunteers_history(coordinator_a, unit_a, volunteer_a):
    """The register imports in batches as the ledgers do: the queries do not grow with the
    rows, a coordinator's edit of a row is checked against its version, and each volunteer
    written has its history entry in the import's one revision."""
    import tablib
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from reversion.models import Revision, Version

    from imports.history import import_revision
    from volunteers.resources import VolunteerResource

    def rows(start, count):
        return [
            ["", f"志愿者{n}", "第一党支部", "是", f"1390000{n:04d}", "", "是", ""]
            for n in range(start, start + count)
        ]

    def queries_to_import(data):
        with CaptureQueriesContext(connection) as captured, import_revision(coordinator_a, "名册"):
            result = VolunteerResource(user=coordinator_a).import_data(
                tablib.Dataset(*data, headers=HEADER),
                use_transactions=True,
                rollback_on_validation_errors=True,
            )
        assert not result.has_errors() and not result.has_validation_errors()
        return sum(not q["sql"].startswith("INSERT") for q in captured.captured_queries)

    queries_to_import(rows(1000, 1))  # content types cached
    few = queries_to_import(rows(0, 5))
    many = queries_to_import(rows(5, 300))
    assert many == few
    assert Volunteer.objects.filter(name__startswith="志愿者").count() == 306
    last = Revision.objects.latest("pk")
    assert Version.objects.filter(revision=last).count() == 300
    stale = [volunteer_a.pk, "张三(改)", "第一党支部", "是", "", "", "是", volunteer_a.version - 1 or 99]
    with import_revision(coordinator_a, "旧版本"):
        result = VolunteerResource(user=coordinator_a).import_data(
            tablib.Dataset(stale, headers=HEADER), use_transactions=True, rollback_on_validation_errors=True
        )
    assert [row.number for row in result.invalid_rows] == [1]
    volunteer_a.refresh_from_db()
    assert volunteer_a.name == "张三"
