"""The shared import/export base for every ledger a user keeps in a spreadsheet.

Conventions: fixed Chinese column headers (the file format does not change with
the interface language), choices and yes/no written as Chinese words, numbers
and dates kept as numbers and dates, text cells that a spreadsheet would run as
a formula neutralised, a file with unknown columns or without a required one refused,
and rows limited to the importing user's units.

A clerk's own sheet imports too: it may leave out every column but the few a record
cannot exist without (``required_columns``), and its rows then keep what they have; a
blank cell of a column whose model field has a default (是否免费, 跑动次数) is not
stated either. Without a 编号 a row finds its record by its natural key (``natural_key``,
e.g. 事项编码), and a file written by hand may name a column as clerks do (``column_aliases``).
"""

import datetime
import decimal
import time

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV
from import_export.instance_loaders import CachedInstanceLoader
from import_export.results import RowResult

from review import service as review
from units.models import Unit
from units.scoping import scope_queryset, sees_all_units, unit_path_of

from .rules import (  # noqa: F401  (neutralise_formula and restore_neutralised: the old import path)
    FORMULA_TRIGGERS,
    UNSTORABLE_IN_SPREADSHEETS,
    UnitCheck,
    allow_csv_fields_up_to,
    cell_problems,
    check_headers,
    decode_csv,
    neutralise_formula,
    restore_neutralised,
    sheet_row,
    stale_version_problem,
)

FILE_LANGUAGE = "zh-hans"


class ChineseCSV(CSV):
    """CSV import that reads UTF-8 (with or without BOM) and GB18030.

    Excel and WPS on Chinese Windows save CSV as GBK/GB18030, which is a subset
    of what GB18030 decodes; the file is read as bytes and decoded here.
    """

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = self.decode(in_stream)
        # Whatever the portal exports it reads back, long cells included.
        allow_csv_fields_up_to(settings.MAX_UPLOAD_BYTES)
        return super().create_dataset(in_stream, **kwargs)

    @classmethod
    def decode(cls, data: bytes) -> str:
        return decode_csv(data)  # ImportRefused is a ValueError, explained to the user


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a spreadsheet turns "2021" typed in a text column into 2021.0
        return restore_neutralised(str(value).strip())


