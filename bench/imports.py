"""Ledger csv imports at 5,000 and 20,000 rows beside a parse + bulk insert (issue 20, item 4).

For the project ledger (项目台账, ``ProjectResource``) and the service-item catalogue
(事项目录, ``ServiceItemResource``), at each size:

* **new**: a csv of rows without 编号, imported as the confirmed import job does
  (``imports.engines.LedgerEngine.run``: the superuser's resource, one revision around
  ``import_data`` through ``imports.history.import_revision``, all or nothing), parse included;
* **unchanged**: the export of as many stored rows, imported back (every row skipped);
* **baseline**: parsing the new file (``ChineseCSV``) and ``bulk_create`` of as many rows
  of the same values, in one transaction.

Targets: new ≤ 3× the baseline, unchanged ≤ 2×. Rows written are deleted after each
repeat, and everything this module created at the end. ``python -m bench.imports``
runs it alone (``--sizes``, ``--repeats``, ``--ledgers``); ``make bench`` runs it too.
"""

import argparse
import datetime
import gc
import os
import random
import sys
import time
from decimal import Decimal

SIZES = (5_000, 20_000)
LEDGERS = ("projects", "reforms")
TAG = "(bench-imports)"
NEW_TARGET, UNCHANGED_TARGET = 3, 2
PROFILER = None  # --profile: a cProfile.Profile enabled around each import_data only


def _setup():
    from django.contrib.auth import get_user_model

    from units.models import Unit

    units = [
        Unit.objects.create(name=f"基准导入单位{n:02d}{TAG}", kind=Unit.Kind.DEPARTMENT, sort_order=950 + n)
        for n in range(1, 21)
    ]
    user = get_user_model().objects.create_user(
        username="bench-imports", is_staff=True, is_superuser=True, password=None
    )
    return units, user


def _teardown(units, user) -> None:
    from reversion.models import Revision, Version

    from projects.models import Project, Round
    from reforms.models import ServiceItem

    Version.objects.filter(revision__user=user).delete()
    Revision.objects.filter(user=user).delete()
    ServiceItem.objects.filter(implementing_unit__in=units).delete()
    Project.objects.filter(unit__in=units).delete()
    Round.objects.filter(name__endswith=TAG).delete()
    for unit in units:
        unit.delete()
    user.delete()


def _project(rng, n, units, round_, prefix):
    from projects.models import Project

    return Project(
        round=round_,
        title=f"{prefix}为群众办实事项目第{n:06d}号",
        description="老旧小区雨污管网改造,惠及周边居民。" * rng.randint(1, 3),
        category=rng.choice(Project.Category.values),
        unit=units[n % len(units)],
        lead_name="张三",
        deadline=datetime.date(2026, 1 + n % 12, 1 + n % 28),
        budget=Decimal(rng.randint(1_000, 3_000_000)),
        spent=Decimal(rng.randint(0, 1_000)),
        beneficiary_count=rng.randint(30, 20_000),
        beneficiaries="社区居民",
        demand_source=rng.choice(Project.DemandSource.values),
        is_public=rng.random() < 0.9,
    )


def _item(rng, n, units, prefix):
    from bench.reforms import _item

    return _item(rng, n, units, prefix=prefix)


