# llm-model-ids — the two commands a newcomer needs: `make demo` and `make test`.
# Everything the targets need is installed by them: a .venv from PyPI, Debian packages
# (PostgreSQL 15, plpgsql_check, pgTAP, pg_prove) when run as root, the Supabase CLI from npm.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUPABASE_CLI_VERSION := 2.117.0
SUPABASE := node_modules/.bin/supabase
APT_PACKAGES := postgresql-15 postgresql-15-plpgsql-check postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
PYTEST_ARGS ?=

.PHONY: help demo test test-15 test-18 lint format bench system-deps supabase-cli clean

help:
	@echo "make demo   - embedded PostgreSQL, legacy rows, install, backfill, before/after"
	@echo "make test   - lint, type check, the suite on PostgreSQL 15 and 18, pgTAP, Supabase checks"
	@echo "make bench  - benchmarks (writes BENCHMARKS.md)"

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Debian packages for the PostgreSQL 15 run, plpgsql_check, pgTAP and pg_prove (root only).
system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages: $$missing (run as root, or: sudo apt-get install $$missing)" >&2; exit 1; \
	  fi; \
	fi

# package.json pins supabase@$(SUPABASE_CLI_VERSION); its postinstall fetches nothing (the
# binary ships in the npm package).
$(SUPABASE): package.json
	npm ci --silent --no-audit --no-fund
	touch $@

supabase-cli: $(SUPABASE)

demo: $(BIN)/.installed
	$(BIN)/llm-model-ids demo

lint: $(BIN)/.installed
	$(BIN)/ruff check python tests scripts
	$(BIN)/ruff format --check python tests scripts
	$(BIN)/mypy

format: $(BIN)/.installed
	$(BIN)/ruff check --fix python tests scripts
	$(BIN)/ruff format python tests scripts

test-15: $(BIN)/.installed system-deps supabase-cli
	LLM_MODEL_IDS_PG=15 $(BIN)/pytest $(PYTEST_ARGS)

test-18: $(BIN)/.installed supabase-cli
	LLM_MODEL_IDS_PG=18 $(BIN)/pytest -m 'not debian_pg15' $(PYTEST_ARGS)

test: lint test-15 test-18

bench: $(BIN)/.installed system-deps
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
