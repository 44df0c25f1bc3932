"""backfill: rewrite the existing rows through the trigger, in primary-key batches.

Each batch is one short transaction: ``set local lock_timeout``, then
``llm_model_ids.backfill_batch(after, limit)`` (which skips rows other transactions hold, lets
the trigger rewrite the rest and journals every change). Batches are keyed by the last id of
the previous batch, and rows already readable are not candidates, so a run that is killed and
started again finishes the rest and changes nothing twice. Rows skipped because they were locked
are retried once at the end of the run.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import psycopg
from psycopg.rows import class_row, scalar_row

from llm_model_ids.audit import AuditRow
from llm_model_ids.batches import DEFAULT_BATCH_SIZE, DEFAULT_LOCK_TIMEOUT, run_batch
from llm_model_ids.connection import error_text
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.preflight import Need, require_installed, require_privileges
from llm_model_ids.progress import BatchProgress, NullProgress
from llm_model_ids.queries import QUERIES

__all__ = ["DEFAULT_BATCH_SIZE", "DEFAULT_LOCK_TIMEOUT", "Backfill", "BackfillOptions", "preview"]
NEEDS: Final[list[Need]] = [
    ("schema", "llm_model_ids", "usage"),
    ("function", "llm_model_ids.backfill_batch", "execute"),
    ("table", "public.llm_models", "select"),
    ("table", "public.llm_models", "update"),
    ("table", "llm_model_ids.backfill_journal", "insert"),
]

Conn = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True)
class BatchRow:
    """One row of llm_model_ids.backfill_batch."""

    row_id: uuid.UUID
    old_model_id: str | None
    new_model_id: str | None
    outcome: str  # rewritten / unchanged / skipped_locked / error: <reason>


@dataclass(frozen=True)
class BackfillOptions:
    batch_size: int = DEFAULT_BATCH_SIZE
    lock_timeout: str = DEFAULT_LOCK_TIMEOUT
    max_rows: int | None = None
    sleep: float = 0.0  # seconds between batches
    retry_wait: float = 0.5  # seconds before the second pass over locked rows

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise LlmModelIdsError(f"--batch-size must be at least 1, not {self.batch_size}")
        if self.max_rows is not None and self.max_rows < 1:
            raise LlmModelIdsError(f"--max-rows must be at least 1, not {self.max_rows}")
        if self.sleep < 0:
            raise LlmModelIdsError(f"--sleep must be 0 or more, not {self.sleep}")


@dataclass(frozen=True)
class RowError:
    row_id: str
    model_id: str | None
    reason: str


@dataclass
class BackfillResult:
    scanned: int = 0
    rewritten: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    still_locked: list[str] = field(default_factory=list)
    retried_locked: int = 0  # rows skipped in the first pass and retried at the end
    batches: int = 0
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.still_locked

    def counts(self) -> dict[str, int]:
        return {
            "rewritten": self.rewritten,
            "unchanged": self.unchanged,
            "locked": len(self.still_locked),
            "errors": len(self.errors),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "skipped_locked": len(self.still_locked),
            "ok": self.ok,
            "rows_per_second": self.scanned / self.elapsed if self.elapsed else None,
        }


EXACT_COUNT_UP_TO: Final = 20_000  # rows; above, the total is estimated from a sample
SAMPLE_ROWS: Final = 20_000


@dataclass(frozen=True)
class SampleCount:
    matched: int
    sampled: int


def count_candidates(conn: Conn, *, exact: bool = False) -> tuple[int, bool]:
    """How many rows backfill_batch would examine (llm_model_ids.is_candidate, its own test)
    and whether the number is an estimate. On a big table it is estimated from a TABLESAMPLE
    SYSTEM sample of about 20k rows: it only sizes the progress bar and the ETA."""
    with conn.cursor(row_factory=scalar_row) as cursor:
        rows: int = cursor.execute(QUERIES.count_rows).fetchone() or 0
        if exact or rows <= EXACT_COUNT_UP_TO:
            candidates: int = cursor.execute(QUERIES.count_candidates).fetchone() or 0
            return candidates, False
    percent = min(100.0, 100.0 * SAMPLE_ROWS / rows)
    with conn.cursor(row_factory=class_row(SampleCount)) as cursor:
        sample = cursor.execute(QUERIES.sample_candidates, {"percent": percent}).fetchone()
    if sample is None or not sample.sampled:
        return count_candidates(conn, exact=True)
    return round(rows * sample.matched / sample.sampled), True


class Backfill:
    """One run. ``run()`` does the first pass in batches, then retries the locked rows."""

    def __init__(
        self, conn: Conn, options: BackfillOptions, progress: BatchProgress | None = None
    ) -> None:
        self.conn = conn
        self.options = options
        self.progress: BatchProgress = progress if progress is not None else NullProgress()
        self.result = BackfillResult()
        self._locked: list[uuid.UUID] = []

    def run(self) -> BackfillResult:
        require_installed(self.conn, enabled_trigger=True)
        require_privileges(self.conn, "backfill", NEEDS)
        started = time.monotonic()
        total, estimated = count_candidates(self.conn)
        if self.options.max_rows is not None:
            total = min(total, self.options.max_rows)
        self.progress.start(total, estimated=estimated)
        try:
            self._first_pass()
            if self._locked:
                self._second_pass()
        finally:
            self.result.elapsed = time.monotonic() - started
            self.progress.finish()
        return self.result

    def _first_pass(self) -> None:
        options, result = self.options, self.result
        after: uuid.UUID | None = None
        while options.max_rows is None or result.scanned < options.max_rows:
            limit = options.batch_size
            if options.max_rows is not None:
                limit = min(limit, options.max_rows - result.scanned)
            rows = self._batch(after, limit)
            for row in rows:
                self._record(row)
            result.scanned += len(rows)
            self.progress.advance(len(rows), self._counts())
            if len(rows) < limit:  # fewer candidates than asked: the end of the table
                break
            after = rows[-1].row_id
            if options.sleep:
                time.sleep(options.sleep)

    def _second_pass(self) -> None:
        """The rows skipped as locked, once more, in id order: each call starts right before
        the next of them, so rows between two locked ones are not scanned again."""
        pending = sorted(self._locked, key=lambda row_id: row_id.int)
        self._locked = []
        self.result.retried_locked = len(pending)
        self.progress.note(f"second pass over {len(pending):,} row(s) skipped because locked")
        time.sleep(self.options.retry_wait)
        while pending:
            wanted = {row_id.int for row_id in pending}
            limit = min(len(pending), self.options.batch_size)
            rows = self._batch(_predecessor(pending[0]), limit)
            returned = set()
            for row in rows:
                if row.row_id.int in wanted:
                    returned.add(row.row_id.int)
                    self._record(row)
                elif row.outcome == "rewritten":  # a candidate the first pass did not see
                    self.result.scanned += 1
                    self._record(row)
            if len(rows) < limit:  # the scan reached the end of the table
                covered, pending = pending, []
            else:
                last = rows[-1].row_id.int
                covered = [r for r in pending if r.int <= last]
                pending = [r for r in pending if r.int > last]
            # A retried row the batch went past is no longer a candidate: it was written
            # meanwhile, through the trigger.
            self.result.unchanged += sum(1 for r in covered if r.int not in returned)
            self.progress.advance(0, self._counts())
        self.result.still_locked = [str(row_id) for row_id in self._locked]

    def _record(self, row: BatchRow) -> None:
        if row.outcome == "rewritten":
            self.result.rewritten += 1
        elif row.outcome == "unchanged":
            self.result.unchanged += 1
        elif row.outcome == "skipped_locked":
            self._locked.append(row.row_id)
        else:
            reason = row.outcome.removeprefix("error: ")
            self.result.errors.append(RowError(str(row.row_id), row.old_model_id, reason))

    def _counts(self) -> dict[str, int]:
        counts = self.result.counts()
        counts["locked"] = len(self._locked)
        return counts

    def _batch(self, after: uuid.UUID | None, limit: int) -> list[BatchRow]:
        """One batch in its own transaction; a lock wait longer than lock_timeout is retried."""
        rows = run_batch(
            self.conn,
            QUERIES.backfill_batch,
            {"after": after, "limit": limit},
            BatchRow,
            command="backfill",
            where=f"after {after}" if after else "at the start",
            lock_timeout=self.options.lock_timeout,
            done=lambda: (
                f"{self.result.batches:,} batch(es) committed, "
                f"{self.result.rewritten:,} row(s) rewritten and kept"
            ),
            on_retry=self.progress.note,
        )
        self.result.batches += 1
        return rows


def _predecessor(row_id: uuid.UUID) -> uuid.UUID | None:
    """The uuid just before ``row_id`` in PostgreSQL's order (bytewise = as a 128-bit int)."""
    return uuid.UUID(int=row_id.int - 1) if row_id.int else None


