"""Streaming import of the hotline platform's case export (工单导出), csv or xlsx, up to 200,000 rows.

The file is read row by row (csv through the ``csv`` module, xlsx through
python-calamine), checked, and written in batches keyed by the work-order number,
so an export overlapping an earlier one counts nothing twice and a case whose
status changed is updated. All or nothing: any refused row and nothing is written.
Callers' names and phone numbers are dropped at the header: their columns are never read.
"""

import codecs
import csv
import datetime
import io
import time
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from imports.engines import ImportEngine
from imports.engines import Outcome as JobOutcome
from imports.isolated_parse import ParseFailed, rows_in_child
from imports.rules import ImportRefused, cell_problems, check_upload
from units.months import first_of
from units.public_pages import public_data_changed

from . import rules
from .models import Case, Feedback, Month
from .rollup import roll_up

BATCH = 2000
SAMPLE_ROWS = 10
MAX_ROWS = 200_000
# A 200,000-row export is about 40 MB as csv, 15 MB as xlsx.
MAX_BYTES = 100 * 1024 * 1024
# Its sheet unpacks to about 160 MB with the platform's usual columns; a file unpacking to
# far more is refused before any reader runs (the shared guards, imports.rules).
MAX_UNPACKED_BYTES = 640 * 1024 * 1024
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)
# Excel's range of times: 1900-01-01 … 9999-12-31.
EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=LOCAL)
LATEST = datetime.datetime(9999, 12, 31, tzinfo=LOCAL)

# field: (our header, *aliases seen in platform versions)
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("工单编号", "12345工单编号", "工单号", "受理编号"),
    "received_at": ("受理时间", "来电时间", "登记时间", "创建时间"),
    "channel": ("来源渠道", "来源", "渠道", "受理渠道"),
    "kind": ("诉求类型", "工单类型"),
    "category": ("一级分类", "一级业务分类", "业务一级分类", "诉求分类"),
    "subcategory": ("二级分类", "二级业务分类", "业务二级分类"),
    "handling_unit": ("承办单位", "办理单位", "主办单位"),
    "status": ("办理状态", "工单状态", "状态"),
    "completed_at": ("办结时间", "完成时间"),
    "due_at": ("应办结时间", "办理时限", "办结时限", "截止时间"),
    "feedback": ("回访结果", "回访满意度", "满意度"),
    "handling": ("办理方式", "处理方式", "办结方式"),
}
REQUIRED = ("number", "received_at", "status")
# Callers' personal data: dropped at the header, never read, never stored or logged.
PERSONAL = frozenset(
    {
        "来电号码",
        "来电人",
        "来电人姓名",
        "联系电话",
        "手机号码",
        "主叫号码",
        "姓名",
        "联系人",
        "诉求人",
        "联系方式",
        "身份证号",
        "证件号码",
    }
)
COMPLETED_STATUSES = frozenset({"已办结", "办结", "已完成", "已归档", "办结归档", "已回访", "已评价"})
ONLINE_WORDS = frozenset({"直接办结", "在线办结", "热线直办", "即时办结", "直办"})
FEEDBACK_WORDS = {  # plain strings: they go to the database driver as they are
    "满意": Feedback.SATISFIED.value,
    "非常满意": Feedback.SATISFIED.value,
    "基本满意": Feedback.BASICALLY.value,
    "不满意": Feedback.UNSATISFIED.value,
    "未回访": Feedback.NONE.value,
    "": Feedback.NONE.value,
}
COMPARED = (
    "received_at",
    "channel",
    "kind",
    "category",
    "subcategory",
    "handling_unit",
    "status",
    "is_completed",
    "completed_at",
    "due_at",
    "feedback",
    "is_online",
)
LIMITS = {name: Case._meta.get_field(name).max_length for name in ("number", *COMPARED[1:7])}
TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日")
DAYS_LIMIT = 1000  # a 办理时限 below this is a number of days, above it an Excel serial time


