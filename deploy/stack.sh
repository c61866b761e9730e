#!/usr/bin/env bash
# The production stack on loopback: nginx (TLS) -> two gunicorn app servers (+ the worker,
# if the portal has one) -> its own PostgreSQL cluster and Redis, all on 127.0.0.1.
#
#   deploy/stack.sh start | stop | status
#   deploy/stack.sh smoke                       HTTPS smoke test through nginx (deploy/smoke.py)
#   deploy/stack.sh check <probe> ...           failure probes (deploy/failure_checks.py)
#   deploy/stack.sh manage <command> ...        manage.py with the stack's environment
#   deploy/stack.sh app-kill N | app-start N    kill (SIGKILL) / start app server N (1, 2 …)
#   deploy/stack.sh pg-stop | pg-start | redis-stop | redis-start
#
# It renders and runs the files in deploy/ (nginx site, systemd units, example env file), so
# those are what gets tested. Everything it starts it stops by PID; nothing listens beyond
# 127.0.0.1. Missing Debian packages are installed (as root) like `make browser-deps` does.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
DEPLOY="$REPO/deploy"
STATE="${STACK_DIR:-${TMPDIR:-/tmp}/deeds-portal-stack}"
HTTPS_PORT="${STACK_HTTPS_PORT:-18443}"
HTTP_PORT="${STACK_HTTP_PORT:-18080}"
APP_PORTS="${STACK_APP_PORTS:-18001 18002}"
PG_PORT="${STACK_PG_PORT:-15432}"
REDIS_PORT="${STACK_REDIS_PORT:-16379}"  # the page cache; the sign-in counts on the next port
THROTTLE_PORT=$((REDIS_PORT + 1))
PYTHON="$REPO/.venv/bin/python"
ORIGIN="https://127.0.0.1:$HTTPS_PORT"
LOGS="$STATE/logs"

