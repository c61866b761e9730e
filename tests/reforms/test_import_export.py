"""The catalogue as a spreadsheet: export, unchanged re-import, figures following an import,
and bad files refused with per-row Chinese errors and nothing written."""

import datetime

import pytest

from reforms.models import ServiceItem
from tests.conftest import logged_in
from tests.kit import CSV, XLSX, LedgerAdmin, assert_unit_scoped, read_csv, read_xlsx, rendered, write_xlsx

from .factories import make_item

pytestmark = pytest.mark.django_db
HEADERS = [
    "编号",
    "事项名称",
    "事项编码",
    "事项类型",
    "主管部门",
    "实施主体",
    "设定依据",
    "办理层级",
    "承诺时限(工作日)",
    "法定时限(工作日)",
    "是否免费",
    "收费标准",
    "跑动次数",
    "可网上办理",
    "网上办理地址",
    "办理材料",
    "办理地点",
    "办理时间",
    "咨询电话",
    "村(社区)就近办",
    "一枚公章直办出证",
    "一件事一次办批次",
    "计划落地日期",
    "落地日期",
    "应进驻一窗通办",
    "计划进驻日期",
    "已进驻一窗通办",
    "进驻日期",
    "版本",
]


def row(**values) -> list:
    """A new row (blank 编号) for unit 第一党支部, changed by ``values`` (keyed by header)."""
    base = {
        "编号": None,
        "事项名称": "老年人优待证办理",
        "事项编码": "62052400MZ-QR-0001",
        "事项类型": "行政确认",
        "主管部门": "第一党支部",
        "实施主体": "第一党支部",
        "设定依据": "《中华人民共和国老年人权益保障法》",
        "办理层级": "村社区",
        "承诺时限(工作日)": 0,
        "是否免费": "是",
        "收费标准": None,
        "跑动次数": 1,
        "可网上办理": "否",
        "村(社区)就近办": "是",
        "一枚公章直办出证": "是",
        "一件事一次办批次": None,
        "落地日期": None,
        "应进驻一窗通办": "否",
        "已进驻一窗通办": "否",
        "进驻日期": None,
        "版本": None,
    }
    base.update(values)
    return [base.get(h) for h in HEADERS]


@pytest.fixture
def items(unit_a, unit_b):
    mine = make_item(
        unit_a,
        name="生育服务登记证",
        code="62052400WJ-GG-0001",
        level=ServiceItem.Level.VILLAGE,
        nearby=True,
        one_seal=True,
        batch=3,
        landed_on=datetime.date(2021, 4, 1),
        time_limit_days=1,
    )
    theirs = make_item(unit_b, name="B单位事项", code="62052400ZJ-XK-0009", should_enter=True)
    return mine, theirs


def test_export_has_chinese_headers_words_and_native_values(client, office_admin, items):
    rows = read_xlsx(LedgerAdmin(logged_in(client, office_admin), ServiceItem).export())
    assert rows[0] == HEADERS
    record = dict(zip(HEADERS, next(r for r in rows[1:] if r[1] == "生育服务登记证"), strict=True))
    assert record["事项类型"] == "行政许可" and record["办理层级"] == "村社区"
    assert record["一枚公章直办出证"] == "是" and record["应进驻一窗通办"] == "否"
    assert record["一件事一次办批次"] == 3 and record["落地日期"] == datetime.datetime(2021, 4, 1)
    assert record["实施主体"] == "第一党支部"


GUIDE = {
    "法定时限(工作日)": 20,
    "可网上办理": "是",
    "网上办理地址": "https://zwfw.hunan.gov.cn/item/62052400MZ-QR-0001",
    "办理材料": "居民身份证\n户口簿\n近期免冠一寸照片2张",
    "办理地点": "村(社区)便民服务站",
    "办理时间": "工作日 8:30-12:00，14:30-17:30",
    "咨询电话": "0744-8221234",
}


