"""The month sheet (热线月度数据): one month per row, keyed by the month itself.

A month already stored is updated, shown as such in the preview, never added twice.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import resources, widgets

from imports.resources import IntegerWidget, LedgerResource, column
from units.months import first_of, parse_month

from .models import Month, MonthSource


class MonthWidget(widgets.Widget):
    """A month as “2021-06” (text) or any date in it (a spreadsheet date cell)."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.date):  # a datetime too: a spreadsheet's date cell
            return first_of(value)
        month = parse_month(value)
        if month is None:
            raise ValueError(_("“%(value)s” is not a month; write it as 2021-06") % {"value": value or ""})
        return month

    def render(self, value, obj=None, **kwargs):
        return f"{value:%Y-%m}" if value else ""


class MonthResource(LedgerResource):
    month = column("month", "月份", MonthWidget())
    calls = column("calls", "来电总量", IntegerWidget())
    accepted = column("accepted", "受理事件", IntegerWidget())
    completed = column("completed", "办结", IntegerWidget())
    callbacks = column("callbacks", "回访", IntegerWidget())
    satisfied = column("satisfied", "满意", IntegerWidget())
    online_completed = column("online_completed", "在线办结", IntegerWidget())

    class Meta:
        model = Month
        fields = ["month", "calls", "accepted", "completed", "callbacks", "satisfied", "online_completed"]
        import_id_fields = ["month"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    def get_instance(self, instance_loader, row):
        # Keyed by the month, not by a row id: a month imported twice is that month updated.
        try:
            return resources.ModelResource.get_instance(self, instance_loader, row)
        except ValueError:
            return None  # an unreadable month: reported by the column's own check

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        for field in self.get_import_fields():
            if isinstance(field.widget, IntegerWidget) and field.column_name in row:
                try:
                    value = field.widget.clean(row[field.column_name])
                except ValueError:
                    continue  # reported by the column's own check
                if value is None:
                    errors[field.attribute] = [_("This figure is required; write 0 for none.")]
        if instance.pk and instance.source == MonthSource.CASES:
            errors["month"] = [
                _(
                    "%(month)s is rolled up from the imported cases; change its source in the admin before typing its figures."
                )
                % {"month": f"{instance.month:%Y-%m}"}
            ]
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
