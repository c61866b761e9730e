"""The project ledger as a spreadsheet: export, re-import, bad files, scoping, formulas."""

import csv
import datetime
import io
import time
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import ProgressUpdate, Project
from review.models import ReviewRequest
from tests.conftest import add_update, logged_in
from tests.kit.ledger import confirm_preview, preview_errors

pytestmark = pytest.mark.django_db
EXPORT = reverse("admin:projects_project_export")
IMPORT = reverse("admin:projects_project_import")
PROCESS = reverse("admin:projects_project_process_import")
XLSX, CSV = 0, 1  # positions in LedgerImportExportMixin.import_formats / export_formats
HEADERS = [
    "编号",
    "批次",
    "项目名称",
    "项目内容",
    "类别",
    "责任单位",
    "负责人",
    "完成时限",
    "预算(元)",
    "已支出(元)",
    "受益人数",
    "受益对象",
    "需求来源",
    "是否公开",
    "当前进度(%)",
    "进度状态",
    "进度日期",
    "最新进展",
    "版本",
]


def export(client, file_format=XLSX) -> bytes:
    form = client.get(EXPORT).context["form"]
    data = {"format": file_format, "resource": 0}
    data.update({name: "on" for name in form.fields if name not in ("format", "resource", "export_items")})
    response = client.post(EXPORT, data)
    assert response.status_code == 200, response.content[:500]
    return response.content