class Ledger:
    """One ledger's rows, files and baseline at one size."""

    def __init__(self, name, size, units, user):
        self.name, self.size, self.units, self.user = name, size, units, user
        if name == "projects":
            from projects.models import Project, Round
            from projects.resources import ProjectResource

            self.model, self.resource_class = Project, ProjectResource
            self.round = Round.objects.create(
                name=f"基准导入批次{size}{TAG}", start_date=datetime.date(2025, 1, 1)
            )
            self.rows = lambda rng, n, prefix: _project(rng, n, units, self.round, prefix)
            self.scope = {"round": self.round}
        else:
            from reforms.models import ServiceItem
            from reforms.resources import ServiceItemResource

            self.model, self.resource_class = ServiceItem, ServiceItemResource
            self.rows = lambda rng, n, prefix: _item(rng, n, units, prefix)
            self.scope = {"implementing_unit__in": units}

    def generate(self) -> None:
        """``size`` stored rows (the unchanged file's), and the two files."""
        from django.db import transaction

        from imports.resources import ChineseCSV

        rng = random.Random(self.size)
        stored = [self.rows(rng, n, "OLD" if self.name == "reforms" else "原有") for n in range(self.size)]
        with transaction.atomic():
            self.model.objects.bulk_create(stored, batch_size=1_000)
        resource = self.resource_class()
        dataset = resource.export(
            queryset=resource.filter_export(self.model.objects.filter(**self.scope).order_by("pk"))
        )
        self.unchanged = ChineseCSV().export_data(dataset).encode("utf-8-sig")
        headers = list(dataset.headers)
        id_col, version_col = headers.index("编号"), headers.index("版本")
        key_col = headers.index("事项编码" if self.name == "reforms" else "项目名称")
        del dataset[0 : len(dataset)]
        new_rows = []
        for row in self._exported_rows():
            row = list(row)
            row[id_col] = row[version_col] = ""
            row[key_col] = "NEW-" + row[key_col] if self.name == "reforms" else "新" + row[key_col]
            new_rows.append(row)
        dataset.extend(new_rows)
        self.new = ChineseCSV().export_data(dataset).encode("utf-8-sig")

    def _exported_rows(self):
        from imports.resources import ChineseCSV

        return list(ChineseCSV().create_dataset(self.unchanged))

    def watermark(self) -> int:
        return self.model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def undo(self, since: int) -> None:
        """Delete the rows a run wrote, and its revision: without the per-row delete signals
        (the review queue's clean-up asks a query per row), as the rows have no dependants."""
        from django.db import connection
        from reversion.models import Revision, Version

        if self.name == "projects":
            from projects.models import ProgressUpdate

            ProgressUpdate.objects.filter(project__pk__gt=since)._raw_delete(connection.alias)
        self.model.objects.filter(pk__gt=since)._raw_delete(connection.alias)
        Version.objects.filter(revision__user=self.user)._raw_delete(connection.alias)
        Revision.objects.filter(user=self.user)._raw_delete(connection.alias)

    def import_file(self, data: bytes):
        from django.test.utils import override_settings

        from imports.history import import_revision
        from imports.resources import ChineseCSV

        dataset = ChineseCSV().create_dataset(data)
        resource = self.resource_class(user=self.user)
        with override_settings(IMPORT_TIME_LIMIT_SECONDS=3600), import_revision(self.user, "bench"):
            if PROFILER is not None:
                PROFILER.enable()
            try:
                return resource.import_data(
                    dataset,
                    dry_run=False,
                    raise_errors=False,
                    use_transactions=True,
                    rollback_on_validation_errors=True,
                    user=self.user,
                    retain_instance_in_row_result=True,
                )
            finally:
                if PROFILER is not None:
                    PROFILER.disable()

    def baseline(self):
        """Parse the new file, then insert as many rows of the same values, unchecked."""
        from django.db import transaction

        from imports.resources import ChineseCSV

        rng = random.Random(self.size)
        rows = [self.rows(rng, n, "BASE" if self.name == "reforms" else "基准") for n in range(self.size)]

        def run():
            # With the cycle collector paused, as the import pauses it: 20,000 rows alive in
            # one process cost it alike.
            collecting = gc.isenabled()
            gc.disable()
            try:
                ChineseCSV().create_dataset(self.new)
                with transaction.atomic():
                    self.model.objects.bulk_create(
                        rows, batch_size=self.resource_class._meta.chunk_size or 500
                    )
            finally:
                if collecting:
                    gc.enable()
            for row in rows:  # the same instances again next repeat
                row.pk, row._state.adding = None, True

        return run


def _outcome(result, expect: dict) -> dict:
    totals = {key: value for key, value in result.totals.items() if value}
    errors = [f"row {n}: {e[0].error}" for n, e in result.row_errors()[:3]]
    errors += [f"row {r.number}: {r.error_dict}" for r in result.invalid_rows[:3]]
    errors += [str(e.error) for e in result.base_errors[:3]]
    return {"totals": totals, "errors": errors, "as_expected": totals == expect and not errors}


def _paired(ledger, size, runs, connection) -> dict:
    """The baseline, the new file and the unchanged file, one after the other in each repeat:
    each repeat's ratios are to the baseline measured just before them (the machine's speed
    drifts between repeats more than within one), and the figure is the median of those ratios."""
    from .stats import Measured, measure, median

    mark = {"pk": 0}

    def before():
        mark["pk"] = ledger.watermark()

    kinds = {
        "new": (ledger.new, {"new": size}),
        "unchanged": (ledger.unchanged, {"skip": size}),
    }
    baseline_run = ledger.baseline()
    measured = {kind: Measured() for kind in ("baseline", *kinds)}
    checks = {kind: {} for kind in kinds}
    for repeat in range(runs):
        once = measure(baseline_run, 1, before=before, after=lambda _r: ledger.undo(mark["pk"]), traced=False)
        measured["baseline"].seconds += once.seconds
        for kind, (data, expect) in kinds.items():

            def after(result, check=checks[kind], expect=expect):
                check.update(_outcome(result, expect))
                ledger.undo(mark["pk"])

            once = measure(
                lambda data=data: ledger.import_file(data),
                1,
                before=before,
                after=after,
                traced=False,
                connection=connection if repeat == 0 else None,
            )
            measured[kind].seconds += once.seconds
            measured[kind].rss_peak_growth_kib += once.rss_peak_growth_kib
            measured[kind].maxrss_delta_kib += once.maxrss_delta_kib
            measured[kind].peak_reset = once.peak_reset
            if once.queries is not None:
                measured[kind].queries = once.queries
    entry = {"baseline_parse_bulk_create": measured["baseline"].as_dict()}
    base = measured["baseline"].seconds
    for kind in kinds:
        seconds = measured[kind].seconds
        entry[kind] = {
            **measured[kind].as_dict(),
            "check": checks[kind],
            "ratio": round(median([s / b for s, b in zip(seconds, base, strict=True)]), 2),
        }
    return entry


