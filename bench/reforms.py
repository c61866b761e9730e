"""The approval-reform catalogue (政务服务事项目录): its public search and its xlsx import.

* ``/reforms/`` with a search and two filters (and plain, with a two-character word, and
  with a word whose characters match in order with gaps, 老人优待证: both served on
  PostgreSQL by the name's characters index, not the trigram one), beside the trivial view, round-robin
  in the same run, as ``bench.pages`` does. Pages are measured *rendered*: the
  public page cache is made stale before each request (a generation bump, as a
  citizen's new search always misses it), while the catalogue's figures and the
  search's department choices stay cached as they do between staff changes. One
  row renders with those recomputed too (the first view after a change) and one
  is a page-cache hit, for comparison;
* importing a 5,000-row xlsx of new items, and re-importing an unchanged export of
  5,000 items (every row skipped), through ``ServiceItemResource`` as the admin
  does, beside a plain ``bulk_create`` of as many items; time and peak memory;
* the same two files through the admin's background-job import (``imports.tasks``):
  the upload request (stores the file, queues the check), the check job (dry run),
  the confirm request (queues the import) and the import job, each timed once (their
  tracemalloc peaks only with ``traced``). The jobs run here in the benchmark's process, as the
  worker (``db_worker``) runs them, under the dummy task backend, which only records.

The catalogue is generated with ``bulk_create`` (``--reform-items``, default
5,000; the PostgreSQL run uses 100,000). Imported rows are deleted after each
repeat, so every repeat sees the same catalogue.
"""

import datetime
import io
import random
import re
import time
import tracemalloc

import openpyxl
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from import_export.formats.base_formats import XLSX

from audit.models import AuditEntry
from imports import tasks
from imports.models import ImportJob
from reforms.models import ServiceItem
from reforms.resources import ServiceItemResource
from units.models import Unit
from units.public_pages import _bump

from .pages import BASELINE, PageResult
from .stats import measure, median

IMPORT_ROWS = 5_000
UNITS = 20
SUBJECTS = (
    "老年人 残疾人 退役军人 困难群众 新生儿 学生 农村居民 城镇职工 个体工商户 小微企业 "
    "建设工程 食品经营 药品零售 道路运输 医疗机构 社会团体 民办学校 旅行社 农药经营 排污单位"
).split()
OBJECTS = "优待证 补贴 津贴 许可证 登记证 资格证 证明 备案 执照 待遇 救助 保险 户口 档案".split()
ACTIONS = "办理 申领 核发 变更 注销 延续 补办 认定 审批 确认 转移 查询".split()
# A citizen's search: words of three characters (served by the trigram index) and two filters.
SEARCH = "/reforms/?q=老年人+优待证&level=village&reform=nearby"
SHORT_WORD = "/reforms/?q=老年&item_type=public_service&level=village"
IN_ORDER = "/reforms/?q=老人优待证"


def _name(rng: random.Random) -> str:
    return rng.choice(SUBJECTS) + rng.choice(OBJECTS) + rng.choice(ACTIONS)


def _item(rng: random.Random, number: int, units: list[Unit], prefix: str = "BENCH") -> ServiceItem:
    unit = units[number % len(units)]
    level = rng.choice(ServiceItem.Level.values)
    nearby = level == ServiceItem.Level.VILLAGE and rng.random() < 0.5
    batch = rng.randint(1, 6) if rng.random() < 0.2 else None
    should_enter = level == ServiceItem.Level.CITY and rng.random() < 0.6
    return ServiceItem(
        name=_name(rng),
        code=f"{prefix}{unit.pk:03d}-{number:07d}",
        item_type=rng.choice(ServiceItem.Type.values),
        competent_department=unit,
        implementing_unit=unit,
        legal_basis="《中华人民共和国行政许可法》",
        level=level,
        time_limit_days=rng.choice([0, 1, 3, 5, 10, 20]),
        visits=rng.choice([0, 1, 1, 1, 2]),
        online=rng.random() < 0.7,
        nearby=nearby,
        one_seal=nearby and rng.random() < 0.2,
        batch=batch,
        landed_on=None if batch is None else datetime.date(2021, batch, 28),
        should_enter=should_enter,
        has_entered=should_enter and rng.random() < 0.93,
    )