def read_xlsx(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def write_xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, content: bytes, file_format=XLSX, name="台账.xlsx"):
    """The upload, followed to its job page once the check (dry run) is over: the preview."""
    return client.post(
        IMPORT,
        {"format": file_format, "resource": 0, "import_file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def confirm(client, preview):
    """The job page's confirm button; the import job runs at once under the test backend."""
    return confirm_preview(client, preview)


def import_file(client, content: bytes, file_format=XLSX, name="台账.xlsx"):
    preview = upload(client, content, file_format, name)
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is not None, preview_errors(preview)
    return preview, confirm(client, preview)


@pytest.fixture
def ledger(make_project, unit_a, unit_b):
    mine = make_project(
        title="修建一座风雨桥",
        unit=unit_a,
        budget=Decimal("20000"),
        spent=Decimal("19500.50"),
        beneficiary_count=40,
        lead_name="演示·周建国",
    )
    add_update(mine, datetime.date(2021, 6, 10), 70, note="桥身主体完工")
    theirs = make_project(title="B单位项目", unit=unit_b)
    return mine, theirs


def test_export_has_chinese_headers_native_numbers_and_dates(client, office_admin, ledger):
    rows = read_xlsx(export(logged_in(client, office_admin)))
    assert rows[0] == HEADERS
    bridge = next(row for row in rows[1:] if row[2] == "修建一座风雨桥")
    record = dict(zip(HEADERS, bridge, strict=True))
    assert record["责任单位"] == "第一党支部"
    assert record["预算(元)"] == 20000 and isinstance(record["预算(元)"], (int, float))
    assert record["完成时限"] == datetime.datetime(2021, 6, 30)
    assert record["当前进度(%)"] == 70
    assert record["进度状态"] == "进行中"
    assert record["进度日期"] == datetime.datetime(2021, 6, 10)
    assert record["是否公开"] == "是"


def test_editor_exports_only_own_units_rows(client, editor_a, ledger):
    rows = read_xlsx(export(logged_in(client, editor_a)))
    titles = [row[2] for row in rows[1:]]
    assert titles == ["修建一座风雨桥"]


def test_reimporting_an_unchanged_export_changes_nothing(client, office_admin, ledger):
    client = logged_in(client, office_admin)
    before = {p.pk: (p.version, p.updated_at) for p in Project.objects.all()}
    updates_before = ProgressUpdate.objects.count()
    for file_format, content in [(XLSX, export(client, XLSX)), (CSV, export(client, CSV))]:
        preview, _ = import_file(client, content, file_format, "台账.csv" if file_format else "台账.xlsx")
        totals = preview.context["job"].totals
        assert (totals["new"], totals["update"], totals["skip"]) == (0, 0, 2)
    assert {p.pk: (p.version, p.updated_at) for p in Project.objects.all()} == before
    assert ProgressUpdate.objects.count() == updates_before


def test_round_trip_applies_edits_and_records_new_progress(client, office_admin, ledger, round_, unit_a):
    client = logged_in(client, office_admin)
    rows = read_xlsx(export(client))
    bridge = rows[1] if rows[1][2] == "修建一座风雨桥" else rows[2]
    bridge[HEADERS.index("项目内容")] = "在联点村修建风雨桥"
    bridge[HEADERS.index("当前进度(%)")] = 100
    bridge[HEADERS.index("进度状态")] = "已完成"
    bridge[HEADERS.index("进度日期")] = datetime.date(2021, 6, 28)
    bridge[HEADERS.index("最新进展")] = "风雨桥建成"
    new_row = [
        None,
        round_.name,
        "捐赠一批农业实用书籍",
        "",
        "捐赠帮扶",
        "第一党支部",
        "",
        "2021-06-15",
        None,
        None,
        None,
        "农村图书屋",
        "征求意见函",
        "否",
        0,
        "未开始",
        "2021-05-20",
        "",
    ]
    preview, response = import_file(client, write_xlsx([HEADERS, bridge, new_row]))
    assert response.status_code == 302
    project = Project.objects.get(title="修建一座风雨桥")
    assert project.description == "在联点村修建风雨桥"
    assert project.status_on(datetime.date(2021, 6, 28)) == "completed"
    assert project.progress_on(datetime.date(2021, 6, 27)).percent == 70  # history kept
    books = Project.objects.get(title="捐赠一批农业实用书籍")
    assert (books.unit, books.is_public, books.deadline) == (unit_a, False, datetime.date(2021, 6, 15))
    assert books.updates.get().created_by == office_admin


def upload_rows(client, rows) -> str:
    """Upload rows; assert nothing may be committed; return the messages the user reads."""
    preview = upload(client, write_xlsx(rows))
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is None
    return preview_errors(preview)


def valid_row(round_name, **changes):
    record = dict.fromkeys(HEADERS, "")
    record.update(
        {
            "批次": round_name,
            "项目名称": "新项目",
            "类别": "其他",
            "责任单位": "第一党支部",
            "完成时限": "2021-06-30",
            "是否公开": "是",
        }
    )
    record.update(changes)
    return [record[h] for h in HEADERS]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"完成时限": "六月底"}, "六月底"),
        ({"完成时限": "2021-02-30"}, "2021-02-30"),
        ({"责任单位": "不存在的单位"}, "不存在的单位"),
        ({"当前进度(%)": 120, "进度状态": "进行中"}, "100"),
        ({"当前进度(%)": -5, "进度状态": "进行中"}, "100"),
        ({"当前进度(%)": 90, "进度状态": "已完成"}, "100%"),
        ({"预算(元)": -100}, "0"),
        ({"类别": "乱填"}, "乱填"),
        ({"编号": 999999}, "999999"),
        ({"当前进度(%)": 10, "进度状态": "进行中", "进度日期": "2999-01-01"}, "进度日期不能晚于今天"),
    ],
)
def test_bad_rows_are_reported_and_nothing_is_written(client, office_admin, round_, unit_a, changes, message):
    client = logged_in(client, office_admin)
    errors = upload_rows(
        client, [HEADERS, valid_row(round_.name, 项目名称="好的一行"), valid_row(round_.name, **changes)]
    )
    assert message in errors
    assert not Project.objects.exists()


def test_a_file_with_wrong_headers_is_refused(client, office_admin, round_, unit_a):
    client = logged_in(client, office_admin)
    headers = ["名称" if h == "项目名称" else h for h in HEADERS]
    errors = upload_rows(client, [headers, valid_row(round_.name)])
    assert "项目名称" in errors and "名称" in errors
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "file_format"),
    [
        (b"this is not a spreadsheet", "台账.xlsx", XLSX),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "photo.xlsx", XLSX),
        (b"\xff\xfe\x00garbage\x00", "台账.csv", CSV),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_gets_a_message_not_a_500(
    client, office_admin, content, name, file_format
):
    response = upload(logged_in(client, office_admin), content, file_format, name)
    assert response.status_code == 200
    assert preview_errors(response).strip()
    assert not Project.objects.exists()


