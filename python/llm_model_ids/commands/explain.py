"""`explain`: what the rules make of one model_id, and which rule decided."""

from __future__ import annotations

import argparse

from llm_model_ids.commands.common import Subparsers, open_connection, print_json
from llm_model_ids.commands.options import add_json
from llm_model_ids.connection import DSN_HELP
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.rules import Kind, Normalized, normalize
from llm_model_ids.terminal import escape


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="show the readable id for a model_id and the rule that decided",
        description="Offline with the Python twin of the rules, or through the database's "
        "SQL function when --dsn is given.",
    )
    parser.add_argument("model_id")
    parser.add_argument("--base-model", default=None)
    parser.add_argument("--name", default=None)
    parser.add_argument("--provider", default="vllm", help="default: vllm")
    parser.add_argument(
        "--dsn", default=None, help=f"ask the database's SQL rules instead; {DSN_HELP}"
    )
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.dsn:
        with open_connection(args) as conn:
            row = conn.execute(
                "select model_id, rule, kind from llm_model_ids.normalize(%s, %s, %s, %s)",
                [args.model_id, args.base_model, args.name, args.provider],
            ).fetchone()
        if row is None:
            raise LlmModelIdsError("llm_model_ids.normalize returned no row")
        kinds: dict[str, Kind] = {"location": "location", "opaque": "opaque"}
        kind = kinds.get(str(row[2]))
        result = Normalized(None if row[0] is None else str(row[0]), str(row[1]), kind)
        source = "database"
    else:
        result = normalize(args.model_id, args.base_model, args.name, args.provider)
        source = "python"
    if args.json:
        print_json(
            {
                "input": args.model_id,
                "model_id": result.model_id,
                "rule": result.rule,
                "kind": result.kind,
                "changed": result.changed,
                "source": source,
            }
        )
    else:
        action = f"rewritten ({result.kind})" if result.changed else "left as written"
        print(escape(result.model_id))
        print(f"  rule: {result.rule}; {action}; decided by the {source} rules")
    return 0
