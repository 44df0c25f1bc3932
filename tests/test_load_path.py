"""The load path is never lost (issue 8): upserts on any conflict target, a hand-off that ends with
its statement, renames and metadata edits that keep the path, an audit that flags unusable
paths, and the documented limits (replica mode)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from psycopg import sql
from psycopg.rows import dict_row

import postgrest
from postgrest import claims, model
from rows import Conn, insert, pending_upsert, update, upsert_names

USER = "00000000-0000-0000-0000-0000000000a1"


@pytest.fixture
def keyed(conn: Conn) -> Conn:
    """The app's own unique key (user_id, name), as a redeploy route would upsert on it."""
    conn.execute("create unique index llm_models_user_name on public.llm_models (user_id, name)")
    return conn


def _row(conn: Conn, name: str) -> dict[str, Any]:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            "select * from public.llm_models where user_id = %s and name = %s", [USER, name]
        ).fetchone()
    assert row is not None
    return row


def _upsert(conn: Conn, rows: list[tuple[str, str]], tail: str = "") -> None:
    upsert_names(conn, USER, rows, tail)


# ---- upserts on any conflict target ------------------------------------------------------------


def test_upsert_on_another_unique_key_keeps_the_new_path(keyed: Conn) -> None:
    insert(keyed, user_id=USER, name="my-ft", model_id="/v3/run/my-ft")
    _upsert(keyed, [("my-ft", "/v4/run/my-ft")])
    stored = _row(keyed, "my-ft")
    assert stored["model_id"] == "my-ft"
    assert stored["metadata"] == {
        "model_path": "/v4/run/my-ft",
        "previous_model_path": "/v3/run/my-ft",
    }
    assert pending_upsert(keyed) == ""


def test_upsert_of_a_checkpoint_with_a_base_model_keeps_the_new_path(keyed: Conn) -> None:
    """The seed deploy route's row (a checkpoint path, a plain org/name base model) takes the
    INSERT's one-test lane; inside an upsert it must leave the hand-off all the same."""
    base = "meta-llama/Llama-3.2-3B-Instruct"
    insert(keyed, user_id=USER, name="my-ft", model_id="/v3/run/checkpoint-5", base_model=base)
    keyed.execute(
        "insert into public.llm_models (user_id, provider, name, model_id, base_model)"
        " values (%s, 'vllm', 'my-ft', '/v4/run/checkpoint-9', %s)"
        " on conflict (user_id, name) do update set model_id = excluded.model_id",
        [USER, base],
    )
    stored = _row(keyed, "my-ft")
    assert stored["model_id"] == base
    assert stored["metadata"] == {
        "model_path": "/v4/run/checkpoint-9",
        "previous_model_path": "/v3/run/checkpoint-5",
    }
    assert pending_upsert(keyed) == ""


def test_upsert_of_a_hugging_face_cache_path_keeps_the_new_path(keyed: Conn) -> None:
    """A cache path with no base model takes the INSERT's cache lane (1.20); inside an upsert it
    must leave the hand-off all the same."""
    old = "/root/.cache/huggingface/hub/models--Qwen--Qwen3-8B/snapshots/" + "a" * 40
    new = "/root/.cache/huggingface/hub/models--Qwen--Qwen3-8B/snapshots/" + "b" * 40
    insert(keyed, user_id=USER, name="qwen", model_id=old)
    _upsert(keyed, [("qwen", new)])
    stored = _row(keyed, "qwen")
    assert stored["model_id"] == "Qwen/Qwen3-8B"
    assert stored["metadata"] == {"model_path": new, "previous_model_path": old}
    assert pending_upsert(keyed) == ""