def test_a_csv_saved_by_chinese_excel_in_gb18030_is_read(client, office_admin, round_, unit_a):
    out = io.StringIO()
    csv.writer(out).writerows([HEADERS, valid_row(round_.name, 项目名称="组织一次义务劳动")])
    gbk_bytes = out.getvalue().encode("gb18030")
    _, response = import_file(logged_in(client, office_admin), gbk_bytes, CSV, "台账.csv")
    assert response.status_code == 302
    assert Project.objects.get().title == "组织一次义务劳动"


def test_unreadable_files_get_a_message_in_chinese(client, office_admin):
    response = upload(logged_in(client, office_admin), b"\x81\x30\xff\xff\x00garbage", CSV, "台账.csv")
    message = preview_errors(response)  # on the job page: the check job could not read it
    assert "无法" in message or "不是" in message
    assert "xlsx" in message


def test_an_oversize_upload_is_refused(client, office_admin, settings, round_):
    settings.MAX_UPLOAD_BYTES = 1024
    response = upload(logged_in(client, office_admin), write_xlsx([HEADERS] + [valid_row(round_.name)] * 50))
    assert response.status_code == 200
    assert "import_file" in response.context["form"].errors
    assert not Project.objects.exists()


def test_editor_cannot_import_into_another_unit(client, editor_a, ledger, round_):
    _, theirs = ledger
    client = logged_in(client, editor_a)
    errors = upload_rows(client, [HEADERS, valid_row(round_.name, 责任单位="第二党支部")])
    assert "第二党支部" in errors
    # Nor overwrite another unit's row by naming its id.
    errors = upload_rows(client, [HEADERS, valid_row(round_.name, 编号=theirs.pk, 项目名称="篡改")])
    assert str(theirs.pk) in errors
    theirs.refresh_from_db()
    assert theirs.title == "B单位项目"
    assert Project.objects.count() == 2


def test_import_and_export_are_permissions_of_their_own(client, leader, editor_a, ledger):
    leader_client = logged_in(client, leader)
    assert leader_client.get(EXPORT).status_code == 200
    assert leader_client.get(IMPORT).status_code == 403
    editor_a.groups.clear()
    editor_a.user_permissions.add(
        *__import__("django.contrib.auth.models", fromlist=["Permission"]).Permission.objects.filter(
            codename="view_project"
        )
    )
    editor_client = logged_in(client, editor_a)
    assert editor_client.get(EXPORT).status_code == 403
    assert editor_client.get(IMPORT).status_code == 403


def test_formulas_are_neutralised_and_round_trip_unchanged(client, office_admin, make_project):
    dangerous = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab"]
    for i, text in enumerate(dangerous):
        make_project(title=f"项目{i}", description=text, lead_name="=cmd|' /C calc'!A0")
    client = logged_in(client, office_admin)
    rows = read_xlsx(export(client, XLSX))
    descriptions = {row[2]: row[3] for row in rows[1:]}
    for i, text in enumerate(dangerous):
        assert descriptions[f"项目{i}"][0] == "'"
        # xlsx itself stores a carriage return as a line feed
        assert descriptions[f"项目{i}"][1:] == text.replace("\r", "\n")
    make_project(title="回车", description="\rCR")
    rows = read_xlsx(export(client, XLSX))
    assert next(row[3] for row in rows if row[2] == "回车")[0] == "'"
    Project.objects.filter(title="回车").delete()
    csv_rows = list(csv.reader(io.StringIO(export(client, CSV).decode("utf-8-sig"))))
    assert all(row[6].startswith("'=") for row in csv_rows[1:])
    preview, _ = import_file(client, export(client, XLSX))
    assert preview.context["job"].totals["skip"] == len(dangerous)
    assert sorted(Project.objects.values_list("description", flat=True)) == sorted(dangerous)