class RefusedFile(Exception):
    """The whole file is refused (unreadable, wrong columns, too many rows)."""


# Reading --------------------------------------------------------------------------------


def _csv_encoding(stream) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "gb18030"
    stream.seek(0)
    return encoding


def file_format(name: str) -> str | None:
    lowered = name.lower()
    return "xlsx" if lowered.endswith(".xlsx") else "csv" if lowered.endswith(".csv") else None


def guard(stream, name: str) -> None:
    """The checks every import passes before a reader runs: size, zip, the sheet's extent."""
    try:
        check_upload(
            stream,
            file_format(name),
            count_rows=False,  # counted while streaming, against MAX_ROWS
            max_bytes=MAX_BYTES,
            max_rows=MAX_ROWS,
            max_unpacked_bytes=MAX_UNPACKED_BYTES,
        )
    except ImportRefused as refusal:
        raise RefusedFile(str(refusal)) from None


def _xlsx_rows(stream) -> Iterator[list]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(stream)
        sheet = workbook.get_sheet_by_index(0)
        yield from sheet.iter_rows()
    except Exception as error:  # calamine raises its own error types for broken files
        raise RefusedFile(
            _("The file could not be read as xlsx (%(error)s).") % {"error": type(error).__name__}
        ) from None


def read_rows(stream, name: str) -> Iterator[list]:
    """Rows of the file's first sheet, header first, one at a time.

    An xlsx is read by native code in a child process (``imports.isolated_parse``): a file
    that crashes or swamps the reader fails this import, never the worker.
    """
    if name.lower().endswith(".xlsx"):
        try:
            yield from rows_in_child(_xlsx_rows, stream)
        except ParseFailed as failure:
            raise RefusedFile(str(failure)) from None
        return
    if name.lower().endswith(".csv"):
        encoding = _csv_encoding(stream)
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        try:
            yield from csv.reader(text)
        except (csv.Error, UnicodeDecodeError):
            raise RefusedFile(_("The file could not be read as csv text.")) from None
        finally:
            text.detach()
        return
    raise RefusedFile(_("Upload the platform's export as an xlsx or csv file."))


# Cells ----------------------------------------------------------------------------------


