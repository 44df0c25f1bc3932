"""status: is llm-model-ids installed here, which version, are its triggers enabled; the doctor.

:func:`read_status` is the quick look (used by every command before it works);
:func:`doctor` adds the checks of ``llm-model-ids status``: search_path pinned, no SECURITY
DEFINER, the documented grants, and the SQL rules agreeing with the Python twin.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import psycopg

from llm_model_ids import __version__, sql_files
from llm_model_ids.connection import one_line
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.installer import TRIGGERS
from llm_model_ids.rules import normalize

_TRIGGER_STATE = {"O": "enabled", "D": "disabled", "R": "replica only", "A": "always"}
SCHEMA = "llm_model_ids"
API_ROLES = ("anon", "authenticated", "service_role")
#: Roles that write llm_models through the API and so need the rule functions (if they exist).
WRITER_ROLES = ("authenticated", "service_role")
#: Maintenance objects: for the table owner only, never granted to an API role.
MAINTENANCE_FUNCTIONS = ("backfill_batch", "restore_batch")
MAINTENANCE_RELATIONS = ("backfill_journal", "audit")
_NOT_RULE_FUNCTIONS = (*MAINTENANCE_FUNCTIONS, "version")
_PINNED = 'search_path=""'

Conn = psycopg.Connection[tuple[object, ...]]


@dataclass
class Status:
    installed: bool
    version: str | None
    package_version: str = __version__
    table_exists: bool = False
    triggers: dict[str, str] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return (
            self.installed
            and self.table_exists
            and all(self.triggers.get(name) == "enabled" for name in TRIGGERS)
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "healthy": self.healthy}


def read_status(conn: Conn) -> Status:
    """What is installed; needs no privilege beyond reading the catalogs.

    The version is read by calling llm_model_ids.version() only when the role may; otherwise
    it is None (the doctor says why).
    """
    row = conn.execute(
        "select n.oid is not null,"
        " (select p.oid from pg_catalog.pg_proc p"
        "   where p.pronamespace = n.oid and p.proname = 'version' and p.pronargs = 0),"
        " pg_catalog.to_regclass('public.llm_models') is not null"
        " from (select) as one"
        " left join pg_catalog.pg_namespace n on n.nspname = %s",
        [SCHEMA],
    ).fetchone()
    assert row is not None
    schema_exists, version_oid, table_exists = bool(row[0]), row[1], bool(row[2])
    version = None
    if version_oid is not None and _may_call(conn, version_oid):
        version_row = conn.execute("select llm_model_ids.version()").fetchone()
        version = str(version_row[0]) if version_row else None
    triggers = dict.fromkeys(TRIGGERS, "missing")
    if table_exists:
        for name, enabled in conn.execute(
            "select tgname, tgenabled from pg_catalog.pg_trigger"
            " where tgrelid = 'public.llm_models'::regclass and tgname = any(%s)",
            [list(TRIGGERS)],
        ):
            triggers[str(name)] = _TRIGGER_STATE.get(str(enabled), str(enabled))
    return Status(
        installed=schema_exists and version_oid is not None,
        version=version,
        table_exists=table_exists,
        triggers=triggers,
    )


def _may_call(conn: Conn, function_oid: object) -> bool:
    row = conn.execute(
        "select pg_catalog.has_function_privilege(p.oid, 'execute')"
        "   and pg_catalog.has_schema_privilege(p.pronamespace, 'usage')"
        "  from pg_catalog.pg_proc p where p.oid = %s",
        [function_oid],
    ).fetchone()
    return bool(row and row[0])


def require_installed(conn: Conn, *, enabled_trigger: bool) -> Status:
    """The preflight of the DBA commands: a clear one-line error unless they can work here."""
    status = read_status(conn)
    if not status.table_exists:
        raise LlmModelIdsError(
            "table public.llm_models does not exist (is this the app's database?)"
        )
    if not status.installed:
        what = "trigger" if enabled_trigger else "llm-model-ids"
        raise LlmModelIdsError(f"{what} not installed: run llm-model-ids install first")
    if enabled_trigger:
        for name, state in status.triggers.items():
            if state == "missing":
                raise LlmModelIdsError("trigger not installed: run llm-model-ids install first")
            if state != "enabled":
                raise LlmModelIdsError(
                    f"trigger {name} is {state}: enable it first "
                    f"(alter table public.llm_models enable trigger {name})"
                )
    return status


#: (kind, object, privilege) a maintenance command needs; kind is schema, function or table.
Need = tuple[str, str, str]

# Looked up by name in the catalogs (never by casting a name), so that a role without USAGE on
# the schema gets "lacks USAGE" rather than "permission denied for schema".
_PRIVILEGE_QUERIES: Final = {
    "schema": "select pg_catalog.has_schema_privilege(n.oid, %(privilege)s)"
    " from pg_catalog.pg_namespace n where n.nspname = %(name)s",
    "function": "select pg_catalog.bool_and("
    "   pg_catalog.has_function_privilege(p.oid, %(privilege)s))"
    " from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace"
    " where n.nspname = %(schema)s and p.proname = %(name)s",
    "table": "select pg_catalog.has_table_privilege(c.oid, %(privilege)s)"
    " from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
    " where n.nspname = %(schema)s and c.relname = %(name)s",
}


def require_privileges(conn: Conn, command: str, needs: list[Need]) -> None:
    """A clear one-line error, before anything is written, when the role lacks a privilege."""
    missing = []
    for kind, qualified, privilege in needs:
        schema, _, name = qualified.rpartition(".")
        row = conn.execute(
            _PRIVILEGE_QUERIES[kind], {"schema": schema, "name": name, "privilege": privilege}
        ).fetchone()
        if not (row and row[0]):
            missing.append(f"{privilege.upper()} on {qualified}")
    if missing:
        user_row = conn.execute("select current_user::text").fetchone()
        user = user_row[0] if user_row else "?"
        raise LlmModelIdsError(
            f"role {user} lacks {', '.join(missing)}: run {command} as the owner of "
            "public.llm_models (or a role with these privileges)"
        )


# --------------------------------------------------------------------------- the doctor


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
    """Every check of ``llm-model-ids status``; a failed check carries its fix."""
    checks = [_version_check(status), _table_check(status), *_trigger_checks(status)]
    if not status.installed:
        return checks
    functions = _functions(conn)
    checks += _search_path_checks(functions)
    checks += _definer_checks(functions)
    checks += _grant_checks(conn, functions)
    checks.append(_rules_check(conn))
    return checks


def _version_check(status: Status) -> Check:
    if not status.installed:
        return Check("installed", False, "llm-model-ids is not installed", "llm-model-ids install")
    if status.version is None:
        return Check(
            "version",
            False,
            "cannot call llm_model_ids.version() as this role",
            "run status as the owner of public.llm_models",
        )
    if status.version != status.package_version:
        return Check(
            "version",
            False,
            f"installed {status.version}, package {status.package_version}",
            f"llm-model-ids install (upgrades the database to {status.package_version}), "
            "or install the package version that matches the database",
        )
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
        if state == "enabled":
            checks.append(Check("trigger", True, f"trigger {name} is enabled"))
        elif state == "missing":
            fix = "llm-model-ids install" if status.table_exists else "create the table first"
            checks.append(Check("trigger", False, f"trigger {name} is missing", fix))
        else:
            checks.append(
                Check(
                    "trigger",
                    False,
                    f"trigger {name} is {state}",
                    f"alter table public.llm_models enable trigger {name};",
                )
            )
    return checks


@dataclass(frozen=True)
class _Function:
    oid: int
    signature: str
    name: str
    security_definer: bool
    config: tuple[str, ...]
    in_schema: bool


def _functions(conn: Conn) -> list[_Function]:
    """Every function of the schema, and public.load_path; signatures schema-qualified."""
    with conn.transaction():
        conn.execute("set local search_path = ''")  # regprocedure/type names fully qualified
        rows = conn.execute(
            "select p.oid::pg_catalog.int8, p.oid::pg_catalog.regprocedure::pg_catalog.text,"
            "       p.proname::pg_catalog.text, p.prosecdef, coalesce(p.proconfig, '{}'),"
            "       n.nspname operator(pg_catalog.=) %s"
            "  from pg_catalog.pg_proc p"
            "  join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) p.pronamespace"
            " where n.nspname operator(pg_catalog.=) %s"
            "    or p.oid operator(pg_catalog.=)"
            "       pg_catalog.to_regprocedure('public.load_path(public.llm_models)')"
            " order by 2",
            [SCHEMA, SCHEMA],
        ).fetchall()
    return [
        _Function(
            oid=int(str(row[0])),
            signature=str(row[1]),
            name=str(row[2]),
            security_definer=bool(row[3]),
            config=tuple(str(item) for item in row[4]),  # type: ignore[attr-defined]
            in_schema=bool(row[5]),
        )
        for row in rows
    ]


def _search_path_checks(functions: list[_Function]) -> list[Check]:
    unpinned = [f for f in functions if _PINNED not in f.config]
    if not unpinned:
        return [Check("search_path", True, f"search_path='' pinned on {len(functions)} functions")]
    return [
        Check(
            "search_path",
            False,
            f"{f.signature} does not pin search_path=''",
            f"alter function {f.signature} set search_path = '';",
        )
        for f in unpinned
    ]


def _definer_checks(functions: list[_Function]) -> list[Check]:
    definers = [f for f in functions if f.security_definer]
    if not definers:
        return [Check("security", True, "no function is SECURITY DEFINER")]
    return [
        Check(
            "security",
            False,
            f"{f.signature} is SECURITY DEFINER",
            f"alter function {f.signature} security invoker;",
        )
        for f in definers
    ]


def _existing_roles(conn: Conn) -> list[str]:
    rows = conn.execute(
        "select rolname::text from pg_catalog.pg_roles where rolname = any(%s) order by 1",
        [list(API_ROLES)],
    ).fetchall()
    return [str(row[0]) for row in rows]


def _grant_checks(conn: Conn, functions: list[_Function]) -> list[Check]:
    roles = _existing_roles(conn)
    if not roles:
        return [Check("grants", True, "no Supabase API roles here (anon, authenticated, ...)")]
    schema_functions = [f for f in functions if f.in_schema]
    checks: list[Check] = []
    if "anon" in roles:
        checks += _anon_checks(conn, schema_functions)
    for role in roles:
        checks += _maintenance_checks(conn, role, schema_functions)
    rule_functions = [f for f in schema_functions if f.name not in _NOT_RULE_FUNCTIONS]
    for role in roles:
        if role in WRITER_ROLES:
            checks += _writer_checks(conn, role, rule_functions)
    if not checks:
        checks.append(Check("grants", True, f"grants as documented ({', '.join(roles)})"))
    return checks


def _schema_usage(conn: Conn, role: str) -> bool:
    row = conn.execute(
        "select pg_catalog.has_schema_privilege(%s, n.oid, 'usage')"
        "  from pg_catalog.pg_namespace n where n.nspname = %s",
        [role, SCHEMA],
    ).fetchone()
    return bool(row and row[0])


def _executable(conn: Conn, role: str, functions: list[_Function]) -> set[int]:
    rows = conn.execute(
        "select f.oid from pg_catalog.unnest(%s::bigint[]) as f(oid)"
        " where pg_catalog.has_function_privilege(%s, f.oid::oid, 'execute')",
        [[f.oid for f in functions], role],
    ).fetchall()
    return {int(str(row[0])) for row in rows}


def _anon_checks(conn: Conn, functions: list[_Function]) -> list[Check]:
    checks = []
    if _schema_usage(conn, "anon"):
        checks.append(
            Check(
                "grants",
                False,
                "anon has USAGE on schema llm_model_ids",
                "revoke all on schema llm_model_ids from public, anon;",
            )
        )
    granted = _executable(conn, "anon", functions)
    if granted:
        names = ", ".join(f.signature for f in functions if f.oid in granted)
        checks.append(
            Check(
                "grants",
                False,
                f"anon may EXECUTE {names}",
                "revoke all on all functions in schema llm_model_ids from public, anon;",
            )
        )
    return checks


def _maintenance_checks(conn: Conn, role: str, functions: list[_Function]) -> list[Check]:
    checks = []
    maintenance = [f for f in functions if f.name in MAINTENANCE_FUNCTIONS]
    granted = _executable(conn, role, maintenance)
    for function in maintenance:
        if function.oid in granted:
            checks.append(
                Check(
                    "grants",
                    False,
                    f"{role} may EXECUTE {function.signature}",
                    f"revoke all on function {function.signature} from public, {role};",
                )
            )
    rows = conn.execute(
        "select c.relname::text from pg_catalog.pg_class c"
        "  join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relname = any(%s)"
        "   and pg_catalog.has_table_privilege(%s, c.oid,"
        "       'select, insert, update, delete, truncate, references, trigger')"
        " order by 1",
        [SCHEMA, list(MAINTENANCE_RELATIONS), role],
    ).fetchall()
    for (relname,) in rows:
        checks.append(
            Check(
                "grants",
                False,
                f"{role} has privileges on llm_model_ids.{relname}",
                f"revoke all on llm_model_ids.{relname} from public, {role};",
            )
        )
    return checks


def _writer_checks(conn: Conn, role: str, functions: list[_Function]) -> list[Check]:
    checks = []
    if not _schema_usage(conn, role):
        checks.append(
            Check(
                "grants",
                False,
                f"{role} lacks USAGE on schema llm_model_ids (its writes would fail)",
                f"grant usage on schema llm_model_ids to {role};",
            )
        )
    granted = _executable(conn, role, functions)
    missing = [f.signature for f in functions if f.oid not in granted]
    if missing:
        checks.append(
            Check(
                "grants",
                False,
                f"{role} lacks EXECUTE on {', '.join(missing)} (its writes would fail)",
                f"grant execute on function {', '.join(missing)} to {role};",
            )
        )
    return checks


def _rules_check(conn: Conn) -> Check:
    try:
        result = check_rules(conn)
    except psycopg.Error as exc:
        return Check(
            "rules",
            False,
            f"cannot run llm_model_ids.normalize: {one_line(exc)}",
            "run status as the owner of public.llm_models",
        )
    if not result.mismatches:
        return Check(
            "rules",
            True,
            f"SQL rules agree with the Python twin on {result.count} {result.source} vectors",
        )
    first = result.mismatches[0]
    return Check(
        "rules",
        False,
        f"SQL rules and the Python twin disagree on {len(result.mismatches)} of "
        f"{result.count} {result.source} vectors, e.g. {first}",
        "llm-model-ids install (installs the SQL of this package version), or install the "
        "package version that matches the database",
    )


# --------------------------------------------------------------------------- rules vs twin

Vector = tuple[str | None, str | None, str | None, str | None]  # model_id, base, name, provider

_JOB = "job_cb10bbcb-2725-49ce-9586-a9baf57de3a4"
_UUID = "cb10bbcb-2725-49ce-9586-a9baf57de3a4"
_LLAMA = "meta-llama/Llama-3.2-3B-Instruct"
#: A few golden vectors, one or more per rule, for an installed wheel (no tests/ directory).
BUILTIN_VECTORS: Final[tuple[Vector, ...]] = (
    (
        f"/home/juan-canfield/Desktop/web-ui/lib/training/logs/{_JOB}/checkpoint-1780",
        _LLAMA,
        "Llama-3.2-3B-Instruct-trained-1732901234",
        "vllm",
    ),
    (f"/path/to/lib/training/logs/{_JOB}/merged_model", _LLAMA, None, "vllm"),
    (
        f"/home/juan-canfield/Desktop/web-ui/lib/training/logs/{_JOB}/checkpoint-1780",
        "unknown",
        "Llama-3.2-3B-Instruct-trained-1732901234",
        "vllm",
    ),
    ("~", None, "My Model", "vllm"),
    (_LLAMA, "unknown", "Llama-3.2-3B-Instruct-trained-1732901234", "vllm"),
    ("accounts/fireworks/models/llama-v3p1-8b-instruct", None, None, "fireworks"),
    ("/models/my-custom-model", None, "x", "vllm"),
    ("~/models/llama-ft", None, None, "vllm"),
    (None, None, None, "vllm"),
    (f"/srv/llama-project/{_JOB}/checkpoint-1", None, None, "vllm"),
    (
        "/root/.cache/huggingface/hub/models--Qwen--Qwen2.5-0.5B/snapshots/"
        "0123456789abcdef0123456789abcdef01234567",
        None,
        None,
        "vllm",
    ),
    ("hf://org/name/blob/main/model.safetensors", None, None, "vllm"),
    ("/srv/ft/checkpoint-9", "/models/llama-base", None, "vllm"),
    (_UUID, None, "  ", "vllm"),
    (_UUID, None, "n", "openai"),
    (f"  {_UUID}\t", "Qwen/Qwen2.5-7B", None, " VLLM "),
    ("C:\\models\\mistral-7b.GGUF", None, None, "ollama"),
)


@dataclass(frozen=True)
class RulesCheck:
    source: str  # "golden" (tests/data/golden_vectors.json) or "built-in"
    count: int
    mismatches: list[str]


def golden_vectors_file() -> Path:
    """The repository's golden vectors (absent from an installed wheel)."""
    return sql_files.sql_dir().parent / "tests" / "data" / "golden_vectors.json"


def load_vectors() -> tuple[str, list[Vector]]:
    path = golden_vectors_file()
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        vectors = [(v["model_id"], v["base_model"], v["name"], v["provider"]) for v in data]
        return "golden", vectors
    return "built-in", list(BUILTIN_VECTORS)


def check_rules(conn: Conn) -> RulesCheck:
    """Run every vector through the SQL rules (one query) and the Python twin; compare."""
    source, vectors = load_vectors()
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
    return RulesCheck(source, len(vectors), mismatches)


def _short(value: object, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"