def run(sizes=SIZES, repeats: int = 1, ledgers=LEDGERS, stage=None, more_repeats=None) -> dict:
    """``repeats`` timed runs at the first size, ``more_repeats`` (default: as many) at the others."""
    from django.db import connection

    units, user = _setup()
    out = {"sizes": list(sizes), "repeats": repeats, "results": []}
    try:
        for index, size in enumerate(sizes):
            runs = repeats if index == 0 or more_repeats is None else more_repeats
            for name in ledgers:
                if stage:
                    stage(f"imports: {name}, {size:,} rows ({runs} repeats each)")
                ledger = Ledger(name, size, units, user)
                ledger.generate()
                entry = {"ledger": name, "rows": size, "repeats": runs, "file_bytes": len(ledger.new)}
                entry.update(_paired(ledger, size, runs, connection))
                out["results"].append(entry)
                ledger.model.objects.filter(**ledger.scope).delete()
    finally:
        _teardown(units, user)
    return out


def render(results: dict) -> str:
    lines = [
        "",
        "Ledger csv imports (issue 20 item 4): median of the runs; import = parse + "
        "import_data in one revision by a superuser, all or nothing; baseline = parse the new file + "
        "bulk_create as many rows in one transaction, measured just before the imports in each "
        "repeat; ratio = median of the repeats' ratios",
    ]
    rows = []
    for e in results["results"]:
        base = e["baseline_parse_bulk_create"]["median_s"]
        for kind, target in (("new", NEW_TARGET), ("unchanged", UNCHANGED_TARGET)):
            r = e[kind]
            check = r["check"]
            note = ", ".join(f"{k} {v}" for k, v in check["totals"].items())
            if check["errors"]:
                note += " ERRORS: " + "; ".join(check["errors"])
            if not check["as_expected"]:
                note += " (UNEXPECTED)"
            rows.append(
                [
                    f"{e['ledger']} {e['rows']:,} {kind}",
                    e.get("repeats", results["repeats"]),
                    f"{r['median_s']:.2f}",
                    f"{base:.3f}",
                    f"{r['ratio']:.2f}",
                    f"≤ {target}×",
                    r.get("queries", ""),
                    note,
                ]
            )
    from .report import _table

    lines += _table(
        ["import", "runs", "median s", "baseline s", "ratio", "target", "queries", "result"], rows
    )
    return "\n".join(lines)


def summary_rows(results: dict, add) -> None:
    """The rows of ``make bench``'s summary table (``report._summary_rows``)."""
    for e in results["results"]:
        base = e["baseline_parse_bulk_create"]["median_s"]
        for kind, target in (("new", NEW_TARGET), ("unchanged", UNCHANGED_TARGET)):
            r = e[kind]
            add(
                f"{e['ledger']} csv import {e['rows']:,} {kind}",
                f"{r['median_s']:.2f} s",
                f"parse+bulk_create {base:.2f} s",
                r["ratio"],
                f"≤ {target}×",
                r["ratio"] <= target and r["check"]["as_expected"],
            )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=1, help="timed runs at the first size")
    parser.add_argument("--more-repeats", type=int, help="timed runs at the other sizes (default: --repeats)")
    parser.add_argument("--ledgers", nargs="+", default=list(LEDGERS), choices=LEDGERS)
    parser.add_argument("--profile", help="write a cProfile of the run to this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deeds_portal.settings.test")
    from bench import database

    db = database.choose()
    import django

    django.setup()
    started = time.perf_counter()

    def stage(text):
        print(f"bench: [{time.perf_counter() - started:5.1f} s] {text}", file=sys.stderr, flush=True)

    try:
        database.migrate()
        database.ensure_empty(db)
        stage(f"database {db.describe()}; load {os.getloadavg()}")
        global PROFILER
        if args.profile:
            import cProfile

            PROFILER = cProfile.Profile()
        results = run(args.sizes, args.repeats, args.ledgers, stage, more_repeats=args.more_repeats)
        if args.profile:
            PROFILER.dump_stats(args.profile)
    finally:
        database.cleanup(db)
    print(render(results))
    print(f"load average at the end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
