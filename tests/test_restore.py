"""`restore`: backfill's undo from the journal, exact, narrowed by --ids / --where-provider;
rows changed since are reported, not overwritten."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from llm_model_ids.cli import main
from llm_model_ids.restore import Restore, RestoreOptions, parse_ids
from rows import Conn, insert, legacy, update

UUID = "0b6f3c1e-8d1e-4c2a-9f4e-6a2b1c3d4e5f"


def table_text(conn: Conn) -> list[tuple[Any, ...]]:
    """Every column of every row, as PostgreSQL prints it (SQL NULL and JSON null differ)."""
    return conn.execute("select t::text from public.llm_models t order by t.id").fetchall()


def seed(conn: Conn) -> list[dict[str, Any]]:
    rows = [
        legacy(conn, model_id="/runs/alpha/checkpoint-1", provider="vllm", metadata={"a": 1}),
        legacy(conn, model_id=" /runs/beta/checkpoint-2 ", provider="sglang", metadata=None),
        legacy(conn, model_id="/runs/gamma", provider="vllm", metadata={"model_path": "/old"}),
        legacy(conn, model_id=UUID, name="served", provider="VLLM", metadata={"x": [1]}),
        insert(conn, model_id="org/name", provider="openai"),
    ]
    conn.execute("set llm_model_ids.bypass = on")
    conn.execute("update public.llm_models set metadata = 'null' where id = %s", [rows[0]["id"]])
    conn.execute("reset llm_model_ids.bypass")
    return rows


def backfill(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backfill", "--dsn", db]) == 0
    capsys.readouterr()


def test_backfill_then_restore_gives_back_the_table_exactly(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(conn)
    original = table_text(conn)
    backfill(db, capsys)
    assert table_text(conn) != original
    assert main(["restore", "--dsn", db, "--batch-size", "3"]) == 0
    out = capsys.readouterr().out
    assert table_text(conn) == original
    assert "restore: 4 journal entries" in out
    assert "4 restored, 0 changed since backfill (left as they are), 0 skipped because locked" in (
        out
    )
    assert conn.execute(
        "select count(*) from llm_model_ids.backfill_journal where restored_at is null"
    ).fetchone() == (0,)
    assert main(["restore", "--dsn", db]) == 0
    assert "restore: nothing to restore" in capsys.readouterr().out


def test_a_row_changed_since_is_reported_not_overwritten(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = seed(conn)
    backfill(db, capsys)
    changed = update(conn, rows[1]["id"], metadata={"edited": True})
    conn.execute("delete from public.llm_models where id = %s", [rows[2]["id"]])
    assert main(["restore", "--dsn", db]) == 1
    out, err = capsys.readouterr()
    assert "2 restored, 1 changed since backfill (left as they are)" in out
    assert "0 skipped because locked, 1 row(s) deleted" in out
    assert f"not restored: row {rows[1]['id']}" in err and "changed since backfill" in err
    assert "not restored" not in out  # stdout is the result; what was not done is on stderr
    current = conn.execute(
        "select model_id, metadata from public.llm_models where id = %s", [rows[1]["id"]]
    ).fetchone()
    assert current == (changed["model_id"], changed["metadata"])


def test_ids_and_provider_narrow_it(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = seed(conn)
    backfill(db, capsys)
    assert main(["restore", "--dsn", db, "--ids", f"{rows[0]['id']}, {rows[1]['id']}"]) == 0
    assert "2 restored" in capsys.readouterr().out
    assert main(["restore", "--dsn", db, "--where-provider", " vllm "]) == 0
    assert "2 restored" in capsys.readouterr().out  # gamma and the VLLM uuid; alpha was done
    left = conn.execute(
        "select row_id from llm_model_ids.backfill_journal where restored_at is null"
    ).fetchall()
    assert left == []


def test_dry_run_shows_and_writes_nothing(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = seed(conn)
    backfill(db, capsys)
    update(conn, rows[3]["id"], metadata={"edited": True})
    conn.execute("delete from public.llm_models where id = %s", [rows[2]["id"]])
    before = table_text(conn)
    assert main(["restore", "--dsn", db, "--dry-run", "--show", "2"]) == 0
    out = capsys.readouterr().out
    assert table_text(conn) == before
    assert "restore --dry-run: nothing is written and no row is locked" in out
    assert "4 journal entries: would restore 2; 1 changed since backfill" in out
    assert "1 row(s) deleted" in out and "(first 2 of 4; --show N for more)" in out
    assert out.count("→") == 2
    assert main(["restore", "--dsn", db, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count("→") == 4 and "/runs/alpha/checkpoint-1" in out
    assert main(["restore", "--dsn", db, "--dry-run", "--where-provider", "sglang"]) == 0
    assert "1 journal entry: would restore 1;" in capsys.readouterr().out


def test_a_row_backfilled_twice_is_undone_newest_first(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    row = legacy(conn, model_id="/runs/one/checkpoint-1")
    backfill(db, capsys)
    conn.execute("set llm_model_ids.bypass = on")
    conn.execute(
        "update public.llm_models set model_id = '/runs/two/checkpoint-2' where id = %s",
        [row["id"]],
    )
    conn.execute("reset llm_model_ids.bypass")
    redeployed = table_text(conn)
    backfill(db, capsys)
    assert main(["restore", "--dsn", db]) == 1
    out = capsys.readouterr().out
    assert "2 journal entries" in out and "1 restored, 1 changed since backfill" in out
    assert table_text(conn) == redeployed


@pytest.fixture
def holder(db: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(db) as connection:
        yield connection


def test_a_locked_row_is_retried_then_reported(
    db: str, conn: Conn, holder: psycopg.Connection[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    rows = seed(conn)
    backfill(db, capsys)
    holder.execute("select 1 from public.llm_models where id = %s for update", [rows[0]["id"]])
    result = Restore(conn, RestoreOptions(retry_wait=0)).run()
    assert result.counts() == {
        "restored": 3,
        "changed_since_backfill": 0,
        "skipped_locked": 1,
        "row_deleted": 0,
    }
    assert not result.ok and result.passes == 2
    holder.commit()
    assert main(["restore", "--dsn", db]) == 0
    assert "1 restored" in capsys.readouterr().out


def test_not_installed_and_bad_batch_size(
    bare_db: str, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restore", "--dsn", bare_db]) == 1
    assert capsys.readouterr().err == (
        "llm-model-ids restore: llm-model-ids not installed: run llm-model-ids install first\n"
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["restore", "--dsn", db, "--batch-size", "0"])
    assert exit_info.value.code == 2  # a usage error, like every bad argument
    assert "argument --batch-size: must be at least 1, not 0" in capsys.readouterr().err


def test_ids_are_parsed_strictly(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert [str(i) for i in parse_ids(f" {UUID},,{UUID.upper()} ")] == [UUID]
    with pytest.raises(SystemExit) as exit_info:
        main(["restore", "--dsn", db, "--ids", "1,2"])
    assert exit_info.value.code == 2
    assert "not a uuid: '1'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--show", "3"], "--show needs --dry-run"),
        (["--dry-run", "--batch-size", "5"], "--batch-size would be ignored with --dry-run"),
        (["--dry-run", "--lock-timeout", "1s"], "--lock-timeout would be ignored with --dry-run"),
    ],
)
def test_flags_that_would_be_ignored_are_usage_errors(
    db: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["restore", "--dsn", db, *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


CONTROLS = "\x1b\x07\x9b\x7f"


def test_what_api_users_wrote_is_escaped(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    """restore --dry-run and the "not restored" lines escape control characters."""
    hostile = legacy(conn, model_id="/srv/\x1b]0;pwned\x07/ckpt-1", name="n\x1b[2K")
    other = legacy(conn, model_id="/srv/plain/ckpt-2")
    backfill(db, capsys)
    update(conn, other["id"], name="\x9bchanged\x7f", model_id="\x1b[31medited")
    assert main(["restore", "--dsn", db, "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert not any(ch in out + err for ch in CONTROLS), repr(out)
    assert "\\x1b]0;pwned\\x07" in out and "\\x1b[31medited" in out
    assert main(["restore", "--dsn", db]) == 1
    out, err = capsys.readouterr()
    assert not any(ch in out + err for ch in CONTROLS), repr(err)
    assert f"not restored: row {other['id']}" in err and "\\x1b[31medited" in err
    assert conn.execute(
        "select model_id from public.llm_models where id = %s", [hostile["id"]]
    ).fetchone() == ("/srv/\x1b]0;pwned\x07/ckpt-1",)


def test_ctrl_c_says_how_to_resume_and_exits_130(
    db: str, conn: Conn, holder: psycopg.Connection[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    seed(conn)
    backfill(db, capsys)
    holder.execute("lock table public.llm_models in share mode")  # the batch waits
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "llm_model_ids.cli", "restore", "--dsn", db),
            *("--where-provider", "vllm", "--lock-timeout", "60s"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        waiting = (
            "select count(*) from pg_catalog.pg_stat_activity"
            " where datname = current_database() and wait_event_type = 'Lock'"
        )
        deadline = time.monotonic() + 60
        while conn.execute(waiting).fetchone() != (1,):
            assert time.monotonic() < deadline, "restore never waited for its lock"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    holder.rollback()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    resume = err.split("To resume, run: ", 1)[1].strip()
    assert resume == shlex.join(
        [
            "llm-model-ids",
            "restore",
            "--dsn",
            db,
            "--where-provider",
            "vllm",
            "--lock-timeout",
            "60s",
        ]
    )
    assert conn.execute(
        "select count(*) from llm_model_ids.backfill_journal where restored_at is not null"
    ).fetchone() == (0,)
    assert main(shlex.split(resume)[1:]) == 0
    assert "3 restored" in capsys.readouterr().out  # alpha, gamma and the VLLM row
