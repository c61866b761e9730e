"""Import engines (导入引擎): what reads one kind of file and writes its rows.

Every import runs the same way (``imports.tasks``): an upload is stored privately, a
background job checks it, the uploader confirms the preview on the job page, another job
imports it all or nothing. What differs by file is the engine: how the file is read,
what a row becomes, what the summary shows.

An app names its engines on its own AppConfig, by the model they write::

    import_engines = {"projects.Project": "projects.resources.ProjectResource"}

A value is a django-import-export resource (a ledger kept as a sheet; ``LedgerEngine``
wraps it) or an ``ImportEngine`` subclass (the hotline's case export). Nothing here goes
through the admin: the engine says who may import, and the admin asks the engine.
"""

import io
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core import checks
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from import_export.formats.base_formats import XLSX
from import_export.resources import Resource
from import_export.results import RowResult
from import_export.signals import post_import

from units.scoping import sees_all_units

from .history import import_revision
from .isolated_parse import ParseFailed, parse_in_child
from .log import log_import_error, user_facing_message
from .resources import ChineseCSV
from .rules import ImportRefused, check_upload, sheet_row

PREVIEW_ROWS = 20  # rows of the check shown before confirming
PROGRESS_EVERY = 100  # rows between two progress reports

_engines: dict[str, "ImportEngine"] = {}


class FileRefused(Exception):
    """The whole file is refused; the message is for the uploader."""


@dataclass
class Outcome:
    """What a check or an import found: counts, the first errors, the preview, the summary."""

    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # [[row as Excel numbers it, or None, message], …]
    error_count: int = 0  # errors beyond those listed count too
    preview: dict = field(default_factory=dict)  # {"headers": […], "rows": [[kind, [cells…]], …]}
    details: dict = field(default_factory=dict)  # the engine's own summary, no cell of the file
    committed: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.errors) or self.error_count > 0


