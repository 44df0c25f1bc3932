"""Instructions per row, counted by valgrind (callgrind) on `postgres --single`: the triggers' costs
without the timing noise of a shared machine. `make bench` runs it after the timed benchmarks and
puts its tables into BENCHMARKS.md.

The same databases as scripts/bench.py (each version, the floor table, the table with no trigger)
on a throw-away PostgreSQL 15 cluster, which is then stopped: each count is one single-user
backend running a script of INSERTs. A row's cost is the difference between a run with 1,300 and
one with 300 rows, divided by 1,000 (start-up and planning cancel out); the cost over no trigger is
that minus the same for `bench.none`. The breakdown replaces this version's trigger function for
one run with its body reduced to `return new` (the call and the `WHEN` guard), and runs the same
rows as an INSERT ... ON CONFLICT DO UPDATE that meets no conflict (the statements that leave the
upsert hand-off), over the same upsert into `bench.none`.

    python scripts/bench_instructions.py      # prints the Markdown
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "python"))

import bench  # noqa: E402
from catalog import trigger_definition  # noqa: E402
from llm_model_ids import __version__  # noqa: E402
from servers import DEBIAN_PG15  # noqa: E402

SMALL, LARGE = 300, 1300
STATEMENTS_SMALL, STATEMENTS_LARGE = 20, 120
# Tables beside the floor for the per-statement counts: the smallest possible row trigger, and
# the project's statement trigger that clears the upsert hand-off on its own.
REFERENCES = """
create table bench.when_null (like public.llm_models including all);
create trigger floor before insert on bench.when_null for each row
when (new.model_id is null) execute function bench.floor_row();
create table bench.cleanup_only (like public.llm_models including all);
create table bench.mark_only (like public.llm_models including all);
"""
# An upsert that meets no conflict: its BEFORE UPDATE statement trigger marks it, so every
# rewritten row leaves the hand-off, and no row is updated.
UPSERT = " on conflict (id) do update set name = excluded.name"


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def stopped_cluster(databases: dict[str, list[Path]], now: str) -> Iterator[tuple[Path, str]]:
    """A PostgreSQL 15 data directory holding one bench database per version (stopped when
    yielded), the reference tables in database ``now``, and its trigger function as
    pg_get_functiondef gives it."""
    if shutil.which("valgrind") is None:
        raise RuntimeError("valgrind not found: apt-get install valgrind (make bench does)")
    if not DEBIAN_PG15.is_dir():
        raise RuntimeError(f"PostgreSQL 15 binaries not found in {DEBIAN_PG15}")
    root = Path(tempfile.mkdtemp(prefix="llm-model-ids-instructions-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    function = ""
    try:
        subprocess.run(
            _as_postgres([str(DEBIAN_PG15 / "initdb"), "-D", str(data), "-A", "trust",
                          "-E", "UTF8", "--locale=C.UTF-8"]),
            check=True, capture_output=True,
        )  # fmt: skip
        port = "55431"
        subprocess.run(
            _as_postgres([str(DEBIAN_PG15 / "pg_ctl"), "-D", str(data), "-w", "-l",
                          str(root / "log"), "-o", f"-p {port} -k {root} -c listen_addresses=''",
                          "start"]),
            check=True, capture_output=True,
        )  # fmt: skip
        try:
            server = f"host={root} port={port} user=postgres dbname=postgres"
            dsns = {name: bench.prepare(server, name, files) for name, files in databases.items()}
            with psycopg.connect(dsns[now], autocommit=True) as conn:
                conn.execute(REFERENCES)
                cleanup = trigger_definition(conn, "llm_model_ids_clear_pending")
                conn.execute(cleanup.replace("public.llm_models", "bench.cleanup_only"))
                mark = trigger_definition(conn, "llm_model_ids_mark_upsert")
                conn.execute(mark.replace("public.llm_models", "bench.mark_only"))
                row = conn.execute(
                    "select pg_catalog.pg_get_functiondef("
                    "'llm_model_ids.normalize_row'::pg_catalog.regproc)"
                ).fetchone()
                function = str(row[0]) if row else ""
        finally:
            subprocess.run(
                _as_postgres([str(DEBIAN_PG15 / "pg_ctl"), "-D", str(data), "-w", "stop"]),
                check=True, capture_output=True,
            )  # fmt: skip
        yield data, function
    finally:
        shutil.rmtree(root, ignore_errors=True)


def instructions(data: Path, database: str, script: str) -> int:
    """Instructions one single-user backend executes for ``script`` (statements end with a ';'
    and an empty line: postgres -j)."""
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o777)
        out = Path(tmp) / "callgrind.out"
        source = Path(tmp) / "script.sql"
        source.write_text(script, encoding="utf-8")
        with source.open() as stdin:
            run = subprocess.run(
                _as_postgres(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                              str(DEBIAN_PG15 / "postgres"), "--single", "-j", "-D", str(data),
                              database]),
                stdin=stdin, check=True, capture_output=True, text=True,
            )  # fmt: skip
        failed = re.search(r"\bERROR: .*", run.stdout + run.stderr)
        if failed:  # a statement that failed would count as a cheap one
            raise RuntimeError(f"the benchmark script failed: {failed[0]}")
        match = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
        if match is None:
            raise RuntimeError(f"no instruction total in {out}")
        return int(match.group(1))


def _insert(table: str, workload: tuple[str, str, str, str], rows: int, tail: str = "") -> str:
    return f"truncate {table};\n\n{bench.insert_select_sql(table, workload, rows)}{tail};\n\n"


def _single_user(function: str) -> str:
    """A CREATE FUNCTION that postgres -j reads as one statement (no empty line inside)."""
    return re.sub(r"\n\s*\n", "\n", function.strip()) + ";\n\n"


def per_row(
    data: Path,
    database: str,
    table: str,
    workload: tuple[str, str, str, str],
    setup: str = "",
    tail: str = "",
) -> float:
    counts = [
        instructions(
            data,
            database,
            setup + _insert(table, workload, 50, tail) + _insert(table, workload, n, tail),
        )
        for n in (SMALL, LARGE)
    ]
    return (counts[1] - counts[0]) / (LARGE - SMALL)


def per_statement(data: Path, database: str, table: str, shape: tuple[str, str, str]) -> float:
    """Instructions per single-row INSERT statement, each its own transaction (as through the
    Data API), minus nothing: compare two tables."""
    return _per_statement(data, database, _one_insert(table, shape), f"truncate {table};\n\n")


def per_update(data: Path, database: str, table: str) -> float:
    """Instructions per UPDATE statement that changes no row, each its own transaction: what the
    statement trigger that marks an upsert costs every UPDATE (and every upsert) statement."""
    return _per_statement(data, database, f"update {table} set name = 'n' where false;\n\n")


def _per_statement(data: Path, database: str, statement: str, setup: str = "") -> float:
    """Instructions per run of ``statement``: the difference between two counts of many runs."""
    counts = [
        instructions(data, database, setup + statement * (5 + n))
        for n in (STATEMENTS_SMALL, STATEMENTS_LARGE)
    ]
    return (counts[1] - counts[0]) / (STATEMENTS_LARGE - STATEMENTS_SMALL)


UPDATE_TABLES = ("bench.none", "bench.mark_only", "public.llm_models")
FIRST_SHAPE = "rewritten path (/srv/runs/llama-ft/checkpoint-1, vllm)"


def first_statement(data: Path, database: str) -> float:
    """Instructions the first rewritten single-row INSERT of a new backend costs over the same
    into bench.none: mostly PL/pgSQL compiling the trigger function, once per connection."""
    shape = STATEMENT_SHAPES[FIRST_SHAPE]
    return float(
        instructions(data, database, _one_insert("public.llm_models", shape))
        - instructions(data, database, _one_insert("bench.none", shape))
    )


def _one_insert(table: str, shape: tuple[str, str, str]) -> str:
    """A single-row INSERT of (model_id, provider, base_model as SQL) into ``table``."""
    model_id, provider, base_model = shape
    return (
        f"insert into {table} (name, provider, model_id, base_model)"
        f" values ('m', '{provider}', '{model_id}', {base_model});\n\n"
    )


def setup_markdown(setups: dict[str, float], label: dict[str, str]) -> str:
    cells = "; ".join(f"{label[v]} {cost / 1e6:,.1f} million" for v, cost in setups.items())
    return (
        "\nA new connection's first rewritten single-row INSERT (the path above, its own "
        "backend), over the same into `bench.none`: PL/pgSQL compiles the trigger function "
        f"once per connection (the readable id's guard keeps it out): {cells} instructions.\n"
    )


def update_markdown(updates: dict[str, float]) -> str:
    none = updates["bench.none"]
    return (
        "\nAn UPDATE statement that changes no row, its own transaction: "
        f"{none:,.0f} instructions with no trigger; `bench.mark_only` (only the statement trigger "
        "that marks an INSERT ... ON CONFLICT DO UPDATE, which PostgreSQL fires for every UPDATE "
        f"too) +{updates['bench.mark_only'] - none:,.0f}; `public.llm_models` "
        f"+{updates['public.llm_models'] - none:,.0f}.\n"
    )


def call_only(function: str) -> str:
    """This version's trigger function with its body reduced to `return new` (the call)."""
    start = re.search(r"^begin\n", function, re.MULTILINE)
    if start is None:
        raise RuntimeError("normalize_row changed shape: update scripts/bench_instructions.py")
    return function[: start.end()] + "    return new;\n" + function[start.end() :]