def test_upsert_of_a_hub_layout_path_keeps_the_new_path(keyed: Conn) -> None:
    """A hub layout with no base model takes the INSERT's path-name lane (1.21), and one with a
    trailing '/' its own name; inside an upsert each must leave the hand-off all the same."""
    for name, old, new, model_id in (
        ("qwen", "/mnt/models/Qwen/Qwen3-8B", "/data/models/Qwen/Qwen3-8B", "Qwen/Qwen3-8B"),
        ("legal", "/srv/runs/llama3-legal/", "/srv/runs/v2/llama3-legal/", "llama3-legal"),
    ):
        insert(keyed, user_id=USER, name=name, model_id=old)
        _upsert(keyed, [(name, new)])
        stored = _row(keyed, name)
        assert stored["model_id"] == model_id
        assert stored["metadata"] == {"model_path": new, "previous_model_path": old}
        assert pending_upsert(keyed) == ""


def test_upsert_equals_a_plain_update_that_sets_model_id(keyed: Conn) -> None:
    plain = insert(keyed, user_id=USER, name="plain", model_id="/v3/run/my-ft")
    insert(keyed, user_id=USER, name="upserted", model_id="/v3/run/my-ft")
    after_update = update(keyed, plain["id"], model_id="/v4/run/my-ft")
    _upsert(keyed, [("upserted", "/v4/run/my-ft")])
    after_upsert = _row(keyed, "upserted")
    assert (after_upsert["model_id"], after_upsert["metadata"]) == (
        after_update["model_id"],
        after_update["metadata"],
    )


def test_upsert_on_a_named_constraint_keeps_the_new_path(conn: Conn) -> None:
    conn.execute(
        "alter table public.llm_models add constraint llm_models_user_name_key"
        " unique (user_id, name)"
    )
    insert(conn, user_id=USER, name="my-ft", model_id="/v3/run/my-ft")
    conn.execute(
        "insert into public.llm_models (user_id, provider, name, model_id)"
        " values (%s, 'vllm', 'my-ft', '/v4/run/my-ft')"
        " on conflict on constraint llm_models_user_name_key"
        " do update set model_id = excluded.model_id",
        [USER],
    )
    assert _row(conn, "my-ft")["metadata"]["model_path"] == "/v4/run/my-ft"


def test_upsert_of_an_opaque_id_keeps_the_new_original(keyed: Conn) -> None:
    old, new = str(uuid.uuid4()), str(uuid.uuid4())
    insert(keyed, user_id=USER, name="job", model_id=old, base_model="Qwen/Qwen2.5-7B")
    keyed.execute(
        "insert into public.llm_models (user_id, provider, name, model_id, base_model)"
        " values (%s, 'vllm', 'job', %s, 'Qwen/Qwen2.5-7B')"
        " on conflict (user_id, name) do update set model_id = excluded.model_id",
        [USER, new],
    )
    stored = _row(keyed, "job")
    assert (stored["model_id"], stored["metadata"]) == (
        "Qwen/Qwen2.5-7B",
        {"original_model_id": new},
    )


def test_multi_row_upsert_never_attaches_one_rows_path_to_another(keyed: Conn) -> None:
    insert(keyed, user_id=USER, name="kept", model_id="/old/kept/my-ft")
    insert(keyed, user_id=USER, name="readable", model_id="my-ft", metadata={"k": 1})
    insert(keyed, user_id=USER, name="redeployed", model_id="/v1/redeployed")
    _upsert(
        keyed,
        [
            ("fresh", "/x/a/my-ft"),  # rewritten to my-ft, inserted
            ("readable", "my-ft"),  # readable, conflicts, same id as the row before
            ("redeployed", "/v2/redeployed"),  # rewritten, conflicts
            ("plain", "org/model"),  # readable, inserted
            ("kept", "my-ft"),  # readable, conflicts with a row that has a path
        ],
    )
    assert _row(keyed, "fresh")["metadata"] == {"model_path": "/x/a/my-ft"}
    assert _row(keyed, "readable")["metadata"] == {"k": 1}
    assert _row(keyed, "redeployed")["metadata"] == {
        "model_path": "/v2/redeployed",
        "previous_model_path": "/v1/redeployed",
    }
    assert _row(keyed, "plain")["metadata"] == {}
    assert _row(keyed, "kept")["metadata"] == {"model_path": "/old/kept/my-ft"}
    assert pending_upsert(keyed) == ""


