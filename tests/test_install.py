"""install / uninstall / status, migrations vs the canonical schema, and the install contract."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from catalog import snapshot
from llm_model_ids import installer, sql_files
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.status import read_status
from rows import Conn, all_rows, insert


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
        assert read_status(old).version == "1.1.0"
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
    assert status.installed and status.version == "1.1.0" and status.healthy
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
        with pytest.raises(LlmModelIdsError, match="lacks column\\(s\\) metadata jsonb"):
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