say() { echo "stack: $*" >&2; }
die() { say "$*"; exit 1; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_packages() {
  local missing=()
  command -v nginx >/dev/null || missing+=(nginx-light)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v curl >/dev/null || missing+=(curl)
  [ -n "$(pg_bin)" ] || missing+=(postgresql)
  command -v pg_dump >/dev/null || missing+=(postgresql-client)
  if [ "${1:-}" = bench ]; then command -v wrk >/dev/null || missing+=(wrk); fi
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages (install as root): ${missing[*]}"
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# PostgreSQL refuses to run as root: its cluster belongs to the postgres user then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

load_env() {
  set -a
  # shellcheck disable=SC1091
  . "$STATE/deeds-portal.env"
  set +a
}

alive() { local pid; pid="$(cat "$1" 2>/dev/null)" && kill -0 "$pid" 2>/dev/null; }

# Stop the process (group) whose PID is in $1 and wait until it has gone.
stop_pid() {
  local pidfile="$1" signal="${2:-TERM}" pid
  alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid="$(cat "$pidfile")"
  kill "-$signal" -- "-$pid" 2>/dev/null || kill "-$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"; }
  rm -f "$pidfile"
}

set_env_value() {  # keep the example file's keys: a key it lacks is an error, not a silent add
  grep -q "^$1=" "$STATE/deeds-portal.env" || die "deploy/deeds-portal.env.example has no $1"
  sed -i "s|^$1=.*|$1=$2|" "$STATE/deeds-portal.env"
}

prepare() {
  mkdir -p "$STATE" "$LOGS" "$STATE/nginx-tmp" "$STATE/media" "$STATE/static" "$STATE/pg-run"
  chmod 755 "$STATE"
  [ -f "$STATE/secret_key" ] || "$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(64))' >"$STATE/secret_key"
  if [ ! -f "$STATE/tls.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$STATE/tls.key" -out "$STATE/tls.crt" 2>/dev/null
    chmod 600 "$STATE/tls.key"
  fi

  cp "$DEPLOY/deeds-portal.env.example" "$STATE/deeds-portal.env"
  set_env_value SECRET_KEY "$(cat "$STATE/secret_key")"
  set_env_value ALLOWED_HOSTS "127.0.0.1,localhost"
  set_env_value CSRF_TRUSTED_ORIGINS "$ORIGIN"
  set_env_value DATABASE_URL "postgres://deeds@127.0.0.1:$PG_PORT/deeds"
  set_env_value CACHE_URL "redis://127.0.0.1:$REDIS_PORT/0"
  set_env_value LOGIN_THROTTLE_CACHE_URL "redis://127.0.0.1:$THROTTLE_PORT/0"
  set_env_value MEDIA_ROOT "$STATE/media"
  set_env_value STATIC_ROOT "$STATE/static"
  set_env_value IMPORT_PENDING_DIR "$STATE/pending-imports"
  set_env_value WEB_CONCURRENCY "${STACK_WORKERS:-2}"

  local app_servers="" port user=www-data
  for port in $APP_PORTS; do app_servers="$app_servers 127.0.0.1:$port"; done
  [ "$(id -u)" -eq 0 ] || user="$(id -un)"
  "$DEPLOY/render.py" "$DEPLOY/nginx/deeds-portal.conf" "APP_SERVER=${app_servers# }" \
    SERVER_NAME="127.0.0.1 localhost" HTTP_LISTEN="127.0.0.1:$HTTP_PORT" \
    HTTPS_LISTEN="127.0.0.1:$HTTPS_PORT" HTTPS_ORIGIN="$ORIGIN" LOG_DIR="$LOGS" \
    TLS_CERT="$STATE/tls.crt" TLS_KEY="$STATE/tls.key" STATIC_ROOT="$STATE/static" \
    >"$STATE/deeds-portal.conf"
  "$DEPLOY/render.py" "$DEPLOY/nginx/stack-main.conf" NGINX_USER="$user" STATE_DIR="$STATE" \
    LOG_DIR="$LOGS" >"$STATE/nginx.conf"
  local unit
  for unit in deeds-portal@.service deeds-portal-worker.service deeds-portal-notify.service; do
    "$DEPLOY/render.py" "$DEPLOY/systemd/$unit" APP_USER="$(id -un)" APP_DIR="$REPO" \
      ENV_FILE="$STATE/deeds-portal.env" >"$STATE/$unit"
  done
}

pg_start() {
  local bin; bin="$(pg_bin)"
  if [ ! -f "$STATE/pg/PG_VERSION" ]; then
    mkdir -p "$STATE/pg"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$STATE/pg" "$STATE/pg-run"
    as_pg "$bin/initdb" -D "$STATE/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg "$bin/pg_ctl" -D "$STATE/pg" -l "$STATE/pg-run/postgres.log" -w -s start \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $STATE/pg-run -c fsync=off"
  psql -qtA -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "select 1 from pg_roles where rolname='deeds'" |
    grep -q 1 || psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "create role deeds login createdb"
  psql -qtA -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "select 1 from pg_database where datname='deeds'" |
    grep -q 1 || psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "create database deeds owner deeds"
}

pg_stop() {
  [ -f "$STATE/pg/postmaster.pid" ] || return 0
  as_pg "$(pg_bin)/pg_ctl" -D "$STATE/pg" -m fast -w -s stop || true
}

redis_stop() {
  local pid name
  for name in redis redis-throttle; do
    pid="$(cat "$STATE/$name.pid" 2>/dev/null)" || continue
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$STATE/$name.pid"
  done
}

# The two Redis servers of deploy/redis/, as production runs them, on the stack's ports.
redis_start() {
  redis_run redis "$DEPLOY/redis/page-cache.conf" "$REDIS_PORT"
  redis_run redis-throttle "$DEPLOY/redis/login-throttle.conf" "$THROTTLE_PORT"
}

redis_run() {
  local name="$1" conf="$2" port="$3"
  alive "$STATE/$name.pid" && return 0
  redis-server "$conf" --port "$port" --bind 127.0.0.1 --daemonize yes \
    --pidfile "$STATE/$name.pid" --logfile "$LOGS/$name.log" --dir "$STATE"
  for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "$name did not start"
}

# Run the ExecStart line of a rendered unit, as systemd would, in its own process group.
run_unit() {
  local unit="$1" instance="$2" pidfile="$3" log="$4" exec_start
  exec_start="$(sed -n 's/^ExecStart=//p' "$STATE/$unit")"
  exec_start="${exec_start//%i/$instance}"
  (
    cd "$(sed -n 's/^WorkingDirectory=//p' "$STATE/$unit")"
    load_env
    # shellcheck disable=SC2086
    exec setsid $exec_start >>"$log" 2>&1 </dev/null
  ) &
  echo $! >"$pidfile"
}

app_start() {
  local n="$1" port
  port="$(echo "$APP_PORTS" | cut -d' ' -f"$n")"
  [ -n "$port" ] || die "no app server $n"
  alive "$STATE/app$n.pid" && return 0
  run_unit deeds-portal@.service "$port" "$STATE/app$n.pid" "$LOGS/app$n.log"
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" -H "X-Forwarded-Proto: https" && return 0
    alive "$STATE/app$n.pid" || break
    sleep 0.2
  done
  tail -n 20 "$LOGS/app$n.log" >&2
  die "app server $n did not come up"
}

manage() { (cd "$REPO" && load_env && "$PYTHON" manage.py "$@"); }

start() {
  install_packages "${1:-}"
  prepare
  pg_start
  redis_start
  manage check --deploy --fail-level WARNING >/dev/null
  manage migrate --noinput -v 0
  manage collectstatic --noinput -v 0
  manage seed_demo >/dev/null
  local n=1 _port
  for _port in $APP_PORTS; do app_start "$n"; n=$((n + 1)); done
  if manage help db_worker >/dev/null 2>&1; then
    alive "$STATE/worker.pid" || run_unit deeds-portal-worker.service "" "$STATE/worker.pid" "$LOGS/worker.log"
  fi
  nginx -t -q -c "$STATE/nginx.conf" -g "error_log $LOGS/nginx-error.log;" 2>&1 | grep -v "^$" >&2 || true
  alive "$STATE/nginx.pid" || nginx -c "$STATE/nginx.conf"
  for _ in $(seq 1 50); do
    curl -sfk -o /dev/null "$ORIGIN/healthz" && { say "up: $ORIGIN (state and logs in $STATE)"; return 0; }
    sleep 0.2
  done
  die "nginx does not answer on $ORIGIN"
}

stop() {
  [ -d "$STATE" ] || return 0
  local pid
  if pid="$(cat "$STATE/nginx.pid" 2>/dev/null)"; then
    kill -QUIT "$pid" 2>/dev/null || true  # graceful: requests in flight finish
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    rm -f "$STATE/nginx.pid"
  fi
  stop_pid "$STATE/worker.pid"
  local pidfile
  for pidfile in "$STATE"/app*.pid; do [ -e "$pidfile" ] && stop_pid "$pidfile"; done
  redis_stop
  pg_stop
  say "stopped"
}

status() {
  local name
  for name in nginx app1 app2 worker redis redis-throttle; do
    if alive "$STATE/$name.pid"; then echo "$name: running (pid $(cat "$STATE/$name.pid"))"
    else echo "$name: stopped"; fi
  done
  if [ -f "$STATE/pg/postmaster.pid" ]; then echo "postgresql: running (pid $(head -n 1 "$STATE/pg/postmaster.pid"))"
  else echo "postgresql: stopped"; fi
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop ;;
  status) status ;;
  manage) shift; manage "$@" ;;
  smoke | check)
    script=deploy/smoke.py; [ "$1" = check ] && script=deploy/failure_checks.py
    shift
    (cd "$REPO" && load_env && STACK_ORIGIN="$ORIGIN" STACK_DIR="$STATE" STACK_HTTP_PORT="$HTTP_PORT" \
      "$PYTHON" "$script" "$@") ;;
  app-kill) stop_pid "$STATE/app$2.pid" KILL ;;
  app-start) app_start "$2" ;;
  pg-stop) pg_stop ;;
  pg-start) pg_start ;;
  redis-stop) redis_stop ;;
  redis-start) redis_start ;;
  origin) echo "$ORIGIN" ;;
  state) echo "$STATE" ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
