"""The local PostgreSQL server behind RDS: process management, used by ``python -m local_backend up
--postgres``, ``down`` and ``status``. It never imports moto (the moto side is ``bridge.py``).

The cluster is made once with ``initdb`` in ``STATE_DIR/postgres`` and reused; the server listens on
127.0.0.1 only, on a free port, with TLS (a self-signed certificate made at initdb time) and SCRAM
passwords, and ``pg_hba.conf`` accepts only ``hostssl`` connections, as RDS for PostgreSQL 15+ does with
its default ``rds.force_ssl=1``. Run as root, the server runs as the OS user ``postgres`` (env
``LOCAL_BACKEND_PG_USER``); if that user cannot reach ``STATE_DIR`` (a private directory, e.g. pytest's
temporary ones), the cluster lives in ``$TMPDIR/local_backend-postgres-<hash>``, ``STATE_DIR/postgres`` is a
symlink to it, and ``down`` removes it (a later ``up`` also removes any whose state dir is gone).
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIRNAME = "postgres"
LOG_FILE = "postgres.log"
CONFIG_FILE = "local_backend.json"  # inside the data directory: the bootstrap superuser and its password
SUPERUSER = "local_backend"
HOST = "127.0.0.1"
ENV_BINDIR = "LOCAL_BACKEND_PG_BINDIR"
ENV_USER = "LOCAL_BACKEND_PG_USER"
FALLBACK_PREFIX = "local_backend-postgres-"
BINARIES = ("initdb", "postgres", "pg_isready")
MISSING_BINARIES = (
    "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb, no initdb on PATH): run "
    "`make setup`, which installs the Debian package `postgresql`, or point LOCAL_BACKEND_PG_BINDIR at the "
    "directory holding initdb, postgres and pg_isready"
)
# Server settings passed on the command line (nothing secret). Durability is off: a throwaway dev/test
# server. pg_stat_statements is preloaded as in RDS's default parameter group.
SERVER_SETTINGS = {
    "listen_addresses": HOST,
    "unix_socket_directories": "",
    "ssl": "on",
    "ssl_cert_file": "server.crt",
    "ssl_key_file": "server.key",
    "password_encryption": "scram-sha-256",
    "shared_preload_libraries": "pg_stat_statements",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
}
PG_HBA = """\
# Written by local_backend. TCP on 127.0.0.1 only, TLS required (RDS for PostgreSQL 15+ defaults to
# rds.force_ssl=1), SCRAM passwords. No Unix socket.
hostssl all all 127.0.0.1/32 scram-sha-256
"""


class PostgresError(Exception):
    """A failure of the local PostgreSQL server, reported as one message."""


@dataclass(frozen=True)
class Account:
    """The OS user the server runs as."""

    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]

    @property
    def is_self(self) -> bool:
        return self.uid == os.geteuid()

    def popen_kwargs(self) -> dict[str, Any]:
        if self.is_self:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": list(self.groups)}

    def chown(self, path: Path) -> None:
        if not self.is_self:
            os.chown(path, self.uid, self.gid, follow_symlinks=False)


@dataclass(frozen=True)
class ServerInfo:
    pid: int
    port: int
    data_dir: Path
    log: Path


# --------------------------------------------------------------------------------------------------
# discovery


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)


def find_bin_dir() -> Path | None:
    """Directory holding initdb, postgres and pg_isready: env override (only it), newest Debian version, PATH."""
    if os.environ.get(ENV_BINDIR):
        candidates = [Path(os.environ[ENV_BINDIR])]
    else:
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
        on_path = shutil.which("initdb")
        if on_path:
            candidates.append(Path(on_path).resolve().parent)
    for candidate in candidates:
        if all(os.access(candidate / name, os.X_OK) for name in BINARIES):
            return candidate
    return None


def server_account() -> Account:
    """The current user, or (as root, which postgres refuses to run as) the ``postgres`` OS user."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
    else:
        name = os.environ.get(ENV_USER) or "postgres"
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            raise PostgresError(
                f"running as root and the OS user {name!r} does not exist: PostgreSQL refuses to run as root. "
                f"The Debian package `postgresql` (make setup) creates `postgres`; or set {ENV_USER}"
            ) from None
        if entry.pw_uid == 0:
            raise PostgresError(f"{ENV_USER} names a root account; PostgreSQL refuses to run as root")
    groups = tuple(os.getgrouplist(entry.pw_name, entry.pw_gid))
    return Account(entry.pw_name, entry.pw_uid, entry.pw_gid, groups)


