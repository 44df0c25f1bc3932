"""Connection and output helpers shared by the commands (options live in options.py)."""

from __future__ import annotations

import argparse
import json
from typing import Any

import psycopg

from llm_model_ids.connection import connect, resolve_dsn

Subparsers = Any  # argparse's _SubParsersAction is private


def open_connection(args: argparse.Namespace) -> psycopg.Connection[tuple[object, ...]]:
    return connect(resolve_dsn(args.dsn))


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, sort_keys=True, default=str))
