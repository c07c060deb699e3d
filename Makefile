# Two commands from a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test lint setup catalogs db demo translations screenshots clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs exactly the tested versions in constraints.txt; redone when they change.
$(VENV)/.installed: $(BIN)/python setup.cfg constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,lint]'
	touch $@

setup: $(VENV)/.installed catalogs node_modules/axe-core/axe.min.js

# axe-core for the accessibility checks of the browser tests (npm registry, pinned in package-lock.json).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: the accessibility checks will be skipped"; fi

catalogs: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations

db: setup
	PANEL_ENV=development $(BIN)/flask db upgrade

run: db
	PANEL_ENV=development $(BIN)/flask panel demo --if-empty
	PANEL_ENV=development $(BIN)/flask run --host 127.0.0.1 --port 5000

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Dependencies point one way (import-linter's contracts in setup.cfg), ruff is clean, and bandit
# finds nothing of medium severity or more in the application (settings in pyproject.toml).
lint: $(VENV)/.installed
	$(BIN)/lint-imports
	$(BIN)/ruff check panel tests bench docs
	$(BIN)/ruff format --check panel tests bench docs
	$(BIN)/bandit --quiet --configfile pyproject.toml --severity-level medium --recursive panel

translations: setup
	PANEL_ENV=development $(BIN)/flask translate update

# Every main page in both languages, from demo data, into docs/screenshots/ (needs /usr/bin/chromium).
screenshots: setup
	$(BIN)/python docs/make_screenshots.py

# The benchmark harness (a tool, not a test): a cached database of SIZE (S = the demo data, L, XL),
# gunicorn with gunicorn.conf.py on loopback, wrk; prints a table and writes docs/benchmarks.md.
# DB=sqlite|postgresql|both (PostgreSQL at PANEL_BENCH_PG_URL, default postgres@127.0.0.1:5432).
SIZE ?= S
DB ?= sqlite
bench: $(VENV)/.installed catalogs
	@command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk"; exit 1; }
	$(BIN)/python bench/harness.py --size $(SIZE) --db $(DB) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/panel.sqlite3* .pytest_cache
