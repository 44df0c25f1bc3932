"""Safety of backfill/restore on a live table, against the real server: concurrent writers,
a backfill killed mid-run, nothing lost, an exact round trip, and bad input refused cleanly."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.types.json import Jsonb

from llm_model_ids.backfill import Backfill, BackfillOptions
from llm_model_ids.cli import main
from llm_model_ids.rules import is_readable
from rows import Conn, all_rows

LOCK_TIMEOUT = "2s"
LOCK_TIMEOUT_SECONDS = 2.0
SPECIAL_KEYS = {"model_path", "previous_model_path", "original_model_id"}


def seed_legacy(conn: Conn, count: int, *, prefix: str = "seed") -> None:
    """``count`` legacy rows (checkpoint paths, a few opaque ids), written with bypass on."""
    conn.execute("set llm_model_ids.bypass = on")
    try:
        conn.execute(
            """
            insert into public.llm_models (name, provider, model_id, base_model, metadata)
            select %(prefix)s || '-' || g,
                   case when g %% 7 = 0 then 'ollama' else 'vllm' end,
                   case when g %% 7 = 0 then gen_random_uuid()::text
                        else '/home/u/lib/training/logs/job_' || gen_random_uuid()
                             || '/checkpoint-' || g end,
                   case when g %% 3 = 0 then 'meta-llama/Llama-3.2-3B-Instruct' end,
                   case when g %% 5 = 0 then null
                        else jsonb_strip_nulls(jsonb_build_object(
                                 'n', g, 'tags', jsonb_build_array('a', g),
                                 'model_path', case when g %% 4 = 0 then '/elsewhere/' || g end))
                   end
              from generate_series(1, %(count)s) g
            """,
            {"prefix": prefix, "count": count},
        )
    finally:
        conn.execute("reset llm_model_ids.bypass")


def table_text(conn: Conn) -> list[tuple[Any, ...]]:
    return conn.execute("select t::text from public.llm_models t order by t.id").fetchall()


def count(conn: Conn, query: str) -> int:
    row = conn.execute(query.encode()).fetchone()
    assert row is not None
    return int(str(row[0]))


def audit_problems(conn: Conn) -> list[tuple[Any, ...]]:
    """Audit rows other than rows the trigger refuses (metadata not an object)."""
    return conn.execute(
        "select a.id, a.problem from llm_model_ids.audit a join public.llm_models t using (id)"
        " where coalesce(pg_catalog.jsonb_typeof(t.metadata), 'object') in ('object', 'null')"
    ).fetchall()


# --------------------------------------------------------------------------- concurrency


@dataclass
class Writer:
    """A thread of app writes; every statement's duration is kept."""

    db: str
    stop: threading.Event
    work: Callable[[Conn, int], None]
    durations: list[float] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def __call__(self) -> None:
        try:
            with psycopg.connect(self.db, autocommit=True) as conn:
                i = 0
                while not self.stop.is_set():
                    started = time.monotonic()
                    self.work(conn, i)
                    self.durations.append(time.monotonic() - started)
                    i += 1
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.errors.append(exc)


