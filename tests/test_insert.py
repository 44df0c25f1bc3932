"""INSERT through the trigger: the seed's scenarios, multi-row INSERT, COPY, ON CONFLICT."""

from __future__ import annotations

import uuid

from psycopg.rows import dict_row

from rows import Conn, all_rows, insert, pending_upsert

CHECKPOINT = (
    "/home/juan-canfield/Desktop/web-ui/lib/training/logs/"
    "job_cb10bbcb-2725-49ce-9586-a9baf57de3a4/checkpoint-1780"
)
NAME = "Llama-3.2-3B-Instruct-trained-1732901234"
BASE = "meta-llama/Llama-3.2-3B-Instruct"


def test_seed_scenario_1_training_checkpoint(conn: Conn) -> None:
    row = insert(
        conn,
        name=NAME,
        model_id=CHECKPOINT,
        base_model=BASE,
        metadata={"training_job_id": "job_cb10bbcb", "server_id": "s1"},
    )
    assert row["model_id"] == BASE
    assert row["metadata"] == {
        "training_job_id": "job_cb10bbcb",
        "server_id": "s1",
        "model_path": CHECKPOINT,
    }


def test_seed_scenario_1_without_base_model_uses_the_name(conn: Conn) -> None:
    row = insert(conn, name=NAME, model_id=CHECKPOINT, base_model="unknown")
    assert row["model_id"] == NAME
    assert row["metadata"] == {"model_path": CHECKPOINT}


def test_seed_scenario_2_hugging_face_id_is_left_exactly_as_written(conn: Conn) -> None:
    row = insert(conn, name=NAME, model_id=BASE, base_model="unknown", metadata=None)
    assert row["model_id"] == BASE
    assert row["metadata"] is None  # a row that needs no rewriting keeps its metadata, even NULL


def test_seed_scenario_3_local_custom_model(conn: Conn) -> None:
    row = insert(conn, name="custom", model_id="/models/my-custom-model", metadata={})
    assert row["model_id"] == "my-custom-model"
    assert row["metadata"] == {"model_path": "/models/my-custom-model"}


def test_readable_row_with_non_object_metadata_is_left_as_written(conn: Conn) -> None:
    row = insert(conn, model_id="gpt-4o", provider="openai", metadata=[1, 2])
    assert (row["model_id"], row["metadata"]) == ("gpt-4o", [1, 2])


def test_sql_null_and_json_null_metadata_become_objects(conn: Conn) -> None:
    assert insert(conn, model_id="/m/phi-ft", metadata=None)["metadata"] == {
        "model_path": "/m/phi-ft"
    }
    row = conn.execute(
        "insert into public.llm_models (name, model_id, metadata) values ('m', '/m/phi-ft', 'null')"
        " returning metadata"
    ).fetchone()
    assert row is not None and row[0] == {"model_path": "/m/phi-ft"}


def test_a_different_model_path_moves_to_previous_model_path(conn: Conn) -> None:
    row = insert(conn, model_id="/m/new-ft", metadata={"model_path": "/m/old-ft", "k": 1})
    assert row["metadata"] == {
        "model_path": "/m/new-ft",
        "previous_model_path": "/m/old-ft",
        "k": 1,
    }


def test_the_same_model_path_is_not_duplicated(conn: Conn) -> None:
    """The app already fixed per the seed write-up: model_path = the path it also wrote."""
    row = insert(conn, model_id=" /m/new-ft ", metadata={"model_path": "/m/new-ft"})
    assert row["metadata"] == {"model_path": "/m/new-ft"}


def test_opaque_id_keeps_the_original(conn: Conn) -> None:
    original = " job_CB10BBCB-2725-49CE-9586-A9BAF57DE3A4"
    row = insert(conn, model_id=original, name="Qwen sft", metadata={"a": [1]})
    assert row["model_id"] == "Qwen sft"
    assert row["metadata"] == {"a": [1], "original_model_id": original}


def test_opaque_id_of_a_hosted_api_is_left_as_written(conn: Conn) -> None:
    row = insert(conn, model_id="1234567", provider="anthropic", name="x")
    assert row["model_id"] == "1234567"


def test_multi_row_insert(conn: Conn) -> None:
    rows = conn.execute(
        "insert into public.llm_models (name, model_id, base_model, provider) values"
        " ('a', '/x/llama-a/checkpoint-1', null, 'vllm'),"
        " ('b', 'org/b', null, 'vllm'),"
        " ('c', 'cb10bbcb-2725-49ce-9586-a9baf57de3a4', null, 'vllm'),"
        " ('d', 's3://bkt/d-model', 'base/d', 'sglang')"
        " returning name, model_id"
    ).fetchall()
    assert sorted((str(n), str(m)) for n, m in rows) == [
        ("a", "llama-a"),
        ("b", "org/b"),
        ("c", "c"),
        ("d", "base/d"),
    ]


