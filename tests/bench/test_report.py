"""`python -m bench --only pages` times the public pages alone: its report prints the pages'
rows of the one summary table and leaves out the sections it did not measure."""

from bench import report
from bench.__main__ import parse_args


def _page(median_ms: float, queries: int, note: str = "") -> dict:
    return {
        "url": "/",
        "note": note,
        "median_ms": median_ms,
        "p90_ms": median_ms * 1.1,
        "min_ms": median_ms * 0.9,
        "ratio_to_trivial": round(median_ms / 0.5, 2),
        "queries": queries,
        "sql_ms_in_captured_request": 1.0,
        "slowest_query_ms": 0.5,
        "slowest_query": "SELECT 1",
        "response_bytes": 1000,
    }


def pages_only_results() -> dict:
    return {
        "meta": {
            "when": "2026-12-07 06:00 UTC",
            "django": "5.2",
            "python": "3.11",
            "cpus": 2,
            "settings": "deeds_portal.settings.test",
            "database": "sqlite 3.40.1 · bench.sqlite3 (temporary, created by bench)",
            "requests": 15,
            "warmup": 2,
            "repeats": 2,
            "seed": 1,
            "only": "pages",
            "load_average": (1.5, 1.2, 1.0),
            "load_average_end": (1.7, 1.3, 1.0),
            "cleanup": "removed /tmp/x",
            "total_seconds": 90.0,
        },
        "data": {
            "seconds": 2.0,
            "build_seconds": 1.0,
            "insert_seconds": 1.0,
            "counts": {"units": 30, "rounds": 3, "projects": 1000, "progress_updates": 20000},
            "published_projects": 900,
            "problems": [],
            "status_mix": {"in_progress": 600},
        },
        "pages": {
            "trivial view": _page(0.5, 0),
            "/hotline/ (all months)": _page(22.7, 5, "10 years of months"),
            "/volunteers/": _page(120.0, 6),
            "/ (cache hit)": _page(0.4, 0, "served from the public page cache"),
        },
        "query_growth": {},
        "ledger_io": None,
        "workbook": None,
        "reforms": {
            "data": {"items": 5000, "units": 20, "seconds": 1.0},
            "pages": {"trivial view": _page(0.5, 0), "/reforms/": _page(13.5, 2)},
        },
        "volunteers": None,
        "hotline": {"page_data": {"months": 120, "cases": 1_000_000, "seconds": 50.0}},
    }


def test_pages_only_is_a_choice_of_the_command_line():
    assert parse_args(["--only", "pages"]).only == "pages"
    assert parse_args([]).only is None  # the whole run by default


def test_a_pages_only_run_prints_the_pages_with_their_targets_and_no_other_figure():
    results = pages_only_results()
    summary = report.summary(results)
    lines = {line.split("  ")[0]: line for line in summary.splitlines()}
    assert "22.7 ms, 5 q" in lines["/hotline/ (all months) miss"]
    assert lines["/hotline/ (all months) miss"].endswith("yes")
    assert lines["/volunteers/ miss"].endswith("NO")  # over the 100 ms target
    assert "/reforms/ miss" in lines
    # A hit's ratio reads as the target does: its speed against the trivial view's (0.5 ÷ 0.4 ms).
    assert "1.25  ≥ 0.8× bare view" in lines["/ (cache hit)"]
    assert "1 of 3 targets missed" in summary
    assert "import" not in summary and "workbook" not in summary
    details = report.render(results)
    assert "Ledger xlsx" not in details and "Reform catalogue xlsx import" not in details
    assert "Reform catalogue: 5,000 service items" in details
