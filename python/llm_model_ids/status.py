"""status: is llm-model-ids installed here, which version, and are its triggers enabled."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg

from llm_model_ids import __version__
from llm_model_ids.installer import TRIGGERS

_TRIGGER_STATE = {"O": "enabled", "D": "disabled", "R": "replica only", "A": "always"}


@dataclass
class Status:
    installed: bool
    version: str | None
    package_version: str = __version__
    table_exists: bool = False
    triggers: dict[str, str] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return (
            self.installed
            and self.table_exists
            and all(self.triggers.get(name) == "enabled" for name in TRIGGERS)
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "healthy": self.healthy}


def read_status(conn: psycopg.Connection[tuple[object, ...]]) -> Status:
    row = conn.execute(
        "select pg_catalog.to_regnamespace('llm_model_ids') is not null,"
        " pg_catalog.to_regprocedure('llm_model_ids.version()') is not null,"
        " pg_catalog.to_regclass('public.llm_models') is not null"
    ).fetchone()
    assert row is not None
    schema_exists, has_version, table_exists = (bool(value) for value in row)
    version = None
    if has_version:
        version_row = conn.execute("select llm_model_ids.version()").fetchone()
        version = str(version_row[0]) if version_row else None
    triggers = dict.fromkeys(TRIGGERS, "missing")
    if table_exists:
        for name, enabled in conn.execute(
            "select tgname, tgenabled from pg_catalog.pg_trigger"
            " where tgrelid = 'public.llm_models'::regclass and tgname = any(%s)",
            [list(TRIGGERS)],
        ):
            triggers[str(name)] = _TRIGGER_STATE.get(str(enabled), str(enabled))
    return Status(
        installed=schema_exists and has_version,
        version=version,
        table_exists=table_exists,
        triggers=triggers,
    )
