"""The whole site on one backend, converged once, with many assertions on it.

The fixture plans site.yml on an empty account (check mode), builds the foundation alone, plans the data
layer on it, then converges the whole site with -vvv and two Aurora clusters (the seeds' shapes, which
the weAlist inventory does not have). The tests then assert on those runs and on the converged account:
no mutating call in any plan, no secret value in the -vvv log, the aurora tag alone changes nothing and
writes nothing (the other roles' tags run alone in test_migration.py, on another converged account), the
RDS, Aurora and ElastiCache settings and the endpoint secrets read back through boto3, and last,
teardown.yml removes everything.

Then the sequence of molecule's default scenario on the same converge: the no-change re-run (changed=0, no
mutating AWS call, no write to the Kubernetes API), check mode on the converged site (changed=0) and
molecule/default/verify.yml (every resource read back through *_info modules and boto3); make test does not
converge molecule's scenario a second time. Expected values come from the inventory and the seeds, not from
the roles.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml

from .conftest import ROOT, VENV_BIN, Backend, Run, _start_backend, _stop_backend, assert_ok, run_playbook
from .project_leftovers import nothing_left

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site")]

INVENTORY = yaml.safe_load((ROOT / "inventories/local/group_vars/all/main.yml").read_text())
NAME = f"{INVENTORY['platform_project']}-{INVENTORY['platform_environment']}"
PREFIX = f"{INVENTORY['platform_project']}/{INVENTORY['platform_environment']}/"
AURORA_FILE = ROOT / "tests/integration/files/aurora_clusters.yml"
AURORA = ("-e", f"@{AURORA_FILE.relative_to(ROOT)}")
AURORA_CLUSTERS = yaml.safe_load(AURORA_FILE.read_text())["platform_aurora_clusters"]
# weAlist has one RDS instance and one Redis group (list entries named <platform_name>-<suffix>)
(RDS,) = INVENTORY["platform_rds_instances"]
(REDIS,) = INVENTORY["platform_redis_groups"]
INSTANCE = f"{NAME}-{RDS['suffix']}"
REDIS_GROUP = f"{NAME}-{REDIS['suffix']}"


def _cluster_id(spec: dict) -> str:
    return spec.get("name") or f"{NAME}-{spec['suffix']}"


WINDOW = 12  # no substring this long of a secret value may appear in a log
SECRET_FIELD_WORDS = ("password", "secret", "token", "key")


@dataclass
class Site:
    backend: Backend
    empty_plan: Run
    empty_plan_mutations: list
    data_plan: Run
    data_plan_mutations: list
    converge: Run


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    backend = _start_backend(tmp_path_factory.mktemp("site") / "backend")
    try:
        backend.clear_requests()
        empty_plan = run_playbook(backend, "--check", "--diff", *AURORA)
        empty_mutations = backend.mutating_requests()
        assert_ok(run_playbook(backend, "--tags", "foundation"))
        backend.clear_requests()
        data_plan = run_playbook(backend, "--tags", "data", "--check", "--diff", *AURORA)
        data_mutations = backend.mutating_requests()
        converge = run_playbook(backend, "-vvv", *AURORA)
        assert_ok(converge)
        yield Site(backend, empty_plan, empty_mutations, data_plan, data_mutations, converge)
    finally:
        _stop_backend(backend)


# --- the plans -------------------------------------------------------------------------------------


def test_plan_on_an_empty_account_says_what_it_would_build_and_writes_nothing(site: Site):
    assert_ok(site.empty_plan)
    text = site.empty_plan.text()
    assert f"would create VPC {NAME}-vpc {INVENTORY['platform_vpc_cidr']}" in text
    # the data layer cannot find the foundation it needs and says which tag makes it
    assert "--tags network" in text
    assert site.empty_plan_mutations == [], "check mode wrote to AWS"
    # The plan counts what a run would create (issue 14, 6): every secret of the inventory is reported changed
    # and named with --diff (the key the run would create first: the alias), no value; the per-service databases
    # and their extensions too, though the instance they live in does not exist yet.
    secrets = _task_section(site.empty_plan.output, "aws_secrets : Create the missing secrets")
    assert secrets.startswith("changed:"), secrets[:300]
    report = _task_section(site.empty_plan.output, "aws_secrets : Show which secrets changed")
    names = [PREFIX + d["suffix"] if "suffix" in d else d["name"] for d in INVENTORY["platform_secrets"]]
    assert [n for n in names if f'"{n}": {{ "changes": [ "create" ]' not in report] == []
    assert "alias/" + NAME in report and "PLACEHOLDER-UPDATE-ME" not in report
    databases = _task_section(site.empty_plan.output, "aws_databases : Preview what a real run would create")
    assert databases.startswith("changed:"), databases[:300]
    assert INSTANCE in databases
    assert [d for d in RDS["databases"] if d not in databases] == []
    assert [e for e in RDS["extensions"] if f"{RDS['databases'][0]}: {e}" not in databases] == []


def _task_section(output: str, task: str) -> str:
    """What a run printed for the first task whose name contains ``task``, whitespace collapsed."""
    start = output.index(task)
    end = output.find("TASK [", start)
    body = output[output.index("\n", start) : end if end >= 0 else len(output)]
    return " ".join(" ".join(line for line in body.splitlines() if not line.startswith("[")).split())


def test_plan_on_the_foundation_alone_names_the_data_resources_and_writes_nothing(site: Site):
    assert_ok(site.data_plan)
    text = site.data_plan.text()
    wanted = [INSTANCE, f"{NAME}-postgres17", f"{NAME}-rds-sg", REDIS_GROUP]
    wanted += [_cluster_id(c) for c in AURORA_CLUSTERS]
    assert [w for w in wanted if w not in text] == []
    assert site.data_plan.changed > 0
    assert site.data_plan_mutations == [], "check mode wrote to AWS"


# --- the converge ----------------------------------------------------------------------------------


def _secret_values(backend: Backend) -> dict[str, list[str]]:
    """Every string secret field of every platform secret and of the RDS-managed ones, read back."""
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
            # a *_secret_arn names a secret, it holds none
            strings = [
                v
                for k, v in parsed.items()
                if any(w in k.lower() for w in SECRET_FIELD_WORDS) and not k.lower().endswith("_arn")
            ]
        else:
            strings = [parsed]
        values[s["Name"]] = [v for v in strings if isinstance(v, str)]
    return values


def _leaks(log: str, value: str) -> bool:
    if value == "PLACEHOLDER-UPDATE-ME" or len(value) < WINDOW:
        return False
    return any(value[i : i + WINDOW] in log for i in range(len(value) - WINDOW + 1))


def test_vvv_log_of_the_converge_has_no_secret_value(site: Site):
    values = _secret_values(site.backend)
    generated = ["app/jwt-secret", "app/internal-api-key", "redis/auth-token", "argocd/server", "monitoring/grafana"]
    assert [g for g in generated if f"{PREFIX}{g}" not in values] == []
    # the RDS instance and each Aurora cluster has its RDS-managed secret
    assert len([n for n in values if n.startswith("rds!")]) == 1 + len(AURORA_CLUSTERS), sorted(values)
    checked = {n for n, vs in values.items() for v in vs if len(v) >= WINDOW and v != "PLACEHOLDER-UPDATE-ME"}
    # the database password is checked in the RDS-managed secrets themselves: the endpoint secret only names one
    # (password_secret_arn) and must hold no secret field of its own
    must_check = {f"{PREFIX}{g}" for g in generated} | {n for n in values if n.startswith("rds!")}
    assert values[f"{PREFIX}database/endpoint"] == [], "the endpoint secret holds a secret field"
    assert must_check <= checked, f"secrets the leak check did not cover: {sorted(must_check - checked)}"
    leaked = sorted(name for name, vs in values.items() for v in vs if _leaks(site.converge.output, v))
    assert leaked == [], f"secret values found in the -vvv log: {leaked}"


def _kubectl_json(backend: Backend, *args: str) -> dict:
    """kubectl against the backend's Kubernetes stand-in, its JSON answer parsed."""
    env = {**os.environ, "KUBECONFIG": str(backend.state_dir / "kubeconfig"), "HOME": str(backend.state_dir)}
    proc = subprocess.run(
        [str(VENV_BIN / "kubectl"), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _k8s_revision(backend: Backend) -> str:
    """The Kubernetes API's current resourceVersion (a raw list's metadata.resourceVersion): every write to
    any object, status included, moves it (kubectl's own -o json lists drop it, hence --raw)."""
    return _kubectl_json(backend, "get", "--raw", "/api/v1/namespaces")["metadata"]["resourceVersion"]


# --- the converged site run again, planned, and verified ---------------------------------------------
# (the sequence of molecule's default scenario - idempotence, check, verify - on this module's converge;
# make test does not run molecule's own converge a second time: test_molecule_scenario.py covers the
# scenario's create and destroy steps)


def test_no_change_rerun_writes_nothing_to_aws_or_kubernetes(site: Site):
    site.backend.clear_requests()
    revision = _k8s_revision(site.backend)
    rerun = run_playbook(site.backend, *AURORA)
    assert_ok(rerun, changed=0)
    assert site.backend.mutating_requests() == [], "a no-change run made a mutating AWS call"
    # server-side apply re-sends each manifest (PATCH), which changes nothing on a converged object
    assert _k8s_revision(site.backend) == revision, "a no-change run wrote to the Kubernetes API"


def test_check_mode_on_the_converged_site_plans_nothing(site: Site):
    site.backend.clear_requests()
    plan = run_playbook(site.backend, "--check", "--diff", *AURORA)
    assert_ok(plan, changed=0)
    assert site.backend.mutating_requests() == []


def test_molecule_verify_playbook_reads_the_converged_site_back(site: Site):
    """molecule/default/verify.yml: every resource read back through *_info modules and boto3."""
    verify = run_playbook(site.backend, playbook="molecule/default/verify.yml")
    assert_ok(verify, changed=0)
    # both plays ran on the host (a host-pattern or include mistake would pass with nothing verified)
    assert "PLAY [Verify the foundation layer]" in verify.output and "PLAY [Verify the platform layer]" in verify.output
    assert "skipping: no hosts matched" not in verify.output


def test_aurora_tag_alone_changes_nothing_and_writes_nothing(site: Site):
    """The one role tag run here: only this converge has Aurora clusters (the other roles' tags run alone on
    test_migration.py's converged prod-inventory account)."""
    site.backend.clear_requests()
    assert_ok(run_playbook(site.backend, "--tags", "aurora", *AURORA), changed=0)
    assert site.backend.mutating_requests() == []


# The compute layer's role tags, each alone in a fresh process on this converge (the foundation and data roles'
# tags run alone in test_migration.py; the layer tag compute is the whole re-run's subset).
COMPUTE_TAGS = ["eks", "access", "pod_identity", "nodegroups", "scaling", "addons"]


@pytest.mark.parametrize("tag", COMPUTE_TAGS)
def test_each_compute_tag_alone_changes_nothing_and_writes_nothing(site: Site, tag: str):
    site.backend.clear_requests()
    run = run_playbook(site.backend, "--tags", tag, *AURORA)
    assert_ok(run, changed=0)
    assert run.recap and sum(h["ok"] for h in run.recap.values()) > 1, "the tag ran no task"
    assert site.backend.mutating_requests() == []
    assert [r for r in site.backend.requests() if r["service"] == "eks"], "the tag made no EKS call"


# --- the converged account, read back with boto3 ---------------------------------------------------


def _secret(sm, secret_id: str) -> dict:
    return json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"])


def test_every_secret_denies_all_but_the_platform_principals(site: Site):
    sm, sts = site.backend.client("secretsmanager"), site.backend.client("sts")
    caller = sts.get_caller_identity()
    account, partition = caller["Account"], caller["Arn"].split(":")[1]
    names = [s["Name"] for s in sm.list_secrets(MaxResults=100)["SecretList"] if s["Name"].startswith(PREFIX)]
    assert len(names) == len(INVENTORY["platform_secrets"])
    for name in names:
        (st,) = json.loads(sm.get_resource_policy(SecretId=name)["ResourcePolicy"])["Statement"]
        assert (st["Effect"], st["Principal"], st["Action"], st["Resource"]) == ("Deny", "*", "secretsmanager:*", "*")
        assert list(st["Condition"]) == ["StringNotEquals"], name
        principals = st["Condition"]["StringNotEquals"]["aws:PrincipalArn"]
        iam = f"arn:{partition}:iam::{account}"
        assert f"{iam}:role/pod-identity/{NAME}-external-secrets-pod-identity" in principals
        assert f"{iam}:role/{NAME}-eks-admin" in principals
        # the run's identity: the emulator's caller is an IAM user, which STS reports as arn:aws:sts::<account>:user/...
        assert caller["Arn"].replace(":sts::", ":iam::") in principals
        assert not any("*" in p or p.endswith(":root") for p in principals), principals


def test_rds_instance_settings_and_endpoint_secret(site: Site):
    rds, sm, kms, ec2 = (site.backend.client(s) for s in ("rds", "secretsmanager", "kms", "ec2"))
    key_arn = kms.describe_key(KeyId=f"alias/{NAME}")["KeyMetadata"]["Arn"]
    db = rds.describe_db_instances(DBInstanceIdentifier=INSTANCE)["DBInstances"][0]
    # inventories/local (prod layout, smallest class) and the seed's settings (reference §1.1)
    expected = {
        "DBInstanceStatus": "available",
        "Engine": "postgres",
        "EngineVersion": str(RDS["engine_version"]),
        "DBInstanceClass": RDS["instance_class"],
        "StorageType": "gp3",
        "AllocatedStorage": RDS["allocated_storage"],
        "MaxAllocatedStorage": RDS["max_allocated_storage"],
        "StorageEncrypted": True,
        "KmsKeyId": key_arn,
        "MultiAZ": RDS["multi_az"],
        "PubliclyAccessible": False,
        "BackupRetentionPeriod": 7,
        "PreferredBackupWindow": "03:00-06:00",
        "PreferredMaintenanceWindow": "mon:00:00-mon:03:00",
        "PerformanceInsightsEnabled": True,
        "PerformanceInsightsKMSKeyId": key_arn,
        "PerformanceInsightsRetentionPeriod": 7,
        "CopyTagsToSnapshot": True,
        "DeletionProtection": INVENTORY["platform_deletion_protection"],
        "DBName": RDS["db_name"],
        "MasterUsername": RDS["master_username"],
    }
    assert {k: db.get(k) for k in expected} == expected
    assert sorted(db["EnabledCloudwatchLogsExports"]) == ["postgresql", "upgrade"]
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == f"{NAME}-db-subnet-group"
    assert [g["DBParameterGroupName"] for g in db["DBParameterGroups"]] == [f"{NAME}-postgres17"]
    tags = {t["Key"]: t["Value"] for t in db["TagList"]}
    assert (tags["Name"], tags["Layer"], tags["Project"]) == (INSTANCE, "data", INVENTORY["platform_project"])

    described = rds.describe_db_parameters(DBParameterGroupName=f"{NAME}-postgres17")["Parameters"]
    params = {p["ParameterName"]: p for p in described}
    # the seed's parameters (reference inventory §1.1), as the inventory sets them
    assert RDS["parameters"] == {
        "shared_preload_libraries": "pg_stat_statements",
        "log_statement": "ddl",
        "log_min_duration_statement": 1000,
    }
    assert {k: params[k]["ParameterValue"] for k in RDS["parameters"]} == {
        k: str(v) for k, v in RDS["parameters"].items()
    }
    assert params["shared_preload_libraries"]["ApplyMethod"] == "pending-reboot"
    # TLS required (aws_rds_require_tls, default true): added to the inventory's parameters
    assert params["rds.force_ssl"]["ParameterValue"] == "1"

    (group,) = ec2.describe_security_groups(GroupIds=[g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]])[
        "SecurityGroups"
    ]
    assert group["GroupName"] == f"{NAME}-rds-sg"
    assert [(r["FromPort"], r["ToPort"], [c["CidrIp"] for c in r["IpRanges"]]) for r in group["IpPermissions"]] == [
        (5432, 5432, [INVENTORY["platform_vpc_cidr"]])
    ]

    # The master password lives only in the RDS-managed secret, encrypted with the foundation key; the
    # endpoint secret references it by ARN (never a copy, which RDS's rotation would make stale).
    managed = db["MasterUserSecret"]
    assert managed["KmsKeyId"] == key_arn
    described = sm.describe_secret(SecretId=managed["SecretArn"])
    assert described["Name"].startswith("rds!db-")
    # its rotation schedule is the inventory's (RDS rotates it; the role sets the interval through Secrets Manager)
    assert described.get("RotationEnabled") is True
    assert described["RotationRules"]["AutomaticallyAfterDays"] == INVENTORY["platform_master_password_rotation_days"]
    endpoint = _secret(sm, f"{PREFIX}database/endpoint")
    source = _secret(sm, managed["SecretArn"])
    assert sorted(endpoint) == ["host", "password_secret_arn", "port", "username"]
    assert (endpoint["host"], int(endpoint["port"])) == (db["Endpoint"]["Address"], db["Endpoint"]["Port"])
    assert endpoint["username"] == source["username"] == RDS["master_username"]
    assert endpoint["password_secret_arn"] == managed["SecretArn"]
    # no copy of the password anywhere in the endpoint secret (compared, never printed)
    copied = source["password"] in json.dumps(endpoint)
    assert not copied, "the endpoint secret holds the master password"

    # The platform layer's ExternalSecret reads the password from the managed secret itself, and the synced
    # Secret (the stand-in's operator wrote it) holds the managed secret's current password.
    import base64

    wanted = "database/endpoint#password"
    mapping = next(e for e in INVENTORY["platform_external_secrets"] if wanted in e["data"].values())
    pw_keys = sorted(k for k, v in mapping["data"].items() if v == wanted)
    externals = _k8s_list(site.backend, "externalsecrets.external-secrets.io")
    (external,) = [o for o in externals if o["metadata"]["name"] == mapping["name"]]
    refs = {d["secretKey"]: d["remoteRef"] for d in external["spec"]["data"]}
    assert {k: refs[k] for k in pw_keys} == {k: {"key": managed["SecretArn"], "property": "password"} for k in pw_keys}
    assert refs["DB_HOST"] == {"key": f"{PREFIX}database/endpoint", "property": "host"}
    ready = [c for c in external.get("status", {}).get("conditions", []) if c["type"] == "Ready"]
    assert [(c["status"], c["reason"]) for c in ready] == [("True", "SecretSynced")]
    namespace = external["metadata"]["namespace"]
    (target,) = [
        o
        for o in _k8s_list(site.backend, "secrets")
        if o["metadata"]["namespace"] == namespace and o["metadata"]["name"] == external["spec"]["target"]["name"]
    ]
    synced = {k: base64.b64decode(target["data"][k]).decode() for k in pw_keys}
    differ = [k for k, v in synced.items() if v != source["password"]]
    assert differ == [], "the synced Secret's password is not the managed secret's"


def _k8s_list(backend: Backend, resource: str) -> list[dict]:
    """Every object of one resource type in every namespace of the Kubernetes stand-in (kubectl -o json)."""
    return _kubectl_json(backend, "get", resource, "-A", "-o", "json")["items"]


def test_aurora_clusters_have_a_writer_and_a_reader(site: Site):
    rds = site.backend.client("rds")
    kms_arn = site.backend.client("kms").describe_key(KeyId=f"alias/{NAME}")["KeyMetadata"]["Arn"]
    ports = {"aurora-postgresql": 5432, "aurora-mysql": 3306}
    for spec in AURORA_CLUSTERS:
        cluster_id = _cluster_id(spec)
        cluster = rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
        shape = (cluster["Engine"], cluster["EngineVersion"], cluster["Port"], cluster["StorageEncrypted"])
        assert shape == (spec["engine"], spec["engine_version"], ports[spec["engine"]], True)
        assert cluster["KmsKeyId"] == kms_arn and cluster["MasterUserSecret"]["KmsKeyId"] == kms_arn
        assert (cluster["MasterUsername"], cluster["DatabaseName"]) == (spec["master_username"], spec["database_name"])
        assert cluster["DBSubnetGroup"] == f"{NAME}-db-subnet-group"
        assert (cluster["PreferredBackupWindow"], cluster["BackupRetentionPeriod"]) == ("03:00-06:00", 7)
        members = {m["DBInstanceIdentifier"]: m["IsClusterWriter"] for m in cluster["DBClusterMembers"]}
        assert members == {f"{cluster_id}-1": True, f"{cluster_id}-2": False}
        for member in members:
            instance = rds.describe_db_instances(DBInstanceIdentifier=member)["DBInstances"][0]
            assert (instance["DBInstanceStatus"], instance["DBInstanceClass"]) == ("available", spec["instance_class"])
            assert instance["PerformanceInsightsEnabled"]


def test_elasticache_group_is_available_with_the_inventory_shape(site: Site):
    group = site.backend.client("elasticache").describe_replication_groups(ReplicationGroupId=REDIS_GROUP)[
        "ReplicationGroups"
    ][0]
    assert group["Status"] == "available"
    assert group["CacheNodeType"] == REDIS["node_type"]
    assert len(group["MemberClusters"]) == REDIS["num_cache_clusters"]
    endpoint = _secret(site.backend.client("secretsmanager"), f"{PREFIX}redis/endpoint")
    assert endpoint == {"host": group["NodeGroups"][0]["PrimaryEndpoint"]["Address"]}


def test_backup_plan_protects_every_store_by_arn(site: Site):
    backup, rds, kms = (site.backend.client(s) for s in ("backup", "rds", "kms"))
    (spec,) = INVENTORY["platform_backup_plans"]
    plan_name, vault_name = f"{NAME}-{spec['suffix']}", f"{NAME}-backup"
    vault = backup.describe_backup_vault(BackupVaultName=vault_name)
    assert vault["EncryptionKeyArn"] == kms.describe_key(KeyId=f"alias/{NAME}")["KeyMetadata"]["Arn"]
    assert backup.list_tags(ResourceArn=vault["BackupVaultArn"])["Tags"]["Layer"] == "data"
    (plan,) = [p for p in backup.list_backup_plans()["BackupPlansList"] if p["BackupPlanName"] == plan_name]
    (rule,) = backup.get_backup_plan(BackupPlanId=plan["BackupPlanId"])["BackupPlan"]["Rules"]
    assert (rule["TargetBackupVaultName"], rule["Lifecycle"]["DeleteAfterDays"]) == (vault_name, spec["retention_days"])
    assert rule["ScheduleExpression"].startswith("cron(")
    # what Prowler's rds_instance_protected_by_backup_plan reads: the selections' Resources, by exact ARN
    selections = backup.list_backup_selections(BackupPlanId=plan["BackupPlanId"])["BackupSelectionsList"]
    protected = [
        arn
        for sel in selections
        for arn in backup.get_backup_selection(BackupPlanId=plan["BackupPlanId"], SelectionId=sel["SelectionId"])[
            "BackupSelection"
        ]["Resources"]
    ]
    instances = rds.describe_db_instances()["DBInstances"]
    stores = [d["DBInstanceArn"] for d in instances if not d["Engine"].startswith("aurora")]
    stores += [c["DBClusterArn"] for c in rds.describe_db_clusters()["DBClusters"]]
    assert len(stores) == 1 + len(AURORA_CLUSTERS) and sorted(protected) == sorted(stores)


def test_compute_layer_read_back(site: Site):
    """The compute layer of inventories/local (reference inventory §1.2 values), read back with boto3."""
    eks, ec2, kms = (site.backend.client(s) for s in ("eks", "ec2", "kms"))
    cluster_name = f"{NAME}-eks"
    cluster = eks.describe_cluster(name=cluster_name)["cluster"]
    key_arn = kms.describe_key(KeyId=f"alias/{NAME}")["KeyMetadata"]["Arn"]
    vpc = cluster["resourcesVpcConfig"]
    private = ec2.describe_subnets(SubnetIds=vpc["subnetIds"])["Subnets"]
    assert sorted(next(t["Value"] for t in s["Tags"] if t["Key"] == "Name") for s in private) == sorted(
        f"{NAME}-private-{az}" for az in INVENTORY["platform_azs"]
    )
    assert (cluster["version"], cluster["status"]) == (INVENTORY["platform_eks_version"], "ACTIVE")
    assert (vpc["endpointPublicAccess"], vpc["endpointPrivateAccess"]) == (True, True)
    assert vpc["publicAccessCidrs"] == INVENTORY["platform_eks_public_access_cidrs"]
    enabled = [t for entry in cluster["logging"]["clusterLogging"] if entry["enabled"] for t in entry["types"]]
    assert sorted(enabled) == sorted(["api", "audit", "authenticator", "controllerManager", "scheduler"])
    assert cluster["encryptionConfig"] == [{"resources": ["secrets"], "provider": {"keyArn": key_arn}}]
    assert cluster["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
    assert (cluster["tags"]["Layer"], cluster["tags"]["Project"]) == ("compute", INVENTORY["platform_project"])
    # the node security group rules: Istio 15001-15006 and 15012 both ways, 15017, 15020-15021, 53 tcp/udp, 80
    (group,) = ec2.describe_security_groups(GroupIds=[vpc["clusterSecurityGroupId"]])["SecurityGroups"]
    ingress = {(p["IpProtocol"], p.get("FromPort"), p.get("ToPort")) for p in group["IpPermissions"]}
    egress = {(p["IpProtocol"], p.get("FromPort"), p.get("ToPort")) for p in group["IpPermissionsEgress"]}
    assert {("tcp", 15001, 15006), ("tcp", 15012, 15012), ("tcp", 15017, 15017), ("tcp", 15020, 15021),
            ("tcp", 53, 53), ("udp", 53, 53), ("tcp", 80, 80)} <= ingress  # fmt: skip
    assert {("tcp", 15001, 15006), ("tcp", 15012, 15012)} <= egress

    (spec,) = INVENTORY["platform_eks_nodegroups"]
    ng = eks.describe_nodegroup(clusterName=cluster_name, nodegroupName=f"{NAME}-{spec['suffix']}")["nodegroup"]
    assert (ng["status"], ng["capacityType"], sorted(ng["instanceTypes"]), ng["diskSize"]) == (
        "ACTIVE", spec["capacity_type"], sorted(spec["instance_types"]), spec["disk_size"])  # fmt: skip
    sizes = ng["scalingConfig"]
    assert (sizes["minSize"], sizes["desiredSize"], sizes["maxSize"]) == (
        spec["min_size"], spec["desired_size"], spec["max_size"])  # fmt: skip
    assert ng["labels"] == spec["labels"]
    autoscaler = {"k8s.io/cluster-autoscaler/enabled": "true", f"k8s.io/cluster-autoscaler/{cluster_name}": "owned"}
    assert {k: ng["tags"].get(k) for k in autoscaler} == autoscaler
    (asg_name,) = [g["name"] for g in ng["resources"]["autoScalingGroups"]]
    actions = site.backend.client("autoscaling").describe_scheduled_actions(AutoScalingGroupName=asg_name)
    got = {a["ScheduledActionName"]: (a["Recurrence"], a["TimeZone"], a["MinSize"], a["MaxSize"], a["DesiredCapacity"])
           for a in actions["ScheduledUpdateGroupActions"]}  # fmt: skip
    assert got == {
        f"{NAME}-{e['name']}": (e["cron"], e["time_zone"], e["min_size"], e["max_size"], e["desired_size"])
        for e in INVENTORY["platform_scaling_schedules"] if e["enabled"]
    }  # fmt: skip

    addons = {a: eks.describe_addon(clusterName=cluster_name, addonName=a)["addon"]
              for a in eks.list_addons(clusterName=cluster_name)["addons"]}  # fmt: skip
    assert {n: (a["addonVersion"], a["status"]) for n, a in addons.items()} == {
        e["name"]: (e["version"], "ACTIVE") for e in INVENTORY["platform_eks_addons"]}  # fmt: skip
    assert json.loads(addons["vpc-cni"]["configurationValues"])["env"]["ENABLE_PREFIX_DELEGATION"] == "true"

    policies = {}
    for entry in INVENTORY["platform_eks_access"]:
        arn = next(a for a in eks.list_access_entries(clusterName=cluster_name)["accessEntries"]
                   if a.endswith(f"/{NAME}-eks-{entry['suffix']}"))  # fmt: skip
        listed = eks.list_associated_access_policies(clusterName=cluster_name, principalArn=arn)
        (assoc,) = listed["associatedAccessPolicies"]
        scope = assoc["accessScope"]
        policies[entry["suffix"]] = (assoc["policyArn"].rsplit("/", 1)[1], scope["type"], sorted(scope["namespaces"]))
    assert policies == {
        "admin": ("AmazonEKSClusterAdminPolicy", "cluster", []),
        "developer": ("AmazonEKSEditPolicy", "namespace", sorted([NAME, "argocd"])),
        "readonly": ("AmazonEKSViewPolicy", "cluster", []),
    }

    pods = eks.list_pod_identity_associations(clusterName=cluster_name)["associations"]
    wanted = {(e["namespace"].replace("{{ platform_workload_namespace }}", NAME), e["service_account"])
              for e in INVENTORY["platform_eks_pod_identities"] if e.get("enabled", True)}  # fmt: skip
    wanted.add(("kube-system", "ebs-csi-controller-sa"))  # the aws-ebs-csi-driver add-on's own
    assert {(a["namespace"], a["serviceAccount"]) for a in pods} == wanted
    iam = site.backend.client("iam")
    role = iam.get_role(RoleName=f"{NAME}-external-secrets-pod-identity")["Role"]
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    account = site.backend.client("sts").get_caller_identity()["Account"]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}  # confused-deputy guard
    (policy_name,) = iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
    document = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=policy_name)["PolicyDocument"]
    resources = [r for st in document["Statement"] for r in ([st["Resource"]] if isinstance(st["Resource"], str)
                                                              else st["Resource"])]  # fmt: skip
    assert "*" not in resources and key_arn in resources
    assert any(r.endswith(f":secret:{PREFIX}*") for r in resources), resources


