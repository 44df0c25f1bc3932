"""Benchmarks of llm-model-ids (`make bench`): measured side by side on one server, reported as
ratios in BENCHMARKS.md (written by this script).

1. bulk COPY of rows whose model_id is already readable: trigger installed vs not;
2. bulk COPY of checkpoint paths: trigger vs the same rows inserted already normalized;
3. single-row INSERT latency through a connection: p50/p99 with vs without the trigger;
4. backfill of legacy rows: rows/s, and the p99 latency of concurrent single-row inserts.

Each side of 1-3 runs several times, alternating, and the medians are compared. ``--quick`` runs
smaller sizes (a smoke run) and writes no file unless ``--output`` is given.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg import sql

from llm_model_ids import installer, sql_files
from llm_model_ids.backfill import Backfill, BackfillOptions
from llm_model_ids.local_postgres import RunningServer, start_local, system_bindir
from llm_model_ids.rules import normalize_row

REPOSITORY = Path(__file__).resolve().parents[1]
BASES = ("meta-llama/Llama-3.2-3B-Instruct", "Qwen/Qwen2.5-7B-Instruct", "unknown", None)
COLUMNS = ("name", "provider", "model_id", "base_model", "metadata")
INSERT = sql.SQL("insert into public.llm_models ({}) values (%s, %s, %s, %s, %s)").format(
    sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
)
COPY = sql.SQL("copy public.llm_models ({}) from stdin").format(
    sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
)
Conn = psycopg.Connection[tuple[object, ...]]
Row = tuple[str, str, str, str | None, str]  # name, provider, model_id, base_model, metadata


@dataclass(frozen=True)
class Sizes:
    copy_rows: int
    copy_repeats: int
    inserts: int
    backfill_rows: int
    writer_rate: float  # concurrent inserts per second during the backfill


FULL = Sizes(copy_rows=300_000, copy_repeats=5, inserts=3000, backfill_rows=1_000_000,
             writer_rate=200.0)  # fmt: skip
QUICK = Sizes(copy_rows=20_000, copy_repeats=3, inserts=500, backfill_rows=50_000,
              writer_rate=200.0)  # fmt: skip


@dataclass
class Result:
    name: str
    measured: str
    target: str
    met: bool
    details: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- data


# Why targets 1-3 are missed, from the profiling done while they were being chased (kept in
# the report because the numbers above alone do not say it).
WHY_MISSED = [
    "Why, and what was done about it:",
    "",
    "- 1 (readable rows): any BEFORE ROW trigger costs here; a no-op trigger with a constant",
    "  `WHEN (new.model_id is null)` measured about 1.05x on the same COPY. The guard went from",
    "  one regex (1.22x) to cheap string tests in front of the regex (1.08x); readable rows never",
    "  run PL/pgSQL. The remaining few percent is the guard expression itself.",
    "- 2 (rewritten rows): 1.5x leaves about 2 us per row; one PL/pgSQL call with a pinned",
    "  `search_path` (required by the install contract) costs about that alone. The rules were",
    "  rewritten as one PL/pgSQL body with inline patterns and no nested calls (about 75 us per",
    "  row at first, now about 18 us: normalize() about 9 us, the bookkeeping that lets an",
    "  upsert keep the new path about 5 us, the rest is the trigger call and the metadata).",
    "  PostgreSQL's regex engine is slow on bounded repetitions (a UUID match costs about 2 us),",
    "  so the UUID/digest pattern runs only for strings of length 36, 40 or 64. Going further",
    "  needs C (an extension), which a Supabase project cannot install.",
    "- 3 (single-row INSERT): a statement pays the trigger's per-query setup (the WHEN",
    "  expression is prepared for every statement), about +20% p50 for readable ids on a",
    "  ~80 us insert; a rewritten row pays the PL/pgSQL work above plus its first-call setup.",
    "  Backfill (4) meets its targets: it is the bulk path the DBA uses on a live table.",
]


def checkpoint_row(i: int) -> Row:
    job = uuid.UUID(int=(i * 2654435761) % (1 << 128), version=4)
    return (
        f"Llama-3.2-3B-Instruct-trained-{1732900000 + i}",
        "vllm",
        f"/home/juan-canfield/Desktop/web-ui/lib/training/logs/job_{job}/checkpoint-{i % 3000}",
        BASES[i % len(BASES)],
        json.dumps({"run": i, "deployed_by": "web-ui"}),
    )


def readable_row(i: int) -> Row:
    name, provider, _, base, metadata = checkpoint_row(i)
    return name, provider, f"{BASES[i % 2]}-ft-{i}", base, metadata


def normalized(row: Row) -> Row:
    """The row as the trigger stores it (the Python twin, held equal to the SQL by the tests)."""
    name, provider, model_id, base, metadata = row
    out = normalize_row(
        {
            "name": name,
            "provider": provider,
            "model_id": model_id,
            "base_model": base,
            "metadata": json.loads(metadata),
        }
    )
    return name, provider, out["model_id"], base, json.dumps(out["metadata"])


def copy_payload(rows: list[Row]) -> bytes:
    """COPY text format (the data has no tab, newline or backslash to escape)."""
    lines = ("\t".join(r"\N" if value is None else value for value in row) for row in rows)
    return ("\n".join(lines) + "\n").encode()


def chunks(payload: bytes, size: int = 1 << 20) -> Iterator[bytes]:
    for start in range(0, len(payload), size):
        yield payload[start : start + size]


# --------------------------------------------------------------------------- databases


def database(server: RunningServer, name: str, *, installed: bool) -> str:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    dsn = psycopg.conninfo.make_conninfo(server.dsn, dbname=name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        installer.run_sql_file(conn, sql_files.reference_table())
        if installed:
            installer.install(conn)
    return dsn


def drop_database(server: RunningServer, name: str) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


def timed_copy(conn: Conn, payload: bytes) -> float:
    conn.execute("truncate public.llm_models")
    conn.execute("checkpoint")
    started = time.perf_counter()
    with conn.cursor() as cursor, cursor.copy(COPY) as copy:
        for chunk in chunks(payload):
            copy.write(chunk)
    return time.perf_counter() - started


def alternate(
    repeats: int, sides: dict[str, Callable[[], float]], log: Callable[[str], None]
) -> dict[str, list[float]]:
    """Run each side ``repeats`` times, alternating (ABBA...) so drift hits both equally."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for round_ in range(repeats):
        for name in names if round_ % 2 == 0 else reversed(names):
            times[name].append(sides[name]())
        log(
            f"  round {round_ + 1}/{repeats}: "
            + ", ".join(f"{name} {times[name][-1]:.3f}s" for name in names)
        )
    return times