class ImportEngine:
    """One kind of file for one model. Subclasses implement ``run``."""

    #: Titles of the formats offered, in the order the upload form lists them.
    format_titles: tuple[str, ...] = ("xlsx", "csv")
    #: The job page's part about this kind of file (a template), or "".
    details_template = ""
    #: Whether its upload page is the import jobs' own (no ledger admin takes this file).
    own_upload_page = False

    def __init__(self, model):
        self.model = model

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    @property
    def name(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def may_import(self, user) -> bool:
        opts = self.model._meta
        return bool(user and user.is_active and user.has_perm(f"{opts.app_label}.import_{opts.model_name}"))

    def may_read_every_job(self, user) -> bool:
        opts = self.model._meta
        return sees_all_units(user) and user.has_perm(f"{opts.app_label}.view_{opts.model_name}")

    def max_bytes(self) -> int:
        from django.conf import settings

        return settings.MAX_UPLOAD_BYTES

    def guard(self, stream, format_title: str | None) -> None:
        """The checks before any reader runs (size, zip, the sheet's extent): ``ImportRefused``."""
        check_upload(stream, format_title, max_bytes=self.max_bytes())

    def format_title(self, job) -> str | None:
        try:
            return self.format_titles[job.file_format]
        except IndexError:
            return None

    def run(self, job, stream, *, commit: bool, user, progress) -> Outcome:
        """Check (``commit=False``) or import the file ``stream`` (binary, seekable); on a refused
        row nothing is written.
        ``progress(rows_done, rows_total=None)`` reports how far it got."""
        raise NotImplementedError

    def upload_url(self) -> str:
        if self.own_upload_page:
            return reverse("admin:imports_importjob_upload", args=[self.key])
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_import")

    def changelist_url(self) -> str | None:
        opts = self.model._meta
        try:
            return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            return None

    def review_notice(self, user) -> str:
        """What the uploader should know before confirming (e.g. the rows go to review)."""
        return ""


class LedgerEngine(ImportEngine):
    """A ledger kept as a sheet, read and written by its django-import-export resource."""

    formats = (XLSX, ChineseCSV)
    # Excel on Chinese Windows opens UTF-8 CSV correctly only with a BOM.
    from_encoding = "utf-8-sig"

    def __init__(self, model, resource_class):
        super().__init__(model)
        self.resource_class = resource_class
        self.format_titles = tuple(format_class().get_title() for format_class in self.formats)

    def input_format(self, job):
        return self.formats[job.file_format](encoding=self.from_encoding)

    def review_notice(self, user) -> str:
        # A model reviewed before publishing says it itself (review.models.ReviewedModel).
        notice = getattr(self.model, "import_notice", None)
        return notice(user) if notice is not None else ""

    def run(self, job, stream, *, commit: bool, user, progress) -> Outcome:
        data = stream.read()  # a ledger file is at most MAX_UPLOAD_BYTES; the reader wants it whole
        input_format = self.input_format(job)
        try:
            check_upload(io.BytesIO(data), input_format.get_title())
        except ImportRefused as refusal:
            raise FileRefused(str(refusal)) from None
        label = self.model._meta.label
        try:
            dataset = parse_in_child(input_format.create_dataset, data)
        except ParseFailed as failure:
            log_import_error(label, None, failure)
            raise FileRefused(str(failure)) from None
        except Exception as error:
            log_import_error(label, None, error)
            detail = str(error) if isinstance(error, ValueError) else ""
            raise FileRefused(
                _(
                    "The file could not be read as the chosen format. Upload an xlsx or csv file "
                    "exported from this portal. %(detail)s"
                )
                % {"detail": detail}
            ) from None
        del data
        progress(0, len(dataset))
        resource = self.resource_class(user=user)
        resource.on_row = lambda number: number % PROGRESS_EVERY == 0 and progress(number)
        options = {
            "dry_run": not commit,
            "raise_errors": False,
            "use_transactions": True,
            "rollback_on_validation_errors": True,
            "file_name": job.file_name,
            "user": user,
            "retain_instance_in_row_result": commit,
        }
        if commit:
            # One revision of the rows' history for the whole import, by the uploader (the worker
            # runs outside any request, so RevisionMiddleware does not make it); a refused
            # import, rolled back, leaves none.
            try:
                with import_revision(user, _("Imported from “%(file)s”.") % {"file": job.file_name}):
                    result = resource.import_data(dataset, **options)
                    if result.has_errors() or result.has_validation_errors():
                        raise _RolledBack(result)
            except _RolledBack as rolled_back:
                result = rolled_back.result
        else:
            result = resource.import_data(dataset, **options)
        errors = self._errors(resource, result)
        refused = bool(errors) or result.has_errors() or result.has_validation_errors()
        totals = result.totals
        # A refused file changes nothing: no row of it is new, updated or "unchanged".
        outcome = Outcome(
            rows=len(dataset),
            new=0 if refused else totals.get(RowResult.IMPORT_TYPE_NEW, 0),
            updated=0 if refused else totals.get(RowResult.IMPORT_TYPE_UPDATE, 0),
            unchanged=0 if refused else totals.get(RowResult.IMPORT_TYPE_SKIP, 0),
            errors=errors,
            error_count=max(len(errors), 1) if refused else 0,
            preview={} if commit else self._preview(result),
        )
        if commit and not refused:
            outcome.committed = True
            self._log_entries(result, user)
            post_import.send(sender=None, model=self.model)
        return outcome

    def _errors(self, resource, result) -> list[list]:
        """[line, message] pairs: the library's errors and each refused row's messages by column,
        each line numbered as the spreadsheet shows it (the header is row 1)."""
        described = []
        errors = [(None, error) for error in result.base_errors]
        errors += [(line, error) for line, row_errors in result.row_errors() for error in row_errors]
        for line, error in errors:
            # The traceback goes to the log (no cell in it); the importer reads our explanation.
            log_import_error(self.model._meta.label, line, error.error)
            described.append([sheet_row(line), user_facing_message(error.error)])
        columns = {}
        for name, column in resource.fields.items():
            columns.setdefault(column.attribute, column.column_name)
            columns[name] = column.column_name
        for row in result.invalid_rows:
            for key, messages in row.field_specific_errors.items():
                column = columns.get(key, key)
                described += [[sheet_row(row.number), f"{column}: {message}"] for message in messages]
            described += [[sheet_row(row.number), message] for message in row.non_field_specific_errors]
        return described

    @staticmethod
    def _preview(result) -> dict:
        rows = []
        for row in result.rows:
            if len(rows) >= PREVIEW_ROWS:
                break
            if (
                row.import_type in (RowResult.IMPORT_TYPE_ERROR, RowResult.IMPORT_TYPE_INVALID)
                or not row.diff
            ):
                continue
            rows.append([row.import_type, [str(cell) for cell in row.diff]])
        return {"headers": [str(header) for header in result.diff_headers], "rows": rows}

    def _log_entries(self, result, user) -> None:
        """The admin's history of each imported row, as a save in the admin would leave it."""
        flags = {
            RowResult.IMPORT_TYPE_NEW: ADDITION,
            RowResult.IMPORT_TYPE_UPDATE: CHANGE,
            RowResult.IMPORT_TYPE_DELETE: DELETION,
        }
        if user is None:
            return
        for import_type, flag in flags.items():
            instances = [
                row.instance
                for row in result.rows
                if row.import_type == import_type and getattr(row, "instance", None) is not None
            ]
            if instances:
                LogEntry.objects.log_actions(
                    user.pk,
                    instances,
                    flag,
                    change_message=_("Imported from a spreadsheet."),
                    single_object=len(instances) == 1,
                )


class OfficeLedgerEngine(LedgerEngine):
    """A ledger of the office's own (the units): whoever sees only their own units imports none."""

    def may_import(self, user) -> bool:
        opts = self.model._meta
        return bool(
            user
            and user.is_active
            and sees_all_units(user)
            and user.has_perm(f"{opts.app_label}.add_{opts.model_name}")
            and user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
        )


class UnitEngine(OfficeLedgerEngine):
    """The units (单位) as a sheet: the office adds the departments a catalogue names in one file."""

    def __init__(self, model):
        from .resources import UnitResource

        super().__init__(model, UnitResource)


class _RolledBack(Exception):
    def __init__(self, result):
        super().__init__()
        self.result = result


def _engine_for(model, value) -> "ImportEngine":
    target = import_string(value) if isinstance(value, str) else value
    if isinstance(target, type) and issubclass(target, Resource):
        return LedgerEngine(model, target)
    if isinstance(target, type) and issubclass(target, ImportEngine):
        return target(model)
    if isinstance(target, ImportEngine):
        return target
    raise TypeError(f"import_engines[{model._meta.label}]: {value!r} is neither a resource nor an engine")


def collect() -> dict[str, "ImportEngine"]:
    """Every app's ``import_engines``, keyed by model label (lower case)."""
    _engines.clear()
    for config in apps.get_app_configs():
        for label, value in getattr(config, "import_engines", {}).items():
            model = apps.get_model(label)
            engine = _engine_for(model, value)
            _engines[engine.key] = engine
    return _engines


def engine_for(model) -> "ImportEngine | None":
    """The engine importing into ``model`` (a model class, or its content type)."""
    if hasattr(model, "model_class"):
        model = model.model_class()
    if model is None:
        return None
    return _engines.get(model._meta.label_lower)


def all_engines() -> list["ImportEngine"]:
    return list(_engines.values())


def check_engines(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every app's declared engine loads (a typo would only show at the first upload)."""
    problems = []
    for config in apps.get_app_configs():
        for label, value in getattr(config, "import_engines", {}).items():
            try:
                _engine_for(apps.get_model(label), value)
            except Exception as error:  # noqa: BLE001 - reported as a check, whatever it is
                problems.append(
                    checks.Error(f"{config.label}.import_engines[{label!r}]: {error}", id="imports.E002")
                )
    return problems
