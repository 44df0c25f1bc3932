"""End to end through a running Supabase stack (docker-compose.yml, or a real project) with
supabase-py: insert, upsert and update through the Data API, and the computed field load_path.

Runs whenever SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY are set; otherwise it is skipped and
says so (these CI machines have no Docker engine and no PostgREST: the API path is covered by
tests/test_api_path.py issuing PostgREST's own statements).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

URL = os.environ.get("SUPABASE_URL")
KEY = os.environ.get("SUPABASE_SERVICE_ROLE_KEY")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (URL and KEY),
        reason="skipped: SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY are not set "
        "(start docker-compose.yml and set them to run the supabase-py end-to-end test)",
    ),
]
CHECKPOINT = "/srv/training/logs/job_cb10bbcb-2725-49ce-9586-a9baf57de3a4/checkpoint-1780"


@dataclass
class Api:
    client: Any
    created: list[str] = field(default_factory=list)


@pytest.fixture
def api() -> Iterator[Api]:
    """A supabase-py client; the rows a test creates are deleted afterwards."""
    from supabase import create_client

    assert URL and KEY
    api = Api(create_client(URL, KEY))
    yield api
    if api.created:
        api.client.table("llm_models").delete().in_("id", api.created).execute()


def test_insert_upsert_update_through_the_api(api: Api) -> None:
    client = api.client
    row_id = str(uuid.uuid4())
    api.created.append(row_id)
    inserted = (
        client.table("llm_models")
        .insert(
            {
                "id": row_id,
                "name": "e2e-ft",
                "provider": "vllm",
                "model_id": CHECKPOINT,
                "base_model": "meta-llama/Llama-3.2-3B-Instruct",
                "metadata": {"k": 1},
            }
        )
        .execute()
        .data[0]
    )
    assert inserted["model_id"] == "meta-llama/Llama-3.2-3B-Instruct"
    assert inserted["metadata"] == {"k": 1, "model_path": CHECKPOINT}

    redeploy = CHECKPOINT.replace("1780", "2000")
    upserted = (
        client.table("llm_models")
        .upsert(
            {
                "id": row_id,
                "name": "e2e-ft",
                "provider": "vllm",
                "model_id": redeploy,
                "base_model": None,
                "metadata": {"k": 2},
            }
        )
        .execute()
        .data[0]
    )
    assert upserted["model_id"] == "e2e-ft"
    assert upserted["metadata"] == {"k": 2, "model_path": redeploy}

    updated = (
        client.table("llm_models").update({"metadata": {"note": "x"}}).eq("id", row_id).execute()
    ).data[0]
    assert updated["metadata"] == {"note": "x", "model_path": redeploy}

    selected = (
        client.table("llm_models").select("id,name,load_path").eq("id", row_id).execute()
    ).data[0]
    assert selected["load_path"] == redeploy