def measure(log: bool = True) -> tuple[str, dict[str, dict[str, float]]]:
    """The Markdown, and the instructions per row over no trigger of each workload by version
    (with "none" and "floor"), which scripts/bench.py judges the bulk targets by too."""
    versions = bench.version_files()
    names = {v: f"bench_{v.replace('.', '_')}" for v in versions}
    label = {v: (__version__ if v == bench.NOW else v) for v in versions}
    workloads = {**bench.WORKLOADS, **MORE_WORKLOADS}
    shown = list(workloads)
    costs: dict[str, dict[str, float]] = {}
    parts: dict[str, dict[str, float]] = {}
    now = names[bench.NOW]
    databases = {names[v]: files for v, files in versions.items()}
    with stopped_cluster(databases, now) as (data, function):
        for workload_name in shown:
            workload = workloads[workload_name]
            none = per_row(data, now, "bench.none", workload)
            row = {"none": none, "floor": per_row(data, now, "bench.floor", workload) - none}
            for version in versions:
                row[version] = per_row(data, names[version], "public.llm_models", workload) - none
            costs[workload_name] = row
            if log:
                print(workload_name, {k: round(v) for k, v in row.items()}, flush=True)
        for workload_name in shown[:3]:
            workload = bench.WORKLOADS[workload_name]
            none = costs[workload_name]["none"]
            table = "public.llm_models"
            # (a replaced function stays in the data directory: the last run puts it back)
            parts[workload_name] = {
                "call": per_row(data, now, table, workload, _single_user(call_only(function)))
                - none,
                "whole": costs[workload_name][bench.NOW],
                # over the same upsert into bench.none (ON CONFLICT has a cost of its own)
                "upsert": per_row(data, now, table, workload, _single_user(function), UPSERT)
                - per_row(data, now, "bench.none", workload, tail=UPSERT),
            }
            if log:
                print(workload_name, {k: round(v) for k, v in parts[workload_name].items()})
        statements = {
            shape: {table: per_statement(data, now, table, values) for table in STATEMENT_TABLES}
            for shape, values in STATEMENT_SHAPES.items()
        }
        updates = {table: per_update(data, now, table) for table in UPDATE_TABLES}
        setups = {version: first_statement(data, names[version]) for version in versions}
        if log:
            print(statements, updates, setups)
    text = (
        markdown(costs, parts, versions, label)
        + statement_markdown(statements)
        + update_markdown(updates)
        + setup_markdown(setups, label)
    )
    return text, costs


