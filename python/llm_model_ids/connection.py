"""Connecting: --dsn or DATABASE_URL, with failures turned into one-line errors."""

from __future__ import annotations

import os

import psycopg

from llm_model_ids.errors import LlmModelIdsError


def resolve_dsn(dsn: str | None) -> str:
    resolved = dsn or os.environ.get("DATABASE_URL")
    if not resolved:
        raise LlmModelIdsError("no database given: pass --dsn or set DATABASE_URL")
    return resolved


def connect(dsn: str, *, autocommit: bool = True) -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(dsn, autocommit=autocommit, connect_timeout=10)
    except psycopg.Error as exc:
        raise LlmModelIdsError(f"cannot connect to the database: {one_line(exc)}") from exc


def one_line(exc: BaseException) -> str:
    """The first line of an error's text (psycopg errors carry DETAIL/HINT on later lines)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
