"""Load benchmark of the public pages (``make bench-load``): wrk against gunicorn on loopback.

The portal runs under gunicorn (2 sync workers) with the production settings and
the demo data, on SQLite and then on PostgreSQL with a Redis cache. The baseline is a
bare Django view (``bench.urls.trivial``) with no middleware at all
(``bench.settings_bare``), under a second gunicorn of the same shape: it is measured
between the pages, interleaved, and its median is the reference; each page is also
shown against the bare runs just before and after it. Target: a cached public page at
>= 0.8x the baseline's requests per second by both ratios, p99 < 50 ms.
Each run is ``wrk -c 16 -d 10s``. Needs Debian's ``wrk`` (``make bench-load``
installs it) and, for the second leg, PostgreSQL and Redis on 127.0.0.1.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PAGES = [
    "/",
    "/projects/",
    "/projects/{detail}/",
    "/en/projects/",
    "/reforms/",
    "/hotline/",
    "/volunteers/",
    "/suggestions/",
    "/open-data/",
    "/open-data/projects.json",
]
BARE = "/__bench__/trivial/"
TARGET_RATIO = 0.8
TARGET_P99_MS = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, env, **kwargs):
    return subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True, text=True, **kwargs)


def parse_wrk(output: str) -> dict:
    def seconds(text):
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 1e-3, "ms": 1, "s": 1000}[unit]

    requests_per_s = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = seconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    p50 = seconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    return {"rps": requests_per_s, "p50_ms": p50, "p99_ms": p99, "requests": total, "errors": errors}


def wrk(url: str, seconds: int, connections: int) -> dict:
    output = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return parse_wrk(output)


def start_gunicorn(env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [
            GUNICORN,
            "deeds_portal.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
        ]
        + ["--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    return server, f"http://127.0.0.1:{port}"


def wait_for(url: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"bench-load: {url} does not answer")


def leg(name: str, database_url: str, cache_url: str | None, seconds: int, connections: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings_load",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        STATIC_ROOT=str(work / "static"),
        MEDIA_ROOT=str(work / "media"),
        IMPORT_PENDING_DIR=str(work / "pending"),
        LOG_LEVEL="WARNING",
    )
    if cache_url:
        env["CACHE_URL"] = cache_url
    print(f"bench-load: [{name}] migrating, loading demo data, collecting static files", file=sys.stderr)
    run([PYTHON, "manage.py", "migrate", "--noinput"], env)
    run([PYTHON, "manage.py", "seed_demo"], env)
    run([PYTHON, "manage.py", "collectstatic", "--noinput"], env)
    detail = (
        run(
            [
                PYTHON,
                "manage.py",
                "shell",
                "-c",
                "from projects.models import Project; print(Project.objects.published().first().pk)",
            ],
            env,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    if cache_url:
        run([PYTHON, "manage.py", "shell", "-c", "from django.core.cache import cache; cache.clear()"], env)
    server, base = start_gunicorn(env)
    bare_server, bare_base = start_gunicorn({**env, "DJANGO_SETTINGS_MODULE": "bench.settings_bare"})
    try:
        wait_for(base + "/healthz")
        wait_for(bare_base + BARE)
        pages = [page.format(detail=detail) for page in PAGES]
        # A cache miss after a change: the first request of each page after a bump.
        misses = {}
        for page in pages:
            started = time.perf_counter()
            urllib.request.urlopen(base + page, timeout=30).read()
            misses[page] = round((time.perf_counter() - started) * 1000, 1)
        wrk(bare_base + BARE, 2, connections)  # warm-up
        for page in pages:
            wrk(base + page, 2, connections)
        bare_runs, results = [], {}
        for page in pages:
            bare_runs.append(wrk(bare_base + BARE, seconds, connections))
            results[page] = wrk(base + page, seconds, connections)
            print(f"bench-load: [{name}] {page}: {results[page]['rps']:.0f} req/s", file=sys.stderr)
        bare_runs.append(wrk(bare_base + BARE, seconds, connections))
    finally:
        for process in (server, bare_server):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    bare_rps = median(r["rps"] for r in bare_runs)
    return {
        "database": name,
        "bare": {
            "rps_median": round(bare_rps),
            "p99_ms_median": round(median(r["p99_ms"] for r in bare_runs), 1),
            "errors": sum(r["errors"] for r in bare_runs),
        },
        "pages": page_ratios(results, bare_runs, misses),
    }


def page_ratios(results: dict, bare_runs: list[dict], misses: dict) -> dict:
    """Each page's wrk figures with its requests per second against the bare view: to the
    median of the leg's bare runs, and to the bare runs just before and after it (the
    machine's speed drifts over a leg; this one drifts with it less). ``bare_runs`` holds
    one run before each page and one after the last."""
    bare_rps = median(r["rps"] for r in bare_runs)
    return {
        page: {
            **r,
            "ratio_to_bare": round(r["rps"] / bare_rps, 2),
            "ratio_to_bare_beside": round(
                r["rps"] / ((bare_runs[i]["rps"] + bare_runs[i + 1]["rps"]) / 2), 2
            ),
            "first_request_ms": misses[page],
        }
        for i, (page, r) in enumerate(results.items())
    }


def render(legs: list[dict], seconds: int, connections: int) -> str:
    lines = [
        f"Load: wrk -c {connections} -d {seconds}s against gunicorn (2 sync workers), production settings, demo data",
        "",
    ]
    for result in legs:
        bare = result["bare"]
        lines.append(
            f"{result['database']}: bare Django view without middleware {bare['rps_median']} req/s"
            f" (median of {len(result['pages']) + 1} runs), p99 {bare['p99_ms_median']} ms, errors {bare['errors']}"
        )
        lines.append(
            f"  {'page (cached)':32} {'req/s':>8} {'× bare':>7} {'× beside':>8} {'target':>7} {'p50 ms':>7}"
            f" {'p99 ms':>7} {'errors':>6} {'1st request ms':>14}"
        )
        for page, r in result["pages"].items():
            # Met only when both ratios are: to the leg's median bare run and to the runs beside it.
            ratio = min(r["ratio_to_bare"], r["ratio_to_bare_beside"])
            met = "ok" if ratio >= TARGET_RATIO and r["p99_ms"] < TARGET_P99_MS else "MISS"
            lines.append(
                f"  {page:32} {r['rps']:8.0f} {r['ratio_to_bare']:7.2f} {r['ratio_to_bare_beside']:8.2f}"
                f" {'≥' + str(TARGET_RATIO):>6} {r['p50_ms']:7.1f}"
                f" {r['p99_ms']:7.1f} {r['errors']:6d} {r['first_request_ms']:14.1f}  {met}"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/deeds_bench_load")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("bench-load: wrk is missing; `make bench-load` installs Debian's package", file=sys.stderr)
        return 2
    legs = []
    if not args.postgres_only:
        with tempfile.TemporaryDirectory() as folder:
            legs.append(
                leg("SQLite", f"sqlite:///{folder}/load.sqlite3", None, args.seconds, args.connections)
            )
    if not args.sqlite_only:
        name = args.postgres.rsplit("/", 1)[1]
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        try:
            legs.append(leg("PostgreSQL + Redis", args.postgres, args.redis, args.seconds, args.connections))
        finally:
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=False)
    print(render(legs, args.seconds, args.connections))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "load.json").write_text(json.dumps(legs, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