# --------------------------------------------------------------------------- benchmarks


def bench_copy_readable(with_dsn: str, without_dsn: str, sizes: Sizes, log: Any) -> Result:
    payload = copy_payload([readable_row(i) for i in range(sizes.copy_rows)])
    with (
        psycopg.connect(with_dsn, autocommit=True) as with_conn,
        psycopg.connect(without_dsn, autocommit=True) as without_conn,
    ):
        timed_copy(with_conn, payload)  # warm-up, both sides
        timed_copy(without_conn, payload)
        times = alternate(
            sizes.copy_repeats,
            {
                "trigger": lambda: timed_copy(with_conn, payload),
                "no trigger": lambda: timed_copy(without_conn, payload),
            },
            log,
        )
    with_s, without_s = statistics.median(times["trigger"]), statistics.median(times["no trigger"])
    ratio = with_s / without_s
    return Result(
        f"1. COPY {sizes.copy_rows:,} readable rows: trigger installed vs not",
        f"{ratio:.3f}x ({with_s:.3f}s vs {without_s:.3f}s, medians of {sizes.copy_repeats})",
        "≤ 1.03x",
        ratio <= 1.03,
        [_runs(times)],
    )


def bench_copy_checkpoints(with_dsn: str, without_dsn: str, sizes: Sizes, log: Any) -> Result:
    rows = [checkpoint_row(i) for i in range(sizes.copy_rows)]
    legacy = copy_payload(rows)
    done = copy_payload([normalized(row) for row in rows])
    with (
        psycopg.connect(with_dsn, autocommit=True) as with_conn,
        psycopg.connect(without_dsn, autocommit=True) as without_conn,
    ):
        timed_copy(with_conn, legacy)
        check = with_conn.execute(
            "select count(*) from public.llm_models where model_id like '/%'"
        ).fetchone()
        assert check == (0,), "the trigger left a path"
        timed_copy(without_conn, done)
        times = alternate(
            sizes.copy_repeats,
            {
                "trigger (paths)": lambda: timed_copy(with_conn, legacy),
                "no trigger (normalized)": lambda: timed_copy(without_conn, done),
            },
            log,
        )
    with_s = statistics.median(times["trigger (paths)"])
    without_s = statistics.median(times["no trigger (normalized)"])
    ratio = with_s / without_s
    per_row = (with_s - without_s) / sizes.copy_rows * 1e6
    return Result(
        f"2. COPY {sizes.copy_rows:,} checkpoint paths: trigger vs already normalized",
        f"{ratio:.3f}x ({with_s:.3f}s vs {without_s:.3f}s); {per_row:.1f} µs per rewritten row",
        "≤ 1.5x",
        ratio <= 1.5,
        [_runs(times)],
    )


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def insert_latencies(
    with_conn: Conn, without_conn: Conn, rows: list[Row]
) -> tuple[list[float], list[float]]:
    with_ms: list[float] = []
    without_ms: list[float] = []
    sides = [(with_conn, with_ms), (without_conn, without_ms)]
    for i, row in enumerate(rows):
        for conn, out in sides if i % 2 == 0 else reversed(sides):
            started = time.perf_counter()
            conn.execute(INSERT, row)
            out.append((time.perf_counter() - started) * 1000)
    return with_ms, without_ms


