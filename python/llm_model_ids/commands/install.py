"""`install`: apply the migrations (idempotent); optionally create the reference table first."""

from __future__ import annotations

import argparse

from llm_model_ids import installer
from llm_model_ids.commands.common import Subparsers, add_dry_run, add_dsn, open_connection


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser("install", help="install or upgrade the trigger (idempotent)")
    add_dsn(parser)
    add_dry_run(parser)
    parser.add_argument(
        "--with-reference-table",
        action="store_true",
        help="also create the reference public.llm_models table if it is missing",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_connection(args) as conn:
        applied = installer.install(
            conn, with_reference_table=args.with_reference_table, dry_run=args.dry_run
        )
    verb = "would apply (dry run, rolled back)" if args.dry_run else "applied"
    print(f"{verb}: {', '.join(applied)}")
    return 0
