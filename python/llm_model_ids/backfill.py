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

from llm_model_ids.audit import AuditRow
from llm_model_ids.batches import DEFAULT_BATCH_SIZE, run_batch
from llm_model_ids.connection import one_line
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.progress import BatchProgress, NullProgress
from llm_model_ids.status import Need, require_installed, require_privileges

DEFAULT_LOCK_TIMEOUT: Final = "2s"
NEEDS: Final[list[Need]] = [
    ("schema", "llm_model_ids", "usage"),
    ("function", "llm_model_ids.backfill_batch", "execute"),
    ("table", "public.llm_models", "select"),
    ("table", "public.llm_models", "update"),
    ("table", "llm_model_ids.backfill_journal", "insert"),
]

Conn = psycopg.Connection[tuple[object, ...]]
BatchRow = tuple[uuid.UUID, str | None, str | None, str]  # row_id, old, new, outcome


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


_CANDIDATE = (
    "llm_model_ids.is_location(llm_model_ids.trim_ws(t.model_id))"
    " or (llm_model_ids.is_opaque(llm_model_ids.trim_ws(t.model_id))"
    '     and pg_catalog.lower(llm_model_ids.trim_ws(t.provider) collate "C")'
    "         operator(pg_catalog.=) any (llm_model_ids.self_hosted_providers()))"
)
EXACT_COUNT_UP_TO: Final = 20_000  # rows; above, the total is estimated from a sample
SAMPLE_ROWS: Final = 20_000


def count_candidates(conn: Conn, *, exact: bool = False) -> tuple[int, bool]:
    """How many rows backfill_batch would examine (its candidate test) and whether the number
    is an estimate. On a big table it is estimated from a TABLESAMPLE SYSTEM sample of about
    20k rows: it only sizes the progress bar and the ETA."""
    row = conn.execute("select count(*) from public.llm_models").fetchone()
    rows = int(str(row[0])) if row else 0
    if exact or rows <= EXACT_COUNT_UP_TO:
        query = "select count(*) from public.llm_models t where " + _CANDIDATE
        row = conn.execute(query).fetchone()
        return (int(str(row[0])) if row else 0), False
    percent = min(100.0, 100.0 * SAMPLE_ROWS / rows)
    query = (
        "select count(*) filter (where " + _CANDIDATE + "), count(*)"
        "  from public.llm_models t tablesample system (%s) repeatable (0)"
    )
    row = conn.execute(query, [percent]).fetchone()
    matched, sampled = (int(str(v)) for v in row) if row else (0, 0)
    if not sampled:
        return count_candidates(conn, exact=True)
    return round(rows * matched / sampled), True


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
            after = rows[-1][0]
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
                if row[0].int in wanted:
                    returned.add(row[0].int)
                    self._record(row)
                elif row[3] == "rewritten":  # a candidate the first pass did not see
                    self.result.scanned += 1
                    self._record(row)
            if len(rows) < limit:  # the scan reached the end of the table
                covered, pending = pending, []
            else:
                last = rows[-1][0].int
                covered = [r for r in pending if r.int <= last]
                pending = [r for r in pending if r.int > last]
            # A retried row the batch went past is no longer a candidate: it was written
            # meanwhile, through the trigger.
            self.result.unchanged += sum(1 for r in covered if r.int not in returned)
            self.progress.advance(0, self._counts())
        self.result.still_locked = [str(row_id) for row_id in self._locked]

    def _record(self, row: BatchRow) -> None:
        row_id, old_model_id, _new, outcome = row
        if outcome == "rewritten":
            self.result.rewritten += 1
        elif outcome == "unchanged":
            self.result.unchanged += 1
        elif outcome == "skipped_locked":
            self._locked.append(row_id)
        else:
            reason = outcome.removeprefix("error: ")
            self.result.errors.append(RowError(str(row_id), old_model_id, reason))

    def _counts(self) -> dict[str, int]:
        counts = self.result.counts()
        counts["locked"] = len(self._locked)
        return counts

    def _batch(self, after: uuid.UUID | None, limit: int) -> list[BatchRow]:
        """One batch in its own transaction; a lock wait longer than lock_timeout is retried."""
        rows: list[BatchRow] = run_batch(
            self.conn,
            "select row_id, old_model_id, new_model_id, outcome"
            "  from llm_model_ids.backfill_batch(%s, %s)",
            [after, limit],
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


def preview(conn: Conn, *, show: int, max_rows: int | None = None) -> Preview:
    require_installed(conn, enabled_trigger=True)
    counts = {"location": 0, "opaque": 0}
    refused = lost = 0
    try:
        with conn.transaction():
            conn.execute("set transaction isolation level repeatable read, read only")
            for problem, count, bad in conn.execute(
                "select a.problem, count(*),"
                "       count(*) filter (where pg_catalog.jsonb_typeof(t.metadata)"
                "                              not in ('object', 'null'))"
                "  from llm_model_ids.audit a join public.llm_models t on t.id = a.id"
                " group by a.problem"
            ):
                if problem == "lost_model_path":
                    lost = int(str(count))
                else:
                    counts[str(problem)] = int(str(count))
                    refused += int(str(bad))
            cursor = conn.execute(
                "select id::text, provider, name, model_id, proposed_model_id, rule, problem"
                "  from llm_model_ids.audit where problem in ('location', 'opaque')"
                " order by id limit %s",
                [show],
            )
            pairs = [AuditRow(*row) for row in cursor]  # type: ignore[arg-type]
    except psycopg.errors.InsufficientPrivilege as exc:
        raise LlmModelIdsError(
            f"{one_line(exc)}: run backfill as the owner of public.llm_models"
        ) from exc
    return Preview(counts, refused, lost, pairs, max_rows)