def parse_time(value) -> datetime.datetime | None:
    """A time as text (2021-06-01 08:30[:00], 2021/6/1 8:30, 2021年6月1日) or an Excel serial number."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)):
        moment = _serial(value)
    else:
        text = rules.text_cell(value)
        if not text:
            return None
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            moment = _from_formats(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL)  # China has no daylight saving: replace is exact
    if not EARLIEST <= moment < LATEST:
        # Out of Excel's range a time is a typing slip; near the ends of Python's, it would
        # overflow when stored in UTC (a crash at import, after a check that passed).
        raise ValueError
    return moment


def _serial(number: float) -> datetime.datetime:
    if not 1 <= number < 2958466:  # Excel's range: 1900-01-01 … 9999-12-31
        raise ValueError
    return (EXCEL_EPOCH + datetime.timedelta(days=number)).replace(microsecond=0)


def _from_formats(text: str) -> datetime.datetime:
    try:
        return _serial(float(text))
    except ValueError:
        pass
    for fmt in TIME_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError


@dataclass
class ParsedRow:
    values: dict
    errors: list[str]


def parse_row(cells: list, positions: dict[str, int], now: datetime.datetime) -> ParsedRow:
    """One data row as Case field values, with the problems found (in Chinese)."""
    errors: list[str] = []

    def cell(name):
        index = positions.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    def time(name, header):
        try:
            return parse_time(cell(name))
        except (ValueError, OverflowError):
            errors.append(
                _("%(column)s “%(value)s” is not a time; write it as 2021-06-01 08:30")
                % {"column": header, "value": rules.text_cell(cell(name))}
            )
            return None

    values = {name: rules.text_cell(cell(name)) for name in ("number", *COMPARED[1:7])}
    for column, problem in cell_problems({COLUMNS[name][0]: text for name, text in values.items()}):
        # PostgreSQL refuses the character: a row error at the check, never a failed import.
        errors.append(f"{column}: {problem}")
    if not values["number"]:
        errors.append(_("工单编号 is empty."))
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors.append(
                _("%(column)s is longer than %(limit)s characters.")
                % {"column": COLUMNS[name][0], "limit": limit}
            )
    received = time("received_at", "受理时间")
    if received is None and not errors:
        errors.append(_("受理时间 is empty."))
    elif received is not None and received > now:
        errors.append(_("受理时间 %(time)s is in the future.") % {"time": f"{received:%Y-%m-%d %H:%M}"})
    completed_at = time("completed_at", "办结时间")
    if completed_at and received and completed_at < received:
        errors.append(_("办结时间 is before 受理时间."))
    due_at = _due(cell("due_at"), received, errors)
    feedback_text = rules.text_cell(cell("feedback"))
    feedback = FEEDBACK_WORDS.get(feedback_text)
    if feedback is None:
        errors.append(
            _("回访结果 “%(value)s” is not one of: %(allowed)s")
            % {"value": feedback_text, "allowed": "、".join(word for word in FEEDBACK_WORDS if word)}
        )
    is_completed = values["status"] in COMPLETED_STATUSES
    values.update(
        received_at=received,
        month=first_of(received) if received else None,
        completed_at=completed_at,
        due_at=due_at,
        feedback=feedback,
        is_completed=is_completed,
        is_online=is_completed and rules.text_cell(cell("handling")) in ONLINE_WORDS,
    )
    return ParsedRow(values, errors)


def _days_after(received, days) -> datetime.datetime | None:
    if received is None:
        return None
    due = received + datetime.timedelta(days=days)
    if due >= LATEST:
        raise ValueError
    return due


def _due(value, received, errors) -> datetime.datetime | None:
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < DAYS_LIMIT:
            return _days_after(received, value)
        text = rules.text_cell(value) if not isinstance(value, (datetime.date, int, float)) else None
        if text and text.isdigit() and int(text) < DAYS_LIMIT:
            return _days_after(received, int(text))
        return parse_time(value)
    except (ValueError, OverflowError):
        errors.append(
            _("应办结时间 “%(value)s” is neither a time nor a number of days.")
            % {"value": rules.text_cell(value)}
        )
        return None


# The import ------------------------------------------------------------------------------


@dataclass
class Outcome:
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: rules.RowErrors = field(default_factory=rules.RowErrors)
    file_errors: list[str] = field(default_factory=list)
    mapping: list[tuple[str, str]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    sample: list[dict] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    typed_months_kept: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.file_errors) or bool(self.errors)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "refused_rows": self.errors.refused_rows,
            "first_errors": self.errors.first,
            "file_errors": self.file_errors,
            "mapping": self.mapping,
            "dropped_columns": self.dropped,
            "ignored_columns": self.ignored,
            "sample": self.sample,
            "months": self.months,
            "typed_months_kept": self.typed_months_kept,
            "committed": self.committed,
        }


class _RollBack(Exception):
    pass


def import_cases(
    stream,
    name: str,
    *,
    commit: bool,
    progress: Callable[[int], None] | None = None,
    is_demo: bool = False,
) -> Outcome:
    """Check (``commit=False``) or import the file; on any refused row nothing is written."""
    outcome = Outcome()
    try:
        if commit:
            with transaction.atomic():
                _run(stream, name, outcome, commit=True, progress=progress, is_demo=is_demo)
                if outcome.refused:
                    raise _RollBack
                outcome.typed_months_kept = roll_up(outcome.months)
                outcome.committed = True
                # Cases are upserted in plain SQL (no model signals): the public pages learn of
                # them here, once the import's transaction commits.
                public_data_changed(Case, Month)
        else:
            _run(stream, name, outcome, commit=False, progress=progress, is_demo=is_demo)
    except _RollBack:
        pass
    except RefusedFile as error:
        outcome.file_errors.append(str(error))
    if outcome.refused:
        outcome.committed = False
    return outcome


def _run(stream, name, outcome: Outcome, *, commit, progress, is_demo) -> None:
    guard(stream, name)
    rows = read_rows(stream, name)
    header = next(rows, None)
    if header is None:
        raise RefusedFile(_("The file is empty."))
    headers = rules.map_headers(header, COLUMNS, REQUIRED, PERSONAL)
    outcome.mapping, outcome.dropped, outcome.ignored = headers.shown, headers.dropped, headers.ignored
    if headers.errors:
        outcome.file_errors.extend(headers.errors)
        return
    now = timezone.now()
    deadline = time.monotonic() + settings.IMPORT_TIME_LIMIT_SECONDS
    seen: dict[str, int] = {}
    months: set[datetime.date] = set()
    batch: list[dict] = []
    for row_number, cells in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in cells):
            continue
        outcome.rows += 1
        if outcome.rows > MAX_ROWS:
            raise RefusedFile(
                _("The file has more than %(limit)s rows; split it by month.") % {"limit": MAX_ROWS}
            )
        parsed = parse_row(cells, headers.positions, now)
        number = parsed.values["number"]
        if number and number in seen:
            parsed.errors.append(
                _("工单编号 %(number)s is also on row %(row)s.") % {"number": number, "row": seen[number]}
            )
        elif number:
            seen[number] = row_number
        if parsed.errors:
            outcome.errors.add(row_number, parsed.errors)
            continue
        if len(outcome.sample) < SAMPLE_ROWS:
            outcome.sample.append({"row": row_number, **_shown(parsed.values)})
        batch.append(parsed.values)
        if len(batch) >= BATCH:
            _check_time(deadline, row_number)
            _flush(batch, outcome, months, commit=commit and not outcome.errors, is_demo=is_demo)
            batch = []
            if progress:
                progress(outcome.rows)
    _check_time(deadline, outcome.rows + 1)
    _flush(batch, outcome, months, commit=commit and not outcome.errors, is_demo=is_demo)
    if progress:
        progress(outcome.rows)
    outcome.months = sorted(f"{month:%Y-%m}" for month in months)


def _check_time(deadline: float, row_number: int) -> None:
    """A job stops within its time budget, rolled back, and says why (the ledgers' rule too)."""
    if time.monotonic() > deadline:
        raise RefusedFile(
            _(
                "The import stopped at row %(row)s: it would take longer than %(seconds)s seconds, "
                "the most one import may take. Nothing was written. Split the file into smaller "
                "files and import them one by one."
            )
            % {"row": row_number, "seconds": f"{settings.IMPORT_TIME_LIMIT_SECONDS:g}"}
        )


def _shown(values: dict) -> dict:
    def show(value):
        if isinstance(value, datetime.datetime):
            return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
        return value

    return {name: show(values[name]) for name in ("number", *COMPARED)}


def _flush(batch: list[dict], outcome: Outcome, months: set, *, commit: bool, is_demo: bool) -> None:
    if not batch:
        return
    existing = {
        row[0]: row[1:]
        for row in Case.objects.filter(number__in=[values["number"] for values in batch]).values_list(
            "number", "month", *COMPARED
        )
    }
    to_write = []
    for values in batch:
        old = existing.get(values["number"])
        if old is None:
            outcome.new += 1
        elif tuple(old[1:]) == tuple(values[name] for name in COMPARED):
            outcome.unchanged += 1
            continue
        else:
            outcome.changed += 1
            months.add(old[0])  # a case moved to another month leaves its old month
        months.add(values["month"])
        to_write.append(values)
    if commit and to_write:
        _upsert(to_write, is_demo)


WRITTEN = ["number", "month", *COMPARED, "is_demo", "updated_at"]


def _upsert(rows: list[dict], is_demo: bool) -> None:
    """Insert new cases and update changed ones, keyed by the number, in multi-row statements.

    Plain SQL (``INSERT … ON CONFLICT (number) DO UPDATE``, SQLite and PostgreSQL alike):
    compiling ``bulk_create`` costs several times what the database spends writing.
    """
    ops = connection.ops
    table = ops.quote_name(Case._meta.db_table)
    columns = [Case._meta.get_field(name).column for name in WRITTEN]
    per_statement = max(1, min(500, (connection.features.max_query_params or 10_000) // len(columns)))
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{ops.quote_name(c)} = excluded.{ops.quote_name(c)}" for c in columns[1:])
    adapt_time = _time_adapter()
    now = adapt_time(timezone.now())
    params_of = []
    for values in rows:
        params = []
        for name in WRITTEN[:-2]:
            value = values[name]
            if isinstance(value, datetime.datetime):
                value = adapt_time(value)
            elif isinstance(value, datetime.date):
                value = ops.adapt_datefield_value(value)
            params.append(value)
        params += [is_demo, now]
        params_of.append(params)
    with connection.cursor() as cursor:
        for start in range(0, len(params_of), per_statement):
            chunk = params_of[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(ops.quote_name(c) for c in columns)}) "
                f"VALUES {', '.join([placeholder] * len(chunk))} "
                f"ON CONFLICT ({ops.quote_name('number')}) DO UPDATE SET {updates}",
                [value for params in chunk for value in params],
            )


def _time_adapter():
    """Aware datetimes as the backend stores them; SQLite's is done here for speed (same text as Django's)."""
    if connection.vendor == "sqlite":
        return lambda value: str(value.astimezone(datetime.UTC).replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value


# The engine the import jobs run (imports.engines) --------------------------------------


SAMPLE_HEADERS = ("工单编号", "受理时间", "一级分类", "承办单位", "办理状态", "回访结果")
SAMPLE_FIELDS = ("number", "received_at", "category", "handling_unit", "status", "feedback")


class CaseEngine(ImportEngine):
    """The platform's case export (工单导出) as an import job: streamed, batched, rolled up."""

    details_template = "hotline/import_summary.html"
    own_upload_page = True

    def max_bytes(self) -> int:
        return MAX_BYTES

    def guard(self, stream, format_title) -> None:
        check_upload(
            stream,
            format_title,
            count_rows=False,  # counted while streaming, against MAX_ROWS
            max_bytes=MAX_BYTES,
            max_rows=MAX_ROWS,
            max_unpacked_bytes=MAX_UNPACKED_BYTES,
        )

    def run(self, job, stream, *, commit: bool, user, progress) -> JobOutcome:
        from django.utils.html import escape

        outcome = import_cases(stream, job.file_name, commit=commit, progress=progress)
        errors = [[None, message] for message in outcome.file_errors]
        errors += [[error["row"], "；".join(error["messages"])] for error in outcome.errors.first]
        return JobOutcome(
            rows=outcome.rows,
            new=outcome.new,
            updated=outcome.changed,
            unchanged=outcome.unchanged,
            errors=errors,
            error_count=outcome.errors.refused_rows + len(outcome.file_errors),
            # The sample is the file's cells (who called, about what): kept while it may be confirmed.
            preview={
                "headers": ["行", *SAMPLE_HEADERS],
                "rows": [
                    ["", [row["row"], *(escape(row.get(name, "")) for name in SAMPLE_FIELDS)]]
                    for row in outcome.sample
                ],
            },
            details={
                "mapping": outcome.mapping,
                "dropped_columns": outcome.dropped,
                "ignored_columns": outcome.ignored,
                "months": outcome.months,
                "typed_months_kept": outcome.typed_months_kept,
            },
            committed=outcome.committed,
        )
