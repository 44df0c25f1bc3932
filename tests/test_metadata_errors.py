"""Non-object metadata on a row to rewrite: the statement fails and nothing is written."""

from __future__ import annotations

import psycopg
import pytest

from rows import Conn, all_rows, insert


@pytest.mark.parametrize(
    ("metadata", "json_type"),
    [("[1, 2]", "array"), ('"a string"', "string"), ("42", "number"), ("true", "boolean")],
)
def test_non_object_metadata_fails_with_a_clear_error(
    conn: Conn, metadata: str, json_type: str
) -> None:
    insert(conn, model_id="org/existing", provider="openai")
    before = all_rows(conn)
    with pytest.raises(psycopg.errors.InvalidParameterValue) as caught:
        conn.execute(
            "insert into public.llm_models (name, model_id, metadata) values"
            " ('ok', '/x/good-model', '{}'), ('bad', '/x/bad-model', %s::jsonb)",
            [metadata],
        )
    error = caught.value
    assert error.sqlstate == "22023"
    assert error.diag.message_primary == (
        f"llm_models.metadata must be a JSON object, not a JSON {json_type}"
    )
    assert error.diag.message_hint and "llm_model_ids.bypass" in error.diag.message_hint
    assert all_rows(conn) == before  # the good row of the same statement was not written either