def _searchable_by(path: Path, account: Account) -> bool:
    """True if ``account`` may traverse every directory down to ``path`` (mode bits; ACLs ignored)."""
    for directory in (path, *path.parents):
        st = directory.stat()
        if st.st_uid == account.uid:
            bit = stat.S_IXUSR
        elif st.st_gid in account.groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def _fallback_dir(state_dir: Path) -> Path:
    digest = hashlib.sha256(str(state_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"{FALLBACK_PREFIX}{digest}"


def data_dir_for(state_dir: Path, account: Account) -> Path:
    """``STATE_DIR/postgres``, or the fallback it links to when the server's user cannot reach STATE_DIR."""
    link = state_dir / DATA_DIRNAME
    if link.is_symlink():
        target = Path(os.readlink(link))
    elif account.is_self or _searchable_by(state_dir, account):
        return link
    else:
        target = _fallback_dir(state_dir)
        link.symlink_to(target, target_is_directory=True)
    # $TMPDIR is shared: never follow a link or use a directory someone else made there.
    if target.is_symlink() or (target.exists() and target.stat().st_uid != account.uid):
        raise PostgresError(f"{target} is a symlink or not owned by {account.name}; remove it")
    return target


# --------------------------------------------------------------------------------------------------
# processes


def pid_alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie (PID 1 here reaps slowly). Shared with cli.py."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def is_server_process(pid: int, data_dir: Path) -> bool:
    """True if ``pid`` is a postgres server for ``data_dir`` (guards against PID reuse)."""
    try:
        args = [a.decode(errors="replace") for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")]
    except OSError:
        return pid_alive(pid)
    return bool(args) and Path(args[0]).name == "postgres" and str(data_dir) in args


def postmaster_pid(data_dir: Path) -> int | None:
    """The PID in ``data_dir/postmaster.pid`` if it names a live server for that directory."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if pid_alive(pid) and is_server_process(pid, data_dir) else None


def stop(pid: int, data_dir: Path, timeout: float = 10.0) -> str:
    """Fast shutdown (SIGINT) of exactly ``pid``; SIGQUIT after ``timeout`` s, SIGKILL 5 s later."""
    if not pid_alive(pid):
        return "not running"
    if not is_server_process(pid, data_dir):
        return f"pid {pid} is not a postgres server for {data_dir}; not signalling it"
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return f"stopped ({sig.name})"
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return f"stopped ({sig.name})"
            time.sleep(0.05)
    return f"still running after SIGKILL (pid {pid})"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _log_tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def reap_orphans() -> None:
    """Remove fallback clusters whose state dir no longer exists and whose server is not running."""
    for directory in Path(tempfile.gettempdir()).glob(f"{FALLBACK_PREFIX}*"):
        try:
            owner_dir = json.loads((directory / CONFIG_FILE).read_text()).get("state_dir")
        except (OSError, ValueError):
            continue
        if owner_dir and not Path(owner_dir).exists() and postmaster_pid(directory) is None:
            shutil.rmtree(directory, ignore_errors=True)


def discard_fallback(state_dir: Path) -> bool:
    """Remove the fallback cluster ``STATE_DIR/postgres`` links to, once its server is stopped.

    A fallback exists only because STATE_DIR is private to its owner (a temporary directory, as pytest's):
    keeping one ~40 MB cluster per such directory in $TMPDIR is not worth the 0.5 s an initdb costs."""
    link = state_dir / DATA_DIRNAME
    if not link.is_symlink():
        return False
    target = Path(os.readlink(link))
    if not target.name.startswith(FALLBACK_PREFIX) or postmaster_pid(target) is not None:
        return False
    shutil.rmtree(target, ignore_errors=True)
    link.unlink()
    return True


# --------------------------------------------------------------------------------------------------
# cluster


def _write(path: Path, data: str | bytes, account: Account, mode: int = 0o600) -> None:
    raw = data.encode() if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(raw)
    os.chmod(path, mode)
    account.chown(path)


def _certificate() -> tuple[bytes, bytes]:
    """Self-signed certificate and key for 127.0.0.1/localhost (clients use sslmode=require, no CA check)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def read_config(data_dir: Path) -> dict[str, Any]:
    return json.loads((data_dir / CONFIG_FILE).read_text())


def ensure_cluster(state_dir: Path, data_dir: Path, bin_dir: Path, account: Account) -> bool:
    """initdb once. Returns True if the cluster was made now, False if it was reused."""
    if (data_dir / "PG_VERSION").is_file() and (data_dir / CONFIG_FILE).is_file():
        return False
    if data_dir.exists() and any(data_dir.iterdir()):
        raise PostgresError(
            f"{data_dir} is not empty but holds no cluster made by local_backend (no {CONFIG_FILE}); remove it"
        )
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    account.chown(data_dir)
    password = secrets.token_urlsafe(24)
    fd, pwfile = tempfile.mkstemp(prefix="local_backend-pw-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
        account.chown(Path(pwfile))
        result = subprocess.run(  # noqa: S603
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256",
                "--auth-local=reject",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            cwd="/",
            capture_output=True,
            text=True,
            check=False,
            **account.popen_kwargs(),
        )
    finally:
        os.unlink(pwfile)
    if result.returncode != 0:
        shutil.rmtree(data_dir, ignore_errors=True)
        raise PostgresError(f"initdb failed ({result.returncode}): {(result.stderr or result.stdout).strip()}")
    cert, key = _certificate()
    _write(data_dir / "server.crt", cert, account, 0o644)
    _write(data_dir / "server.key", key, account, 0o600)
    _write(data_dir / "pg_hba.conf", PG_HBA, account, 0o600)
    config = {"superuser": SUPERUSER, "password": password, "state_dir": str(state_dir)}
    _write(data_dir / CONFIG_FILE, json.dumps(config) + "\n", account, 0o600)
    return True


def start(state_dir: Path, timeout: float = 30.0) -> ServerInfo:
    """Start the server for ``state_dir`` (initdb on first use); wait for pg_isready at most ``timeout`` s."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise PostgresError(MISSING_BINARIES)
    account = server_account()
    reap_orphans()
    data_dir = data_dir_for(state_dir, account)
    stale = postmaster_pid(data_dir)
    if stale is not None:  # left behind by an `up` whose state was lost: stop exactly that server
        stop(stale, data_dir)
    ensure_cluster(state_dir, data_dir, bin_dir, account)
    log = state_dir / LOG_FILE
    deadline = time.monotonic() + timeout
    for attempt in range(3):
        port = _free_port()
        command = [str(bin_dir / "postgres"), "-D", str(data_dir), "-p", str(port)]
        for name, value in SERVER_SETTINGS.items():
            command += ["-c", f"{name}={value}"]
        with open(log, "ab") as handle:
            process = subprocess.Popen(  # noqa: S603
                command,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                cwd="/",
                start_new_session=True,
                close_fds=True,
                **account.popen_kwargs(),
            )
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            ready = subprocess.run(  # noqa: S603
                [str(bin_dir / "pg_isready"), "-q", "-h", HOST, "-p", str(port), "-t", "1"],
                capture_output=True,
                check=False,
            )
            if ready.returncode == 0:
                return ServerInfo(pid=process.pid, port=port, data_dir=data_dir, log=log)
            time.sleep(0.05)
        else:
            stop(process.pid, data_dir, timeout=5)
            raise PostgresError(
                f"timed out after {timeout:g} s waiting for pg_isready on {HOST}:{port} (pid {process.pid}); "
                f"last lines of {log}:\n{_log_tail(log)}"
            )
        tail = _log_tail(log)
        if "could not bind" in tail and attempt < 2:  # the free port was taken in between: try another
            continue
        raise PostgresError(
            f"postgres (pid {process.pid}) exited with status {process.returncode} before accepting "
            f"connections; last lines of {log}:\n{tail}"
        )
    raise PostgresError(f"postgres could not bind a free port on {HOST}; see {log}")


def status(pid: int | None, data_dir: Path | None) -> bool:
    return pid is not None and data_dir is not None and pid_alive(pid) and is_server_process(pid, data_dir)
