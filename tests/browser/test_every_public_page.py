"""Every public page, in Chinese and English, standard and 长辈版, on a 375 px phone and a
1280 px screen: it loads, never scrolls sideways, logs no console error, and axe-core finds no
violation of the WCAG 2.2 AA rules.

The pages come from the URL configuration, not from a list kept by hand: a public URL that
is neither walked nor named below as “not a page” fails ``test_the_walk_covers_every_public_url``.
axe-core is the npm package's script, vendored beside these tests (``vendor/axe-core``) and
given to each context as an init script: Chromium puts it into every page it loads, a third
faster than sending it with ``add_script_tag`` after each load. The walk's contexts bypass the
page's CSP (``style-src 'self'``) because axe sets inline styles while it measures contrast;
the CSP itself is held by the other browser tests, which fail on any console error.

One browser, one live server and the demo data loaded once; each of the four contexts (width ×
mode) reuses one tab for all its pages, so the walk stays within a couple of minutes.
"""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import LocalePrefixPattern

from .conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (make browser-deps)"),
]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe-core's tags for them).
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = {
    375: {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    1280: {"viewport": {"width": 1280, "height": 900}},
}

# Public URL names that are no citizen's page, and why.
NOT_PAGES = {
    "volunteers:open-data": "a JSON dataset",
    "open-data-json": "a JSON dataset",
    "open-data-csv": "a CSV dataset",
    "volunteers:roster": "staff only (sign-in required)",
    "volunteers:roster-xlsx": "staff only, a spreadsheet",
    "volunteers:hours": "staff only (sign-in required)",
    "volunteers:issue-certificate": "staff only (sign-in required)",
    "volunteers:certificate": "staff only (sign-in required)",
    "suggestions:support": "a POST target that answers with a redirect",
    "volunteers:me": "a volunteer's own page behind their personal link (test_volunteer_self_service.py)",
    "volunteers:my-certificate": "a volunteer's own certificate behind their personal link",
    "volunteers:check-in": "opened from a post's QR sign by a volunteer (test_volunteer_self_service.py)",
    "volunteers:personal-link": "staff only (sign-in required)",
    "volunteers:check-in-sign": "staff only (sign-in required)",
    "volunteers:confirm-attendance": "staff only, a POST target",
}


def public_url_names() -> set[str]:
    """Names of every URL under i18n_patterns (the public, bilingual part of the site)."""

    def names(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from names(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                yield namespace + entry.name

    public = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and isinstance(entry.pattern, LocalePrefixPattern):
            public |= set(names(entry.url_patterns))
    return public


def load_portal():
    """The demo ledgers, plus a moderated suggestion and ratings so those pages show their figures."""
    import hotline.demo
    import projects.demo
    import reforms.demo
    import units.demo
    import volunteers.demo
    from projects.models import Project
    from reforms.models import ServiceItem
    from suggestions.models import Consultation, Rating, Suggestion, SuggestionStatus
    from units.public_pages import public_data_changed

    unit_map = units.demo.load()
    projects.demo.load(unit_map)
    reforms.demo.load(unit_map)
    volunteers.demo.load(unit_map)
    hotline.demo.load(unit_map)

    bridge = Project.objects.published().get(title="修建一座风雨桥")
    Consultation.objects.create(
        round=bridge.round,
        kind=Consultation.Kind.FORUM,
        date=bridge.round.start_date,
        place="机关三楼会议室",
        people_reached=32,
        suggestions_collected=18,
    )
    suggestion = Suggestion.objects.create(
        what="在大庸路口增设一处休息座椅",
        place="大庸路社区",
        why="老人等车时没有地方坐。",
        status=SuggestionStatus.ACCEPTED,
        is_published=True,
    )
    # Ratings through the public form, each from its own browser (a fresh client).
    for satisfaction, comment in [("satisfied", "桥修得很结实。"), ("fairly", ""), ("unsatisfied", "")]:
        Client().post(
            reverse("suggestions:rate", args=[bridge.pk]),
            {"satisfaction": satisfaction, "comment": comment, "website": ""},
        )
    Rating.objects.exclude(comment="").update(comment_approved=True)
    public_data_changed()

    return {
        "bridge": bridge,
        "item": ServiceItem.objects.published().order_by("pk").first(),
        "suggestion": suggestion,
    }


# What the walk loads for each public URL name, from the rows load_portal() made: a round's
# list shows how the round was chosen, a reference number shows the suggestion's status.
PAGES = {
    "dashboard": lambda rows: ["/"],
    "projects:list": lambda rows: ["/projects/", f"/projects/?round={rows['bridge'].round_id}"],
    "projects:detail": lambda rows: [f"/projects/{rows['bridge'].pk}/"],
    "reforms:list": lambda rows: ["/reforms/"],
    "reforms:detail": lambda rows: [f"/reforms/{rows['item'].pk}/"],
    "hotline:index": lambda rows: ["/hotline/"],
    "volunteers:index": lambda rows: ["/volunteers/"],
    "volunteers:join": lambda rows: ["/volunteers/join/"],
    "suggestions:list": lambda rows: ["/suggestions/"],
    "suggestions:detail": lambda rows: [f"/suggestions/{rows['suggestion'].pk}/"],
    "suggestions:new": lambda rows: ["/suggestions/new/"],
    "suggestions:status": lambda rows: [f"/suggestions/status/?reference={rows['suggestion'].reference}"],
    "suggestions:rate": lambda rows: [f"/suggestions/rate/{rows['bridge'].pk}/"],
    "suggestions:notice": lambda rows: [f"/suggestions/notice/{rows['bridge'].pk}/"],
    "open-data": lambda rows: ["/open-data/"],
}


def test_the_walk_covers_every_public_url():
    public = public_url_names()
    assert set(NOT_PAGES) <= public, set(NOT_PAGES) - public  # no stale exclusion
    assert public - set(NOT_PAGES) == set(PAGES)


AXE_RUN = """async tags => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return result.violations.map(v => `${v.id} (${v.impact}): ${v.nodes.length}× e.g. ${v.nodes[0].target.join(' ')}`);
}"""


def problems_of(page, url, console_errors) -> list[str]:
    """Load ``url`` in ``page``: what is wrong with it (an empty list when nothing is)."""
    del console_errors[:]
    response = page.goto(url)
    if response is None or not response.ok:
        return [f"answered {response and response.status}"]
    problems = []
    scroll, width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if scroll > width:
        problems.append(f"scrolls sideways ({scroll} px in {width} px)")
    problems += [f"axe {violation}" for violation in page.evaluate(AXE_RUN, WCAG_22_AA)]
    return problems + [f"console: {error}" for error in console_errors]


def test_every_public_page_fits_and_passes_axe(live_server, transactional_db, browser):
    rows = load_portal()
    paths = [prefix + path for name in sorted(PAGES) for path in PAGES[name](rows) for prefix in ("", "/en")]
    problems, console_errors = [], []
    for width, size in SIZES.items():
        for elder in (False, True):
            context = browser.new_context(**size, locale="zh-CN", bypass_csp=True)
            context.add_init_script(path=AXE)
            if elder:
                context.add_cookies([{"name": "elder", "value": "1", "url": live_server.url}])
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.on(
                "console", lambda message: message.type == "error" and console_errors.append(message.text)
            )
            page.on("pageerror", lambda error: console_errors.append(f"uncaught {error}"))
            mode = f"{width} px, {'长辈版' if elder else 'standard'}"
            for path in paths:
                problems += [
                    f"[{mode}] {path}: {problem}"
                    for problem in problems_of(page, live_server.url + path, console_errors)
                ]
            context.close()
    assert not problems, "\n".join(problems)
