"""What install refuses before changing anything, what it accepts, and the upgrade from 1.1.

Install refuses a table it cannot serve (no uuid primary key `id`, partitioned by model_id,
a column of another type) with one clear error and nothing created; varchar columns, common in
app schemas, work. An upgrade from 1.1 keeps every row as it was; audit then lists what rules v2
would change, backfill fixes it (journaled) and restore undoes it exactly."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from catalog import snapshot
from llm_model_ids import installer, sql_files
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.rule_source import rule_source
from rows import Conn, all_rows, insert, legacy

REFERENCE = sql_files.reference_table().read_text(encoding="utf-8")


def _replace_table(conn: Conn, ddl: str) -> None:
    conn.execute("drop table public.llm_models cascade")
    conn.execute(ddl)


def _refused(conn: Conn, message: str) -> None:
    before = snapshot(conn)
    with pytest.raises(LlmModelIdsError, match=message):
        installer.run_sql_file(conn, sql_files.canonical_schema())
    assert snapshot(conn) == before
    assert conn.execute("select to_regnamespace('llm_model_ids')").fetchone() == (None,)


@pytest.fixture
def bare(bare_db: str) -> Iterator[Conn]:
    with psycopg.connect(bare_db, autocommit=True) as conn:
        yield conn


def test_a_table_without_a_uuid_primary_key_is_refused(bare: Conn) -> None:
    _replace_table(
        bare,
        REFERENCE.replace(
            "id uuid primary key default gen_random_uuid()",
            "id bigint generated always as identity primary key",
        ),
    )
    _refused(bare, 'no uuid primary key "id"')


def test_a_table_without_a_primary_key_is_refused(bare: Conn) -> None:
    _replace_table(
        bare,
        REFERENCE.replace(
            "id uuid primary key default gen_random_uuid()", "id uuid default gen_random_uuid()"
        ),
    )
    _refused(bare, 'no uuid primary key "id"')


def test_a_table_partitioned_by_model_id_is_refused(bare: Conn) -> None:
    ddl = REFERENCE.replace(
        "id uuid primary key default gen_random_uuid(),", "id uuid default gen_random_uuid(),"
    ).replace(
        "updated_at timestamptz not null default now()\n)",
        "updated_at timestamptz not null default now(),\n"
        "    primary key (id, model_id)\n) partition by list (model_id)",
    )
    _replace_table(bare, ddl)
    _refused(bare, "partitioned by model_id")


def test_a_column_of_another_type_is_refused(bare: Conn) -> None:
    bare.execute("alter table public.llm_models alter column metadata type text")
    _refused(bare, r"lacks column\(s\) metadata \(jsonb\)")


def test_varchar_columns_are_served(bare: Conn) -> None:
    for column in ("model_id", "base_model", "name", "provider"):
        bare.execute(f"alter table public.llm_models alter column {column} type varchar(200)")
    bare.execute("drop policy if exists llm_models_select on public.llm_models")
    installer.run_sql_file(bare, sql_files.canonical_schema())
    row = insert(
        bare,
        model_id="/srv/runs/job_cb10bbcb-2725-49ce-9586-a9baf57de3a4/checkpoint-9",
        base_model="meta-llama/Llama-3.2-3B-Instruct",
    )
    assert row["model_id"] == "meta-llama/Llama-3.2-3B-Instruct"
    assert row["metadata"]["model_path"].endswith("checkpoint-9")
    renamed = bare.execute(
        "update public.llm_models set model_id = 'renamed', metadata = '{}' where id = %s"
        " returning metadata",
        [row["id"]],
    ).fetchone()
    assert renamed is not None and renamed[0] == row["metadata"]


def test_upgrade_from_1_1_keeps_rows_then_backfill_and_restore(bare: Conn) -> None:
    for path in sql_files.migrations_through("1.1.0"):
        installer.run_sql_file(bare, path)
    assert bare.execute("select llm_model_ids.version()").fetchone() == ("1.1.0",)
    written = [
        insert(bare, model_id="models/Qwen3-8B"),  # relative: readable under v1
        insert(bare, model_id="/srv/runs/llama-ft/checkpoint-2"),  # rewritten under v1
        insert(bare, model_id="facebook/opt-125m"),
        legacy(bare, model_id="/srv/legacy/tmppw40uj6v"),
    ]
    v1 = all_rows(bare)
    assert [r["model_id"] for r in written] == [
        "models/Qwen3-8B",
        "llama-ft",
        "facebook/opt-125m",
        "/srv/legacy/tmppw40uj6v",
    ]
    for path in sql_files.migrations_after("1.1.0"):
        installer.run_sql_file(bare, path)
    assert bare.execute("select llm_model_ids.version()").fetchone() == (rule_source().version,)
    assert all_rows(bare) == v1  # an upgrade changes no row
    audit = dict(bare.execute("select model_id, proposed_model_id from llm_model_ids.audit"))
    assert audit == {"models/Qwen3-8B": "Qwen3-8B", "/srv/legacy/tmppw40uj6v": "m"}
    with bare.transaction():
        bare.execute("select * from llm_model_ids.backfill_batch(null, 100)").fetchall()
    fixed = {r["id"]: r for r in all_rows(bare)}
    assert fixed[written[0]["id"]]["model_id"] == "Qwen3-8B"
    assert fixed[written[0]["id"]]["metadata"]["model_path"] == "models/Qwen3-8B"
    assert bare.execute("select count(*) from llm_model_ids.audit").fetchone() == (0,)
    with bare.transaction():
        bare.execute("select * from llm_model_ids.restore_batch(null, 100)").fetchall()
    assert all_rows(bare) == v1