# --------------------------------------------------------------------------- dry run


@dataclass
class Preview:
    """What a run would do, from the audit view: no locks, no writes."""

    counts: dict[str, int]  # rows to rewrite, by problem (location / opaque)
    refused: int  # of those, rows the trigger would refuse (metadata not a JSON object)
    lost_model_path: int  # rows backfill does not fix (reported by audit)
    pairs: list[AuditRow]
    max_rows: int | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total": self.total}


@dataclass(frozen=True)
class PreviewCount:
    problem: str
    count: int
    refused: int


def preview(conn: Conn, *, show: int, max_rows: int | None = None) -> Preview:
    require_installed(conn, enabled_trigger=True)
    counts = {"location": 0, "opaque": 0}
    refused = lost = 0
    try:
        with conn.transaction():
            conn.execute(QUERIES.read_only_snapshot)
            with conn.cursor(row_factory=class_row(PreviewCount)) as cursor:
                for found in cursor.execute(QUERIES.backfill_preview_counts):
                    if found.problem == "lost_model_path":
                        lost = found.count
                    else:
                        counts[found.problem] = found.count
                        refused += found.refused
            with conn.cursor(row_factory=class_row(AuditRow)) as cursor:
                pairs = cursor.execute(QUERIES.backfill_preview_pairs, {"show": show}).fetchall()
    except psycopg.errors.InsufficientPrivilege as exc:
        raise LlmModelIdsError(
            f"{error_text(exc)}: run backfill as the owner of public.llm_models"
        ) from exc
    return Preview(counts, refused, lost, pairs, max_rows)