class ChoiceWidget(widgets.Widget):
    """Writes a choice's Chinese label; reads the label or the stored value."""

    def __init__(self, choices, allow_blank=False, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        self.allow_blank = allow_blank

    def _labels(self):
        # Built once per widget (an import asks on every row); the file's language is fixed.
        if getattr(self, "_label_cache", None) is None:
            with translation.override(FILE_LANGUAGE):
                self._label_cache = {value: str(label) for value, label in self.choices}
        return self._label_cache

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text and self.allow_blank:
            return ""
        labels = self._labels()
        for stored, label in labels.items():
            if text in (stored, label):
                return stored
        raise ValueError(
            _("“%(value)s” is not one of: %(allowed)s")
            % {"value": text, "allowed": "、".join(labels.values())}
        )

    def render(self, value, obj=None, **kwargs):
        return self._labels().get(value, value or "")


class YesNoWidget(widgets.Widget):
    YES, NO = "是", "否"
    TRUE_WORDS = {"是", "1", "true", "yes", "y", "公开"}
    FALSE_WORDS = {"否", "0", "false", "no", "n", "", "不公开"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip().lower()
        if text in self.TRUE_WORDS:
            return True
        if text in self.FALSE_WORDS:
            return False
        raise ValueError(_("“%(value)s” must be 是 or 否") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return self.YES if value else self.NO


class DateWidget(widgets.Widget):
    """Dates as real spreadsheet dates; text accepted as 2021-06-30, 2021/6/30 or 2021年6月30日."""

    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        for fmt in self.FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(_("“%(value)s” is not a date; write it as 2021-06-30") % {"value": text})

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return "" if not kwargs.get("force_native_type") else None
        return value if kwargs.get("force_native_type") else value.isoformat()


class DecimalWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            return decimal.Decimal(str(value).strip().replace(",", ""))
        except decimal.InvalidOperation:
            raise ValueError(_("“%(value)s” is not a number") % {"value": value}) from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        return float(value) if kwargs.get("force_native_type") else str(value)


class IntegerWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            number = decimal.Decimal(str(value).strip().replace(",", ""))
        except decimal.InvalidOperation:
            raise ValueError(_("“%(value)s” is not a whole number") % {"value": value}) from None
        if number != number.to_integral_value():
            raise ValueError(_("“%(value)s” is not a whole number") % {"value": value})
        return int(number)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None if kwargs.get("force_native_type") else ""
        return value if kwargs.get("force_native_type") else str(value)


class RowIdWidget(widgets.Widget):
    """The row id column: blank for a new row; anything unreadable matches no row."""

    def clean(self, value, row=None, **kwargs):
        try:
            return int(decimal.Decimal(str(value).strip()))
        except (decimal.InvalidOperation, ValueError, TypeError):
            return None

    def render(self, value, obj=None, **kwargs):
        return value if kwargs.get("force_native_type") else str(value or "")


class NamedForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related row's name, with a Chinese error for unknown names."""

    def __init__(self, model, field="name", label="", **kwargs):
        super().__init__(model, field=field, **kwargs)
        self.label = label
        # Names found so far: a ledger names the same few units and rounds on every
        # row. Resources deep-copy their fields, so this lasts one import.
        self._found = {}

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else restore_neutralised(str(value).strip())
        if not text:
            return None
        if text not in self._found:
            try:
                self._found[text] = self.get_queryset(value, row, **kwargs).get(**{self.field: text})
            except self.model.DoesNotExist:
                raise ValueError(
                    _("%(label)s “%(value)s” does not exist") % {"label": self.label, "value": text}
                ) from None
        return self._found[text]


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class LedgerInstanceLoader(CachedInstanceLoader):
    """Finds each row's record in one query by its 编号, and for the rows without one, in a
    second query by the resource's natural key (``LedgerResource.natural_key``).

    Records are looked up by natural key in every unit, so that a code of another unit's
    record is refused as that unit's, not taken for a new record.
    """

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.by_natural_key = {}
        key_field = resource.natural_key_field()
        if key_field is None or key_field.column_name not in (dataset.headers or []):
            return
        keys = dataset.get_col(dataset.headers.index(key_field.column_name))
        if resource.id_column in dataset.headers:
            ids = dataset.get_col(dataset.headers.index(resource.id_column))
            keys = [key for key, row_id in zip(keys, ids, strict=True) if is_blank(row_id)]
        wanted = {resource.natural_key_value(key) for key in keys} - {""}
        if wanted:
            for instance in resource.records_in_every_unit().filter(**{f"{key_field.attribute}__in": wanted}):
                self.by_natural_key[resource.natural_key_value(key_field.get_value(instance))] = instance


class LedgerResource(resources.ModelResource):
    """Base of every ledger resource; the rules themselves are in ``imports.rules``.

    Subclasses declare their columns as ``fields.Field`` with Chinese
    ``column_name``s; the owning unit is found through the model QuerySet's ``unit_path``. A
    ledger of a ``LockVersionedModel`` lists "version" in ``Meta.fields``: its
    rows are exported with their version, and a row changed by someone else
    since the export is refused instead of overwritten.

    What a file written by hand may leave out is declared per resource:
    ``required_columns`` (headers; empty: every column), ``natural_key`` (the field
    that finds a row's record when the file gives no 编号) and ``column_aliases``
    (another name clerks give a column → its header).
    """

    id_column = "编号"
    version_column = "版本"
    required_columns: tuple[str, ...] = ()
    natural_key: str | None = None
    column_aliases: dict[str, str] = {}
    id = fields.Field(attribute="id", column_name="编号", widget=RowIdWidget())
    version = fields.Field(attribute="version", column_name="版本", widget=IntegerWidget(), readonly=True)

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.unit_check = UnitCheck(user)
        if self.natural_key and not issubclass(self._meta.instance_loader_class, LedgerInstanceLoader):
            raise ImproperlyConfigured(f"{type(self).__name__}: a natural key needs LedgerInstanceLoader")

    def may_touch(self, unit) -> bool:
        """Whether the importing user may write rows of ``unit``."""
        return self.unit_check.allows(unit.pk)

    @property
    def unit_path(self) -> str:
        """The lookup to the owning unit, as the model's QuerySet declares it."""
        return unit_path_of(self._meta.model) or "unit"

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.user is None or getattr(self, "_in_every_unit", False):
            return queryset
        return scope_queryset(queryset, self.user, self.unit_path)

    def records_in_every_unit(self):
        """The resource's queryset (its joins and annotations) without the unit scoping."""
        self._in_every_unit = True
        try:
            return self.get_queryset()
        finally:
            self._in_every_unit = False

    def expected_columns(self) -> list[str]:
        return [field.column_name for field in self.get_export_fields()]

    def checks_versions(self) -> bool:
        return "version" in self.fields

    def natural_key_field(self) -> fields.Field | None:
        return self.fields[self.natural_key] if self.natural_key else None

    def natural_key_value(self, value) -> str:
        """A natural key as it is compared; a resource whose keys ignore case says so here."""
        return "" if is_blank(value) else restore_neutralised(str(value).strip())

    def required_headers(self, headers) -> list[str]:
        expected = self.expected_columns()
        required = list(self.required_columns or expected)
        if self.checks_versions() and self.id_column in headers and self.version_column not in required:
            # A file that names rows by their 编号 was exported: its versions tell whether
            # someone changed a row since, and a file without them would overwrite that.
            required.append(self.version_column)
        return [header for header in required if header in expected]

    def before_import(self, dataset, **kwargs):
        headers = [
            self.column_aliases.get(str(h).strip(), str(h).strip()) if h is not None else h
            for h in dataset.headers or []
        ]
        dataset.headers = check_headers(
            dataset.headers or [],
            self.expected_columns(),
            required=self.required_headers(headers),
            aliases=self.column_aliases,
        )
        super().before_import(dataset, **kwargs)

    def get_instance(self, instance_loader, row):
        raw_id = row.get(self.id_column)
        if is_blank(raw_id):
            return self._instance_by_natural_key(instance_loader, row)
        instance = super().get_instance(instance_loader, row)
        if instance is None:
            raise ValidationError(
                _(
                    "Row id %(id)s does not exist or belongs to another unit; leave the id blank to add a new row."
                )
                % {"id": raw_id}
            )
        instance._matched_by_id = True
        return instance

    def _instance_by_natural_key(self, instance_loader, row):
        key_field = self.natural_key_field()
        found = getattr(instance_loader, "by_natural_key", None)
        if key_field is None or found is None or key_field.column_name not in row:
            return None
        key = self.natural_key_value(row.get(key_field.column_name))
        instance = found.get(key)
        if instance is None:
            return None
        seen = instance_loader.__dict__.setdefault("keys_seen", set())
        if key in seen:
            # Both rows would edit the same record, and the later one would silently win.
            raise ValidationError(
                {
                    key_field.column_name: [
                        _("“%(value)s” is on more than one row of the file; keep one row per record.")
                        % {"value": key}
                    ]
                }
            )
        seen.add(key)
        unit = self._unit_of(instance)
        if unit is not None and not self.may_touch(unit):
            # Another unit's record: refused as such, never taken over by naming your own unit.
            raise ValidationError({key_field.column_name: [self.unit_check.refusal(unit)]})
        return instance

    def _unit_of(self, instance):
        unit = instance
        for part in self.unit_path.split("__"):
            unit = getattr(unit, part, None)
        return unit

    def import_data_inner(self, *args, **kwargs):
        # A time budget for the import's background job (imports.tasks): an import
        # that would run longer stops, is rolled back, and says why.
        self._deadline = time.monotonic() + settings.IMPORT_TIME_LIMIT_SECONDS
        self._out_of_time = False
        return super().import_data_inner(*args, **kwargs)

    def _row_past_deadline(self, row_number) -> RowResult | None:
        deadline = getattr(self, "_deadline", None)
        if deadline is None or time.monotonic() <= deadline:
            return None
        result = self.get_row_result_class()()
        if self._out_of_time:
            result.import_type = RowResult.IMPORT_TYPE_SKIP  # one explanation is enough
            return result
        self._out_of_time = True
        result.import_type = RowResult.IMPORT_TYPE_INVALID
        result.validation_error = ValidationError(
            _(
                "The import stopped at row %(row)s: it would take longer than %(seconds)s seconds, "
                "the most one import may take. Nothing was written. Split the file into smaller "
                "files and import them one by one."
            )
            % {"row": sheet_row(row_number), "seconds": f"{settings.IMPORT_TIME_LIMIT_SECONDS:g}"}
        )
        return result

    def import_row(self, row, instance_loader, **kwargs):
        past_deadline = self._row_past_deadline(kwargs.get("row_number"))
        if past_deadline is not None:
            return past_deadline
        if getattr(self, "on_row", None) is not None:
            self.on_row(kwargs.get("row_number"))  # the import job's progress (imports.tasks)
        self._cell_problems = cell_problems(row)
        for column, _message in self._cell_problems:
            # The row is refused; the rest of it is still checked, without the
            # character a database query would choke on.
            row[column] = row[column].replace("\x00", "")
        return super().import_row(row, instance_loader, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        errors = {column: [message] for column, message in getattr(self, "_cell_problems", [])}
        # Kept for validate_instance, which runs only for rows that would change.
        instance._file_version = row.get(self.version_column)
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def keeps_default_when_blank(self, field) -> bool:
        """Whether a blank cell of ``field`` leaves the record's value as it is: a column whose
        model field cannot be empty and has a default (a blank 是否免费 is not 否, a blank 跑动次数
        is not "no visits"); a new record then has the default. A blank date or batch means none."""
        if not field.attribute or "__" in field.attribute:
            return False
        try:
            model_field = self._meta.model._meta.get_field(field.attribute)
        except FieldDoesNotExist:  # a column that is not a model field (a progress column)
            return False
        return not model_field.null and model_field.has_default() and not model_field.primary_key

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if (
            field.column_name in row
            and is_blank(row[field.column_name])
            and self.keeps_default_when_blank(field)
        ):
            return
        # A text column's stored value, read without a descriptor (a relation's would query).
        before = instance.__dict__.get(field.attribute) if field.attribute and not is_m2m else None
        super().import_field(field, instance, row, is_m2m, **kwargs)
        if isinstance(before, str) and UNSTORABLE_IN_SPREADSHEETS.search(before):
            # The export left out the control characters a spreadsheet cannot hold; the same
            # text without them, read back, is the stored text unchanged (not an edit to
            # write, or to send for review).
            if instance.__dict__.get(field.attribute) == UNSTORABLE_IN_SPREADSHEETS.sub("", before):
                setattr(instance, field.attribute, before)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        unit = self._unit_of(instance)
        if unit is not None and not self.may_touch(unit):
            errors.setdefault(self.unit_path.split("__")[0], []).append(self.unit_check.refusal(unit))
        if self.checks_versions() and not instance._state.adding and self._version_checked(instance):
            # A row that matches the database is skipped before this; this one would
            # change, so it must start from the version now in the database.
            problem = stale_version_problem(getattr(instance, "_file_version", None), instance.version)
            if problem:
                errors.setdefault(self.version_column, []).append(problem)
        super().validate_instance(instance, errors, validate_unique)

    @staticmethod
    def _version_checked(instance) -> bool:
        """A row found by its 编号 came from an export and must carry its version; a row found by
        its natural key is checked if its file gives a version (a clerk's sheet has none)."""
        return getattr(instance, "_matched_by_id", False) or not is_blank(
            getattr(instance, "_file_version", None)
        )

    def save_instance(self, instance, is_create, row, **kwargs):
        if self.checks_versions() and not is_create:
            # The rows were read at the start of the import; lock this one and make
            # sure nobody saved it since (PostgreSQL: until the import commits).
            current = (
                type(instance)
                ._default_manager.select_for_update()
                .filter(pk=instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            problem = stale_version_problem(instance.version, current)
            if problem:
                raise ValidationError({self.version_column: [problem]})
        self.save_reviewed(
            instance, lambda: super(LedgerResource, self).save_instance(instance, is_create, row, **kwargs)
        )

    def save_reviewed(self, instance, save=None, kind=None) -> None:
        """Save a row of the file by the review rules (``review.service``): an editor's new row
        waits for the office, and an editor's change of an approved row is a submission."""
        save = save or instance.save
        if not review.is_reviewed(instance) or review.publishes_directly(self.user):
            save()
        elif instance._state.adding or not instance.is_approved:
            review.save_new(instance, self.user, kind=kind or review.Kind.NEW, save=save)
        else:
            review.submit_change(instance, self.user, review.changed_from_database(instance))

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and not isinstance(
            field.widget, (IntegerWidget, DecimalWidget, DateWidget)
        ):
            return neutralise_formula(value)
        return value


def column(attribute, header, widget=None, **kwargs) -> fields.Field:
    """A ledger column: model attribute, fixed Chinese header, widget."""
    return fields.Field(attribute=attribute, column_name=header, widget=widget or TextWidget(), **kwargs)


class UnitResource(LedgerResource):
    """The units (单位) as a spreadsheet: the office adds the departments a catalogue names
    in one file. A row without 编号 is the unit of that name."""

    name = column("name", "单位名称")
    kind = column("kind", "类型", ChoiceWidget(Unit.Kind.choices))
    sort_order = column("sort_order", "排序", IntegerWidget())
    is_active = column("is_active", "启用", YesNoWidget())

    required_columns = ("单位名称", "类型")
    natural_key = "name"

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "sort_order", "is_active"]
        import_id_fields = ["id"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        instance_loader_class = LedgerInstanceLoader

    def get_queryset(self):
        # Units are not kept by a unit: whoever does not see every unit imports none.
        queryset = self._meta.model._default_manager.all()
        return queryset if self.user is None or sees_all_units(self.user) else queryset.none()

    def records_in_every_unit(self):
        return self.get_queryset()
