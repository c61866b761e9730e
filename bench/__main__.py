"""``python -m bench`` (``make bench``): see the package docstring."""

import argparse
import datetime
import os
import platform
import sys
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="City-scale benchmark of the portal."
    )
    parser.add_argument("--requests", type=int, default=15, help="timed requests per page (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up rounds over all pages (default 2)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed repeats of each xlsx operation (default 3)"
    )
    parser.add_argument(
        "--import-repeats",
        type=int,
        default=2,
        help="timed repeats of each 5,000-row reform catalogue import (default 2)",
    )
    parser.add_argument(
        "--hotline-repeats", type=int, default=2, help="timed repeats of each hotline case import (default 2)"
    )
    parser.add_argument(
        "--hotline-rows", type=int, default=50_000, help="rows of the hotline case import (default 50,000)"
    )
    parser.add_argument(
        "--hotline-cases",
        type=int,
        default=1_000_000,
        help="cases over the 120 months behind /hotline/ (default 1,000,000)",
    )
    parser.add_argument("--details", action="store_true", help="print every section, not only the summary")
    parser.add_argument("--skip-hotline", action="store_true", help="leave out the hotline measurements")
    parser.add_argument("--seed", type=int, default=20210701, help="seed of the data generator")
    parser.add_argument(
        "--reform-items", type=int, default=5_000, help="service items in the catalogue (default 5,000)"
    )
    parser.add_argument(
        "--import-sizes",
        type=int,
        nargs="+",
        default=[5_000, 20_000],
        help="rows of the ledger csv imports beside parse + bulk insert (default 5,000 and 20,000)",
    )
    parser.add_argument("--skip-imports", action="store_true", help="leave out the ledger csv imports")
    parser.add_argument("--keep-db", action="store_true", help="keep the temporary SQLite file")
    parser.add_argument(
        "--only",
        choices=["pages"],
        help="pages: build the city-scale data of every app but time only the public pages "
        "(minutes, not the whole run: to measure a change to a page)",
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load_start = os.getloadavg()  # the machine is shared: the figures are read beside its load

    def stage(text: str) -> None:
        print(f"bench: [{time.perf_counter() - started:5.1f} s] {text}", file=sys.stderr, flush=True)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deeds_portal.settings.test")
    from bench import database

    db = database.choose()  # before django.setup(): the settings read DATABASE_URL

    import django

    django.setup()
    try:
        database.migrate()
        database.ensure_empty(db)

        from bench import (  # after setup: they import models
            data,
            hotline,
            imports,
            ledger_io,
            pages,
            report,
            volunteers,
            workbook,
        )
        from bench import reforms as reform_bench

        stage(f"database {db.describe()}")
        stage("generating the ledger")
        generated = data.generate(seed=args.seed)
        db.created = generated.created
        problems = data.check_consistency()
        mix = data.status_mix()
        pages_only = args.only == "pages"
        io_results = workbook_results = volunteer_results = None
        if pages_only:
            stage(f"reforms: generating {args.reform_items:,} catalogue items")
            reform_results = {"data": reform_bench.generate(args.reform_items, args.seed, db.created)}
            stage(f"reforms: measuring /reforms/ ({args.requests} requests each)")
            reform_results["pages"] = reform_bench.measure_pages(args.requests, args.warmup)
        else:
            stage(f"measuring xlsx export/import ({args.repeats} repeats each)")
            io_results = ledger_io.run(repeats=args.repeats)
            reform_results = reform_bench.run(
                args.reform_items,
                args.seed,
                db.created,
                args.requests,
                args.warmup,
                args.import_repeats,
                stage,
            )
        import_results = None
        if not pages_only and not args.skip_imports:
            # The repeats at the first size; one run at the larger ones keeps the minutes down.
            import_results = imports.run(args.import_sizes, args.repeats, stage=stage, more_repeats=1)
        hotline_results = None
        try:
            years = None
            if not args.skip_hotline:
                hotline_results = {}
                if not pages_only:
                    stage(f"hotline: {args.hotline_rows:,}-case imports ({args.hotline_repeats} repeats)")
                    hotline_results["import"] = hotline.run_imports(
                        args.hotline_repeats, args.seed, args.hotline_rows
                    )
                # Kept to the end: the workbook and the public pages read them.
                stage(f"hotline: generating 120 months and {args.hotline_cases:,} cases")
                hotline_results["page_data"] = hotline.generate_page_data(args.seed, args.hotline_cases)
                years = hotline.YEARS
            if pages_only:
                stage("volunteers: 2,000 volunteers, 50 posts, a year of shifts")
                volunteers.populate()
            else:
                stage("measuring the volunteer rosters (2,000 volunteers, 50 posts, a year of shifts)")
                volunteer_results = volunteers.run(repeats=args.repeats)
                stage(f"measuring the monthly workbook ({args.repeats} repeats)")
                workbook_results = workbook.run(repeats=args.repeats)
            # Last, with every app's data in place: the home page counts them all.
            stage(f"measuring every public page ({args.requests} requests each)")
            page_results = pages.measure(requests=args.requests, warmup=args.warmup, hotline_years=years)
            growth = pages.query_growth()
        finally:
            volunteers.teardown()
            hotline.teardown()
        results = {
            "meta": {
                "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "django": django.get_version(),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "settings": os.environ["DJANGO_SETTINGS_MODULE"],
                "database": db.describe(),
                "requests": args.requests,
                "warmup": args.warmup,
                "repeats": args.repeats,
                "import_repeats": args.import_repeats,
                "seed": args.seed,
                "only": args.only,
                "load_average": load_start,
            },
            "data": {**generated.as_dict(), "problems": problems, "status_mix": mix},
            "pages": page_results,
            "query_growth": growth,
            "ledger_io": io_results,
            "workbook": workbook_results,
            "reforms": reform_results,
            "imports": import_results,
            "volunteers": volunteer_results,
            "hotline": hotline_results,
        }
    finally:
        cleanup = database.cleanup(db, keep=args.keep_db)
    results["meta"]["cleanup"] = cleanup
    results["meta"]["total_seconds"] = round(time.perf_counter() - started, 1)
    details = "\n".join(
        [
            report.render(results),
            *([volunteers.render(results["volunteers"])] if results["volunteers"] else []),
            *([imports.render(results["imports"])] if results["imports"] else []),
            *([hotline.render(results["hotline"])] if results["hotline"] else []),
        ]
    )
    path = report.write_json(results)
    text = report.write_text(details)
    if args.details:
        print(details + "\n")
    results["meta"]["load_average_end"] = os.getloadavg()
    print(report.summary(results))
    print(f"Every section: {os.path.relpath(text)} (--details prints it); JSON: {os.path.relpath(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
