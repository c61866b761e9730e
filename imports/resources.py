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
import functools
import gc
import json
import operator
import re
import time
from collections import OrderedDict

import reversion
from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    ImproperlyConfigured,
    ValidationError,
)
from django.db import DatabaseError, connections, models, transaction
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.functions import Lower, Upper
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV
from import_export.instance_loaders import CachedInstanceLoader, ModelInstanceLoader
from import_export.results import RowResult
from import_export.utils import atomic_if_using_transaction

from review import service as review
from units.models import LockVersionedModel, Unit, rows_written_in_bulk
from units.public_pages import public_data_changed
from units.scoping import scope_queryset, sees_all_units, unit_path_of

from . import history
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
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


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

    def _readings(self):
        # Stored value or label → stored value; a label equal to another choice's stored
        # value reads as the first choice that has it, as the choices are listed.
        if getattr(self, "_reading_cache", None) is None:
            readings = {}
            for stored, label in self._labels().items():
                readings.setdefault(stored, stored)
                readings.setdefault(label, stored)
            self._reading_cache = readings
        return self._reading_cache

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text and self.allow_blank:
            return ""
        readings = self._readings()
        if text in readings:
            return readings[text]
        labels = self._labels()
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
        if ISO_DATE.fullmatch(text):
            # What the first format reads, without strptime's cost (a column of every row).
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                pass
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


class _Unknown(Exception):
    """A constraint this module cannot evaluate in Python: the database is asked."""


_COMPARISONS = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def _field_value(instance, name, exclude):
    """A field's value for a constraint, by name or attname; an excluded field ends the check
    (as Django's does: the constraint is not validated)."""
    field = instance._meta.get_field(name)
    if field.name in exclude:
        raise _Excluded
    return getattr(instance, field.attname)


class _Excluded(Exception):
    pass


def _operand(instance, value, exclude):
    if isinstance(value, models.F):
        return _field_value(instance, value.name, exclude)
    if hasattr(value, "resolve_expression"):
        raise _Unknown
    return value


def _lookup_holds(instance, lookup: str, value, exclude):
    """SQL's answer for one lookup of a Q: True, False or None (NULL)."""
    name, _sep, kind = lookup.partition("__")
    kind = kind or "exact"
    if "__" in kind:
        raise _Unknown  # across a relation
    left = _field_value(instance, name, exclude)
    if kind == "isnull":
        return (left is None) == bool(value)
    right = _operand(instance, value, exclude)
    if kind == "in":
        if left is None:
            return None
        return left in right
    compare = _COMPARISONS.get(kind)
    if compare is None:
        raise _Unknown
    if left is None or right is None:
        return None
    return compare(left, right)


def _q_holds(instance, q, exclude):
    """A Q over the instance's own fields in SQL's three-valued logic (None: NULL)."""
    results = []
    for child in q.children:
        if isinstance(child, models.Q):
            results.append(_q_holds(instance, child, exclude))
        elif isinstance(child, tuple):
            results.append(_lookup_holds(instance, child[0], child[1], exclude))
        else:
            raise _Unknown
    if q.connector == models.Q.AND:
        answer = False if False in results else (None if None in results else True)
    elif q.connector == models.Q.OR:
        answer = True if True in results else (None if None in results else False)
    else:
        raise _Unknown
    if q.negated:
        answer = None if answer is None else not answer
    return answer


def check_constraint_may_fail(instance, constraint, exclude) -> bool:
    """Whether ``constraint`` (a CheckConstraint) may refuse the instance: False when Python
    shows it holds (NULL holds, as in the database), True when it fails or cannot be told."""
    try:
        return _q_holds(instance, constraint.condition, exclude) is False
    except _Excluded:
        return False
    except (_Unknown, FieldDoesNotExist, TypeError):
        return True


def _simple_or(constraint, model):
    """For the usual form of a check, ``Q(a__lookup=v) | Q(b__lookup=w) | …`` over plain
    values or F()s of the model's own fields: [(attname, name, test)], test(value, instance)
    answering True, False or None (NULL); else None."""
    condition = constraint.condition
    if condition.connector != models.Q.OR or condition.negated:
        return None
    terms = []
    for child in condition.children:
        if not isinstance(child, tuple):
            return None
        lookup, value = child
        name, _sep, kind = lookup.partition("__")
        kind = kind or "exact"
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not field.concrete or (kind not in _COMPARISONS and kind != "isnull"):
            return None
        if kind == "isnull":
            wanted = bool(value)
            terms.append((field.attname, field.name, lambda v, i, wanted=wanted: (v is None) == wanted))
            continue
        compare = _COMPARISONS[kind]
        if isinstance(value, models.F):
            try:
                other = model._meta.get_field(value.name)
            except FieldDoesNotExist:
                return None
            if not other.concrete:
                return None

            def test(v, instance, compare=compare, other=other):
                w = getattr(instance, other.attname)
                return None if v is None or w is None else compare(v, w)

            terms.append((field.attname, (field.name, other.name), test))
        elif hasattr(value, "resolve_expression"):
            return None
        else:
            terms.append(
                (
                    field.attname,
                    field.name,
                    lambda v, i, value=value, compare=compare: None if v is None else compare(v, value),
                )
            )
    return terms


