"""``make bench-load``'s ratios: a page against the bare view, in the leg and beside it."""

from bench.load import page_ratios, render


def wrk_run(rps):
    return {"rps": rps, "p50_ms": 2.0, "p99_ms": 4.0, "errors": 0}


def test_a_page_is_met_only_when_it_keeps_up_with_the_bare_runs_beside_it_too():
    # The machine slows down during the leg: the second page ran beside slow bare runs.
    bare_runs = [wrk_run(8000), wrk_run(8000), wrk_run(5000), wrk_run(5000)]
    results = {"/": wrk_run(7000), "/projects/": wrk_run(4500), "/hotline/": wrk_run(3900)}
    pages = page_ratios(results, bare_runs, dict.fromkeys(results, 10.0))

    assert pages["/"]["ratio_to_bare_beside"] == 0.88 and pages["/"]["ratio_to_bare"] == 1.08
    assert pages["/projects/"]["ratio_to_bare_beside"] == 0.69  # beside 8,000 and 5,000
    assert pages["/hotline/"]["ratio_to_bare_beside"] == 0.78 and pages["/hotline/"]["ratio_to_bare"] == 0.6

    table = render(
        [
            {
                "database": "sqlite",
                "bare": {"rps_median": 6500, "p99_ms_median": 3.0, "errors": 0},
                "pages": pages,
            }
        ],
        10,
        16,
    )
    verdicts = {line.split()[0]: line.split()[-1] for line in table.splitlines() if line.startswith("  /")}
    assert verdicts == {"/": "ok", "/projects/": "MISS", "/hotline/": "MISS"}
