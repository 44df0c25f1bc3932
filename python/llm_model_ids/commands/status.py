"""`status`: installed or not, version, triggers enabled. Exit 1 when not healthy."""

from __future__ import annotations

import argparse

from llm_model_ids.commands.common import Subparsers, add_dsn, add_json, open_connection, print_json
from llm_model_ids.status import read_status


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser("status", help="is the trigger installed and enabled")
    add_dsn(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_connection(args) as conn:
        status = read_status(conn)
    if args.json:
        print_json(status.as_dict())
    else:
        print(
            "installed:       " + (f"yes, version {status.version}" if status.installed else "no")
        )
        print(f"package version: {status.package_version}")
        print(f"public.llm_models: {'present' if status.table_exists else 'missing'}")
        for name, state in status.triggers.items():
            print(f"trigger {name}: {state}")
    return 0 if status.healthy else 1
