import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from units.months import current_month, parse_month, year_start

from .stats import Period


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"inputmode": "numeric", "pattern": r"\d{4}-\d{1,2}"})

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError(_("Write a month as 2021-06."))
        return month

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, datetime.date) else value


class PeriodForm(forms.Form):
    start = MonthField(label=_("From month"), required=False)
    end = MonthField(label=_("To month"), required=False)

    def __init__(self, *args, default: Period | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # An empty field shows the month the page uses in its place (2021-01 and 2021-06 for
        # January–June), never one example month for both.
        if default is not None:
            self.fields["start"].widget.attrs["placeholder"] = f"{default.start:%Y-%m}"
            self.fields["end"].widget.attrs["placeholder"] = f"{default.end:%Y-%m}"

    def period(self, default: Period | None) -> Period | None:
        """The chosen period, or ``default`` for anything not chosen or not valid."""
        if default is None or not self.is_valid():
            return default
        end = self.cleaned_data["end"] or default.end
        start = self.cleaned_data["start"] or year_start(end)
        end = min(end, current_month())
        if start > end:
            self.add_error("start", _("The first month must not be after the last."))
            return default
        return Period(start, end)
