"""Hotline figures as the article writes them: 9.2万 calls, +17.4%, +0.12 percentage points."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from units.templatetags.portal import percent

register = template.Library()


@register.filter
def wan(value) -> str:
    """A headline count in 万 from ten thousand up (92159 → 9.2万), as the article writes calls."""
    number = Decimal(value or 0)
    if not (get_language() or "zh-hans").startswith("zh"):
        return intcomma(int(number))
    if abs(number) < 10_000:
        return str(int(number))
    text = f"{(number / 10_000).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}"
    return text.removesuffix(".0") + "万"


@register.filter
def signed_percent(value) -> str:
    """A 同比 in percent with its sign: +17.4%, −3.1%."""
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + percent(value)


@register.filter
def points(value) -> str:
    """A change of a rate, in percentage points."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else ""
    return _("%(sign)s%(value)s percentage points") % {
        "sign": sign,
        "value": percent(value).removesuffix("%"),
    }
