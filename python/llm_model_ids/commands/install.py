"""`install`: install, upgrade or repair llm-model-ids in one transaction."""

from __future__ import annotations

import argparse

from llm_model_ids import installer
from llm_model_ids.commands.common import Subparsers, open_connection
from llm_model_ids.commands.options import add_dry_run, add_dsn


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "install",
        help="install, upgrade or repair the trigger (idempotent)",
        description="One transaction: a fresh database gets the full install of this package's "
        "version (sql/llm_model_ids.sql); an older installed version gets only the migrations "
        "after it (the upgrade); the same version gets the full install again (a repair: it is "
        "idempotent). The SQL refuses, before changing anything, a table it cannot serve. For a "
        "Supabase project, `llm-model-ids migration` writes the same SQL as a migration file.",
    )
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
        plan = installer.run_install(
            conn, with_reference_table=args.with_reference_table, dry_run=args.dry_run
        )
    files = ", ".join(plan.names) or "nothing"
    if args.dry_run:
        print(f"would {plan.describe()} (dry run, rolled back): {files}")
    else:
        print(f"{plan.describe()}: applied {files}")
    return 0
