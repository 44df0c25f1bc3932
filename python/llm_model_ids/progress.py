"""Progress of a batched run: a rich bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import IO, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class BatchProgress(Protocol):
    """What batched runs (backfill, restore) report while they work."""

    def start(self, total: int | None, *, estimated: bool = False) -> None:
        """The run begins; ``total`` is the expected number of rows (None if unknown)."""

    def advance(self, rows: int, counts: Mapping[str, int]) -> None:
        """One batch done: ``rows`` more rows handled; ``counts`` are the run's totals so far."""

    def note(self, message: str) -> None:
        """A line worth printing now (e.g. the start of the pass over locked rows)."""

    def finish(self) -> None:
        """The run ended (successfully or not)."""


def rate_text(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s" if seconds > 0 else "- rows/s"


def eta_text(done: int, total: int | None, seconds: float) -> str:
    if not total or done <= 0 or seconds <= 0:
        return "ETA -"
    remaining = max(total - done, 0) * seconds / done
    minutes, secs = divmod(round(remaining), 60)
    hours, minutes = divmod(minutes, 60)
    return f"ETA {hours}:{minutes:02d}:{secs:02d}"


def counts_text(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{value:,} {key}" for key, value in counts.items())


def of_total_text(done: int, total: int | None, *, estimated: bool) -> str:
    """``1,234/75,000``, ``1,234/~74,419`` for an estimate; never a count above its total: an
    estimate that is exceeded grows to the count (``75,000/~75,000``)."""
    if total is None:
        return f"{done:,}"
    approx = "~" if estimated else ""
    return f"{done:,}/{approx}{max(total, done):,}"


class PlainProgress:
    """One log line per batch (at most one per ``interval`` seconds, and always the last)."""

    def __init__(
        self,
        label: str,
        stream: IO[str] | None = None,
        interval: float = 1.0,
        unit: str = "rows",
    ) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream if stream is not None else sys.stdout
        self.interval = interval
        self.total: int | None = None
        self.estimated = False
        self.done = 0
        self.counts: Mapping[str, int] = {}
        self._started = 0.0
        self._last_line = 0.0
        self._pending = False

    def start(self, total: int | None, *, estimated: bool = False) -> None:
        self.total = total
        self.estimated = estimated
        self._started = time.monotonic()
        self._last_line = float("-inf")
        about = "about " if estimated else ""
        expected = f"{about}{total:,} {self.unit} to examine" if total is not None else "starting"
        self._print(f"{self.label}: {expected}")

    def advance(self, rows: int, counts: Mapping[str, int]) -> None:
        self.done += rows
        self.counts = dict(counts)
        if not self.done:
            return
        now = time.monotonic()
        if now - self._last_line >= self.interval:
            self._line(now)
        else:
            self._pending = True

    def note(self, message: str) -> None:
        self._print(f"{self.label}: {message}")

    def finish(self) -> None:
        if self._pending:
            self._line(time.monotonic())

    def _line(self, now: float) -> None:
        self._last_line = now
        self._pending = False
        elapsed = now - self._started
        if self.total is not None and self.done > self.total:
            self.total = self.done  # an estimate that was exceeded grows to the count
        done = of_total_text(self.done, self.total, estimated=self.estimated)
        if self.total:
            done += f" ({min(self.done / self.total, 1.0):.0%})"
        self._print(
            f"{self.label}: {done} {self.unit}; {counts_text(self.counts)}; "
            f"{rate_text(self.done, elapsed)}, {eta_text(self.done, self.total, elapsed)}"
        )

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


class _DoneColumn(ProgressColumn):
    """Rows done of the total, with thousands separators; ``~`` marks an estimated total."""

    def render(self, task: Task) -> Text:
        total = None if task.total is None else int(task.total)
        estimated = bool(task.fields.get("estimated", False))
        text = of_total_text(int(task.completed), total, estimated=estimated)
        return Text(text, style="progress.download")


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        return Text(rate_text(int(task.completed), elapsed), style="progress.data.speed")


class _CountsColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        counts: Mapping[str, int] = task.fields.get("counts", {})
        first = next(iter(counts), None)
        shown = {key: value for key, value in counts.items() if value or key == first}
        return Text(counts_text(shown), style="dim")


class RichProgress:
    """A rich progress bar: rows done of total, rows/s, ETA and the outcome counts."""

    def __init__(self, label: str, console: Console | None = None) -> None:
        self.label = label
        self.console = console if console is not None else Console()
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            _DoneColumn(),
            _RateColumn(),
            TimeRemainingColumn(),
            _CountsColumn(),
            console=self.console,
            transient=False,
        )
        self._task: TaskID | None = None

    def start(self, total: int | None, *, estimated: bool = False) -> None:
        self._progress.start()
        self._task = self._progress.add_task(
            self.label, total=total, counts={}, estimated=estimated
        )

    def advance(self, rows: int, counts: Mapping[str, int]) -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=rows, counts=dict(counts))
            task = self._progress.tasks[self._task]
            if task.total is not None and task.completed > task.total:
                self._progress.update(self._task, total=task.completed)

    def note(self, message: str) -> None:
        self._progress.console.print(
            f"{self.label}: {message}", markup=False, emoji=False, highlight=False
        )

    def finish(self) -> None:
        if self._task is not None:
            task = self._progress.tasks[self._task]
            if task.total is not None and task.completed > task.total:
                self._progress.update(self._task, total=task.completed)
        self._progress.stop()


class NullProgress:
    """Reports nothing."""

    def start(self, total: int | None, *, estimated: bool = False) -> None:
        pass

    def advance(self, rows: int, counts: Mapping[str, int]) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def finish(self) -> None:
        pass


def for_terminal(
    label: str, console: Console | None = None, *, unit: str = "rows", interval: float = 1.0
) -> BatchProgress:
    """A rich bar when the output is a terminal, else plain log lines on stdout."""
    console = console if console is not None else Console()
    if console.is_terminal:
        return RichProgress(label, console)
    return PlainProgress(label, stream=console.file, unit=unit, interval=interval)


def make_console(width_when_piped: int = 160, *, stderr: bool = False) -> Console:
    """A console on stdout (or stderr): the terminal's width, or a wide fixed width when piped
    (so tables are not folded at 80 columns in logs). Colours only on a terminal and never with
    NO_COLOR set (rich reads it); no emoji codes, no highlighting of our own text."""
    probe = Console(stderr=stderr, highlight=False, emoji=False)
    if probe.is_terminal:
        return probe
    return Console(
        stderr=stderr, width=width_when_piped, no_color=True, highlight=False, emoji=False
    )
