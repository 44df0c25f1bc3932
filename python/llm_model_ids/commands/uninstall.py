"""`uninstall`: remove the triggers and functions; public.llm_models and its rows stay."""

from __future__ import annotations

import argparse

from llm_model_ids import installer
from llm_model_ids.commands.common import Subparsers, open_connection
from llm_model_ids.commands.options import add_dry_run, add_dsn


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "uninstall",
        help="remove the trigger and functions (the table and its rows stay)",
        description="Drops the triggers, public.load_path and the llm_model_ids schema, with "
        "the backfill journal. Refused while the journal holds entries restore could still "
        "undo (run restore first, or pass --force). public.llm_models and its rows are "
        "untouched.",
    )
    add_dsn(parser)
    add_dry_run(parser)
    parser.add_argument(
        "--force",
        action="store_true",
        help="uninstall even though the backfill journal could still undo rows (it is dropped)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_connection(args) as conn:
        installer.uninstall(conn, dry_run=args.dry_run, force=args.force)
    if args.dry_run:
        print("would uninstall (dry run, rolled back); public.llm_models is untouched")
    else:
        print("uninstalled; public.llm_models and its rows are untouched")
    return 0
