"""Static checks of the SQL: plpgsql_check on the installed functions, squawk on the migrations,
pgspot on the migrations and on the canonical file. Each must find nothing.

plpgsql_check is a server extension that only Debian's PostgreSQL 15 packages here
(postgresql-15-plpgsql-check, `make system-deps`), hence ``debian_pg15``; squawk and pgspot are
PyPI tools in the virtualenv and run everywhere.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from llm_model_ids import sql_files
from tools import REPO, describe, require_plpgsql_check, venv_tool

TOOL_TIMEOUT = 120  # seconds

# plpgsql_check with every check and every warning class on. fatal_errors off: report all the
# errors of a function, not only the first one.
PLPGSQL_CHECK_OPTIONS = sql.SQL(
    "fatal_errors => false, other_warnings => true, performance_warnings => true,"
    " extra_warnings => true, security_warnings => true, compatibility_warnings => true"
)


def run_tool(args: Sequence[str | Path]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [str(arg) for arg in args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=TOOL_TIMEOUT,
        check=False,
    )


def relative(paths: Sequence[Path]) -> list[str]:
    """Paths as the tools report them: relative to the top of the repository when inside it."""
    return [str(path.relative_to(REPO) if path.is_relative_to(REPO) else path) for path in paths]


# --------------------------------------------------------------------------- plpgsql_check


@pytest.mark.debian_pg15
def test_plpgsql_check_trigger_function_with_its_table(db: str) -> None:
    with psycopg.connect(db) as conn:  # one transaction, rolled back: nothing is left behind
        require_plpgsql_check(conn)
        query = sql.SQL(
            "select * from plpgsql_check_function(%s::regprocedure, %s::regclass, {})"
        ).format(PLPGSQL_CHECK_OPTIONS)
        findings = conn.execute(
            query, ("llm_model_ids.normalize_row()", "public.llm_models")
        ).fetchall()
        conn.rollback()
    lines = [line for (line,) in findings]
    assert lines == [], "plpgsql_check llm_model_ids.normalize_row():\n" + "\n".join(lines)


@pytest.mark.debian_pg15
def test_plpgsql_check_every_plpgsql_function_of_the_schema(db: str) -> None:
    """Each plpgsql function of llm_model_ids (and public, where load_path is), a trigger
    function with the table its trigger is on."""
    with psycopg.connect(db) as conn:
        require_plpgsql_check(conn)
        query = sql.SQL(
            "select p.oid::regprocedure::text, line"
            "  from pg_catalog.pg_proc p"
            "  join pg_catalog.pg_language l on l.oid = p.prolang"
            "  cross join lateral plpgsql_check_function(p.oid,"
            "      coalesce((select min(t.tgrelid) from pg_catalog.pg_trigger t"
            "                 where t.tgfoid = p.oid), 0::oid)::regclass, {}) as line"
            " where l.lanname = 'plpgsql'"
            "   and p.pronamespace in ('llm_model_ids'::regnamespace, 'public'::regnamespace)"
            "   and not exists (select 1 from pg_catalog.pg_depend d"  # not an extension's
            "                    where d.objid = p.oid and d.deptype = 'e')"
            " order by 1"
        ).format(PLPGSQL_CHECK_OPTIONS)
        rows = conn.execute(query).fetchall()
        checked = conn.execute(
            "select p.proname"
            "  from pg_catalog.pg_proc p join pg_catalog.pg_language l on l.oid = p.prolang"
            " where l.lanname = 'plpgsql' and p.pronamespace = 'llm_model_ids'::regnamespace"
        ).fetchall()
        conn.rollback()
    names = {name for (name,) in checked}
    assert {
        "normalize",
        "normalize_row",
        "metadata_object",
        "backfill_batch",
        "restore_batch",
    } <= names, names  # the query does find the functions
    lines = [f"{function}: {line}" for function, line in rows]
    assert lines == [], "plpgsql_check:\n" + "\n".join(lines)


# --------------------------------------------------------------------------- squawk


def test_squawk_finds_nothing_in_the_migrations() -> None:
    """squawk reads .squawk.toml at the top of the repository (it says why each setting is set)."""
    migrations = sql_files.migrations()
    assert migrations
    config = REPO / ".squawk.toml"
    result = run_tool(
        [venv_tool("squawk"), "--config", config, "--reporter", "json", *relative(migrations)]
    )
    findings = json.loads(result.stdout or "[]")
    assert findings == [], describe(result)
    assert result.returncode == 0, describe(result)


# --------------------------------------------------------------------------- pgspot

PGSPOT_FINDING = re.compile(r"(PS\d{3}): (.*?): (.*) at line \d+", re.DOTALL)
PGSPOT_SUMMARY = re.compile(r"Errors: (\d+) Warnings: (\d+) Unknown: (\d+)")

# Findings accepted, by code and object, each for a stated reason. Both are about an object that
# another role could have created first (pgspot's model: an extension script run by a superuser in
# a database where untrusted roles can create objects), which IF NOT EXISTS / OR REPLACE would
# then adopt. Both statements must stay idempotent (`llm-model-ids install` re-applies every
# migration), and on Supabase no untrusted role can create these objects first: the API roles have
# no CREATE on the database nor on schema public (asserted below, in
# test_api_roles_cannot_create_what_the_migrations_create).
PGSPOT_ACCEPTED = {
    # CREATE SCHEMA IF NOT EXISTS llm_model_ids: the install is idempotent.
    ("PS010", "llm_model_ids"),
    # CREATE OR REPLACE FUNCTION public.load_path: a computed field for the Data API must live in
    # an exposed schema (public), which llm-model-ids does not create.
    ("PS002", "public.load_path(p_row public.llm_models)"),
}


# Two codes accepted wherever they occur, because the project's SQL standard (and the install
# contract) pins every function to `set search_path = ''`, which pgspot does not model:
# - PS005 "function without explicit search_path": every function has `set search_path = ''`
#   (test_doctor / pgTAP 02_api_roles assert it on the installed catalog);
# - PS001 "unqualified operator": with search_path '' an operator can only resolve to pg_catalog's
#   (or the caller's own pg_temp, which harms only the caller: every function is SECURITY
#   INVOKER). Writing `operator(pg_catalog.=)` for every comparison would make the rules
#   unreadable; the operators that matter (~, ?, ?|, ||) are written qualified anyway.
# Every other code (unqualified function calls and types, unsafe CASE, ...) must not occur.
PGSPOT_ACCEPTED_CODES = {"PS001", "PS005"}


def pgspot_findings(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    """(code, object) of every finding; anything pgspot could not analyse fails the test.

    A finding is printed as "PSnnn: title: object at line n", where the object is SQL text that
    may span lines; the count is checked against pgspot's own summary (the last one, the TOTAL
    when several files are appended).
    """
    records: list[str] = []
    for line in result.stdout.splitlines():
        if re.match(r"PS\d{3}: ", line):
            records.append(line)
        elif records and not records[-1].rstrip().split(" at line ")[-1].isdigit():
            records[-1] += "\n" + line  # the object's SQL goes on over several lines
    findings = []
    for record in records:
        match = PGSPOT_FINDING.fullmatch(record.strip())
        assert match, f"unparsed pgspot finding {record!r}\n{describe(result)}"
        findings.append((match.group(1), match.group(3)))
    summaries = PGSPOT_SUMMARY.findall(result.stdout)
    assert summaries, describe(result)  # pgspot ran to the end
    errors, warnings, unknowns = (int(count) for count in summaries[-1])
    assert unknowns == 0, describe(result)
    assert errors + warnings == len(findings), describe(result)
    assert not result.stderr.strip(), describe(result)
    return findings


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(sql_files.migrations(), id="migrations"),
        pytest.param([sql_files.canonical_schema()], id="canonical"),
    ],
)
def test_pgspot_finds_nothing(files: list[Path]) -> None:
    """The migrations are checked as one script (-a: appended in the order they are applied), so
    that pgspot knows the schema a later migration writes to was created by an earlier one."""
    assert files
    append = ["-a"] if len(files) > 1 else []  # (-a on one file misreports its summary as 0)
    result = run_tool([venv_tool("pgspot"), "--plpgsql", *append, *relative(files)])
    unexpected = [
        f
        for f in pgspot_findings(result)
        if f not in PGSPOT_ACCEPTED and f[0] not in PGSPOT_ACCEPTED_CODES
    ]
    assert unexpected == [], describe(result)


def test_api_roles_cannot_create_what_the_migrations_create(db: str) -> None:
    """The premise of PGSPOT_ACCEPTED, on the Supabase-shaped test database."""
    with psycopg.connect(db, autocommit=True) as conn:
        allowed = conn.execute(
            "select r.rolname, o.what"
            "  from unnest(array['anon', 'authenticated', 'service_role']) as r(rolname)"
            "  cross join (values ('database'), ('schema public')) as o(what)"
            " where case o.what"
            "         when 'database' then"
            "           has_database_privilege(r.rolname, current_database(), 'create')"
            "         else has_schema_privilege(r.rolname, 'public', 'create')"
            "       end"
        ).fetchall()
    assert allowed == []