def test_upsert_through_postgrest_with_on_conflict_columns(conn: Conn, authenticator: Conn) -> None:
    conn.execute("create unique index llm_models_user_name on public.llm_models (user_id, name)")
    user_id = str(uuid.uuid4())
    token = claims(user_id)
    postgrest.insert(authenticator, "authenticated", token, model(user_id, "ft", "/v3/run/ft"))
    (row,) = postgrest.upsert(
        authenticator,
        "authenticated",
        token,
        [model(user_id, "ft", "/v4/run/ft")],
        on_conflict=("user_id", "name"),
    )
    assert row["model_id"] == "ft"
    assert row["metadata"] == {"model_path": "/v4/run/ft", "previous_model_path": "/v3/run/ft"}


@pytest.mark.parametrize(
    "tail",
    [" where false", " where public.llm_models.enabled is false"],
    ids=["where-false", "where-no-row"],
)
def test_upsert_whose_update_is_skipped_leaves_nothing_behind(keyed: Conn, tail: str) -> None:
    original = insert(keyed, user_id=USER, name="my-ft", model_id="/v3/run/my-ft")
    with keyed.transaction():
        _upsert(keyed, [("my-ft", "/v4/run/my-ft")], tail)
        assert pending_upsert(keyed) == ""
        after = update(keyed, original["id"], metadata={"note": "edited"})
    assert after["metadata"] == {"note": "edited", "model_path": "/v3/run/my-ft"}


def test_on_conflict_do_nothing_leaves_nothing_behind(keyed: Conn) -> None:
    original = insert(keyed, user_id=USER, name="my-ft", model_id="/v3/run/my-ft")
    with keyed.transaction():
        keyed.execute(
            "insert into public.llm_models (user_id, provider, name, model_id)"
            " values (%s, 'vllm', 'my-ft', '/v4/run/my-ft') on conflict do nothing",
            [USER],
        )
        assert pending_upsert(keyed) == ""
        after = update(keyed, original["id"], model_id="my-ft")
    assert after["metadata"] == {"model_path": "/v3/run/my-ft"}


# ---- MERGE (PostgreSQL 15 and later) -----------------------------------------------------------


def _in_a_nested_loop(conn: Conn, statement: str | sql.Composed, params: list[Any]) -> None:
    """Run a statement whose joins are nested loops (no hash or merge join), in a transaction of
    its own, and check that it leaves no hand-off for the next statement of that transaction. A
    MERGE then takes its sorted source one row after the other, as an upsert takes its rows; a
    writable CTE's UPDATE reaches its row while the CTE's INSERT is still running (a hash join
    would take all the INSERT's rows first, and the end of an INSERT clears the hand-off)."""
    with conn.transaction():
        conn.execute("set local enable_hashjoin = off")
        conn.execute("set local enable_mergejoin = off")
        conn.execute(statement, params)
        assert pending_upsert(conn) == ""  # nothing left for the next statement


def _merge(conn: Conn, rows: list[tuple[str, str]]) -> None:
    """MERGE (name, model_id) rows of one user on (user_id, name), in the order given (a nested
    loop over the sorted source: the rows are taken one after the other, as an upsert takes
    them): a matched row gets the new model_id, an unmatched one is inserted."""
    values = sql.SQL(", ").join([sql.SQL("(%s::int, %s, %s)")] * len(rows))
    params: list[Any] = []
    for n, (name, model_id) in enumerate(rows):
        params += [n, name, model_id]
    _in_a_nested_loop(
        conn,
        sql.SQL(
            "merge into public.llm_models t"
            " using (select * from (values {}) v (n, name, model_id) order by n) s"
            " on t.user_id = %s and t.name = s.name"
            " when matched then update set model_id = s.model_id"
            " when not matched then insert (user_id, provider, name, model_id)"
            " values (%s, 'vllm', s.name, s.model_id)"
        ).format(values),
        [*params, USER, USER],
    )


