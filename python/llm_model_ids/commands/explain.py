"""`explain`: what the rules make of one model_id, and which rule decided."""

from __future__ import annotations

import argparse

from llm_model_ids.commands.common import Subparsers, add_json, open_connection, print_json
from llm_model_ids.rules import Normalized, normalize


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
    parser.add_argument("--dsn", default=None, help="ask the database's SQL rules instead")
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.dsn:
        with open_connection(args) as conn:
            row = conn.execute(
                "select model_id, rule, kind from llm_model_ids.normalize(%s, %s, %s, %s)",
                [args.model_id, args.base_model, args.name, args.provider],
            ).fetchone()
        assert row is not None
        result = Normalized(row[0], str(row[1]), row[2])  # type: ignore[arg-type]
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
        print(f"{result.model_id}\n  rule: {result.rule}; {action}; decided by the {source} rules")
    return 0
