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


SUPABASE_START_PORTS = range(54320, 54330)  # `supabase start`: 54321 API, 54322 DB, 54323 Studio…


def published_ports(service: dict[str, Any]) -> list[int]:
    """The host ports of a service: "[ip:]host:container[/proto]" strings or long-syntax maps."""
    ports = []
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.append(int(entry["published"]))
        else:
            parts = str(entry).split("/")[0].split(":")
            ports.append(int(parts[-2] if len(parts) > 1 else parts[-1]))
    return ports


def test_published_ports_stay_clear_of_supabase_start() -> None:
    services = load()["services"]
    published = {name: published_ports(service) for name, service in services.items()}
    assert published["db"] == [55432] and published["kong"] == [58000]
    clashes = {
        name: [p for p in ports if p in SUPABASE_START_PORTS] for name, ports in published.items()
    }
    assert not any(clashes.values()), clashes
    header = COMPOSE.read_text(encoding="utf-8").split("\nname:")[0]
    assert "55432" in header and "58000" in header and "supabase start" in header
