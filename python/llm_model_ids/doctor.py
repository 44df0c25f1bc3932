"""The doctor of ``llm-model-ids status``: is llm-model-ids installed here as documented, and
does the trigger really work?

Each check gives a :class:`Check` ``(name, ok, detail, fix)`` with a unique name; a failed check
carries a one-line fix. The catalog checks are small SQL files in ``doctor_checks/`` (as
supabase/splinter writes its lints); the checks that need Python are here: the version against
the package's, the triggers' state, a sample path row run through the trigger (always rolled
back), and the SQL rules against the Python twin on the golden vectors.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any, Final

import psycopg
from psycopg import errors

from llm_model_ids.connection import error_text
from llm_model_ids.golden import golden_vectors
from llm_model_ids.preflight import TRIGGERS, Conn, Status
from llm_model_ids.rules import normalize
from llm_model_ids.sql_files import version_key

#: The sample row the trigger is tested with (never stored: the test is always rolled back).
SAMPLE_PATH: Final = "/srv/llm-model-ids-doctor/checkpoint-1"
SAMPLE_NAME: Final = "llm-model-ids doctor"
_CAPTURED: Final = "LMD01"  # the SQLSTATE the capture trigger raises to hand the row back
_OWNER_FIX: Final = "run status as the owner of public.llm_models"

# A BEFORE INSERT trigger that fires after llm-model-ids' own (triggers fire in name order) and
# raises with the row as the trigger left it: the sample row then never reaches the table's
# constraints (NOT NULL columns of the app, foreign keys, RLS) nor AFTER triggers, and nothing
# is inserted. Both are created in a savepoint that is always rolled back.
_CAPTURE_FUNCTION: Final = f"""
create function pg_temp.llm_model_ids_doctor_capture() returns trigger
language plpgsql set search_path = '' as $capture$
begin
    raise exception using errcode = '{_CAPTURED}', message = 'llm-model-ids doctor: captured',
        detail = pg_catalog.jsonb_build_object(
            'model_id', pg_catalog.to_jsonb(new) -> 'model_id',
            'metadata', pg_catalog.to_jsonb(new) -> 'metadata')::pg_catalog.text;
end
$capture$"""
_CAPTURE_TRIGGER: Final = (
    "create trigger zzzz_llm_model_ids_doctor_capture before insert on public.llm_models"
    " for each row execute function pg_temp.llm_model_ids_doctor_capture()"
)
_SAMPLE_INSERT: Final = (
    "insert into public.llm_models (model_id, name, provider) values (%s, %s, 'vllm')"
)


@dataclass(frozen=True)
class Check:
    """One doctor check: ``fix`` is a one-line remedy when it failed."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def doctor(conn: Conn, status: Status) -> list[Check]:
    """Every check of ``llm-model-ids status``, in order; a failed check carries its fix."""
    checks = [_version_check(status), _table_check(status)]
    if status.table_exists:
        checks += sql_checks(conn, "columns")
    checks += _trigger_checks(status)
    columns_ok = all(check.ok for check in checks if check.name == "columns")
    if status.installed and status.table_exists and columns_ok:
        checks.append(_sample_check(conn, status))
    if status.installed:
        checks += sql_checks(conn, "functions")
        checks += sql_checks(conn, "grants")
        checks.append(_rules_check(conn))
    return checks


def healthy(checks: list[Check]) -> bool:
    """The one notion of healthy: every check passed (``status`` exits 0 exactly then)."""
    return all(check.ok for check in checks)


def sql_checks(conn: Conn, check: str) -> list[Check]:
    """Run ``doctor_checks/<check>.sql`` (search_path = '', read-only) and return its rows."""
    text = resources.files("llm_model_ids").joinpath(f"doctor_checks/{check}.sql").read_text()
    with conn.transaction(force_rollback=True):
        conn.execute("set transaction read only")
        conn.execute("set local search_path = ''")
        rows = conn.execute(text.encode()).fetchall()
    return [
        Check(str(name), bool(ok), str(detail), None if fix is None else str(fix))
        for name, ok, detail, fix in rows
    ]


def _version_check(status: Status) -> Check:
    if not status.installed:
        return Check("installed", False, "llm-model-ids is not installed", "llm-model-ids install")
    if status.version is None:
        return Check(
            "version", False, "cannot call llm_model_ids.version() as this role", _OWNER_FIX
        )
    installed, package = status.version, status.package_version
    if installed != package:
        fix = (
            f"llm-model-ids install (upgrades the database to {package})"
            if version_key(installed) < version_key(package)
            else f"pip install 'llm-model-ids=={installed}' (the database is newer than this "
            "package)"
        )
        return Check("version", False, f"installed {installed}, package {package}", fix)
    return Check("version", True, f"installed version {status.version} matches the package")


def _table_check(status: Status) -> Check:
    if status.table_exists:
        return Check("table", True, "public.llm_models is present")
    return Check(
        "table",
        False,
        "public.llm_models does not exist",
        "create the app's table (sql/reference/llm_models.sql is a reference DDL)",
    )