def test_the_service_guide_imports_exports_and_reads_back(client, office_admin, unit_a):
    ledger = LedgerAdmin(logged_in(client, office_admin), ServiceItem)
    ledger.import_file(write_xlsx([HEADERS, row(**GUIDE)]))
    item = ServiceItem.objects.get(code="62052400MZ-QR-0001")
    assert item.materials_list == ["居民身份证", "户口簿", "近期免冠一寸照片2张"]
    assert (item.legal_time_limit_days, item.phone, item.place) == (20, "0744-8221234", "村(社区)便民服务站")
    assert item.online_url == GUIDE["网上办理地址"] and item.office_hours == GUIDE["办理时间"]
    exported = read_xlsx(ledger.export())
    record = dict(zip(HEADERS, exported[1], strict=True))
    assert {header: record[header] for header in GUIDE} == GUIDE
    preview, _ = ledger.import_file(ledger.export(CSV), CSV, "目录.csv")
    totals = preview.context["job"].totals
    assert (totals["new"], totals["update"], totals["skip"]) == (0, 0, 1)


def test_reimporting_an_unchanged_export_changes_nothing(client, office_admin, items):
    ledger = LedgerAdmin(logged_in(client, office_admin), ServiceItem)
    before = {i.pk: (i.version, i.updated_at) for i in ServiceItem.objects.all()}
    for file_format, name in [(XLSX, "目录.xlsx"), (CSV, "目录.csv")]:
        preview, _ = ledger.import_file(ledger.export(file_format), file_format, name)
        totals = preview.context["job"].totals
        assert (totals["new"], totals["update"], totals["skip"]) == (0, 0, 2)
    assert {i.pk: (i.version, i.updated_at) for i in ServiceItem.objects.all()} == before


def test_csv_export_reads_back(client, office_admin, items):
    rows = read_csv(LedgerAdmin(logged_in(client, office_admin), ServiceItem).export(CSV))
    assert rows[0] == HEADERS and len(rows) == 3


def test_figures_follow_an_import(client, office_admin, items):
    ledger = LedgerAdmin(logged_in(client, office_admin), ServiceItem)
    assert ServiceItem.objects.figures()["window_entry_rate"] == 0
    rows = read_xlsx(ledger.export())
    theirs = next(r for r in rows[1:] if r[1] == "B单位事项")
    theirs[HEADERS.index("已进驻一窗通办")] = "是"
    rows.append(row(**{"事项编码": "NEW-0001", "应进驻一窗通办": "是", "村(社区)就近办": "是"}))
    ledger.import_file(write_xlsx(rows))
    figures = ServiceItem.objects.figures()
    assert (figures["window_items"], figures["window_entered"]) == (2, 1)
    assert figures["window_entry_rate"] == 50
    assert figures["nearby"] == 2 and figures["one_seal"] == 2
    assert rendered(client, "/reforms/").context["figures"] == figures


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([row(), row(**{"事项名称": "另一项"})], "事项编码"),  # duplicate within the file
        ([row(**{"事项编码": "62052400WJ-GG-0001"})], "事项编码"),  # against the database
        ([row(**{"主管部门": "不存在的局"})], "主管部门“不存在的局”不存在"),
        ([row(**{"实施主体": "不存在的局"})], "实施主体“不存在的局”不存在"),
        ([row(**{"一件事一次办批次": 0})], "从第1批开始"),
        ([row(**{"一件事一次办批次": -2})], "大于或等于"),
        ([row(**{"落地日期": datetime.date(2021, 6, 1)})], "须同时填写一件事一次办批次"),
        ([row(**{"已进驻一窗通办": "是"})], "不能标为已进驻"),
        ([row(**{"网上办理地址": "javascript:alert(1)"})], "http:// 或 https://"),
        ([row(**{"网上办理地址": "ftp://files.example.gov.cn/"})], "http:// 或 https://"),
        ([row(**{"咨询电话": "请拨打王主任手机"})], "办事机构的咨询电话"),
        ([row(**{"咨询电话": "13912345678"})], "手机号码属于个人"),
        ([row(**{"承诺时限(工作日)": 20, "法定时限(工作日)": 15})], "承诺时限不能长于法定时限"),
        ([row(**{"一件事一次办批次": 1, "落地日期": datetime.date(2099, 1, 1)})], "晚于一年之后"),
        ([row(**{"计划进驻日期": datetime.date(2099, 1, 1)})], "应进驻一窗通办的事项才能填写计划进驻日期"),
        ([row(**{"办理层级": "省"})], "“省”不是"),
        ([row(**{"事项类型": "行政审批"})], "“行政审批”不是"),
        ([row(**{"村(社区)就近办": "否"})], "一枚公章直办出证"),
    ],
)
def test_bad_rows_are_refused_with_chinese_errors_and_nothing_written(
    client, office_admin, items, rows, expected
):
    before = list(ServiceItem.objects.values_list("pk", "version"))
    good = row(**{"事项编码": "GOOD-0001", "事项名称": "好的一行"})
    errors = LedgerAdmin(logged_in(client, office_admin), ServiceItem).refused(
        write_xlsx([HEADERS, good, *rows])
    )
    assert expected in errors, errors
    assert list(ServiceItem.objects.values_list("pk", "version")) == before
    assert not ServiceItem.objects.filter(code="GOOD-0001").exists()


