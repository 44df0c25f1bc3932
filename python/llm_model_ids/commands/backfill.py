"""`backfill`: rewrite existing rows through the trigger in short, resumable batches."""

from __future__ import annotations

import argparse

from llm_model_ids import backfill
from llm_model_ids.commands.common import Subparsers, open_connection
from llm_model_ids.commands.options import (
    add_batch_options,
    add_dsn,
    add_show,
    batch_lock_timeout,
    batch_size,
    interrupted,
    non_negative_float,
    positive_int,
    refuse_ignored,
    set_run,
    usage_error,
)
from llm_model_ids.progress import for_terminal, make_console
from llm_model_ids.render import print_preview, print_summary

_RESUME_OPTIONS = ("batch_size", "lock_timeout", "max_rows", "sleep")


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "backfill",
        help="rewrite existing rows through the trigger in batches (resumable, journaled)",
        description="Calls llm_model_ids.backfill_batch in primary-key batches, each in its own "
        "short transaction with SET LOCAL lock_timeout; rows another transaction holds are "
        "skipped (SKIP LOCKED) and retried at the end. Every change is journaled for restore. "
        "The summary goes to stdout; refused rows and rows still locked to stderr. "
        "Exit 0 when done, 1 if a row was refused or stays locked (or on an error), 2 on a "
        "usage error, 130 when interrupted (the committed batches are kept: run the same "
        "command again to resume).",
    )
    add_dsn(parser)
    add_batch_options(parser)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show the counts and the first --show before/after pairs; no locks, no writes",
    )
    add_show(parser, "before/after pairs")
    parser.add_argument(
        "--max-rows", type=positive_int, default=None, help="stop after this many rows"
    )
    parser.add_argument(
        "--sleep",
        type=non_negative_float,
        default=None,
        help="seconds to sleep between batches (default 0)",
    )
    set_run(parser, run)


def options_from(args: argparse.Namespace) -> backfill.BackfillOptions:
    return backfill.BackfillOptions(
        batch_size=batch_size(args),
        lock_timeout=batch_lock_timeout(args),
        max_rows=args.max_rows,
        sleep=args.sleep or 0.0,
    )


def run(args: argparse.Namespace) -> int:
    if args.dry_run:
        refuse_ignored(args, ("batch_size", "lock_timeout", "sleep"), because="with --dry-run")
    elif args.show is not None:
        usage_error(args, "--show needs --dry-run (a run prints its summary, not pairs)")
    console, err = make_console(), make_console(stderr=True)
    with open_connection(args) as conn:
        if args.dry_run:
            show = args.show if args.show is not None else 10
            print_preview(backfill.preview(conn, show=show, max_rows=args.max_rows), console)
            return 0
        engine = backfill.Backfill(conn, options_from(args), for_terminal("backfill", console))
        try:
            result = engine.run()
        except KeyboardInterrupt:
            print_summary(engine.result, console, err)
            return interrupted(err, "backfill", args, _RESUME_OPTIONS, engine.result.batches)
    print_summary(result, console, err)
    return 0 if result.ok else 1
