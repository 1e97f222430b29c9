# 自治法アカデミー — developer commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STATUTES_DIR ?= ../shared/statutes
export FLASK_APP := app:create_app

.PHONY: run test lint install translations e2e bench bench-postgres bench-tools clean

$(BIN)/flask: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

install: $(BIN)/flask translations

translations: $(BIN)/flask
	@$(BIN)/pybabel compile -q -d translations 2>/dev/null || $(BIN)/pybabel compile -d translations

run: install
	$(BIN)/flask db upgrade
	@if [ -d "$(STATUTES_DIR)" ]; then STATUTES_DIR="$(STATUTES_DIR)" $(BIN)/flask statutes import --dir "$(STATUTES_DIR)"; \
	  else echo "No statutes at $(STATUTES_DIR): citations link to e-Gov and are not verified."; fi
	$(BIN)/flask content import content
	@echo ""
	@echo "  自治法アカデミー: http://127.0.0.1:$(PORT)/"
	@echo "  The first account you register becomes the administrator;"
	@echo "  or: $(BIN)/flask users create --email you@example.jp --role admin"
	@echo ""
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/pytest

# Browser tests: Playwright drives Debian's Chromium (apt-get install chromium; set CHROMIUM=/path for another)
# against the app served like `make run` with a fresh database; axe-core comes from npm (package-lock.json).
# Screenshots, the axe report and the server log go to artifacts/.
AXE := node_modules/axe-core/axe.min.js

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

e2e: install $(AXE)
	$(BIN)/pytest tests/e2e

# The load benchmark (docs/benchmarks.md): seeds 5,000 learners in 100 cohorts, serves them with gunicorn and
# drives each page with wrk on 127.0.0.1. SQLite in a temporary folder by default; `make bench-postgres` starts a
# throwaway PostgreSQL cluster; DATABASE_URL=postgresql://… make bench uses an existing, empty database.
# BENCH_ARGS passes options (e.g. BENCH_ARGS="--duration 30 --json out.json"). Not part of CI.
$(VENV)/.bench-installed: pyproject.toml $(BIN)/flask
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	@touch $@

bench-tools: $(VENV)/.bench-installed translations
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk (Debian package)"; \
	  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; } \
	  || { echo "wrk is needed: apt-get install wrk"; exit 1; }

bench: bench-tools
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-postgres: bench-tools
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }
	$(BIN)/python -m bench.run --postgres $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules artifacts
