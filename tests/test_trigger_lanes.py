"""The trigger's lanes take the rows they are for, and only those (sql/src/30_trigger.sql).

Each lane returns before the rules; tests/test_trigger_shortcuts.py holds what they store to
normalize(), but a lane that never took a row would store the same (the rules give it), only
slower. So these tests read which statements of normalize_row() ran, with plpgsql_check's
profiler (session-local: no shared_preload_libraries), and say which `return new` ended the row:
one of the lanes', or none of them (the long way, the rules). plpgsql_check is Debian's
PostgreSQL 15 package here, hence debian_pg15.
"""

from __future__ import annotations

from typing import Any

import pytest

from rows import Conn, insert
from tools import require_plpgsql_check

# The preamble's `return new` statements, in the order of the function's text.
EXITS = (
    "the base model lane",
    "a readable hub id",
    "the cache lane",
    "the hub layout lane",
    "the path-name lane",
)
LONG_WAY = "the long way"
# The first line after the preamble (the long way's bypass test follows it).
AFTER_THE_LANES = "-- SET llm_model_ids.bypass = on skips it all."

CACHE = "/root/.cache/huggingface/hub/models--Qwen--Qwen2.5-7B-Instruct/snapshots/" + "a1" * 20

# (note, model_id, base_model, metadata, the exit that must end the row: an index of EXIT_NAMES)
ROWS: list[tuple[str, str, str | None, Any, int]] = [
    ("the deploy route's row", "/srv/runs/job_1/checkpoint-500", "meta-llama/Llama-3.2-3B", {}, 0),
    ("a merged model with a base", "/home/u/job_2/merged_model", "Qwen/Qwen2.5-7B", None, 0),
    ("a hub id", "meta-llama/Llama-3.2-3B-Instruct", None, None, 1),
    ("an 11-character org's hub id", "deepseek-ai/DeepSeek-R1", None, {"a": 1}, 1),
    ("a cache path", CACHE, None, None, 2),
    ("a cache path of a branch", "/hf/hub/models--deepseek-ai--R1/snapshots/main", None, {}, 2),
    ("a cache folder last", "/data/hf/models--org--name", None, {"run": 7}, 2),
    ("a run's checkpoint", "/srv/runs/llama-ft/checkpoint-100", None, None, 4),
    ("a run's global step", "/mnt/a/b/llama-ft-7/global_step42", None, {}, 4),
    ("an org at the root", "/org/llama-ft/ckpt_3", None, None, 4),
    ("a path's own name", "/models/llama3-legal", None, None, 4),
    ("a path's own name under an org", "/srv/models/llama3-legal", None, {}, 4),
    ("a path's own name with a '.'", "/mnt/ft/Qwen2.5-7B-legal", None, None, 4),
    ("a hub layout", "/srv/models/org/name/checkpoint-1", None, None, 3),
    ("a hub layout, no step folder", "/mnt/models/org/Llama-3", None, None, 3),
    ("a hub layout, a trailing '/'", "/root/.cache/modelscope/hub/Qwen/Qwen3-8B/", None, {}, 3),
    ("a hub layout's name with a digit first", "/data/models/llama-2-hf/7b-chat", None, None, 3),
    ("a trailing '/'", "/srv/runs/llama-ft/", None, None, 4),
    ("a step folder and a trailing '/'", "/srv/runs/llama-ft/checkpoint-9/", None, {}, 4),
    # Rows each lane leaves to the rules.
    (
        "a hub layout's ModelScope name",
        "/root/.cache/modelscope/hub/Qwen/Qwen2___5-7B",
        None,
        None,
        5,
    ),
    ("a hub layout's version folder", "/srv/models/org/name/1", None, None, 5),
    ("a hub layout's weights file", "/srv/models/org/name/model.safetensors", None, None, 5),
    ("a base model that is a path", "/srv/runs/ft/step-1", "/srv/base/llama", None, 5),
    ("a cache path under a relative path", "hf/models--org--name/snapshots/1", None, None, 5),
    ("a cache path with a model_path", CACHE, None, {"model_path": "/old"}, 5),
    ("a cache folder of mkdtemp", "/c/models--tmpab12cd34--llama/snapshots/1", None, None, 5),
    ("a step folder with a suffix", "/srv/runs/llama-ft/step-5-merged", None, None, 5),
    ("a name that is skipped", "/srv/runs/merged/checkpoint-1", None, None, 5),
    ("a weights file", "/srv/llm/llama-3.Q4_K_M.gguf", None, None, 5),
    ("a version folder last", "/srv/runs/llama-ft/v1.2", None, None, 5),
    ("a name at the root", "/llama-ft/ckpt_3", None, None, 5),
]
EXIT_NAMES = (*EXITS, LONG_WAY)


