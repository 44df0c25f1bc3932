"""install / uninstall: bring the database to this package's version, or remove llm-model-ids.

A fresh database gets the canonical file (the full install of the newest version); an older
installed version gets only the migrations after it (the upgrade); the same version gets the
canonical file again (idempotent: a repair). Everything runs in one transaction, so a failure
(the SQL's own preflight refusing a table it can't serve, a lock timeout) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import psycopg
from psycopg.rows import scalar_row

from llm_model_ids import sql_files
from llm_model_ids.connection import error_text
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.preflight import TRIGGERS, read_status
from llm_model_ids.sql_files import version_key

__all__ = ["TRIGGERS", "InstallPlan", "install", "run_install", "run_sql_file", "uninstall"]

Conn = psycopg.Connection[tuple[object, ...]]

#: Undo data that uninstall would drop: journal entries whose row restore can still put back
#: (not restored yet, and the row still holds what backfill wrote).
_RESTORABLE: Final = """
select pg_catalog.count(*)
  from llm_model_ids.backfill_journal j
       join public.llm_models t on t.id = j.row_id
 where j.restored_at is null
   and t.model_id is not distinct from j.new_model_id
   and t.metadata is not distinct from j.new_metadata
"""


def run_sql_file(conn: Conn, path: Path) -> None:
    """Run a whole SQL file (several statements, no parameters) on the connection."""
    try:
        conn.execute(path.read_text(encoding="utf-8").encode())
    except psycopg.Error as exc:
        raise LlmModelIdsError(f"{path.name}: {error_text(exc)}") from exc


@dataclass(frozen=True)
class InstallPlan:
    """What install does: ``action`` is install (fresh), upgrade or repair (same version)."""

    action: str
    from_version: str | None
    to_version: str
    files: tuple[Path, ...]

    @property
    def names(self) -> list[str]:
        return [path.name for path in self.files]

    def describe(self) -> str:
        if self.action == "upgrade":
            return f"upgrade {self.from_version} -> {self.to_version}"
        if self.action == "repair":
            return f"re-apply {self.to_version} (already installed; idempotent)"
        return f"install {self.to_version}"


def plan_install(conn: Conn, *, with_reference_table: bool = False) -> InstallPlan:
    """Which files bring this database to the package's version (reads the catalogs only)."""
    newest = sql_files.newest_version()
    first = (sql_files.reference_table(),) if with_reference_table else ()
    status = read_status(conn)
    if not status.installed:
        return InstallPlan("install", None, newest, (*first, sql_files.canonical_schema()))
    installed = status.version
    if installed is None:
        raise LlmModelIdsError(
            "llm-model-ids is installed but this role cannot call llm_model_ids.version(): "
            "run install as the owner of public.llm_models"
        )
    if installed == newest:
        return InstallPlan("repair", installed, newest, (*first, sql_files.canonical_schema()))
    if version_key(installed) > version_key(newest):
        raise LlmModelIdsError(
            f"the database has llm-model-ids {installed}, newer than this package ({newest}): "
            f"nothing changed; install the matching package (pip install "
            f"'llm-model-ids=={installed}')"
        )
    return InstallPlan(
        "upgrade", installed, newest, (*first, *sql_files.migrations_after(installed))
    )


def run_install(
    conn: Conn, *, with_reference_table: bool = False, dry_run: bool = False
) -> InstallPlan:
    """Plan and apply in one transaction; with dry_run it is rolled back after every file ran
    (so errors still show) and nothing is kept."""
    with conn.transaction(force_rollback=dry_run):
        plan = plan_install(conn, with_reference_table=with_reference_table)
        for path in plan.files:
            run_sql_file(conn, path)
    return plan


def install(conn: Conn, *, with_reference_table: bool = False, dry_run: bool = False) -> list[str]:
    """Install, upgrade or repair (see :func:`run_install`); return the names of the files run."""
    return run_install(conn, with_reference_table=with_reference_table, dry_run=dry_run).names


def restorable_entries(conn: Conn) -> int:
    """Backfill journal entries restore could still undo (0 when there is no journal)."""
    row = conn.execute(
        "select pg_catalog.to_regclass('llm_model_ids.backfill_journal') is not null"
        "   and pg_catalog.to_regclass('public.llm_models') is not null"
    ).fetchone()
    if not (row and row[0]):
        return 0
    try:
        with conn.transaction(), conn.cursor(row_factory=scalar_row) as cursor:
            count: int | None = cursor.execute(_RESTORABLE).fetchone()
    except psycopg.Error as exc:
        raise LlmModelIdsError(
            f"cannot read llm_model_ids.backfill_journal: {error_text(exc)}; run uninstall as "
            "the owner of public.llm_models"
        ) from exc
    return count or 0


def uninstall(conn: Conn, *, dry_run: bool = False, force: bool = False) -> list[str]:
    """Remove the triggers, functions and schema; public.llm_models and its rows stay.

    Refused while the backfill journal holds entries restore could still undo (uninstall drops
    the journal with the schema), unless ``force``.
    """
    files = [sql_files.uninstall_script()]
    with conn.transaction(force_rollback=dry_run):
        pending = restorable_entries(conn)
        if pending and not force:
            entries = "entry" if pending == 1 else "entries"
            raise LlmModelIdsError(
                f"the backfill journal holds {pending:,} {entries} that restore could still "
                "undo, and uninstall would drop it: run llm-model-ids restore first (to put the "
                "rows back), or uninstall --force (to keep the rows as they are and drop the "
                "journal)"
            )
        for path in files:
            run_sql_file(conn, path)
    return [path.name for path in files]
