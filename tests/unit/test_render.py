"""Rendering without a server: tables that fit any terminal width (no zero-width column, ids
whole), control characters escaped in every form, the named queries, the resume command."""

from __future__ import annotations

import argparse
import io
import re
import uuid

import pytest
from rich.console import Console

from llm_model_ids import queries
from llm_model_ids.audit import AuditReport, AuditRow
from llm_model_ids.backfill import BackfillResult, Preview, RowError
from llm_model_ids.commands.options import command_line, hide_password
from llm_model_ids.preflight import Status
from llm_model_ids.render import (
    _AUDIT_COLUMNS,
    _PAIR_COLUMNS,
    _RESTORE_COLUMNS,
    Column,
    column_widths,
    print_preview,
    print_restore_preview,
    print_restore_summary,
    print_summary,
    render,
    table_width,
    to_csv,
)
from llm_model_ids.restore import Entry, PreviewEntry, RestorePreview, RestoreResult

WIDTHS = [40, 60, 80, 100, 120, 135, 160, 200]
CONTROLS = "\x1b\x07\x9b\x7f\x00"
HOSTILE = "/srv/\x1b[2K\x1b]0;pwned\x07/[bold]x[/bold]\x9b\x7f\x00/checkpoint-1780"
LONG = "/home/someone/Desktop/web-ui/lib/training/logs/job_cb10bbcb-2725-49ce/checkpoint-1780"
IDS = [str(uuid.UUID(int=i * 7919)) for i in range(1, 5)]
STATUS = Status(
    installed=True,
    version="1.2.0",
    table_exists=True,
    triggers={
        "llm_model_ids_normalize_insert": "enabled",
        "llm_model_ids_normalize_update": "enabled",
    },
)


def audit_report() -> AuditReport:
    rows = [
        AuditRow(
            IDS[0],
            "vllm",
            "n",
            LONG,
            "meta-llama/Llama-3.2-3B-Instruct",
            "1:base_model",
            "location",
        ),
        AuditRow(
            IDS[1], "vllm\x1b[2K", "\x1b]0;t\x07", HOSTILE, "[red]n[/red]", "4:name", "location"
        ),
        AuditRow(IDS[2], "sglang", None, "qwen-ft", None, None, "lost_model_path"),
    ]
    return AuditReport({"location": 2, "opaque": 0, "lost_model_path": 1}, rows, 50, STATUS)


def backfill_preview() -> Preview:
    pairs = [
        AuditRow(
            IDS[0],
            "vllm",
            "n",
            LONG,
            "meta-llama/Llama-3.2-3B-Instruct",
            "1:base_model",
            "location",
        ),
        AuditRow(IDS[1], "vllm", "\x1b[31m", HOSTILE, "\x1b[31mname", "4:name", "location"),
    ]
    return Preview({"location": 2, "opaque": 0}, 0, 1, pairs, None)


def restore_preview() -> RestorePreview:
    entries = [
        PreviewEntry(1, IDS[0], "vllm", "meta-llama/Llama-3.2-3B-Instruct", LONG, "restored"),
        PreviewEntry(12_345_678, IDS[1], "vllm", "\x1b[31mname", HOSTILE, "changed_since_backfill"),
    ]
    return RestorePreview({"restored": 1, "changed_since_backfill": 1, "row_deleted": 0}, entries)


def console(width: int) -> Console:
    return Console(file=io.StringIO(), width=width, force_terminal=True, color_system="standard")


