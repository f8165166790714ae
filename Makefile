# Two commands for a newcomer: `make demo` and `make test`. Everything else is for developers.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
MANAGE := $(BIN)/coresponder

.PHONY: demo demo-reset test lint format lock clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Coresponder needs Python 3.11, found " + sys.version'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-base: requirements/base.lock pyproject.toml | $(BIN)/python
	$(PIP) install -r requirements/base.lock
	$(PIP) install --no-deps -e .
	touch $@

$(VENV)/.installed-test: requirements/test.lock pyproject.toml | $(BIN)/python
	$(PIP) install -r requirements/test.lock
	$(PIP) install --no-deps -e .
	touch $@ $(VENV)/.installed-base

## Install, load the synthetic demo program into SQLite and serve it at http://127.0.0.1:8000
demo: $(VENV)/.installed-base
	DJANGO_SETTINGS_MODULE=coresponder.settings.dev $(MANAGE) demo

## The same, the demo built afresh for today (a demo built on an earlier day is kept by `make demo`)
demo-reset: $(VENV)/.installed-base
	DJANGO_SETTINGS_MODULE=coresponder.settings.dev $(MANAGE) demo --reset

## Install what the tests need, then lint and run the whole suite (DATABASE_URL picks the database)
# Two workers: CI has two cores, and the suite takes half the time split across them.
TEST_WORKERS ?= 2
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=coresponder.settings.test $(MANAGE) makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Re-pin dependencies after editing pyproject.toml
lock: $(BIN)/python
	$(PIP) install pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --no-header -o requirements/base.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --no-header --extra test -o requirements/test.lock pyproject.toml

clean:
	rm -rf $(VENV) test-results .pytest_cache .ruff_cache .import_linter_cache
