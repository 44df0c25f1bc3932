"""`status`: installed or not, version, triggers enabled, and the doctor's checks.

Exit 0 exactly when every check passed; every problem is printed with a one-line fix.
"""

from __future__ import annotations

import argparse

from llm_model_ids.commands.common import Subparsers, open_connection, print_json
from llm_model_ids.commands.options import add_dsn, add_json
from llm_model_ids.doctor import Check, doctor, healthy
from llm_model_ids.preflight import Status, read_status


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "status",
        help="doctor: version, table columns, triggers (tested on a sample row), grants, rules",
        description="Is llm-model-ids installed and enabled, and does it work: the version "
        "against the package's, the columns the trigger reads and the uuid primary key id, the "
        "triggers enabled, a sample path row run through the insert trigger (always rolled "
        "back: nothing is written), search_path pinned, no SECURITY DEFINER, the documented "
        "grants, and the SQL rules agreeing with the Python twin on the golden vectors. Exit 0 "
        "when every check passed, 1 otherwise, each problem printed with a one-line fix.",
    )
    add_dsn(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_connection(args) as conn:
        status = read_status(conn)
        checks = doctor(conn, status)
    ok = healthy(checks)
    if args.json:
        print_json(
            {**status.as_dict(), "healthy": ok, "checks": [check.as_dict() for check in checks]}
        )
    else:
        _print_text(status, checks)
    return 0 if ok else 1


def _print_text(status: Status, checks: list[Check]) -> None:
    problems = [check for check in checks if not check.ok]
    print("installed:       " + (f"yes, version {status.version}" if status.installed else "no"))
    print(f"package version: {status.package_version}")
    print(f"public.llm_models: {'present' if status.table_exists else 'missing'}")
    for name, state in status.triggers.items():
        print(f"trigger {name}: {state}")
    if problems:
        print(f"doctor: {len(problems)} problem(s) in {len(checks)} checks")
    else:
        print(f"doctor: all {len(checks)} checks passed")
    for check in checks:
        if check.ok:
            print(f"  ok    {check.detail}")
        else:
            print(f"  FAIL  {check.detail}; fix: {check.fix}")
