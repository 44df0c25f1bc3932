"""`status`: installed or not, version, triggers enabled, and the doctor's checks.

Exit 1 when anything is wrong; every problem is printed with a one-line fix.
"""

from __future__ import annotations

import argparse

from llm_model_ids.commands.common import Subparsers, add_dsn, add_json, open_connection, print_json
from llm_model_ids.status import Check, Status, doctor, read_status


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "status",
        help="doctor: installed version, triggers, search_path, grants, rules vs Python twin",
        description="Is llm-model-ids installed and enabled, and is it installed as documented "
        "(search_path pinned, no SECURITY DEFINER, grants, the SQL rules agreeing with the "
        "Python twin). Exit 1 on any problem, each printed with a one-line fix.",
    )
    add_dsn(parser)
    add_json(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_connection(args) as conn:
        status = read_status(conn)
        checks = doctor(conn, status)
    problems = [check for check in checks if not check.ok]
    ok = status.healthy and not problems
    if args.json:
        print_json({**status.as_dict(), "ok": ok, "checks": [check.as_dict() for check in checks]})
    else:
        _print_text(status, checks, problems)
    return 0 if ok else 1


def _print_text(status: Status, checks: list[Check], problems: list[Check]) -> None:
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
