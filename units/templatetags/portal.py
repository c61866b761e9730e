"""Numbers as a Chinese reader expects them: 52441, 9.2万, 2万元, 93.35%, 1小时30分钟."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.encoding import iri_to_uri
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext, override

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


def _address_in(request, language: str, with_query: bool) -> str:
    """This page's path in ``language``, from the URL match the request already has.

    ``translate_url`` resolves the path again, and a page asks for its address in
    each language up to five times (hreflang links, the language switch, the
    canonical link): resolving through the i18n patterns was a tenth of the
    catalogue search's server time. Remembered on the request for the same reason.
    """
    memo = request.__dict__.setdefault("_addresses_in", {})
    key = (language, with_query)
    if key not in memo:
        path = request.get_full_path() if with_query else request.path
        match = getattr(request, "resolver_match", None)
        if match is None or not match.url_name:  # e.g. an error page: fall back to resolving
            memo[key] = translate_url(path, language)
        else:
            name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
            try:
                with override(language):
                    address = reverse(
                        name, args=match.args, kwargs=match.kwargs, urlconf=getattr(request, "urlconf", None)
                    )
            except NoReverseMatch:
                address = translate_url(path, language)
            else:
                query = request.META.get("QUERY_STRING", "")
                if with_query and query:
                    address = f"{address}?{iri_to_uri(query)}"
            memo[key] = address
    return memo[key]


@register.simple_tag(takes_context=True)
def language_url(context, language: str, absolute: bool = False) -> str:
    """This page's address in ``language`` (the language is part of public URLs)."""
    request = context["request"]
    url = _address_in(request, language, with_query=True)
    return request.build_absolute_uri(url) if absolute else url


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The page's own address without query parameters, on the host that served it."""
    request = context["request"]
    return request.build_absolute_uri(_address_in(request, get_language(), with_query=False))


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


class ScrollRegionNode(template.Node):
    def __init__(self, label, nodelist):
        self.label, self.nodelist = label, nodelist

    def render(self, context):
        return format_html(
            '<div class="table-scroll" tabindex="0" role="region" aria-label="{}">{}</div>',
            self.label.resolve(context),
            mark_safe(self.nodelist.render(context)),  # already rendered (and escaped) by the template
        )


@register.tag
def scroll_region(parser, token):
    """``{% scroll_region label %}<table>…</table>{% endscroll_region %}``: a wide table that
    scrolls sideways inside its box instead of widening the page.

    The only way a public page wraps a wide table: a box that scrolls must be reachable by
    keyboard (WCAG 2.1.1, axe's scrollable-region-focusable), so it takes the focus and is a
    region named ``label`` for screen readers; portal.css shades the edge that has more behind it.
    """
    try:
        _, label = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("scroll_region takes one argument: the region's name") from None
    nodelist = parser.parse(("endscroll_region",))
    parser.delete_first_token()
    return ScrollRegionNode(parser.compile_filter(label), nodelist)