def test_a_control_character_typed_into_a_title_does_not_stop_the_export(client, office_admin, make_project):
    """The admin's form lets a bell through; an xlsx cannot hold one, so the export leaves it
    out, and the untouched file still re-imports as unchanged (the stored text is kept)."""
    make_project(title="修缮\x07老旧小区", description="第一行\x0b第二行")
    client = logged_in(client, office_admin)
    rows = read_xlsx(export(client, XLSX))
    assert ["修缮老旧小区", "第一行第二行"] in [row[2:4] for row in rows[1:]]
    csv_rows = list(csv.reader(io.StringIO(export(client, CSV).decode("utf-8-sig"))))
    assert "修缮老旧小区" in [row[2] for row in csv_rows[1:]]
    for file_format, data, name in (
        (XLSX, export(client, XLSX), "台账.xlsx"),
        (CSV, export(client, CSV), "台账.csv"),
    ):
        preview, _ = import_file(client, data, file_format, name)
        assert preview.context["job"].totals["skip"] == 1, preview.context["job"].totals
    assert Project.objects.get().title == "修缮\x07老旧小区"


def test_an_editor_re_importing_an_untouched_export_with_a_control_character_files_nothing_for_review(
    client, editor_a, make_project
):
    make_project(title="修缮\x07老旧小区")
    client = logged_in(client, editor_a)
    preview, _ = import_file(client, export(client, XLSX))
    assert preview.context["job"].totals["skip"] == 1
    assert not ReviewRequest.objects.exists()


def test_a_failure_at_commit_time_rolls_back_the_whole_file(client, office_admin, round_, unit_a):
    client = logged_in(client, office_admin)
    rows = [HEADERS, valid_row(round_.name, 项目名称="第一行"), valid_row(round_.name, 项目名称="第二行")]
    preview = upload(client, write_xlsx(rows))
    # Between preview and confirmation someone creates a clashing project.
    Project.objects.create(
        round=round_, title="第二行", category="other", unit=unit_a, deadline=datetime.date(2021, 6, 30)
    )
    response = confirm(client, preview)
    assert response.status_code == 302
    assert not Project.objects.filter(title="第一行").exists()


def test_back_dated_progress_in_a_file_is_compared_with_the_history_of_that_day(client, office_admin, ledger):
    mine, _ = ledger  # updates: 2021-06-10 70% “桥身主体完工”
    add_update(mine, datetime.date(2021, 5, 20), 30, note="完成选址")
    client = logged_in(client, office_admin)
    rows = read_xlsx(export(client))
    bridge = next(row for row in rows[1:] if row[2] == "修建一座风雨桥")
    at = {h: HEADERS.index(h) for h in ("当前进度(%)", "进度状态", "进度日期", "最新进展")}
    same_as_may = list(bridge)
    same_as_may[at["当前进度(%)"]], same_as_may[at["进度状态"]] = 30, "进行中"
    same_as_may[at["进度日期"]], same_as_may[at["最新进展"]] = datetime.date(2021, 5, 25), "完成选址"
    preview, _ = import_file(client, write_xlsx([HEADERS, same_as_may]))
    assert preview.context["job"].totals["skip"] == 1
    back_filled = list(same_as_may)
    back_filled[at["当前进度(%)"]], back_filled[at["最新进展"]] = 50, "材料进场"
    preview, _ = import_file(client, write_xlsx([HEADERS, back_filled]))
    assert preview.context["job"].totals["update"] == 1
    assert mine.progress_on(datetime.date(2021, 5, 26)).note == "材料进场"
    assert mine.progress_on(datetime.date(2021, 6, 30)).percent == 70  # later history untouched


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def upload_error(response) -> str:
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    return str(response.context["form"].errors.get("import_file", ""))


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_a_file_with_headers_but_no_rows_is_refused_in_chinese(client, office_admin, file_format):
    content = write_xlsx([HEADERS]) if file_format == XLSX else csv_bytes([HEADERS])
    response = upload(
        logged_in(client, office_admin), content, file_format, ["台账.xlsx", "台账.csv"][file_format]
    )
    assert "没有数据行" in upload_error(response)


