"""What the tests that run external tools share: the repository, the venv's console scripts, a
readable account of a command's run for assertion messages, and the plpgsql_check extension."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

REPO = Path(__file__).resolve().parents[1]


def venv_tool(name: str) -> Path:
    """A console script of the virtualenv running the tests (or on PATH); a failure if missing."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed: it is a dev dependency (pip install -e '.[dev]', which "
            "`make test` does)",
            pytrace=False,
        )
    return Path(found)


def describe(result: subprocess.CompletedProcess[str]) -> str:
    """The command, its exit code and its whole output, for assertion messages."""
    return (
        f"$ {' '.join(result.args)}\nexit code {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )


def require_plpgsql_check(conn: psycopg.Connection[Any]) -> None:
    """CREATE EXTENSION plpgsql_check (its checks and its profiler), or a failure that says how
    to get it: only Debian's PostgreSQL 15 packages it here, hence the tests' debian_pg15."""
    available = conn.execute(
        "select 1 from pg_catalog.pg_available_extensions where name = 'plpgsql_check'"
    ).fetchone()
    if available is None:
        pytest.fail(
            "the server has no plpgsql_check extension: install postgresql-15-plpgsql-check "
            "(`make system-deps`) and run on PostgreSQL 15 (LLM_MODEL_IDS_PG=15)",
            pytrace=False,
        )
    conn.execute("create extension if not exists plpgsql_check")
