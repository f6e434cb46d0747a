"""moto's RDS API -> the local PostgreSQL server (runs inside ``serve`` with ``up --postgres``).

moto 5.2.5 gap: it reports an endpoint ``<id>.aaaaaaaaaa.<region>.rds.amazonaws.com`` that nothing listens
on, so nothing that connects to the database can run against it. Here RDS DB instances of engine
``postgres`` are served by the one local PostgreSQL server (``server.py``):

* Endpoint: each bridged instance gets its own loopback address (``127.x.y.z``, derived from account,
  region and identifier; the next candidate if taken) on which this process listens on the instance's
  own port - what CreateDBInstance / ModifyDBInstance asked for, RDS's default 5432 otherwise - and
  forwards each connection, byte for byte (TLS included), to the server. ``Endpoint.Address`` is that
  address and ``Endpoint.Port`` / ``DbInstancePort`` the instance's port, so a client connects to exactly
  what DescribeDBInstances reports and a caller's port compares equal, as on RDS. While the instance is
  ``creating`` (latency mode) there is no ``Endpoint``; DeleteDBInstance closes the listener and its
  connections.
* CreateDBInstance creates (or updates) a LOGIN role ``MasterUsername`` with the master password (from the
  ``rds!db-...`` secret with ManageMasterUserPassword, else MasterUserPassword), owner of the database
  ``DBName``; ModifyDBInstance with a password change or a rotation updates it (a rotation puts a new
  AWSCURRENT value in the secret; moto only adds an empty AWSPENDING version); DeleteDBInstance drops the
  role and the databases it owns. ``MasterUsername`` reserved here -> ``InvalidParameterValue``.
* moto starts empty, so the server's contents are reset to match when ``serve`` starts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import socket
import threading
from pathlib import Path
from typing import Any

from ..aws.rds import rds_managed_password
from .server import HOST, SUPERUSER, read_config

#: RDS master usernames the bridge cannot map (its own superuser, PostgreSQL's reserved prefix, RDS's admin).
RESERVED_USERNAMES = re.compile(rf"^(?:{SUPERUSER}|rdsadmin|rds_superuser|pg_.*)$")
#: Attribute on a moto DBInstance holding its :class:`Listener`.
LISTENER = "_local_backend_listener"
#: Loopback addresses tried per instance before giving up (another backend may hold the first ones).
ADDRESS_CANDIDATES = 64
_bridge: dict[str, Any] | None = None
_lock = threading.Lock()
_installed = False


# --------------------------------------------------------------------------------------------------
# Endpoint listeners


class Listener:
    """``address:port`` -> ``127.0.0.1:target_port``, one thread per direction of each connection."""

    def __init__(self, address: str, port: int, target_port: int) -> None:
        self.address, self.port, self.target_port = address, port, target_port
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._sock.bind((address, port))
            self._sock.listen(64)
        except OSError:
            self._sock.close()
            raise
        self._open: set[socket.socket] = set()
        self._guard = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, name=f"rds-endpoint-{address}:{port}", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection((HOST, self.target_port), timeout=10)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        with self._guard:
            if self._closed:
                client.close()
                upstream.close()
                return
            self._open.update((client, upstream))
        back = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
        back.start()
        self._pump(client, upstream)
        back.join()
        with self._guard:
            self._open.difference_update((client, upstream))
        client.close()
        upstream.close()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        """Stop listening and cut the open connections (as deleting an RDS instance does)."""
        with self._guard:
            self._closed = True
            sockets = list(self._open)
        for sock in (self._sock, *sockets):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def _candidate_addresses(key: str) -> list[str]:
    """Loopback addresses for one instance, the first stable for the same account/region/identifier."""
    found: list[str] = []
    counter = 0
    while len(found) < ADDRESS_CANDIDATES:
        digest = hashlib.sha256(f"{key}#{counter}".encode()).digest()
        counter += 1
        address = f"127.{digest[0]}.{digest[1]}.{digest[2]}"
        if digest[2] not in (0, 255) and address != HOST and address not in found:
            found.append(address)
    return [*found, HOST]  # last: 127.0.0.1, the only loopback address some systems (macOS) answer on


def open_listener(database: Any) -> Listener:
    """Listen for ``database`` on its port at the first free loopback address of its candidates."""
    assert _bridge is not None
    key = f"{getattr(database, 'account_id', '')}/{database.region}/{database.db_instance_identifier}"
    port = int(database.port)
    last: OSError | None = None
    for address in _candidate_addresses(key):
        try:
            return Listener(address, port, _bridge["port"])
        except OSError as exc:
            last = exc
    raise OSError(f"port {port} is taken on all {ADDRESS_CANDIDATES + 1} loopback addresses tried: {last}")


def close_listener(database: Any) -> None:
    listener = database.__dict__.pop(LISTENER, None)
    if listener is not None:
        listener.close()


# --------------------------------------------------------------------------------------------------
# The server's roles and databases


def _connect(dbname: str = "postgres") -> Any:
    import psycopg2

    assert _bridge is not None
    conn = psycopg2.connect(
        host=HOST,
        port=_bridge["port"],
        user=_bridge["superuser"],
        password=_bridge["password"],
        dbname=dbname,
        sslmode="require",
        connect_timeout=5,
    )
    conn.autocommit = True
    return conn


def bridged(database: Any) -> bool:
    """True for an RDS DB instance served by the local PostgreSQL server."""
    return _bridge is not None and getattr(database, "engine", None) == "postgres"


def _master_password(database: Any) -> str | None:
    if getattr(database, "manage_master_user_password", False) and hasattr(database, "master_user_secret"):
        secret = database.master_user_secret.secret
        current = secret.versions.get(secret.default_version_id) or {}
        return json.loads(current.get("secret_string") or secret.secret_string)["password"]
    return getattr(database, "_master_user_password", None) or None


def sync_master(database: Any) -> None:
    """Create or update the master role (LOGIN, password from RDS) and the database ``DBName`` it owns."""
    from psycopg2 import sql
    from psycopg2.extensions import encrypt_password

    name = database.master_username
    password = _master_password(database)
    if not name or not password:
        return
    with _lock, contextlib.closing(_connect()) as conn, conn.cursor() as cur:
        # The server stores only the SCRAM verifier; the password itself never reaches the server's log.
        verifier = encrypt_password(password, name, conn, "scram-sha-256")
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
        verb = "ALTER" if cur.fetchone() else "CREATE"
        # SUPERUSER: RDS lets rds_superuser create extensions such as pg_stat_statements, which stock
        # PostgreSQL allows only to superusers (see README: fidelity gaps).
        cur.execute(
            sql.SQL("{} ROLE {} WITH LOGIN SUPERUSER CREATEDB CREATEROLE PASSWORD {}").format(
                sql.SQL(verb), sql.Identifier(name), sql.Literal(verifier)
            )
        )
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = 'rds_superuser'")
        if not cur.fetchone():
            cur.execute("CREATE ROLE rds_superuser NOLOGIN")
        cur.execute(sql.SQL("GRANT rds_superuser TO {} WITH ADMIN OPTION").format(sql.Identifier(name)))
        db_name = getattr(database, "db_name", None)
        if db_name:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db_name,))
            if not cur.fetchone():
                create = sql.SQL("CREATE DATABASE {} OWNER {}")
                cur.execute(create.format(sql.Identifier(db_name), sql.Identifier(name)))


def _drop_roles(cur: Any, roles: list[str]) -> None:
    """Drop ``roles`` with the databases they own (they must be connected to ``postgres``)."""
    from psycopg2 import sql

    if not roles:
        return
    cur.execute(
        "SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = ANY(%s)", (roles,)
    )
    for (datname,) in cur.fetchall():
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(datname)))
    idents = sql.SQL(", ").join(sql.Identifier(r) for r in roles)
    cur.execute(sql.SQL("DROP OWNED BY {} CASCADE").format(idents))
    cur.execute(sql.SQL("DROP ROLE {}").format(idents))


def drop_master(username: str) -> None:
    with _lock, contextlib.closing(_connect()) as conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (username,))
        if cur.fetchone():
            _drop_roles(cur, [username])


def reset_server() -> None:
    """Drop every database and role but the bootstrap ones: moto starts empty, so does the server."""
    from psycopg2 import sql

    with _lock, contextlib.closing(_connect()) as conn, conn.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')")
        for (datname,) in cur.fetchall():
            cur.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(datname)))
        cur.execute("SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' AND rolname <> current_user")
        _drop_roles(cur, [row[0] for row in cur.fetchall()])


def _instances(backend: Any) -> list[Any]:
    return list(getattr(backend, "databases", {}).values())


# --------------------------------------------------------------------------------------------------
# moto patches


def install_bridge(port: int, data_dir: Path) -> None:
    """Point moto's RDS at the local server (idempotent per process). Resets the server's contents."""
    global _bridge, _installed
    config = read_config(data_dir)
    _bridge = {"port": int(port), "superuser": config["superuser"], "password": config["password"]}
    reset_server()
    if _installed:
        return
    from moto.rds.exceptions import InvalidParameterValue, RDSClientError
    from moto.rds.models import DBInstance, RDSBackend

    original_address = DBInstance.address

    def address(self: Any) -> str:
        listener = self.__dict__.get(LISTENER)
        if bridged(self) and listener is not None:
            return str(listener.address)
        return str(original_address.fget(self))

    def endpoint(self: Any) -> dict[str, Any] | None:
        if bridged(self) and getattr(self, "status", "available") == "creating":
            return None  # RDS reports no Endpoint until the first creation is done (latency mode)
        return {"Address": self.address, "Port": self.port}

    DBInstance.address = property(address)  # type: ignore[method-assign,assignment]
    DBInstance.endpoint = property(endpoint)  # type: ignore[method-assign,assignment]

    def _check_username(db_kwargs: dict[str, Any]) -> None:
        username = db_kwargs.get("master_username") or ""
        if _bridge is not None and db_kwargs.get("engine") == "postgres" and RESERVED_USERNAMES.match(username):
            raise InvalidParameterValue(f"MasterUsername {username} cannot be used as it is a reserved word.")

    def _sync_or_fail(database: Any) -> None:
        try:
            sync_master(database)
        except Exception as exc:  # noqa: BLE001 - reported to the caller as an RDS error
            raise RDSClientError(
                "InternalFailure", f"local_backend: could not set up the master role in the local PostgreSQL: {exc}"
            ) from exc

    def _listen_or_fail(database: Any) -> None:
        close_listener(database)
        try:
            database.__dict__[LISTENER] = open_listener(database)
        except OSError as exc:
            message = f"local_backend: cannot serve the instance endpoint: {exc}"
            raise RDSClientError("InternalFailure", message) from exc

    original_create = RDSBackend.create_db_instance

    def create_db_instance(self: Any, db_kwargs: dict[str, Any]) -> Any:
        _check_username(db_kwargs)
        database = original_create(self, db_kwargs)
        if bridged(database):
            try:
                _listen_or_fail(database)
                _sync_or_fail(database)
            except RDSClientError:
                self.delete_db_instance(database.db_instance_identifier)
                raise
        return database

    original_modify = RDSBackend.modify_db_instance

    def modify_db_instance(self: Any, db_instance_identifier: str, db_kwargs: dict[str, Any]) -> Any:
        database = original_modify(self, db_instance_identifier, db_kwargs)
        if not bridged(database):
            return database
        listener = database.__dict__.get(LISTENER)
        if listener is None or listener.port != int(database.port):
            _listen_or_fail(database)  # a new DBPortNumber: listen there
        if db_kwargs.get("rotate_master_user_password") and hasattr(database, "master_user_secret"):
            # moto's rotation leaves an empty AWSPENDING version; RDS sets a new password at once.
            secret = database.master_user_secret.secret
            value = json.dumps({"username": database.master_username, "password": rds_managed_password()})
            self.secretsmanager.put_secret_value(
                secret_id=secret.name,
                secret_string=value,
                secret_binary=None,
                client_request_token=None,
                version_stages=["AWSCURRENT"],
            )
            secret.remove_version_stages_from_old_versions(["AWSPENDING"])
        password_keys = ("master_user_password", "manage_master_user_password", "rotate_master_user_password")
        if any(db_kwargs.get(key) is not None for key in password_keys):
            _sync_or_fail(database)
        return database

    original_delete = RDSBackend.delete_db_instance

    def delete_db_instance(self: Any, db_instance_identifier: str, *args: Any, **kwargs: Any) -> Any:
        database = original_delete(self, db_instance_identifier, *args, **kwargs)
        close_listener(database)
        username = getattr(database, "master_username", None)
        if bridged(database) and username:
            still_used = any(bridged(db) and db.master_username == username for db in _instances(self))
            if not still_used:
                with contextlib.suppress(Exception):  # the instance is gone either way
                    drop_master(username)
        return database

    RDSBackend.create_db_instance = create_db_instance  # type: ignore[method-assign]
    RDSBackend.modify_db_instance = modify_db_instance  # type: ignore[method-assign]
    RDSBackend.delete_db_instance = delete_db_instance  # type: ignore[method-assign]
    _installed = True