class CheckConstraints:
    """A model's check constraints, told in Python where they can be (see above)."""

    def __init__(self, model, constraints=None):
        # The constraints the model validates (a model may leave some to its clean()).
        self.unknown = False
        if constraints is None:
            constraints = []
            for model_class, found in model().get_constraints():
                if model_class is not model:
                    self.unknown = True
                constraints += found
        self.checks = [
            (c, _simple_or(c, model)) for c in constraints if isinstance(c, models.CheckConstraint)
        ]

    def may_fail(self, instance, exclude) -> bool:
        if self.unknown:
            return True
        for constraint, terms in self.checks:
            if terms is None:
                if check_constraint_may_fail(instance, constraint, exclude):
                    return True
                continue
            unknown = False
            for attname, names, test in terms:
                if (names in exclude) if isinstance(names, str) else any(n in exclude for n in names):
                    break  # an excluded field: Django does not check the constraint either
                try:
                    answer = test(getattr(instance, attname), instance)
                except TypeError:
                    return True
                if answer:
                    break
                if answer is None:
                    unknown = True
            else:
                if not unknown:
                    return True
        return False


def _python_expression(expression):
    """(field name, Python function) for a unique expression over one field, else _Unknown."""
    if hasattr(expression, "get_expression_for_validation"):
        expression = expression.get_expression_for_validation()
    if isinstance(expression, models.F):
        return expression.name, lambda value: value
    for kind, apply in ((Upper, str.upper), (Lower, str.lower)):
        if type(expression) is kind:
            (inner,) = expression.get_source_expressions()
            if isinstance(inner, models.F):
                return inner.name, lambda value, apply=apply: None if value is None else apply(str(value))
    raise _Unknown


class UniqueKeys:
    """The unique checks of a model (unique fields, unique_together, UniqueConstraint) as keys
    computed in Python, so that a batch of rows is checked against the database in one query
    per check instead of one per row. A check that cannot be computed here is None: every row
    is then checked by the model itself."""

    def __init__(self, model):
        self.model = model
        self.checks = []  # (name, [field names], [Python functions] or None for fields)
        self.unknown = False
        unique_checks, date_checks = model()._get_unique_checks(include_meta_constraints=False)
        for model_class, names in unique_checks:
            if model_class is not model:
                self.unknown = True
            elif names != (model._meta.pk.name,):
                self.checks.append((f"fields:{','.join(names)}", list(names), None))
        if date_checks:
            self.unknown = True  # unique_for_date
        validated = []
        for model_class, constraints in model().get_constraints():
            if model_class is not model:
                self.unknown = True
            validated += constraints
        for constraint in validated:
            if isinstance(constraint, models.CheckConstraint):
                continue
            if not isinstance(constraint, models.UniqueConstraint) or constraint.condition is not None:
                self.unknown = True
                continue
            if constraint.nulls_distinct is False:
                self.unknown = True
                continue
            if constraint.fields:
                if any(model._meta.get_field(name).generated for name in constraint.fields):
                    self.unknown = True
                    continue
                self.checks.append((constraint.name, list(constraint.fields), None))
            else:
                try:
                    pairs = [_python_expression(e) for e in constraint.expressions]
                except _Unknown:
                    self.unknown = True
                    continue
                self.checks.append((constraint.name, [n for n, _f in pairs], [f for _n, f in pairs]))

    def keys(self, instance, exclude) -> list:
        """The instance's (check, values) keys; a key with a NULL cannot collide."""
        keys = []
        empty_is_null = connections[
            instance._state.db or "default"
        ].features.interprets_empty_strings_as_nulls
        attnames = self._attnames()
        for name, field_names, functions in self.checks:
            if exclude and any(field_name in exclude for field_name in field_names):
                continue
            values = []
            for i, attname in enumerate(attnames[name]):
                value = getattr(instance, attname)
                if functions is not None:
                    value = functions[i](value)
                if value is None or (empty_is_null and value == ""):
                    break
                values.append(value)
            else:
                keys.append((name, tuple(values)))
        return keys

    def _attnames(self) -> dict:
        known = self.__dict__.get("_attnames_by_check")
        if known is None:
            get = self.model._meta.get_field
            known = self._attnames_by_check = {
                name: [get(field_name).attname for field_name in field_names]
                for name, field_names, _functions in self.checks
            }
        return known

    def stored(self, instances) -> dict:
        """{key: pk} of the stored rows holding any key of ``instances``: one query per check."""
        wanted = {}
        for instance in instances:
            for key in self.keys(instance, ()):
                wanted.setdefault(key[0], set()).add(key[1])
        found = {}
        manager = self.model._default_manager
        for name, field_names, functions in self.checks:
            values = wanted.get(name)
            if not values:
                continue
            attnames = [self.model._meta.get_field(n).attname for n in field_names]
            if functions is None:
                columns = attnames
                queryset = manager.all()
            else:
                check = next(c for c in self.model._meta.constraints if c.name == name)
                columns = [f"_unique_key_{i}" for i in range(len(field_names))]
                queryset = manager.annotate(**dict(zip(columns, check.expressions, strict=True)))
            # Every column narrowed to the batch's values: a column alone may match many rows
            # (every project of the round), the columns together few more than the collisions.
            narrowed = {f"{column}__in": {v[i] for v in values} for i, column in enumerate(columns)}
            for pk, *row in queryset.filter(**narrowed).values_list("pk", *columns):
                found[(name, tuple(row))] = pk
        return found


