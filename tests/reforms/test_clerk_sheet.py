"""A clerk's own catalogue sheet: no 编号 or 版本, only some columns, 实施部门 for 实施主体.

Built here with openpyxl as a clerk types it. It imports: rows find their items by
事项编码, left-out columns and blank cells keep what the item has (a new item: the model's
defaults), and only the columns an item cannot exist without are required. Unit scoping,
review and all-or-nothing hold as for an exported file.
"""

import pytest

from reforms.models import ServiceItem
from review.models import ReviewRequest, ReviewStatus
from tests.conftest import logged_in
from tests.kit import LedgerAdmin, write_xlsx

from .factories import make_item

pytestmark = pytest.mark.django_db

CLERK = ["事项名称", "事项编码", "实施部门", "承诺时限(工作日)", "办理地点"]


@pytest.fixture
def items(unit_a, unit_b):
    mine = make_item(
        unit_a, name="生育服务登记", code="62052400WJ-GG-0001", is_free=False, fee="10元", visits=2
    )
    theirs = make_item(unit_b, name="B单位事项", code="62052400ZJ-XK-0009")
    return mine, theirs


def test_a_clerks_sheet_updates_items_by_their_code(client, office_admin, items):
    mine, theirs = items
    ledger = LedgerAdmin(logged_in(client, office_admin), ServiceItem)
    sheet = [
        CLERK,
        # Codes ignore case, as the catalogue's uniqueness does.
        ["生育服务登记证", "62052400wj-gg-0001", "第一党支部", 5, "镇便民服务中心"],
        ["B单位事项", "62052400ZJ-XK-0009", "第二党支部", 3, None],
    ]
    preview, _ = ledger.import_file(write_xlsx(sheet), name="我的目录.xlsx")
    assert preview.context["job"].totals["new"] == 0 and preview.context["job"].totals["update"] == 2
    assert ServiceItem.objects.count() == 2
    mine.refresh_from_db()
    assert (mine.name, mine.time_limit_days, mine.place) == ("生育服务登记证", 5, "镇便民服务中心")
    # What the sheet leaves out is kept, not reset.
    assert (mine.is_free, mine.fee, mine.visits, mine.item_type) == (
        False,
        "10元",
        2,
        ServiceItem.Type.LICENSING,
    )
    assert mine.version == 2
    theirs.refresh_from_db()
    assert theirs.time_limit_days == 3


def test_a_new_item_takes_the_models_defaults_for_blank_and_left_out_columns(client, office_admin, unit_a):
    ledger = LedgerAdmin(logged_in(client, office_admin), ServiceItem)
    headers = ["事项名称", "事项编码", "实施部门", "主管部门", "事项类型", "办理层级", "是否免费", "跑动次数"]
    sheet = [
        headers,
        [
            "老年人优待证办理",
            "62052400MZ-QR-0001",
            "第一党支部",
            "第一党支部",
            "行政确认",
            "村社区",
            None,
            None,
        ],
    ]
    ledger.import_file(write_xlsx(sheet))
    item = ServiceItem.objects.get(code="62052400MZ-QR-0001")
    # A blank 是否免费 is the model's default (free), not 否; a blank 跑动次数 is one visit.
    assert item.is_free is True and item.visits == 1
    assert item.implementing_unit.name == "第一党支部" and not item.online and not item.nearby
    # Filled cells still say what they say.
    sheet[1][6:8] = ["否", 0]
    sheet[1][1] = "62052400MZ-QR-0002"
    ledger.import_file(write_xlsx(sheet))
    second = ServiceItem.objects.get(code="62052400MZ-QR-0002")
    assert second.is_free is False and second.visits == 0


def test_a_sheet_without_a_required_column_is_refused_and_writes_nothing(client, office_admin, items):
    ledger = LedgerAdmin(logged_in(client, office_admin), ServiceItem)
    errors = ledger.refused(
        write_xlsx([["事项名称", "实施部门", "办理地点"], ["生育服务登记证", "第一党支部", "镇"]])
    )
    assert "缺少列：事项编码" in errors, errors
    assert not ServiceItem.objects.filter(name="生育服务登记证").exists()


