"""`restore`: undo backfill from the journal, exactly; rows changed since are left alone."""

from __future__ import annotations

import argparse
import uuid

from llm_model_ids import restore
from llm_model_ids.commands.common import Subparsers, open_connection
from llm_model_ids.commands.options import (
    add_batch_options,
    add_dsn,
    add_show,
    batch_lock_timeout,
    batch_size,
    interrupted,
    refuse_ignored,
    set_run,
    usage_error,
)
from llm_model_ids.progress import for_terminal, make_console
from llm_model_ids.render import print_restore_preview, print_restore_summary

_RESUME_OPTIONS = ("ids", "where_provider", "batch_size", "lock_timeout")


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
        "they were; a row changed since the backfill is reported, not overwritten. The summary "
        "goes to stdout; every entry not restored (changed since, or still locked) to stderr. "
        "Exit 0 when everything matching was restored, 1 if an entry could not be (or on an "
        "error), 2 on a usage error, 130 when interrupted (run the same command again to "
        "resume).",
    )
    add_dsn(parser)
    add_batch_options(parser)
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
    add_show(parser, "journal entries")
    set_run(parser, run)


def run(args: argparse.Namespace) -> int:
    if args.dry_run:
        refuse_ignored(args, ("batch_size", "lock_timeout"), because="with --dry-run")
    elif args.show is not None:
        usage_error(args, "--show needs --dry-run (a run prints its summary, not entries)")
    console, err = make_console(), make_console(stderr=True)
    options = restore.RestoreOptions(
        batch_size=batch_size(args),
        lock_timeout=batch_lock_timeout(args),
        ids=args.ids,
        provider=args.where_provider,
    )
    with open_connection(args) as conn:
        if args.dry_run:
            show = args.show if args.show is not None else 10
            print_restore_preview(restore.preview(conn, options, show=show), console)
            return 0
        engine = restore.Restore(
            conn, options, for_terminal("restore", console, unit="journal entries")
        )
        try:
            result = engine.run()
        except KeyboardInterrupt:
            if engine.result.entries:  # else "nothing to restore" would be wrong
                print_restore_summary(engine.result, console, err)
            return interrupted(err, "restore", args, _RESUME_OPTIONS, engine.result.batches)
    print_restore_summary(result, console, err)
    return 0 if result.ok else 1