def test_merge_keeps_the_new_path_of_a_matched_row_and_of_an_inserted_one(keyed: Conn) -> None:
    insert(keyed, user_id=USER, name="my-ft", model_id="/v3/run/my-ft")
    _merge(keyed, [("my-ft", "/v4/run/my-ft"), ("fresh", "/x/a/fresh")])
    assert _row(keyed, "my-ft")["model_id"] == "my-ft"
    assert _row(keyed, "my-ft")["metadata"] == {
        "model_path": "/v4/run/my-ft",
        "previous_model_path": "/v3/run/my-ft",
    }
    assert _row(keyed, "fresh")["metadata"] == {"model_path": "/x/a/fresh"}
    assert pending_upsert(keyed) == ""


def test_merge_never_attaches_an_inserted_rows_path_to_a_row_it_updates(keyed: Conn) -> None:
    """A MERGE fires the BEFORE UPDATE statement trigger, so its inserted rows leave the upsert
    hand-off; the row it updates next (renamed to the same readable id, a different key) must
    keep its own path."""
    insert(keyed, user_id=USER, name="kept", model_id="/old/kept/my-ft")
    _merge(keyed, [("fresh", "/x/a/my-ft"), ("kept", "my-ft")])
    assert _row(keyed, "fresh")["metadata"] == {"model_path": "/x/a/my-ft"}
    assert _row(keyed, "kept")["model_id"] == "my-ft"
    assert _row(keyed, "kept")["metadata"] == {"model_path": "/old/kept/my-ft"}
    assert pending_upsert(keyed) == ""


def test_merge_leaves_no_hand_off_to_the_next_statement(keyed: Conn) -> None:
    other = insert(keyed, user_id=USER, name="other", model_id="other-ft", metadata={"k": 1})
    with keyed.transaction():
        _merge(keyed, [("my-ft", "/v4/run/my-ft")])
        assert pending_upsert(keyed) == ""
        after = update(keyed, other["id"], model_id="my-ft", metadata={"k": 2})
    assert after["metadata"] == {"k": 2}


def _merge_by_name(conn: Conn, source: list[tuple[str, str]], by_source: str) -> None:
    """MERGE (name, model_id) rows of one user on name, ending with ``WHEN NOT MATCHED BY SOURCE
    AND t.user_id = USER THEN {by_source}`` (PostgreSQL 17 and later), through a merge join: the
    source and the table are taken together in name order, so a source row whose name sorts
    first is inserted before a table row whose name sorts after it is reached."""
    values = sql.SQL(", ").join([sql.SQL("(%s, %s)")] * len(source))
    params: list[Any] = [v for row in source for v in row]
    with conn.transaction():
        conn.execute("set local enable_hashjoin = off")
        conn.execute(
            sql.SQL(
                "merge into public.llm_models t"
                " using (values {}) s (name, model_id) on t.name = s.name"
                " when matched then update set model_id = s.model_id"
                " when not matched then insert (user_id, provider, name, model_id)"
                " values (%s, 'vllm', s.name, s.model_id)"
                " when not matched by source and t.user_id = %s then {}"
            ).format(values, sql.SQL(by_source)),
            [*params, USER, USER],
        )
        assert pending_upsert(conn) == ""  # nothing left for the next statement


@pytest.fixture
def merge_by_source(keyed: Conn, pg_version: int) -> Conn:
    if pg_version < 17:
        pytest.fail(
            "MERGE ... WHEN NOT MATCHED BY SOURCE needs PostgreSQL 17 or later"
            " (make test-15 deselects these tests with -m 'not pg17')"
        )
    return keyed


