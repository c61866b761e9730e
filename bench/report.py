"""The printed table and bench/results/latest.json."""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
MIB = 1024 * 1024


def _mib(value, per=MIB) -> str:
    return "-" if value is None else f"{value / per:.1f}"


def _table(headers: list[str], rows: list[list]) -> list[str]:
    """Text columns (the first, "note", "result") left-aligned, figures right-aligned."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    left = {0} | {i for i, h in enumerate(headers) if h in ("note", "result")}

    def line(cells):
        text = [
            str(c).ljust(w) if i in left else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(text).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _check(check: dict) -> str:
    text = ", ".join(f"{k} {v}" for k, v in check["totals"].items())
    if check.get("new_updates"):
        text += f", {check['new_updates']} new updates"
    if check["errors"]:
        text += " ERRORS: " + "; ".join(check["errors"])
    return text + ("" if check["as_expected"] else " (UNEXPECTED)")


def render(results: dict) -> str:
    meta, data, pages, io = results["meta"], results["data"], results["pages"], results["ledger_io"]
    c = data["counts"]
    out = [
        f"Deeds portal benchmark · {meta['when']} · Django {meta['django']} · Python {meta['python']} · "
        f"{meta['cpus']} CPUs · settings {meta['settings']}",
        f"Database: {meta['database']}",
        "",
        f"Ledger generated in {data['seconds']:.2f} s (objects {data['build_seconds']:.2f} s, "
        f"bulk_create {data['insert_seconds']:.2f} s): {c['units']} units, {c['rounds']} rounds, "
        f"{c['projects']:,} projects ({data['published_projects']:,} published), "
        f"{c['progress_updates']:,} progress updates; model rules "
        + ("respected" if not data["problems"] else "BROKEN: " + "; ".join(data["problems"])),
        "Status today: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in data["status_mix"].items()),
        "",
        f"Pages: median of {meta['requests']} requests each after {meta['warmup']} warm-up rounds "
        "(round-robin); queries and SQL ms from one captured request",
    ]
    rows = [
        [
            label,
            f"{p['median_ms']:.2f}",
            f"{p['p90_ms']:.2f}",
            f"{p['ratio_to_trivial']:.1f}",
            p["queries"],
            f"{p['sql_ms_in_captured_request']:.1f}",
            p["note"],
        ]
        for label, p in pages.items()
    ]
    out += _table(["page", "median ms", "p90 ms", "× trivial", "queries", "SQL ms", "note"], rows)
    growth = results.get("query_growth", {})
    if growth:
        out.append(
            "Detail page: "
            + ", ".join(f"{v['queries']} queries with {v['updates']} updates" for v in growth.values())
        )

    ex, im = io["export"], io["import"]
    out += [
        "",
        f"Ledger xlsx, {ex['rows']:,} rows × {ex['columns']} columns ({ex['file_bytes'] / 1024:.0f} KiB): "
        f"median of {meta['repeats']} repeats. py peak = tracemalloc peak (one extra traced run); "
        "RSS peak = growth of the RSS high-water mark over the run (0: fitted in memory already held)",
    ]

    def row(label, m, ratio, queries, note=""):
        return [
            label,
            f"{m['median_s'] * 1000:.0f}",
            f"{m['min_s'] * 1000:.0f}",
            "1.0" if ratio is None else f"{ratio:.1f}",
            _mib(m["tracemalloc_peak_bytes"]),
            _mib(m["rss_peak_growth_kib_median"], 1024),
            queries,
            note,
        ]

    def import_row(label: str, result: dict) -> list:
        return row(label, result, result["ratio"], result["queries"], _check(result["check"]))

    rows = [
        row("export: ProjectResource + XLSX", ex["resource"], ex["ratio"], ex["queries"]),
        row("  baseline: openpyxl write-only", ex["baseline_openpyxl_write_only"], None, 0, "same cells"),
        import_row("import: unchanged file", im["unchanged"]),
        import_row("import: every progress changed", im["changed"]),
        row(
            f"  baseline: bulk_create {im['rows']:,} projects",
            im["baseline_bulk_create"],
            None,
            im["baseline_bulk_create"]["queries"],
        ),
    ]
    out += _table(
        [
            "operation",
            "median ms",
            "min ms",
            "× baseline",
            "py peak MiB",
            "RSS peak MiB",
            "queries",
            "result",
        ],
        rows,
    )

    for wb in filter(None, [results.get("workbook"), (results.get("workbook") or {}).get("this_month")]):
        sheets = ", ".join(f"{name} {rows:,} rows" for name, rows in wb["sheets"].items())
        out += ["", f"Monthly workbook ({wb['month']}: {sheets}; {wb['file_bytes'] / 1024:.0f} KiB)"]
        out += _table(
            ["operation", "median ms", "× baseline", "py peak MiB", "queries"],
            [
                [
                    "monthly workbook (build)",
                    f"{wb['workbook']['median_s'] * 1000:.0f}",
                    f"{wb['ratio']:.2f}",
                    _mib(wb["workbook"]["tracemalloc_peak_bytes"]),
                    wb["workbook"].get("queries", ""),
                ],
                [
                    "  baseline: openpyxl write-only",
                    f"{wb['baseline_openpyxl_write_only']['median_s'] * 1000:.0f}",
                    "",
                    _mib(wb["baseline_openpyxl_write_only"]["tracemalloc_peak_bytes"]),
                    0,
                ],
                *(
                    [
                        [
                            "  same cells and formats, XlsxWriter (the portal's writer)",
                            f"{wb['baseline_same_writer']['median_s'] * 1000:.0f}",
                            f"(workbook {wb['ratio_same_writer']:.2f}×)",
                            _mib(wb["baseline_same_writer"]["tracemalloc_peak_bytes"]),
                            0,
                        ]
                    ]
                    if "baseline_same_writer" in wb
                    else []
                ),
            ],
        )

    if "reforms" in results:
        out += _reforms(results["reforms"], meta, row)

    out += ["", f"Total run time {meta['total_seconds']:.0f} s; {meta['cleanup']}"]
    return "\n".join(out)


def _reforms(reforms: dict, meta: dict, row) -> list[str]:
    """The approval-reform catalogue: its public search and its 5,000-row import."""
    data, im = reforms["data"], reforms["import"]
    out = [
        "",
        f"Reform catalogue: {data['items']:,} service items of {data['units']} units "
        f"(bulk_create {data['seconds']:.2f} s); pages as above",
    ]
    rows = [
        [
            label,
            f"{p['median_ms']:.2f}",
            f"{p['p90_ms']:.2f}",
            f"{p['ratio_to_trivial']:.1f}",
            p["queries"],
            f"{p['sql_ms_in_captured_request']:.1f}",
            p["note"],
        ]
        for label, p in reforms["pages"].items()
    ]
    out += _table(["page", "median ms", "p90 ms", "× trivial", "queries", "SQL ms", "note"], rows)
    if reforms.get("search_plan"):
        out += ["Search plan (PostgreSQL, EXPLAIN ANALYZE of the matching rows):"]
        out += ["  " + line for line in reforms["search_plan"].splitlines()]

    def outcome(check: dict) -> str:
        text = ", ".join(f"{k} {v}" for k, v in check["totals"].items())
        if check["errors"]:
            text += " ERRORS: " + "; ".join(check["errors"])
        return text + ("" if check["as_expected"] else " (UNEXPECTED)")

    out += [
        "",
        f"Reform catalogue xlsx import, {im['rows']:,} rows ({im['file_bytes_new'] / 1024:.0f} KiB): "
        f"median of {meta['repeats']} repeats",
    ]
    rows = [
        row(
            "import: new items",
            im["new"],
            im["new"]["ratio"],
            im["new"]["queries"],
            outcome(im["new"]["check"]),
        ),
        row(
            "import: unchanged export",
            im["unchanged"],
            im["unchanged"]["ratio"],
            im["unchanged"]["queries"],
            outcome(im["unchanged"]["check"]),
        ),
        row(
            f"  baseline: bulk_create {im['rows']:,} items",
            im["baseline_bulk_create"],
            None,
            im["baseline_bulk_create"]["queries"],
        ),
    ]
    headers = [
        "operation",
        "median ms",
        "min ms",
        "× baseline",
        "py peak MiB",
        "RSS peak MiB",
        "queries",
        "result",
    ]
    out += _table(headers, rows)
    if im.get("jobs"):
        out += _reform_jobs(im)
    return out


def _reform_jobs(im: dict) -> list[str]:
    """The same files through the admin's background-job import: each request and job."""
    labels = {
        "upload_request": "upload → queued (request)",
        "check_job": "check job (dry run)",
        "confirm_request": "confirm → queued (request)",
        "import_job": "import job",
    }
    rows = []
    for name, title in (("new", "new items"), ("unchanged", "unchanged export")):
        run = im["jobs"][name]
        for phase, label in labels.items():
            m = run[phase]
            rows.append(
                [
                    f"{title}: {label}",
                    f"{m['median_s'] * 1000:.0f}",
                    f"{min(m['seconds']) * 1000:.0f}",
                    _mib(m["tracemalloc_peak_bytes"]),
                    ""
                    if phase != "import_job"
                    else ("as expected" if run["as_expected"] else f"UNEXPECTED {run['outcomes']}"),
                ]
            )
        rows.append(
            [
                f"{title}: check + import jobs",
                f"{(run['check_job']['median_s'] + run['import_job']['median_s']) * 1000:.0f}",
                "",
                "",
                f"{run['check_plus_import_vs_bulk_create']:.1f} × bulk_create",
            ]
        )
    return [
        "",
        "The same files through the admin (upload and confirm requests; the jobs as the worker runs them):",
        *_table(["step", "median ms", "min ms", "py peak MiB", "result"], rows),
    ]


def write_json(results: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "latest.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path
