"""Real strings people passed as a model to vLLM, SGLang, llama.cpp, Ollama, LM Studio, … (quoted
from public issues, with their sources) through the SQL rules, the trigger and the Python twin.

Every `clear` entry must give its expected id (or the also-acceptable one); `debatable` entries
must reach 90%, and the ones that differ are printed. The rules are written as rules, never as a
lookup of this file: more strings like these are used to check them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from corpus import CORPUS, acceptable
from llm_model_ids.rules import normalize, normalize_row
from rows import Conn, sql_normalize


@pytest.fixture(scope="module")
def corpus_conn(shared_db: str) -> Iterator[Conn]:
    """One installed database for the module: every write here is rolled back."""
    with psycopg.connect(shared_db, autocommit=True) as conn:
        yield conn


def _trigger(conn: Conn, entry: dict[str, Any]) -> dict[str, Any]:
    with conn.transaction(force_rollback=True), conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            "insert into public.llm_models (id, model_id, base_model, name, provider)"
            " values (%s, %s, %s, '', %s) returning model_id, metadata",
            [uuid.uuid4(), entry["string"], entry["base_model"], entry["provider"]],
        ).fetchone()
    assert row is not None
    return row


def test_the_corpus_is_not_empty() -> None:
    assert len(CORPUS) >= 100
    assert {e["confidence"] for e in CORPUS} == {"clear", "debatable"}


def test_sql_python_and_trigger_agree_on_every_entry(corpus_conn: Conn) -> None:
    for entry in CORPUS:
        args = (entry["string"], entry["base_model"], None, entry["provider"])
        python = normalize(*args)
        expected = (python.model_id, python.rule, python.kind)
        assert sql_normalize(corpus_conn, *args) == expected, entry
        stored = _trigger(corpus_conn, entry)
        twin = normalize_row(
            {
                "model_id": entry["string"],
                "base_model": entry["base_model"],
                "name": "",
                "provider": entry["provider"],
                "metadata": {},
            }
        )
        assert (stored["model_id"], stored["metadata"]) == (twin["model_id"], twin["metadata"])


@pytest.mark.parametrize(
    "entry",
    [e for e in CORPUS if e["confidence"] == "clear"],
    ids=lambda e: f"{e['provider']}:{e['string'][:60]}",
)
def test_clear_entries_give_the_expected_id(corpus_conn: Conn, entry: dict[str, Any]) -> None:
    model_id, rule, _ = sql_normalize(
        corpus_conn, entry["string"], entry["base_model"], None, entry["provider"]
    )
    assert acceptable(entry, model_id, rule), (model_id, rule, entry["expected"], entry["source"])


def test_debatable_entries_reach_90_percent(corpus_conn: Conn) -> None:
    debatable = [e for e in CORPUS if e["confidence"] == "debatable"]
    differ = []
    for entry in debatable:
        model_id, rule, _ = sql_normalize(
            corpus_conn, entry["string"], entry["base_model"], None, entry["provider"]
        )
        if not acceptable(entry, model_id, rule):
            differ.append(
                f"{entry['string']!r} ({entry['provider']}): {model_id!r} [{rule}],"
                f" expected {entry['expected']!r} or {entry['also_acceptable']!r}"
            )
    print(f"\ndebatable: {len(debatable) - len(differ)}/{len(debatable)} as expected")
    for line in differ:
        print("  differs:", line)
    assert len(differ) <= len(debatable) * 0.1, differ


def test_a_rewritten_entry_keeps_its_load_path(corpus_conn: Conn) -> None:
    for entry in CORPUS:
        stored = _trigger(corpus_conn, entry)
        if stored["model_id"] != entry["string"]:
            metadata = stored["metadata"]
            kept = metadata.get("model_path") or metadata.get("original_model_id")
            assert kept is not None and kept.strip() == entry["string"].strip(), entry