def _json_rows(instances, selected) -> list[str] | None:
    """What ``serializers.serialize("json", (instance,), fields=selected)`` writes for each of
    the rows, without its per-row machinery (none for a model with many-to-many fields: the
    serializer then reads them). Each value is written as Django's JSON encoder writes it:
    text escaped by the same C function, dates, times and decimals as DjangoJSONEncoder
    writes them, anything else by the encoder itself."""
    from django.core.serializers.json import DjangoJSONEncoder
    from django.utils.encoding import is_protected_type

    meta = type(instances[0])._meta.concrete_model._meta
    if any(field.serialize for field in meta.local_many_to_many):
        return None
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    text = json.encoder.encode_basestring  # what the encoder uses when ensure_ascii is off
    as_text = encoder.default
    writers = {
        str: text,
        int: int.__repr__,
        bool: lambda value: "true" if value else "false",
        type(None): lambda value: "null",
        datetime.date: lambda value: f'"{value.isoformat()}"',
        decimal.Decimal: lambda value: f'"{value}"',
        datetime.datetime: lambda value: text(as_text(value)),
        datetime.time: lambda value: text(as_text(value)),
    }
    chosen = [
        field
        for field in meta.local_fields
        if field.serialize
        and (
            selected is None
            or (field.attname if field.remote_field is None else field.attname[:-3]) in selected
        )
    ]
    # Field.value_to_string of a text value is the text itself.
    steps = [
        (field.attname, field, type(field).value_to_string is models.Field.value_to_string)
        for field in chosen
    ]
    template = (
        f'[{{"model": {text(str(instances[0]._meta))}, "pk": %s, "fields": {{'
        + ", ".join(f"{text(field.name)}: %s" for field in chosen)
        + "}}]"
    )
    pk = meta.pk
    rows = []
    for obj in instances:
        key = getattr(obj, pk.attname)
        values = [
            encoder.encode(key if is_protected_type(key) else pk.value_to_string(obj))
            if key.__class__ is not int
            else int.__repr__(key)
        ]
        for attname, field, plain in steps:
            value = getattr(obj, attname)
            kind = value.__class__
            if not (kind is str and plain) and not is_protected_type(value):
                value, kind = field.value_to_string(obj), str
            writer = writers.get(kind)
            values.append(writer(value) if writer is not None else encoder.encode(value))
        rows.append(template % tuple(values))
    return rows


def add_versions(instances, model_db) -> None:
    """``reversion.add_to_revision`` for many rows of one model: each row's Version as
    django-reversion builds it (its format, fields and ``follow``), serialised together. Inside
    an import's revision (``imports.history.import_revision``) they are kept there and written
    in bulk; otherwise they go into reversion's block."""
    from reversion.revisions import _current_frame, _get_options

    model = type(instances[0])
    options = _get_options(model)
    if options.format != "json" or options.ignore_duplicates or options.use_natural_foreign_keys:
        for instance in instances:
            reversion.add_to_revision(instance, model_db=model_db)
        return
    for using in list(_current_frame().db_versions):
        history.add(_versions_with_followed(instances, model_db, using, []), using)


def _versions_with_followed(instances, model_db, using, entries, explicit=True) -> list:
    """(content type id, object id, db, format, serialized data, repr) of each row and of what
    its ``follow`` reaches: built whole before any is kept, so that a failed query keeps none."""
    from django.core.serializers.json import DjangoJSONEncoder
    from django.core.serializers.python import Serializer as PythonSerializer
    from reversion.revisions import _follow_relations, _get_content_type, _get_options

    model = type(instances[0])
    options = _get_options(model)
    content_type_id = _get_content_type(model, using).pk
    serialized = _json_rows(instances, options.fields)
    if serialized is None:
        encode = DjangoJSONEncoder(ensure_ascii=False).encode
        dumped = PythonSerializer().serialize(instances, fields=options.fields)
        serialized = [f"[{encode(data)}]" for data in dumped]
    held = set() if explicit else history.held(using) | {(entry[0], entry[1]) for entry in entries}
    for instance, data in zip(instances, serialized, strict=True):
        object_id = str(getattr(instance, options.object_id_field))
        if (content_type_id, object_id) in held:
            continue  # reached by a follow and already there: not added again (reversion's rule)
        entries.append((content_type_id, object_id, model_db, options.format, data, str(instance)))
    relations = [model._meta.get_field(name) for name in options.follow]
    followed = []
    if all(isinstance(relation, models.ManyToOneRel) for relation in relations):
        # The rows each relation reaches, in one query for all the instances.
        by_pk = {instance.pk: instance for instance in instances}
        for relation in relations:
            field = relation.field
            children = relation.related_model._default_manager.filter(**{f"{field.attname}__in": list(by_pk)})
            for child in children:
                # Its row is one of these (as a prefetch would set it): str(child) may read it.
                field.set_cached_value(child, by_pk.get(getattr(child, field.attname)))
                followed.append(child)
    else:
        for instance in instances:
            followed.extend(_follow_relations(instance))
    by_model = {}
    for obj in followed:
        if obj.pk is not None:
            by_model.setdefault(type(obj), {})[obj.pk] = obj
    for objects in by_model.values():
        _versions_with_followed(list(objects.values()), model_db, using, entries, explicit=False)
    return entries


@functools.cache
def _foreign_keys(model) -> tuple:
    return tuple(f for f in model._meta.concrete_fields if f.is_relation and f.many_to_one)


def _snapshot(instance):
    """What ``copy.copy(instance)`` makes (Model.__reduce__), without pickling's round trip."""
    original = instance.__class__.__new__(instance.__class__)
    original.__dict__ = instance.__dict__.copy()
    state = instance._state
    original._state = copied = state.__class__.__new__(state.__class__)
    copied.__dict__ = state.__dict__.copy()
    copied.fields_cache = state.fields_cache.copy()
    return original


