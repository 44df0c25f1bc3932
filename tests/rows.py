"""Small helpers the tests share: write and read llm_models rows as dicts."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from llm_model_ids.rules import normalize_row

Conn = psycopg.Connection[Any]
COLUMNS = (
    "id",
    "user_id",
    "provider",
    "name",
    "model_id",
    "served_model_name",
    "base_url",
    "is_global",
    "enabled",
    "training_method",
    "base_model",
    "metadata",
    "created_at",
    "updated_at",
)


def adapt(column: str, value: Any) -> Any:
    """metadata values (any JSON, but SQL NULL for None) go as jsonb."""
    return Jsonb(value) if column == "metadata" and value is not None else value


def insert(conn: Conn, **values: Any) -> dict[str, Any]:
    """INSERT one row (name defaults to 'm', provider to 'vllm') and return it as stored."""
    values.setdefault("name", "m")
    values.setdefault("provider", "vllm")
    query = sql.SQL("insert into public.llm_models ({}) values ({}) returning *").format(
        sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(sql.Placeholder() * len(values)),
    )
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query, [adapt(k, v) for k, v in values.items()]).fetchone()
    assert row is not None
    return row


def legacy(conn: Conn, **values: Any) -> dict[str, Any]:
    """A row written as it was before the trigger (bypass on)."""
    conn.execute("set llm_model_ids.bypass = on")
    try:
        return insert(conn, **values)
    finally:
        conn.execute("reset llm_model_ids.bypass")


def update(conn: Conn, row_id: Any, **values: Any) -> dict[str, Any]:
    query = sql.SQL("update public.llm_models set {} where id = %s returning *").format(
        sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder()) for k in values
        )
    )
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query, [*(adapt(k, v) for k, v in values.items()), row_id]).fetchone()
    assert row is not None
    return row


def all_rows(conn: Conn) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute("select * from public.llm_models order by id").fetchall()


def sql_normalize(
    conn: Conn, model_id: str | None, base_model: str | None, name: str | None, provider: str | None
) -> tuple[Any, ...]:
    row = conn.execute(
        "select model_id, rule, kind from llm_model_ids.normalize(%s, %s, %s, %s)",
        [model_id, base_model, name, provider],
    ).fetchone()
    assert row is not None
    return tuple(row)


def upsert_names(conn: Conn, user_id: str, rows: list[tuple[str, str]], tail: str = "") -> None:
    """Upsert (name, model_id) rows of one user (provider vllm) on the key (user_id, name),
    setting only model_id, as a redeploy route would; ``tail`` ends the statement."""
    values = ", ".join(["(%s, 'vllm', %s, %s)"] * len(rows))
    params: list[Any] = []
    for name, model_id in rows:
        params += [user_id, name, model_id]
    conn.execute(
        "insert into public.llm_models (user_id, provider, name, model_id) values "
        + values
        + " on conflict (user_id, name) do update set model_id = excluded.model_id"
        + tail,
        params,
    )


def setting(conn: Conn, name: str) -> Any:
    """current_setting(name, true): None when the setting was never set in the session."""
    row = conn.execute("select current_setting(%s, true)", [name]).fetchone()
    assert row is not None
    return row[0]


def pending_upsert(conn: Conn) -> Any:
    """What the insert trigger left for an upsert's update (llm_model_ids.pending_upsert)."""
    return setting(conn, "llm_model_ids.pending_upsert")


def twin_row(
    model_id: str, base_model: str | None, name: str, provider: str = "vllm"
) -> dict[str, Any]:
    """The row the Python twin stores for an INSERT of these values with metadata {}."""
    return normalize_row(
        {
            "model_id": model_id,
            "base_model": base_model,
            "name": name,
            "provider": provider,
            "metadata": {},
        }
    )