def text_of(target: Console) -> str:
    """What was printed, without the console's own styles (ESC[...m)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", target.file.getvalue())  # type: ignore[attr-defined]


def assert_fits(text: str, width: int) -> None:
    for line in text.splitlines():
        assert len(line) <= width, f"{len(line)} > {width}: {line!r}"
    assert not any(ch in text for ch in CONTROLS), repr(text)


@pytest.mark.parametrize("width", WIDTHS)
def test_audit_fits_every_width_escaped_with_ids_whole(width: int) -> None:
    out = console(width)
    render(audit_report(), out)
    text = text_of(out)
    assert_fits(text, max(width, 80))
    assert all(row_id in text for row_id in IDS[:3])
    assert "\\x1b" in text


@pytest.mark.parametrize("width", WIDTHS)
def test_backfill_preview_fits_every_width(width: int) -> None:
    out = console(width)
    print_preview(backfill_preview(), out)
    text = text_of(out)
    assert_fits(text, max(width, 80))
    assert IDS[0] in text and IDS[1] in text and "\\x1b[31mname" in text
    assert text.count("→") == 2


@pytest.mark.parametrize("width", WIDTHS)
def test_restore_preview_fits_every_width(width: int) -> None:
    out = console(width)
    print_restore_preview(restore_preview(), out)
    text = text_of(out)
    assert_fits(text, max(width, 80))
    assert IDS[0] in text and IDS[1] in text and "12345678" in text
    assert "changed_since_backfill" in text


@pytest.mark.parametrize("columns", [_AUDIT_COLUMNS, _PAIR_COLUMNS, _RESTORE_COLUMNS])
@pytest.mark.parametrize("width", [0, 100, 135, 200, 321])
def test_column_widths_never_below_the_minimum(columns: tuple[Column, ...], width: int) -> None:
    widths = column_widths(columns, width)
    assert all(w >= c.min_width > 0 for w, c in zip(widths, columns, strict=True))
    if width >= table_width(columns):
        assert sum(widths) + 3 * len(columns) + 1 == width


def test_not_done_lines_go_to_err_escaped() -> None:
    out, err = console(200), console(200)
    result = BackfillResult(
        scanned=3, rewritten=1, errors=[RowError(IDS[0], HOSTILE, "bad\x1b[2K")]
    )
    result.still_locked = [IDS[1]]
    print_summary(result, out, err)
    assert "1 rewritten" in text_of(out) and "error" not in text_of(out).replace("1 error(s)", "")
    assert f"error: row {IDS[0]}: bad\\x1b[2K" in text_of(err) and IDS[1] in text_of(err)
    assert_fits(text_of(err), 10_000)

    out, err = console(200), console(200)
    restored = RestoreResult(
        entries={
            1: Entry(1, IDS[0], "a", "restored"),
            2: Entry(2, IDS[1], "\x1b]0;x\x07", "changed_since_backfill"),
            3: Entry(3, IDS[2], "b", "skipped_locked"),
        }
    )
    print_restore_summary(restored, out, err)
    assert "1 restored" in text_of(out) and "not restored" not in text_of(out)
    assert text_of(err).count("not restored: row") == 2 and "\\x1b]0;x\\x07" in text_of(err)
    assert "still locked (run restore again" in text_of(err)


def test_csv_escapes_like_the_table() -> None:
    text = to_csv(audit_report())
    assert not any(ch in text for ch in CONTROLS)
    assert "\\x1b]0;pwned\\x07" in text and "[red]n[/red]" in text


def test_every_named_query_is_loaded_once() -> None:
    loaded = queries.load()
    assert loaded.audit_rows.startswith("select") and "%(limit)s" in loaded.audit_rows
    assert "is_candidate" in loaded.count_candidates
    assert not any(sql.rstrip().endswith(";") for sql in vars(loaded).values())
    with pytest.raises(ValueError, match="defined twice"):
        queries.parse("-- name: a\nselect 1;\n-- name: a\nselect 2;\n")
    assert queries.parse("-- header\n-- name: a\nselect 1;\n\n-- name: b\nselect 2;") == {
        "a": "select 1",
        "b": "select 2",
    }


def test_resume_command_hides_the_password() -> None:
    assert (
        hide_password("postgresql://u:pa%40ss@h:5432/db?x=1") == "postgresql://u:****@h:5432/db?x=1"
    )
    assert hide_password("host=h password='a b' user=u") == "host=h password=**** user=u"
    assert hide_password("postgresql://u@h/db") == "postgresql://u@h/db"
    args = argparse.Namespace(
        dsn="postgresql://u:secret@h/db",
        batch_size=500,
        lock_timeout=None,
        max_rows=None,
        sleep=0.5,
    )
    assert command_line("backfill", args, ("batch_size", "lock_timeout", "max_rows", "sleep")) == (
        "llm-model-ids backfill --dsn 'postgresql://u:****@h/db' --batch-size 500 --sleep 0.5"
    )
