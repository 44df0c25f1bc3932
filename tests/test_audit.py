"""`audit`: counts and rows from the view llm_model_ids.audit, formats, and exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from rich.console import Console

from llm_model_ids import __version__
from llm_model_ids.audit import read_audit
from llm_model_ids.cli import main
from llm_model_ids.render import render, shorten
from rows import Conn, insert, legacy

CHECKPOINT = "/srv/logs/job_cb10bbcb-2725-49ce-9586-a9baf57de3a4/checkpoint-1780"
UUID = "cb10bbcb-2725-49ce-9586-a9baf57de3a4"


def seed(conn: Conn) -> dict[str, Any]:
    """One row per problem, and a clean one."""
    return {
        "location": legacy(conn, model_id=CHECKPOINT, base_model="meta-llama/Llama-3.2-3B"),
        "opaque": legacy(conn, model_id=UUID, name="My FT", provider="vllm"),
        "lost": insert(conn, model_id="qwen-ft", metadata={"previous_model_path": "/old/qwen"}),
        "clean": insert(conn, model_id="gpt-4o", provider="openai"),
    }


def audit_json(db: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main(["audit", "--dsn", db, "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_clean_table_exits_0(db: str, conn: Conn, capsys: pytest.CaptureFixture[str]) -> None:
    insert(conn, model_id=CHECKPOINT)  # through the trigger: already readable
    assert main(["audit", "--dsn", db]) == 0
    out = capsys.readouterr().out
    assert f"trigger: enabled (llm-model-ids {__version__})" in out
    assert "audit: clean, no row to fix" in out


def test_rows_to_fix_exit_1_with_counts_and_table(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = seed(conn)
    assert main(["audit", "--dsn", db]) == 1
    out = capsys.readouterr().out
    assert "audit: 3 row(s) to fix: location 1, opaque 1, lost_model_path 1" in out
    for key in ("location", "opaque", "lost"):
        assert str(rows[key]["id"]) in out
    assert str(rows["clean"]["id"]) not in out
    assert "meta-llama/Llama-3.2-3B" in out and "1:base_model" in out


def test_json_report(db: str, conn: Conn, capsys: pytest.CaptureFixture[str]) -> None:
    rows = seed(conn)
    code, report = audit_json(db, capsys)
    assert code == 1
    assert report["counts"] == {"location": 1, "opaque": 1, "lost_model_path": 1}
    assert (report["total"], report["clean"], report["truncated"]) == (3, False, False)
    assert report["trigger"]["enabled"] is True and report["trigger"]["version"] == __version__
    by_problem = {row["problem"]: row for row in report["rows"]}
    assert by_problem["location"] == {
        "id": str(rows["location"]["id"]),
        "provider": "vllm",
        "name": "m",
        "model_id": CHECKPOINT,
        "proposed_model_id": "meta-llama/Llama-3.2-3B",
        "rule": "1:base_model",
        "problem": "location",
    }
    assert by_problem["opaque"]["proposed_model_id"] == "My FT"
    assert by_problem["lost_model_path"]["model_id"] == "qwen-ft"


def test_json_alias_equals_format_json(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(conn)
    assert main(["audit", "--dsn", db, "--json"]) == 1
    alias = json.loads(capsys.readouterr().out)
    assert audit_json(db, capsys) == (1, alias)


def test_csv_parses(db: str, conn: Conn, capsys: pytest.CaptureFixture[str]) -> None:
    rows = seed(conn)
    legacy(conn, model_id='/srv/a "quoted", path/checkpoint-1', name="x,y")
    assert main(["audit", "--dsn", db, "--format", "csv"]) == 1
    records = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(records) == 4
    assert {r["problem"] for r in records} == {"location", "opaque", "lost_model_path"}
    assert str(rows["opaque"]["id"]) in {r["id"] for r in records}
    assert '/srv/a "quoted", path/checkpoint-1' in {r["model_id"] for r in records}


def test_limit_lists_fewer_rows_but_counts_all(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(conn)
    code, report = audit_json(db, capsys, "--limit", "1")
    assert (code, report["total"], len(report["rows"]), report["truncated"]) == (1, 3, 1, True)
    code, report = audit_json(db, capsys, "--limit", "0")
    assert (code, report["total"], report["rows"]) == (1, 3, [])
    assert main(["audit", "--dsn", db, "--limit", "2"]) == 1
    assert "(first 2 of 3; 1 more: --limit N to list more" in capsys.readouterr().out


def test_csv_and_json_export_every_row_unless_limit(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    """A worklist export is complete; only the table is capped (and says so)."""
    for i in range(60):
        legacy(conn, model_id=f"/runs/model-{i}/checkpoint-1")
    assert main(["audit", "--dsn", db, "--format", "csv"]) == 1
    assert len(list(csv.DictReader(io.StringIO(capsys.readouterr().out)))) == 60
    code, report = audit_json(db, capsys)
    assert (code, len(report["rows"]), report["truncated"], report["limit"]) == (1, 60, False, None)
    assert main(["audit", "--dsn", db, "--format", "csv", "--limit", "7"]) == 1
    assert len(list(csv.DictReader(io.StringIO(capsys.readouterr().out)))) == 7
    assert main(["audit", "--dsn", db]) == 1
    out = capsys.readouterr().out
    assert "(first 50 of 60; 10 more: --limit N to list more" in out
    assert out.count("/runs/model-") == 50


def test_format_and_json_together_is_a_usage_error(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", "--dsn", db, "--format", "csv", "--json"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


HOSTILE = "/srv/\x1b[2K\x1b]0;pwned\x07/[bold]x[/bold]\x9b\x7f/ckpt-1"


def hostile_rows(conn: Conn) -> None:
    legacy(conn, model_id=HOSTILE, name="n\x1b]0;title\x07", provider="vllm\x1b[2K")
    legacy(conn, model_id=str(uuid.uuid4()), name="\x1b[31mred\x1b[0m", provider="vllm")


def assert_no_control_characters(*texts: str) -> None:
    for text in texts:
        assert not any(ch in text for ch in "\x1b\x07\x9b\x7f"), repr(text)


@pytest.mark.parametrize("form", ["table", "csv", "json"])
def test_control_characters_never_reach_the_terminal(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    """Values API users wrote are printed with their control characters escaped."""
    hostile_rows(conn)
    assert main(["audit", "--dsn", db, "--format", form]) == 1
    captured = capsys.readouterr()
    assert_no_control_characters(captured.out, captured.err)
    if form == "json":
        rows = json.loads(captured.out)["rows"]
        assert HOSTILE in {row["model_id"] for row in rows}  # exact: JSON escapes by itself
    else:
        assert "\\x1b" in captured.out
    if form == "table":
        assert "[bold]x[/bold]" in captured.out  # shown, not interpreted as rich markup


@pytest.mark.parametrize("width", [80, 200])
def test_render_escapes_on_narrow_and_wide_terminals(conn: Conn, width: int) -> None:
    hostile_rows(conn)
    console = Console(file=io.StringIO(), width=width, force_terminal=True)
    render(read_audit(conn), console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    # the terminal console adds its own styles (ESC[1m...): none may come from the values
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert_no_control_characters(plain)
    assert "\\x1b[31mred\\x1b[0m" in plain  # the opaque row's proposed id (its name)


def test_report_is_the_view(conn: Conn) -> None:
    seed(conn)
    report = read_audit(conn, limit=None)
    view = conn.execute(
        "select id::text, problem from llm_model_ids.audit order by problem, id"
    ).fetchall()
    assert [(row.id, row.problem) for row in report.rows] == view


def test_disabled_trigger_is_not_clean(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    conn.execute("alter table public.llm_models disable trigger llm_model_ids_normalize_insert")
    code, report = audit_json(db, capsys)
    assert (code, report["total"], report["trigger"]["enabled"]) == (1, 0, False)
    assert report["trigger"]["triggers"]["llm_model_ids_normalize_insert"] == "disabled"
    assert main(["audit", "--dsn", db]) == 1
    assert "trigger: NOT enabled: llm_model_ids_normalize_insert disabled" in (
        capsys.readouterr().out
    )


def test_not_installed_is_one_line(bare_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--dsn", bare_db]) == 1
    assert capsys.readouterr().err == (
        "llm-model-ids audit: llm-model-ids not installed: run llm-model-ids install first\n"
    )


@pytest.fixture
def reader(db: str, conn: Conn) -> Iterator[str]:
    """A login role (unique: roles are server-wide) that may only SELECT from llm_models."""
    role = f"reader_{uuid.uuid4().hex[:12]}"
    conn.execute(sql.SQL("create role {} login").format(sql.Identifier(role)))
    conn.execute(sql.SQL("grant select on public.llm_models to {}").format(sql.Identifier(role)))
    try:
        yield psycopg.conninfo.make_conninfo(db, user=role)
    finally:
        conn.execute(sql.SQL("drop owned by {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("drop role {}").format(sql.Identifier(role)))


def test_role_without_access_is_one_line(reader: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--dsn", reader]) == 1
    err = capsys.readouterr().err
    assert err.startswith("llm-model-ids audit: permission denied for schema llm_model_ids")
    assert err.count("\n") == 1 and "owner of public.llm_models" in err


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("org/name", "org/name"),
        (
            "/home/juan-canfield/Desktop/web-ui/lib/training/logs/"
            "job_cb10bbcb-2725-49ce-9586-a9baf57de3a4/checkpoint-1780",
            "/home/…/lib/training/logs/job_cb10bbcb…/checkpoint-1780",
        ),
        (
            "s3://bucket/some/very/long/prefix/that/goes/on/and/on/model.safetensors",
            "s3://bucket/…/prefix/that/goes/on/and/on/model.safetensors",
        ),
        (
            "/root/.cache/huggingface/hub/models--google--gemma-2-2b-it/snapshots/"
            "2215cec7ae31563533358cb5699438580dc2ed88",
            "/root/…/models--google--gemma-2-2b-it/snapshots/2215cec7…",
        ),
        ("cb10bbcb-2725-49ce-9586-a9baf57de3a4", "cb10bbcb-2725-49ce-9586-a9baf57de3a4"),
        ("x" * 80, "x" * 29 + "…" + "x" * 30),
        (None, "∅"),
    ],
)
def test_shorten(value: str | None, expected: str) -> None:
    assert shorten(value) == expected
    assert len(shorten(value)) <= 60


@pytest.mark.parametrize("width", [90, 160])
def test_render_fits_the_terminal_and_keeps_ids_whole(conn: Conn, width: int) -> None:
    rows = seed(conn)
    console = Console(file=io.StringIO(), width=width, no_color=True)
    render(read_audit(conn), console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert all(len(line) <= width for line in text.splitlines())
    for key in ("location", "opaque", "lost"):
        assert str(rows[key]["id"]) in text
    assert "(model_path lost)" in text and "meta-llama/Llama-3.2-3B" in text


def run_shell(command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("form", ["table", "csv", "json"])
def test_output_survives_head(db: str, conn: Conn, form: str) -> None:
    """`llm-model-ids audit | head -1`: no BrokenPipeError traceback, a quiet exit."""
    for i in range(3000):
        legacy(conn, model_id=f"/runs/model-{i}/checkpoint-1")
    cli = f"{shlex.quote(sys.executable)} -m llm_model_ids.cli"
    result = run_shell(f"{cli} audit --dsn {shlex.quote(db)} --format {form} | head -1")
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert "Exception ignored" not in result.stderr


def test_no_color_is_honoured(db: str, conn: Conn) -> None:
    """On a terminal (FORCE_COLOR stands in for one) the progress bar has colours, unless
    NO_COLOR is set; our tables have none either way."""
    for i in range(20):
        legacy(conn, model_id=f"/runs/model-{i}/checkpoint-1")
    cli = f"{shlex.quote(sys.executable)} -m llm_model_ids.cli"
    colour = re.compile(r"\x1b\[[0-9;]*(3[0-9]|9[0-7])[0-9;]*m")  # a foreground colour
    terminal = {"FORCE_COLOR": "1", "COLUMNS": "160", "TERM": "xterm-256color"}
    plain = run_shell(f"{cli} backfill --dsn {shlex.quote(db)}", {**terminal, "NO_COLOR": "1"})
    assert plain.returncode == 0 and "20 rewritten" in plain.stdout
    assert colour.search(plain.stdout + plain.stderr) is None, repr(plain.stdout[:300])
    coloured = run_shell(f"{cli} restore --dsn {shlex.quote(db)}", terminal)
    assert coloured.returncode == 0 and "20 restored" in coloured.stdout
    assert colour.search(coloured.stdout) is not None  # the check can fail: colours do appear
