"""preflight: what is installed here, and the checks a DBA command runs before it works.

:func:`read_status` is the quick look (installed, version, table, triggers; catalogs only);
:func:`require_installed` and :func:`require_privileges` turn what audit, backfill and restore
cannot work with into one-line errors that name the command that fixes it. The doctor of
``llm-model-ids status`` is :mod:`llm_model_ids.doctor`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final

import psycopg

from llm_model_ids import __version__
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.sql_files import version_key

SCHEMA: Final = "llm_model_ids"
TRIGGERS: Final = (
    "llm_model_ids_normalize_insert",
    "llm_model_ids_normalize_update",
    # ends the upsert hand-off with its statement: without it state would reach later statements
    "llm_model_ids_clear_pending",
    # marks an INSERT ... ON CONFLICT DO UPDATE: without it an upsert would lose the new path
    "llm_model_ids_mark_upsert",
)
_TRIGGER_STATE: Final = {"O": "enabled", "D": "disabled", "R": "replica only", "A": "always"}

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
        """Installed, the table present and every trigger enabled (the doctor checks more)."""
        return (
            self.installed
            and self.table_exists
            and all(self.triggers.get(name) == "enabled" for name in TRIGGERS)
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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


def version_problem(status: Status) -> str | None:
    """A one-line reason (naming the fix) when the database's version is not the package's."""
    installed, package = status.version, status.package_version
    if installed is None or installed == package:
        return None
    if version_key(installed) < version_key(package):
        return (
            f"the database has llm-model-ids {installed}, this package is {package}: "
            "run llm-model-ids install to upgrade the database"
        )
    return (
        f"the database has llm-model-ids {installed}, newer than this package ({package}): "
        f"install the matching package (pip install 'llm-model-ids=={installed}')"
    )


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
    problem = version_problem(status)
    if problem:
        raise LlmModelIdsError(problem)
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
