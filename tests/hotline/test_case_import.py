"""The platform's case export: streaming import, aliases, Excel times, idempotency, rollup, privacy."""

import datetime
import io
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from hotline.case_import import import_cases, parse_time
from hotline.models import Case, Feedback, Month, MonthSource
from imports.models import ImportJob
from tests.conftest import logged_in

from .doors import confirm, job_page, upload_case_file
from .factories import case_file, case_row, make_month

D = datetime.date
PHONE, CALLER = "13912345678", "张三丰"


def run(content: bytes, name="工单.csv", commit=True):
    return import_cases(io.BytesIO(content), name, commit=commit)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_writes_cases_and_rolls_them_into_months(db, fmt):
    rows = [case_row(f"GD{n}") for n in range(5)] + [case_row("GD9", status="办理中")]
    outcome = run(case_file(rows, fmt=fmt), f"工单.{fmt}")
    assert not outcome.refused, outcome.as_dict()
    assert (outcome.new, outcome.changed, outcome.unchanged) == (6, 0, 0)
    month = Month.objects.get(month=D(2021, 6, 1))
    assert month.source == MonthSource.CASES
    assert (month.accepted, month.completed, month.callbacks, month.satisfied) == (6, 5, 5, 5)


def test_dry_run_writes_nothing_and_summarises(db):
    rows = [case_row(f"GD{n}") for n in range(30)]
    outcome = run(case_file(rows), commit=False)
    assert outcome.new == 30 and not Case.objects.exists() and not Month.objects.exists()
    assert len(outcome.sample) == 10  # a sample, not the whole file
    assert ("工单编号", "工单编号") in outcome.mapping


def test_an_overlapping_export_counts_nothing_twice_and_a_changed_status_updates(db):
    first = [case_row("GD1"), case_row("GD2", status="办理中")]
    run(case_file(first))
    assert Month.objects.get().completed == 1
    overlapping = [case_row("GD1"), case_row("GD2"), case_row("GD3")]  # GD2 is now completed
    outcome = run(case_file(overlapping))
    assert (outcome.new, outcome.changed, outcome.unchanged) == (1, 1, 1)
    assert Case.objects.count() == 3
    month = Month.objects.get()
    assert (month.accepted, month.completed) == (3, 3)
    assert Case.objects.get(number="GD2").status == "已办结"


def test_header_aliases_of_other_platform_versions(db):
    rows = [
        {
            "12345工单编号": "GD1",
            "来电时间": "2021-06-01 09:00",
            "一级业务分类": "城乡建设",
            "工单状态": "已办结",
        },
    ]
    outcome = run(case_file(rows))
    assert not outcome.refused, outcome.as_dict()
    assert ("12345工单编号", "工单编号") in outcome.mapping and (
        "一级业务分类",
        "一级分类",
    ) in outcome.mapping
    assert Case.objects.get().category == "城乡建设"


def test_two_columns_meaning_the_same_are_refused(db):
    rows = [{"工单编号": "GD1", "12345工单编号": "GD1", "受理时间": "2021-06-01 09:00", "办理状态": "已办结"}]
    outcome = run(case_file(rows))
    assert outcome.refused and "12345工单编号" in outcome.file_errors[0]
    assert not Case.objects.exists()


def test_excel_serial_times(db):
    # 44348.375 is 2021-06-01 09:00 in Excel's day count.
    assert parse_time(44348.375) == timezone.make_aware(datetime.datetime(2021, 6, 1, 9, 0))
    assert parse_time("44348.375") == parse_time("2021/6/1 9:00")
    rows = [case_row("GD1", received=44348.375, **{"办结时间": 44349.5, "应办结时间": 5})]
    run(case_file(rows, fmt="xlsx"), "工单.xlsx")
    case = Case.objects.get()
    assert timezone.localtime(case.received_at).replace(tzinfo=None) == datetime.datetime(2021, 6, 1, 9, 0)
    assert case.due_at - case.received_at == datetime.timedelta(days=5)  # 办理时限 in days