@pytest.mark.parametrize(
    "changes",
    [
        {"项目名称": "坏\x00名"},
        {"责任单位": "第一党支部\x00"},
        {"当前进度(%)": 10, "进度状态": "进行中", "进度日期": "2021-06-01", "最新进展": "\x00开工"},
    ],
)
def test_a_nul_character_in_a_cell_is_refused_and_nothing_is_stored(
    client, office_admin, round_, unit_a, changes
):
    client = logged_in(client, office_admin)
    rows = [HEADERS, valid_row(round_.name, 项目名称="好的一行"), valid_row(round_.name, **changes)]
    preview = upload(client, csv_bytes(rows), CSV, "台账.csv")
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is None
    errors = preview_errors(preview)
    column = next(header for header, value in changes.items() if "\x00" in str(value))
    assert "空字符" in errors and column in errors
    assert "0x00" not in errors
    assert not Project.objects.exists()


def test_a_file_with_a_duplicated_column_is_refused(client, office_admin, round_, unit_a):
    client = logged_in(client, office_admin)
    row = valid_row(round_.name, 项目名称="第一列的名称")
    errors = upload_rows(client, [[*HEADERS, "项目名称"], [*row, "第二列的名称"]])
    assert "重复" in errors and "项目名称" in errors
    assert not Project.objects.exists()


def test_a_users_own_leading_apostrophe_survives_an_unchanged_reimport(client, office_admin, make_project):
    texts = {"撇号公式": "'=已经带撇号", "撇号负数": "'-5户", "撇号文字": "'普通文字", "两个撇号": "''=A1"}
    for title, text in texts.items():
        make_project(title=title, description=text, beneficiaries=text)
    client = logged_in(client, office_admin)
    for file_format in (XLSX, CSV):
        preview, _ = import_file(
            client, export(client, file_format), file_format, ["台账.xlsx", "台账.csv"][file_format]
        )
        assert preview.context["job"].totals["skip"] == len(texts)
        for title, text in texts.items():
            project = Project.objects.get(title=title)
            assert (project.description, project.beneficiaries) == (text, text)


def test_a_cell_longer_than_the_csv_module_default_round_trips_through_csv(
    client, office_admin, make_project
):
    long_text = "长" * 140_000
    make_project(title="很长的项目", description=long_text)
    client = logged_in(client, office_admin)
    preview, response = import_file(client, export(client, CSV), CSV, "台账.csv")
    assert preview.context["job"].totals["skip"] == 1
    assert Project.objects.get(title="很长的项目").description == long_text


def test_an_old_export_cannot_overwrite_a_later_edit(client, office_admin, ledger):
    mine, _ = ledger
    client = logged_in(client, office_admin)
    old_file = read_xlsx(export(client))
    # After the export a colleague changes the row in the admin.
    mine.refresh_from_db()
    mine.description = "同事后来补充的内容"
    mine.save()
    bridge = next(row for row in old_file[1:] if row[2] == "修建一座风雨桥")
    bridge[HEADERS.index("受益人数")] = 45
    errors = upload_rows(client, [old_file[0], bridge])
    assert "已被他人修改" in errors
    # Re-importing the old file unchanged is refused too: it would revert the colleague's edit.
    errors = upload_rows(client, old_file)
    assert "已被他人修改" in errors
    mine.refresh_from_db()
    assert (mine.description, mine.beneficiary_count) == ("同事后来补充的内容", 40)


def test_a_fresh_export_carries_the_row_version_and_imports(client, office_admin, ledger):
    mine, _ = ledger
    mine.description = "改过一次"
    mine.save()
    client = logged_in(client, office_admin)
    rows = read_xlsx(export(client))
    bridge = next(row for row in rows[1:] if row[2] == "修建一座风雨桥")
    assert bridge[HEADERS.index("版本")] == mine.version == 2
    bridge[HEADERS.index("受益人数")] = 45
    _, response = import_file(client, write_xlsx([rows[0], bridge]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.beneficiary_count, mine.version) == (45, 3)


def test_an_edit_made_between_preview_and_confirmation_is_not_overwritten(client, office_admin, ledger):
    mine, _ = ledger
    client = logged_in(client, office_admin)
    rows = read_xlsx(export(client))
    bridge = next(row for row in rows[1:] if row[2] == "修建一座风雨桥")
    bridge[HEADERS.index("受益人数")] = 45
    preview = upload(client, write_xlsx([rows[0], bridge]))
    assert preview.context.get("confirm_form") is not None, preview_errors(preview)
    mine.refresh_from_db()
    mine.description = "同事在确认前改了"
    mine.save()
    response = confirm(client, preview)
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.description, mine.beneficiary_count) == ("同事在确认前改了", 40)