def test_backfill_under_concurrent_inserts_and_updates(db: str, conn: Conn) -> None:
    seed_legacy(conn, 3000)
    original = {row["id"]: row for row in all_rows(conn)}
    ids = sorted(original)
    random.Random(7).shuffle(ids)
    touch_ids, redeploy_ids = ids[:400], ids[400:700]
    inserted: dict[uuid.UUID, int] = {}
    touched: dict[uuid.UUID, int] = {}
    redeployed: dict[uuid.UUID, int] = {}

    def insert_rows(c: Conn, i: int) -> None:
        row = c.execute(
            "insert into public.llm_models (name, provider, model_id, metadata)"
            " values (%s, 'vllm', %s, %s) returning id",
            [f"new-{i}", f"/runs/new-{i}/checkpoint-1", Jsonb({"writer": "insert", "i": i})],
        ).fetchone()
        assert row is not None
        inserted[row[0]] = i

    def touch_rows(c: Conn, i: int) -> None:
        row_id = touch_ids[i % len(touch_ids)]
        c.execute(
            "update public.llm_models set metadata = coalesce(metadata, '{}') || %s where id = %s",
            [Jsonb({"touched": i}), row_id],
        )
        touched[row_id] = i

    def redeploy_rows(c: Conn, i: int) -> None:
        row_id = redeploy_ids[i % len(redeploy_ids)]
        c.execute(
            "update public.llm_models set model_id = %s, base_model = null where id = %s",
            [f"/deploys/redeploy-{i}/checkpoint-2", row_id],
        )
        redeployed[row_id] = i

    stop = threading.Event()
    writers = [Writer(db, stop, work) for work in (insert_rows, touch_rows, redeploy_rows)]
    threads = [threading.Thread(target=writer) for writer in writers]
    for thread in threads:
        thread.start()
    try:
        with psycopg.connect(db, autocommit=True) as backfill_conn:
            options = BackfillOptions(batch_size=50, lock_timeout=LOCK_TIMEOUT, retry_wait=0.1)
            result = Backfill(backfill_conn, options).run()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert [w.errors for w in writers] == [[], [], []]
    assert all(len(w.durations) > 10 for w in writers)
    assert max(max(w.durations) for w in writers) < LOCK_TIMEOUT_SECONDS

    assert result.errors == [] and result.still_locked == []
    assert audit_problems(conn) == []
    rows = {row["id"]: row for row in all_rows(conn)}
    assert all(is_readable(row["model_id"]) for row in rows.values())
    for row_id, i in inserted.items():  # no insert lost
        assert rows[row_id]["metadata"]["i"] == i
        assert rows[row_id]["model_id"] == f"new-{i}"
    for row_id, i in touched.items():  # no update lost
        assert rows[row_id]["metadata"]["touched"] == i
    for row_id, i in redeployed.items():
        assert rows[row_id]["metadata"]["model_path"] == f"/deploys/redeploy-{i}/checkpoint-2"
        assert rows[row_id]["model_id"] == f"redeploy-{i}"
    for row_id, before in original.items():  # and no other metadata key lost
        kept = {k: v for k, v in (rows[row_id]["metadata"] or {}).items() if k != "touched"}
        assert _without_special(kept) == _without_special(before["metadata"] or {})
    assert count(conn, "select count(*) from llm_model_ids.backfill_journal") == result.rewritten


def _without_special(metadata: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if k not in SPECIAL_KEYS}


# --------------------------------------------------------------------------- crash


def _backfill_backend(conn: Conn) -> int | None:
    row = conn.execute(
        "select pid from pg_catalog.pg_stat_activity"
        " where datname = current_database() and pid <> pg_catalog.pg_backend_pid()"
        "   and backend_type = 'client backend'"
    ).fetchone()
    return int(str(row[0])) if row else None


