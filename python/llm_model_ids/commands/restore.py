"""`restore`: undo backfill from the journal, exactly; rows changed since are left alone."""

from __future__ import annotations

import argparse
import uuid

from rich.console import Console
from rich.table import Table

from llm_model_ids import restore
from llm_model_ids.audit import shorten
from llm_model_ids.batches import DEFAULT_BATCH_SIZE
from llm_model_ids.commands.backfill import add_batch_options, positive_int
from llm_model_ids.commands.common import Subparsers, add_dsn, open_connection
from llm_model_ids.progress import for_terminal, make_console

SHOW_ENTRIES = 20


def row_ids(text: str) -> tuple[uuid.UUID, ...]:
    try:
        return restore.parse_ids(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "restore",
        help="undo backfill from its journal (exactly; rows changed since are reported)",
        description="Calls llm_model_ids.restore_batch in journal order, in batches, each its "
        "own transaction with SET LOCAL lock_timeout. model_id and metadata go back exactly as "
        "they were; a row changed since the backfill is reported, not overwritten. Exit 1 if an "
        "entry could not be restored (changed since, or still locked).",
    )
    add_dsn(parser)
    add_batch_options(parser, DEFAULT_BATCH_SIZE)
    parser.add_argument(
        "--ids", type=row_ids, default=None, help="only these rows (comma-separated uuids)"
    )
    parser.add_argument(
        "--where-provider", default=None, help="only rows of this provider (trimmed, any case)"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would be restored (journal joined to the table); no locks, no writes",
    )
    parser.add_argument(
        "--show", type=positive_int, default=10, help="entries shown by --dry-run (default 10)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    console = make_console()
    options = restore.RestoreOptions(
        batch_size=args.batch_size,
        lock_timeout=args.lock_timeout,
        ids=args.ids,
        provider=args.where_provider,
    )
    with open_connection(args) as conn:
        if args.dry_run:
            print_preview(restore.preview(conn, options, show=args.show), console)
            return 0
        result = restore.Restore(
            conn, options, for_terminal("restore", console, unit="journal entries")
        ).run()
    print_summary(result, console)
    return 0 if result.ok else 1


def print_preview(preview: restore.RestorePreview, console: Console) -> None:
    console.print("restore --dry-run: nothing is written and no row is locked")
    if not preview.total:
        console.print("nothing to restore: no un-restored journal entry matches")
        return
    counts = preview.counts
    console.print(
        f"{preview.total:,} journal entr{'y' if preview.total == 1 else 'ies'}: would restore "
        f"{counts['restored']:,}; {counts['changed_since_backfill']:,} changed since backfill "
        f"(would be left as they are); {counts['row_deleted']:,} row(s) deleted"
    )
    table = Table(header_style="bold")
    for column in ("journal", "row id", "model_id now", "", "model_id restored", "would"):
        table.add_column(column, overflow="fold")
    for entry in preview.entries:
        table.add_row(
            str(entry.journal_id),
            entry.row_id,
            entry.current_model_id or "",
            "→",
            shorten(entry.original_model_id),
            entry.would,
        )
    console.print(table)
    if len(preview.entries) < preview.total:
        console.print(f"(first {len(preview.entries):,} of {preview.total:,}; --show N for more)")


def print_summary(result: restore.RestoreResult, console: Console) -> None:
    counts = result.counts()
    total = sum(counts.values())
    if not total:
        console.print("restore: nothing to restore (no un-restored journal entry matches)")
        return
    console.print(
        f"restore: {total:,} journal entr{'y' if total == 1 else 'ies'} in {result.elapsed:.1f}s: "
        f"{counts['restored']:,} restored, {counts['changed_since_backfill']:,} changed since "
        f"backfill (left as they are), {counts['skipped_locked']:,} skipped because locked, "
        f"{counts['row_deleted']:,} row(s) deleted"
    )
    not_restored = result.not_restored()
    for entry in not_restored[:SHOW_ENTRIES]:
        what = "changed since backfill" if entry.outcome != "skipped_locked" else "still locked"
        console.print(
            f"not restored: row {entry.row_id} (journal {entry.journal_id}): {what}, "
            f"model_id now {entry.model_id!r}",
            markup=False,
        )
    if len(not_restored) > SHOW_ENTRIES:
        console.print(f"... and {len(not_restored) - SHOW_ENTRIES:,} more")
