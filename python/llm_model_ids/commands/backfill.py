"""`backfill`: rewrite existing rows through the trigger in short, resumable batches."""

from __future__ import annotations

import argparse
import re

from rich.console import Console
from rich.table import Table

from llm_model_ids import backfill
from llm_model_ids.audit import shorten
from llm_model_ids.batches import DEFAULT_BATCH_SIZE
from llm_model_ids.commands.common import Subparsers, add_dsn, open_connection
from llm_model_ids.progress import for_terminal, make_console, rate_text

_DURATION = re.compile(r"\s*[0-9]+(\.[0-9]+)?\s*(us|ms|s|min|h|d)?\s*")
SHOW_ERRORS = 20


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def lock_timeout(text: str) -> str:
    """A PostgreSQL duration such as 2s, 500ms, 1min (a bare number is milliseconds)."""
    if not _DURATION.fullmatch(text) or float(re.sub(r"[^0-9.]", "", text)) <= 0:
        raise argparse.ArgumentTypeError(f"not a positive duration like 2s or 500ms: {text!r}")
    return text.strip()


def add_batch_options(parser: argparse.ArgumentParser, default_batch: int) -> None:
    parser.add_argument(
        "--batch-size",
        type=int,
        default=default_batch,
        help=f"rows per batch, each its own transaction (default {default_batch})",
    )
    parser.add_argument(
        "--lock-timeout",
        type=lock_timeout,
        default=backfill.DEFAULT_LOCK_TIMEOUT,
        help="SET LOCAL lock_timeout of each batch (default 2s)",
    )


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "backfill",
        help="rewrite existing rows through the trigger in batches (resumable, journaled)",
        description="Calls llm_model_ids.backfill_batch in primary-key batches, each in its own "
        "short transaction with SET LOCAL lock_timeout; rows another transaction holds are "
        "skipped (SKIP LOCKED) and retried at the end. Every change is journaled for restore. "
        "Exit 1 if a row was refused or stays locked.",
    )
    add_dsn(parser)
    add_batch_options(parser, DEFAULT_BATCH_SIZE)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show the first --show before/after pairs and the counts; no locks, no writes",
    )
    parser.add_argument(
        "--show", type=positive_int, default=10, help="pairs shown by --dry-run (default 10)"
    )
    parser.add_argument("--max-rows", type=int, default=None, help="stop after this many rows")
    parser.add_argument(
        "--sleep",
        type=non_negative_float,
        default=0.0,
        help="seconds to sleep between batches (default 0)",
    )
    parser.set_defaults(run=run)


def options_from(args: argparse.Namespace) -> backfill.BackfillOptions:
    return backfill.BackfillOptions(
        batch_size=args.batch_size,
        lock_timeout=args.lock_timeout,
        max_rows=args.max_rows,
        sleep=args.sleep,
    )


def run(args: argparse.Namespace) -> int:
    console = make_console()
    options = options_from(args)
    with open_connection(args) as conn:
        if args.dry_run:
            print_preview(backfill.preview(conn, show=args.show, max_rows=args.max_rows), console)
            return 0
        result = backfill.Backfill(conn, options, for_terminal("backfill", console)).run()
    print_summary(result, console)
    return 0 if result.ok else 1


def print_preview(preview: backfill.Preview, console: Console) -> None:
    console.print("backfill --dry-run: nothing is written and no row is locked")
    if preview.total == 0:
        console.print("would rewrite no row: every model_id is already readable")
    else:
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in preview.counts.items() if n)
        console.print(f"would rewrite {preview.total:,} row(s) ({kinds})")
        if preview.refused:
            console.print(
                f"{preview.refused:,} of them would be refused and reported "
                "(metadata is not a JSON object)"
            )
        if preview.max_rows is not None and preview.max_rows < preview.total:
            console.print(f"--max-rows {preview.max_rows:,}: this run would stop after that many")
        console.print(before_after_table(preview, console))
        if len(preview.pairs) < preview.total:
            console.print(f"(first {len(preview.pairs):,} of {preview.total:,}; --show N for more)")
    if preview.lost_model_path:
        console.print(
            f"not fixed by backfill: {preview.lost_model_path:,} row(s) lost metadata.model_path "
            "(see llm-model-ids audit)"
        )


def before_after_table(preview: backfill.Preview, console: Console) -> Table:
    table = Table(header_style="bold")
    table.add_column("id", overflow="fold")
    table.add_column("model_id before", overflow="fold")
    table.add_column("", width=1)
    table.add_column("model_id after", overflow="fold")
    table.add_column("rule")
    for pair in preview.pairs:
        table.add_row(
            pair.id, shorten(pair.model_id), "→", pair.proposed_model_id or "", pair.rule or ""
        )
    return table


def print_summary(result: backfill.BackfillResult, console: Console) -> None:
    console.print(
        f"backfill: {result.scanned:,} row(s) scanned in {result.elapsed:.1f}s "
        f"({rate_text(result.scanned, result.elapsed)}): {result.rewritten:,} rewritten, "
        f"{result.unchanged:,} unchanged, {len(result.still_locked):,} skipped because locked, "
        f"{len(result.errors):,} error(s)"
    )
    if result.retried_locked:
        done = result.retried_locked - len(result.still_locked)
        console.print(
            f"second pass: {done:,} of {result.retried_locked:,} locked row(s) done on retry"
        )
    for error in result.errors[:SHOW_ERRORS]:
        console.print(f"error: row {error.row_id}: {error.reason}", markup=False)
    if len(result.errors) > SHOW_ERRORS:
        console.print(f"... and {len(result.errors) - SHOW_ERRORS:,} more error(s)")
    if result.still_locked:
        shown = ", ".join(result.still_locked[:SHOW_ERRORS])
        more = (
            f" and {len(result.still_locked) - SHOW_ERRORS:,} more"
            if (len(result.still_locked) > SHOW_ERRORS)
            else ""
        )
        console.print(
            f"still locked (run backfill again to finish them): {shown}{more}", markup=False
        )