@pytest.mark.pg17
def test_a_syncing_merge_keeps_every_path(merge_by_source: Conn) -> None:
    """The sync a deploy list calls for: redeploy what is listed, add what is new, drop the rest."""
    conn = merge_by_source
    insert(conn, user_id=USER, name="my-ft", model_id="/v3/run/my-ft")
    insert(conn, user_id=USER, name="retired", model_id="/v1/run/retired")
    _merge_by_name(conn, [("fresh", "/x/a/fresh"), ("my-ft", "/v4/run/my-ft")], "delete")
    assert _row(conn, "fresh")["metadata"] == {"model_path": "/x/a/fresh"}
    assert _row(conn, "my-ft")["metadata"] == {
        "model_path": "/v4/run/my-ft",
        "previous_model_path": "/v3/run/my-ft",
    }
    assert conn.execute("select count(*) from public.llm_models").fetchone() == (2,)


@pytest.mark.pg17
def test_merge_never_attaches_an_inserted_rows_path_to_a_row_not_in_its_source(
    merge_by_source: Conn,
) -> None:
    """'fresh' sorts before 'kept', so its hand-off is pending when the NOT MATCHED BY SOURCE
    update renames 'kept' to the same readable id."""
    conn = merge_by_source
    insert(conn, user_id=USER, name="kept", model_id="/old/kept/my-ft")
    _merge_by_name(conn, [("fresh", "/x/a/my-ft")], "update set model_id = 'my-ft'")
    assert _row(conn, "fresh")["metadata"] == {"model_path": "/x/a/my-ft"}
    assert _row(conn, "kept")["model_id"] == "my-ft"
    assert _row(conn, "kept")["metadata"] == {"model_path": "/old/kept/my-ft"}


# ---- writable CTEs (an INSERT and an UPDATE of the table in one statement) ---------------------


def test_a_writable_cte_never_attaches_its_inserted_rows_path_to_the_row_it_updates(
    keyed: Conn,
) -> None:
    """The UPDATE's statement trigger fires first, so the INSERT's row leaves the hand-off; the
    UPDATE then renames 'kept' to the same readable id before the INSERT is done."""
    insert(keyed, user_id=USER, name="kept", model_id="/old/kept/my-ft")
    _in_a_nested_loop(
        keyed,
        "with ins as ("
        "  insert into public.llm_models (user_id, provider, name, model_id)"
        "  values (%s, 'vllm', 'fresh', '/x/a/my-ft'), (%s, 'vllm', 'fresh-2', '/x/b/my-ft')"
        "  returning name)"
        " update public.llm_models t set model_id = 'my-ft'"
        " from ins where t.name = 'kept' and ins.name = 'fresh'",
        [USER, USER],
    )
    assert _row(keyed, "fresh")["metadata"] == {"model_path": "/x/a/my-ft"}
    assert _row(keyed, "fresh-2")["metadata"] == {"model_path": "/x/b/my-ft"}
    assert _row(keyed, "kept")["model_id"] == "my-ft"
    assert _row(keyed, "kept")["metadata"] == {"model_path": "/old/kept/my-ft"}


def test_a_writable_cte_that_redeploys_and_inserts_keeps_both_paths(keyed: Conn) -> None:
    insert(keyed, user_id=USER, name="my-ft", model_id="/v3/run/my-ft")
    _in_a_nested_loop(
        keyed,
        "with upd as ("
        "  update public.llm_models set model_id = '/v4/run/my-ft' where name = 'my-ft'"
        "  returning user_id)"
        " insert into public.llm_models (user_id, provider, name, model_id)"
        " select user_id, 'vllm', 'fresh', '/x/a/fresh' from upd",
        [],
    )
    assert _row(keyed, "my-ft")["metadata"] == {
        "model_path": "/v4/run/my-ft",
        "previous_model_path": "/v3/run/my-ft",
    }
    assert _row(keyed, "fresh")["metadata"] == {"model_path": "/x/a/fresh"}