class FieldCleaner:
    """``Model.clean_fields`` for the many rows of one import, remembering what each field made
    of a value it cleaned (a ledger repeats its units, categories and dates on every row).

    Only where the answer depends on the value alone: Django's own non-relation fields with
    Django's own validators, and values whose equal ones look alike (text, whole numbers,
    yes/no, dates, decimals with the same digits; not times, equal across zones).
    A value refused is cleaned again each time, so every row gets its own message.
    """

    def __init__(self, model):
        self.model = model
        self.fields = [
            (
                field,
                field.name,
                field.attname,
                field.blank,
                field.empty_values,
                self._depends_on_value_alone(field),
            )
            for field in model._meta.fields
            if not field.generated
        ]
        self.known: dict[tuple, object] = {}
        self.kinds: dict[type, bool] = {}
        self._by_exclude: dict[frozenset, list] = {}

    def _remembers(self, kind) -> bool:
        """Text, whole numbers, yes/no and dates, choices (TextChoices) included."""
        remembered = (
            issubclass(kind, (str, int, datetime.date)) and not issubclass(kind, datetime.datetime)
        ) or kind is decimal.Decimal
        self.kinds[kind] = remembered
        return remembered

    @staticmethod
    def _depends_on_value_alone(field) -> bool:
        return (
            not field.is_relation
            and type(field).__module__.startswith("django.db.models.fields")
            and all(type(v).__module__ == "django.core.validators" for v in field.validators)
        )

    def _fields_without(self, exclude) -> list:
        key = frozenset(exclude)
        fields = self._by_exclude.get(key)
        if fields is None:
            fields = self._by_exclude[key] = [f for f in self.fields if f[1] not in key]
        return fields

    def clean(self, instance, exclude) -> None:
        from django.db.models.expressions import DatabaseDefault

        errors = {}
        known, kinds, missing = self.known, self.kinds, self
        for field, name, attname, blank, empty_values, pure in self._fields_without(exclude):
            raw_value = getattr(instance, attname)
            kind = raw_value.__class__
            if pure and (kinds.get(kind) or (kind not in kinds and self._remembers(kind))):
                if blank and not raw_value and isinstance(raw_value, str):
                    continue  # of these kinds only "" is one of Django's empty values
                # A decimal by its digits too: 1.0 and 1.00 are equal but stored apart.
                key = (attname, kind, raw_value, str(raw_value) if kind is decimal.Decimal else None)
                cleaned = known.get(key, missing)
                if cleaned is not missing:
                    if cleaned is not raw_value:
                        setattr(instance, attname, cleaned)
                    continue
            else:
                key = None
                if blank and raw_value in empty_values:
                    continue
                if isinstance(raw_value, DatabaseDefault):
                    continue
            try:
                cleaned = field.clean(raw_value, instance)
            except ValidationError as e:
                errors[name] = e.error_list
                continue
            setattr(instance, attname, cleaned)
            if key is not None:
                known[key] = cleaned
        if errors:
            raise ValidationError(errors)


class _BatchRow:
    """One row of a batched import between its reading and its result."""

    __slots__ = ("number", "row", "result", "instance", "new", "original", "errors", "diff", "checked")

    def __init__(self, number, row, result):
        self.number, self.row, self.result = number, row, result
        self.instance = self.original = self.diff = None
        self.new, self.errors, self.checked = False, {}, False

    @property
    def pending(self) -> bool:
        """Read, not skipped, not refused: waiting for its checks."""
        return (
            self.instance is not None
            and not self.checked
            and self.result.import_type
            in (
                RowResult.IMPORT_TYPE_NEW,
                RowResult.IMPORT_TYPE_UPDATE,
            )
        )

    def fail(self, error: ValidationError) -> None:
        self.result.import_type = RowResult.IMPORT_TYPE_INVALID
        self.result.validation_error = error
        self.checked = False

    def crash(self, resource, error, row, number) -> None:
        self.result.import_type = RowResult.IMPORT_TYPE_ERROR
        self.result.errors.append(resource.get_error_result_class()(error, row=row, number=number))
        self.checked = False


class LedgerInstanceLoader(CachedInstanceLoader):
    """Finds each row's record in one query by its 编号, and for the rows without one, in a
    second query by the resource's natural key (``LedgerResource.natural_key``).

    Records are looked up by natural key in every unit, so that a code of another unit's
    record is refused as that unit's, not taken for a new record.
    """

    def __init__(self, resource, dataset=None):
        # CachedInstanceLoader's own start builds the whole file as dicts (dataset.dict) twice
        # to read one column; the 编号 column is read alone here, and looked up in slices.
        ModelInstanceLoader.__init__(self, resource, dataset)
        self.pk_field = resource.fields[resource.get_import_id_fields()[0]]
        self.all_instances = {}
        headers = list(dataset.headers or [])
        column = self.pk_field.column_name
        if len(dataset) and column in headers:
            ids = {self.pk_field.clean({column: value}) for value in dataset.get_col(headers.index(column))}
            ids = sorted(i for i in ids if i is not None)
            for start in range(0, len(ids), 5_000):
                queryset = self.get_queryset().filter(
                    **{f"{self.pk_field.attribute}__in": ids[start : start + 5_000]}
                )
                self.all_instances.update(
                    (self.pk_field.get_value(instance), instance) for instance in queryset
                )
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


_READ_FROM_TEXT_ALONE = (ChoiceWidget, YesNoWidget, DateWidget, DecimalWidget, IntegerWidget)
_UNREAD = object()


