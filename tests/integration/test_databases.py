"""aws_databases against a real PostgreSQL server behind the local backend's RDS API.

The backend is started with ``--postgres`` (conftest's fixtures start it without), so an RDS instance of
engine postgres has a reachable endpoint (a loopback address, TLS required as on RDS 15+) and its RDS-managed
secret holds the master credentials the role reads at run time. The aws_rds role is not used: the test
creates the instance with boto3 exactly as that role will (ManageMasterUserPassword, the inventory's
identifier and master username). Then ``site.yml --tags databases``: a first run (-vvv) creates the six
databases and their extensions and logs no part of the master password, a second run and a check-mode
run change nothing, and psycopg2 (as the master user) finds every database owned by it with both
extensions. No run of the role makes a mutating AWS call.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import yaml

try:  # tests/integration as a package (an __init__.py) or as rootdir-inserted plain modules
    from .conftest import ROOT, Backend, _stop_backend, assert_ok, run_playbook
except ImportError:
    from conftest import ROOT, Backend, _stop_backend, assert_ok, run_playbook  # type: ignore[no-redef]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("databases")]  # one PostgreSQL-backed backend

INVENTORY = yaml.safe_load((ROOT / "inventories/local/group_vars/all/main.yml").read_text())
(RDS,) = INVENTORY["platform_rds_instances"]  # weAlist's one instance, <platform_name>-<suffix>
IDENTIFIER = f"{INVENTORY['platform_project']}-{INVENTORY['platform_environment']}-{RDS['suffix']}"
MASTER = RDS["master_username"]
DATABASES = RDS["databases"]
EXTENSIONS = {"pg_stat_statements", "uuid-ossp"}
WINDOW = 6  # no substring of the master password this long may appear in a log


@pytest.fixture(scope="module")
def pg_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    state_dir = tmp_path_factory.mktemp("databases-backend")
    up = subprocess.run(
        [sys.executable, "-m", "local_backend", "up", "--state-dir", str(state_dir), "--postgres"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert up.returncode == 0, up.stderr
    backend = Backend(state_dir=state_dir, info=json.loads((state_dir / "backend.json").read_text()))
    try:
        yield backend
    finally:
        _stop_backend(backend)


def _create_instance(backend: Backend) -> dict:
    """The instance as aws_rds makes it (its wait step is not needed: the local backend is instant)."""
    rds = backend.client("rds")
    rds.create_db_instance(
        DBInstanceIdentifier=IDENTIFIER,
        Engine="postgres",
        EngineVersion=str(RDS["engine_version"]),
        DBInstanceClass=RDS["instance_class"],
        AllocatedStorage=RDS["allocated_storage"],
        DBName=RDS["db_name"],
        MasterUsername=MASTER,
        ManageMasterUserPassword=True,
    )
    return rds.describe_db_instances(DBInstanceIdentifier=IDENTIFIER)["DBInstances"][0]


def _master_password(backend: Backend, instance: dict) -> str:
    value = backend.client("secretsmanager").get_secret_value(SecretId=instance["MasterUserSecret"]["SecretArn"])
    secret = json.loads(value["SecretString"])
    assert secret["username"] == MASTER
    return secret["password"]


def _leaks(text: str, secret: str) -> list[str]:
    return [secret[i : i + WINDOW] for i in range(len(secret) - WINDOW + 1) if secret[i : i + WINDOW] in text]


def test_databases_converge_rerun_unchanged_and_never_log_the_password(pg_backend: Backend, tmp_path: Path) -> None:
    instance = _create_instance(pg_backend)
    endpoint = instance["Endpoint"]
    # The instance's own endpoint, as RDS reports it: RDS's postgres port on a loopback address of its own.
    assert endpoint["Port"] == 5432 and endpoint["Address"].startswith("127.") and endpoint["Address"] != "127.0.0.1"
    password = _master_password(pg_backend, instance)
    pg_backend.clear_requests()

    first = run_playbook(pg_backend, "--tags", "databases", "-vvv", tmp=tmp_path)
    assert_ok(first)
    assert first.changed > 0, first.output[-4000:]
    assert _leaks(first.output, password) == [], "a part of the master password reached the -vvv log"

    second = run_playbook(pg_backend, "--tags", "databases", tmp=tmp_path)
    assert_ok(second, changed=0)
    check = run_playbook(pg_backend, "--tags", "databases", "--check", "--diff", tmp=tmp_path)
    assert_ok(check, changed=0)
    assert _leaks(second.output + check.output, password) == []
    assert pg_backend.mutating_requests() == [], "the role must only read AWS"

    common = {"host": endpoint["Address"], "port": endpoint["Port"], "user": MASTER, "password": password}
    with psycopg2.connect(dbname="postgres", sslmode="require", **common) as conn, conn.cursor() as cur:
        cur.execute("SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname = ANY(%s)", (DATABASES,))
        assert dict(cur.fetchall()) == dict.fromkeys(DATABASES, MASTER)
    conn.close()
    for name in DATABASES:
        with psycopg2.connect(dbname=name, sslmode="require", **common) as conn, conn.cursor() as cur:
            cur.execute("SELECT extname FROM pg_extension")
            assert EXTENSIONS <= {row[0] for row in cur.fetchall()}, name
        conn.close()


def test_missing_instance_check_mode_previews_and_a_real_run_names_the_rds_tag(pg_backend: Backend) -> None:
    # the naming contract maps the entry (suffix postgres) to an instance that does not exist
    missing = ("-e", '{"platform_rds_instance_names": {"postgres": "absent-postgres"}}')
    pg_backend.clear_requests()
    check = run_playbook(pg_backend, "--tags", "databases", "--check", *missing)
    assert_ok(check, changed=1)  # the plan counts the databases a real run would create (one preview per target)
    assert "would create the databases " + ", ".join(DATABASES) in check.text()

    real = run_playbook(pg_backend, "--tags", "databases", *missing)
    assert real.rc != 0
    assert re.search(
        r"RDS instance absent-postgres \(from platform_rds_instance_names\) does not exist: "
        r"run the aws_rds role first \(--tags rds\)",
        real.text(),
    ), real.output[-3000:]
    assert pg_backend.mutating_requests() == []