def test_an_upsert_in_a_writable_cte_keeps_the_new_path(keyed: Conn) -> None:
    """The upsert's update consumes its own hand-off; the main UPDATE then renames another row
    to the same readable id and keeps that row's path."""
    insert(keyed, user_id=USER, name="my-ft", model_id="/v3/run/my-ft")
    insert(keyed, user_id=USER, name="kept", model_id="/old/kept/my-ft")
    _in_a_nested_loop(
        keyed,
        "with up as ("
        "  insert into public.llm_models (user_id, provider, name, model_id)"
        "  values (%s, 'vllm', 'my-ft', '/v4/run/my-ft')"
        "  on conflict (user_id, name) do update set model_id = excluded.model_id"
        "  returning name)"
        " update public.llm_models t set model_id = 'my-ft'"
        " from up where t.name = 'kept'",
        [USER],
    )
    assert _row(keyed, "my-ft")["metadata"] == {
        "model_path": "/v4/run/my-ft",
        "previous_model_path": "/v3/run/my-ft",
    }
    assert _row(keyed, "kept")["metadata"] == {"model_path": "/old/kept/my-ft"}


# ---- no state outlives its statement -----------------------------------------------------------

_INSERT_THEN_SET_PATH = """
    insert into public.llm_models (provider, name, model_id)
    values ('vllm', 'staged', '/tmp/staging/my-ft') returning id into v;
    update public.llm_models
       set metadata = pg_catalog.jsonb_set(metadata, '{model_path}', '"/srv/final/my-ft"')
     where id = v;
"""


def _assert_final_path(conn: Conn) -> None:
    row = conn.execute(
        "select model_id, metadata from public.llm_models where name = 'staged'"
    ).fetchone()
    assert row == ("my-ft", {"model_path": "/srv/final/my-ft"})
    assert pending_upsert(conn) in ("", None)


def test_statements_inside_a_do_block_do_not_share_the_hand_off(conn: Conn) -> None:
    conn.execute(f"do $$ declare v uuid; begin {_INSERT_THEN_SET_PATH} end $$")
    _assert_final_path(conn)


def test_statements_inside_a_function_called_by_rpc_do_not_share_the_hand_off(
    conn: Conn,
) -> None:
    conn.execute(
        "create function public.stage_and_publish() returns void language plpgsql as"
        f" $$ declare v uuid; begin {_INSERT_THEN_SET_PATH} end $$"
    )
    conn.execute("select public.stage_and_publish()")  # PostgREST's POST /rpc/stage_and_publish
    _assert_final_path(conn)


def test_statements_inside_an_apps_own_trigger_do_not_share_the_hand_off(conn: Conn) -> None:
    conn.execute(
        "create table public.deploys (id serial primary key);"
        "create function public.on_deploy() returns trigger language plpgsql as"
        f" $$ declare v uuid; begin {_INSERT_THEN_SET_PATH} return new; end $$;"
        "create trigger on_deploy after insert on public.deploys"
        " for each row execute function public.on_deploy();"
    )
    conn.execute("insert into public.deploys default values")
    _assert_final_path(conn)


def test_a_following_statement_of_the_transaction_is_never_affected(keyed: Conn) -> None:
    other = insert(keyed, user_id=USER, name="other", model_id="other-ft", metadata={"k": 1})
    with keyed.transaction():
        insert(keyed, user_id=USER, name="my-ft", model_id="/v4/run/my-ft")
        after = update(keyed, other["id"], model_id="my-ft", metadata={"k": 2})
    assert after["metadata"] == {"k": 2}


# ---- a rewritten row keeps a usable path -------------------------------------------------------


@pytest.mark.parametrize(
    "metadata",
    [{"note": "edited"}, {"model_path": None}, {"model_path": ""}, None],
    ids=["whole-row-edit", "json-null", "empty-string", "sql-null"],
)
def test_a_rename_keeps_the_load_path(conn: Conn, metadata: Any) -> None:
    row = insert(conn, model_id="/srv/runs/my-ft")
    after = update(conn, row["id"], model_id="my-ft-renamed", metadata=metadata)
    assert after["model_id"] == "my-ft-renamed"
    assert after["metadata"]["model_path"] == "/srv/runs/my-ft"
    extra = {k: v for k, v in (metadata or {}).items() if k != "model_path"}
    assert after["metadata"] == {**extra, "model_path": "/srv/runs/my-ft"}