def test_an_exported_sheet_that_lost_its_version_column_is_refused(client, office_admin, items):
    """Rows named by 编号 come from an export: without their versions they would overwrite others' changes."""
    mine, _theirs = items
    ledger = LedgerAdmin(logged_in(client, office_admin), ServiceItem)
    sheet = [["编号", "事项名称", "事项编码", "实施主体"], [mine.pk, "改名", mine.code, "第一党支部"]]
    assert "缺少列：版本" in ledger.refused(write_xlsx(sheet))
    mine.refresh_from_db()
    assert mine.name == "生育服务登记"


def test_a_new_item_without_what_it_cannot_exist_without_is_refused_on_its_excel_row(
    client, office_admin, items
):
    mine, _theirs = items
    ledger = LedgerAdmin(logged_in(client, office_admin), ServiceItem)
    sheet = [
        CLERK,
        ["生育服务登记证", mine.code, "第一党支部", 5, None],  # a good update…
        ["新事项", "62052400NEW-0001", "第一党支部", 1, None],  # …beside a new item without its type
    ]
    preview = ledger.upload(write_xlsx(sheet))
    job = preview.context["job"]
    assert preview.context["confirm_form"] is None
    assert {line for line, _message in job.errors} == {3}  # the header is row 1 in Excel
    assert any("事项类型" in message for _line, message in job.errors), job.errors
    mine.refresh_from_db()
    assert mine.name == "生育服务登记" and not ServiceItem.objects.filter(code="62052400NEW-0001").exists()


def test_an_editor_may_not_touch_another_units_item_by_its_code(client, editor_a, items):
    mine, theirs = items
    ledger = LedgerAdmin(logged_in(client, editor_a), ServiceItem)
    # Naming their own unit as 实施部门 does not make another unit's item theirs.
    sheet = [CLERK, ["改名", theirs.code.lower(), "第一党支部", 1, None]]
    errors = ledger.refused(write_xlsx(sheet))
    assert "只能导入本单位的记录，“第二党支部”不是您所属的单位" in errors, errors
    theirs.refresh_from_db()
    assert (theirs.name, theirs.implementing_unit.name) == ("B单位事项", "第二党支部")
    assert not ServiceItem.objects.filter(name="改名").exists()


def test_an_editors_clerk_sheet_goes_to_review(client, editor_a, items):
    mine, _theirs = items
    ledger = LedgerAdmin(logged_in(client, editor_a), ServiceItem)
    sheet = [
        CLERK,
        ["生育服务登记证", mine.code, "第一党支部", 5, None],
        ["新事项", "62052400NEW-0002", "第一党支部", 1, None],
    ]
    sheet[0] = [*CLERK, "事项类型", "办理层级", "主管部门"]
    sheet[1] += ["行政许可", "市", "第一党支部"]
    sheet[2] += ["行政确认", "市", "第一党支部"]
    ledger.import_file(write_xlsx(sheet))
    mine.refresh_from_db()
    assert mine.name == "生育服务登记"  # the approved item stays as it is until the office approves
    change = ReviewRequest.objects.get(object_id=mine.pk, kind=ReviewRequest.Kind.CHANGE)
    assert change.proposed["name"] == "生育服务登记证" and change.status == ReviewStatus.PENDING
    new = ServiceItem.objects.get(code="62052400NEW-0002")
    assert new.review_status == ReviewStatus.PENDING


def test_one_item_on_two_rows_of_a_clerks_sheet_is_refused(client, office_admin, items):
    mine, _theirs = items
    ledger = LedgerAdmin(logged_in(client, office_admin), ServiceItem)
    sheet = [
        CLERK,
        ["甲", mine.code, "第一党支部", 5, None],
        ["乙", mine.code.lower(), "第一党支部", 6, None],
    ]
    errors = ledger.refused(write_xlsx(sheet))
    assert f"“{mine.code}”在文件中出现在不止一行" in errors, errors
    mine.refresh_from_db()
    assert mine.name == "生育服务登记"
