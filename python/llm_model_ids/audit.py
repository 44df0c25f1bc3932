"""audit: the rows the rules would still change, and rewritten rows that lost their load path.

Everything comes from the SQL view ``llm_model_ids.audit`` (the rules are not re-implemented
here); the trigger's state comes from :func:`llm_model_ids.status.read_status`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Final

import psycopg
from rich.console import Console
from rich.table import Table

from llm_model_ids.connection import one_line
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.status import Status, require_installed

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
    id: str
    provider: str | None
    name: str | None
    model_id: str | None
    proposed_model_id: str | None
    rule: str | None
    problem: str


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
    """Counts by problem and the first ``limit`` rows (all when None) of the audit view, read
    in one read-only snapshot."""
    status = require_installed(conn, enabled_trigger=False)
    try:
        with conn.transaction():
            conn.execute("set transaction isolation level repeatable read, read only")
            counts = dict.fromkeys(PROBLEMS, 0)
            for problem, count in conn.execute(
                "select problem, count(*) from llm_model_ids.audit group by problem"
            ):
                counts[str(problem)] = int(str(count))
            rows: list[AuditRow] = []
            if sum(counts.values()) and limit != 0:
                cursor = conn.execute(
                    "select id::text, provider, name, model_id, proposed_model_id, rule, problem"
                    "  from llm_model_ids.audit order by problem, id limit %s",
                    [limit],
                )
                rows = [AuditRow(*map(_text, row)) for row in cursor]  # type: ignore[arg-type]
    except psycopg.errors.InsufficientPrivilege as exc:
        raise LlmModelIdsError(
            f"{one_line(exc)}: run audit as the owner of public.llm_models "
            "(the audit view is not granted to the API roles)"
        ) from exc
    return AuditReport(counts=counts, rows=rows, limit=limit, status=status)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def to_json(report: AuditReport) -> str:
    return json.dumps(report.as_dict(), indent=2, sort_keys=True)


def to_csv(report: AuditReport) -> str:
    """The listed rows, one CSV record each, with a header (counts are in the other formats)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in report.rows:
        writer.writerow(["" if value is None else value for value in asdict(row).values()])
    return out.getvalue()


_HEX_RUN: Final = re.compile(r"[0-9A-Fa-f-]{16,}")


def _abbreviate(segment: str) -> str:
    """``job_cb10bbcb-2725-…`` → ``job_cb10bbcb…``; a digest → its first 8 characters…"""
    match = _HEX_RUN.search(segment)
    if match is None or len(segment) <= 16:
        return segment
    return segment[: match.start() + 8] + "…"


def shorten(value: str | None, width: int = 60) -> str:
    """A long path made readable at a glance: uuids and digests abbreviated, then middle
    segments elided (``/home/…/logs/job_cb10bbcb…/checkpoint-1780``)."""
    if value is None:
        return "∅"
    if len(value) <= width:
        return value
    separator = "\\" if "\\" in value and "/" not in value else "/"
    parts = [_abbreviate(part) for part in value.split(separator)]
    head_size = 2 if parts[0] == "" else 1
    if len(parts) > 3 and parts[0].endswith(":") and parts[1] == "":  # scheme://host/...
        head_size = 3
    head, tail = parts[:head_size], parts[head_size:]
    candidate = separator.join(parts)
    while len(tail) > 1 and len(candidate) > width:
        tail = tail[1:]
        candidate = separator.join([*head, "…", *tail])
    if len(candidate) <= width:
        return candidate
    keep = width - 1
    return value[: keep // 2] + "…" + value[len(value) - (keep - keep // 2) :]


def render(report: AuditReport, console: Console) -> None:
    """The human report: trigger state, counts, then a table of the listed rows."""
    state = "enabled" if report.trigger_ok else _trigger_problem(report.status)
    version = f" (llm-model-ids {report.status.version})" if report.status.version else ""
    console.print(f"trigger: {state}{version}")
    if report.total == 0:
        console.print("audit: clean, no row to fix")
        return
    counts = ", ".join(f"{problem} {n:,}" for problem, n in report.counts.items() if n)
    console.print(f"audit: {report.total:,} row(s) to fix: {counts}")
    if not report.rows:
        return
    if console.width < 120:
        _render_list(report.rows, console)
    else:
        console.print(_table(report.rows, console.width))
    if report.truncated:
        console.print(f"(first {len(report.rows):,} of {report.total:,}; use --limit to see more)")


def _proposed(row: AuditRow) -> str:
    if row.problem == "lost_model_path":
        return "(model_path lost)"
    return row.proposed_model_id or ""


def _table(rows: list[AuditRow], width: int) -> Table:
    """id, rule and problem are never cut (a DBA needs the id whole); the model ids share the
    rest of the width."""
    fixed = {"id": 36, "provider": 8, "rule": 13, "problem": 15}
    spare = max(width - sum(fixed.values()) - 19, 24)
    widths = {
        "id": fixed["id"],
        "provider": fixed["provider"],
        "model_id": spare * 11 // 20,
        "proposed model_id": spare - spare * 11 // 20,
        "rule": fixed["rule"],
        "problem": fixed["problem"],
    }
    table = Table(header_style="bold")
    for column, column_width in widths.items():
        table.add_column(
            column,
            no_wrap=True,
            overflow="ellipsis",
            min_width=column_width,
            max_width=column_width,
        )
    for row in rows:
        table.add_row(
            row.id,
            row.provider or "",
            shorten(row.model_id, widths["model_id"]),
            _proposed(row),
            row.rule or "",
            row.problem,
        )
    return table


def _render_list(rows: list[AuditRow], console: Console) -> None:
    """Two lines per row, for narrow terminals."""
    for row in rows:
        console.print(
            f"{row.id}  {row.provider or ''}  {row.problem}  {row.rule or ''}", markup=False
        )
        model_id = shorten(row.model_id, max(console.width - 40, 24))
        console.print(
            f"  {model_id} → {_proposed(row)}", markup=False, no_wrap=True, overflow="ellipsis"
        )


def _trigger_problem(status: Status) -> str:
    if not status.installed:
        return "not installed"
    broken = [f"{name} {state}" for name, state in status.triggers.items() if state != "enabled"]
    return "NOT enabled: " + ", ".join(broken)
