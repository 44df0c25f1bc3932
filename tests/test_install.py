"""install / uninstall / status, migrations vs the canonical schema, and the install contract."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from catalog import snapshot
from llm_model_ids import __version__, installer, sql_files
from llm_model_ids.cli import main
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.preflight import read_status
from llm_model_ids.rule_source import rule_source
from rows import Conn, all_rows, insert, legacy


def test_migrations_in_order_equal_the_canonical_schema(db: str, bare_db: str) -> None:
    with (
        psycopg.connect(bare_db, autocommit=True) as fresh,
        psycopg.connect(db, autocommit=True) as migrated,
    ):
        installer.run_sql_file(fresh, sql_files.canonical_schema())
        assert snapshot(fresh) == snapshot(migrated)


def test_upgrade_from_1_0_equals_a_fresh_install(bare_db: str, db: str) -> None:
    first, *rest = sql_files.migrations()
    with (
        psycopg.connect(bare_db, autocommit=True) as old,
        psycopg.connect(db, autocommit=True) as new,
    ):
        installer.run_sql_file(old, first)
        assert read_status(old).version == "1.0.0"
        row = insert(old, model_id="/runs/qwen-ft/checkpoint-1")
        for path in rest:
            installer.run_sql_file(old, path)
        assert read_status(old).version == rule_source().version
        assert snapshot(old) == snapshot(new)
        assert all_rows(old) == [row]


def test_install_twice_equals_once(conn: Conn) -> None:
    once = snapshot(conn)
    installer.install(conn)
    assert snapshot(conn) == once


def test_uninstall_leaves_every_row_then_install_works(conn: Conn) -> None:
    insert(conn, model_id="/runs/qwen-ft/checkpoint-1", metadata={"k": 1})
    insert(conn, model_id="org/m", provider="openai", metadata=None)
    rows = all_rows(conn)
    installer.uninstall(conn)
    assert all_rows(conn) == rows
    status = read_status(conn)
    assert not status.installed and set(status.triggers.values()) == {"missing"}
    assert insert(conn, model_id="/runs/x/checkpoint-1")["model_id"] == "/runs/x/checkpoint-1"
    installer.uninstall(conn)  # idempotent
    installer.install(conn)
    assert read_status(conn).healthy
    assert insert(conn, model_id="/runs/x/checkpoint-1")["model_id"] == "x"


def test_status_reports_version_and_triggers(conn: Conn) -> None:
    status = read_status(conn)
    assert status.installed and status.version == __version__ and status.healthy
    conn.execute("alter table public.llm_models disable trigger llm_model_ids_normalize_update")
    status = read_status(conn)
    assert status.triggers["llm_model_ids_normalize_update"] == "disabled" and not status.healthy


def test_dry_run_install_keeps_nothing(bare_db: str) -> None:
    with psycopg.connect(bare_db, autocommit=True) as conn:
        before = snapshot(conn)
        installer.install(conn, dry_run=True)
        assert snapshot(conn) == before and not read_status(conn).installed


def test_install_where_the_table_is_missing_fails_clearly(bare_db: str) -> None:
    with psycopg.connect(bare_db, autocommit=True) as conn:
        conn.execute("drop table public.llm_models cascade")
        with pytest.raises(LlmModelIdsError, match=r"table public\.llm_models does not exist"):
            installer.install(conn)
        assert not read_status(conn).installed


@pytest.mark.parametrize("column", ["model_id", "base_model", "name", "provider", "metadata"])
def test_install_where_a_column_is_missing_fails_clearly(bare_db: str, column: str) -> None:
    with psycopg.connect(bare_db, autocommit=True) as conn:
        conn.execute(
            sql.SQL("alter table public.llm_models drop column {} cascade").format(
                sql.Identifier(column)
            )
        )
        with pytest.raises(LlmModelIdsError, match=f"lacks column\\(s\\) {column}"):
            installer.install(conn)
        assert not read_status(conn).installed


def test_install_where_metadata_is_json_not_jsonb_fails_clearly(bare_db: str) -> None:
    with psycopg.connect(bare_db, autocommit=True) as conn:
        conn.execute("alter table public.llm_models alter column metadata type json")
        with pytest.raises(LlmModelIdsError, match="lacks column\\(s\\) metadata \\(jsonb\\)"):
            installer.install(conn)


def test_install_creates_no_column_and_alters_none(bare_db: str) -> None:
    query = (
        "select attname, atttypid, attnotnull, atthasdef from pg_catalog.pg_attribute"
        " where attrelid = 'public.llm_models'::regclass order by attnum"
    )
    with psycopg.connect(bare_db, autocommit=True) as conn:
        before = conn.execute(query).fetchall()
        installer.install(conn)
        assert conn.execute(query).fetchall() == before


def test_with_reference_table_creates_it_when_missing(bare_db: str) -> None:
    with psycopg.connect(bare_db, autocommit=True) as conn:
        conn.execute("drop table public.llm_models cascade")
        installer.install(conn, with_reference_table=True)
        assert read_status(conn).healthy


# --------------------------------------------------------------------------- the CLI
# install: fresh / upgrade / repair, refusing a newer database; uninstall: the undo data.


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_install_fresh_then_repair(bare_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    newest = sql_files.newest_version()
    assert newest == __version__
    code, out, _ = cli(capsys, "install", "--dry-run", "--dsn", bare_db)
    assert (code, out) == (0, f"would install {newest} (dry run, rolled back): llm_model_ids.sql\n")
    with psycopg.connect(bare_db, autocommit=True) as conn:
        assert not read_status(conn).installed
    code, out, _ = cli(capsys, "install", "--dsn", bare_db)
    assert (code, out) == (0, f"install {newest}: applied llm_model_ids.sql\n")
    code, out, _ = cli(capsys, "install", "--dsn", bare_db)
    assert (code, out) == (
        0,
        f"re-apply {newest} (already installed; idempotent): applied llm_model_ids.sql\n",
    )
    assert cli(capsys, "status", "--dsn", bare_db)[0] == 0


def test_install_upgrades_with_the_newer_migrations_only(
    bare_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database at an older version gets only the migrations after it."""
    older = sql_files.known_versions()[:-1]
    assert older, "no older version to upgrade from"
    for version in older:
        with psycopg.connect(bare_db, autocommit=True) as conn:
            installer.uninstall(conn, force=True)
            for path in sql_files.migrations_through(version):
                installer.run_sql_file(conn, path)
            assert read_status(conn).version == version
        newer = [path.name for path in sql_files.migrations_after(version)]
        code, out, _ = cli(capsys, "install", "--dsn", bare_db)
        assert (code, out) == (
            0,
            f"upgrade {version} -> {__version__}: applied {', '.join(newer)}\n",
        )
        assert cli(capsys, "status", "--dsn", bare_db)[0] == 0


