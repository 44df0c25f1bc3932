"""Connecting: --dsn, else DATABASE_URL, else libpq's own PG* variables and service files (as
psql does); failures turned into one-line errors."""

from __future__ import annotations

import os

import psycopg

from llm_model_ids.errors import LlmModelIdsError

#: What --help says about where the connection comes from.
DSN_HELP = (
    "PostgreSQL connection string or URL (default: $DATABASE_URL; without either, libpq's "
    "PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSERVICE, ~/.pgpass and service files, "
    "as psql uses them)"
)


def resolve_dsn(dsn: str | None) -> str:
    """--dsn, else $DATABASE_URL, else "" (libpq then reads PGHOST, PGSERVICE, ... as psql)."""
    return dsn or os.environ.get("DATABASE_URL") or ""


def connect(dsn: str, *, autocommit: bool = True) -> psycopg.Connection[tuple[object, ...]]:
    """Connect; "" means libpq's environment and defaults, as psql with no arguments."""
    try:
        return psycopg.connect(dsn, autocommit=autocommit, connect_timeout=10)
    except psycopg.Error as exc:
        reason = error_text(exc)
        if not dsn:
            reason += (
                " (no --dsn or DATABASE_URL given, so libpq's PG* variables and defaults were "
                "used: pass --dsn, set DATABASE_URL, or set PGHOST, PGPORT, PGUSER, PGDATABASE)"
            )
        elif "does not support SSL" in reason:
            reason += " (a local server without TLS: use ?sslmode=disable or sslmode=prefer)"
        raise LlmModelIdsError(f"cannot connect to the database: {reason}") from exc


def error_text(exc: psycopg.Error) -> str:
    """A PostgreSQL error on one line, keeping its DETAIL and HINT (a client-side error, such as
    a failed connection, keeps all its lines)."""
    diag = exc.diag
    text = diag.message_primary or str(exc).strip() or type(exc).__name__
    if diag.message_detail:
        text += f" (DETAIL: {diag.message_detail})"
    if diag.message_hint:
        text += f" (HINT: {diag.message_hint})"
    return " ".join(text.split())


def one_line(exc: BaseException) -> str:
    """The first line of an error's text (psycopg errors carry DETAIL/HINT on later lines)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