# Rows of other shapes, counted here only (no target, and not timed): the names 1.19's fast tests
# take where 1.18 ran the full test, a row the trigger hands over to normalize(), and (1.20) a
# path that ends with its own name, which the path-name lane takes too.
MORE_WORKLOADS: dict[str, tuple[str, str, str, str]] = {
    "path name, the path's last segment (3:path_name)": (
        "'ft-' || g",
        "'vllm'",
        "'/srv/models/llama-ft-' || g",
        "null",
    ),
    "path name with a digit first (3:path_name)": (
        "'ft-' || g",
        "'vllm'",
        "'/srv/models/runs/' || g || '/7b-ft-' || g || '/checkpoint-' || g",
        "null",
    ),
    "hub layout, an 11-character org (2:hub_layout)": (
        "'ft-' || g",
        "'vllm'",
        "'/mnt/models/deepseek-ai/DeepSeek-R1-' || g",
        "null",
    ),
    "path name, a trailing '/' (3:path_name)": (
        "'ft-' || g",
        "'vllm'",
        "'/srv/models/llama-ft-' || g || '/'",
        "null",
    ),
    "path name of a weights file (3:path_name)": (
        "'ft-' || g",
        "'vllm'",
        "'/srv/models/llama-ft-' || g || '.Q4_K_M.gguf'",
        "null",
    ),
    "path name the trigger hands over ('_' first)": (
        "'ft-' || g",
        "'vllm'",
        "'/srv/models/runs/' || g || '/_ft-' || g || '/checkpoint-' || g",
        "null",
    ),
}