def bench_single_inserts(with_dsn: str, without_dsn: str, sizes: Sizes, log: Any) -> Result:
    details = []
    verdict = True
    measured = ""
    with (
        psycopg.connect(with_dsn, autocommit=True) as with_conn,
        psycopg.connect(without_dsn, autocommit=True) as without_conn,
    ):
        for label, make in (("checkpoint path", checkpoint_row), ("readable id", readable_row)):
            for conn in (with_conn, without_conn):
                conn.execute("truncate public.llm_models")
            warm = [make(i) for i in range(300)]
            insert_latencies(with_conn, without_conn, warm)  # warm-up and statement preparation
            rows = [make(i) for i in range(1000, 1000 + sizes.inserts)]
            with_ms, without_ms = insert_latencies(with_conn, without_conn, rows)
            p50 = (_percentile(with_ms, 0.5), _percentile(without_ms, 0.5))
            p99 = (_percentile(with_ms, 0.99), _percentile(without_ms, 0.99))
            overhead = p50[0] / p50[1] - 1
            line = (
                f"{label}: p50 {p50[0]:.3f} vs {p50[1]:.3f} ms ({overhead:+.1%}), "
                f"p99 {p99[0]:.3f} vs {p99[1]:.3f} ms"
            )
            log(f"  {line}")
            details.append(f"{line} ({sizes.inserts:,} inserts each side, alternating)")
            if label == "checkpoint path":
                measured = f"p50 overhead {overhead:+.1%} (checkpoint paths, each one rewritten)"
            verdict = verdict and overhead <= 0.05
    return Result(
        "3. single-row INSERT latency, trigger vs none",
        measured + "; see details for readable ids",
        "p50 overhead ≤ 5%",
        verdict,
        details,
    )