def _trigger_checks(status: Status) -> list[Check]:
    checks = []
    for name in TRIGGERS:
        state = status.triggers.get(name, "missing")
        check = f"trigger:{name}"
        if state == "enabled":
            checks.append(Check(check, True, f"trigger {name} is enabled"))
        elif state == "missing":
            fix = "llm-model-ids install" if status.table_exists else "create the table first"
            checks.append(Check(check, False, f"trigger {name} is missing", fix))
        else:
            checks.append(
                Check(
                    check,
                    False,
                    f"trigger {name} is {state}",
                    f"alter table public.llm_models enable trigger {name};",
                )
            )
    return checks


def _sample_check(conn: Conn, status: Status) -> Check:
    """Insert a sample path row (always rolled back) and see what the trigger made of it."""
    try:
        row = _run_sample(conn)
    except psycopg.Error as exc:
        fix = (
            _OWNER_FIX
            if isinstance(exc, errors.InsufficientPrivilege)
            else "llm-model-ids install (re-applies the trigger), then status again"
        )
        return Check("trigger_test", False, f"a sample path row fails: {error_text(exc)}", fix)
    model_id, metadata = row.get("model_id"), row.get("metadata")
    model_path = metadata.get("model_path") if isinstance(metadata, dict) else None
    if model_id == SAMPLE_PATH:
        insert_trigger = TRIGGERS[0]
        fix = (
            f"alter table public.llm_models enable trigger {insert_trigger};"
            if status.triggers.get(insert_trigger) not in ("enabled", "missing")
            else "llm-model-ids install (re-applies the trigger)"
        )
        return Check(
            "trigger_test",
            False,
            f"the insert trigger did not rewrite a sample path row: model_id {SAMPLE_PATH!r} "
            "kept as written",
            fix,
        )
    if model_path != SAMPLE_PATH:
        return Check(
            "trigger_test",
            False,
            f"a sample path row was rewritten to {model_id!r} but metadata.model_path is "
            f"{model_path!r}, not {SAMPLE_PATH!r}",
            "llm-model-ids install (re-applies the trigger)",
        )
    return Check(
        "trigger_test",
        True,
        f"the trigger rewrote a sample path row to {model_id!r} and kept metadata.model_path "
        "(rolled back)",
    )


def _run_sample(conn: Conn) -> dict[str, Any]:
    """The sample row as llm-model-ids' BEFORE INSERT trigger left it; nothing is kept."""
    with conn.transaction(force_rollback=True):
        conn.execute("set local lock_timeout = '2s'")
        conn.execute(_CAPTURE_FUNCTION.encode())
        conn.execute(_CAPTURE_TRIGGER)
        try:
            conn.execute(_SAMPLE_INSERT, [SAMPLE_PATH, SAMPLE_NAME])
        except psycopg.Error as exc:
            if exc.sqlstate != _CAPTURED or exc.diag.message_detail is None:
                raise
            captured: dict[str, Any] = json.loads(exc.diag.message_detail)
            return captured
    raise psycopg.ProgrammingError("the sample row was not captured (is another trigger later?)")


def _rules_check(conn: Conn) -> Check:
    try:
        result = check_rules(conn)
    except psycopg.Error as exc:
        return Check(
            "rules", False, f"cannot run llm_model_ids.normalize: {error_text(exc)}", _OWNER_FIX
        )
    if not result.mismatches:
        return Check(
            "rules",
            True,
            f"SQL rules agree with the Python twin on {result.count} golden vectors",
        )
    return Check(
        "rules",
        False,
        f"SQL rules and the Python twin disagree on {len(result.mismatches)} of "
        f"{result.count} golden vectors, e.g. {result.mismatches[0]}",
        "llm-model-ids install (installs the SQL of this package version), or install the "
        "package version that matches the database",
    )


# --------------------------------------------------------------------------- rules vs twin

Vector = tuple[str | None, str | None, str | None, str | None]  # model_id, base, name, provider


@dataclass(frozen=True)
class RulesCheck:
    count: int
    mismatches: list[str]


def check_rules(conn: Conn) -> RulesCheck:
    """Run every golden vector through the SQL rules (one query) and the Python twin; compare."""
    vectors: list[Vector] = [
        (v["model_id"], v["base_model"], v["name"], v["provider"]) for v in golden_vectors()
    ]
    columns = [[vector[i] for vector in vectors] for i in range(4)]
    rows = conn.execute(
        "select r.model_id, r.rule, r.kind"
        "  from rows from (pg_catalog.unnest(%s::text[]), pg_catalog.unnest(%s::text[]),"
        "                 pg_catalog.unnest(%s::text[]), pg_catalog.unnest(%s::text[]))"
        "       with ordinality as v(model_id, base_model, name, provider, i)"
        "       cross join lateral llm_model_ids.normalize("
        "           v.model_id, v.base_model, v.name, v.provider) as r"
        " order by v.i",
        columns,
    ).fetchall()
    mismatches = []
    for vector, row in zip(vectors, rows, strict=True):
        python = normalize(*vector)
        if (python.model_id, python.rule, python.kind) != tuple(row):
            mismatches.append(
                f"{_short(vector[0])}: SQL {_short(row[0])} ({row[1]}), "
                f"Python {_short(python.model_id)} ({python.rule})"
            )
    return RulesCheck(len(vectors), mismatches)


def _short(value: object, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"