def _exit_taken(conn: Conn) -> str:
    """Which exit ended the row just written, from the profiler's lines of normalize_row()."""
    lines = conn.execute(
        "select lineno, coalesce(exec_stmts, 0), coalesce(source, '')"
        "  from public.plpgsql_profiler_function_tb('llm_model_ids.normalize_row()'::regprocedure)"
        " order by lineno"
    ).fetchall()
    end = next(n for n, _runs, text in lines if text.strip() == AFTER_THE_LANES)
    exits = [n for n, _runs, text in lines if n < end and text.strip() == "return new;"]
    assert len(exits) == len(EXITS), f"the preamble's exits are {exits}, expected {EXITS}"
    ran = {n for n, runs, _text in lines if runs > 0}
    taken = [name for name, n in zip(EXITS, exits, strict=True) if n in ran]
    if any(n >= end for n in ran):
        taken.append(LONG_WAY)
    assert len(taken) == 1, f"the row ran through {taken}"
    return taken[0]


@pytest.fixture
def profiled(conn: Conn) -> Conn:
    require_plpgsql_check(conn)
    conn.execute("set plpgsql_check.profiler = on")
    return conn


@pytest.mark.debian_pg15
@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_each_row_ends_where_it_should(profiled: Conn, row: tuple[Any, ...]) -> None:
    note, model_id, base_model, metadata, expected = row
    profiled.execute("select public.plpgsql_profiler_reset_all()")
    insert(profiled, model_id=model_id, base_model=base_model, metadata=metadata, name="x")
    assert _exit_taken(profiled) == EXIT_NAMES[expected], note


@pytest.mark.debian_pg15
@pytest.mark.parametrize("setting", ["llm_model_ids.bypass", "llm_model_ids.may_upsert"])
def test_a_lane_row_goes_the_long_way_when_a_setting_is_on(profiled: Conn, setting: str) -> None:
    """The bypass, and a transaction that may upsert (the hand-off): no lane takes the row."""
    for model_id in (
        "/srv/runs/job_1/checkpoint-500",
        CACHE,
        "/srv/runs/llama-ft/checkpoint-1",
        "/mnt/models/org/Llama-3",
    ):
        with profiled.transaction():
            profiled.execute("select pg_catalog.set_config(%s, 'on', true)", [setting])
            profiled.execute("select public.plpgsql_profiler_reset_all()")
            base_model = "org/base" if "job_1" in model_id else None
            insert(profiled, model_id=model_id, base_model=base_model, name="x")
            assert _exit_taken(profiled) == LONG_WAY, model_id


@pytest.mark.debian_pg15
def test_json_null_metadata_goes_the_long_way(profiled: Conn) -> None:
    """JSON null is no object (`null || {...}` would be an array): the rules read it as {}. SQL
    NULL takes the lanes (ROWS above)."""
    profiled.execute("select public.plpgsql_profiler_reset_all()")
    stored = profiled.execute(
        "insert into public.llm_models (name, provider, model_id, metadata)"
        " values ('x', 'vllm', %s, 'null') returning model_id, metadata",
        [CACHE],
    ).fetchone()
    assert _exit_taken(profiled) == LONG_WAY
    assert stored == ("Qwen/Qwen2.5-7B-Instruct", {"model_path": CACHE})
