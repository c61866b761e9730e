"""The import rules as plain functions, without django-import-export."""

import csv
import io
import zipfile

import openpyxl
import pytest
from django.utils import translation

from imports.rules import (
    ImportRefused,
    RowErrors,
    UnitCheck,
    cell_problems,
    check_headers,
    check_upload,
    neutralise_formula,
    restore_neutralised,
    stale_version_problem,
)

EXPECTED = ["编号", "项目名称", "责任单位", "版本"]


@pytest.fixture(autouse=True)
def _chinese_messages():
    with translation.override("zh-hans"):
        yield


def refusal(function, *args, **kwargs) -> str:
    with pytest.raises(ImportRefused) as raised:
        function(*args, **kwargs)
    return str(raised.value)


def test_matching_headers_are_returned_stripped():
    assert check_headers([" 编号", "项目名称 ", "责任单位", "版本"], EXPECTED) == EXPECTED


def test_missing_unknown_and_repeated_headers_are_named_in_chinese():
    message = refusal(check_headers, ["编号", "名称", "责任单位", "责任单位", None], EXPECTED)
    assert "缺少列：项目名称、版本" in message
    assert "无法识别的列：名称、（空白）" in message
    assert "重复的列：责任单位" in message


def test_a_repeated_header_alone_is_refused():
    assert "重复的列：项目名称" in refusal(check_headers, [*EXPECTED, "项目名称"], EXPECTED)


TEXTS = [
    "",
    "普通文字",
    "=SUM(A1)",
    "+1",
    "-5户",
    "@A1",
    "\tTab",
    "\rCR",
    "'",
    "''",
    "'普通撇号",
    "'=已经带撇号",
    "'-5户",
    "''=A1",
]


@pytest.mark.parametrize("text", TEXTS)
def test_neutralising_is_undone_exactly_and_never_leaves_a_formula(text):
    neutralised = neutralise_formula(text)
    assert not neutralised.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert restore_neutralised(neutralised) == text


def test_an_apostrophe_typed_before_plain_text_is_kept_on_import():
    assert restore_neutralised("'普通撇号") == "'普通撇号"
    assert restore_neutralised("'=A1") == "=A1"


def test_unit_check_reads_the_users_units_once(editor_a, unit_a, unit_b, django_assert_num_queries):
    check = UnitCheck(editor_a)
    with django_assert_num_queries(1):
        assert [check.allows(unit_a.pk) for _ in range(5)] == [True] * 5
        assert [check.allows(unit_b.pk) for _ in range(5)] == [False] * 5
    assert "第二党支部" in check.refusal(unit_b)


def test_unit_check_lets_the_office_and_system_jobs_write_every_unit(office_admin, unit_b):
    assert UnitCheck(office_admin).allows(unit_b.pk)
    assert UnitCheck(None).allows(unit_b.pk)


def test_a_nul_character_is_a_problem_of_its_cell():
    problems = cell_problems({"项目名称": "坏\x00名", "责任单位": "第一党支部", "预算(元)": 3.0})
    assert [column for column, _ in problems] == ["项目名称"]
    assert "空字符" in problems[0][1]


@pytest.mark.parametrize("written", [3, 3.0, "3", " 3.0 "])
def test_a_row_at_the_current_version_is_not_stale(written):
    assert stale_version_problem(written, 3) is None


def test_a_row_from_an_older_version_is_stale():
    assert "已被他人修改" in stale_version_problem(2, 3)


@pytest.mark.parametrize("written", [None, "", "abc", 0])
def test_a_row_without_a_readable_version_cannot_be_checked(written):
    assert "版本" in stale_version_problem(written, 3)


def test_row_errors_are_capped_and_say_how_many_more():
    errors = RowErrors(limit=2)
    assert errors.may_write
    for row in range(2, 7):
        errors.add(row, "完成时限", "“六月底”不是日期")
    assert not errors.may_write and len(errors) == 5
    assert errors.messages() == [
        "第 2 行“完成时限”列：“六月底”不是日期",
        "第 3 行“完成时限”列：“六月底”不是日期",
        "……另有 3 处错误未列出。本次没有导入任何数据。",
    ]


# check_upload ------------------------------------------------------------------


def csv_file(rows) -> io.BytesIO:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return io.BytesIO(out.getvalue().encode("utf-8-sig"))


def xlsx_file(rows, sheets_before=0) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    for index in range(sheets_before):
        book.active.title = f"说明{index}"
        sheet = book.create_sheet("台账")
    for row in rows:
        sheet.append(row)
    book.active = book.sheetnames.index(sheet.title)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def data_rows(count):
    return [EXPECTED] + [["", f"项目{i}", "第一党支部", ""] for i in range(count)]


@pytest.mark.parametrize(("make", "file_format"), [(csv_file, "csv"), (xlsx_file, "xlsx"), (xlsx_file, None)])
def test_a_file_at_the_row_limit_passes_and_one_row_more_is_refused(make, file_format):
    upload = make(data_rows(3))
    original = upload.getvalue()
    check_upload(upload, file_format, max_rows=3)
    assert upload.read() == original  # rewound for the parser
    message = refusal(check_upload, make(data_rows(4)), file_format, max_rows=3)
    assert "超过 3 行" in message and "拆分" in message


