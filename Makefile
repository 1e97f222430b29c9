# 自治法アカデミー — developer commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STATUTES_DIR ?= ../shared/statutes
export FLASK_APP := app:create_app

.PHONY: run test lint install translations e2e bench clean

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

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules artifacts
