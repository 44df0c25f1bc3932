"""The Supabase CLI against a Supabase-shaped database, without Docker (``--db-url``).

* ``supabase migration up`` applies ``sql/migrations`` (as a Supabase project's
  ``supabase/migrations``) once, and a second run applies nothing;
* ``supabase db lint`` (plpgsql_check, which only Debian's PostgreSQL 15 packages here) reports
  nothing in ``llm_model_ids`` and ``public``;
* ``supabase db advisors`` (the Supabase advisors, splinter's lints) reports nothing at warn level
  for our objects and the reference table.

The CLI is ``node_modules/.bin/supabase`` at the top of the repository (``make supabase-cli``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

import llm_model_ids
from catalog import snapshot
from llm_model_ids import sql_files
from llm_model_ids.cli import main
from tools import REPO, describe

SUPABASE_CLI = REPO / "node_modules" / ".bin" / "supabase"
# Seconds. The CLI reads a migration file at about 30 to 50 KB a second here (its own CPU), and
# an upgrade from 1.1 is one file of every migration since (8.5 MB in 1.19: about 3 minutes).
CLI_TIMEOUT = 900
# What a Supabase project exposes through the Data API by default (config.toml [api] schemas).
EXPOSED_SCHEMAS = "public, graphql_public"
# The schemas our objects live in: llm_model_ids (not exposed) and public, which in these test
# databases holds only the reference table public.llm_models and the computed field load_path.
OUR_SCHEMAS = frozenset({"llm_model_ids", "public"})


def supabase_cli() -> Path:
    """The CLI binary, or a failed test that says how to install it (never a skip)."""
    if not SUPABASE_CLI.exists():
        pytest.fail(
            f"the Supabase CLI is missing: {SUPABASE_CLI.relative_to(REPO)} does not exist. "
            "Install it with `make supabase-cli` (npm install -E supabase@<version>).",
            pytrace=False,
        )
    return SUPABASE_CLI


def cli_url(dsn: str) -> str:
    """The test database as the URL the CLI wants: percent-encoded, TLS off (a local server)."""
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    user = urllib.parse.quote(str(params.get("user", "postgres")), safe="")
    password = params.get("password")
    auth = f"{user}:{urllib.parse.quote(str(password), safe='')}" if password else user
    host = str(params.get("host", "127.0.0.1"))
    port = str(params.get("port", "5432"))
    database = urllib.parse.quote(str(params["dbname"]), safe="")
    return f"postgresql://{auth}@{host}:{port}/{database}?sslmode=disable"


def run_cli(args: Sequence[str], workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run ``supabase <args> --workdir <workdir>`` with telemetry and update checks off."""
    home = workdir / "home"  # the CLI writes ~/.supabase (telemetry, traces): keep it in tmp
    home.mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update(
        HOME=str(home),
        SUPABASE_TELEMETRY_DISABLED="1",
        DO_NOT_TRACK="1",
        SUPABASE_NO_UPDATE_NOTIFIER="1",
    )
    return subprocess.run(
        [str(supabase_cli()), *args, "--workdir", str(workdir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=workdir,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def project_dir(tmp_path: Path) -> Path:
    """A Supabase project directory whose supabase/migrations are sql/migrations."""
    migrations = tmp_path / "supabase" / "migrations"
    migrations.mkdir(parents=True)
    for path in sql_files.migrations():
        shutil.copy2(path, migrations / path.name)
    return tmp_path


def json_findings(stdout: str) -> list[dict[str, Any]]:
    """The CLI prints its findings as a JSON array on stdout, and nothing when there are none."""
    text = stdout.strip()
    if not text:
        return []
    findings = json.loads(text)
    assert isinstance(findings, list), stdout
    return findings


# --------------------------------------------------------------------------- migration up


def test_migration_up_applies_the_migrations_once(bare_db: str, tmp_path: Path) -> None:
    workdir = project_dir(tmp_path)
    url = cli_url(bare_db)
    names = [path.name for path in sql_files.migrations()]

    first = run_cli(["migration", "up", "--db-url", url], workdir)
    assert first.returncode == 0, describe(first)
    applied = [line for line in first.stderr.splitlines() if line.startswith("Applying migration")]
    assert applied == [f"Applying migration {name}..." for name in names], describe(first)

    second = run_cli(["migration", "up", "--db-url", url], workdir)
    assert second.returncode == 0, describe(second)
    assert "Applying migration" not in second.stdout + second.stderr, describe(second)
    assert "up to date" in second.stdout + second.stderr, describe(second)

    with psycopg.connect(bare_db, autocommit=True) as conn:
        history = conn.execute(
            "select version, name from supabase_migrations.schema_migrations order by version"
        ).fetchall()
        assert history == [tuple(name.removesuffix(".sql").split("_", 1)) for name in names]
        version = conn.execute("select llm_model_ids.version()").fetchone()
        assert version == (llm_model_ids.__version__,)
        # Installed means working: the trigger rewrites a path and keeps it.
        row = conn.execute(
            "insert into public.llm_models (name, model_id) values ('m', '/runs/qwen-ft/ckpt-1')"
            " returning model_id, metadata ->> 'model_path'"
        ).fetchone()
        assert row == ("qwen-ft", "/runs/qwen-ft/ckpt-1")


# --------------------------------------------------------------------------- db lint


@pytest.mark.debian_pg15
def test_db_lint_reports_nothing(db: str, tmp_path: Path) -> None:
    """``db lint`` runs ``create extension if not exists plpgsql_check`` itself, in a transaction it
    rolls back, and checks every plpgsql function of the schemas except trigger functions (the
    trigger function is checked with its table in tests/test_sql_lint.py)."""
    assert_lint_clean(db, project_dir(tmp_path))


def assert_lint_clean(dsn: str, workdir: Path) -> None:
    if not extension(dsn, "plpgsql_check", installed=False):
        pytest.fail(
            "the server has no plpgsql_check extension, which `supabase db lint` needs: "
            "install postgresql-15-plpgsql-check (`make system-deps`) and run on PostgreSQL 15",
            pytrace=False,
        )
    assert not extension(dsn, "plpgsql_check", installed=True), "the CLI is to create it itself"

    lint = ["db", "lint", "--db-url", cli_url(dsn), "--schema", "llm_model_ids,public"]
    result = run_cli([*lint, "--level", "warning", "--fail-on", "warning"], workdir)
    assert result.returncode == 0, describe(result)
    assert json_findings(result.stdout) == [], describe(result)
    assert "Linting schema: llm_model_ids" in result.stderr, describe(result)
    assert "No schema errors found" in result.stderr, describe(result)
    assert not extension(dsn, "plpgsql_check", installed=True), "db lint rolls its work back"


def extension(dsn: str, name: str, *, installed: bool) -> bool:
    """Whether the extension is installed in the database, or available on the server."""
    catalog = (
        "select 1 from pg_catalog.pg_extension where extname = %s"
        if installed
        else "select 1 from pg_catalog.pg_available_extensions where name = %s"
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute(catalog, (name,)).fetchone() is not None


# --------------------------------------------------------------------------- db advisors


def expose_schemas(dsn: str) -> None:
    """pgrst.db_schemas as on Supabase, where the advisors (splinter) read it.

    Splinter's lints read ``current_setting('pgrst.db_schemas', true)`` in the session that runs
    them, the CLI's own connection as the --db-url user, and take 'public' when it is unset. A
    setting on the authenticator role (where PostgREST's in-database configuration lives) is not
    seen by that session, so it is set on the database: every new session, the CLI's included,
    starts with it.
    """
    with psycopg.connect(dsn, autocommit=True) as conn:
        database = conn.info.dbname
        conn.execute(
            sql.SQL("alter database {} set pgrst.db_schemas = {}").format(
                sql.Identifier(database), sql.Literal(EXPOSED_SCHEMAS)
            )
        )
    with psycopg.connect(dsn, autocommit=True) as conn:
        seen = conn.execute("select current_setting('pgrst.db_schemas', true)").fetchone()
        assert seen == (EXPOSED_SCHEMAS,)


def run_advisors(dsn: str, workdir: Path) -> tuple[subprocess.CompletedProcess[str], list[Any]]:
    advisors = ["db", "advisors", "--db-url", cli_url(dsn), "--type", "all"]
    result = run_cli([*advisors, "--level", "warn", "--fail-on", "warn"], workdir)
    return result, json_findings(result.stdout)


def is_ours(finding: dict[str, Any]) -> bool:
    """A finding on llm-model-ids or the reference table (by the schema of its object).

    Findings on objects that are not ours, such as the test bootstrap's auth schema (a stand-in
    for Supabase Auth's), are left out of the assertion: on a Supabase project those are Supabase's.
    (With sql/supabase as written there are none: at warn level nothing at all is reported. At
    info level splinter reports unused_index on the fresh database's two indexes.)
    """
    metadata = finding.get("metadata") or {}
    return metadata.get("schema") in OUR_SCHEMAS


def test_db_advisors_report_nothing_for_our_objects(db: str, tmp_path: Path) -> None:
    workdir = project_dir(tmp_path)
    assert_advisors_clean(db, workdir)

    # The advisors do look at this database and its exposed schemas: a table in public that anon
    # can read, without RLS, is reported (rls_disabled_in_public, level ERROR).
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("create table public.advisors_probe (id bigint primary key)")
        conn.execute("grant select on public.advisors_probe to anon")
    probe, probe_findings = run_advisors(db, workdir)
    assert probe.returncode != 0, describe(probe)
    assert any(
        finding.get("name") == "rls_disabled_in_public"
        and (finding.get("metadata") or {}).get("name") == "advisors_probe"
        for finding in probe_findings
    ), describe(probe)


def assert_advisors_clean(dsn: str, workdir: Path) -> None:
    expose_schemas(dsn)
    result, findings = run_advisors(dsn, workdir)
    ours = [finding for finding in findings if is_ours(finding)]
    assert ours == [], describe(result)
    # With no finding at all the CLI exits 0; findings on others' objects alone may exit 1.
    assert result.returncode == 0 or findings, describe(result)


# --------------------------------------------------------------------------- the migration command
# A Supabase project with its own migrations: the app's table is created by a migration dated
# after our 2026-11-27 files, so copying sql/migrations would sort ours first and fail. The
# migration command writes one file dated now instead: the full install (a project without
# llm-model-ids) or only the upgrade (a project that already holds an older version).

APP_TABLE = "20261128120000_create_llm_models.sql"


def app_table_sql() -> str:
    """The app's own table migration: the reference DDL with its RLS policies and grants."""
    return "".join(
        path.read_text(encoding="utf-8")
        for path in (sql_files.reference_table(), sql_files.supabase_bootstrap()[1])
    )


def app_project(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """A Supabase project directory (and its migrations folder) holding these files."""
    migrations = tmp_path / "supabase" / "migrations"
    migrations.mkdir(parents=True)
    for name, text in files.items():
        (migrations / name).write_text(text, encoding="utf-8")
    return tmp_path, migrations


def without_the_table(bare_db: str) -> str:
    """A fresh Supabase-shaped database where the app's migrations have not run yet."""
    with psycopg.connect(bare_db, autocommit=True) as conn:
        conn.execute("drop table public.llm_models cascade")
    return bare_db


def migration_command(migrations: Path) -> Path:
    """Run ``llm-model-ids migration --dir``; the one file it wrote."""
    before = set(migrations.iterdir())
    assert main(["migration", "--dir", str(migrations)]) == 0
    [written] = set(migrations.iterdir()) - before
    return written


def migration_up(dsn: str, workdir: Path) -> list[str]:
    """``supabase migration up``: the names of the files it applied, in order."""
    result = run_cli(["migration", "up", "--db-url", cli_url(dsn)], workdir)
    assert result.returncode == 0, describe(result)
    prefix, suffix = "Applying migration ", "..."
    return [
        line.removeprefix(prefix).removesuffix(suffix)
        for line in result.stderr.splitlines()
        if line.startswith(prefix)
    ]


def assert_installed_and_working(dsn: str, db: str, migrations: Path) -> None:
    """What the project's migrations installed is exactly a fresh install, and it works."""
    with (
        psycopg.connect(dsn, autocommit=True) as conn,
        psycopg.connect(db, autocommit=True) as reference,
    ):
        history = conn.execute(
            "select version || '_' || name || '.sql'"
            "  from supabase_migrations.schema_migrations order by version"
        ).fetchall()
        assert [row[0] for row in history] == sorted(p.name for p in migrations.iterdir())
        assert snapshot(conn) == snapshot(reference)
        row = conn.execute(
            "insert into public.llm_models (name, model_id) values ('m', '/runs/qwen-ft/ckpt-1')"
            " returning model_id, metadata ->> 'model_path'"
        ).fetchone()
        assert row == ("qwen-ft", "/runs/qwen-ft/ckpt-1")
    assert main(["status", "--dsn", dsn]) == 0


def new_project(bare_db: str, tmp_path: Path) -> tuple[str, Path, Path]:
    """The app's table migration, then the full install written by the migration command."""
    dsn = without_the_table(bare_db)
    workdir, migrations = app_project(tmp_path, {APP_TABLE: app_table_sql()})
    written = migration_command(migrations)
    assert written.name > APP_TABLE
    assert written.read_text() == sql_files.canonical_schema().read_text()
    assert migration_up(dsn, workdir) == [APP_TABLE, written.name]
    return dsn, workdir, migrations


def upgraded_project(bare_db: str, tmp_path: Path) -> tuple[str, Path, Path]:
    """A project that deployed the app's table and llm-model-ids 1.0 and 1.1 (copied under its
    own, older, timestamps); then the upgrade written by the migration command."""
    dsn = without_the_table(bare_db)
    files = {"20261101000000_create_llm_models.sql": app_table_sql()}
    older = [p for p in sql_files.migrations() if sql_files.version_of(p) in {"1.0.0", "1.1.0"}]
    assert len(older) == 2
    for day, path in enumerate(older, start=2):
        files[f"202611{day:02}000000_llm_model_ids_{path.name.split('_', 4)[-1]}"] = path.read_text(
            encoding="utf-8"
        )
    workdir, migrations = app_project(tmp_path, files)
    assert migration_up(dsn, workdir) == sorted(files)
    written = migration_command(migrations)
    assert written.read_text() == sql_files.upgrade_sql("1.1.0")
    assert written.read_text() == "".join(
        path.read_text() for path in sql_files.migrations_after("1.1.0")
    )
    assert migration_up(dsn, workdir) == [written.name]
    return dsn, workdir, migrations


PROJECTS = {"new": new_project, "upgraded": upgraded_project}


@pytest.mark.parametrize("project", PROJECTS)
def test_migration_command_then_migration_up(
    bare_db: str, db: str, tmp_path: Path, project: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn, workdir, migrations = PROJECTS[project](bare_db, tmp_path)
    assert migration_up(dsn, workdir) == []  # the second run applies nothing
    assert main(["migration", "--dir", str(migrations)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert_installed_and_working(dsn, db, migrations)


@pytest.mark.debian_pg15
@pytest.mark.parametrize("project", PROJECTS)
def test_migrated_projects_pass_db_lint(bare_db: str, tmp_path: Path, project: str) -> None:
    dsn, workdir, _ = PROJECTS[project](bare_db, tmp_path)
    assert_lint_clean(dsn, workdir)


@pytest.mark.parametrize("project", PROJECTS)
def test_migrated_projects_pass_db_advisors(bare_db: str, tmp_path: Path, project: str) -> None:
    dsn, workdir, _ = PROJECTS[project](bare_db, tmp_path)
    assert_advisors_clean(dsn, workdir)
