"""Arguments and output shared by the commands."""

from __future__ import annotations

import argparse
import json
from typing import Any

import psycopg

from llm_model_ids.connection import DSN_HELP, connect, resolve_dsn

Subparsers = Any  # argparse's _SubParsersAction is private


def add_dsn(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dsn", help=DSN_HELP, default=None)


def add_dry_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="do everything in a transaction that is rolled back; nothing is kept",
    )


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def open_connection(args: argparse.Namespace) -> psycopg.Connection[tuple[object, ...]]:
    return connect(resolve_dsn(args.dsn))


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, sort_keys=True, default=str))
