"""`status` as a doctor: every check fails on the breakage it is for, with a one-line fix that
really fixes it; the trigger is tested on a sample row that never stays; one notion of healthy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from llm_model_ids import __version__, doctor, installer
from llm_model_ids.cli import main
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.golden import golden_vectors
from llm_model_ids.preflight import read_status, require_installed
from rows import Conn, all_rows

INSERT_TRIGGER, UPDATE_TRIGGER, CLEAR_TRIGGER, MARK_TRIGGER = installer.TRIGGERS

# (what breaks, SQL that breaks it, the failed checks' names, the first failed check's detail)
BREAKAGES = [
    (
        "insert trigger disabled",
        f"alter table public.llm_models disable trigger {INSERT_TRIGGER}",
        {f"trigger:{INSERT_TRIGGER}", "trigger_test"},
        f"trigger {INSERT_TRIGGER} is disabled",
    ),
    (
        "update trigger disabled",
        f"alter table public.llm_models disable trigger {UPDATE_TRIGGER}",
        {f"trigger:{UPDATE_TRIGGER}"},
        f"trigger {UPDATE_TRIGGER} is disabled",
    ),
    (
        "hand-off clean-up trigger disabled",
        f"alter table public.llm_models disable trigger {CLEAR_TRIGGER}",
        {f"trigger:{CLEAR_TRIGGER}"},
        f"trigger {CLEAR_TRIGGER} is disabled",
    ),
    (
        "upsert mark trigger disabled",
        f"alter table public.llm_models disable trigger {MARK_TRIGGER}",
        {f"trigger:{MARK_TRIGGER}"},
        f"trigger {MARK_TRIGGER} is disabled",
    ),
    (
        "a partition of another table",
        "create table public.models_parent (like public.llm_models including defaults)"
        " partition by list (provider);"
        " alter table public.models_parent attach partition public.llm_models default",
        {"partition"},
        "public.llm_models is a partition of public.models_parent: a write through"
        " public.models_parent fires none of llm_models's statement triggers, so an upsert there"
        " would lose the new path",
    ),
    (
        "no primary key",
        "alter table public.llm_models drop constraint llm_models_pkey",
        {"id_column"},
        "public.llm_models.id is not the primary key",
    ),
    (
        "search_path not pinned",
        "alter function llm_model_ids.trim_ws(text) reset search_path",
        {"search_path"},
        "llm_model_ids.trim_ws(text) does not pin search_path=''",
    ),
    (
        "load_path search_path",
        "alter function public.load_path(public.llm_models) set search_path = public",
        {"search_path"},
        "public.load_path(public.llm_models) does not pin search_path=''",
    ),
    (
        "security definer",
        "alter function llm_model_ids.is_opaque(text) security definer",
        {"security_definer"},
        "llm_model_ids.is_opaque(text) is SECURITY DEFINER",
    ),
    (
        "anon usage",
        "grant usage on schema llm_model_ids to anon",
        {"grants"},
        "anon has USAGE on schema llm_model_ids",
    ),
    (
        "anon execute through public",
        "grant execute on function llm_model_ids.is_location(text) to public",
        {"grants"},
        "anon may EXECUTE llm_model_ids.is_location(text)",
    ),
    (
        "maintenance function",
        "grant execute on function llm_model_ids.backfill_batch(uuid, integer) to service_role",
        {"grants"},
        "service_role may EXECUTE llm_model_ids.backfill_batch(uuid,integer)",
    ),
    (
        "journal",
        "grant select on llm_model_ids.backfill_journal to authenticated",
        {"grants"},
        "authenticated has privileges on llm_model_ids.backfill_journal",
    ),
    (
        "audit view",
        "grant select on llm_model_ids.audit to anon",
        {"grants"},
        "anon has privileges on llm_model_ids.audit",
    ),
    (
        "writer usage",
        "revoke usage on schema llm_model_ids from authenticated",
        {"grants"},
        "authenticated lacks USAGE on schema llm_model_ids (its writes would fail)",
    ),
    (
        "writer execute",
        "revoke execute on function llm_model_ids.normalize_row() from service_role",
        {"grants"},
        "service_role lacks EXECUTE on llm_model_ids.normalize_row() (its writes would fail)",
    ),
    (
        "old version",
        "create or replace function llm_model_ids.version() returns text language sql"
        " immutable set search_path = '' as $$ select '1.0.0'::text $$",
        {"version"},
        f"installed 1.0.0, package {__version__}",
    ),
    (
        "rules differ",
        "create or replace function llm_model_ids.normalize(p_model_id text,"
        " p_base_model text default null, p_name text default null,"
        " p_provider text default null, out model_id text, out rule text, out kind text)"
        " language sql immutable set search_path = ''"
        " as $$ select p_model_id, 'keep:readable'::text, null::text $$",
        {"rules"},
        "SQL rules and the Python twin disagree on ",
    ),
    (
        "trigger function raises",
        "create or replace function llm_model_ids.normalize_row() returns trigger"
        " language plpgsql set search_path = '' as $$ begin raise exception 'doctor test: broken'"
        " using hint = 'the hint of the broken trigger'; end $$",
        {"trigger_test"},
        "a sample path row fails: doctor test: broken (HINT: the hint of the broken trigger)",
    ),
]


def doctor_json(db: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["status", "--dsn", db, "--json"])
    return code, json.loads(capsys.readouterr().out)


def check_names(report: dict[str, Any]) -> list[str]:
    return [check["name"] for check in report["checks"]]


def failed(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in report["checks"] if not check["ok"]}


def test_a_healthy_install_passes_every_check(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--dsn", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    triggers = [f"trigger {name}: enabled" for name in installer.TRIGGERS]
    assert lines[: 3 + len(triggers)] == [
        f"installed:       yes, version {__version__}",
        f"package version: {__version__}",
        "public.llm_models: present",
        *triggers,
    ]
    doctor_line = lines[3 + len(triggers)]
    assert doctor_line.startswith("doctor: all ") and doctor_line.endswith(" checks passed")
    vectors = len(golden_vectors())
    assert f"  ok    SQL rules agree with the Python twin on {vectors} golden vectors" in lines
    assert "  ok    grants as documented (anon, authenticated, service_role)" in lines
    assert "  ok    no function is SECURITY DEFINER" in lines
    assert (
        "  ok    public.llm_models.id is the uuid primary key (backfill and restore key rows by it)"
        in lines
    )
    assert (
        "  ok    the trigger rewrote a sample path row to 'llm-model-ids-doctor' and kept "
        "metadata.model_path (rolled back)" in lines
    )
    code, report = doctor_json(db, capsys)
    assert code == 0 and report["healthy"] is True and "ok" not in report
    assert all(check["ok"] and check["fix"] is None for check in report["checks"])
    names = check_names(report)
    assert len(names) == len(set(names))
    assert set(names) == {
        "version",
        "table",
        "columns",
        "id_column",
        "partition",
        f"trigger:{INSERT_TRIGGER}",
        f"trigger:{UPDATE_TRIGGER}",
        f"trigger:{CLEAR_TRIGGER}",
        f"trigger:{MARK_TRIGGER}",
        "trigger_test",
        "search_path",
        "security_definer",
        "grants",
        "rules",
    }


@pytest.mark.parametrize(
    ("breakage", "statement", "names", "detail"), BREAKAGES, ids=[b[0] for b in BREAKAGES]
)
def test_each_breakage_is_found_with_a_fix_that_works(
    db: str,
    conn: Conn,
    capsys: pytest.CaptureFixture[str],
    breakage: str,
    statement: str,
    names: set[str],
    detail: str,
) -> None:
    conn.execute(statement.encode())
    code, report = doctor_json(db, capsys)
    problems = failed(report)
    assert code == 1 and report["healthy"] is False
    assert set(problems) == names, problems
    names_in_order = [name for name in check_names(report) if name in names]
    first = problems[names_in_order[0]]
    assert first["detail"].startswith(detail)
    assert len(check_names(report)) == len(set(check_names(report)))
    assert main(["status", "--dsn", db]) == 1
    out = capsys.readouterr().out.splitlines()
    for problem in problems.values():
        fix = problem["fix"]
        assert fix and "\n" not in fix
        assert f"  FAIL  {problem['detail']}; fix: {fix}" in out
    fix = first["fix"]
    if fix.endswith(";"):
        conn.execute(fix.encode())
    else:
        assert fix.startswith("llm-model-ids install")
        installer.install(conn)
    assert doctor_json(db, capsys)[0] == 0


def test_renamed_model_id_column_fails_and_names_it(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    """The column the trigger reads by name is gone: every path insert would fail."""
    conn.execute("alter table public.llm_models rename column model_id to model_ref")
    with pytest.raises(psycopg.Error, match='record "new" has no field "model_id"'):
        conn.execute(
            "insert into public.llm_models (name, model_ref) values ('m', '/runs/qwen/ckpt-1')"
        )
    code, report = doctor_json(db, capsys)
    assert code == 1
    problem = failed(report)["columns"]
    assert problem["detail"] == "public.llm_models: no column model_id (text or varchar)"
    assert problem["fix"] == (
        "alter table public.llm_models rename column <its new name> to model_id;"
    )
    conn.execute("alter table public.llm_models rename column model_ref to model_id")
    assert doctor_json(db, capsys)[0] == 0


def test_columns_of_other_types(bare_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """varchar is accepted for the text columns; metadata must be jsonb (checked before install,
    on the bare table: the columns check runs whenever the table exists)."""
    with psycopg.connect(bare_db, autocommit=True) as conn:
        conn.execute(
            "alter table public.llm_models alter column name type varchar(200),"
            " alter column provider type character varying, alter column model_id type varchar"
        )
        code, report = doctor_json(bare_db, capsys)
        assert code == 1 and "columns" not in failed(report)
        conn.execute("alter table public.llm_models alter column metadata type json")
        conn.execute("alter table public.llm_models alter column base_model type integer using 1")
        problem = failed(doctor_json(bare_db, capsys)[1])["columns"]
        assert problem["detail"] == (
            "public.llm_models: base_model is integer, not text or varchar; "
            "metadata is json, not jsonb"
        )
        conn.execute(problem["fix"].encode())
        assert "columns" not in failed(doctor_json(bare_db, capsys)[1])


def test_an_id_that_is_not_a_uuid(bare_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(bare_db, autocommit=True) as conn:
        conn.execute("alter table public.llm_models drop column id")
        problem = failed(doctor_json(bare_db, capsys)[1])["id_column"]
        assert problem["detail"].startswith("public.llm_models has no id column")
        conn.execute(
            "alter table public.llm_models add column id bigint generated always as identity"
            " primary key"
        )
        problem = failed(doctor_json(bare_db, capsys)[1])["id_column"]
        assert problem["detail"].startswith("public.llm_models.id is bigint, not uuid")
        assert problem["fix"] and "\n" not in problem["fix"]


def test_the_sample_row_never_stays(
    db: str, conn: Conn, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing inserted, no trigger or function left; the app's own constraints (a NOT NULL
    column without default) don't stop the test: the row is captured before them."""
    conn.execute("alter table public.llm_models add column owner_id uuid not null")
    catalog = (
        "select (select count(*) from pg_catalog.pg_trigger"
        "         where tgrelid = 'public.llm_models'::regclass),"
        "       (select count(*) from pg_catalog.pg_proc)"
    )
    before = conn.execute(catalog).fetchone()
    code, report = doctor_json(db, capsys)
    assert code == 0, failed(report)
    assert all_rows(conn) == []
    assert conn.execute(catalog).fetchone() == before
    # the same through a connection that is already inside a transaction: a savepoint
    with psycopg.connect(db) as in_transaction:
        in_transaction.execute("select 1")
        checks = doctor.doctor(in_transaction, read_status(in_transaction))
        assert doctor.healthy(checks)
        assert in_transaction.execute("select count(*) from public.llm_models").fetchone() == (0,)
        in_transaction.rollback()