@pytest.mark.parametrize("value", [None, ""], ids=["json-null", "empty-string"])
def test_null_or_empty_model_path_keeps_the_old_path(conn: Conn, value: Any) -> None:
    row = insert(conn, model_id="/srv/runs/my-ft")
    after = update(conn, row["id"], metadata={"model_path": value})
    assert after["metadata"] == {"model_path": "/srv/runs/my-ft"}


def test_an_explicit_path_always_wins(conn: Conn) -> None:
    row = insert(conn, model_id="/srv/runs/my-ft")
    after = update(conn, row["id"], model_id="renamed", metadata={"model_path": "/srv/v2/my-ft"})
    assert after["metadata"] == {"model_path": "/srv/v2/my-ft"}


def test_a_rename_keeps_the_original_opaque_id(conn: Conn) -> None:
    job = str(uuid.uuid4())
    row = insert(conn, model_id=job, base_model="Qwen/Qwen2.5-7B")
    after = update(conn, row["id"], model_id="qwen-sft", metadata={"note": "x"})
    assert after["metadata"] == {"note": "x", "original_model_id": job}


@pytest.mark.parametrize(
    "metadata",
    [
        {"model_path": None},
        {"model_path": ""},
        {"model_path": 5},
        {"previous_model_path": "/srv/old"},
    ],
    ids=["null", "empty", "not-a-string", "missing"],
)
def test_audit_flags_rewritten_rows_without_a_usable_path(conn: Conn, metadata: Any) -> None:
    conn.execute("set llm_model_ids.bypass = on")
    row = insert(conn, model_id="my-ft", metadata=metadata)
    conn.execute("reset llm_model_ids.bypass")
    flagged = conn.execute("select id, problem from llm_model_ids.audit").fetchall()
    assert flagged == [(row["id"], "lost_model_path")]


def test_audit_does_not_flag_a_readable_row_or_a_good_path(conn: Conn) -> None:
    insert(conn, model_id="org/model", metadata={"k": 1})
    insert(conn, model_id="/srv/runs/my-ft")
    assert conn.execute("select count(*) from llm_model_ids.audit").fetchone() == (0,)


# ---- documented limits -------------------------------------------------------------------------


def test_replica_mode_skips_the_trigger_audit_finds_it_backfill_fixes_it(conn: Conn) -> None:
    conn.execute("set session_replication_role = replica")
    row = insert(conn, model_id="/srv/replicated/my-ft")
    conn.execute("reset session_replication_role")
    assert row["model_id"] == "/srv/replicated/my-ft"
    assert conn.execute("select id, problem from llm_model_ids.audit").fetchall() == [
        (row["id"], "location")
    ]
    with conn.transaction():
        outcomes = conn.execute(
            "select row_id, outcome from llm_model_ids.backfill_batch(null, 100)"
        ).fetchall()
    assert outcomes == [(row["id"], "rewritten")]
    fixed = conn.execute(
        "select model_id, metadata from public.llm_models where id = %s", [row["id"]]
    ).fetchone()
    assert fixed == ("my-ft", {"model_path": "/srv/replicated/my-ft"})


def test_bypass_is_a_setting_any_sql_role_can_set(conn: Conn) -> None:
    """Documented: bypass is a convenience, not access control."""
    role = sql.Identifier(f"plain_writer_{uuid.uuid4().hex[:8]}")
    conn.execute(sql.SQL("create role {} login bypassrls").format(role))
    conn.execute(sql.SQL("grant all on public.llm_models to {}").format(role))
    conn.execute(sql.SQL("grant usage on schema llm_model_ids to {}").format(role))
    conn.execute(sql.SQL("set role {}").format(role))
    try:
        conn.execute("set llm_model_ids.bypass = on")
        row = insert(conn, model_id="/srv/raw/path")
    finally:
        conn.execute("reset role")
    assert row["model_id"] == "/srv/raw/path"
