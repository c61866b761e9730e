from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Rating, Satisfaction, Suggestion
from .protection import HONEYPOT_FIELD


class HoneypotMixin(forms.Form):
    """A field people never see (hidden by CSS, skipped by screen readers); bots fill it in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            required=False,
            label=_("Leave this field empty"),
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        )

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT_FIELD))


class SuggestionForm(HoneypotMixin, forms.ModelForm):
    class Meta:
        model = Suggestion
        fields = ["what", "place", "why", "contact"]
        widgets = {"why": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "what": _("For example: a ramp at the community service centre."),
            "place": _("The village or community."),
            "contact": _(
                "Optional. Only the office sees it, to ask you about the suggestion. "
                "An e-mail address is told when the suggestion's status changes."
            ),
        }

    def clean(self):
        cleaned = super().clean()
        for name in ("what", "place", "why", "contact"):
            if "\x00" in (cleaned.get(name) or ""):
                self.add_error(name, _("The text contains a character that cannot be stored."))
        return cleaned


class StatusForm(forms.Form):
    reference = forms.CharField(label=_("Reference number"), max_length=12, min_length=4)

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()


class RatingForm(HoneypotMixin, forms.ModelForm):
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you?"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )

    class Meta:
        model = Rating
        fields = ["satisfaction", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"comment": _("Optional. Shown publicly only after the office has read it.")}

    def clean_comment(self):
        comment = self.cleaned_data.get("comment") or ""
        if "\x00" in comment:
            raise forms.ValidationError(_("The text contains a character that cannot be stored."))
        return comment
