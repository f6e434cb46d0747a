"""aws_rds and aws_aurora on the local backend: plan on an empty account and on the foundation alone,
converge, re-run (changed=0), plan on the converged account (changed=0), and the settings read back
through boto3. Secret values are compared in the test, never printed."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from .conftest import Backend, Run, _start_backend, _stop_backend, assert_ok, run_playbook

pytestmark = pytest.mark.slow

AURORA_VARS = "@tests/integration/files/aurora_clusters.yml"
INSTANCE = "wealist-local-postgres"


@dataclass
class Prepared:
    """The backend with the foundation, and the plans (check mode) made before and after it."""

    backend: Backend
    empty_plan: Run
    empty_plan_mutations: list
    foundation_plan: Run
    foundation_plan_mutations: list


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """One backend: plan on the empty account, build the foundation the data layer needs (network, KMS
    key, secrets), plan again on the foundation alone. The tests below converge from there."""
    tmp = tmp_path_factory.mktemp("rds")
    backend = _start_backend(tmp / "backend")
    plan_args = ("--tags", "rds,aurora", "--check", "--diff", "-e", AURORA_VARS)
    try:
        backend.clear_requests()
        empty = run_playbook(backend, *plan_args)
        empty_mutations = backend.mutating_requests()
        assert_ok(run_playbook(backend, "--tags", "network,kms,secrets"))
        backend.clear_requests()
        plan = run_playbook(backend, *plan_args)
        yield Prepared(backend, empty, empty_mutations, plan, backend.mutating_requests())
    finally:
        _stop_backend(backend)


def _secret(sm, secret_id: str) -> dict:
    return json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"])


def test_plan_on_an_empty_account_says_what_is_missing_and_changes_nothing(prepared):
    assert_ok(prepared.empty_plan)
    assert "--tags network" in prepared.empty_plan.text()
    assert prepared.empty_plan_mutations == []


def test_plan_on_the_foundation_alone_lists_the_resources_and_changes_nothing(prepared):
    assert_ok(prepared.foundation_plan)
    # rds: security group, parameter group, instance; aurora: the same three loops.
    assert prepared.foundation_plan.changed >= 6
    assert prepared.foundation_plan_mutations == []


def test_rds_instance_converges_and_publishes_its_endpoint(prepared):
    backend = prepared.backend
    runs = [run_playbook(backend, "--tags", "rds", "--diff")]
    assert_ok(runs[0])
    backend.clear_requests()
    runs.append(run_playbook(backend, "--tags", "rds", "--diff"))
    assert_ok(runs[1], changed=0)
    assert backend.mutating_requests() == []
    runs.append(run_playbook(backend, "--tags", "rds", "--check", "--diff"))
    assert_ok(runs[2], changed=0)

    rds, sm, kms, ec2 = (backend.client(s) for s in ("rds", "secretsmanager", "kms", "ec2"))
    key_arn = kms.describe_key(KeyId="alias/wealist-local")["KeyMetadata"]["Arn"]
    db = rds.describe_db_instances(DBInstanceIdentifier=INSTANCE)["DBInstances"][0]
    expected = {
        "Engine": "postgres",
        "EngineVersion": "17.7",
        "DBInstanceClass": "db.t4g.micro",
        "StorageType": "gp3",
        "AllocatedStorage": 20,
        "MaxAllocatedStorage": 100,
        "StorageEncrypted": True,
        "KmsKeyId": key_arn,
        "MultiAZ": False,
        "PubliclyAccessible": False,
        "BackupRetentionPeriod": 7,
        "PreferredBackupWindow": "03:00-06:00",
        "PreferredMaintenanceWindow": "mon:00:00-mon:03:00",
        "PerformanceInsightsEnabled": True,
        "PerformanceInsightsKMSKeyId": key_arn,
        "PerformanceInsightsRetentionPeriod": 7,
        "CopyTagsToSnapshot": True,
        "DeletionProtection": False,
        "DBName": "wealist",
        "MasterUsername": "wealist_admin",
    }
    assert {k: db.get(k) for k in expected} == expected
    assert sorted(db["EnabledCloudwatchLogsExports"]) == ["postgresql", "upgrade"]
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == "wealist-local-db-subnet-group"
    assert db["DBParameterGroups"][0]["DBParameterGroupName"] == "wealist-local-postgres17"
    tags = {t["Key"]: t["Value"] for t in db["TagList"]}
    assert tags["Name"] == INSTANCE and tags["Layer"] == "data"

    params = {
        p["ParameterName"]: p
        for p in rds.describe_db_parameters(DBParameterGroupName="wealist-local-postgres17")["Parameters"]
    }
    assert params["shared_preload_libraries"]["ParameterValue"] == "pg_stat_statements"
    assert params["shared_preload_libraries"]["ApplyMethod"] == "pending-reboot"
    assert params["log_statement"]["ParameterValue"] == "ddl"
    assert params["log_min_duration_statement"]["ParameterValue"] == "1000"

    sg = ec2.describe_security_groups(GroupIds=[g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]])
    (group,) = sg["SecurityGroups"]
    assert group["GroupName"] == "wealist-local-rds-sg"
    assert [(r["FromPort"], r["ToPort"], [c["CidrIp"] for c in r["IpRanges"]]) for r in group["IpPermissions"]] == [
        (5432, 5432, ["10.0.0.0/16"])
    ]

    # The master password lives only in the RDS-managed secret, encrypted with the foundation key.
    managed = db["MasterUserSecret"]
    assert managed["KmsKeyId"] == key_arn
    assert sm.describe_secret(SecretId=managed["SecretArn"])["Name"].startswith("rds!db-")
    endpoint = _secret(sm, "wealist/local/database/endpoint")
    source = _secret(sm, managed["SecretArn"])
    assert sorted(endpoint) == ["host", "password", "username"]
    assert endpoint["host"] == db["Endpoint"]["Address"]
    assert endpoint["username"] == source["username"]
    assert endpoint["password"] == source["password"], "password differs from the RDS-managed secret's"
    outputs = [prepared.empty_plan.output, prepared.foundation_plan.output] + [run.output for run in runs]
    assert all(source["password"] not in output for output in outputs), "a password reached the output"


def test_aurora_clusters_converge_with_writer_and_reader(prepared):
    backend = prepared.backend
    first = run_playbook(backend, "--tags", "aurora", "-e", AURORA_VARS)
    assert_ok(first)
    assert first.changed >= 3
    backend.clear_requests()
    assert_ok(run_playbook(backend, "--tags", "aurora", "-e", AURORA_VARS), changed=0)
    assert backend.mutating_requests() == [], "a converged cluster must not be modified (stock rds_cluster would)"
    assert_ok(run_playbook(backend, "--tags", "aurora", "--check", "--diff", "-e", AURORA_VARS), changed=0)

    rds = backend.client("rds")
    kms_arn = backend.client("kms").describe_key(KeyId="alias/wealist-local")["KeyMetadata"]["Arn"]
    shapes = {
        "wealist-local-pingvas-pg": ("aurora-postgresql", 5432),
        "wealist-local-point-mysql": ("aurora-mysql", 3306),
    }
    for cluster_id, (engine, port) in shapes.items():
        cluster = rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
        assert (cluster["Engine"], cluster["Port"], cluster["StorageEncrypted"]) == (engine, port, True)
        assert cluster["KmsKeyId"] == kms_arn and cluster["MasterUserSecret"]["KmsKeyId"] == kms_arn
        assert cluster["DBSubnetGroup"] == "wealist-local-db-subnet-group"
        assert (cluster["PreferredBackupWindow"], cluster["BackupRetentionPeriod"]) == ("03:00-06:00", 7)
        members = {m["DBInstanceIdentifier"]: m["IsClusterWriter"] for m in cluster["DBClusterMembers"]}
        assert members == {f"{cluster_id}-1": True, f"{cluster_id}-2": False}
        for member in members:
            instance = rds.describe_db_instances(DBInstanceIdentifier=member)["DBInstances"][0]
            assert instance["DBInstanceStatus"] == "available" and instance["PerformanceInsightsEnabled"]


def test_wealist_inventory_has_no_aurora_cluster_and_makes_no_aurora_call(prepared):
    prepared.backend.clear_requests()
    assert_ok(run_playbook(prepared.backend, "--tags", "aurora"), changed=0)
    assert [r for r in prepared.backend.requests() if r["service"] == "rds"] == []
