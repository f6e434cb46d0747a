"""The whole site.yml on a fresh backend: no secret value in a -vvv log, the database endpoint secret
carries the RDS-managed password, and teardown.yml removes everything site.yml made."""

from __future__ import annotations

import json

import pytest

from .conftest import assert_ok, run_playbook

pytestmark = pytest.mark.slow

WINDOW = 12  # no substring this long of a secret value may appear in a log
PREFIX = "wealist/local/"
SECRET_FIELD_WORDS = ("password", "secret", "token", "key")


def _secret_values(backend) -> dict[str, list[str]]:
    """Every string value of every platform secret and of the RDS-managed secret, read back."""
    sm = backend.client("secretsmanager")
    values: dict[str, list[str]] = {}
    for s in sm.list_secrets(MaxResults=100)["SecretList"]:
        if not (s["Name"].startswith(PREFIX) or s["Name"].startswith("rds!")):
            continue
        raw = sm.get_secret_value(SecretId=s["ARN"])["SecretString"]
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw
        if isinstance(parsed, dict):
            # Only the secret fields: usernames and endpoint hosts are not secret and do appear in logs.
            strings = [v for k, v in parsed.items() if any(w in k.lower() for w in SECRET_FIELD_WORDS)]
        else:
            strings = [parsed]
        values[s["Name"]] = [v for v in strings if isinstance(v, str)]
    return values


def _leaks(log: str, value: str) -> bool:
    if value == "PLACEHOLDER-UPDATE-ME" or len(value) < WINDOW:
        return False
    return any(value[i : i + WINDOW] in log for i in range(len(value) - WINDOW + 1))


def test_site_vvv_log_has_no_secret_and_teardown_removes_everything(backend):
    run = run_playbook(backend, "-vvv")
    assert_ok(run)
    values = _secret_values(backend)
    # The generated foundation secrets, the RDS-managed one and the endpoint copy must all be there.
    assert f"{PREFIX}app/jwt-secret" in values and f"{PREFIX}redis/auth-token" in values
    assert any(name.startswith("rds!") for name in values), sorted(values)
    checked = {n for n, vs in values.items() for v in vs if len(v) >= WINDOW and v != "PLACEHOLDER-UPDATE-ME"}
    # jwt-secret, internal-api-key, redis auth-token, argocd server key, grafana password, the RDS-managed
    # password and its copy in database/endpoint: the leak check must cover at least these.
    assert len(checked) >= 7, f"too few secret values to make the leak check meaningful: {sorted(checked)}"
    leaked = sorted(name for name, vs in values.items() for v in vs if _leaks(run.output, v))
    assert leaked == [], f"secret values found in the -vvv log: {leaked}"

    sm = backend.client("secretsmanager")
    endpoint = json.loads(sm.get_secret_value(SecretId=f"{PREFIX}database/endpoint")["SecretString"])
    rds = backend.client("rds").describe_db_instances(DBInstanceIdentifier="wealist-local-postgres")["DBInstances"][0]
    managed = json.loads(sm.get_secret_value(SecretId=rds["MasterUserSecret"]["SecretArn"])["SecretString"])
    assert endpoint["password"] == managed["password"] and endpoint["username"] == managed["username"]
    assert endpoint["host"] == rds["Endpoint"]["Address"]

    refused = run_playbook(backend, playbook="teardown.yml")
    assert refused.rc != 0 and "platform_teardown_confirm" in refused.text()

    down = run_playbook(
        backend,
        "-e",
        "platform_teardown_confirm=wealist-local",
        "-e",
        "aws_s3_force_delete=true",
        "-e",
        "aws_ecr_force_delete=true",
        playbook="teardown.yml",
    )
    assert_ok(down)
    ec2 = backend.client("ec2")
    mine = [{"Name": "tag:Project", "Values": ["wealist"]}]
    assert ec2.describe_vpcs(Filters=mine)["Vpcs"] == []
    assert ec2.describe_subnets(Filters=mine)["Subnets"] == []
    assert [n for n in ec2.describe_nat_gateways(Filters=mine)["NatGateways"] if n["State"] != "deleted"] == []
    assert ec2.describe_addresses(Filters=mine)["Addresses"] == []
    assert backend.client("rds").describe_db_instances()["DBInstances"] == []
    assert backend.client("elasticache").describe_replication_groups()["ReplicationGroups"] == []
    assert [b for b in backend.client("s3").list_buckets()["Buckets"] if b["Name"].startswith("wealist-local-")] == []
    assert backend.client("ecr").describe_repositories()["repositories"] == []
    pending = [
        s
        for s in sm.list_secrets(MaxResults=100, IncludePlannedDeletion=True)["SecretList"]
        if s["Name"].startswith(PREFIX) and "DeletedDate" not in s
    ]
    assert pending == [], "every platform secret must be scheduled for deletion"
    key = backend.client("kms").describe_key(KeyId="alias/wealist-local")["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion"

    again = run_playbook(backend, "-e", "platform_teardown_confirm=wealist-local", playbook="teardown.yml")
    assert_ok(again, changed=0)