# --- last: teardown --------------------------------------------------------------------------------

CLUSTER = f"{NAME}-eks"  # platform_cluster_name
OTHER_CLUSTER = "someone-elses-eks"


def _tag_list(tags: dict) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _controller_leftovers(backend: Backend) -> tuple[dict, dict]:
    """What controllers in the cluster make in AWS, made with boto3 and tagged as they tag it (AWS Load Balancer
    Controller v2, the in-tree service controller, the EBS CSI driver), which only the compute layer's teardown
    deletes; and resources of another cluster (another VPC) and a driver volume naming no cluster, which it must not.
    Returns (ours, theirs): kind -> ids (ARNs for ELBv2, names for the classic ELB)."""
    ec2, elbv2, elb, eks, autoscaling = (backend.client(s) for s in ("ec2", "elbv2", "elb", "eks", "autoscaling"))
    vpc_config = eks.describe_cluster(name=CLUSTER)["cluster"]["resourcesVpcConfig"]
    vpc, subnets, cluster_sg = vpc_config["vpcId"], vpc_config["subnetIds"], vpc_config["clusterSecurityGroupId"]
    owned = {f"kubernetes.io/cluster/{CLUSTER}": "owned"}
    ingress = {"elbv2.k8s.aws/cluster": CLUSTER, "ingress.k8s.aws/stack": f"{NAME}/web"}

    def group(name: str, tags: dict, vpc_id: str = vpc) -> str:
        spec = [{"ResourceType": "security-group", "Tags": _tag_list(tags)}]
        made = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id, TagSpecifications=spec)
        return made["GroupId"]

    backend_sg = group(
        f"k8s-traffic-{CLUSTER}-0a1b2c", {"elbv2.k8s.aws/cluster": CLUSTER, "elbv2.k8s.aws/resource": "backend-sg"}
    )
    managed_sg = group("k8s-web-ingress-0a1b2c", {**ingress, "ingress.k8s.aws/resource": "ManagedLBSecurityGroup"})
    elb_sg = group("k8s-elb-a0fedcba98765432", owned)  # the in-tree controller's classic ELB group
    # the controller lets its backend group reach the nodes: a rule on the nodes' (cluster) security group
    pair = {"GroupId": backend_sg, "Description": "elbv2.k8s.aws/targetGroupBinding=shared"}
    rule = {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "UserIdGroupPairs": [pair]}
    ec2.authorize_security_group_ingress(GroupId=cluster_sg, IpPermissions=[rule])
    alb = elbv2.create_load_balancer(
        Name="k8s-web-ingress-0a1b2c",
        Subnets=subnets,
        Scheme="internal",
        SecurityGroups=[managed_sg, backend_sg],
        Tags=_tag_list(ingress),
    )["LoadBalancers"][0]["LoadBalancerArn"]
    target_group = elbv2.create_target_group(
        Name="k8s-web-web-0a1b2c", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip", Tags=_tag_list(ingress)
    )["TargetGroups"][0]["TargetGroupArn"]
    forward = [{"Type": "forward", "TargetGroupArn": target_group}]
    elbv2.create_listener(LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=forward)
    service = {**owned, "kubernetes.io/service-name": f"{NAME}/gateway"}
    nlb = elbv2.create_load_balancer(Name="a0123456789abcdef", Subnets=subnets, Type="network", Tags=_tag_list(service))
    elb.create_load_balancer(
        LoadBalancerName="a0fedcba98765432",
        Subnets=subnets[:1],
        SecurityGroups=[elb_sg],
        Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 80, "InstancePort": 30080}],
        Tags=_tag_list(service),
    )

    # a node of the cluster (an instance of a node group's Auto Scaling group) holds one of the volumes
    nodegroup = eks.list_nodegroups(clusterName=CLUSTER)["nodegroups"][0]
    resources = eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName=nodegroup)["nodegroup"]["resources"]
    asg = resources["autoScalingGroups"][0]["name"]
    (node, *_) = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[asg])["AutoScalingGroups"][0][
        "Instances"
    ]
    csi = {"ebs.csi.aws.com/cluster": "true", "CSIVolumeName": "pvc-0a1b2c"}

    def volume(tags: dict) -> str:
        spec = [{"ResourceType": "volume", "Tags": _tag_list(tags)}]
        zone = node["AvailabilityZone"]
        return ec2.create_volume(AvailabilityZone=zone, Size=1, TagSpecifications=spec)["VolumeId"]

    # the driver run with k8sTagClusterId (two), the tag of the cluster-scoped driver policy
    volumes = [
        volume({**csi, **owned, "KubernetesCluster": CLUSTER, "Name": f"{CLUSTER}-dynamic-pvc-0a1b2c"}),
        volume({**csi, "ebs.csi.aws.com/cluster-name": CLUSTER}),
        volume({**csi, **owned}),
    ]
    ec2.attach_volume(VolumeId=volumes[2], InstanceId=node["InstanceId"], Device="/dev/sdf")

    other_vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    other = {"elbv2.k8s.aws/cluster": OTHER_CLUSTER, f"kubernetes.io/cluster/{OTHER_CLUSTER}": "owned"}
    theirs = {
        "security_groups": [group("k8s-traffic-other-0a1b2c", other, vpc_id=other_vpc)],
        "volumes": [
            volume({**csi, f"kubernetes.io/cluster/{OTHER_CLUSTER}": "owned", "KubernetesCluster": OTHER_CLUSTER}),
            volume(csi),  # names no cluster
        ],
    }
    ours = {
        "load_balancers": [alb, nlb["LoadBalancers"][0]["LoadBalancerArn"]],
        "classic_load_balancers": ["a0fedcba98765432"],
        "target_groups": [target_group],
        "security_groups": [backend_sg, managed_sg, elb_sg],
        "volumes": volumes,
    }
    return ours, theirs