def test_blank_lines_do_not_count_as_rows():
    upload = csv_file(data_rows(3) + [[]] * 10)
    check_upload(upload, "csv", max_rows=3)
    sheet = xlsx_file(data_rows(3) + [[None, None, None, None]] * 10)
    check_upload(sheet, "xlsx", max_rows=3)


@pytest.mark.parametrize(
    ("upload", "file_format"),
    [
        (csv_file([EXPECTED]), "csv"),
        (csv_file([EXPECTED, ["", "", "", ""]]), "csv"),
        (xlsx_file([EXPECTED]), "xlsx"),
        (xlsx_file([EXPECTED, [None, "", None, None]]), "xlsx"),
    ],
)
def test_a_file_with_only_headers_is_refused(upload, file_format):
    assert "没有数据行" in refusal(check_upload, upload, file_format)


def test_the_rows_counted_are_those_of_the_sheet_the_file_opens_on():
    check_upload(xlsx_file(data_rows(3), sheets_before=1), "xlsx", max_rows=3)
    assert "超过 3 行" in refusal(check_upload, xlsx_file(data_rows(4), sheets_before=2), "xlsx", max_rows=3)


def test_an_xlsx_packed_far_tighter_than_a_spreadsheet_is_refused_before_unpacking():
    # 20 MB, under the unpacked-size limit, but about 1,000 times smaller packed.
    out = io.BytesIO()
    with (
        zipfile.ZipFile(xlsx_file(data_rows(1))) as template,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in template.infolist():
            bomb.writestr(item, template.read(item.filename))
        bomb.writestr("xl/media/padding.bin", b"\0" * (20 * 1024 * 1024))
    out.seek(0)
    message = refusal(check_upload, out, "xlsx", max_unpacked_bytes=50 * 1024 * 1024, max_ratio=100)
    assert "解压" in message and "拆分" in message


def test_an_xlsx_over_the_unpacked_size_limit_is_refused():
    message = refusal(check_upload, xlsx_file(data_rows(200)), "xlsx", max_unpacked_bytes=10_000)
    assert "9.8 KB" in message.replace("\xa0", " ")


@pytest.mark.parametrize(
    ("content", "file_format"),
    [
        (b"this is not a spreadsheet", "xlsx"),
        (b"PK\x03\x04 broken zip", "xlsx"),
        (b"\x81\x30\xff\xff\x00", "csv"),
    ],
)
def test_files_that_are_not_what_they_claim_are_left_to_the_parser(content, file_format):
    check_upload(io.BytesIO(content), file_format)


def test_a_gb18030_csv_is_counted():
    out = io.StringIO()
    csv.writer(out).writerows(data_rows(4))
    assert "超过 3 行" in refusal(
        check_upload, io.BytesIO(out.getvalue().encode("gb18030")), "csv", max_rows=3
    )


def test_every_versioned_ledger_exports_its_rows_version():
    """A ledger of a LockVersionedModel carries 版本, so a stale spreadsheet cannot overwrite a later edit.

    The hotline's month sheet is the exception: it is keyed by the month and typed from the
    platform's monthly figures, so the file, not a prior export, is the source of truth.
    """
    from django.apps import apps

    from imports.resources import LedgerResource
    from units.models import LockVersionedModel

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    apps.get_app_configs()  # every app's resources are imported by its admin
    exempt = {"MonthResource"}
    checked = []
    for resource in subclasses(LedgerResource):
        model = resource._meta.model
        if model is None or not issubclass(model, LockVersionedModel) or resource.__name__ in exempt:
            continue
        checked.append(resource.__name__)
        assert "version" in resource._meta.fields, f"{resource.__name__} does not export 版本"
    assert {"ProjectResource", "ServiceItemResource", "VolunteerResource"} <= set(checked)


def test_only_the_required_headers_must_be_there():
    assert check_headers(["项目名称", "责任单位"], EXPECTED, required=["项目名称", "责任单位"]) == [
        "项目名称",
        "责任单位",
    ]
    message = refusal(check_headers, ["项目名称", "备注"], EXPECTED, required=["项目名称", "责任单位"])
    assert "缺少列：责任单位" in message and "无法识别的列：备注" in message


def test_a_column_may_be_named_as_clerks_name_it():
    aliases = {"实施部门": "责任单位"}
    assert check_headers(["项目名称", "实施部门"], EXPECTED, required=["项目名称"], aliases=aliases) == [
        "项目名称",
        "责任单位",
    ]
    message = refusal(check_headers, ["项目名称", "实施部门", "责任单位"], EXPECTED, aliases=aliases)
    assert "重复的列：责任单位" in message


def test_a_data_row_is_numbered_as_the_spreadsheet_shows_it():
    from imports.rules import sheet_row

    assert [sheet_row(n) for n in (1, 2, 100)] == [2, 3, 101]
    assert sheet_row(None) is None
