"""The PostgreSQL bridge of the local backend (``python -m local_backend up --postgres``).

Fidelity gaps covered: moto reports a fake ``<id>.aaaaaaaaaa.<region>.rds.amazonaws.com`` endpoint that
nothing listens on, ignores ModifyDBInstance's ``DBPortNumber``, and fills every RDS-managed master secret
with ``admin`` / ``P@55w0rd!``. With the bridge (``local_backend/postgres/bridge.py``), an RDS instance of
engine postgres has an endpoint of its own - a loopback address, on the instance's port (5432 unless the
caller chose another) - that reaches a real PostgreSQL server accepting the master credentials from its
``rds!db-...`` secret, over TLS only (RDS 15+ ``rds.force_ssl=1``).
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import psycopg2
import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from local_backend.postgres import server as postgres  # noqa: E402

IDENTIFIER = "wealist-local-postgres"
MASTER = "wealist_admin"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local_backend", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        env={**os.environ, **(env or {})},
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def _client(state: dict[str, Any], service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=state["endpoint_url"],
        region_name=state["region"],
        aws_access_key_id=state["aws_access_key_id"],
        aws_secret_access_key=state["aws_secret_access_key"],
    )


def _create_instance(state: dict[str, Any], identifier: str = IDENTIFIER, **extra: Any) -> dict[str, Any]:
    return _client(state, "rds").create_db_instance(
        DBInstanceIdentifier=identifier,
        Engine="postgres",
        EngineVersion="17.7",
        DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20,
        MasterUsername=MASTER,
        **({"ManageMasterUserPassword": True} | extra),
    )["DBInstance"]


def _secret(state: dict[str, Any], arn: str) -> dict[str, str]:
    return json.loads(_client(state, "secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def _connect(endpoint: dict[str, Any], user: str, password: str, dbname: str = "postgres", **kw: Any) -> Any:
    return psycopg2.connect(
        host=endpoint["Address"],
        port=endpoint["Port"],
        user=user,
        password=password,
        dbname=dbname,
        sslmode=kw.pop("sslmode", "require"),
        connect_timeout=5,
        **kw,
    )


@pytest.fixture(scope="module")
def pg_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    state_dir = tmp_path_factory.mktemp("pg-backend")
    up = _cli("up", "--state-dir", str(state_dir), "--postgres")
    try:
        assert up.returncode == 0, up.stderr
        yield state_dir, json.loads((state_dir / "backend.json").read_text())
    finally:
        _cli("down", "--state-dir", str(state_dir))


def test_up_postgres_serves_rds_with_the_managed_secret_and_down_stops_it(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    try:
        up = _cli("up", "--state-dir", str(state_dir), "--postgres")
        assert up.returncode == 0, up.stderr
        state = json.loads((state_dir / "backend.json").read_text())
        assert {"endpoint_url", "region", "pid", "port", "postgres_port", "postgres_pid"} <= set(state)
        pg_pid, serve_pid = state["postgres_pid"], state["pid"]
        assert _alive(pg_pid) and postgres.is_server_process(pg_pid, Path(state["postgres_data_dir"]))
        # Directly, or (root, with a state dir the postgres user cannot reach) through a link to $TMPDIR.
        assert (state_dir / "postgres" / "PG_VERSION").is_file()
        link_target = Path(os.readlink(state_dir / "postgres")) if (state_dir / "postgres").is_symlink() else None
        assert _cli("status", "--state-dir", str(state_dir)).returncode == 0

        created = _create_instance(state, DBName="wealist")
        described = _client(state, "rds").describe_db_instances(DBInstanceIdentifier=IDENTIFIER)["DBInstances"][0]
        endpoint = described["Endpoint"]
        assert created["Endpoint"] == endpoint
        # RDS's port for postgres (not the server's own port), on a loopback address of the instance's own.
        assert endpoint["Port"] == described["DbInstancePort"] == 5432 != state["postgres_port"]
        address = ipaddress.ip_address(endpoint["Address"])
        assert address.is_loopback and str(address) != "127.0.0.1"
        arn = described["MasterUserSecret"]["SecretArn"]
        assert arn.split(":")[6].startswith("rds!db-")
        secret = _secret(state, arn)
        assert secret["username"] == MASTER and secret["password"] != "P@55w0rd!" and len(secret["password"]) >= 20

        with _connect(endpoint, MASTER, secret["password"], "wealist") as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT current_user, r.rolcreatedb, r.rolcreaterole, pg_get_userbyid(d.datdba), s.ssl "
                "FROM pg_roles r, pg_database d, pg_stat_ssl s "
                "WHERE r.rolname = current_user AND d.datname = current_database() AND s.pid = pg_backend_pid()"
            )
            assert cur.fetchone() == (MASTER, True, True, MASTER, True)
        conn.close()

        down = _cli("down", "--state-dir", str(state_dir))
        assert down.returncode == 0, down.stderr
        assert f"postgres pid {pg_pid}" in down.stdout
        assert not _alive(pg_pid) and not _alive(serve_pid)
        assert not (state_dir / "backend.json").exists()
        if link_target is not None:  # a temporary cluster is not kept
            assert not link_target.exists() and not (state_dir / "postgres").is_symlink()
    finally:
        _cli("down", "--state-dir", str(state_dir))


def test_cluster_is_reused_and_its_contents_follow_moto() -> None:
    """initdb once per state dir; a new `up` (moto empty again) starts with no instance roles."""
    # A state dir the server's user can reach (pytest's tmp dirs are private to root when run as root).
    state_dir = Path(tempfile.mkdtemp(prefix="lb-pg-reuse-"))
    state_dir.chmod(0o755)
    try:
        assert _cli("up", "--state-dir", str(state_dir), "--postgres").returncode == 0
        state = json.loads((state_dir / "backend.json").read_text())
        data_dir = Path(state["postgres_data_dir"])
        made = (data_dir / "PG_VERSION").stat().st_mtime_ns
        instance = _create_instance(state)
        password = _secret(state, instance["MasterUserSecret"]["SecretArn"])["password"]
        _connect(instance["Endpoint"], MASTER, password).close()
        assert _cli("down", "--state-dir", str(state_dir)).returncode == 0

        assert _cli("up", "--state-dir", str(state_dir), "--postgres").returncode == 0
        again = json.loads((state_dir / "backend.json").read_text())
        assert again["postgres_data_dir"] == str(data_dir)
        assert (data_dir / "PG_VERSION").stat().st_mtime_ns == made
        endpoint = {"Address": "127.0.0.1", "Port": again["postgres_port"]}
        with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
            _connect(endpoint, MASTER, password)
    finally:
        _cli("down", "--state-dir", str(state_dir))
        shutil.rmtree(state_dir, ignore_errors=True)


def test_missing_binaries_fail_clearly_and_start_nothing(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    up = _cli("up", "--state-dir", str(state_dir), "--postgres", env={postgres.ENV_BINDIR: str(tmp_path / "none")})
    assert up.returncode == 1
    assert "make setup" in up.stderr and "postgresql" in up.stderr
    assert not (state_dir / "backend.pid").exists()


def test_tls_is_required_like_rds_force_ssl(pg_backend: tuple[Path, dict[str, Any]]) -> None:
    _, state = pg_backend
    instance = _create_instance(state, "tls-check")
    password = _secret(state, instance["MasterUserSecret"]["SecretArn"])["password"]
    with pytest.raises(psycopg2.OperationalError, match="no encryption"):
        _connect(instance["Endpoint"], MASTER, password, sslmode="disable")
    _client(state, "rds").delete_db_instance(DBInstanceIdentifier="tls-check", SkipFinalSnapshot=True)


def test_password_changes_follow_modify_and_delete_drops_the_role(pg_backend: tuple[Path, dict[str, Any]]) -> None:
    _, state = pg_backend
    rds = _client(state, "rds")
    instance = _create_instance(state, "pw-check", DBName="appdb")
    arn = instance["MasterUserSecret"]["SecretArn"]
    first = _secret(state, arn)["password"]

    rds.modify_db_instance(DBInstanceIdentifier="pw-check", RotateMasterUserPassword=True, ApplyImmediately=True)
    rotated = _secret(state, arn)["password"]
    assert rotated != first
    _connect(instance["Endpoint"], MASTER, rotated, "appdb").close()
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        _connect(instance["Endpoint"], MASTER, first)

    rds.modify_db_instance(
        DBInstanceIdentifier="pw-check",
        ManageMasterUserPassword=False,
        MasterUserPassword="Plain-Passw0rd",
        ApplyImmediately=True,
    )
    _connect(instance["Endpoint"], MASTER, "Plain-Passw0rd").close()

    rds.delete_db_instance(DBInstanceIdentifier="pw-check", SkipFinalSnapshot=True)
    with pytest.raises(psycopg2.OperationalError, match="Connection refused"):  # the endpoint is gone
        _connect(instance["Endpoint"], MASTER, "Plain-Passw0rd")
    server = {"Address": "127.0.0.1", "Port": state["postgres_port"]}
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):  # so is the role
        _connect(server, MASTER, "Plain-Passw0rd")


def test_endpoint_follows_the_port_the_caller_chose(pg_backend: tuple[Path, dict[str, Any]]) -> None:
    """CreateDBInstance Port and ModifyDBInstance DBPortNumber (ignored by moto 5.2.5) move the endpoint."""
    _, state = pg_backend
    rds = _client(state, "rds")
    instance = _create_instance(state, "port-check", Port=15433)
    endpoint = instance["Endpoint"]
    assert endpoint["Port"] == 15433
    password = _secret(state, instance["MasterUserSecret"]["SecretArn"])["password"]
    _connect(endpoint, MASTER, password).close()

    rds.modify_db_instance(DBInstanceIdentifier="port-check", DBPortNumber=15434, ApplyImmediately=True)
    moved = rds.describe_db_instances(DBInstanceIdentifier="port-check")["DBInstances"][0]
    assert moved["Endpoint"] == {"Address": endpoint["Address"], "Port": 15434}
    assert moved["DbInstancePort"] == 15434
    _connect(moved["Endpoint"], MASTER, password).close()
    with pytest.raises(psycopg2.OperationalError, match="Connection refused"):
        _connect(endpoint, MASTER, password)
    rds.delete_db_instance(DBInstanceIdentifier="port-check", SkipFinalSnapshot=True)


def test_other_engines_and_reserved_usernames(pg_backend: tuple[Path, dict[str, Any]]) -> None:
    _, state = pg_backend
    rds = _client(state, "rds")
    mysql = rds.create_db_instance(
        DBInstanceIdentifier="not-postgres",
        Engine="mysql",
        DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="Passw0rd-123",
    )["DBInstance"]
    assert mysql["Endpoint"]["Address"].endswith(".rds.amazonaws.com") and mysql["Endpoint"]["Port"] == 3306
    with pytest.raises(rds.exceptions.ClientError, match="reserved word"):
        rds.create_db_instance(
            DBInstanceIdentifier="reserved",
            Engine="postgres",
            DBInstanceClass="db.t4g.micro",
            AllocatedStorage=20,
            MasterUsername=postgres.SUPERUSER,
            MasterUserPassword="Passw0rd-123",
        )


def test_no_endpoint_while_creating_in_latency_mode(tmp_path: Path) -> None:
    """RDS reports no Endpoint until the instance is first available; the bridge does the same."""
    state_dir = tmp_path / "state"
    env = {"LOCAL_BACKEND_LATENCY_SECONDS": '{"rds_instance": 600}'}
    try:
        up = _cli("up", "--state-dir", str(state_dir), "--postgres", "--latency-scale", "1", env=env)
        assert up.returncode == 0, up.stderr
        state = json.loads((state_dir / "backend.json").read_text())
        created = _create_instance(state)
        assert created["DBInstanceStatus"] == "creating" and "Endpoint" not in created
    finally:
        _cli("down", "--state-dir", str(state_dir))
