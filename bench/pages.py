"""Server time of the public pages, against a trivial view measured in the same run.

Requests go through ``django.test.Client`` (the whole middleware stack, no
network). Pages are measured rendered (the page cache emptied before each
request: a cache miss, as after every staff change) and, marked "cache hit",
as the public page cache serves them. The pages are requested round-robin, so noise on the shared machine
spreads over all of them alike. Query counts come from one extra, captured request.
"""

import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from projects.models import Project, Round

from .stats import median, p90

BASELINE = "trivial view"


@dataclass
class PageResult:
    label: str
    url: str
    note: str = ""
    times_ms: list[float] = field(default_factory=list)
    queries: int = 0
    sql_ms: float = 0.0
    slowest_sql_ms: float = 0.0
    slowest_sql: str = ""
    bytes: int = 0
    cached: bool = False  # measured as the page cache serves it (no clear before the request)

    @property
    def median_ms(self) -> float:
        return median(self.times_ms)

    def as_dict(self, baseline_ms: float) -> dict:
        return {
            "url": self.url,
            "note": self.note,
            "median_ms": round(self.median_ms, 3),
            "p90_ms": round(p90(self.times_ms), 3),
            "min_ms": round(min(self.times_ms), 3),
            "ratio_to_trivial": round(self.median_ms / baseline_ms, 2),
            "queries": self.queries,
            "sql_ms_in_captured_request": round(self.sql_ms, 3),
            "slowest_query_ms": round(self.slowest_sql_ms, 3),
            "slowest_query": self.slowest_sql[:500],
            "response_bytes": self.bytes,
        }


def _by_updates():
    """Published projects as (pk, number of updates), fewest first."""
    return list(
        Project.objects.published().annotate(n=Count("updates")).order_by("n", "pk").values_list("pk", "n")
    )


def pages_to_measure(hotline_years: int | None = None) -> list[PageResult]:
    """Every public page at city scale, rendered (a miss), and two as the page cache serves them.

    ``hotline_years``: the hotline's months are in the database, ending in December 2021
    (see ``bench.hotline``); its page is measured over its default period and all of them.
    """
    by_updates = _by_updates()
    busiest_pk, busiest_n = by_updates[-1]
    last_page = max(1, -(-len(by_updates) // 20))
    current = Round.objects.current()
    hotline = (
        [
            PageResult("/hotline/", "/hotline/", "default period: the latest year to date"),
            PageResult(
                "/hotline/ (all months)",
                f"/hotline/?start={2021 - hotline_years + 1}-01&end=2021-12",
                f"{hotline_years} years of months",
            ),
        ]
        if hotline_years
        else []
    )
    return [
        PageResult(BASELINE, "/__bench__/trivial/", "HttpResponse, full middleware"),
        PageResult("base.html shell", "/__bench__/shell/", "base.html with an empty body"),
        PageResult("/", "/", f"current round: {current.name}"),
        PageResult("/projects/", "/projects/"),
        PageResult("/projects/?status=overdue", "/projects/?status=overdue"),
        PageResult("/projects/?page=last", f"/projects/?page={last_page}", f"page {last_page}"),
        PageResult(
            "/projects/?round=…&status=…",
            f"/projects/?round={current.pk}&status=in_progress",
            "current round, in progress",
        ),
        PageResult("/projects/<id>/", f"/projects/{busiest_pk}/", f"busiest project: {busiest_n} updates"),
        PageResult("/en/", "/en/", "the English home page"),
        PageResult("/open-data/projects.json", "/open-data/projects.json", "every published project"),
        PageResult("/suggestions/", "/suggestions/"),
        *hotline,
        PageResult("/volunteers/", "/volunteers/", "volunteers' hours and shifts (see the volunteer rows)"),
        PageResult("/ (cache hit)", "/", "served from the public page cache", cached=True),
        PageResult("/projects/ (cache hit)", "/projects/", "served from the public page cache", cached=True),
        *(
            [
                PageResult(
                    "/hotline/ (cache hit)", "/hotline/", "served from the public page cache", cached=True
                )
            ]
            if hotline_years
            else []
        ),
        PageResult(
            "/volunteers/ (cache hit)", "/volunteers/", "served from the public page cache", cached=True
        ),
    ]


def query_growth() -> dict:
    """Queries of the detail page for the project with the fewest vs the most updates.

    Equal counts mean the page runs a fixed number of queries whatever the history's length.
    """
    by_updates = _by_updates()
    out = {}
    with override_settings(ROOT_URLCONF="bench.urls"):
        client = Client()
        for label, (pk, n) in (("fewest", by_updates[0]), ("most", by_updates[-1])):
            cache.clear()
            with CaptureQueriesContext(connection) as captured:
                client.get(f"/projects/{pk}/")
            out[f"detail_{label}_updates"] = {"updates": n, "queries": len(captured.captured_queries)}
    return out


def measure(requests: int = 30, warmup: int = 5, hotline_years: int | None = None) -> dict:
    with override_settings(ROOT_URLCONF="bench.urls"):
        client = Client()  # HTTP_HOST "testserver", in ALLOWED_HOSTS of the test settings
        results = pages_to_measure(hotline_years)
        for _ in range(warmup):
            for page in results:
                response = client.get(page.url)
                if response.status_code != 200:
                    raise SystemExit(f"bench: {page.url} answered {response.status_code}")
                page.bytes = len(response.content)
        for page in results:
            if page.cached:
                client.get(page.url)
            else:
                cache.clear()
            with CaptureQueriesContext(connection) as captured:
                client.get(page.url)
            page.queries = len(captured.captured_queries)
            times = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
            page.sql_ms = sum(t for t, _ in times)
            if times:
                page.slowest_sql_ms, page.slowest_sql = max(times)
        for _ in range(requests):
            for page in results:
                if page.cached:
                    client.get(page.url)  # the page is in the cache (another page's clear emptied it)
                else:
                    cache.clear()
                start = time.perf_counter()
                client.get(page.url)
                page.times_ms.append((time.perf_counter() - start) * 1000)
    baseline = results[0].median_ms
    return {page.label: page.as_dict(baseline) for page in results}