class _ImportStep:
    """One import column of ``LedgerResource._import_cells``, with what its ``Field`` decides
    the same for every row."""

    __slots__ = (
        "field",
        "column",
        "attribute",
        "keeps_default",
        "plain",
        "own_widget",
        "clean",
        "has_default",
        "empty_values",
        "saves_null_values",
        "text",
        "read",
    )

    def __init__(self, field, keeps_default: bool, model):
        self.field, self.keeps_default = field, keeps_default
        self.column, self.attribute = field.column_name, field.attribute
        # The library's Field.save and Field.clean, unless a column changes them.
        self.plain = (
            type(field).save is fields.Field.save
            and type(field).clean is fields.Field.clean
            and "__" not in field.attribute
            and not field.readonly
        )
        self.own_widget = type(field.widget).__module__ == __name__
        self.clean = field.widget.clean
        # Texts already read, for the widgets whose reading depends on the text alone (a
        # ledger repeats its dates, amounts, choices and yes/no on row after row).
        self.read = {} if type(field.widget) in _READ_FROM_TEXT_ALONE else None
        self.has_default = field.default is not fields.NOT_PROVIDED
        self.empty_values = field.empty_values
        self.saves_null_values = field.saves_null_values
        try:
            model_field = model._meta.get_field(field.attribute)
        except FieldDoesNotExist:
            model_field = None
        # A stored text a spreadsheet may have lost characters of (``import_field``).
        self.text = model_field is None or model_field.get_internal_type() in ("CharField", "TextField")


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
    # Rows read, checked and written in batches (see "Imports in batches" below); a resource
    # whose model's clean() reads other rows of the same import keeps the row-at-a-time import.
    batched_writes = False
    write_batch_size = 500
    # Rows whose diff is built: the import job's preview shows the first 20 (imports.engines.PREVIEW_ROWS).
    diff_rows = 20
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

    def import_data_inner(
        self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
    ):
        # A time budget for the import's background job (imports.tasks): an import
        # that would run longer stops, is rolled back, and says why.
        self._deadline = time.monotonic() + settings.IMPORT_TIME_LIMIT_SECONDS
        self._out_of_time = False
        if not self.batched_writes:
            return super().import_data_inner(
                dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
            )
        # The rows, their results and history stay alive until the import ends, and Python's
        # cycle collector would walk all of them again and again (an import of 20,000 rows
        # spent more time there than in reading them): paused for the import, as it creates
        # no garbage cycles worth collecting before it ends.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._import_in_batches(
                dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
            )
        finally:
            if collecting:
                gc.enable()

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

    def _begin_row(self, row, row_number) -> RowResult | None:
        """What every row goes through first: the time budget, the job's progress, the cells."""
        past_deadline = self._row_past_deadline(row_number)
        if past_deadline is not None:
            return past_deadline
        if getattr(self, "on_row", None) is not None:
            self.on_row(row_number)  # the import job's progress (imports.tasks)
        self._cell_problems = cell_problems(row)
        for column, _message in self._cell_problems:
            # The row is refused; the rest of it is still checked, without the
            # character a database query would choke on.
            row[column] = row[column].replace("\x00", "")
        return None

    def import_row(self, row, instance_loader, **kwargs):
        past_deadline = self._begin_row(row, kwargs.get("row_number"))
        if past_deadline is not None:
            return past_deadline
        return super().import_row(row, instance_loader, **kwargs)

    # Imports in batches ------------------------------------------------------------------
    # The library imports a row at a time: a savepoint, a deep copy, a diff, the uniqueness
    # and constraint queries and a save() (with its signals and its history entry) per row.
    # A resource with ``batched_writes`` reads and checks each row as the library does, and
    # then, per batch of ``write_batch_size`` rows, asks the database once per unique check,
    # writes the new rows with one bulk_create and the changed ones with one bulk_update,
    # counts their versions in SQL and adds them to the import's revision. What a row-at-a-time
    # import would answer is kept: a row that might collide with a stored row or an earlier
    # row of the file is checked by the model itself once the earlier rows are written. Rows
    # an editor's import sends for review, and models whose save() does more than
    # ``LockVersionedModel.prepare_save``, are saved one by one as before.

    def _import_in_batches(
        self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
    ):
        result = self.get_result_class()()
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(dataset)
        db = self.get_db_connection_name()
        try:
            with atomic_if_using_transaction(using_transactions, using=db):
                self.before_import(dataset, **kwargs)
            self._check_import_id_fields(dataset.headers)
        except Exception as e:
            self.handle_import_error(result, e, raise_errors)
        instance_loader = self._meta.instance_loader_class(self, dataset)
        result.total_rows = len(dataset)
        if collect_failed_rows:
            result.add_dataset_headers(dataset.headers)
        if not self._meta.store_instance:
            self._meta.store_instance = kwargs.get("retain_instance_in_row_result", False)
        kwargs.update({"dry_run": dry_run, "using_transactions": using_transactions})
        self._unique_keys = UniqueKeys(self._meta.model)
        self._check_constraints = CheckConstraints(self._meta.model)
        self._written_models = set()
        headers = dataset.headers
        batch = []
        for number, data_row in enumerate(dataset, 1):
            kwargs["row_number"] = number
            batch.append(
                self._read_row(
                    OrderedDict(zip(headers, data_row, strict=False)), instance_loader, number, kwargs
                )
            )
            if len(batch) >= self.write_batch_size:
                self._finish_batch(batch, result, raise_errors, collect_failed_rows, kwargs)
                batch = []
        self._finish_batch(batch, result, raise_errors, collect_failed_rows, kwargs)
        if self._written_models:
            # Once for the whole import, in place of each row's post_save (none was sent).
            public_data_changed(*sorted(self._written_models, key=lambda m: m._meta.label), using=db)
        try:
            with atomic_if_using_transaction(using_transactions, using=db):
                self.after_import(dataset, result, **kwargs)
        except Exception as e:
            self.handle_import_error(result, e, raise_errors)
        return result

    def _read_row(self, row, instance_loader, number, kwargs) -> "_BatchRow":
        """The row's record found (or begun) and the row's cells set on it; not yet checked."""
        done = self._begin_row(row, number)
        item = _BatchRow(number, row, done or self.get_row_result_class()())
        if done is not None:
            return item
        row_result = item.result
        if self._meta.store_row_values:
            row_result.row_values = row
        try:
            self.before_import_row(row, **kwargs)
            instance, new = self.get_or_init_instance(instance_loader, row)
            self.after_init_instance(instance, new, row, **kwargs)
            row_result.import_type = RowResult.IMPORT_TYPE_NEW if new else RowResult.IMPORT_TYPE_UPDATE
            # A shallow copy keeps what skip_row compares: importing sets attributes, it does
            # not change the values in place.
            original = _snapshot(instance)
            if number <= self.diff_rows and not self._meta.skip_diff:
                item.diff = self.get_diff_class()(self, original, new)
            errors = {}
            try:
                self.import_instance(instance, row, **kwargs)
            except ValidationError as e:
                errors = e.update_error_dict(errors)
            item.instance, item.new, item.original, item.errors = instance, new, original, errors
            if self.skip_row(instance, original, row, errors):
                row_result.import_type = RowResult.IMPORT_TYPE_SKIP
                item.checked = True
        except ValidationError as e:
            item.fail(e)
        except Exception as e:
            item.crash(self, e, row, number)
        return item

    def _finish_batch(self, batch, result, raise_errors, collect_failed_rows, kwargs) -> None:
        if not batch:
            return
        to_check = [item for item in batch if item.pending]
        self._stored_keys = self._unique_keys.stored([item.instance for item in to_check])
        self._claimed = {}
        waiting = []
        for item in to_check:
            try:
                self._check_row(item, waiting, kwargs)
            except ValidationError as e:
                item.fail(e)
                continue
            except Exception as e:
                item.crash(self, e, item.row, item.number)
                continue
            item.checked = True
            waiting.append(item)
        self._write(waiting, kwargs)
        for item in batch:
            self._report(item, result, raise_errors, collect_failed_rows, kwargs)

    def _check_row(self, item, waiting, kwargs) -> None:
        """``validate_instance`` of a row-at-a-time import, the unique checks and constraints
        asked of the database only for a row that may collide (after the rows before it are
        written, as a row-at-a-time import would have them)."""
        instance = item.instance
        errors = self._row_rules(instance, dict(item.errors))
        if not self._meta.clean_model_instances:
            if errors:
                raise ValidationError(errors)
            return
        exclude = set(errors)
        try:
            self._clean_fields(instance, exclude | self._loaded_relations(instance))
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        try:
            instance.clean()
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        exclude |= {name for name in errors if name != NON_FIELD_ERRORS}
        keys = self._unique_keys.keys(instance, exclude)
        identity = instance.pk if instance.pk is not None else id(item)
        suspect = self._unique_keys.unknown or any(
            self._claimed.get(key, identity) != identity
            or self._stored_keys.get(key, instance.pk) != instance.pk
            for key in keys
        )
        suspect = suspect or self._check_constraints.may_fail(instance, exclude)
        if suspect:
            # The rows before it written first: the model then answers as it would have.
            self._write(waiting, kwargs)
            waiting.clear()
            try:
                instance.validate_unique(exclude=exclude)
            except ValidationError as e:
                errors = e.update_error_dict(errors)
                exclude |= {name for name in errors if name != NON_FIELD_ERRORS}
            try:
                instance.validate_constraints(exclude=exclude)
            except ValidationError as e:
                errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
        for key in keys:
            self._claimed[key] = identity

    def _clean_fields(self, instance, exclude) -> None:
        """``instance.clean_fields(exclude)``, with each field's answer for a value it has
        already cleaned in this import remembered (``FieldCleaner``)."""
        if type(instance).clean_fields is not models.Model.clean_fields:
            instance.clean_fields(exclude=exclude)
            return
        cleaner = self.__dict__.get("_field_cleaner")
        if cleaner is None or cleaner.model is not type(instance):
            cleaner = self._field_cleaner = FieldCleaner(type(instance))
        cleaner.clean(instance, exclude)

    @staticmethod
    def _loaded_relations(instance) -> set[str]:
        """Foreign keys whose row the import already loaded (a name looked up): Django's own
        check that the row exists would ask the database again, once per row."""
        loaded = set()
        for field in _foreign_keys(type(instance)):
            related = field.get_cached_value(instance, default=None)
            if (
                related is not None
                and not related._state.adding
                and related.pk == getattr(instance, field.attname)
            ):
                loaded.add(field.name)
        return loaded

    def saves_in_bulk(self) -> bool:
        """Whether checked rows are written with bulk_create/bulk_update: not when an editor's
        rows go to review (each becomes a submission), nor when the model's save() does more
        than ``prepare_save``, nor where the database cannot return the new rows' ids."""
        model = self._meta.model
        return (
            model.save in (models.Model.save, LockVersionedModel.save)
            and (not review.is_reviewed(model) or review.publishes_directly(self.user))
            and connections[self.get_db_connection_name()].features.can_return_rows_from_bulk_insert
        )

    def _write(self, items, kwargs) -> None:
        """Write the checked rows, in their order; a row refused now (its version) is marked."""
        if not items:
            return
        if kwargs.get("dry_run") and not kwargs.get("using_transactions"):
            return  # a dry run that cannot be rolled back writes nothing (as the library's)
        if not self.saves_in_bulk():
            self._write_one_by_one(items, kwargs)
            return
        db = self.get_db_connection_name()
        try:
            with transaction.atomic(using=db):
                self._write_in_bulk(items, kwargs)
        except DatabaseError:
            # Something the checks did not foresee: written again row by row, so that the
            # row the database refuses says so, as a row-at-a-time import would.
            items = [item for item in items if item.checked]
            for item in items:
                self.undo_bulk_write(item)
            self._write_one_by_one(items, kwargs)

    def undo_bulk_write(self, item) -> None:
        """Put a row back as it was before a bulk write the database rolled back."""
        if item.new:
            item.instance.pk = None
            item.instance._state.adding = True
        elif isinstance(item.instance, LockVersionedModel):
            item.instance.version = item.original.version

    def _write_one_by_one(self, items, kwargs) -> None:
        db = self.get_db_connection_name()
        for item in items:
            try:
                with atomic_if_using_transaction(kwargs.get("using_transactions"), using=db):
                    self.save_instance(item.instance, item.new, item.row, **kwargs)
                    self.save_m2m(item.instance, item.row, **kwargs)
            except ValidationError as e:
                item.fail(e)
            except Exception as e:
                item.crash(self, e, item.row, item.number)

    def _write_in_bulk(self, items, kwargs) -> None:
        model = self._meta.model
        updating = [item for item in items if not item.new]
        if updating and self.checks_versions():
            # Locked until the import commits, and checked against the versions read at its
            # start (as save_instance does row by row).
            current = dict(
                model._default_manager.select_for_update()
                .filter(pk__in=[item.instance.pk for item in updating])
                .values_list("pk", "version")
            )
            for item in updating:
                problem = stale_version_problem(item.instance.version, current.get(item.instance.pk))
                if problem:
                    item.fail(ValidationError({self.version_column: [problem]}))
            items = [item for item in items if item.checked]
            updating = [item for item in updating if item.checked]
        for item in items:
            self.before_save_instance(item.instance, item.row, **kwargs)
            if isinstance(item.instance, LockVersionedModel):
                item.instance.prepare_save()
        creating = [item.instance for item in items if item.new]
        batch_size = self._meta.batch_size or self.write_batch_size
        if creating:
            model._default_manager.bulk_create(creating, batch_size=batch_size)
        if updating:
            self._bulk_update([item.instance for item in updating], [item.original for item in updating])
        self.after_bulk_write(items)
        has_m2m = any(isinstance(f.widget, widgets.ManyToManyWidget) for f in self.get_import_fields())
        for item in items:
            self.after_save_instance(item.instance, item.row, **kwargs)
            if has_m2m:
                self.save_m2m(item.instance, item.row, **kwargs)
        written = [item.instance for item in items]
        self._written_models.add(model)
        rows_written_in_bulk.send(sender=model, instances=written)
        self.add_to_history(written)

    def _bulk_update(self, instances, originals) -> None:
        """One UPDATE per batch of the fields any of them changes; versions counted in SQL."""
        model = self._meta.model
        names = set()
        concrete = [f for f in model._meta.concrete_fields if not f.primary_key]
        for instance, original in zip(instances, originals, strict=True):
            for field in concrete:
                if getattr(instance, field.attname) != getattr(original, field.attname):
                    names.add(field.name)
        now = timezone.now()
        for field in concrete:
            if getattr(field, "auto_now", False):
                names.add(field.name)
                for instance in instances:
                    setattr(instance, field.attname, now)
        versioned = issubclass(model, LockVersionedModel)
        if versioned:
            names.add("version")
            stored = [instance.version for instance in instances]
            for instance in instances:
                instance.version = models.F("version") + 1
        model._default_manager.bulk_update(
            instances, sorted(names), batch_size=self._meta.batch_size or self.write_batch_size
        )
        if versioned:
            # Locked and checked by _write_in_bulk: the database counted exactly one more.
            for instance, version in zip(instances, stored, strict=True):
                instance.version = version + 1

    def after_bulk_write(self, items) -> None:
        """Rows of other models a resource writes with its rows (a project's new progress)."""

    def add_to_history(self, instances) -> None:
        """The rows written, in the import's revision (``imports.tasks``), as post_save would have
        added them: with what their ``follow`` reaches, loaded in one query per relation."""
        if not instances or not reversion.is_active() or reversion.is_manage_manually():
            return
        model = type(instances[0])
        if not reversion.is_registered(model):
            return
        add_versions(instances, self.get_db_connection_name())

    def _report(self, item, result, raise_errors, collect_failed_rows, kwargs) -> None:
        """The row's result, as the library's import_data_inner records it."""
        row_result = item.result
        if item.checked and item.instance is not None:
            row_result.add_instance_info(item.instance)
            if self._meta.store_instance:
                row_result.instance = item.instance
            if item.diff is not None:
                item.diff.compare_with(self, item.instance)
                if not item.new:
                    row_result.original = item.original
                if not self._meta.skip_html_diff:
                    row_result.diff = item.diff.as_html()
            self.after_import_row(item.row, row_result, **kwargs)
        result.increment_row_result_total(row_result)
        if row_result.errors:
            result.append_error_row(item.number, item.row, row_result.errors)
            if collect_failed_rows:
                result.append_failed_row(item.row, row_result.errors[0])
            if raise_errors:
                from import_export import exceptions

                raise exceptions.ImportError(row_result.errors[-1].error, number=item.number, row=item.row)
        elif row_result.validation_error:
            result.append_invalid_row(item.number, item.row, row_result.validation_error)
            if collect_failed_rows:
                result.append_failed_row(item.row, row_result.validation_error)
            if raise_errors:
                from import_export import exceptions

                raise exceptions.ImportError(row_result.validation_error, number=item.number, row=item.row)
        if row_result.import_type != RowResult.IMPORT_TYPE_SKIP or self._meta.report_skipped:
            result.append_row_result(row_result)

    def import_instance(self, instance, row, **kwargs):
        errors = {column: [message] for column, message in getattr(self, "_cell_problems", [])}
        # Kept for validate_instance, which runs only for rows that would change.
        instance._file_version = row.get(self.version_column)
        try:
            if type(self).import_field is LedgerResource.import_field:
                self._import_cells(instance, row, **kwargs)
            else:
                super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def init_instance(self, row=None):
        """A new record as ``Model()`` makes it, for every new row of a file: the fields' fixed
        defaults copied from the first one made, their default functions called for each."""
        model = self._meta.model
        if (
            model.__init__ is not models.Model.__init__
            or signals.pre_init.has_listeners(model)
            or signals.post_init.has_listeners(model)
        ):
            return model()
        template = self.__dict__.get("_new_record")
        if template is None:
            first = model()
            called = [
                (field.attname, field.get_default)
                for field in model._meta.concrete_fields
                if field.attname in first.__dict__
                and (
                    (field.has_default() and callable(field.default))
                    or field.db_default is not models.NOT_PROVIDED
                )
            ]
            fixed = {name: value for name, value in first.__dict__.items() if name != "_state"}
            for name, _default in called:
                del fixed[name]
            self._new_record = (fixed, called)
            return first
        fixed, called = template
        instance = model.__new__(model)
        instance._state = ModelState()
        values = instance.__dict__
        values.update(fixed)
        for name, default in called:
            values[name] = default()
        return instance

    def _import_plan(self) -> list:
        """Per import column: what ``import_field`` and the library's ``Field.save`` decide
        for every row, decided once. ``Step`` says how a cell becomes the attribute."""
        plan = self.__dict__.get("_plan")
        if plan is None or plan[0] is not self.fields:
            steps = []
            for field in self.get_import_fields():
                if isinstance(field.widget, widgets.ManyToManyWidget) or not field.attribute:
                    continue
                steps.append(_ImportStep(field, self.keeps_default_when_blank(field), self._meta.model))
            plan = self._plan = (self.fields, steps)
        return plan[1]

    def _import_cells(self, instance, row, **kwargs) -> None:
        """The library's ``import_instance`` through ``import_field`` above, in one loop."""
        errors = {}
        state = instance.__dict__
        for step in self._import_plan():
            column = step.column
            if column not in row:
                continue
            value = row[column]
            if step.keeps_default and is_blank(value):
                continue
            attribute = step.attribute
            before = state.get(attribute) if step.text else None
            try:
                if step.plain:
                    if step.read is not None and value.__class__ is str:
                        # A cell whose reading depends on its text alone, read once per text.
                        cleaned = step.read.get(value, _UNREAD)
                        if cleaned is _UNREAD:
                            cleaned = step.read[value] = step.clean(value, row=row)
                    elif step.own_widget:
                        # Our widgets read the cell and the row, not the import's options
                        # (unpacked for each cell of each row they cost more than the cleaning).
                        cleaned = step.clean(value, row=row)
                    else:
                        cleaned = step.clean(value, row=row, **kwargs)
                    if step.has_default and cleaned in step.empty_values:
                        default = step.field.default
                        cleaned = default() if callable(default) else default
                    if cleaned is not None or step.saves_null_values:
                        setattr(instance, attribute, cleaned)
                else:
                    step.field.save(instance, row, False, **kwargs)
            except ValueError as e:
                errors[attribute] = ValidationError(str(e), code="invalid")
                continue
            if isinstance(before, str) and before and UNSTORABLE_IN_SPREADSHEETS.search(before):
                if state.get(attribute) == UNSTORABLE_IN_SPREADSHEETS.sub("", before):
                    setattr(instance, attribute, before)
        if errors:
            raise ValidationError(errors)

    def get_import_fields(self):
        # Asked several times per row by the library; the fields do not change during an import.
        cached = self.__dict__.get("_import_fields")
        if cached is None or cached[0] is not self.fields:
            cached = self._import_fields = (self.fields, super().get_import_fields())
        return cached[1]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """The library's comparison of every import column, on the stored values: a foreign
        key by its id (the library compares the related rows, equal when their ids are)."""
        if (
            not self._meta.skip_unchanged
            or self._meta.skip_diff
            or import_validation_errors
            or original is None
        ):
            return super().skip_row(instance, original, row, import_validation_errors)
        for field, attname in self._compared_columns():
            if attname is None:
                if field.get_value(instance) != field.get_value(original):
                    return False
            elif getattr(instance, attname) != getattr(original, attname):
                return False
        return True

    def _compared_columns(self) -> list:
        known = self.__dict__.get("_compared")
        if known is None or known[0] is not self.fields:
            columns = []
            for field in self.get_import_fields():
                if isinstance(field.widget, widgets.ManyToManyWidget):
                    # Not compared through attributes: the library's own comparison decides.
                    columns = None
                    break
                attname = None
                if field.attribute and "__" not in field.attribute:
                    try:
                        model_field = self._meta.model._meta.get_field(field.attribute)
                    except FieldDoesNotExist:
                        model_field = None
                    if model_field is not None and model_field.concrete and not model_field.many_to_many:
                        attname = model_field.attname
                columns.append((field, attname))
            known = self._compared = (self.fields, columns)
        if known[1] is None:
            return [(field, None) for field in self.get_import_fields()]
        return known[1]

    def keeps_default_when_blank(self, field) -> bool:
        known = self.__dict__.setdefault("_keeps_default", {})
        if field not in known:
            known[field] = self._keeps_default_when_blank(field)
        return known[field]

    def _keeps_default_when_blank(self, field) -> bool:
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
        errors = self._row_rules(instance, dict(import_validation_errors or {}))
        super().validate_instance(instance, errors, validate_unique)

    def _row_rules(self, instance, errors: dict) -> dict:
        """The ledger's own rules of a row that would be written: its unit, its version."""
        unit = self._unit_of(instance)
        if unit is not None and not self.may_touch(unit):
            errors.setdefault(self.unit_path.split("__")[0], []).append(self.unit_check.refusal(unit))
        if self.checks_versions() and not instance._state.adding and self._version_checked(instance):
            # A row that matches the database is skipped before this; this one would
            # change, so it must start from the version now in the database.
            problem = stale_version_problem(getattr(instance, "_file_version", None), instance.version)
            if problem:
                errors.setdefault(self.version_column, []).append(problem)
        return errors

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
