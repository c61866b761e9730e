"""Every URL the portal answers, as a path a request can be made to.

Walks the root URLconf (the admin's pattern for every registered model included), so a
URL added later is walked without anyone listing it. Each parameter gets a sample value
its converter accepts; a regex alternation (the admin's ``app_label``) takes its first
choice.
"""

import re

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern

SAMPLE_VALUES = ("1", "2021-06", "x", "00000000-0000-0000-0000-000000000001")
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")


def _sample_for(converter) -> str:
    for value in SAMPLE_VALUES:
        if re.fullmatch(converter.regex, value):
            return value
    raise AssertionError(f"no sample value for the converter {converter!r}")


def _route_part(pattern: RoutePattern) -> str:
    converters = pattern.converters
    return ROUTE_PARAMETER.sub(lambda match: _sample_for(converters[match["name"]]), str(pattern))


def _regex_part(pattern: RegexPattern) -> str:
    text = pattern.regex.pattern.lstrip("^").rstrip("$").removesuffix("\\Z")

    def group(match):
        choices = match["body"].split("|")
        literal = choices[0].replace("\\", "")
        return literal if re.fullmatch(r"[\w/-]+", literal) else "1"

    text = NAMED_GROUP.sub(group, text)
    return re.sub(r"\.\*|\.\+", "1", text)


def _part(pattern) -> str:
    if isinstance(pattern, LocalePrefixPattern):
        return pattern.language_prefix
    if isinstance(pattern, RoutePattern):
        return _route_part(pattern)
    return _regex_part(pattern)


def every_path(patterns=None, prefix="/") -> list[str]:
    """One request path per URL pattern of the project, sample values filled in."""
    paths = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        here = prefix + _part(entry.pattern)
        if isinstance(entry, URLResolver):
            paths += every_path(entry.url_patterns, here)
        elif isinstance(entry, URLPattern):
            paths.append(here)
    return sorted(set(paths))