def _existing(backend: Backend, made: dict) -> dict:
    """Those of ``made`` (kind -> ids) that exist."""
    ec2, elbv2, elb = (backend.client(s) for s in ("ec2", "elbv2", "elb"))
    exist = {
        "load_balancers": {lb["LoadBalancerArn"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]},
        "classic_load_balancers": {
            lb["LoadBalancerName"] for lb in elb.describe_load_balancers()["LoadBalancerDescriptions"]
        },
        "target_groups": {g["TargetGroupArn"] for g in elbv2.describe_target_groups()["TargetGroups"]},
        "security_groups": {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]},
        "volumes": {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]},
    }
    return {kind: sorted(set(ids) & exist[kind]) for kind, ids in made.items()}


def test_narrowed_audit_of_the_converged_site_passes(site: Site, tmp_path):
    """CI's part of `make audit` (issue 11 point 4): Prowler, pinned in .venv/prowler (installed on first use: about
    20-45 s, 1.4 GB), with the narrowed check list on the converged site; the full audit is `make audit`."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import audit  # noqa: PLC0415 - scripts/ is not a package

    out_dir = tmp_path / "audit"
    proc = subprocess.run(
        [sys.executable, "scripts/audit.py", "--inventory", "inventories/local", "--ci-checks", "--output-dir",
         str(out_dir)],
        cwd=ROOT, env={**os.environ, "LOCAL_BACKEND_DIR": str(site.backend.state_dir)},
        capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    findings = audit.parse_ocsf(json.loads((out_dir / "prowler.ocsf.json").read_text()))
    scope = audit.Scope(INVENTORY["platform_project"], INVENTORY["platform_environment"])
    ours = [f for f in findings if scope.owns(f)]
    # Every narrowed check ran on our resources (a check that found nothing would pass unseen).
    assert {f.check for f in ours} == set(audit.CI_CHECKS), output[-4000:]
    # The emulator artefacts are muted by Prowler itself (audit/mutelist.yaml), on every DB instance (the RDS one and
    # the Aurora members).
    for check in ("rds_instance_certificate_expiration", "rds_instance_deprecated_engine_version"):
        statuses = {f.resource: f.shown_status for f in ours if f.check == check}
        assert INSTANCE in statuses and set(statuses.values()) == {"MUTED"}, output[-4000:]
    # The findings are fixed, not muted: every secret of platform_secrets passes the resource-policy check,
    # the instance the TLS and backup-plan checks.
    passed = {(f.check, f.resource) for f in ours if f.shown_status == "PASS"}
    for secret in INVENTORY["platform_secrets"]:
        check = ("secretsmanager_has_restrictive_resource_policy", f"{PREFIX}{secret['suffix']}")
        assert check in passed, output[-4000:]
    for check in ("rds_instance_transport_encrypted", "rds_instance_protected_by_backup_plan"):
        assert (check, INSTANCE) in passed, output[-4000:]
    failing = sorted(f"{f.check} {f.resource}" for f in audit.gate(ours))
    assert proc.returncode == 0 and not failing, "unmuted critical/high FAILs:\n" + "\n".join(failing) + "\n" + output


def test_teardown_refuses_without_confirmation_then_removes_everything(site: Site, tmp_path):
    backend = site.backend
    refused = run_playbook(backend, playbook="teardown.yml")
    assert refused.rc != 0 and "platform_teardown_confirm" in refused.text()

    confirm = ("-e", f"platform_teardown_confirm={NAME}")
    # A protected environment: the instance's deletion protection on and kept by the inventory (as in prod),
    # a bucket with an object and no force: refused before the first delete, naming both, nothing changed.
    rds, s3 = backend.client("rds"), backend.client("s3")
    rds.modify_db_instance(DBInstanceIdentifier=INSTANCE, DeletionProtection=True, ApplyImmediately=True)
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(f"{NAME}-"))
    # the bucket policy denies s3:* without TLS and the emulator is plain http (moto enforces it on PutObject):
    # lift it to put the object (the teardown deletes the bucket anyway)
    s3.delete_bucket_policy(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="keep.txt", Body=b"data")
    # a repository that holds an image (DeleteRepository without force would fail after other deletes)
    ecr = backend.client("ecr")
    repository = next(r["repositoryName"] for r in ecr.describe_repositories()["repositories"])
    ecr.put_image(repositoryName=repository, imageManifest=_IMAGE_MANIFEST, imageTag="keep")
    # a read replica listed with final_snapshot on: RDS deletes a replica only without a final snapshot
    replica = f"{INSTANCE}-replica"
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier=replica, SourceDBInstanceIdentifier=INSTANCE, DeletionProtection=False
    )
    kept = ("security_group_name", "parameter_group_name", "databases", "extensions")
    with_replica = tmp_path / "with_replica.yml"
    replica_entry = {**{k: v for k, v in RDS.items() if k not in kept}, "suffix": f"{RDS['suffix']}-replica"}
    replica_entry["final_snapshot"] = True
    with_replica.write_text(yaml.safe_dump({"platform_rds_instances": [RDS, replica_entry]}))
    # what the cluster's controllers made in AWS: only the compute layer's teardown deletes it (not a refused one)
    ours, theirs = _controller_leftovers(backend)
    assert _existing(backend, ours) == {k: sorted(v) for k, v in ours.items()}
    backend.clear_requests()
    protected = run_playbook(
        backend, *confirm, "-e", "platform_deletion_protection=true", *AURORA, "-e", f"@{with_replica}",
        playbook="teardown.yml",
    )  # fmt: skip
    assert protected.rc != 0
    failure = protected.text()
    assert f"RDS instance {INSTANCE} has deletion protection on" in failure, failure[-3000:]
    assert "platform_deletion_protection" in failure and f"S3 bucket {bucket} is not empty" in failure
    assert f"ECR repository {repository} holds images" in failure and "aws_ecr_force_delete" in failure
    assert f"RDS instance {replica} is a read replica" in failure
    assert "platform_rds_instances[1].final_snapshot" in failure
    assert backend.mutating_requests() == [], "the refused teardown changed something"
    assert rds.describe_db_instances(DBInstanceIdentifier=INSTANCE)["DBInstances"][0]["DeletionProtection"]
    assert backend.client("elasticache").describe_replication_groups()["ReplicationGroups"] != []
    rds.modify_db_instance(DBInstanceIdentifier=INSTANCE, DeletionProtection=False, ApplyImmediately=True)
    rds.delete_db_instance(DBInstanceIdentifier=replica, SkipFinalSnapshot=True)
    # An Elastic IP left by a run that stopped between AllocateAddress and CreateNatGateway (issue 14): tagged as
    # the network role tags its NAT addresses, held by nothing; the teardown must release it too.
    stray_eip = backend.client("ec2").allocate_address(
        Domain="vpc",
        TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": [
            {"Key": "Name", "Value": f"{NAME}-nat-eip-zz"}, {"Key": "Project", "Value": INVENTORY["platform_project"]},
        ]}],
    )["AllocationId"]  # fmt: skip

    # the log groups AWS makes for the cluster's control plane and the databases' exported logs, and keeps after
    # deleting them (made here as AWS names them: the emulator makes none), and one of another database
    logs = backend.client("logs")
    made_logs = [f"/aws/eks/{CLUSTER}/cluster", f"/aws/rds/instance/{INSTANCE}/postgresql"] + [
        f"/aws/rds/cluster/{_cluster_id(spec)}/{'postgresql' if 'postgres' in spec['engine'] else 'error'}"
        for spec in AURORA_CLUSTERS
    ]
    for group in [*made_logs, _OTHER_LOG_GROUP]:
        logs.create_log_group(logGroupName=group)

    # with final snapshots (prod's setting): the RDS and Redis entries with final_snapshot on, the Aurora clusters by
    # the role default
    final = tmp_path / "final_snapshots.yml"
    final.write_text(
        yaml.safe_dump({
            "platform_rds_instances": [{**e, "final_snapshot": True} for e in INVENTORY["platform_rds_instances"]],
            "platform_redis_groups": [{**e, "final_snapshot": True} for e in INVENTORY["platform_redis_groups"]],
            "aws_aurora_final_snapshot": True,
        })
    )  # fmt: skip
    down = run_playbook(
        backend,
        *confirm,
        "-e",
        "aws_s3_force_delete=true",
        "-e",
        "aws_ecr_force_delete=true",
        *AURORA,
        "-e",
        f"@{final}",
        playbook="teardown.yml",
    )
    assert_ok(down)
    # nothing of the project is left, of any kind it creates (tests/integration/project_leftovers.py)
    nothing_left(backend, INVENTORY["platform_project"], NAME)
    left_logs = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}
    assert left_logs & set(made_logs) == set() and _OTHER_LOG_GROUP in left_logs
    # the final snapshots the entries ask for exist
    snapshots = backend.client("rds").describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    ours_final = [s["DBSnapshotIdentifier"] for s in snapshots if s["DBInstanceIdentifier"] == INSTANCE]
    assert ours_final != [] and all(s.startswith(f"{INSTANCE}-final-") for s in ours_final), ours_final
    redis_snapshots = [s["SnapshotName"] for s in backend.client("elasticache").describe_snapshots()["Snapshots"]]
    assert [s for s in redis_snapshots if s.startswith(f"{REDIS_GROUP}-final-")] != [], redis_snapshots
    cluster_snapshots = backend.client("rds").describe_db_cluster_snapshots()["DBClusterSnapshots"]
    for spec in AURORA_CLUSTERS:
        assert [
            s for s in cluster_snapshots if s["DBClusterSnapshotIdentifier"].startswith(f"{_cluster_id(spec)}-final-")
        ] != [], f"no final snapshot of {_cluster_id(spec)}"
    ec2 = backend.client("ec2")
    mine = [{"Name": "tag:Project", "Values": [INVENTORY["platform_project"]]}]
    assert ec2.describe_vpcs(Filters=mine)["Vpcs"] == []
    assert ec2.describe_subnets(Filters=mine)["Subnets"] == []
    assert [n for n in ec2.describe_nat_gateways(Filters=mine)["NatGateways"] if n["State"] != "deleted"] == []
    assert ec2.describe_addresses(Filters=mine)["Addresses"] == []
    assert stray_eip not in [a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]]
    backup = backend.client("backup")
    plans = backup.list_backup_plans()["BackupPlansList"]
    assert [p for p in plans if p["BackupPlanName"].startswith(f"{NAME}-")] == []
    assert [v for v in backup.list_backup_vaults()["BackupVaultList"] if v["BackupVaultName"] == f"{NAME}-backup"] == []
    rds = backend.client("rds")
    assert rds.describe_db_instances()["DBInstances"] == []
    assert rds.describe_db_clusters()["DBClusters"] == []
    assert backend.client("elasticache").describe_replication_groups()["ReplicationGroups"] == []
    assert [b for b in backend.client("s3").list_buckets()["Buckets"] if b["Name"].startswith(f"{NAME}-")] == []
    assert backend.client("ecr").describe_repositories()["repositories"] == []
    assert backend.client("eks").list_clusters()["clusters"] == []
    # the controllers' load balancers, target groups, security groups and volumes (the one a node held included),
    # not another cluster's nor a volume that names no cluster
    assert _existing(backend, ours) == {kind: [] for kind in ours}
    assert _existing(backend, theirs) == {k: sorted(v) for k, v in theirs.items()}
    assert backend.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"] == []
    iam = backend.client("iam")
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(f"{NAME}-")] == []
    assert [g["GroupName"] for g in iam.list_groups()["Groups"] if g["GroupName"].startswith(f"{NAME}-")] == []
    sm = backend.client("secretsmanager")
    pending = [
        s
        for s in sm.list_secrets(MaxResults=100, IncludePlannedDeletion=True)["SecretList"]
        if s["Name"].startswith(PREFIX) and "DeletedDate" not in s
    ]
    assert pending == [], "every platform secret must be scheduled for deletion"
    key = backend.client("kms").describe_key(KeyId=f"alias/{NAME}")["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion"

    again = run_playbook(backend, *confirm, *AURORA, playbook="teardown.yml")
    assert_ok(again, changed=0)


_OTHER_LOG_GROUP = "/aws/rds/instance/another-project-db/postgresql"
# the smallest image manifest ECR accepts (schema 2, no layers)
_IMAGE_MANIFEST = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": 2,
        "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    },
    "layers": [],
})  # fmt: skip
