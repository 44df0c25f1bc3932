"""One batch of `backfill` or `restore`: its own transaction with a lock_timeout, retried when its
locks are not granted in time, and any other failure turned into a one-line error that says what
was kept."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Final, LiteralString, TypeVar

import psycopg
from psycopg.rows import class_row

from llm_model_ids.connection import error_text
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.queries import QUERIES

DEFAULT_BATCH_SIZE: Final = 1000  # rows per batch of backfill and restore
DEFAULT_LOCK_TIMEOUT: Final = "2s"
LOCK_ATTEMPTS: Final = 3  # a batch that cannot get its locks is retried, then the run stops

Row = TypeVar("Row")


def run_batch(
    conn: psycopg.Connection[Any],
    query: LiteralString,
    params: Mapping[str, Any],
    row_type: type[Row],
    *,
    command: str,
    where: str,
    lock_timeout: str,
    done: Callable[[], str],
    on_retry: Callable[[str], None] | None = None,
) -> list[Row]:
    """The rows of `query` (a call of backfill_batch or restore_batch) as ``row_type``
    instances, in one transaction."""
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            with conn.transaction(), conn.cursor(row_factory=class_row(row_type)) as cursor:
                cursor.execute(QUERIES.set_lock_timeout, {"lock_timeout": lock_timeout})
                return cursor.execute(query, params).fetchall()
        except psycopg.errors.LockNotAvailable as exc:
            if attempt == LOCK_ATTEMPTS:
                raise LlmModelIdsError(
                    f"the batch {where} waited longer than lock_timeout {lock_timeout} "
                    f"{LOCK_ATTEMPTS} times ({error_text(exc)}): a long transaction or DDL holds "
                    f"public.llm_models; {done()}; run {command} again later to resume"
                ) from exc
            if on_retry:
                on_retry(
                    f"the batch {where} could not get its locks within {lock_timeout}; retrying"
                )
            time.sleep(0.5 * attempt)
        except psycopg.Error as exc:
            raise batch_failure(exc, command=command, where=where, done=done()) from exc
    raise AssertionError("unreachable")


def batch_failure(exc: psycopg.Error, *, command: str, where: str, done: str) -> LlmModelIdsError:
    text = error_text(exc)
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return LlmModelIdsError(f"{text}: run {command} as the owner of public.llm_models")
    if isinstance(exc, psycopg.errors.InvalidParameterValue) and "lock_timeout" in text:
        return LlmModelIdsError(f"--lock-timeout: {text}")
    if isinstance(exc, psycopg.OperationalError):
        return LlmModelIdsError(
            f"connection lost during the batch {where} ({text}); {done}; "
            f"run {command} again to finish the rest"
        )
    return LlmModelIdsError(f"the batch {where} failed and was rolled back ({text}); {done}")
