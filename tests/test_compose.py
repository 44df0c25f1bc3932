"""docker-compose.yml (for users with Docker; no engine runs here): valid against the Compose
specification's JSON schema, and wired the way the README says."""

from __future__ import annotations

import subprocess
from typing import Any

import yaml

from tools import REPO, venv_tool

COMPOSE = REPO / "docker-compose.yml"


def load() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_compose_file_matches_the_compose_specification() -> None:
    tool = venv_tool("check-jsonschema")
    result = subprocess.run(
        [str(tool), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_stack_has_postgres_postgrest_and_a_gateway_at_rest_v1() -> None:
    services = load()["services"]
    assert services["db"]["image"].startswith("supabase/postgres:15.")
    rest = next(s for s in services.values() if str(s.get("image", "")).startswith("postgrest/"))
    assert rest["environment"]["PGRST_DB_ANON_ROLE"] == "anon"
    kong = (REPO / "docker" / "kong.yml").read_text(encoding="utf-8")
    assert "/rest/v1" in kong


def test_database_applies_the_migrations_on_start() -> None:
    volumes = load()["services"]["db"]["volumes"]
    assert any(v.startswith("./docker/db-init.sh:/docker-entrypoint-initdb.d/") for v in volumes)
    assert any(v.startswith("./sql:") for v in volumes)
    init = (REPO / "docker" / "db-init.sh").read_text(encoding="utf-8")
    for needed in ("migrations", "reference/llm_models.sql", "supabase/llm_models_rls.sql"):
        assert needed in init