def generate(count: int, seed: int, created: dict) -> dict:
    """``count`` items of 20 city-level units; their pks go into ``created`` for the cleanup."""
    rng = random.Random(seed)
    start = time.perf_counter()
    units = [
        Unit.objects.create(name=f"基准市直单位{n:02d}(bench)", kind=Unit.Kind.DEPARTMENT, sort_order=900 + n)
        for n in range(1, UNITS + 1)
    ]
    created.setdefault("units.Unit", []).extend(unit.pk for unit in units)
    pks = created.setdefault("reforms.ServiceItem", [])
    for first in range(0, count, 5_000):
        rows = [_item(rng, n, units) for n in range(first, min(count, first + 5_000))]
        with transaction.atomic():
            pks.extend(item.pk for item in ServiceItem.objects.bulk_create(rows, batch_size=1_000))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reforms_serviceitem")
    return {"items": count, "units": UNITS, "seconds": round(time.perf_counter() - start, 2)}


def pages_to_measure() -> list[PageResult]:
    matches = ServiceItem.objects.search("老年人 优待证").filter(level="village", nearby=True).count()
    short = ServiceItem.objects.search("老年").filter(level="village", item_type="public_service").count()
    in_order = ServiceItem.objects.search("老人优待证").count()
    item = ServiceItem.objects.order_by("pk").values_list("pk", flat=True)[ServiceItem.objects.count() // 2]
    return [
        PageResult(BASELINE, "/__bench__/trivial/", "HttpResponse, full middleware"),
        PageResult("/reforms/", "/reforms/", "figures + first page"),
        PageResult(
            "/reforms/?q=…&level=…&reform=…", SEARCH, f"2 words of 3 chars, 2 filters: {matches} match"
        ),
        PageResult("/reforms/?q=老年&…", SHORT_WORD, f"1 word of 2 chars, 2 filters: {short} match"),
        PageResult("/reforms/?q=老人优待证", IN_ORDER, f"characters in order with gaps: {in_order} match"),
        PageResult("/reforms/<id>/", f"/reforms/{item}/", "one item"),
        PageResult(
            "/reforms/?q=… (figures recomputed)", SEARCH, "after a change: figures and departments anew"
        ),
        PageResult("/reforms/?q=… (cache hit)", SEARCH, "served from the public page cache", cached=True),
    ]


def _prepare(client, page: PageResult) -> None:
    """Put the caches in the state the row measures (see the module docstring)."""
    if page.cached:
        client.get(page.url)
    elif "recomputed" in page.label:
        cache.clear()
    else:
        _bump()  # stale pages; the figures and department choices stay cached


def measure_pages(requests: int, warmup: int) -> dict:
    with override_settings(ROOT_URLCONF="bench.urls"):
        client = Client()
        results = pages_to_measure()
        for _ in range(warmup):
            for page in results:
                response = client.get(page.url)
                if response.status_code != 200:
                    raise SystemExit(f"bench: {page.url} answered {response.status_code}")
                page.bytes = len(response.content)
        for page in results:
            _prepare(client, page)
            with CaptureQueriesContext(connection) as captured:
                client.get(page.url)
            page.queries = len(captured.captured_queries)
            times = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
            page.sql_ms = sum(t for t, _ in times)
            if times:
                page.slowest_sql_ms, page.slowest_sql = max(times)
        for _ in range(requests):
            for page in results:
                _prepare(client, page)
                start = time.perf_counter()
                client.get(page.url)
                page.times_ms.append((time.perf_counter() - start) * 1000)
    baseline = results[0].median_ms
    return {page.label: page.as_dict(baseline) for page in results}


def explain_search() -> str:
    """The plan of the search's count query (PostgreSQL: whether the trigram index serves it)."""
    queryset = ServiceItem.objects.search("老年人 优待证").filter(level="village", nearby=True)
    if connection.vendor != "postgresql":
        return ""
    return queryset.explain(analyze=True)


def _xlsx(headers: list, rows: list) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _import(data: bytes):
    dataset = XLSX().create_dataset(data)
    return ServiceItemResource().import_data(dataset, dry_run=False, use_transactions=True)


def _outcome(result, expect: dict) -> dict:
    totals = {key: value for key, value in result.totals.items() if value}
    errors = [f"row {n}: {e[0].error}" for n, e in result.row_errors()[:3]]
    errors += [f"row {r.number}: {r.error_dict}" for r in result.invalid_rows[:3]]
    errors += [str(e.error) for e in result.base_errors[:3]]
    return {"totals": totals, "errors": errors, "as_expected": totals == expect and not errors}


def measure_imports(repeats: int, job_repeats: int = 1, traced: bool = False) -> dict:
    """The direct imports and their baseline, timed ``repeats`` times; with ``traced``, once more
    each under tracemalloc (off by default: tracing slows an import several times over; the RSS
    peak of the timed runs is reported either way)."""
    first = list(ServiceItem.objects.order_by("pk").values_list("pk", flat=True)[:IMPORT_ROWS])
    rows = len(first)
    resource = ServiceItemResource()
    dataset = resource.export(queryset=ServiceItem.objects.filter(pk__in=first), force_native_type=True)
    headers = list(dataset.headers)
    unchanged = _xlsx(headers, [list(row) for row in dataset])
    # The same rows as new items: blank 编号, new codes.
    id_column, code_column = headers.index("编号"), headers.index("事项编码")
    fresh_rows = []
    for row in dataset:
        row = list(row)
        row[id_column] = None
        row[code_column] = "NEW-" + row[code_column]
        fresh_rows.append(row)
    fresh = _xlsx(headers, fresh_rows)
    watermark = {"pk": 0}

    def mark():
        watermark["pk"] = ServiceItem.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def undo(_result=None):
        ServiceItem.objects.filter(pk__gt=watermark["pk"]).delete()

    out = {"rows": rows, "file_bytes_new": len(fresh), "file_bytes_unchanged": len(unchanged)}
    for name, data, expect in (("new", fresh, {"new": rows}), ("unchanged", unchanged, {"skip": rows})):
        check = {}

        def after(result, check=check, expect=expect):
            check.update(_outcome(result, expect))
            undo()

        measured = measure(
            lambda data=data: _import(data),
            repeats,
            before=mark,
            after=after,
            traced=traced,
            connection=connection,
        )
        out[name] = {**measured.as_dict(), "check": check}

    rng = random.Random(1)
    units = list(Unit.objects.filter(name__endswith="(bench)").order_by("pk"))
    pending = {}

    def build():
        mark()
        pending["rows"] = [_item(rng, n, units, prefix="BASE") for n in range(rows)]

    def bulk():
        with transaction.atomic():
            ServiceItem.objects.bulk_create(pending["rows"], batch_size=ServiceItemResource._meta.chunk_size)

    baseline = measure(bulk, repeats, before=build, after=undo, traced=traced, connection=connection)
    out["baseline_bulk_create"] = baseline.as_dict()
    for name in ("new", "unchanged"):
        out[name]["ratio"] = round(out[name]["median_s"] / baseline.median_s, 2)
    out["jobs"] = measure_import_jobs(job_repeats, {"new": fresh, "unchanged": unchanged}, rows, mark, undo)
    for name in ("new", "unchanged"):
        out["jobs"][name]["check_plus_import_vs_bulk_create"] = round(
            (out["jobs"][name]["check_job"]["median_s"] + out["jobs"][name]["import_job"]["median_s"])
            / baseline.median_s,
            1,
        )
    return out


JOB_USER = "bench-reform-imports"
# The test settings run a task when it is queued; the bench times the requests and the jobs apart.
QUEUE_ONLY = override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
PHASES = ("upload_request", "check_job", "confirm_request", "import_job")


def _job_client() -> tuple[Client, object]:
    user, _ = get_user_model().objects.get_or_create(
        username=JOB_USER, defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return client, user


def _one_job(client, user, data: bytes, traced: bool) -> tuple[dict, dict, ImportJob]:
    """Upload → check job → confirm → import job; each phase's seconds (and traced peak)."""
    seconds, peaks = {}, {}

    def timed(name, call):
        if traced:
            tracemalloc.start()
        start = time.perf_counter()
        value = call()
        seconds[name] = time.perf_counter() - start
        if traced:
            peaks[name] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        return value

    upload = SimpleUploadedFile("事项目录.xlsx", data)
    with QUEUE_ONLY:  # the requests queue the jobs; each job is timed on its own below
        response = timed(
            "upload_request",
            lambda: client.post(
                "/admin/reforms/serviceitem/import/", {"format": 0, "resource": 0, "import_file": upload}
            ),
        )
    assert response.status_code == 302, response.content[:300]
    job_pk = int(re.search(r"/importjob/(\d+)/", response.url)[1])
    timed("check_job", lambda: tasks.check_import.call(job_pk))
    page = client.get(response.url).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token, ImportJob.objects.get(pk=job_pk).errors[:3]
    with QUEUE_ONLY:
        confirmed = timed(
            "confirm_request",
            lambda: client.post(f"/admin/imports/importjob/{job_pk}/confirm/", {"token": token[1]}),
        )
    assert confirmed.status_code == 302
    timed("import_job", lambda: tasks.run_import.call(job_pk, user.pk, "127.0.0.1"))
    return seconds, peaks, ImportJob.objects.get(pk=job_pk)


def measure_import_jobs(repeats: int, files: dict, rows: int, mark, undo, traced: bool = False) -> dict:
    """The admin's job import of each file: ``repeats`` timed runs, then, if ``traced``, one
    under tracemalloc.

    Each run imports the file twice (the check, then the import), beside the direct imports
    timed above: one timed run and no traced one by default (``run``) keep ``make bench``
    within its minutes (a traced run costs several untraced ones; the direct imports' RSS
    peak gives the import's memory).
    """
    client, user = _job_client()
    out = {}
    try:
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
            for name, data in files.items():
                runs, peaks, outcomes = [], {}, []
                for run in range(repeats + traced):
                    mark()
                    seconds, traced_peaks, job = _one_job(client, user, data, traced=run == repeats)
                    outcomes.append((job.status, job.new, job.updated, job.unchanged, job.error_count))
                    undo()
                    if run < repeats:
                        runs.append(seconds)
                    else:
                        peaks = traced_peaks
                expected = ("done", rows, 0, 0, 0) if name == "new" else ("done", 0, 0, rows, 0)
                out[name] = {
                    phase: {
                        "seconds": [round(run[phase], 4) for run in runs],
                        "median_s": round(median([run[phase] for run in runs]), 4),
                        "tracemalloc_peak_bytes": peaks.get(phase),
                    }
                    for phase in PHASES
                }
                out[name]["outcomes"] = sorted(set(outcomes))
                out[name]["as_expected"] = set(outcomes) == {expected}
    finally:
        ImportJob.objects.filter(created_by=user).delete()
        AuditEntry.objects.filter(username=JOB_USER).delete()
        user.delete()  # and the admin log entries of the imports
    return out


def run(items: int, seed: int, created: dict, requests: int, warmup: int, repeats: int, stage) -> dict:
    stage(f"reforms: generating {items:,} catalogue items")
    generated = generate(items, seed, created)
    stage(f"reforms: measuring /reforms/ ({requests} requests each)")
    pages = measure_pages(requests, warmup)
    stage(f"reforms: measuring the {IMPORT_ROWS:,}-row xlsx import ({repeats} repeats each)")
    imports = measure_imports(repeats)
    return {"data": generated, "pages": pages, "search_plan": explain_search(), "import": imports}
