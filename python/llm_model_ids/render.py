"""How results look: the text, tables, CSV and JSON of audit, backfill and restore.

Library code, used by the commands and the demo (it never imports ``llm_model_ids.commands``).

Two rules hold everywhere here:

- Values written by API users (model ids, names, paths, providers) go through
  :func:`llm_model_ids.terminal.escape` before they are printed (table, plain text and CSV), and
  reach rich as :class:`rich.text.Text`, never as markup: an ``ESC[2K``, an OSC title sequence
  or a ``[bold]`` in a name is shown, not obeyed. JSON escapes control characters itself.
- Results go to ``out``; every "not done" line (a row the trigger refused, a row still locked,
  an entry not restored) goes to ``err``, so that ``> /dev/null`` keeps the problems.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Final, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from llm_model_ids.audit import COLUMNS, AuditReport, AuditRow
from llm_model_ids.backfill import BackfillResult, Preview
from llm_model_ids.preflight import Status
from llm_model_ids.progress import rate_text
from llm_model_ids.restore import RestorePreview, RestoreResult
from llm_model_ids.terminal import escape

__all__ = [
    "SHOW_ERRORS",
    "Column",
    "before_after_table",
    "escape",
    "print_preview",
    "print_restore_preview",
    "print_restore_summary",
    "print_summary",
    "render",
    "shorten",
    "to_csv",
    "to_json",
    "write_csv",
]

SHOW_ERRORS: Final = 20  # "not done" lines printed one by one; the rest are counted

_HEX_RUN: Final = re.compile(r"[0-9A-Fa-f-]{16,}")


# --------------------------------------------------------------------------- values


def _abbreviate(segment: str) -> str:
    """``job_cb10bbcb-2725-…`` → ``job_cb10bbcb…``; a digest → its first 8 characters…"""
    match = _HEX_RUN.search(segment)
    if match is None or len(segment) <= 16:
        return segment
    return segment[: match.start() + 8] + "…"


def _shorten_raw(value: str, width: int) -> str:
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


def shorten(value: str | None, width: int = 60) -> str:
    """A long path made readable at a glance and safe to print: uuids and digests abbreviated,
    then middle segments elided (``/home/…/logs/job_cb10bbcb…/checkpoint-1780``), control
    characters escaped (a value holding some may then be a little longer than ``width``)."""
    if value is None:
        return "∅"
    return escape(_shorten_raw(value, max(width, 8)))


def _text(value: str | None, empty: str = "") -> Text:
    """A table cell: the value escaped, as plain text (never rich markup)."""
    return Text(empty if value is None else escape(value))


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Column:
    """A column of a fitted table: never narrower than ``min_width``. ``grow`` is its share of
    the width a wider terminal adds. ``whole`` columns (ids) are never cut or wrapped; the
    others wrap (fold) a value longer than the column."""

    header: str
    min_width: int
    grow: int = 0
    whole: bool = False


def table_width(columns: Sequence[Column]) -> int:
    """The narrowest terminal a table of these columns fits in (rich's default box: one
    border plus three characters per column)."""
    return sum(column.min_width for column in columns) + 3 * len(columns) + 1


def column_widths(columns: Sequence[Column], width: int) -> list[int]:
    """Each column's width on a terminal ``width`` wide (at least ``table_width(columns)``):
    the minimums, plus the spare width shared by ``grow``."""
    spare = max(width - table_width(columns), 0)
    shares = sum(column.grow for column in columns) or 1
    widths = [column.min_width + spare * column.grow // shares for column in columns]
    growing = [i for i, column in enumerate(columns) if column.grow]
    if growing:  # what the integer division left over goes to the first growing column
        widths[growing[0]] += spare - sum(widths) + sum(c.min_width for c in columns)
    return widths


def fitted_table(
    columns: Sequence[Column], widths: Sequence[int], rows: Iterable[Sequence[Text]]
) -> Table:
    """A table whose columns have exactly ``widths`` (from :func:`column_widths`): no column
    is ever squeezed to nothing, whatever the values."""
    table = Table(header_style="bold")
    for column, column_width in zip(columns, widths, strict=True):
        table.add_column(
            column.header,
            min_width=column_width,
            max_width=column_width,
            no_wrap=column.whole,
            overflow="ellipsis" if column.whole else "fold",
        )
    for row in rows:
        table.add_row(*row)
    return table


def _plain(console: Console, text: str | Text) -> None:
    """A line of our own text (values in it already escaped): never markup, never emoji codes,
    never highlighted; wrapped at the console's width."""
    console.print(text, markup=False, emoji=False, highlight=False)


# --------------------------------------------------------------------------- audit


def to_json(report: AuditReport) -> str:
    return json.dumps(report.as_dict(), indent=2, sort_keys=True)


