"""The pgTAP suite, tests/pgtap/*.test.sql, run by pg_prove against a fresh installed database.

The files are written as a Supabase project's supabase/tests/database/*.test.sql (what
``supabase test db`` runs with pg_prove in its Docker stack): each is one transaction that creates
the pgtap extension, plans, tests and rolls back. Here pg_prove runs directly (no Docker), on
Debian's PostgreSQL 15 with its pgTAP package (postgresql-15-pgtap, pg_prove from
libtap-parser-sourcehandler-pgtap-perl; ``make system-deps``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from tools import REPO

PGTAP_DIR = Path(__file__).resolve().parent / "pgtap"
PG_PROVE_TIMEOUT = 300  # seconds; the suite takes well under one
PLAN = re.compile(r"^select plan\((\d+)\);$", re.MULTILINE)
LIBPQ_ENV = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "dbname": "PGDATABASE"}


def pgtap_files() -> list[Path]:
    return sorted(PGTAP_DIR.glob("*.test.sql"))


def planned_tests(path: Path) -> int:
    plans = PLAN.findall(path.read_text(encoding="utf-8"))
    assert len(plans) == 1, f"{path.name}: expected one `select plan(n);`, found {len(plans)}"
    return int(plans[0])


def test_pgtap_files_have_the_supabase_layout() -> None:
    """begin; create extension if not exists pgtap; select plan(n); ... finish(); rollback;"""
    files = pgtap_files()
    assert [path.name for path in files] == [
        "01_rules.test.sql",
        "02_api_roles.test.sql",
        "03_rls.test.sql",
        "04_rules_v2.test.sql",
    ]
    for path in files:
        statements = [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("--")
        ]
        assert statements[:2] == ["begin;", "create extension if not exists pgtap;"], path.name
        assert PLAN.match(statements[2]), path.name
        assert statements[-2:] == ["select * from finish();", "rollback;"], path.name
        assert planned_tests(path) > 0


def pg_prove_env(dsn: str) -> dict[str, str]:
    """The environment for pg_prove/psql: the test database through libpq's PG* variables."""
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    for key, variable in LIBPQ_ENV.items():
        if params.get(key) is not None:
            env[variable] = str(params[key])
    if params.get("password") is not None:
        env["PGPASSWORD"] = str(params["password"])
    return env


@pytest.mark.debian_pg15
def test_pg_prove_passes(db: str) -> None:
    pg_prove = shutil.which("pg_prove")
    if pg_prove is None:
        pytest.fail(
            "pg_prove is not installed: install libtap-parser-sourcehandler-pgtap-perl and "
            "postgresql-15-pgtap (`make system-deps`)",
            pytrace=False,
        )
    with psycopg.connect(db, autocommit=True) as conn:
        available = conn.execute(
            "select 1 from pg_catalog.pg_available_extensions where name = 'pgtap'"
        ).fetchone()
    if available is None:
        pytest.fail(
            "the server has no pgtap extension: install postgresql-15-pgtap (`make system-deps`) "
            "and run on PostgreSQL 15 (LLM_MODEL_IDS_PG=15)",
            pytrace=False,
        )

    files = pgtap_files()
    expected = sum(planned_tests(path) for path in files)
    result = subprocess.run(
        [pg_prove, "--verbose", "--ext", ".sql", "--recurse", str(PGTAP_DIR.relative_to(REPO))],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=pg_prove_env(db),
        timeout=PG_PROVE_TIMEOUT,
        check=False,
    )
    output = (
        f"$ {' '.join(result.args)}\nexit code {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    assert result.returncode == 0, output
    assert "Result: PASS" in result.stdout, output
    assert f"Files={len(files)}, Tests={expected}," in result.stdout, output
    assert "not ok" not in result.stdout, output
