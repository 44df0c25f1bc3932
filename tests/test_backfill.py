"""`backfill`: rewrites legacy rows through the trigger in batches, journals them, reports
refused and locked rows, resumes, and --dry-run writes nothing."""

from __future__ import annotations

import io
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from rich.console import Console

from llm_model_ids import backfill
from llm_model_ids.backfill import Backfill, BackfillOptions, count_candidates
from llm_model_ids.cli import main
from llm_model_ids.progress import NullProgress, PlainProgress, RichProgress, of_total_text
from llm_model_ids.rules import normalize_row
from rows import Conn, all_rows, insert, legacy

JOB = "job_cb10bbcb-2725-49ce-9586-a9baf57de3a4"
UUID = "0b6f3c1e-8d1e-4c2a-9f4e-6a2b1c3d4e5f"
ARRAY_ERROR = "llm_models.metadata must be a JSON object, not a JSON array"


def json_null(conn: Conn, row: dict[str, Any]) -> dict[str, Any]:
    """The row with metadata = JSON null (not SQL NULL), written with bypass on."""
    conn.execute("set llm_model_ids.bypass = on")
    try:
        conn.execute("update public.llm_models set metadata = 'null' where id = %s", [row["id"]])
    finally:
        conn.execute("reset llm_model_ids.bypass")
    return {**row, "metadata": None}


def seed_variety(conn: Conn) -> list[dict[str, Any]]:
    """Legacy rows for every rule and metadata shape, plus rows that are fine already."""
    return [
        legacy(
            conn,
            model_id=f"/home/juan-canfield/Desktop/web-ui/lib/training/logs/{JOB}/checkpoint-1780",
            base_model="meta-llama/Llama-3.2-3B-Instruct",
            metadata={"job": 1},
        ),
        legacy(conn, model_id=f"/srv/{JOB}/merged_model", name="Qwen FT", metadata=None),
        legacy(conn, model_id="/models/my-custom-model", metadata={"model_path": "/old/place"}),
        json_null(
            conn,
            legacy(
                conn, model_id="/root/.cache/huggingface/hub/models--Qwen--Qwen2.5-0.5B/snapshots/a"
            ),
        ),
        legacy(conn, model_id="  ~/models/llama-ft\t", provider=" VLLM "),
        legacy(conn, model_id=UUID, name="vllm served", metadata={"k": [1, 2]}),
        legacy(conn, model_id=UUID, name=" ", provider="vllm"),  # opaque, nothing readable
        legacy(conn, model_id=UUID, name="hosted", provider="openai"),  # not a candidate
        insert(conn, model_id="meta-llama/Llama-3.2-3B-Instruct"),
        insert(conn, model_id="/models/already-through-the-trigger"),
    ]


def journal(conn: Conn) -> list[tuple[Any, ...]]:
    return conn.execute(
        "select row_id, old_model_id, old_metadata, new_model_id, new_metadata"
        "  from llm_model_ids.backfill_journal order by journal_id"
    ).fetchall()


