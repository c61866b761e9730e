from django import forms
from django.db.models import Exists, OuterRef
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from units.models import Unit

from .figures import search_departments
from .models import Reform, ServiceItem


class PlainSelect(forms.Select):
    """A <select> rendered in Python: Django's template per option made the catalogue's
    filters cost more than its queries (about 90 template includes a request)."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option_value, " selected" if str(option_value) == selected else "", label)
                for option_value, label in self._choice_pairs()
            ),
        )
        return format_html(
            "<select{}>{}</select>",
            flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name})),
            options,
        )

    def _choice_pairs(self):
        for option_value, label in self.choices:
            # ModelChoiceIterator yields ModelChoiceIteratorValue objects.
            yield ("" if option_value is None else str(option_value)), label


class CatalogueSearchForm(forms.Form):
    """The public catalogue's search and filters; unknown values are simply ignored."""

    q = forms.CharField(label=_("Item name"), required=False, max_length=100, widget=forms.SearchInput)
    reform = forms.ChoiceField(
        label=_("Reform"),
        choices=[("", _("All reforms")), *Reform.choices],
        required=False,
        widget=PlainSelect,
    )
    level = forms.ChoiceField(
        label=_("Where it is handled"),
        choices=[("", _("All levels")), *ServiceItem.Level.choices],
        required=False,
        widget=PlainSelect,
    )
    item_type = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("All types")), *ServiceItem.Type.choices],
        required=False,
        widget=PlainSelect,
    )
    department = forms.ModelChoiceField(
        label=_("Competent department"),
        # Only departments that have items are offered (one indexed semi-join).
        queryset=Unit.objects.filter(
            Exists(ServiceItem.objects.published().filter(competent_department=OuterRef("pk")))
        ),
        required=False,
        empty_label=_("All departments"),
        widget=PlainSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"placeholder": _("e.g. 老年人优待证")})
        # Offered from the cache; a chosen department is still checked against the database.
        department = self.fields["department"]
        department.widget.choices = [("", department.empty_label), *search_departments()]

    def filter(self, queryset):
        """Apply every valid field; an invalid one (e.g. a stale link) is left out, not an error.
        Best matches of the search first (by code when nothing is searched)."""
        data = self._valid_values()
        queryset = queryset.search(data.get("q"))
        if data.get("reform"):
            queryset = queryset.in_reform(data["reform"])
        if data.get("level"):
            queryset = queryset.filter(level=data["level"])
        if data.get("item_type"):
            queryset = queryset.filter(item_type=data["item_type"])
        if data.get("department"):
            queryset = queryset.filter(competent_department=data["department"])
        return queryset.ranked(data.get("q"))

    def has_filters(self) -> bool:
        return any(self._valid_values().values())

    def _valid_values(self) -> dict:
        """The values of the fields that are valid (an unbound form has none)."""
        self.is_valid()
        return getattr(self, "cleaned_data", {})
