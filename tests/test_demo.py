"""`demo` end to end: an embedded PostgreSQL in a temporary directory, removed afterwards."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from llm_model_ids.cli import main
from llm_model_ids.demo import legacy_rows
from llm_model_ids.rules import normalize


def data_dirs(root: Path) -> list[Path]:
    return sorted(root.glob("llm-model-ids-pg-embedded-*"))


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
    assert "PostgreSQL 18 is up at postgresql://" in out
    assert "public.llm_models has 200 rows" in out
    assert "audit: 156 row(s) to fix: location 136, opaque 20" in out
    assert "backfill: 156 rows to examine" in out  # plain progress lines: not a terminal
    assert "155 rewritten, 0 unchanged, 0 skipped because locked, 1 error(s)" in out
    assert "llm_models.metadata must be a JSON object, not a JSON array" in out
    assert "audit: 1 row(s) to fix: location 1" in out
    assert out.count("→ ") >= 6 and "1:base_model" in out and "original_model_id" in out
    assert "(refused: metadata is an array)" in out
    assert "The server is stopped and its data directory removed." in out
    assert data_dirs(temp_root) == []


def test_keep_prints_the_dsn_and_keeps_the_data(
    temp_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--keep"]) == 0
    out = capsys.readouterr().out
    kept = data_dirs(temp_root)
    try:
        assert len(kept) == 1 and (kept[0] / "PG_VERSION").is_file()
        assert "--keep: DSN postgresql://postgres@127.0.0.1:" in out
        assert f"data kept in {kept[0]}; start it again with: " in out
    finally:
        for path in kept:
            shutil.rmtree(path, ignore_errors=True)


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
