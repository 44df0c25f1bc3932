"""The golden vectors (python/llm_model_ids/data/golden_vectors.json) through the SQL rules and
the trigger: both must give the expected model_id and rule, and agree with the Python twin
(which tests/unit/test_rules_twin.py checks on its own, without a server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from llm_model_ids.golden import golden_vectors
from llm_model_ids.rules import normalize, normalize_row, trim_ws
from rows import Conn, insert, sql_normalize

VECTORS: list[dict[str, Any]] = [dict(v) for v in golden_vectors()]
IDS = [v["note"] for v in VECTORS]


@pytest.fixture(scope="module")
def rules_conn(shared_db: str) -> Iterator[Conn]:
    """The SQL rules only read: one database serves every vector."""
    with psycopg.connect(shared_db, autocommit=True) as connection:
        yield connection


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_sql_rules(rules_conn: Conn, vector: dict[str, Any]) -> None:
    model_id, rule, kind = sql_normalize(
        rules_conn, vector["model_id"], vector["base_model"], vector["name"], vector["provider"]
    )
    assert (model_id, rule) == (vector["expected_model_id"], vector["rule"])
    python = normalize(vector["model_id"], vector["base_model"], vector["name"], vector["provider"])
    assert kind == python.kind


def test_trigger_on_every_vector(conn: Conn) -> None:
    """Insert every vector: the stored row is what the Python twin says the trigger stores."""
    for vector in VECTORS:
        if vector["model_id"] is None:
            continue
        row_in = {
            "model_id": vector["model_id"],
            "base_model": vector["base_model"],
            "name": vector["name"] if vector["name"] is not None else "",
            "provider": vector["provider"] if vector["provider"] is not None else "",
            "metadata": {"kept": True},
        }
        stored = insert(conn, **row_in)
        expected = normalize_row(row_in)
        assert stored["model_id"] == vector["expected_model_id"], vector["note"]
        assert stored["metadata"] == expected["metadata"], vector["note"]
        if expected["model_id"] != vector["model_id"] and "model_path" in expected["metadata"]:
            assert stored["metadata"]["model_path"] == trim_ws(vector["model_id"])
