"""`status` as a doctor: every check fails on the breakage it is for, with a one-line fix that
really fixes it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from llm_model_ids import installer, status
from llm_model_ids.cli import main
from llm_model_ids.rules import normalize
from rows import Conn

# (what breaks, SQL that breaks it, the failed check's detail)
BREAKAGES = [
    (
        "trigger disabled",
        "alter table public.llm_models disable trigger llm_model_ids_normalize_insert",
        "trigger llm_model_ids_normalize_insert is disabled",
    ),
    (
        "search_path not pinned",
        "alter function llm_model_ids.trim_ws(text) reset search_path",
        "llm_model_ids.trim_ws(text) does not pin search_path=''",
    ),
    (
        "load_path search_path",
        "alter function public.load_path(public.llm_models) set search_path = public",
        "public.load_path(public.llm_models) does not pin search_path=''",
    ),
    (
        "security definer",
        "alter function llm_model_ids.is_opaque(text) security definer",
        "llm_model_ids.is_opaque(text) is SECURITY DEFINER",
    ),
    (
        "anon usage",
        "grant usage on schema llm_model_ids to anon",
        "anon has USAGE on schema llm_model_ids",
    ),
    (
        "anon execute through public",
        "grant execute on function llm_model_ids.is_location(text) to public",
        "anon may EXECUTE llm_model_ids.is_location(text)",
    ),
    (
        "maintenance function",
        "grant execute on function llm_model_ids.backfill_batch(uuid, integer) to service_role",
        "service_role may EXECUTE llm_model_ids.backfill_batch(uuid,integer)",
    ),
    (
        "journal",
        "grant select on llm_model_ids.backfill_journal to authenticated",
        "authenticated has privileges on llm_model_ids.backfill_journal",
    ),
    (
        "audit view",
        "grant select on llm_model_ids.audit to anon",
        "anon has privileges on llm_model_ids.audit",
    ),
    (
        "writer usage",
        "revoke usage on schema llm_model_ids from authenticated",
        "authenticated lacks USAGE on schema llm_model_ids (its writes would fail)",
    ),
    (
        "writer execute",
        "revoke execute on function llm_model_ids.normalize_row() from service_role",
        "service_role lacks EXECUTE on llm_model_ids.normalize_row() (its writes would fail)",
    ),
    (
        "old version",
        "create or replace function llm_model_ids.version() returns text language sql"
        " immutable set search_path = '' as $$ select '1.0.0'::text $$",
        "installed 1.0.0, package 1.1.0",
    ),
    (
        "rules differ",
        "create or replace function llm_model_ids.self_hosted_providers() returns text[]"
        " language sql immutable set search_path = '' as $$ select array['vllm'] $$",
        "SQL rules and the Python twin disagree on ",
    ),
]


def doctor_json(db: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["status", "--dsn", db, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_healthy_install_passes_every_check(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--dsn", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    triggers = [f"trigger {name}: enabled" for name in installer.TRIGGERS]
    assert lines[: 3 + len(triggers)] == [
        "installed:       yes, version 1.1.0",
        "package version: 1.1.0",
        "public.llm_models: present",
        *triggers,
    ]
    doctor_line = lines[3 + len(triggers)]
    assert doctor_line.startswith("doctor: all ") and doctor_line.endswith(" checks passed")
    assert "  ok    SQL rules agree with the Python twin on 140 golden vectors" in lines
    assert "  ok    grants as documented (anon, authenticated, service_role)" in lines
    assert "  ok    no function is SECURITY DEFINER" in lines
    code, report = doctor_json(db, capsys)
    assert code == 0 and report["ok"] is True and report["healthy"] is True
    assert all(check["ok"] and check["fix"] is None for check in report["checks"])


@pytest.mark.parametrize(
    ("breakage", "statement", "detail"), BREAKAGES, ids=[b[0] for b in BREAKAGES]
)
def test_each_breakage_is_found_with_a_fix_that_works(
    db: str,
    conn: Conn,
    capsys: pytest.CaptureFixture[str],
    breakage: str,
    statement: str,
    detail: str,
) -> None:
    conn.execute(statement.encode())
    code, report = doctor_json(db, capsys)
    failed = [check for check in report["checks"] if not check["ok"]]
    assert code == 1 and report["ok"] is False
    assert len(failed) == 1, failed
    assert failed[0]["detail"].startswith(detail)
    fix = failed[0]["fix"]
    assert fix and "\n" not in fix
    assert main(["status", "--dsn", db]) == 1
    assert f"  FAIL  {failed[0]['detail']}; fix: {fix}" in capsys.readouterr().out.splitlines()
    if fix.endswith(";"):
        conn.execute(fix.encode())
    else:
        assert fix.startswith("llm-model-ids install")
        installer.install(conn)
    assert doctor_json(db, capsys)[0] == 0


def test_not_installed(bare_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--dsn", bare_db]) == 1
    out = capsys.readouterr().out
    assert "installed:       no" in out
    assert "  FAIL  llm-model-ids is not installed; fix: llm-model-ids install" in out
    assert (
        "  FAIL  trigger llm_model_ids_normalize_insert is missing; fix: llm-model-ids install"
        in out
    )


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
    failed = {check["name"]: check for check in report["checks"] if not check["ok"]}
    assert set(failed) == {"version", "rules"}
    assert failed["version"]["detail"] == "cannot call llm_model_ids.version() as this role"
    assert failed["rules"]["detail"].startswith("cannot run llm_model_ids.normalize: permission")


def test_golden_vectors_from_the_repository(conn: Conn) -> None:
    result = status.check_rules(conn)
    assert (result.source, result.count, result.mismatches) == ("golden", 140, [])


def test_built_in_vectors_when_the_file_is_absent(
    conn: Conn, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(status, "golden_vectors_file", lambda: tmp_path / "absent.json")
    result = status.check_rules(conn)
    assert (result.source, result.count, result.mismatches) == (
        "built-in",
        len(status.BUILTIN_VECTORS),
        [],
    )
    assert len(status.BUILTIN_VECTORS) >= 15
    rules = {normalize(*vector).rule for vector in status.BUILTIN_VECTORS}
    assert rules >= {
        "1:base_model",
        "1:base_model_location",
        "2:hub_id",
        "3:path_name",
        "4:name",
        "5:local_model",
        "keep:readable",
        "keep:null",
        "keep:hosted_opaque",
        "keep:opaque_no_name",
    }


def test_built_in_vectors_agree_with_the_golden_file() -> None:
    golden = json.loads(status.golden_vectors_file().read_text(encoding="utf-8"))
    expected = {
        (v["model_id"], v["base_model"], v["name"], v["provider"]): (
            v["expected_model_id"],
            v["rule"],
        )
        for v in golden
    }
    shared = [vector for vector in status.BUILTIN_VECTORS if vector in expected]
    assert len(shared) >= 10
    for vector in shared:
        result = normalize(*vector)
        assert (result.model_id, result.rule) == expected[vector]