def test_copy(conn: Conn) -> None:
    with (
        conn.cursor() as cur,
        cur.copy(
            "copy public.llm_models (name, model_id, base_model, provider) from stdin"
        ) as copy,
    ):
        copy.write_row(("a", "/x/llama-a/final", None, "vllm"))
        copy.write_row(("b", "~/hub/models--org--b/snapshots/abc", None, "vllm"))
        copy.write_row(("c", "gpt-4o", None, "openai"))
    got = {
        (r["name"], r["model_id"], (r["metadata"] or {}).get("model_path")) for r in all_rows(conn)
    }
    assert got == {
        ("a", "llama-a", "/x/llama-a/final"),
        ("b", "org/b", "~/hub/models--org--b/snapshots/abc"),
        ("c", "gpt-4o", None),
    }


def test_insert_on_conflict_do_update_redeploys(conn: Conn) -> None:
    row_id = uuid.uuid4()
    statement = (
        "insert into public.llm_models (id, name, model_id, metadata)"
        " values (%s, 'm', %s, %s::jsonb)"
        " on conflict (id) do update set model_id = excluded.model_id, metadata = excluded.metadata"
        " returning model_id, metadata"
    )
    first = conn.execute(statement, [row_id, "/runs/qwen-ft/checkpoint-100", '{"v": 1}']).fetchone()
    assert first == ("qwen-ft", {"v": 1, "model_path": "/runs/qwen-ft/checkpoint-100"})
    second = conn.execute(
        statement, [row_id, "/runs/qwen-ft/checkpoint-200", '{"v": 2}']
    ).fetchone()
    assert second == ("qwen-ft", {"v": 2, "model_path": "/runs/qwen-ft/checkpoint-200"})


def test_on_conflict_do_update_not_touching_model_id_keeps_the_path(conn: Conn) -> None:
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100")
    conn.execute(
        "insert into public.llm_models (id, name, model_id) values (%s, 'm', 'ignored')"
        ' on conflict (id) do update set metadata = \'{"note": "x"}\'',
        [row["id"]],
    )
    with conn.cursor(row_factory=dict_row) as cur:
        stored = cur.execute(
            "select * from public.llm_models where id = %s", [row["id"]]
        ).fetchone()
    assert stored is not None
    assert stored["metadata"] == {"note": "x", "model_path": "/runs/qwen-ft/checkpoint-100"}


def test_hostile_text_is_just_text(conn: Conn) -> None:
    hostile = "/srv/a'b\"c;$$ drop table x; $$\\n\u00e9\u4e2d\U0001f600/checkpoint-1"
    row = insert(conn, model_id=hostile)
    assert row["model_id"] == "n\u00e9\u4e2d\U0001f600"  # the backslash separates segments
    assert row["metadata"] == {"model_path": hostile}


def test_upsert_setting_only_model_id_keeps_the_new_load_path(conn: Conn) -> None:
    """supabase-py upsert({id, model_id}) on an existing row: the SET list has no metadata."""
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100", metadata={"k": 1})
    upserted = conn.execute(
        "insert into public.llm_models (id, name, model_id) values (%s, 'm', %s)"
        " on conflict (id) do update set model_id = excluded.model_id returning model_id, metadata",
        [row["id"], "/runs/qwen-ft/checkpoint-200"],
    ).fetchone()
    assert upserted == (
        "qwen-ft",
        {
            "k": 1,
            "model_path": "/runs/qwen-ft/checkpoint-200",
            "previous_model_path": "/runs/qwen-ft/checkpoint-100",
        },
    )


def test_multi_row_upsert_applies_each_rows_own_path(conn: Conn) -> None:
    first = insert(conn, model_id="/runs/a-ft/checkpoint-1")
    second = insert(conn, model_id="org/b", provider="openai")
    rows = conn.execute(
        "insert into public.llm_models (id, name, model_id) values"
        " (%s, 'm', '/runs/a-ft/checkpoint-2'), (%s, 'm', 'a-ft'),"
        " (gen_random_uuid(), 'n', '/x/c-ft')"
        " on conflict (id) do update set model_id = excluded.model_id"
        " returning id, model_id, metadata",
        [first["id"], second["id"]],
    ).fetchall()
    by_id = {r[0]: (r[1], r[2]) for r in rows}
    assert by_id[first["id"]] == (
        "a-ft",
        {"model_path": "/runs/a-ft/checkpoint-2", "previous_model_path": "/runs/a-ft/checkpoint-1"},
    )
    assert by_id[second["id"]] == ("a-ft", {})  # readable: left exactly as written
    assert sorted(v[0] for v in by_id.values()) == ["a-ft", "a-ft", "c-ft"]


def test_pending_upsert_does_not_outlive_its_statement(conn: Conn) -> None:
    row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100")
    conn.execute(
        'update public.llm_models set metadata = \'{"model_path": "/moved"}\' where id = %s',
        [row["id"]],
    )
    again = conn.execute(
        "update public.llm_models set model_id = 'qwen-ft' where id = %s returning metadata",
        [row["id"]],
    ).fetchone()
    assert again == ({"model_path": "/moved"},)
    assert pending_upsert(conn) in ("", None)


def test_pending_upsert_does_not_reach_a_later_statement_of_the_transaction(conn: Conn) -> None:
    with conn.transaction():
        row = insert(conn, model_id="/runs/qwen-ft/checkpoint-100")
        after = conn.execute(
            "update public.llm_models set model_id = 'qwen-ft',"
            ' metadata = \'{"model_path": "/moved"}\' where id = %s returning metadata',
            [row["id"]],
        ).fetchone()
    assert after == ({"model_path": "/moved"},)
