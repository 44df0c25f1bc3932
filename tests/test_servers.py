"""tests/servers.py: the suite's server answers as promised; each local kind starts and is gone."""

from __future__ import annotations

import os

import psycopg
import pytest

from servers import ENV_DSN, ENV_PG, SETTINGS, Server, describe, local_cluster, server_for_tests


def facts(dsn: str) -> dict[str, str]:
    names = ["server_encoding", "server_version_num", *SETTINGS]
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "select name, setting from pg_settings where name = any(%s)", [names]
        ).fetchall()
    return dict(rows)


def test_the_suites_server_answers_in_utf8_with_the_version_asked_for(pg_server: Server) -> None:
    got = facts(pg_server.dsn)
    assert got["server_encoding"] == "UTF8"  # the rules use Unicode escapes
    assert int(got["server_version_num"]) // 10000 == pg_server.version
    if pg_server.kind != "env":  # a server we started: the throw-away settings
        assert {name: got[name] for name in SETTINGS} == SETTINGS
    asked = os.environ.get(ENV_PG)
    if asked and pg_server.kind != "env":
        assert pg_server.version == int(asked)


@pytest.mark.parametrize(
    "major", [pytest.param("15", marks=pytest.mark.debian_pg15), pytest.param("18")]
)
def test_a_local_cluster_starts_with_the_throw_away_settings_and_is_gone_after(major: str) -> None:
    with local_cluster(major) as dsn:
        server = describe(dsn, major)
        assert server.version == int(major)
        got = facts(server.dsn)
        assert got["server_encoding"] == "UTF8"
        assert {name: got[name] for name in SETTINGS} == SETTINGS
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.dsn, connect_timeout=2)


def test_a_dsn_or_libpq_variables_are_used_as_they_are(
    pg_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_DSN, pg_server.dsn)
    monkeypatch.setenv(ENV_PG, "17")  # ignored: a given server comes first
    with server_for_tests() as given:
        assert (given.kind, given.version) == ("env", pg_server.version)
    params = psycopg.conninfo.conninfo_to_dict(pg_server.dsn)
    monkeypatch.delenv(ENV_DSN)
    for key, variable in [("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER")]:
        monkeypatch.setenv(variable, str(params[key]))
    if params.get("password"):
        monkeypatch.setenv("PGPASSWORD", str(params["password"]))
    with server_for_tests() as given:
        assert given.kind == "env"
        # spelled out, for the tools that run with the PG* variables removed
        explicit = psycopg.conninfo.conninfo_to_dict(given.dsn)
        assert (explicit["host"], explicit["port"]) == (params["host"], params["port"])
    assert facts(pg_server.dsn)["server_encoding"] == "UTF8"  # still running: not ours to stop


def test_an_unknown_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (ENV_DSN, "PGHOST", "PGHOSTADDR", "PGPORT", "PGSERVICE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv(ENV_PG, "17")
    with pytest.raises(RuntimeError, match=r"use 15 .* or 18"), server_for_tests():
        pass
