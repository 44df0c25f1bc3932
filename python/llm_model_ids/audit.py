"""audit: the rows the rules would still change, and rewritten rows that lost their load path.

Everything comes from the SQL view ``llm_model_ids.audit`` (the rules are not re-implemented
here); the trigger's state comes from :func:`llm_model_ids.preflight.read_status`. How a report
looks (table, CSV, JSON) is :mod:`llm_model_ids.render`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Final

import psycopg
from psycopg.rows import class_row

from llm_model_ids.connection import error_text
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.preflight import Status, require_installed
from llm_model_ids.queries import QUERIES

#: The view's problem column: rules would rewrite a location / opaque id; or model_path was lost.
PROBLEMS: Final = ("location", "opaque", "lost_model_path")
PROBLEM_TEXT: Final = {
    "location": "model_id is a location (path/URI) the rules would rewrite",
    "opaque": "model_id is an opaque id (self-hosted engine) the rules would rewrite",
    "lost_model_path": "model_id was rewritten but metadata.model_path is gone",
}

Conn = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True)
class AuditRow:
    """One row of the view llm_model_ids.audit (values as the API users wrote them: escape
    them before printing them on a terminal, see :mod:`llm_model_ids.terminal`)."""

    id: str
    provider: str | None
    name: str | None
    model_id: str | None
    proposed_model_id: str | None
    rule: str | None
    problem: str


@dataclass(frozen=True)
class ProblemCount:
    problem: str
    count: int


COLUMNS: Final = tuple(f.name for f in fields(AuditRow))


@dataclass
class AuditReport:
    counts: dict[str, int]
    rows: list[AuditRow]
    limit: int | None
    status: Status
    trigger_ok: bool = field(init=False)

    def __post_init__(self) -> None:
        self.trigger_ok = self.status.healthy

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def truncated(self) -> bool:
        return len(self.rows) < self.total

    @property
    def clean(self) -> bool:
        """Nothing to fix: no row listed by the view and the triggers installed and enabled."""
        return self.total == 0 and self.trigger_ok

    def as_dict(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "total": self.total,
            "counts": self.counts,
            "limit": self.limit,
            "truncated": self.truncated,
            "trigger": {
                "installed": self.status.installed,
                "version": self.status.version,
                "enabled": self.trigger_ok,
                "triggers": self.status.triggers,
            },
            "rows": [asdict(row) for row in self.rows],
        }


def read_audit(conn: Conn, *, limit: int | None = 50) -> AuditReport:
    """Counts by problem and the first ``limit`` rows (every row when None) of the audit view,
    read in one read-only snapshot."""
    status = require_installed(conn, enabled_trigger=False)
    try:
        with conn.transaction():
            conn.execute(QUERIES.read_only_snapshot)
            counts = dict.fromkeys(PROBLEMS, 0)
            with conn.cursor(row_factory=class_row(ProblemCount)) as cursor:
                for found in cursor.execute(QUERIES.audit_counts):
                    counts[found.problem] = found.count
            rows: list[AuditRow] = []
            if sum(counts.values()) and limit != 0:
                with conn.cursor(row_factory=class_row(AuditRow)) as cursor:
                    rows = cursor.execute(QUERIES.audit_rows, {"limit": limit}).fetchall()
    except psycopg.errors.InsufficientPrivilege as exc:
        raise LlmModelIdsError(
            f"{error_text(exc)}: run audit as the owner of public.llm_models "
            "(the audit view is not granted to the API roles)"
        ) from exc
    return AuditReport(counts=counts, rows=rows, limit=limit, status=status)