def _wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_killed_mid_batch_leaves_whole_batches_and_a_rerun_completes(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_legacy(conn, 600)
    original = {row["id"]: row["model_id"] for row in all_rows(conn)}
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "llm_model_ids.cli", "backfill", "--dsn", db),
            *("--batch-size", "50", "--sleep", "0.2", "--lock-timeout", "30s"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        journaled = "select count(*) from llm_model_ids.backfill_journal"
        _wait_for(lambda: count(conn, journaled) >= 100)
        # Hold the journal so that the next batch stops half-way (rows rewritten, journal
        # insert waiting), then terminate the backfill's backend there.
        with psycopg.connect(db) as holder:
            holder.execute("lock table llm_model_ids.backfill_journal in share row exclusive mode")
            _wait_for(
                lambda: (
                    count(
                        conn,
                        "select count(*) from pg_catalog.pg_stat_activity"
                        " where datname = current_database() and wait_event_type = 'Lock'",
                    )
                    == 1
                )
            )
            pid = _backfill_backend(conn)
            assert pid is not None
            conn.execute("select pg_catalog.pg_terminate_backend(%s)", [pid])
            holder.rollback()
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 1
    assert stderr.startswith("llm-model-ids backfill: connection lost during the batch after ")
    assert stderr.endswith("run backfill again to finish the rest\n") and stderr.count("\n") == 1

    journal = conn.execute("select row_id from llm_model_ids.backfill_journal").fetchall()
    rewritten = {row["id"] for row in all_rows(conn) if row["model_id"] != original[row["id"]]}
    assert sorted(row_id for (row_id,) in journal) == sorted(rewritten)  # journal == table
    batches = conn.execute(
        "select count(*) from llm_model_ids.backfill_journal group by backfilled_at"
    ).fetchall()
    assert len(batches) >= 2 and all(size == (50,) for size in batches)  # whole batches only

    assert main(["backfill", "--dsn", db, "--batch-size", "50"]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    assert audit_problems(conn) == []
    assert count(conn, "select count(distinct row_id) from llm_model_ids.backfill_journal") == (
        count(conn, "select count(*) from llm_model_ids.backfill_journal")
    )


# --------------------------------------------------------------------------- nothing lost


def test_nothing_but_the_three_keys_changes_and_restore_is_exact(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_legacy(conn, 300)
    conn.execute("set llm_model_ids.bypass = on")
    conn.execute(
        "insert into public.llm_models (name, model_id, metadata) values"
        " ('json null', '/runs/json-null/checkpoint-1', 'null'),"
        " ('scalar', '/runs/scalar/checkpoint-1', '42'),"
        " ('both keys', '/runs/both/checkpoint-1',"
        '  \'{"model_path": "/a", "previous_model_path": "/b", "original_model_id": 1}\')'
    )
    conn.execute("reset llm_model_ids.bypass")
    before_text = table_text(conn)
    before = {row["id"]: row for row in all_rows(conn)}

    assert main(["backfill", "--dsn", db, "--batch-size", "17"]) == 1  # the scalar is refused
    out, err = capsys.readouterr()
    assert "1 error(s)" in out and "not a JSON number" in err
    after = {row["id"]: row for row in all_rows(conn)}
    for row_id, row in before.items():
        new = after[row_id]
        assert {k: v for k, v in new.items() if k not in ("model_id", "metadata")} == {
            k: v for k, v in row.items() if k not in ("model_id", "metadata")
        }
        if isinstance(row["metadata"], dict):
            assert _without_special(new["metadata"]) == _without_special(row["metadata"])

    assert main(["restore", "--dsn", db, "--batch-size", "13"]) == 0
    capsys.readouterr()
    assert table_text(conn) == before_text


# --------------------------------------------------------------------------- bad input


@pytest.fixture
def read_only_dsn(db: str, conn: Conn) -> Iterator[str]:
    """A login role (unique: roles are server-wide) that may only SELECT from llm_models."""
    role = f"ro_{uuid.uuid4().hex[:12]}"
    ident = sql.Identifier(role)
    conn.execute(sql.SQL("create role {} login").format(ident))
    conn.execute(sql.SQL("grant select on public.llm_models to {}").format(ident))
    try:
        yield psycopg.conninfo.make_conninfo(db, user=role)
    finally:
        conn.execute(sql.SQL("drop owned by {}").format(ident))
        conn.execute(sql.SQL("drop role {}").format(ident))


def _one_line_error(capsys: pytest.CaptureFixture[str], command: str) -> str:
    err = capsys.readouterr().err
    assert err.startswith(f"llm-model-ids {command}: ") and err.count("\n") == 1, err
    return err


def test_bad_dsn(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("backfill", "restore", "audit"):
        assert main([command, "--dsn", "postgresql://nobody@127.0.0.1:1/nothing"]) == 1
        assert "cannot connect to the database" in _one_line_error(capsys, command)


def test_missing_table(db: str, conn: Conn, capsys: pytest.CaptureFixture[str]) -> None:
    conn.execute("drop table public.llm_models cascade")
    for command in ("backfill", "restore", "audit"):
        assert main([command, "--dsn", db]) == 1
        assert "table public.llm_models does not exist" in _one_line_error(capsys, command)


def test_trigger_not_installed(bare_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(bare_db, autocommit=True) as conn:
        seed_legacy_without_trigger(conn)
        before = table_text(conn)
        assert main(["backfill", "--dsn", bare_db]) == 1
        assert capsys.readouterr().err == (
            "llm-model-ids backfill: trigger not installed: run llm-model-ids install first\n"
        )
        assert table_text(conn) == before


def seed_legacy_without_trigger(conn: Conn) -> None:
    conn.execute(
        "insert into public.llm_models (name, model_id) values ('a', '/runs/a/checkpoint-1')"
    )


def test_batch_size_zero_writes_nothing(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_legacy(conn, 5)
    before = table_text(conn)
    with pytest.raises(SystemExit) as exit_info:
        main(["backfill", "--dsn", db, "--batch-size", "0"])
    assert exit_info.value.code == 2  # a usage error
    assert "argument --batch-size: must be at least 1, not 0" in capsys.readouterr().err
    assert table_text(conn) == before
    assert count(conn, "select count(*) from llm_model_ids.backfill_journal") == 0


def test_read_only_role_writes_nothing(
    db: str, conn: Conn, read_only_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_legacy(conn, 5)
    assert main(["backfill", "--dsn", db, "--max-rows", "2"]) == 0
    capsys.readouterr()
    before = table_text(conn)
    journal = count(conn, "select count(*) from llm_model_ids.backfill_journal")
    for command in ("backfill", "restore"):
        assert main([command, "--dsn", read_only_dsn]) == 1
        err = _one_line_error(capsys, command)
        assert " lacks USAGE on llm_model_ids, EXECUTE on llm_model_ids." in err
        assert "UPDATE on public.llm_models" in err
        assert err.endswith(
            f"run {command} as the owner of public.llm_models (or a role with these privileges)\n"
        )
    assert table_text(conn) == before
    assert count(conn, "select count(*) from llm_model_ids.backfill_journal") == journal