def test_a_duplicate_case_number_in_one_file_refuses_the_file(db):
    rows = [case_row("GD1"), case_row("GD2"), case_row("GD1")]
    outcome = run(case_file(rows))
    assert outcome.refused
    assert outcome.errors.first == [{"row": 4, "messages": ["工单编号GD1与第2行重复。"]}]
    assert not Case.objects.exists() and not Month.objects.exists()


def test_any_bad_row_and_nothing_is_written(db):
    rows = [case_row(f"GD{n}") for n in range(2500)]  # more than one batch
    rows.append(case_row("GD-bad", received="2021-02-30 09:00"))
    outcome = run(case_file(rows))
    assert outcome.refused and outcome.errors.first[0]["row"] == 2502
    assert "受理时间" in outcome.errors.first[0]["messages"][0]
    assert not Case.objects.exists()


def test_a_typed_month_is_not_overwritten_by_the_rollup(db):
    make_month(D(2021, 6, 1), accepted=500)
    outcome = run(case_file([case_row("GD1")]))
    assert outcome.typed_months_kept == ["2021-06"]
    assert Month.objects.get().accepted == 500


def test_feedback_words(db):
    rows = [case_row("GD1", **{"回访结果": "基本满意"}), case_row("GD2", **{"回访结果": "很好"})]
    outcome = run(case_file(rows))
    assert outcome.refused and "很好" in outcome.errors.first[0]["messages"][0]
    run(case_file(rows[:1]))
    assert Case.objects.get().feedback == Feedback.BASICALLY


def test_caller_phone_and_name_never_reach_the_database_a_page_an_export_or_a_log(
    client, office_admin, caplog, settings
):
    rows = [case_row("GD1", **{"来电号码": PHONE, "来电人": CALLER}), case_row("GD2", **{"来电号码": PHONE})]
    rows[1]["受理时间"] = "2021-02-30 09:00"  # a bad row: its error names the row, never the caller
    logged_in(client, office_admin)
    caplog.set_level(logging.DEBUG)
    refused = upload_case_file(client, case_file(rows))  # checked at once under the test backend
    refused.refresh_from_db()
    assert refused.status == ImportJob.Status.REFUSED and refused.errors[0][0] == 3
    rows[1]["受理时间"] = "2021-06-01 10:00"
    job = upload_case_file(client, case_file(rows))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED, job.errors
    checked_page = job_page(client, job)
    assert "GD1" in checked_page  # the sample, to confirm
    assert (
        "来电号码 → 舍弃（个人信息，不读取）" in checked_page
    )  # and that the caller's columns were never read

    confirm(client, job)  # the import runs at once under the test backend

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Case.objects.count() == 2
    assert not [path for path in settings.IMPORT_PENDING_DIR.rglob("*") if path.is_file()]
    assert job.preview == {}  # the sample's cells went with the file
    assert "来电号码" in job.details["dropped_columns"] and "来电人" in job.details["dropped_columns"]

    stored = str(list(Case.objects.values())) + str(
        list(ImportJob.objects.values("file_name", "errors", "preview", "details"))
    )
    pages = [
        client.get("/hotline/", {"start": "2021-06", "end": "2021-06"}).text,
        checked_page,
        job_page(client, refused),
        job_page(client, job),
        client.get(reverse("admin:imports_importjob_changelist")).text,
        client.get(reverse("admin:hotline_case_changelist")).text,
    ]
    for text in [stored, caplog.text, *pages]:
        assert PHONE not in text and CALLER not in text
    assert "GD1" in pages[-1] and "GD1" not in pages[3]


def test_office_switches_a_typed_month_to_its_cases_explicitly(client, office_admin):
    month = make_month(D(2021, 6, 1), accepted=500)
    run(case_file([case_row("GD1"), case_row("GD2", status="办理中")]))
    assert Month.objects.get().accepted == 500  # typed: left alone
    logged_in(client, office_admin)
    client.post(
        reverse("admin:hotline_month_changelist"),
        {"action": "roll_up_from_cases", "_selected_action": [month.pk]},
    )
    month.refresh_from_db()
    assert (month.source, month.accepted, month.completed) == (MonthSource.CASES, 2, 1)
