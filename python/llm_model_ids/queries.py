"""The named queries of the DBA commands, read from ``queries.sql`` (one ``-- name: x``
section per query, as procrastinate keeps its SQL): the one home of the SQL the Python runs.

Use them as attributes of :data:`QUERIES`, e.g. ``conn.execute(QUERIES.audit_counts)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from importlib.resources import files
from typing import Final, LiteralString

_NAME: Final = re.compile(r"^-- name: ([a-z_]+)[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Queries:
    read_only_snapshot: LiteralString
    set_lock_timeout: LiteralString
    audit_counts: LiteralString
    audit_rows: LiteralString
    count_rows: LiteralString
    count_candidates: LiteralString
    sample_candidates: LiteralString
    backfill_batch: LiteralString
    backfill_preview_counts: LiteralString
    backfill_preview_pairs: LiteralString
    restore_batch: LiteralString
    restore_pending_count: LiteralString
    restore_preview_counts: LiteralString
    restore_preview_entries: LiteralString


def parse(text: str) -> dict[str, str]:
    """``-- name: x`` sections of a SQL file: {name: the SQL below it}, without the comment
    lines that describe it (right under the name) and the trailing ';'."""
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in queries:
            raise ValueError(f"queries.sql: query {name!r} is defined twice")
        lines = body.strip().splitlines()
        while lines and lines[0].startswith("--"):  # the query's description
            lines.pop(0)
        queries[name] = "\n".join(lines).strip().removesuffix(";").strip()
    return queries


def load() -> Queries:
    text = files("llm_model_ids").joinpath("queries.sql").read_text(encoding="utf-8")
    found = parse(text)
    wanted = {field.name for field in fields(Queries)}
    if set(found) != wanted:
        missing, unknown = sorted(wanted - set(found)), sorted(set(found) - wanted)
        raise ValueError(f"queries.sql: missing {missing}, unknown {unknown}")
    # The file ships inside the package: its text is as fixed as a literal in the code (mypy
    # treats LiteralString as str; a checker that does not would need a cast here).
    return Queries(**found)


QUERIES: Final = load()
