"""Progress of a batched run: a rich bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import IO, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
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
        self.done = 0
        self.counts: Mapping[str, int] = {}
        self._started = 0.0
        self._last_line = 0.0
        self._pending = False

    def start(self, total: int | None, *, estimated: bool = False) -> None:
        self.total = total
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
        of_total = ""
        if self.total:
            of_total = f"/{self.total:,} ({min(self.done / self.total, 1.0):.0%})"
        self._print(
            f"{self.label}: {self.done:,}{of_total} {self.unit}; {counts_text(self.counts)}; "
            f"{rate_text(self.done, elapsed)}, {eta_text(self.done, self.total, elapsed)}"
        )

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


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
            MofNCompleteColumn(),
            _RateColumn(),
            TimeRemainingColumn(),
            _CountsColumn(),
            console=self.console,
            transient=False,
        )
        self._task: TaskID | None = None

    def start(self, total: int | None, *, estimated: bool = False) -> None:
        self._progress.start()
        self._task = self._progress.add_task(self.label, total=total, counts={})

    def advance(self, rows: int, counts: Mapping[str, int]) -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=rows, counts=dict(counts))

    def note(self, message: str) -> None:
        self._progress.console.print(f"{self.label}: {message}")

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


def make_console(width_when_piped: int = 160) -> Console:
    """A console on stdout: the terminal's width, or a wide fixed width when piped (so tables
    are not folded at 80 columns in logs); colours only on a terminal."""
    probe = Console(highlight=False)
    if probe.is_terminal:
        return probe
    return Console(width=width_when_piped, no_color=True, highlight=False)
