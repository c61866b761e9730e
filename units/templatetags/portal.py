"""Numbers as a Chinese reader expects them: 52441, 9.2万, 2万元, 93.35%, 1小时30分钟."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import translate_url
from django.utils.translation import get_language, ngettext

register = template.Library()
WAN = Decimal(10_000)


def _chinese() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def _trim(number: Decimal, places: int) -> str:
    text = f"{number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def cn_number(value) -> str:
    """A count: 52441 stays 52441 in Chinese (no separators); 92,000 becomes 9.2万."""
    if value in (None, ""):
        return "0"
    number = Decimal(value)
    if not _chinese():
        return intcomma(_trim(number, 2))
    if abs(number) >= 100_000:
        return _trim(number / WAN, 1) + "万"
    return _trim(number, 2)


@register.filter
def yuan(value) -> str:
    """Money: 20000 → 2万元 (Chinese) or ¥20,000 (English)."""
    if value in (None, ""):
        return ""
    number = Decimal(value)
    if not _chinese():
        return "¥" + intcomma(_trim(number, 2))
    if abs(number) >= WAN:
        return _trim(number / WAN, 2) + "万元"
    return _trim(number, 2) + "元"


@register.filter
def percent(value) -> str:
    """A rate from ``units.rates`` (already rounded): 93.35 → 93.35%, 100.00 → 100%, None → “—”."""
    if value in (None, ""):
        return "—"
    return _trim(Decimal(value), 2) + "%"


@register.simple_tag(takes_context=True)
def language_url(context, language: str, absolute: bool = False) -> str:
    """This page's address in ``language`` (the language is part of public URLs)."""
    request = context["request"]
    url = translate_url(request.get_full_path(), language)
    return request.build_absolute_uri(url) if absolute else url


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The page's own address without query parameters, on the host that served it."""
    request = context["request"]
    return request.build_absolute_uri(translate_url(request.path, get_language()))


@register.filter
def duration(value) -> str:
    """A timedelta in hours and minutes: 30分钟, 1小时30分钟 (English: 1 hour 30 minutes)."""
    hours, minutes = divmod(round(value.total_seconds() / 60), 60)
    parts = []
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if minutes or not hours:
        parts.append(ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes})
    return ("" if _chinese() else " ").join(parts)