def test_rewrites_like_the_trigger_and_journals(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {row["id"]: row for row in seed_variety(conn)}
    assert main(["backfill", "--dsn", db, "--batch-size", "3"]) == 0
    out = capsys.readouterr().out
    after = {row["id"]: row for row in all_rows(conn)}
    assert after.keys() == before.keys()
    changed = set()
    for row_id, row in before.items():
        expected = normalize_row(row)
        if isinstance(row["metadata"], dict) or row["metadata"] is None:
            assert after[row_id] == expected
        if after[row_id] != row:
            changed.add(row_id)
    assert len(changed) == 6
    assert {entry[0] for entry in journal(conn)} == changed
    for row_id, old_model_id, old_metadata, new_model_id, new_metadata in journal(conn):
        assert (old_model_id, old_metadata) == (
            before[row_id]["model_id"],
            before[row_id]["metadata"],
        )
        assert (new_model_id, new_metadata) == (
            after[row_id]["model_id"],
            after[row_id]["metadata"],
        )
    assert "backfill: 7 rows to examine" in out
    assert "7 row(s) scanned" in out and "6 rewritten, 1 unchanged" in out
    assert "0 skipped because locked, 0 error(s)" in out
    assert conn.execute("select count(*) from llm_model_ids.audit").fetchone() == (0,)


def test_refused_row_is_reported_and_the_run_goes_on(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    good = [legacy(conn, model_id=f"/runs/model-{i}/checkpoint-1") for i in range(5)]
    bad = legacy(conn, model_id="/runs/bad/checkpoint-1", metadata=[1, 2])
    assert main(["backfill", "--dsn", db, "--batch-size", "2"]) == 1
    out, err = capsys.readouterr()
    assert f"error: row {bad['id']}: {ARRAY_ERROR}" in err  # "not done": on stderr
    assert "error: row" not in out
    assert "5 rewritten, 0 unchanged, 0 skipped because locked, 1 error(s)" in out
    rows = {row["id"]: row for row in all_rows(conn)}
    assert rows[bad["id"]] == bad
    assert all(rows[row["id"]]["model_id"] == f"model-{i}" for i, row in enumerate(good))


def test_resumes_and_changes_nothing_twice(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(10):
        legacy(conn, model_id=f"/runs/model-{i}/checkpoint-1")
    assert main(["backfill", "--dsn", db, "--batch-size", "3", "--max-rows", "4"]) == 0
    assert "4 row(s) scanned" in capsys.readouterr().out
    assert conn.execute("select count(*) from llm_model_ids.audit").fetchone() == (6,)
    assert main(["backfill", "--dsn", db, "--batch-size", "3"]) == 0
    assert "6 row(s) scanned" in capsys.readouterr().out
    assert main(["backfill", "--dsn", db]) == 0
    assert "0 row(s) scanned" in capsys.readouterr().out
    assert conn.execute(
        "select count(*), count(distinct row_id) from llm_model_ids.backfill_journal"
    ).fetchone() == (10, 10)


@pytest.fixture
def holder(db: str) -> Iterator[psycopg.Connection[Any]]:
    """A second connection, in a transaction, to hold row locks."""
    with psycopg.connect(db) as connection:
        yield connection


def test_locked_row_is_reported_then_a_rerun_finishes(
    db: str, conn: Conn, holder: psycopg.Connection[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [legacy(conn, model_id=f"/runs/model-{i}/checkpoint-1") for i in range(6)]
    holder.execute("select 1 from public.llm_models where id = %s for update", [rows[2]["id"]])
    assert main(["backfill", "--dsn", db, "--batch-size", "4"]) == 1
    out, err = capsys.readouterr()
    assert "second pass over 1 row(s) skipped because locked" in out
    assert "5 rewritten, 0 unchanged, 1 skipped because locked, 0 error(s)" in out
    assert f"still locked (run backfill again to finish them): {rows[2]['id']}" in err
    assert "still locked" not in out
    holder.commit()
    assert main(["backfill", "--dsn", db]) == 0
    assert "1 row(s) scanned" in capsys.readouterr().out
    assert conn.execute("select count(*) from llm_model_ids.audit").fetchone() == (0,)


class _ReleaseOnNote(NullProgress):
    """Commits the lock holder when the run announces its second pass."""

    def __init__(self, holder: psycopg.Connection[Any]) -> None:
        self.holder = holder
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        self.notes.append(message)
        self.holder.commit()


def test_locked_row_is_done_by_the_second_pass(conn: Conn, holder: psycopg.Connection[Any]) -> None:
    rows = [legacy(conn, model_id=f"/runs/model-{i}/checkpoint-1") for i in range(5)]
    holder.execute("select 1 from public.llm_models where id = %s for update", [rows[4]["id"]])
    progress = _ReleaseOnNote(holder)
    result = Backfill(conn, BackfillOptions(batch_size=2, retry_wait=0), progress).run()
    assert progress.notes == ["second pass over 1 row(s) skipped because locked"]
    assert (result.scanned, result.rewritten, result.retried_locked) == (5, 5, 1)
    assert result.ok and result.still_locked == [] and result.counts()["locked"] == 0
    assert conn.execute("select count(*) from llm_model_ids.backfill_journal").fetchone() == (5,)


def test_dry_run_shows_pairs_and_counts_and_writes_nothing(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy(conn, model_id=f"/srv/{JOB}/checkpoint-9", base_model="Qwen/Qwen2.5-7B")
    legacy(conn, model_id="/models/my-custom-model", metadata=[1])
    legacy(conn, model_id=UUID, name="My FT")
    insert(conn, model_id="lost", metadata={"previous_model_path": "/x"})
    before = all_rows(conn)
    assert main(["backfill", "--dsn", db, "--dry-run", "--show", "2", "--max-rows", "1"]) == 0
    out = capsys.readouterr().out
    assert all_rows(conn) == before and journal(conn) == []
    assert "backfill --dry-run: nothing is written and no row is locked" in out
    assert "would rewrite 3 row(s) (location 2, opaque 1)" in out
    assert "1 of them would be refused and reported (metadata is not a JSON object)" in out
    assert "--max-rows 1: this run would stop after that many" in out
    assert "(first 2 of 3; --show N for more)" in out
    assert "not fixed by backfill: 1 row(s) lost metadata.model_path" in out
    assert out.count("→") == 2


def test_dry_run_on_a_clean_table(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backfill", "--dsn", db, "--dry-run"]) == 0
    assert "would rewrite no row: every model_id is already readable" in capsys.readouterr().out


def test_refuses_when_a_trigger_is_disabled(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy(conn, model_id="/runs/m/checkpoint-1")
    before = all_rows(conn)
    conn.execute("alter table public.llm_models disable trigger llm_model_ids_normalize_update")
    assert main(["backfill", "--dsn", db]) == 1
    assert capsys.readouterr().err == (
        "llm-model-ids backfill: trigger llm_model_ids_normalize_update is disabled: enable it "
        "first (alter table public.llm_models enable trigger llm_model_ids_normalize_update)\n"
    )
    assert all_rows(conn) == before and journal(conn) == []


def test_sleep_between_batches(db: str, conn: Conn, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(3):
        legacy(conn, model_id=f"/runs/model-{i}/checkpoint-1")
    started = time.monotonic()
    assert main(["backfill", "--dsn", db, "--batch-size", "1", "--sleep", "0.1"]) == 0
    assert time.monotonic() - started >= 0.2  # two sleeps between three full batches
    capsys.readouterr()


def test_count_candidates_exact_and_estimated(conn: Conn, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(30):
        legacy(conn, model_id=f"/runs/model-{i}/checkpoint-1")
    legacy(conn, model_id=UUID, provider="openai")  # hosted opaque: not a candidate
    insert(conn, model_id="org/name")
    assert count_candidates(conn) == (30, False)
    monkeypatch.setattr(backfill, "EXACT_COUNT_UP_TO", 10)  # a "big" table: sampled
    assert count_candidates(conn) == (30, True)  # a 100% sample of a small table is exact
    assert count_candidates(conn, exact=True) == (30, False)


def test_plain_progress_lines() -> None:
    stream = io.StringIO()
    progress = PlainProgress("backfill", stream=stream, interval=0)
    progress.start(4, estimated=True)
    progress.advance(2, {"rewritten": 2, "errors": 0})
    progress.note("hello")
    progress.advance(2, {"rewritten": 4, "errors": 0})
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "backfill: about 4 rows to examine"
    assert lines[1].startswith("backfill: 2/~4 (50%) rows; 2 rewritten, 0 errors; ")
    assert "rows/s, ETA 0:00:0" in lines[1]
    assert lines[2:] == ["backfill: hello", lines[3]]
    assert lines[3].startswith("backfill: 4/~4 (100%) rows; 4 rewritten")


def test_progress_counts_never_exceed_their_total() -> None:
    """An estimate that is exceeded grows to the count; separators everywhere."""
    stream = io.StringIO()
    progress = PlainProgress("backfill", stream=stream, interval=0)
    progress.start(74_419, estimated=True)
    progress.advance(75_000, {"rewritten": 75_000})
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "backfill: about 74,419 rows to examine"
    assert lines[1].startswith("backfill: 75,000/~75,000 (100%) rows; 75,000 rewritten")
    assert of_total_text(75_000, 74_419, estimated=False) == "75,000/75,000"
    assert of_total_text(1_234, 74_419, estimated=True) == "1,234/~74,419"
    console = Console(file=io.StringIO(), force_terminal=True, width=160)
    bar = RichProgress("backfill", console)
    bar.start(74_419, estimated=True)
    bar.advance(75_000, {"rewritten": 75_000})
    bar.finish()
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "75,000/~75,000" in text and "75,000/~74,419" not in text and "75000" not in text


def test_rich_progress_renders_on_a_terminal() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=140)
    progress = RichProgress("backfill", console)
    progress.start(10)
    progress.advance(4, {"rewritten": 4})
    progress.note("second pass")
    progress.advance(8, {"rewritten": 12})  # more than estimated: the total follows
    progress.finish()
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "backfill" in text and "12/12" in text and "rows/s" in text
    assert "12/10" not in text
    assert "12 rewritten" in text and "backfill: second pass" in text


def test_lock_timeout_must_be_a_duration(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["backfill", "--dsn", db, "--lock-timeout", "soon"])
    assert exit_info.value.code == 2
    assert "not a positive duration like 2s or 500ms: 'soon'" in capsys.readouterr().err


def test_second_pass_windows_over_several_locked_rows(
    conn: Conn, holder: psycopg.Connection[Any]
) -> None:
    for i in range(8):
        legacy(conn, model_id=f"/runs/model-{i}/checkpoint-1")
    for _ in range(3):  # candidates the trigger leaves unchanged (opaque, nothing readable)
        legacy(conn, model_id=str(uuid.uuid4()), name=" ")
    paths = [row for row in all_rows(conn) if row["model_id"].startswith("/")]
    locked = [paths[1], paths[4], paths[5], paths[7]]
    holder.execute(
        "select 1 from public.llm_models where id = any(%s) for update",
        [[row["id"] for row in locked]],
    )
    # the lock holder fixes one of them itself (through the trigger) before it commits
    holder.execute(
        "update public.llm_models set metadata = '{\"edited\": 1}' where id = %s",
        [locked[2]["id"]],
    )
    progress = _ReleaseOnNote(holder)
    result = Backfill(conn, BackfillOptions(batch_size=2, retry_wait=0), progress).run()
    assert progress.notes == ["second pass over 4 row(s) skipped because locked"]
    assert (result.scanned, result.retried_locked, result.still_locked) == (11, 4, [])
    assert (result.rewritten, result.unchanged, result.errors) == (7, 4, [])
    assert conn.execute("select count(*) from llm_model_ids.audit").fetchone() == (0,)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--show", "3"], "--show needs --dry-run"),
        (["--dry-run", "--sleep", "1"], "--sleep would be ignored with --dry-run"),
        (["--dry-run", "--batch-size", "5"], "--batch-size would be ignored with --dry-run"),
        (["--dry-run", "--lock-timeout", "1s"], "--lock-timeout would be ignored with --dry-run"),
        (["--batch-size", "0"], "argument --batch-size: must be at least 1, not 0"),
        (["--max-rows", "0"], "argument --max-rows: must be at least 1, not 0"),
        (["--sleep", "-1"], "argument --sleep: must be a number of seconds"),
    ],
)
def test_usage_errors_exit_2_and_write_nothing(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    legacy(conn, model_id="/runs/model-1/checkpoint-1")
    before = all_rows(conn)
    with pytest.raises(SystemExit) as exit_info:
        main(["backfill", "--dsn", db, *args])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and message in err and "usage:" in err
    assert all_rows(conn) == before and journal(conn) == []


HOSTILE = "/srv/\x1b[2K\x1b]0;pwned\x07/[red]x[/red]\x9b\x7f/ckpt-1"
CONTROLS = "\x1b\x07\x9b\x7f"


@pytest.mark.parametrize("columns", ["80", "200"])
def test_dry_run_escapes_what_api_users_wrote(
    db: str,
    conn: Conn,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    columns: str,
) -> None:
    legacy(conn, model_id=HOSTILE, base_model="org/\x1b]0;title\x07base")
    legacy(conn, model_id=UUID, name="\x1b[31mred name", provider="vllm")
    monkeypatch.setattr("llm_model_ids.progress.make_console.__defaults__", (int(columns),))
    assert main(["backfill", "--dsn", db, "--dry-run", "--show", "5"]) == 0
    out, err = capsys.readouterr()
    assert not any(ch in out + err for ch in CONTROLS), repr(out)
    assert "\\x1b[31mred name" in out and "[red]x[/red]" in out


def test_refused_row_with_control_characters_is_escaped_on_stderr(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy(conn, model_id=HOSTILE, metadata=[1])
    assert main(["backfill", "--dsn", db]) == 1
    out, err = capsys.readouterr()
    assert not any(ch in out + err for ch in CONTROLS), repr(err)
    assert ARRAY_ERROR in err and "\\x1b" in err


def test_ctrl_c_says_how_to_resume_and_exits_130(db: str, conn: Conn) -> None:
    """SIGINT between batches: the committed batch is kept, stderr has the exact command
    (password hidden), exit 130; that command finishes the job."""
    for i in range(3):
        legacy(conn, model_id=f"/runs/model-{i}/checkpoint-1")
    dsn = psycopg.conninfo.make_conninfo(db, password="s3cret")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "llm_model_ids.cli", "backfill", "--dsn", dsn),
            *("--batch-size", "1", "--sleep", "60"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while conn.execute("select count(*) from llm_model_ids.backfill_journal").fetchone() != (
            1,
        ):
            assert time.monotonic() < deadline, "the first batch never committed"
            time.sleep(0.05)
        time.sleep(0.3)  # now in --sleep
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, err
    assert "Traceback" not in err and "s3cret" not in err + out
    assert "1 rewritten" in out
    resume = err.split("To resume, run: ", 1)[1].strip()
    assert resume.startswith("llm-model-ids backfill --dsn ") and "password=****" in resume
    assert resume.endswith("--batch-size 1 --sleep 60")
    args = shlex.split(resume)[1:]
    args[args.index("--dsn") + 1] = db
    args[args.index("--sleep") + 1] = "0"
    assert main(args) == 0
    assert conn.execute("select count(*) from llm_model_ids.audit").fetchone() == (0,)


def test_values_kept_as_written_before_1_14_to_1_18_are_audited_then_rewritten(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    """README, "Upgrading": a model_id 1.13 kept as written (no model_path) that 1.14 rewrites (a
    RamaLama transport, a KServe volume, an OCI image, a LiteLLM route), one 1.14 kept that 1.15
    rewrites (Alibaba's oss://, Huawei's obs://), one 1.15 kept that 1.16 rewrites (a short hub
    URI, text-generation-webui's {org}/{repo}:{branch}, Lemonade's {org}/{repo}:{file}), or one
    1.16 kept that 1.17 rewrites (hdfs://, tos://, a route in front of Ollama's name of a
    registry's model), or one 1.17 kept that 1.18 rewrites (Ollama's registry with no scheme)
    shows up in the audit, and backfill names it and keeps it as the load
    path."""
    kept = {
        "ollama://qwen3:4b": "qwen3:4b",
        "pvc://models-pvc/llama-3-8b": "llama-3-8b",
        "oci://quay.io/org/granite-3.1-8b-instruct:1.5": "granite-3.1-8b-instruct",
        "hosted_vllm/Qwen/Qwen3-8B": "Qwen/Qwen3-8B",
        "oss://pai-models.oss-cn-hangzhou.aliyuncs.com/models/qwen2-0.5b/main/": "qwen2-0.5b",
        "obs://bucket/models/Qwen3-8B": "Qwen3-8B",
        "hf:bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf": (
            "bartowski/Llama-3.2-3B-Instruct-GGUF"
        ),
        "hf-hub:timm/ViT-SO400M-16-SigLIP2-384": "timm/ViT-SO400M-16-SigLIP2-384",
        "turboderp/Mixtral-8x7B-exl2:5.0bpw": "turboderp/Mixtral-8x7B-exl2",
        "unsloth/gpt-oss-20b-GGUF:gpt-oss-20b-Q4_K_M.gguf": "unsloth/gpt-oss-20b-GGUF",
        "hdfs://haruna/home/user/rlhf/deepseek-v3-9B": "deepseek-v3-9B",
        "tos://bucket/models/HuggingFaceTB/SmolLM-1.7B/": "HuggingFaceTB/SmolLM-1.7B",
        "ollama_chat/hf.co/unsloth/Qwen3-8B-GGUF:Q4_K_M": "hf.co/unsloth/Qwen3-8B-GGUF:Q4_K_M",
        "registry.ollama.ai/library/gemma4:e4b": "gemma4:e4b",
    }
    rows = [legacy(conn, model_id=model_id, provider="vllm") for model_id in kept]
    proposed = dict(
        conn.execute("select model_id, proposed_model_id from llm_model_ids.audit").fetchall()
    )
    assert proposed == kept
    assert main(["backfill", "--dsn", db]) == 0
    capsys.readouterr()
    after = {row["id"]: row for row in all_rows(conn)}
    for row in rows:
        assert after[row["id"]]["model_id"] == kept[row["model_id"]]
        assert after[row["id"]]["metadata"] == {"model_path": row["model_id"]}
    assert conn.execute("select count(*) from llm_model_ids.audit").fetchone() == (0,)