def write_csv(rows: Iterable[AuditRow], out: TextIO) -> None:
    """The rows, one CSV record each, with a header; values escaped like the table's."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if value is None else escape(value) for value in asdict(row).values()])


def to_csv(report: AuditReport) -> str:
    """The listed rows as CSV (the counts are in the other formats)."""
    out = io.StringIO()
    write_csv(report.rows, out)
    return out.getvalue()


_AUDIT_COLUMNS: Final = (
    Column("id", 36, whole=True),
    Column("provider", 8),
    Column("model_id", 22, grow=11),
    Column("proposed model_id", 18, grow=9),
    Column("rule", 13),
    Column("problem", 15, whole=True),
)


def render(report: AuditReport, console: Console) -> None:
    """The human report: trigger state, counts, then the listed rows: a table on a wide
    terminal, two lines per row on a narrow one (ids are never cut)."""
    state = "enabled" if report.trigger_ok else _trigger_problem(report.status)
    version = f" (llm-model-ids {report.status.version})" if report.status.version else ""
    _plain(console, f"trigger: {state}{version}")
    if report.total == 0:
        _plain(console, "audit: clean, no row to fix")
        return
    counts = ", ".join(f"{problem} {n:,}" for problem, n in report.counts.items() if n)
    _plain(console, f"audit: {report.total:,} row(s) to fix: {counts}")
    if not report.rows:
        return
    if console.width >= table_width(_AUDIT_COLUMNS):
        console.print(_audit_table(report.rows, console.width))
    else:
        _audit_list(report.rows, console)
    if report.truncated:
        more = report.total - len(report.rows)
        _plain(
            console,
            f"(first {len(report.rows):,} of {report.total:,}; {more:,} more: --limit N to "
            "list more, --format csv or json for every row)",
        )


def _proposed(row: AuditRow) -> str:
    if row.problem == "lost_model_path":
        return "(model_path lost)"
    return escape(row.proposed_model_id or "")


def _audit_table(rows: list[AuditRow], width: int) -> Table:
    """id, rule and problem are never cut (a DBA needs the id whole); the model ids share the
    rest of the width."""
    widths = column_widths(_AUDIT_COLUMNS, width)
    return fitted_table(
        _AUDIT_COLUMNS,
        widths,
        (
            (
                Text(row.id),
                _text(row.provider),
                Text(shorten(row.model_id, widths[2])),
                Text(_proposed(row)),
                _text(row.rule),
                _text(row.problem),
            )
            for row in rows
        ),
    )


def _audit_list(rows: list[AuditRow], console: Console) -> None:
    """Two lines per row, for narrow terminals: every field, the long ones shortened."""
    for row in rows:
        _plain(
            console,
            f"{row.id}  {escape(row.provider or '')}  {row.problem}  {escape(row.rule or '')}",
        )
        model_id = shorten(row.model_id, max(console.width - 40, 24))
        console.print(
            Text(f"  {model_id} → {_proposed(row)}"),
            no_wrap=True,
            overflow="ellipsis",
            highlight=False,
        )


def _trigger_problem(status: Status) -> str:
    if not status.installed:
        return "not installed"
    broken = [f"{name} {state}" for name, state in status.triggers.items() if state != "enabled"]
    return "NOT enabled: " + ", ".join(broken)


# --------------------------------------------------------------------------- backfill


def print_preview(preview: Preview, console: Console) -> None:
    """backfill --dry-run: counts, then the first before/after pairs."""
    _plain(console, "backfill --dry-run: nothing is written and no row is locked")
    if preview.total == 0:
        _plain(console, "would rewrite no row: every model_id is already readable")
    else:
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in preview.counts.items() if n)
        _plain(console, f"would rewrite {preview.total:,} row(s) ({kinds})")
        if preview.refused:
            _plain(
                console,
                f"{preview.refused:,} of them would be refused and reported "
                "(metadata is not a JSON object)",
            )
        if preview.max_rows is not None and preview.max_rows < preview.total:
            _plain(console, f"--max-rows {preview.max_rows:,}: this run would stop after that many")
        if console.width >= table_width(_PAIR_COLUMNS):
            console.print(before_after_table(preview, console))
        else:
            _pair_list(preview, console)
        if len(preview.pairs) < preview.total:
            _plain(
                console,
                f"(first {len(preview.pairs):,} of {preview.total:,}; --show N for more)",
            )
    if preview.lost_model_path:
        _plain(
            console,
            f"not fixed by backfill: {preview.lost_model_path:,} row(s) lost metadata.model_path "
            "(see llm-model-ids audit)",
        )


_PAIR_COLUMNS: Final = (
    Column("id", 36, whole=True),
    Column("model_id before", 20, grow=11),
    Column("", 1, whole=True),
    Column("model_id after", 16, grow=9),
    Column("rule", 13),
)


def before_after_table(preview: Preview, console: Console) -> Table:
    widths = column_widths(_PAIR_COLUMNS, console.width)
    return fitted_table(
        _PAIR_COLUMNS,
        widths,
        (
            (
                Text(pair.id),
                Text(shorten(pair.model_id, widths[1])),
                Text("→"),
                _text(pair.proposed_model_id),
                _text(pair.rule),
            )
            for pair in preview.pairs
        ),
    )


def _pair_list(preview: Preview, console: Console) -> None:
    for pair in preview.pairs:
        _plain(console, f"{pair.id}  {escape(pair.rule or '')}")
        before = shorten(pair.model_id, max(console.width // 2, 24))
        _plain(console, f"  {before} → {escape(pair.proposed_model_id or '')}")


def print_summary(result: BackfillResult, console: Console, err: Console | None = None) -> None:
    """The end of a backfill: the counts on ``console``; each refused row and the rows still
    locked on ``err`` (default: ``console``)."""
    err = err if err is not None else console
    _plain(
        console,
        f"backfill: {result.scanned:,} row(s) scanned in {result.elapsed:.1f}s "
        f"({rate_text(result.scanned, result.elapsed)}): {result.rewritten:,} rewritten, "
        f"{result.unchanged:,} unchanged, {len(result.still_locked):,} skipped because locked, "
        f"{len(result.errors):,} error(s)",
    )
    if result.retried_locked:
        done = result.retried_locked - len(result.still_locked)
        _plain(
            console,
            f"second pass: {done:,} of {result.retried_locked:,} locked row(s) done on retry",
        )
    for error in result.errors[:SHOW_ERRORS]:
        _plain(
            err,
            f"error: row {error.row_id}: {escape(error.reason)} "
            f"(model_id {shorten(error.model_id)})",
        )
    if len(result.errors) > SHOW_ERRORS:
        _plain(err, f"error: ... and {len(result.errors) - SHOW_ERRORS:,} more refused row(s)")
    if result.still_locked:
        shown = ", ".join(result.still_locked[:SHOW_ERRORS])
        more = len(result.still_locked) - SHOW_ERRORS
        more_text = f" and {more:,} more" if more > 0 else ""
        _plain(
            err,
            f"still locked (run backfill again to finish them): {shown}{more_text}",
        )


# --------------------------------------------------------------------------- restore


_RESTORE_COLUMNS: Final = (
    Column("journal", 10),
    Column("row id", 36, whole=True),
    Column("model_id now", 16, grow=1),
    Column("", 1, whole=True),
    Column("model_id restored", 20, grow=1),
    Column("would", 22, whole=True),
)


def print_restore_preview(preview: RestorePreview, console: Console) -> None:
    """restore --dry-run: counts, then the first entries (a table, or two lines each when the
    terminal is narrow)."""
    _plain(console, "restore --dry-run: nothing is written and no row is locked")
    if not preview.total:
        _plain(console, "nothing to restore: no un-restored journal entry matches")
        return
    counts = preview.counts
    _plain(
        console,
        f"{preview.total:,} journal entr{'y' if preview.total == 1 else 'ies'}: would restore "
        f"{counts['restored']:,}; {counts['changed_since_backfill']:,} changed since backfill "
        f"(would be left as they are); {counts['row_deleted']:,} row(s) deleted",
    )
    if console.width >= table_width(_RESTORE_COLUMNS):
        widths = column_widths(_RESTORE_COLUMNS, console.width)
        console.print(
            fitted_table(
                _RESTORE_COLUMNS,
                widths,
                (
                    (
                        Text(str(entry.journal_id)),  # an id: no separators
                        Text(entry.row_id),
                        Text(shorten(entry.current_model_id, widths[2])),
                        Text("→"),
                        Text(shorten(entry.original_model_id, widths[4])),
                        Text(entry.would),
                    )
                    for entry in preview.entries
                ),
            )
        )
    else:
        for entry in preview.entries:
            _plain(console, f"journal {entry.journal_id}  row {entry.row_id}  {entry.would}")
            now = shorten(entry.current_model_id, max(console.width // 2 - 4, 20))
            original = shorten(entry.original_model_id, max(console.width // 2 - 4, 20))
            _plain(console, f"  {now} → {original}")
    if len(preview.entries) < preview.total:
        _plain(
            console,
            f"(first {len(preview.entries):,} of {preview.total:,}; --show N for more)",
        )


def print_restore_summary(
    result: RestoreResult, console: Console, err: Console | None = None
) -> None:
    """The end of a restore: counts on ``console``; each entry not restored on ``err``."""
    err = err if err is not None else console
    counts = result.counts()
    total = sum(counts.values())
    if not total:
        _plain(console, "restore: nothing to restore (no un-restored journal entry matches)")
        return
    _plain(
        console,
        f"restore: {total:,} journal entr{'y' if total == 1 else 'ies'} in {result.elapsed:.1f}s "
        f"({rate_text(total, result.elapsed)}): {counts['restored']:,} restored, "
        f"{counts['changed_since_backfill']:,} changed since backfill (left as they are), "
        f"{counts['skipped_locked']:,} skipped because locked, "
        f"{counts['row_deleted']:,} row(s) deleted",
    )
    not_restored = result.not_restored()
    for entry in not_restored[:SHOW_ERRORS]:
        what = (
            "still locked (run restore again to finish it)"
            if entry.outcome == "skipped_locked"
            else "changed since backfill"
        )
        _plain(
            err,
            f"not restored: row {entry.row_id} (journal {entry.journal_id}): {what}, "
            f"model_id now {shorten(entry.model_id)}",
        )
    if len(not_restored) > SHOW_ERRORS:
        _plain(err, f"not restored: ... and {len(not_restored) - SHOW_ERRORS:,} more")
