"""`uninstall`: remove the triggers and functions; public.llm_models and its rows stay."""

from __future__ import annotations

import argparse

from llm_model_ids import installer
from llm_model_ids.commands.common import Subparsers, add_dry_run, add_dsn, open_connection


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "uninstall", help="remove the trigger and functions (the table and its rows stay)"
    )
    add_dsn(parser)
    add_dry_run(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_connection(args) as conn:
        installer.uninstall(conn, dry_run=args.dry_run)
    if args.dry_run:
        print("would uninstall (dry run, rolled back); public.llm_models is untouched")
    else:
        print("uninstalled; public.llm_models and its rows are untouched")
    return 0