def test_install_refuses_a_newer_database(
    conn: Conn, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    conn.execute(
        "create or replace function llm_model_ids.version() returns text language sql"
        " immutable set search_path = '' as $$ select '99.0.0'::pg_catalog.text $$"
    )
    before = snapshot(conn)
    code, out, err = cli(capsys, "install", "--dsn", db)
    assert (code, out) == (1, "")
    assert err == (
        f"llm-model-ids install: the database has llm-model-ids 99.0.0, newer than this package "
        f"({__version__}): nothing changed; install the matching package "
        "(pip install 'llm-model-ids==99.0.0')\n"
    )
    assert snapshot(conn) == before


def test_install_error_keeps_the_hint(bare_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(bare_db, autocommit=True) as conn:
        conn.execute("drop table public.llm_models cascade")
    code, out, err = cli(capsys, "install", "--dsn", bare_db)
    assert (code, out) == (1, "")
    assert err.startswith(
        "llm-model-ids install: llm_model_ids.sql: llm-model-ids: table public.llm_models does "
        "not exist (HINT: "
    )
    assert err.count("\n") == 1 and "Error" not in err


def backfill_one_row(conn: Conn) -> None:
    legacy(conn, model_id="/runs/qwen-ft/checkpoint-1")
    outcomes = conn.execute(
        "select outcome from llm_model_ids.backfill_batch(null, 100)"
    ).fetchall()
    assert outcomes == [("rewritten",)]


def test_uninstall_refuses_while_restore_could_undo(
    conn: Conn, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    backfill_one_row(conn)
    refusal = (
        "llm-model-ids uninstall: the backfill journal holds 1 entry that restore could still "
        "undo, and uninstall would drop it: run llm-model-ids restore first (to put the rows "
        "back), or uninstall --force (to keep the rows as they are and drop the journal)\n"
    )
    for args in (["uninstall"], ["uninstall", "--dry-run"]):
        assert cli(capsys, *args, "--dsn", db) == (1, "", refusal)
        assert read_status(conn).installed
    code, out, _ = cli(capsys, "uninstall", "--dry-run", "--force", "--dsn", db)
    assert code == 0 and "dry run" in out and read_status(conn).installed
    restored = conn.execute("select outcome from llm_model_ids.restore_batch(null, 100)").fetchall()
    assert restored == [("restored",)]
    rows = all_rows(conn)
    assert cli(capsys, "uninstall", "--dsn", db)[0] == 0
    assert not read_status(conn).installed and all_rows(conn) == rows


def test_uninstall_counts_only_what_restore_could_undo(
    conn: Conn, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An entry whose row changed since the backfill (or was deleted) cannot be undone: it does
    not hold uninstall back."""
    backfill_one_row(conn)
    backfill_one_row(conn)
    conn.execute("update public.llm_models set model_id = 'renamed-by-the-app'")
    assert cli(capsys, "uninstall", "--dsn", db)[0] == 0


def test_uninstall_force_drops_the_journal(
    conn: Conn, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    backfill_one_row(conn)
    rows = all_rows(conn)
    code, out, _ = cli(capsys, "uninstall", "--force", "--dsn", db)
    assert (code, out) == (0, "uninstalled; public.llm_models and its rows are untouched\n")
    assert not read_status(conn).installed and all_rows(conn) == rows
