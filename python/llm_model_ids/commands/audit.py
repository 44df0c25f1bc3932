"""`audit`: what is left to fix, from the view llm_model_ids.audit. Exit 1 when not clean."""

from __future__ import annotations

import argparse
import sys

from llm_model_ids import audit, render
from llm_model_ids.commands.common import Subparsers, open_connection
from llm_model_ids.commands.options import add_dsn, non_negative_int, set_run
from llm_model_ids.progress import make_console

TABLE_LIMIT = 50  # rows the table view lists unless --limit says otherwise


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="rows the rules would still change, rows that lost model_path, trigger state",
        description="Reads the view llm_model_ids.audit. --format csv and json write every "
        "row (a complete worklist) unless --limit is given; the table lists the first "
        f"{TABLE_LIMIT} and says how many more there are. Exit 1 when a row remains to fix or "
        "the triggers are not enabled (usable as a cron check), 0 when clean, 2 on a usage "
        "error.",
    )
    add_dsn(parser)
    parser.add_argument(
        "--limit",
        type=non_negative_int,
        default=None,
        help=f"list at most this many rows (default: {TABLE_LIMIT} in the table, every row in "
        "csv and json; the counts are always complete)",
    )
    formats = parser.add_mutually_exclusive_group()
    formats.add_argument(
        "--format", choices=("table", "json", "csv"), default="table", help="default: table"
    )
    formats.add_argument(
        "--json", dest="format", action="store_const", const="json", help="= --format json"
    )
    set_run(parser, run)


def run(args: argparse.Namespace) -> int:
    limit = args.limit
    if limit is None and args.format == "table":
        limit = TABLE_LIMIT
    with open_connection(args) as conn:
        report = audit.read_audit(conn, limit=limit)
    if args.format == "json":
        print(render.to_json(report))
    elif args.format == "csv":
        render.write_csv(report.rows, sys.stdout)
    else:
        render.render(report, make_console())
    return 0 if report.clean else 1
