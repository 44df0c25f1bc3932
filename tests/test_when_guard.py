"""The insert trigger's WHEN guard, as installed: it must admit every value the rules rewrite (a
value it keeps out never reaches PL/pgSQL, so the trigger would store it unchanged), and it must
keep readable ids of hosted APIs out (that is what it is for).

The guard is read from pg_trigger and evaluated on its own, over the golden vectors, the
real-world corpus and variants of both that sit on the guard's edges: every ASCII whitespace
character before or after, upper case, the opaque-id prefixes and the weights extensions."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from catalog import trigger_definition
from corpus import CORPUS
from llm_model_ids.golden import golden_vectors
from llm_model_ids.rule_source import rule_source
from rows import Conn

PROVIDERS = ("vllm", "openai")
WHITESPACE = " \t\n\r\f\v"
READABLE_HOSTED = (
    "gpt-4o-mini",
    "claude-3-5-sonnet-20241022",
    "gemini-1.5-pro-latest",
    "deepseek-chat",
    "mistral-large-latest",
    "command-r-plus",
    "o1-preview",
    "llama-3.1-70b-versatile",
)


@pytest.fixture(scope="module")
def guard_conn(shared_db: str) -> Iterator[Conn]:
    with psycopg.connect(shared_db, autocommit=True) as connection:
        yield connection


def installed_guard(conn: Conn) -> str:
    definition = trigger_definition(conn)
    match = re.search(r" WHEN \((.*)\) EXECUTE FUNCTION ", definition, re.DOTALL)
    assert match, definition
    return match[1]


def admitted(conn: Conn, values: list[str]) -> dict[str, bool]:
    """The guard's verdict on each value (NULL counts as not admitted, as in a WHEN)."""
    query = sql.SQL(
        "select new.model_id, coalesce(({}), false)"
        " from pg_catalog.unnest(%s::pg_catalog.text[]) as new(model_id)"
    ).format(sql.SQL(installed_guard(conn).replace("%", "%%")))  # the database's own text
    return {str(value): bool(verdict) for value, verdict in conn.execute(query, [values])}


def rewritten(conn: Conn, values: list[str]) -> set[tuple[str, str]]:
    """(value, provider) pairs the rules rewrite (a stand-in name, so opaque ids count)."""
    rows = conn.execute(
        "select v, p from pg_catalog.unnest(%s::pg_catalog.text[]) v,"
        " pg_catalog.unnest(%s::pg_catalog.text[]) p"
        " where (llm_model_ids.normalize(v, null, 'x', p)).kind is not null",
        [values, list(PROVIDERS)],
    )
    return {(str(v), str(p)) for v, p in rows}


def edge_variants(value: str) -> set[str]:
    """The value, and the shapes on the guard's edges built from it."""
    src = rule_source()
    out = {value, value.upper(), value.lower()}
    for char in WHITESPACE:
        out |= {char + value, value + char}
    for prefix in ("job_", "RUN-", "sha256-", "Sha256:"):
        out.add(prefix + value)
    for ext in src.weights_extensions:
        out |= {f"{value}.{ext}", f"{value}.{ext.upper()}", f"{value}.{ext} "}
    return out


def base_values() -> list[str]:
    values = {str(v["model_id"]) for v in golden_vectors() if v["model_id"] is not None}
    values |= {str(entry["string"]) for entry in CORPUS}
    values |= {
        "3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f",
        "JOB_3F2A9C1E-7B4D-4E8A-9C2F-1A2B3C4D5E6F",
        "a" * 40,
        "F" * 64,
        "sha256-" + "0" * 40,
        "sha256-" + "e" * 64,
        "12345",
        "llama.GGUF",
        "Qwen3-8B-Q4_K_M.gguf",
        "model.safetensors",
    }
    return sorted(values)


def test_guard_admits_every_value_the_rules_rewrite(guard_conn: Conn) -> None:
    values = sorted({v for value in base_values() for v in edge_variants(value)})
    verdicts = admitted(guard_conn, values)
    rules = rewritten(guard_conn, values)
    assert len(rules) > 500, "too few rewritten values: the test would prove little"
    missed = sorted({value for value, _provider in rules if not verdicts[value]})
    assert not missed, f"the WHEN guard keeps out values the rules rewrite: {missed[:10]}"


def test_guard_keeps_readable_hosted_ids_out(guard_conn: Conn) -> None:
    verdicts = admitted(guard_conn, list(READABLE_HOSTED))
    assert not any(verdicts.values()), verdicts
    assert not rewritten(guard_conn, list(READABLE_HOSTED))


def test_guard_admits_padding_and_punctuation_alone(guard_conn: Conn) -> None:
    """A character that starts a location (or padding) is admitted on its own; a letter is not."""
    starts = [*WHITESPACE, "/", "~", ".", "\\", "$", "%", *string.digits]
    verdicts = admitted(guard_conn, [c + "x" for c in starts] + ["x" + c for c in ":/\\"])
    assert all(verdicts.values()), [v for v, ok in verdicts.items() if not ok]
    assert not any(admitted(guard_conn, [c + "x" for c in "gGxXmM"]).values())


def test_guard_admits_every_id_as_long_as_an_opaque_one(guard_conn: Conn) -> None:
    """Opaque ids are told by length (36 bytes, a UUID, or more): a 35-character readable id is
    kept out, a 36-character one is admitted, and the rules (which the trigger runs) keep it."""
    short, long_ = "gemini-2.0-flash-thinking-exp-01-21", "gemini-2.0-flash-thinking-exp-01-215"
    assert (len(short), len(long_)) == (35, 36)
    assert admitted(guard_conn, [short, long_]) == {short: False, long_: True}
    assert not rewritten(guard_conn, [long_])
