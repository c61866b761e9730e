#!/usr/bin/env bash
# Load and failures through nginx with two app servers (`make stack-bench`; minutes, not in CI):
#   steady      BENCH_SECONDS (60) of wrk at BENCH_CONNECTIONS (32) on the dashboard and the
#               project list: must give 0 failed requests
#   kill-app    app server 1 killed (SIGKILL) a third into the run: nginx moves to the other
#   pg-restart  PostgreSQL stopped ~5 s and started: /healthz answers 503, then 200 by itself
#   redis-stop  Redis stopped: pages answer from the database, the admin login lock holds
# Each line of bench/results/stack-<time>.jsonl is one run: throughput, p50/p99, failed requests.
set -euo pipefail
cd "$(dirname "$0")/.."

STACK=deploy/stack.sh
SECONDS_STEADY="${BENCH_SECONDS:-60}"
SECONDS_FAILURE="${BENCH_FAILURE_SECONDS:-30}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
mkdir -p bench/results
OUT="bench/results/stack-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
WORK="$(mktemp -d)"

"$STACK" start bench
trap '"$STACK" stop; rm -rf "$WORK"' EXIT
ORIGIN="$("$STACK" origin)"

load() {  # seconds -> the JSON line of deploy/wrk-pages.lua
  wrk -t2 -c"$CONNECTIONS" -d"${1}s" --timeout 30s -s deploy/wrk-pages.lua "$ORIGIN" | tail -n 1
}
record() {  # name, wrk JSON, extra JSON fields
  local line="{\"run\":\"$1\",\"connections\":$CONNECTIONS,${2#\{}"
  [ -n "${3:-}" ] && line="${line%\}},$3}"
  echo "$line" | tee -a "$OUT"
}
probe() { "$STACK" check "$@" 2>/dev/null | tail -n 1; }
fields() { local json="$1"; json="${json#\{}"; echo "${json%\}}"; }

load 5 >/dev/null  # warm-up: imports, connections, template caches

record steady "$(load "$SECONDS_STEADY")"

load "$SECONDS_FAILURE" >"$WORK/kill" &
sleep $((SECONDS_FAILURE / 3))
"$STACK" app-kill 1
wait $!
record kill-app "$(cat "$WORK/kill")" '"killed":"app server 1 (SIGKILL to its process group)"'
"$STACK" app-start 1

load "$SECONDS_FAILURE" >"$WORK/pg" &
sleep $((SECONDS_FAILURE / 3))
"$STACK" pg-stop
down="$(probe healthz 4)"
"$STACK" pg-start
up="$(probe until-healthy 30)"
wait $!
record pg-restart "$(cat "$WORK/pg")" "$(fields "$down"),$(fields "$up")"

load "$SECONDS_FAILURE" >"$WORK/redis" &
sleep $((SECONDS_FAILURE / 3))
"$STACK" redis-stop
cache="$(probe cache)"
lock="$(probe login-lock)"
wait $!
record redis-stop "$(cat "$WORK/redis")" "$(fields "$cache"),$(fields "$lock")"
"$STACK" redis-start

echo "bench: results in $OUT" >&2
