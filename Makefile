# `make run` and `make test` work on a fresh clone; nothing else needs setting up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= deeds_portal.settings.dev

.PHONY: run test lint format migrate messages browser-deps bench bench-load clean stack-start stack-stop stack-smoke stack-bench

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

# The background worker (ledger imports, the hotline's case imports) runs beside the server and stops with it.
run: migrate
	$(BIN)/python manage.py seed_demo --users
	$(BIN)/python manage.py db_worker & trap 'kill $$!' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:8000

# Lint, migrations in step with models, then the whole suite with coverage (browser tests
# included: their Chromium and fonts are installed first if missing), in TEST_WORKERS
# processes (pytest-xdist; CI has two cores): each its own test database and Redis database
# (deeds_portal/settings/test.py), a test file's tests in one process. TEST_WORKERS=0 runs
# it in this process.
TEST_WORKERS ?= 2
test: $(STAMP) browser-deps
	$(BIN)/ruff check .
	DJANGO_SETTINGS_MODULE=deeds_portal.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=deeds_portal.settings.test $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile \
	  --cov --cov-report=term:skip-covered

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the translation catalogues (needs Debian's gettext).
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=bench --ignore=tests
	$(BIN)/python manage.py compilemessages --ignore=.venv

# Debian's Chromium and CJK fonts for the browser tests; Playwright never downloads a browser.
# Installed when missing, as root or through passwordless sudo. Where neither can run, the
# browser tests skip themselves and say why, unless BROWSER_DEPS=required (CI): an error.
browser-deps:
	@if command -v chromium >/dev/null && fc-list :lang=zh | grep -q .; then exit 0; fi; \
	if [ "$$(id -u 2>/dev/null)" = 0 ]; then SUDO=; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	elif [ "$(BROWSER_DEPS)" = required ]; then \
	  echo "browser-deps: chromium and fonts-noto-cjk are missing and this user cannot install them (needs root or sudo)" >&2; exit 1; \
	else \
	  echo "browser-deps: chromium and fonts-noto-cjk are missing; run 'sudo make browser-deps' to install them, or the browser tests are skipped" >&2; exit 0; \
	fi; \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk

bench: $(STAMP)
	DJANGO_SETTINGS_MODULE=deeds_portal.settings.test $(BIN)/python -m bench

# wrk (Debian's package) against gunicorn on loopback: the public pages beside a bare view.
bench-load: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(BIN)/python -m bench.load

# The production stack on loopback (nginx + 2 gunicorn + PostgreSQL + Redis): see deploy/stack.sh.
stack-start: $(STAMP)
	deploy/stack.sh start

stack-stop:
	deploy/stack.sh stop

# CI's HTTPS smoke test through nginx; stops the stack whatever the outcome.
stack-smoke: $(STAMP)
	deploy/stack.sh start && deploy/stack.sh smoke; status=$$?; deploy/stack.sh stop; exit $$status

# Minutes of wrk load through nginx, and each failure once under load (deploy/bench.sh).
stack-bench: $(STAMP)
	deploy/bench.sh

clean:
	rm -rf $(VENV) .pytest_cache .coverage htmlcov staticfiles .test-media