def test_duplicate_code_within_the_file_names_the_code(client, office_admin, items):
    errors = LedgerAdmin(logged_in(client, office_admin), ServiceItem).refused(
        write_xlsx([HEADERS, row(), row(**{"事项名称": "同码的另一项"})])
    )
    assert "事项编码" in errors and "已存在" in errors, errors


def test_a_code_that_differs_only_in_case_is_refused_in_an_import(client, office_admin, items):
    existing = items[0].code
    ledger = LedgerAdmin(logged_in(client, office_admin), ServiceItem)
    errors = ledger.refused(
        write_xlsx([HEADERS, row(**{"事项编码": existing.lower(), "事项名称": "换了写法"})])
    )
    assert "事项编码: 该编码的事项已存在于目录中（编码不区分大小写）。" in errors, errors
    assert not ServiceItem.objects.filter(name="换了写法").exists()


def test_editor_cannot_import_another_units_item(client, editor_a, items):
    ledger = LedgerAdmin(logged_in(client, editor_a), ServiceItem)
    errors = ledger.refused(write_xlsx([HEADERS, row(**{"实施主体": "第二党支部", "事项编码": "X-1"})]))
    assert "只能导入本单位的记录，“第二党支部”不是您所属的单位" in errors, errors
    # Nor change one of theirs by its id.
    theirs = items[1]
    forged = row(**{"编号": theirs.pk, "事项编码": theirs.code, "事项名称": "改名"})
    assert str(theirs.pk) in ledger.refused(write_xlsx([HEADERS, forged]))
    theirs.refresh_from_db()
    assert theirs.name == "B单位事项"
    assert not ServiceItem.objects.filter(code="X-1").exists()


def test_editor_imports_own_units_item(client, editor_a, items):
    ledger = LedgerAdmin(logged_in(client, editor_a), ServiceItem)
    ledger.import_file(write_xlsx([HEADERS, row(**{"事项编码": "MINE-1"})]))
    item = ServiceItem.objects.get(code="MINE-1")
    assert item.implementing_unit.name == "第一党支部" and item.one_seal and item.time_limit_days == 0


def test_editor_sees_only_their_units_items_through_every_admin_door(client, editor_a, items):
    mine, theirs = items
    assert_unit_scoped(
        client, ServiceItem, mine=mine, theirs=theirs, editor=editor_a, column_of_theirs=theirs.code
    )


def test_leader_reads_and_exports_but_changes_nothing(client, leader, items):
    ledger = LedgerAdmin(logged_in(client, leader), ServiceItem)
    assert len(read_xlsx(ledger.export())) == 3
    assert client.get(ledger.change_url(items[1])).status_code == 200
    assert client.post(ledger.change_url(items[1]), {"name": "改"}).status_code == 403
    assert ledger.upload(write_xlsx([HEADERS, row()])).status_code == 403


def test_an_import_runs_a_few_queries_per_row_not_one_per_rule(office_admin, unit_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from import_export.formats.base_formats import XLSX as XlsxFormat

    from reforms.resources import ServiceItemResource

    rows = [row(**{"事项编码": f"Q-{n:04d}", "一件事一次办批次": 1 + n % 6}) for n in range(200)]
    dataset = XlsxFormat().create_dataset(write_xlsx([HEADERS, *rows]))
    with CaptureQueriesContext(connection) as captured:
        result = ServiceItemResource(user=office_admin).import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert ServiceItem.objects.filter(code__startswith="Q-").count() == 200
    # Per row: the code's uniqueness, the insert and its savepoint; the units are read once.
    assert len(captured.captured_queries) <= 200 * 4 + 20, len(captured.captured_queries)


def test_a_unit_that_does_not_exist_is_still_refused_by_the_model(unit_a):
    from django.core.exceptions import ValidationError

    item = make_item(unit_a)
    item.implementing_unit_id = 999_999
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert "implementing_unit" in refused.value.message_dict
