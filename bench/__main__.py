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
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up rounds over all pages (default 5)")
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed repeats of each xlsx operation (default 5)"
    )
    parser.add_argument(
        "--hotline-repeats", type=int, default=3, help="timed repeats of each 200,000-case import (default 3)"
    )
    parser.add_argument("--skip-hotline", action="store_true", help="leave out the hotline measurements")
    parser.add_argument("--seed", type=int, default=20210701, help="seed of the data generator")
    parser.add_argument(
        "--reform-items", type=int, default=5_000, help="service items in the catalogue (default 5,000)"
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the temporary SQLite file")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()

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
        stage(f"measuring pages ({args.requests} requests each)")
        page_results = pages.measure(requests=args.requests, warmup=args.warmup)
        growth = pages.query_growth()
        stage(f"measuring xlsx export/import ({args.repeats} repeats each)")
        io_results = ledger_io.run(repeats=args.repeats)
        reform_results = reform_bench.run(
            args.reform_items, args.seed, db.created, args.requests, args.warmup, args.repeats, stage
        )
        stage(f"measuring the monthly workbook ({args.repeats} repeats)")
        workbook_results = workbook.run(repeats=args.repeats, seed=args.seed, stage=stage)
        stage("measuring the volunteer rosters (2,000 volunteers, 50 posts, a year of shifts)")
        volunteer_results = volunteers.run(repeats=args.repeats, requests=args.requests, warmup=args.warmup)
        hotline_results = None
        if not args.skip_hotline:
            stage(f"measuring the hotline: 200,000-case imports ({args.hotline_repeats} repeats), page")
            hotline_results = hotline.run(
                repeats=args.hotline_repeats, requests=args.requests, warmup=args.warmup, seed=args.seed
            )
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
                "seed": args.seed,
            },
            "data": {**generated.as_dict(), "problems": problems, "status_mix": mix},
            "pages": page_results,
            "query_growth": growth,
            "ledger_io": io_results,
            "workbook": workbook_results,
            "reforms": reform_results,
            "volunteers": volunteer_results,
            "hotline": hotline_results,
        }
    finally:
        cleanup = database.cleanup(db, keep=args.keep_db)
    results["meta"]["cleanup"] = cleanup
    results["meta"]["total_seconds"] = round(time.perf_counter() - started, 1)
    print(report.render(results))
    print(volunteers.render(results["volunteers"]))
    if results["hotline"]:
        print(hotline.render(results["hotline"]))
    path = report.write_json(results)
    print(f"JSON written to {os.path.relpath(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