def test_not_installed(bare_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--dsn", bare_db]) == 1
    out = capsys.readouterr().out
    assert "installed:       no" in out
    assert "  FAIL  llm-model-ids is not installed; fix: llm-model-ids install" in out
    assert f"  FAIL  trigger {INSERT_TRIGGER} is missing; fix: llm-model-ids install" in out
    code, report = doctor_json(bare_db, capsys)
    assert code == 1 and report["healthy"] is False and report["installed"] is False
    names = check_names(report)
    assert len(names) == len(set(names))


@pytest.fixture
def stranger(db: str, conn: Conn) -> Iterator[str]:
    """A login role (unique: roles are server-wide) with no privilege on llm-model-ids."""
    role = f"stranger_{uuid.uuid4().hex[:12]}"
    conn.execute(sql.SQL("create role {} login").format(sql.Identifier(role)))
    try:
        yield psycopg.conninfo.make_conninfo(db, user=role)
    finally:
        conn.execute(sql.SQL("drop owned by {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("drop role {}").format(sql.Identifier(role)))


def test_a_role_without_privileges_gets_problems_not_a_crash(
    stranger: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = doctor_json(stranger, capsys)
    assert code == 1 and report["installed"] is True and report["version"] is None
    problems = failed(report)
    assert set(problems) == {"version", "trigger_test", "rules"}
    assert problems["version"]["detail"] == "cannot call llm_model_ids.version() as this role"
    assert problems["trigger_test"]["detail"].startswith("a sample path row fails: permission")
    assert problems["trigger_test"]["fix"] == "run status as the owner of public.llm_models"
    assert problems["rules"]["detail"].startswith("cannot run llm_model_ids.normalize: permission")


def test_golden_vectors_shipped_with_the_package(conn: Conn) -> None:
    result = doctor.check_rules(conn)
    assert (result.count, result.mismatches) == (len(golden_vectors()), [])


def test_status_connects_with_libpq_variables_alone(db: str) -> None:
    """No --dsn, no DATABASE_URL: PGHOST, PGPORT, PGUSER, PGDATABASE (PGPASSWORD) as psql."""
    params = psycopg.conninfo.conninfo_to_dict(db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    env.update(
        PGHOST=str(params.get("host", "127.0.0.1")),
        PGPORT=str(params.get("port", "5432")),
        PGUSER=str(params["user"]),
        PGDATABASE=str(params["dbname"]),
    )
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    result = subprocess.run(
        [sys.executable, "-m", "llm_model_ids.cli", "status", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["healthy"] is True
    env["PGDATABASE"] = "llm_model_ids_no_such_database"
    result = subprocess.run(
        [sys.executable, "-m", "llm_model_ids.cli", "status"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("llm-model-ids status: cannot connect to the database:")
    assert "llm_model_ids_no_such_database" in result.stderr
    assert "no --dsn or DATABASE_URL given, so libpq's PG* variables" in result.stderr


@pytest.mark.parametrize(
    ("installed", "message"),
    [
        (
            "1.0.0",
            f"the database has llm-model-ids 1.0.0, this package is {__version__}: run "
            "llm-model-ids install to upgrade the database",
        ),
        (
            "99.0.0",
            f"the database has llm-model-ids 99.0.0, newer than this package ({__version__}): "
            "install the matching package (pip install 'llm-model-ids==99.0.0')",
        ),
    ],
)
def test_the_preflight_of_audit_backfill_restore_names_the_fix_for_another_version(
    conn: Conn, installed: str, message: str
) -> None:
    conn.execute(
        sql.SQL(
            "create or replace function llm_model_ids.version() returns text language sql"
            " immutable set search_path = '' as $$ select {}::pg_catalog.text $$"
        ).format(sql.Literal(installed))
    )
    for enabled_trigger in (True, False):
        with pytest.raises(LlmModelIdsError) as error:
            require_installed(conn, enabled_trigger=enabled_trigger)
        assert str(error.value) == message
