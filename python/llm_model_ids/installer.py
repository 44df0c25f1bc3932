"""install / uninstall: apply the migrations (as `supabase db push` would), or uninstall."""

from __future__ import annotations

from pathlib import Path

import psycopg

from llm_model_ids import sql_files
from llm_model_ids.connection import one_line
from llm_model_ids.errors import LlmModelIdsError

TRIGGERS = (
    "llm_model_ids_normalize_insert",
    "llm_model_ids_normalize_update",
)


def run_sql_file(conn: psycopg.Connection[tuple[object, ...]], path: Path) -> None:
    """Run a whole SQL file (several statements, no parameters) on the connection."""
    try:
        conn.execute(path.read_text(encoding="utf-8").encode())
    except psycopg.Error as exc:
        raise LlmModelIdsError(f"{path.name}: {one_line(exc)}") from exc


def install(
    conn: psycopg.Connection[tuple[object, ...]],
    *,
    with_reference_table: bool = False,
    dry_run: bool = False,
) -> list[str]:
    """Apply every migration in order, in one transaction; return the files applied.

    The migrations are idempotent, so installing twice equals installing once. With dry_run the
    transaction is rolled back after every file ran, so errors still show and nothing is kept.
    """
    files = ([sql_files.reference_table()] if with_reference_table else []) + sql_files.migrations()
    _in_transaction(conn, files, dry_run=dry_run)
    return [path.name for path in files]


def uninstall(conn: psycopg.Connection[tuple[object, ...]], *, dry_run: bool = False) -> list[str]:
    """Remove the triggers, functions and schema; public.llm_models and its rows stay."""
    files = [sql_files.uninstall_script()]
    _in_transaction(conn, files, dry_run=dry_run)
    return [path.name for path in files]


class _Rollback(Exception):
    pass


def _in_transaction(
    conn: psycopg.Connection[tuple[object, ...]], files: list[Path], *, dry_run: bool
) -> None:
    try:
        with conn.transaction():
            for path in files:
                run_sql_file(conn, path)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