def test_a_csv_over_the_row_limit_is_refused_quickly_with_advice(
    client, office_admin, round_, unit_a, settings
):
    rows = [HEADERS] + [valid_row(round_.name, 项目名称=f"项目{i}") for i in range(50_000)]
    content = csv_bytes(rows)
    client = logged_in(client, office_admin)
    started = time.monotonic()
    response = upload(client, content, CSV, "台账.csv")
    elapsed = time.monotonic() - started
    message = upload_error(response)
    assert str(settings.IMPORT_MAX_ROWS) in message and "拆分" in message
    assert elapsed < 5, f"refusal took {elapsed:.1f} s"
    assert not Project.objects.exists()


def xlsx_bomb(unpacked_bytes: int) -> bytes:
    """A valid xlsx whose one sheet unpacks to ``unpacked_bytes`` of repeated empty rows."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(write_xlsx([HEADERS])), "r") as template:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
            for item in template.infolist():
                if item.filename != "xl/worksheets/sheet1.xml":
                    bomb.writestr(item, template.read(item.filename))
                    continue
                head, _, tail = template.read(item.filename).partition(b"</row>")
                with bomb.open(item.filename, "w", force_zip64=True) as sheet:
                    sheet.write(head + b"</row>")
                    chunk = b'<row r="2"><c r="A2" t="s"/></row>' * 30_000
                    for _ in range(unpacked_bytes // len(chunk)):
                        sheet.write(chunk)
                    sheet.write(tail)
    return out.getvalue()


def test_an_xlsx_zip_bomb_is_refused_quickly(client, office_admin):
    content = xlsx_bomb(300 * 1024 * 1024)
    assert len(content) < 2 * 1024 * 1024
    client = logged_in(client, office_admin)
    started = time.monotonic()
    response = upload(client, content)
    elapsed = time.monotonic() - started
    message = upload_error(response)
    assert "解压" in message and "拆分" in message
    assert elapsed < 5, f"refusal took {elapsed:.1f} s"


def test_an_import_that_would_outlive_its_time_budget_stops_and_writes_nothing(
    client, office_admin, round_, unit_a, settings
):
    client = logged_in(client, office_admin)
    rows = [HEADERS] + [valid_row(round_.name, 项目名称=f"项目{i}") for i in range(30)]
    settings.IMPORT_TIME_LIMIT_SECONDS = 0  # every import is over its budget at once
    preview = upload(client, write_xlsx(rows))
    assert preview.context.get("confirm_form") is None
    errors = preview_errors(preview)
    # The first data row, numbered as the spreadsheet shows it (the header is row 1).
    assert "导入在第 2 行停止" in errors and "0" in errors, errors
    assert errors.count("Split") + errors.count("拆") == 1, errors  # one explanation, not one per row
    assert not Project.objects.exists()

    settings.IMPORT_TIME_LIMIT_SECONDS = 20
    preview, response = import_file(client, write_xlsx(rows))
    assert response.status_code == 302
    assert Project.objects.count() == 30


def test_a_units_own_project_sheet_with_some_columns_imports(client, office_admin, round_, unit_a):
    """Only 批次, 项目名称 and 责任单位 are required; left-out columns take the model's defaults."""
    client = logged_in(client, office_admin)
    headers = ["批次", "项目名称", "类别", "责任单位", "完成时限", "是否公开"]
    sheet = [headers, [round_.name, "修缮村道", "其他", "第一党支部", datetime.date(2021, 12, 31), None]]
    preview = upload(client, write_xlsx(sheet))
    confirm_preview(client, preview)
    project = Project.objects.get(title="修缮村道")
    assert project.unit == unit_a and project.is_public is False and project.budget is None
    assert not project.updates.exists()  # no progress columns: no progress update invented

    without_unit = [["批次", "项目名称"], [round_.name, "无单位项目"]]
    errors = preview_errors(upload(client, write_xlsx(without_unit)))
    assert "缺少列：责任单位" in errors, errors
    assert not Project.objects.filter(title="无单位项目").exists()
