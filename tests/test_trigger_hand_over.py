"""The trigger hands a row over to normalize() exactly where its rules reach a full test that is
not compiled into it (scripts/compile_sql.py HAND_OVER: a candidate FAST_HUB or FAST_NAME does
not take, {org}/{repo}:{ref}, ModelScope's '___' names, a base model that is no plain org/name),
and nowhere else; the row it stores is normalize()'s either way, on INSERT, on UPDATE and through
the Data API. The calls are counted by PostgreSQL's own function statistics
(track_functions = 'pl', pg_stat_xact_user_functions)."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from psycopg import sql

import postgrest
from postgrest import claims, model
from rows import Conn, insert, sql_normalize, twin_row, update

UUID = "0cc175b9-c0f1-b6a8-31c3-99e269772661"

# (note, model_id, base_model, name, provider): rows the trigger names itself.
INLINE: list[tuple[str, str, str | None, str, str]] = [
    ("the deploy route's row", "/srv/runs/job_1/checkpoint-500", "org/base", "ft", "vllm"),
    ("a run's checkpoint", "/srv/runs/llama-ft/checkpoint-1", None, "ft", "vllm"),
    ("a hub cache path", "/hf/hub/models--Qwen--Qwen2.5-7B/snapshots/ab", None, "x", "vllm"),
    ("a hub layout", "/srv/models/org/name/checkpoint-1", None, "x", "vllm"),
    ("a hub URL", "https://huggingface.co/org/name/resolve/main/a.gguf", None, "x", "vllm"),
    ("a route in front of a hub id", "hosted_vllm/Qwen/Qwen3-8B", None, "x", "litellm"),
    ("an S3 prefix", "s3://bucket/models/llama-ft/", None, "x", "vllm"),
    ("an Ollama tag", "llama3.1:8b", None, "x", "ollama"),
    ("a readable hub id, self-hosted", "meta-llama/Llama-3.2-3B-Instruct", None, "x", "vllm"),
    ("an opaque id and a plain name", UUID, None, "My model", "vllm"),
    ("a path that names nothing", "/models/model.safetensors", None, "Llama 3", "vllm"),
    ("a name that starts with a digit", "/srv/runs/9-llama", None, "x", "vllm"),
    ("an org of 11 characters", "/mnt/models/deepseek-ai/DeepSeek-R1", None, "x", "vllm"),
    ("an 11-character org's base model", "/srv/ft/step-1", "deepseek-ai/R1", "x", "vllm"),
    ("Ollama's name with a tag", "ollama://gemma:2b", None, "x", "ollama"),
    ("a route in front of a plain name", "hosted_vllm/qwen3-32b", None, "x", "vllm"),
]

# Rows whose rules reach each hand-over part.
HANDED_OVER: list[tuple[str, str, str | None, str, str]] = [
    ("a base model that is a path", "/srv/runs/ft/step-1", "/srv/base/llama", "x", "vllm"),
    ("a base model that is a weights file", "/srv/runs/ft/step-1", "org/m.gguf", "x", "vllm"),
    ("a cache folder FAST_HUB does not take", "/c/models--step-1--y/snapshots", None, "x", "vllm"),
    ("{org}/{repo}:{branch}", "TheBloke/Llama-2-7B-GPTQ:gptq-4bit-32g", None, "x", "vllm"),
    ("a name that starts with '_'", "/srv/runs/_llama", None, "x", "vllm"),
    ("an org that may be mkdtemp's folder", "/c/models--tmpab12cd34--llama", None, "x", "vllm"),
    ("a non-ASCII name", "/srv/runs/\u043c\u043e\u0434\u0435\u043b\u044c", None, "x", "vllm"),
    ("ModelScope's '___'", "/root/autodl-tmp/Qwen2___5-0___5B-Instruct", None, "x", "vllm"),
    ("a display name with a '/'", UUID, None, "org/model", "vllm"),
    ("a display name that is a path", "/srv/runs/checkpoint-1", None, "/x/y", "vllm"),
]


def _normalize_calls(conn: Conn) -> int:
    row = conn.execute(
        "select coalesce(sum(calls), 0)::int from pg_catalog.pg_stat_xact_user_functions"
        " where schemaname = 'llm_model_ids' and funcname = 'normalize'"
    ).fetchone()
    assert row is not None
    return int(row[0])


def _insert_counting(
    conn: Conn, model_id: str, base_model: str | None, name: str, provider: str
) -> tuple[dict[str, Any], int]:
    """INSERT the row in a transaction of its own that counts PL/pgSQL calls."""
    with conn.transaction():
        conn.execute("set local track_functions = 'pl'")
        before = _normalize_calls(conn)
        stored = insert(
            conn, model_id=model_id, base_model=base_model, name=name, provider=provider
        )
        return stored, _normalize_calls(conn) - before


def _check(conn: Conn, row: tuple[str, str, str | None, str, str], calls: int) -> None:
    note, model_id, base_model, name, provider = row
    stored, counted = _insert_counting(conn, model_id, base_model, name, provider)
    assert counted == calls, note
    rules_id, _rule, _kind = sql_normalize(conn, model_id, base_model, name, provider)
    twin = twin_row(model_id, base_model, name, provider)
    assert stored["model_id"] == rules_id == twin["model_id"], note
    assert stored["metadata"] == twin["metadata"], note


@pytest.mark.parametrize("row", INLINE, ids=[r[0] for r in INLINE])
def test_the_trigger_names_common_rows_itself(conn: Conn, row: tuple[Any, ...]) -> None:
    _check(conn, row, 0)


@pytest.mark.parametrize("row", HANDED_OVER, ids=[r[0] for r in HANDED_OVER])
def test_a_full_test_hands_the_row_over_to_normalize(conn: Conn, row: tuple[Any, ...]) -> None:
    _check(conn, row, 1)


def test_an_update_hands_over_too(conn: Conn) -> None:
    row = insert(conn, model_id="gpt-4o-mini", name="x", provider="vllm")
    with conn.transaction():
        conn.execute("set local track_functions = 'pl'")
        stored = update(conn, row["id"], model_id="/srv/runs/_llama")
        assert _normalize_calls(conn) == 1
    assert stored["model_id"] == "_llama"
    assert stored["metadata"] == {"model_path": "/srv/runs/_llama"}


def test_a_data_api_write_hands_over_as_authenticated(authenticator: Conn) -> None:
    """The trigger runs as the writing role: authenticated may run normalize() (50_grants)."""
    user_id = str(uuid.uuid4())
    (row,) = postgrest.insert(
        authenticator,
        "authenticated",
        claims(user_id),
        model(user_id, "ft", "/srv/runs/_llama", base_model=None, metadata=None),
    )
    assert row["model_id"] == "_llama"
    assert row["metadata"] == {"model_path": "/srv/runs/_llama"}


def test_a_role_of_ones_own_needs_the_grants_the_readme_names(conn: Conn) -> None:
    """A writer with table privileges only: the rows the trigger names itself are written, a row
    it hands over fails (no USAGE on llm_model_ids) and nothing is written; with README's grants
    ("Which roles may write") it is written as normalize() names it."""
    role = sql.Identifier(f"app_writer_{uuid.uuid4().hex[:12]}")  # roles are the cluster's
    conn.execute(sql.SQL("create role {} bypassrls").format(role))
    try:
        conn.execute(sql.SQL("grant insert, select on public.llm_models to {}").format(role))
        conn.execute(sql.SQL("set role {}").format(role))
        assert insert(conn, model_id="/srv/runs/llama-ft/checkpoint-1")["model_id"] == "llama-ft"
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="schema llm_model_ids"):
            insert(conn, model_id="/srv/runs/_llama")
        conn.execute("reset role")
        conn.execute(
            sql.SQL(
                "grant usage on schema llm_model_ids to {role}; grant execute on function"
                " llm_model_ids.normalize(text, text, text, text),"
                " llm_model_ids.metadata_object(jsonb) to {role}"
            ).format(role=role)
        )
        conn.execute(sql.SQL("set role {}").format(role))
        assert insert(conn, model_id="/srv/runs/_llama")["model_id"] == "_llama"
    finally:
        conn.execute("reset role")
        conn.execute(sql.SQL("drop owned by {}").format(role))
        conn.execute(sql.SQL("drop role {}").format(role))
    stored = conn.execute("select model_id from public.llm_models order by model_id").fetchall()
    assert stored == [("_llama",), ("llama-ft",)]