# model_id, provider, base_model (SQL)
STATEMENT_SHAPES = {
    "readable id (gpt-4o-mini, openai)": ("gpt-4o-mini", "openai", "null"),
    "rewritten path (/srv/runs/llama-ft/checkpoint-1, vllm)": (
        "/srv/runs/llama-ft/checkpoint-1",
        "vllm",
        "null",
    ),
    "the deploy route's row (that path, base model meta-llama/Llama-3.2-3B-Instruct)": (
        "/srv/runs/llama-ft/checkpoint-1",
        "vllm",
        "'meta-llama/Llama-3.2-3B-Instruct'",
    ),
}
STATEMENT_TABLES = (
    "bench.none",
    "bench.when_null",
    "bench.cleanup_only",
    "bench.floor",
    "public.llm_models",
)


def statement_markdown(statements: dict[str, dict[str, float]]) -> str:
    header = " | ".join(f"`{t}`" for t in STATEMENT_TABLES[1:])
    rows = "\n".join(
        f"| {shape} | {costs['bench.none']:,.0f} | "
        + " | ".join(f"+{costs[t] - costs['bench.none']:,.0f}" for t in STATEMENT_TABLES[1:])
        + " |"
        for shape, costs in statements.items()
    )
    return (
        "\nSingle-row INSERT statements, each its own transaction (as through the Data API), "
        f"instructions per statement ({STATEMENTS_LARGE} against {STATEMENTS_SMALL} statements): "
        "no trigger, then each table's extra. `bench.when_null` has the smallest possible row "
        "trigger (`WHEN (new.model_id is null)`), `bench.cleanup_only` only the statement trigger "
        "that clears the upsert hand-off, `public.llm_models` the project's triggers.\n\n"
        f"| statement | no trigger | {header} |\n|---|---|{'---|' * (len(STATEMENT_TABLES) - 1)}\n"
        + rows
        + "\n"
    )


def markdown(
    costs: dict[str, dict[str, float]],
    parts: dict[str, dict[str, float]],
    versions: dict[str, list[Path]],
    label: dict[str, str],
) -> str:
    def cell(workload: str, version: str) -> str:
        value, row = costs[workload][version], costs[workload]
        compared, _target = bench.TARGETS.get(workload, ("floor", 0.0))
        if compared == "none":
            return (
                f"{value:,.0f} ({bench.instruction_ratio(row, version, compared):.3f}x no trigger)"
            )
        if row["floor"] < 1000:  # the floor's WHEN keeps the row out: no ratio to show
            return f"{value:,.0f}"
        return f"{value:,.0f} ({bench.instruction_ratio(row, version, compared):.2f}x floor)"

    def target(workload: str) -> str:
        compared, value = bench.TARGETS.get(workload, ("floor", 0.0))
        return "—" if not value else f"≤ {value:g}x {'floor' if compared == 'floor' else 'none'}"

    header = " | ".join(label[v] for v in versions)
    rows = "\n".join(
        f"| {w} | {costs[w]['floor']:,.0f} | "
        + " | ".join(cell(w, v) for v in versions)
        + f" | {target(w)} |"
        for w in costs
    )
    breakdown = "\n".join(
        f"| {w} | {p['call']:,.0f} | {p['whole'] - p['call']:,.0f} | {p['whole']:,.0f} | "
        f"{p['upsert'] - p['whole']:,.0f} | {costs[w]['floor']:,.0f} |"
        for w, p in parts.items()
    )
    return (
        "## Instructions per row (callgrind, no timing noise)\n\n"
        "Written by `scripts/bench_instructions.py` (part of `make bench`): valgrind counts the "
        "instructions of one single-user PostgreSQL 15 backend; a row's cost is the difference "
        f"between {LARGE:,} and {SMALL:,} rows, over the same into `bench.none`. Instructions are "
        "not time (a cache miss costs more than an add), but they do not move with the load on "
        "the machine: two runs of the same build agree to within a few hundred instructions a row "
        "(about 1% of a rewritten row).\n\n"
        f"| workload | floor | {header} | target |\n|---|---|{'---|' * len(versions)}---|\n"
        + rows
        + "\n\nWhere this version's instructions go (per rewritten row, over no trigger). A plain "
        "INSERT leaves no upsert hand-off; an INSERT ... ON CONFLICT DO UPDATE leaves one for "
        "every rewritten row (measured here on the same rows, meeting no conflict):\n\n"
        "| workload | call and `WHEN` (body `return new`) | rules and metadata | whole, plain "
        "INSERT | the upsert hand-off, in an upsert | the floor, whole |\n"
        "|---|---|---|---|---|---|\n" + breakdown + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.parse_args(argv)
    print(measure()[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
