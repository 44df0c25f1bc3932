"""restore: the undo of backfill, from the journal, through ``llm_model_ids.restore_batch``.

Batches go in journal order, each its own short transaction with ``set local lock_timeout``.
restore_batch puts model_id and metadata back exactly as the journal recorded them (with the
trigger bypassed) for rows still as backfill left them, and reports the others. The newest entry
of a row is undone first, so a row backfilled twice needs a second pass; rows skipped because
locked are retried once at the end.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import psycopg
from psycopg.rows import class_row, scalar_row

from llm_model_ids.batches import DEFAULT_BATCH_SIZE, DEFAULT_LOCK_TIMEOUT, run_batch
from llm_model_ids.connection import error_text
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.preflight import Need, require_installed, require_privileges
from llm_model_ids.progress import BatchProgress, NullProgress
from llm_model_ids.queries import QUERIES

OUTCOMES: Final = ("restored", "changed_since_backfill", "skipped_locked", "row_deleted")
MAX_PASSES: Final = 5
NEEDS: Final[list[Need]] = [
    ("schema", "llm_model_ids", "usage"),
    ("function", "llm_model_ids.restore_batch", "execute"),
    ("table", "public.llm_models", "select"),
    ("table", "public.llm_models", "update"),
    ("table", "llm_model_ids.backfill_journal", "select"),
    ("table", "llm_model_ids.backfill_journal", "update"),
]

Conn = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True)
class BatchRow:
    """One row of llm_model_ids.restore_batch."""

    journal_id: int
    row_id: uuid.UUID
    model_id: str | None  # restored: the original; otherwise the row's current model_id
    outcome: str  # one of OUTCOMES


@dataclass(frozen=True)
class RestoreOptions:
    batch_size: int = DEFAULT_BATCH_SIZE
    lock_timeout: str = DEFAULT_LOCK_TIMEOUT
    ids: tuple[uuid.UUID, ...] | None = None
    provider: str | None = None
    retry_wait: float = 0.5

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise LlmModelIdsError(f"--batch-size must be at least 1, not {self.batch_size}")

    def filters(self) -> dict[str, Any]:
        """The parameters %(ids)s and %(provider)s of the restore queries."""
        return {"ids": list(self.ids) if self.ids is not None else None, "provider": self.provider}


@dataclass(frozen=True)
class Entry:
    journal_id: int
    row_id: str
    model_id: str | None  # restored: the original; otherwise the row's current model_id
    outcome: str


@dataclass
class RestoreResult:
    entries: dict[int, Entry] = field(default_factory=dict)  # final outcome per journal entry
    batches: int = 0
    passes: int = 0
    elapsed: float = 0.0

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for entry in self.entries.values():
            counts[entry.outcome] = counts.get(entry.outcome, 0) + 1
        return counts

    def not_restored(self) -> list[Entry]:
        return [
            e
            for e in self.entries.values()
            if e.outcome in ("changed_since_backfill", "skipped_locked")
        ]

    @property
    def ok(self) -> bool:
        return not self.not_restored()

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "ok": self.ok,
            "not_restored": [asdict(e) for e in self.not_restored()],
            "batches": self.batches,
            "elapsed": self.elapsed,
        }


def count_pending(conn: Conn, options: RestoreOptions) -> int:
    """Journal entries not restored yet that match the filters (every entry of a row)."""
    with conn.cursor(row_factory=scalar_row) as cursor:
        count: int | None = cursor.execute(
            QUERIES.restore_pending_count, options.filters()
        ).fetchone()
    return count or 0


class Restore:
    def __init__(
        self, conn: Conn, options: RestoreOptions, progress: BatchProgress | None = None
    ) -> None:
        self.conn = conn
        self.options = options
        self.progress: BatchProgress = progress if progress is not None else NullProgress()
        self.result = RestoreResult()

    def run(self) -> RestoreResult:
        require_installed(self.conn, enabled_trigger=False)
        require_privileges(self.conn, "restore", NEEDS)
        started = time.monotonic()
        self.progress.start(count_pending(self.conn, self.options))
        retried_locks = False
        try:
            while self.result.passes < MAX_PASSES:
                restored = self._pass()
                counts = self.result.counts()
                if counts["skipped_locked"] and not retried_locks:
                    retried_locks = True
                    self.progress.note(
                        f"another pass for {counts['skipped_locked']:,} locked row(s)"
                    )
                    time.sleep(self.options.retry_wait)
                    continue
                if not restored or not self._unseen_pending():
                    break
        finally:
            self.result.elapsed = time.monotonic() - started
            self.progress.finish()
        return self.result

    def _unseen_pending(self) -> bool:
        """Entries never reported yet (older entries of rows just restored)."""
        left = sum(1 for e in self.result.entries.values() if e.outcome != "restored")
        return count_pending(self.conn, self.options) > left

    def _pass(self) -> int:
        self.result.passes += 1
        after: int | None = None
        restored = 0
        while True:
            rows = self._batch(after)
            new = 0
            for row in rows:
                new += row.journal_id not in self.result.entries
                self.result.entries[row.journal_id] = Entry(
                    row.journal_id, str(row.row_id), row.model_id, row.outcome
                )
                restored += row.outcome == "restored"
            self.progress.advance(new, self.result.counts())
            if len(rows) < self.options.batch_size:
                return restored
            after = rows[-1].journal_id

    def _batch(self, after: int | None) -> list[BatchRow]:
        rows = run_batch(
            self.conn,
            QUERIES.restore_batch,
            {"after": after, "limit": self.options.batch_size, **self.options.filters()},
            BatchRow,
            command="restore",
            where=f"after journal entry {after}" if after else "at the start",
            lock_timeout=self.options.lock_timeout,
            done=lambda: f"{self.result.counts()['restored']:,} row(s) restored and kept",
        )
        self.result.batches += 1
        return rows


# --------------------------------------------------------------------------- dry run


@dataclass(frozen=True)
class PreviewEntry:
    journal_id: int
    row_id: str
    provider: str | None
    current_model_id: str | None
    original_model_id: str | None
    would: str  # restored / changed_since_backfill / row_deleted


@dataclass(frozen=True)
class WouldCount:
    would: str
    count: int


@dataclass
class RestorePreview:
    counts: dict[str, int]
    entries: list[PreviewEntry]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def preview(conn: Conn, options: RestoreOptions, *, show: int) -> RestorePreview:
    """What restore would do (the newest un-restored entry of each row): no locks, no writes."""
    require_installed(conn, enabled_trigger=False)
    params = {**options.filters(), "show": show}
    counts = {"restored": 0, "changed_since_backfill": 0, "row_deleted": 0}
    try:
        with conn.transaction():
            conn.execute(QUERIES.read_only_snapshot)
            with conn.cursor(row_factory=class_row(WouldCount)) as cursor:
                for found in cursor.execute(QUERIES.restore_preview_counts, params):
                    counts[found.would] = found.count
            with conn.cursor(row_factory=class_row(PreviewEntry)) as cursor:
                entries = cursor.execute(QUERIES.restore_preview_entries, params).fetchall()
    except psycopg.errors.InsufficientPrivilege as exc:
        raise LlmModelIdsError(
            f"{error_text(exc)}: run restore as the owner of public.llm_models"
        ) from exc
    return RestorePreview(counts, entries)


def parse_ids(text: str) -> tuple[uuid.UUID, ...]:
    """``--ids a,b,c``: comma-separated row ids (uuids)."""
    ids: list[uuid.UUID] = []
    for part in text.split(","):
        if part.strip():
            try:
                ids.append(uuid.UUID(part.strip()))
            except ValueError:
                raise ValueError(f"not a uuid: {part.strip()!r}") from None
    if not ids:
        raise ValueError("no id given")
    return tuple(dict.fromkeys(ids))
