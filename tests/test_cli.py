"""The llm-model-ids command: exit codes 0 / 1 (one line on stderr) / 2, explain, install."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from llm_model_ids import __version__
from llm_model_ids.cli import main

CHECKPOINT = "/srv/logs/job_cb10bbcb-2725-49ce-9586-a9baf57de3a4/checkpoint-1780"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llm_model_ids.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_explain_offline(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["explain", CHECKPOINT, "--base-model", "meta-llama/Llama-3.2-3B-Instruct", "--json"])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["model_id"] == "meta-llama/Llama-3.2-3B-Instruct"
    assert (out["rule"], out["kind"], out["source"]) == ("1:base_model", "location", "python")


def test_explain_through_the_database(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", CHECKPOINT, "--name", "My FT", "--dsn", db, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["model_id"], out["rule"], out["source"]) == ("My FT", "4:name", "database")


def test_explain_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "gpt-4o", "--provider", "openai"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "gpt-4o",
        "  rule: keep:readable; left as written; decided by the python rules",
    ]


def test_usage_error_exits_2() -> None:
    result = run_cli("explain")
    assert result.returncode == 2 and "usage:" in result.stderr


def test_unknown_command_exits_2() -> None:
    assert run_cli("frobnicate").returncode == 2


def test_no_dsn_falls_back_on_libpq_and_fails_in_one_line() -> None:
    result = run_cli("status", env={"PATH": "/usr/bin:/bin", "PGHOST": "/nonexistent"})
    assert result.returncode == 1
    assert result.stderr.startswith("llm-model-ids status: cannot connect to the database:")
    assert "no --dsn or DATABASE_URL given" in result.stderr
    assert result.stderr.count("\n") == 1


def test_bad_dsn_is_a_one_line_error() -> None:
    result = run_cli("install", "--dsn", "postgresql://nobody@127.0.0.1:1/nothing")
    assert result.returncode == 1
    assert result.stderr.startswith("llm-model-ids install: cannot connect to the database:")
    assert result.stderr.count("\n") == 1


def test_install_status_uninstall_through_the_cli(bare_db: str) -> None:
    status = run_cli("status", "--dsn", bare_db, "--json")
    assert status.returncode == 1 and json.loads(status.stdout)["installed"] is False
    dry = run_cli("install", "--dry-run", "--dsn", bare_db)
    assert dry.returncode == 0 and "dry run" in dry.stdout
    assert run_cli("status", "--dsn", bare_db).returncode == 1
    assert run_cli("install", "--dsn", bare_db).returncode == 0
    status = run_cli("status", "--dsn", bare_db, "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["version"] == __version__
    assert run_cli("uninstall", "--dsn", bare_db).returncode == 0
    assert run_cli("status", "--dsn", bare_db).returncode == 1


def test_install_failure_is_one_line(bare_db: str) -> None:
    import psycopg

    with psycopg.connect(bare_db, autocommit=True) as conn:
        conn.execute("drop table public.llm_models cascade")
    result = run_cli("install", "--dsn", bare_db)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "llm-model-ids install: llm_model_ids.sql:"
        " llm-model-ids: table public.llm_models does not exist (HINT: Create the app's table"
    )
    assert result.stderr.count("\n") == 1


def test_explain_escapes_control_characters(capsys: pytest.CaptureFixture[str]) -> None:
    hostile = "/srv/\x1b[2K\x1b]0;pwned\x07/my-ft\x9b"
    assert main(["explain", hostile, "--name", "n\x1b[31m"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert out.startswith("my-ft\\x9b\n")


def test_output_survives_a_closed_pipe() -> None:
    """`llm-model-ids explain … | head -c 1`: no BrokenPipeError traceback."""
    shell = (
        f"{sys.executable} -m llm_model_ids.cli explain {CHECKPOINT} --json | head -c 1 >/dev/null"
    )
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, check=False
    )
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr


def test_a_missing_install_names_the_command_that_fixes_it(bare_db: str) -> None:
    result = run_cli("explain", "x", "--dsn", bare_db)
    assert result.returncode == 1
    assert "run: llm-model-ids install" in result.stderr
    assert "InvalidSchemaName" not in result.stderr and result.stderr.count("\n") == 1
