"""The API path: rows reach llm_models through the Data API as role `authenticated` under RLS.
Each request is issued the way PostgREST v12-v14 issues it (tests/postgrest.py) through a
connection logged in as `authenticator`; the trigger must normalize transparently, RETURNING
must show the normalized row, and RLS must still hold."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest

import postgrest
from postgrest import claims, model

Conn = psycopg.Connection[Any]
CHECKPOINT = "/srv/web-ui/lib/training/logs/job_cb10bbcb-2725-49ce-9586-a9baf57de3a4/checkpoint-{}"
BASE = "meta-llama/Llama-3.2-3B-Instruct"


def user() -> tuple[str, dict[str, Any]]:
    user_id = str(uuid.uuid4())
    return user_id, claims(user_id)


def test_single_insert_is_normalized_and_returned(authenticator: Conn) -> None:
    user_a, token = user()
    (row,) = postgrest.insert(
        authenticator,
        "authenticated",
        token,
        model(user_a, "ft", CHECKPOINT.format(1780), base_model=BASE, metadata={"job": "j1"}),
    )
    assert row["model_id"] == BASE
    assert row["metadata"] == {"job": "j1", "model_path": CHECKPOINT.format(1780)}


def test_bulk_insert_is_normalized_row_by_row(authenticator: Conn) -> None:
    user_a, token = user()
    rows = postgrest.insert(
        authenticator,
        "authenticated",
        token,
        [
            model(user_a, "a", CHECKPOINT.format(1), base_model=BASE, metadata=None),
            model(user_a, "b", "/models/my-custom-model", base_model=None, metadata=None),
            model(user_a, "c", BASE, base_model=None, metadata=None),
            model(
                user_a,
                "Qwen sft",
                "cb10bbcb-2725-49ce-9586-a9baf57de3a4",
                base_model=None,
                metadata=None,
            ),
        ],
    )
    assert [(r["name"], r["model_id"]) for r in rows] == [
        ("a", BASE),
        ("b", "my-custom-model"),
        ("c", BASE),
        ("Qwen sft", "Qwen sft"),
    ]
    assert [r["metadata"] for r in rows] == [
        {"model_path": CHECKPOINT.format(1)},
        {"model_path": "/models/my-custom-model"},
        None,
        {"original_model_id": "cb10bbcb-2725-49ce-9586-a9baf57de3a4"},
    ]


def test_upsert_redeploy_is_normalized(authenticator: Conn) -> None:
    user_a, token = user()
    (row,) = postgrest.insert(
        authenticator, "authenticated", token, model(user_a, "ft", CHECKPOINT.format(1))
    )
    (upserted,) = postgrest.upsert(
        authenticator,
        "authenticated",
        token,
        [{**model(user_a, "ft", CHECKPOINT.format(2)), "id": row["id"]}],
    )
    assert upserted["model_id"] == "ft"
    assert upserted["metadata"]["model_path"] == CHECKPOINT.format(2)
    assert upserted["metadata"]["previous_model_path"] == CHECKPOINT.format(1)


def test_patch_of_model_id_is_normalized_and_metadata_patch_keeps_the_path(
    authenticator: Conn,
) -> None:
    user_a, token = user()
    (row,) = postgrest.insert(authenticator, "authenticated", token, model(user_a, "ft", BASE))
    (patched,) = postgrest.patch(
        authenticator,
        "authenticated",
        token,
        {"model_id": "/models/llama-dpo/final"},
        {"id": row["id"]},
    )
    assert (patched["model_id"], patched["metadata"]) == (
        "llama-dpo",
        {"model_path": "/models/llama-dpo/final"},
    )
    (patched,) = postgrest.patch(
        authenticator, "authenticated", token, {"metadata": {"note": "x"}}, {"id": row["id"]}
    )
    assert patched["metadata"] == {"note": "x", "model_path": "/models/llama-dpo/final"}


def test_computed_field_load_path(authenticator: Conn) -> None:
    user_a, token = user()
    (ft,) = postgrest.insert(
        authenticator, "authenticated", token, model(user_a, "ft", CHECKPOINT.format(5))
    )
    (hub,) = postgrest.insert(authenticator, "authenticated", token, model(user_a, "hub", BASE))
    got = postgrest.select(authenticator, "authenticated", token, ["id", "name", "load_path"])
    assert {r["id"]: r["load_path"] for r in got} == {
        ft["id"]: CHECKPOINT.format(5),
        hub["id"]: BASE,
    }


def test_rls_still_refuses_a_row_for_another_user(authenticator: Conn) -> None:
    _, token = user()
    other = str(uuid.uuid4())
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        postgrest.insert(
            authenticator, "authenticated", token, model(other, "x", CHECKPOINT.format(1))
        )


def test_upsert_cannot_take_over_another_users_row(authenticator: Conn) -> None:
    user_a, token_a = user()
    user_b, token_b = user()
    (row_b,) = postgrest.insert(authenticator, "authenticated", token_b, model(user_b, "b", BASE))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        postgrest.upsert(
            authenticator,
            "authenticated",
            token_a,
            [{**model(user_a, "mine now", CHECKPOINT.format(9)), "id": row_b["id"]}],
        )
    (still,) = postgrest.select(authenticator, "authenticated", token_b, ["id", "name", "model_id"])
    assert (still["name"], still["model_id"]) == ("b", BASE)


def test_patch_of_a_global_row_by_a_non_owner_changes_nothing(authenticator: Conn) -> None:
    owner, token_owner = user()
    _, token_other = user()
    (row,) = postgrest.insert(
        authenticator, "authenticated", token_owner, model(owner, "g", BASE, is_global=True)
    )
    assert (
        postgrest.patch(
            authenticator, "authenticated", token_other, {"model_id": "/x/y"}, {"id": row["id"]}
        )
        == []
    )
    (seen,) = postgrest.select(
        authenticator, "authenticated", token_other, ["id", "model_id"], {"id": row["id"]}
    )
    assert seen["model_id"] == BASE


def test_anon_cannot_insert_or_reach_maintenance(authenticator: Conn) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        postgrest.insert(
            authenticator, "anon", {"role": "anon"}, model(None, "x", CHECKPOINT.format(1))
        )
    for role in ("anon", "authenticated"):
        with authenticator.transaction(force_rollback=True):
            authenticator.execute("select set_config('role', %s, true)", [role])
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                authenticator.execute("select * from llm_model_ids.backfill_batch(null, 10)")


def test_hostile_model_id_through_the_api_is_just_text(authenticator: Conn) -> None:
    user_a, token = user()
    hostile = "/srv/x'); drop table public.llm_models; --$$\\\\ \u00e9\U0001f600/checkpoint-1"
    (row,) = postgrest.insert(authenticator, "authenticated", token, model(user_a, "h", hostile))
    assert row["metadata"] == {"model_path": hostile}
    assert row["model_id"] == "\u00e9\U0001f600"