def seed_legacy(dsn: str, count: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("set llm_model_ids.bypass = on")
        conn.execute(
            """
            insert into public.llm_models (name, provider, model_id, base_model, metadata)
            select 'Llama-3.2-3B-Instruct-trained-' || g, 'vllm',
                   '/home/juan-canfield/Desktop/web-ui/lib/training/logs/job_'
                   || gen_random_uuid() || '/checkpoint-' || (g %% 3000),
                   (array['meta-llama/Llama-3.2-3B-Instruct', 'Qwen/Qwen2.5-7B-Instruct',
                          'unknown', null])[1 + g %% 4],
                   jsonb_build_object('run', g, 'deployed_by', 'web-ui')
              from generate_series(1, %s) g
            """,
            [count],
        )
        conn.execute("vacuum analyze public.llm_models")


class PacedWriter(threading.Thread):
    """Single-row inserts at a steady rate, each one timed, until stopped."""

    def __init__(self, dsn: str, rate: float) -> None:
        super().__init__(daemon=True)
        self.dsn = dsn
        self.interval = 1.0 / rate
        self.stop = threading.Event()
        self.latencies_ms: list[float] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                i = 0
                next_at = time.perf_counter()
                while not self.stop.is_set():
                    started = time.perf_counter()
                    conn.execute(INSERT, checkpoint_row(10_000_000 + i))
                    self.latencies_ms.append((time.perf_counter() - started) * 1000)
                    i += 1
                    next_at += self.interval
                    time.sleep(max(0.0, next_at - time.perf_counter()))
        except BaseException as exc:  # reported by the caller
            self.error = exc


def bench_backfill(server: RunningServer, sizes: Sizes, log: Any) -> Result:
    dsn = database(server, "bench_backfill", installed=True)
    try:
        log(f"  seeding {sizes.backfill_rows:,} legacy rows (bypass on)")
        seed_legacy(dsn, sizes.backfill_rows)
        writer = PacedWriter(dsn, sizes.writer_rate)
        writer.start()
        time.sleep(0.5)
        with psycopg.connect(dsn, autocommit=True) as conn:
            result = Backfill(conn, BackfillOptions(batch_size=1000)).run()
        writer.stop.set()
        writer.join(timeout=30)
        if writer.error is not None:
            raise writer.error
        with psycopg.connect(dsn, autocommit=True) as conn:
            left = conn.execute(
                "select count(*) from public.llm_models where model_id like '/%'"
            ).fetchone()
        assert left == (0,) and not result.errors, "the backfill left rows"
    finally:
        drop_database(server, "bench_backfill")
    rate = result.scanned / result.elapsed
    p50 = _percentile(writer.latencies_ms, 0.5)
    p99 = _percentile(writer.latencies_ms, 0.99)
    worst = max(writer.latencies_ms)
    log(
        f"  {result.scanned:,} rows in {result.elapsed:.1f}s = {rate:,.0f} rows/s; p99 {p99:.2f} ms"
    )
    return Result(
        f"4. backfill of {sizes.backfill_rows:,} legacy rows (batches of 1000)",
        f"{rate:,.0f} rows/s; concurrent inserts p99 {p99:.2f} ms",
        "≥ 20,000 rows/s; p99 ≤ 50 ms",
        rate >= 20_000 and p99 <= 50,
        [
            f"{result.scanned:,} rows rewritten in {result.elapsed:.1f}s, {result.batches:,} "
            "batches (the whole command: candidate estimate, batches, summary)",
            f"{len(writer.latencies_ms):,} concurrent single-row inserts (checkpoint paths, "
            f"{sizes.writer_rate:.0f}/s): p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.2f} ms",
        ],
    )


def profile(server: RunningServer, with_dsn: str, sizes: Sizes, log: Any) -> list[str]:
    """Where the time of 1 and 2 goes: the insert trigger's WHEN pre-filter alone (on a no-op
    trigger), and one call of llm_model_ids.normalize() per row."""
    lines = []
    with psycopg.connect(with_dsn, autocommit=True) as conn:
        row = conn.execute(
            "select pg_catalog.pg_get_triggerdef(t.oid) from pg_catalog.pg_trigger t"
            " where t.tgrelid = 'public.llm_models'::regclass"
            "   and t.tgname = 'llm_model_ids_normalize_insert'"
        ).fetchone()
        definition = str(row[0]) if row else ""
        when = definition[definition.find(" WHEN ") : definition.find(" EXECUTE ")]
        rows = [checkpoint_row(i) for i in range(min(sizes.copy_rows, 100_000))]
        conn.execute("create temporary table src (model_id text, base_model text, name text)")
        with conn.cursor() as cursor, cursor.copy("copy src from stdin") as copy:
            for name, _, model_id, base, _ in rows:
                copy.write_row((model_id, base, name))
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            conn.execute(
                "select count(*) from src, llm_model_ids.normalize(model_id, base_model, name,"
                " 'vllm') n where n.kind is not null"
            )
            best = min(best, time.perf_counter() - started)
        lines.append(
            f"llm_model_ids.normalize() alone: {best / len(rows) * 1e6:.1f} µs per checkpoint "
            f"path ({len(rows):,} calls in one query, best of 3)"
        )
    if when:
        plain = database(server, "bench_profile_plain", installed=False)
        noop = database(server, "bench_profile_noop", installed=False)
        try:
            with psycopg.connect(noop, autocommit=True) as conn:
                conn.execute(
                    "create function public.bench_noop() returns trigger language plpgsql"
                    " as $$ begin return new; end $$"
                )
                conn.execute(
                    (
                        "create trigger bench_noop before insert on public.llm_models"
                        f" for each row {when} execute function public.bench_noop()"
                    ).encode()
                )
            payload = copy_payload([readable_row(i) for i in range(sizes.copy_rows)])
            with (
                psycopg.connect(plain, autocommit=True) as plain_conn,
                psycopg.connect(noop, autocommit=True) as noop_conn,
            ):
                timed_copy(plain_conn, payload)
                timed_copy(noop_conn, payload)
                times = alternate(
                    sizes.copy_repeats,
                    {
                        "WHEN only": lambda: timed_copy(noop_conn, payload),
                        "none": lambda: timed_copy(plain_conn, payload),
                    },
                    log,
                )
            only, none = statistics.median(times["WHEN only"]), statistics.median(times["none"])
            lines.append(
                f"the insert trigger's WHEN pre-filter alone (same WHEN on a no-op trigger): "
                f"{only / none:.3f}x on readable rows, {(only - none) / sizes.copy_rows * 1e6:.2f}"
                " µs per row"
            )
        finally:
            drop_database(server, "bench_profile_plain")
            drop_database(server, "bench_profile_noop")
    return lines


def _runs(times: dict[str, list[float]]) -> str:
    return "; ".join(
        f"{name}: " + ", ".join(f"{t:.3f}" for t in values) + " s" for name, values in times.items()
    )


# --------------------------------------------------------------------------- report


def machine(server: RunningServer) -> dict[str, str]:
    cpu = "unknown"
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    with psycopg.connect(server.dsn) as conn:
        row = conn.execute("select version()").fetchone()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(cores),
        "CPU": cpu,
        "RAM": memory,
        "PostgreSQL": str(row[0]) if row else "?",
        "server": f"{server.kind} (local cluster: fsync, synchronous_commit and full_page_writes "
        "off, as started by llm_model_ids.local_postgres)",
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "psycopg": psycopg.__version__,
    }


