"""`audit`: what is left to fix, from the view llm_model_ids.audit. Exit 1 when not clean."""

from __future__ import annotations

import argparse

from llm_model_ids import audit
from llm_model_ids.commands.common import Subparsers, add_dsn, open_connection
from llm_model_ids.progress import make_console


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="rows the rules would still change, rows that lost model_path, trigger state",
        description="Reads the view llm_model_ids.audit. Exit 1 when a row remains to fix or "
        "the triggers are not enabled (usable as a cron check), 0 when clean.",
    )
    add_dsn(parser)
    parser.add_argument(
        "--limit",
        type=non_negative_int,
        default=50,
        help="list at most this many rows (default 50; the counts are always complete)",
    )
    parser.add_argument(
        "--format", choices=("table", "json", "csv"), default="table", help="default: table"
    )
    parser.add_argument(
        "--json", dest="format", action="store_const", const="json", help="= --format json"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_connection(args) as conn:
        report = audit.read_audit(conn, limit=args.limit)
    if args.format == "json":
        print(audit.to_json(report))
    elif args.format == "csv":
        print(audit.to_csv(report), end="")
    else:
        audit.render(report, make_console())
    return 0 if report.clean else 1