def markdown(
    results: list[Result], info: dict[str, str], sizes: Sizes, quick: bool, profiled: list[str]
) -> str:
    missed = [r for r in results if not r.met]
    lines = [
        "# Benchmarks",
        "",
        "Written by `scripts/bench.py` (`make bench`"
        + (", `--quick` smoke sizes" if quick else "")
        + "). Both sides of each comparison ran in one run on the same server, alternating, "
        "and are reported as ratios: the absolute times say more about the machine than about "
        "the trigger.",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in info.items()],
        "",
        "## Results",
        "",
        "| benchmark | measured | target | met |",
        "|---|---|---|---|",
        *[
            f"| {r.name} | {r.measured} | {r.target} | {'yes' if r.met else '**no**'} |"
            for r in results
        ],
        "",
    ]
    if missed:
        lines += ["## Targets missed", ""]
        lines += [f"- {r.name}: {r.measured} (target {r.target})" for r in missed]
        lines += ["", *WHY_MISSED, ""]
    else:
        lines += ["All targets met.", ""]
    if profiled:
        lines += ["## Profile", "", *[f"- {line}" for line in profiled], ""]
    lines += ["## Details", ""]
    for r in results:
        lines += [f"### {r.name}", "", *[f"- {d}" for d in r.details], ""]
    lines += [
        "## Method",
        "",
        f"- 1, 2: `COPY ... FROM STDIN` of {sizes.copy_rows:,} rows into `public.llm_models` "
        "(reference DDL: uuid primary key, an index on user_id), into a database with "
        "llm-model-ids installed and one without; the table is truncated and a CHECKPOINT "
        f"taken before every run; one warm-up run per side, then {sizes.copy_repeats} runs per "
        "side, alternating; medians compared. In 2 the side without the trigger loads the rows "
        "already normalized (model_id and metadata as the trigger stores them, from the Python "
        "twin), so the difference is the cost of the rewrite.",
        f"- 3: {sizes.inserts:,} single-row `INSERT`s per side through one psycopg connection "
        "each (autocommit, prepared), alternating with/without, after 300 warm-up inserts.",
        f"- 4: `llm-model-ids backfill` (the Backfill engine, batches of 1000, lock_timeout 2s) "
        f"over {sizes.backfill_rows:,} legacy checkpoint-path rows, while another connection "
        f"inserts single rows at {sizes.writer_rate:.0f}/s; rows/s is rows scanned over the "
        "whole run's wall time.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument(
        "--kind",
        choices=("system", "embedded"),
        default=None,
        help="local server binaries (default: system PostgreSQL 15 if installed, else embedded)",
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="default: BENCHMARKS.md (none with --quick)"
    )
    parser.add_argument(
        "--only", type=int, action="append", choices=(1, 2, 3, 4), help="run only these"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    output = args.output or (None if args.quick else REPOSITORY / "BENCHMARKS.md")
    kind: Literal["system", "embedded"] = args.kind or (
        "system" if system_bindir(15) is not None else "embedded"
    )

    def log(message: str) -> None:
        print(message, flush=True)

    log(f"starting a local {kind} PostgreSQL for the benchmarks")
    with start_local(kind) as server:
        log(f"PostgreSQL {server.version} ({kind}) at {server.dsn}")
        info = machine(server)
        with_dsn = database(server, "bench_trigger", installed=True)
        without_dsn = database(server, "bench_plain", installed=False)
        pair = (with_dsn, without_dsn, sizes, log)
        benches: list[tuple[int, str, Callable[[], Result]]] = [
            (1, "COPY, readable rows", lambda: bench_copy_readable(*pair)),
            (2, "COPY, checkpoint paths", lambda: bench_copy_checkpoints(*pair)),
            (3, "single-row INSERTs", lambda: bench_single_inserts(*pair)),
            (4, "backfill", lambda: bench_backfill(server, sizes, log)),
        ]
        results = []
        for number, title, bench in benches:
            if args.only and number not in args.only:
                continue
            log(f"{number}. {title}")
            started = time.monotonic()
            results.append(bench())
            log(f"   {results[-1].measured} [{time.monotonic() - started:.0f}s]")
        profiled: list[str] = []
        if any(not r.met for r in results if r.name[:2] in ("1.", "2.")):
            log("profile: where the time of 1 and 2 goes")
            profiled = profile(server, with_dsn, sizes, log)
    report = markdown(results, info, sizes, args.quick, profiled)
    if output is not None:
        output.write_text(report, encoding="utf-8")
        log(f"wrote {output}")
    print()
    print(report)
    return 0  # a report, not a gate: missed targets are in the report


if __name__ == "__main__":
    sys.exit(main())
