"""The four-run test of every module in plugins/modules/, against one embedded backend.

For each case: check mode on the starting state (changed, and boto3 reads the starting state back
unchanged, with no mutating call in the request log), apply (changed), apply again (changed=false),
check mode on the converged state (changed=false); then the converged state is read back with boto3
and compared with values written here (never through the module under test).

All cases run in two generated playbooks - every check-on-nothing first, then every apply / apply
again / check - with the connection given only through ``module_defaults`` for
``group/cloudops.eks_platform.aws`` (as the layer playbooks do), so a module missing from the action
group in meta/runtime.yml fails here too. Prerequisites (VPC, subnets, subnet groups, security group,
KMS key, IAM role, ECR repositories, secrets, a replication group to modify) are made with boto3.

rds_wait only reads: its four runs are check mode on a missing instance (changed=false, ready=false,
the identifier listed in ``missing``), wait on the instance once it exists (changed=false, ready, the
endpoint returned), the same again, and check mode (changed=false, ready, nothing missing); plus a
real run on a missing instance must fail and name it.

A new module fails ``test_every_module_has_a_four_run_case`` until it gets a case here.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT, Backend, _start_backend, _stop_backend, run_playbook
from .module_cases import STEPS, TAGS, Case, P, families, tag_map

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("modules")]

MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
CONNECTION = "{{ {'region': platform_region} | combine(platform_aws_connection_extra) }}"


_tags = tag_map


# ---------------------------------------------------------------------------------------------------
# boto3 reads (None when the resource does not exist)


def read_flow_log(b: Backend, pre: dict) -> Any:
    logs = b.client("ec2").describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [pre["vpc_id"]]}])
    return [
        {
            "traffic": f["TrafficType"],
            "group": f.get("LogGroupName"),
            "role": f.get("DeliverLogsPermissionArn"),
            "interval": f.get("MaxAggregationInterval"),
            "tags": _tags(f.get("Tags")),
        }
        for f in logs["FlowLogs"]
    ]


def read_ecr_tags(b: Backend, pre: dict) -> Any:
    ecr = b.client("ecr")
    out = {}
    for name in pre["repositories"]:
        arn = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]["repositoryArn"]
        out[name] = _tags(ecr.list_tags_for_resource(resourceArn=arn)["tags"])
    return out


def _replication_group(b: Backend, name: str) -> dict | None:
    ec = b.client("elasticache")
    try:
        return ec.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]
    except ec.exceptions.ReplicationGroupNotFoundFault:
        return None


def _rg_tags(b: Backend, rg: dict) -> dict:
    return _tags(b.client("elasticache").list_tags_for_resource(ResourceName=rg["ARN"])["TagList"])


def read_redis_basic(b: Backend, pre: dict) -> Any:
    rg = _replication_group(b, f"{P}-redis")
    if rg is None:
        return None
    ec = b.client("elasticache")
    member = ec.describe_cache_clusters(CacheClusterId=rg["MemberClusters"][0])["CacheClusters"][0]
    params = {
        p["ParameterName"]: p.get("ParameterValue")
        for p in ec.describe_cache_parameters(CacheParameterGroupName=f"{P}-params")["Parameters"]
    }
    family = ec.describe_cache_parameter_groups(CacheParameterGroupName=f"{P}-params")["CacheParameterGroups"][0]
    return {
        "status": rg["Status"],
        "members": len(rg["MemberClusters"]),
        "node_type": rg["CacheNodeType"],
        "engine_version": member["EngineVersion"].rsplit(".", member["EngineVersion"].count(".") - 1)[0],
        "transit": rg["TransitEncryptionEnabled"],
        "at_rest": rg["AtRestEncryptionEnabled"],
        "kms": rg.get("KmsKeyId"),
        "auth": rg["AuthTokenEnabled"],
        "failover": rg["AutomaticFailover"],
        "multi_az": rg["MultiAZ"],
        "snapshots": (rg["SnapshotRetentionLimit"], rg["SnapshotWindow"]),
        "maintenance": member["PreferredMaintenanceWindow"].lower(),
        "parameter_group": (
            member["CacheParameterGroup"]["CacheParameterGroupName"],
            family["CacheParameterGroupFamily"],
        ),
        "maxmemory-policy": params.get("maxmemory-policy"),
        "subnet_group": member["CacheSubnetGroupName"],
        "security_groups": [g["SecurityGroupId"] for g in member["SecurityGroups"]],
        "tags": _rg_tags(b, rg),
    }


def read_redis_modify(b: Backend, pre: dict) -> Any:
    rg = _replication_group(b, f"{P}-modify")
    return {
        "members": len(rg["MemberClusters"]),
        "snapshot_retention": rg["SnapshotRetentionLimit"],
        "failover": rg["AutomaticFailover"],
        "multi_az": rg["MultiAZ"],
        "tags": _rg_tags(b, rg),
    }


def read_redis_cluster(b: Backend, pre: dict) -> Any:
    rg = _replication_group(b, f"{P}-cluster")
    if rg is None:
        return None
    return {
        "cluster_enabled": rg["ClusterEnabled"],
        "shards": sorted(len(g["NodeGroupMembers"]) for g in rg["NodeGroups"]),
        "members": len(rg["MemberClusters"]),
        "configuration_endpoint": rg["ConfigurationEndpoint"]["Address"].startswith("clustercfg."),
        "failover": rg["AutomaticFailover"],
        "multi_az": rg["MultiAZ"],
        "transit": rg["TransitEncryptionEnabled"],
    }


def read_cluster(b: Backend, pre: dict) -> Any:
    rds = b.client("rds")
    clusters = [c for c in rds.describe_db_clusters()["DBClusters"] if c["DBClusterIdentifier"] == f"{P}-aurora"]
    if not clusters:
        return None
    c = clusters[0]
    return {
        "engine": (c["Engine"], c["EngineVersion"], c["Port"]),
        "encrypted": (c["StorageEncrypted"], c["KmsKeyId"]),
        "secret_kms": c["MasterUserSecret"]["KmsKeyId"],
        "master": c["MasterUsername"],
        "subnet_group": c["DBSubnetGroup"],
        "security_groups": [g["VpcSecurityGroupId"] for g in c["VpcSecurityGroups"]],
        "backups": (c["BackupRetentionPeriod"], c["PreferredBackupWindow"]),
        "members": sorted((m["DBInstanceIdentifier"], m["IsClusterWriter"]) for m in c["DBClusterMembers"]),
        "tags": _tags(c["TagList"]),
    }


def read_instance(b: Backend, pre: dict) -> Any:
    rds = b.client("rds")
    found = [i for i in rds.describe_db_instances()["DBInstances"] if i["DBInstanceIdentifier"] == f"{P}-postgres"]
    if not found:
        return None
    i = found[0]
    return {
        "engine": (i["Engine"], i["EngineVersion"], i["DBInstanceClass"]),
        "storage": (i["StorageType"], i["AllocatedStorage"], i.get("MaxAllocatedStorage")),
        "encrypted": (i["StorageEncrypted"], i["KmsKeyId"]),
        "secret_kms": i["MasterUserSecret"]["KmsKeyId"],
        "master": (i["MasterUsername"], i["DBName"]),
        "subnet_group": i["DBSubnetGroup"]["DBSubnetGroupName"],
        "security_groups": [g["VpcSecurityGroupId"] for g in i["VpcSecurityGroups"]],
        "backups": (i["BackupRetentionPeriod"], i["PreferredBackupWindow"], i["PreferredMaintenanceWindow"]),
        "pi": (i["PerformanceInsightsEnabled"], i.get("PerformanceInsightsKMSKeyId")),
        "logs": sorted(i.get("EnabledCloudwatchLogsExports", [])),
        "flags": (i["MultiAZ"], i["PubliclyAccessible"], i["CopyTagsToSnapshot"], i["DeletionProtection"]),
        "tags": _tags(i["TagList"]),
    }


def read_parameter_group(b: Backend, pre: dict) -> Any:
    rds = b.client("rds")
    groups = [
        g for g in rds.describe_db_parameter_groups()["DBParameterGroups"] if g["DBParameterGroupName"] == f"{P}-pg17"
    ]
    if not groups:
        return None
    wanted = {"shared_preload_libraries", "log_statement", "log_min_duration_statement"}
    params = rds.describe_db_parameters(DBParameterGroupName=f"{P}-pg17")["Parameters"]
    return {
        "family": groups[0]["DBParameterGroupFamily"],
        "parameters": {
            p["ParameterName"]: (p.get("ParameterValue"), p.get("ApplyMethod"))
            for p in params
            if p["ParameterName"] in wanted
        },
    }


def read_secret_copy(b: Backend, pre: dict) -> Any:
    sm = b.client("secretsmanager")
    names = [s["Name"] for s in sm.list_secrets(MaxResults=100)["SecretList"]]
    if f"{P}/copy" not in names:
        return None
    value = json.loads(sm.get_secret_value(SecretId=f"{P}/copy")["SecretString"])
    # Compared, never returned: a failing assert must not print the password.
    return {
        "keys": sorted(value),
        "host": value.get("host"),
        "user": value.get("user"),
        "password_copied": value.get("password") == pre["source_password"],
        "kms": sm.describe_secret(SecretId=f"{P}/copy")["KmsKeyId"],
    }


def read_secrets(b: Backend, pre: dict) -> Any:
    sm = b.client("secretsmanager")
    out = {}
    for s in sm.list_secrets(MaxResults=100)["SecretList"]:
        if not s["Name"].startswith(f"{P}/app/"):
            continue
        value = sm.get_secret_value(SecretId=s["ARN"])["SecretString"]
        out[s["Name"]] = {
            "kms": s.get("KmsKeyId"),
            "tags": _tags(s.get("Tags")),
            # the shape of the value, never the value
            "shape": (json.loads(value) if s["Name"].endswith("placeholder") else (len(value), value.isalnum())),
        }
    return out


def read_route_tables(b: Backend, pre: dict) -> Any:
    """Each route table of the VPC by Name: its IPv4 routes besides the local one, its subnets, its tags."""
    tables = b.client("ec2").describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [pre["vpc_id"]]}])
    out = {}
    for t in tables["RouteTables"]:
        tags = _tags(t.get("Tags"))
        if "Name" not in tags:
            continue  # the VPC's main table
        out[tags["Name"]] = {
            "routes": sorted(
                (r["DestinationCidrBlock"], r.get("GatewayId") or r.get("NatGatewayId"))
                for r in t["Routes"]
                if r.get("GatewayId") != "local" and "DestinationCidrBlock" in r
            ),
            "subnets": sorted(a["SubnetId"] for a in t.get("Associations", []) if a.get("SubnetId")),
            "tags": tags,
        }
    return out


def read_wait_target(b: Backend, pre: dict) -> Any:
    rds = b.client("rds")
    found = [i for i in rds.describe_db_instances()["DBInstances"] if i["DBInstanceIdentifier"] == f"{P}-waited"]
    return [(i["DBInstanceIdentifier"], i["DBInstanceStatus"]) for i in found]


# ---------------------------------------------------------------------------------------------------
# the cases

CASES = [
    Case(
        id="ec2_route_tables",
        module="ec2_route_tables",
        args=lambda pre: {
            "vpc_id": pre["vpc_id"],
            "tags": TAGS,
            "route_tables": [
                {
                    "name": f"{P}-rt-public",
                    "subnets": [pre["subnets"][0]],
                    "routes": [{"dest": "0.0.0.0/0", "gateway_id": pre["igw_id"]}],
                },
                {"name": f"{P}-rt-db", "subnets": [pre["subnets"][1]], "routes": []},
            ],
        },
        read=read_route_tables,
        before=lambda pre: {
            f"{P}-rt-db": {
                "routes": [("0.0.0.0/0", pre["igw_id"])],
                "subnets": [],
                "tags": {"Name": f"{P}-rt-db", "Stale": "yes"},
            },
            f"{P}-rt-other": {"routes": [], "subnets": [pre["subnets"][1]], "tags": {"Name": f"{P}-rt-other"}},
        },
        after=lambda pre: {
            f"{P}-rt-public": {
                "routes": [("0.0.0.0/0", pre["igw_id"])],
                "subnets": [pre["subnets"][0]],
                "tags": {**TAGS, "Name": f"{P}-rt-public"},
            },
            f"{P}-rt-db": {"routes": [], "subnets": [pre["subnets"][1]], "tags": {**TAGS, "Name": f"{P}-rt-db"}},
            f"{P}-rt-other": {"routes": [], "subnets": [], "tags": {"Name": f"{P}-rt-other"}},
        },
    ),
    Case(
        id="ec2_flow_log",
        module="ec2_flow_log",
        args=lambda pre: {
            "name": f"{P}-flow-log",
            "resource_id": pre["vpc_id"],
            "traffic_type": "ALL",
            "log_destination_type": "cloud-watch-logs",
            "log_group_name": f"/aws/vpc-flow-log/{P}",
            "deliver_logs_permission_arn": pre["role_arn"],
            "max_aggregation_interval": 60,
            "tags": TAGS,
        },
        read=read_flow_log,
        before=lambda pre: [],
        after=lambda pre: [
            {
                "traffic": "ALL",
                "group": f"/aws/vpc-flow-log/{P}",
                "role": pre["role_arn"],
                "interval": 60,
                "tags": {**TAGS, "Name": f"{P}-flow-log"},
            }
        ],
    ),
    Case(
        id="ecr_repository_tags",
        module="ecr_repository_tags",
        args=lambda pre: {"names": pre["repositories"], "tags": TAGS, "name_tag": "Name"},
        read=read_ecr_tags,
        before=lambda pre: {name: {"Stale": "yes"} for name in pre["repositories"]},
        after=lambda pre: {name: {**TAGS, "Name": name} for name in pre["repositories"]},
    ),
    Case(
        id="elasticache_replication_group",
        module="elasticache_replication_group",
        args=lambda pre: {
            "name": f"{P}-redis",
            "description": "four-run Redis",
            "engine": "redis",
            "engine_version": "7.1",
            "node_type": "cache.t4g.micro",
            "num_cache_clusters": 1,
            "transit_encryption": True,
            "at_rest_encryption": True,
            "kms_key_id": f"alias/{P}",
            "auth_token_secret_id": f"{P}/redis/auth-token",
            "cache_parameter_group_name": f"{P}-params",
            "parameter_group": {
                "family": "redis7",
                "parameters": {"maxmemory-policy": "volatile-lru"},
                "tags": {**TAGS, "Name": f"{P}-params"},
            },
            "cache_subnet_group_name": f"{P}-cache-subnets",
            "security_group_ids": [pre["sg_id"]],
            "snapshot_retention_limit": 7,
            "snapshot_window": "00:00-05:00",
            "preferred_maintenance_window": "tue:05:00-tue:09:00",
            "auto_minor_version_upgrade": True,
            "apply_immediately": True,
            "wait_timeout": 300,
            "tags": {**TAGS, "Name": f"{P}-redis"},
        },
        read=read_redis_basic,
        before=lambda pre: None,
        after=lambda pre: {
            "status": "available",
            "members": 1,
            "node_type": "cache.t4g.micro",
            "engine_version": "7.1",
            "transit": True,
            "at_rest": True,
            "kms": pre["key_arn"],
            "auth": True,
            "failover": "disabled",
            "multi_az": "disabled",
            "snapshots": (7, "00:00-05:00"),
            "maintenance": "tue:05:00-tue:09:00",
            "parameter_group": (f"{P}-params", "redis7"),
            "maxmemory-policy": "volatile-lru",
            "subnet_group": f"{P}-cache-subnets",
            "security_groups": [pre["sg_id"]],
            "tags": {**TAGS, "Name": f"{P}-redis"},
        },
    ),
    Case(
        id="elasticache_replication_group-modify",
        module="elasticache_replication_group",
        args=lambda pre: {
            "name": f"{P}-modify",
            "num_cache_clusters": 2,
            "snapshot_retention_limit": 3,
            "tags": {**TAGS, "Stage": "modified"},
            "apply_immediately": True,
            "wait_timeout": 300,
        },
        read=read_redis_modify,
        # as prerequisites() made it
        before=lambda pre: {
            "members": 1,
            "snapshot_retention": 1,
            "failover": "disabled",
            "multi_az": "disabled",
            "tags": {**TAGS, "Stage": "initial"},
        },
        # failover and Multi-AZ follow the node count (on from two nodes)
        after=lambda pre: {
            "members": 2,
            "snapshot_retention": 3,
            "failover": "enabled",
            "multi_az": "enabled",
            "tags": {**TAGS, "Stage": "modified"},
        },
    ),
    Case(
        id="elasticache_replication_group-cluster-mode",
        module="elasticache_replication_group",
        args=lambda pre: {
            "name": f"{P}-cluster",
            "engine": "redis",
            "engine_version": "7.1",
            "node_type": "cache.t4g.micro",
            "num_node_groups": 2,
            "replicas_per_node_group": 1,
            "cache_parameter_group_name": "default.redis7.cluster.on",
            "cache_subnet_group_name": f"{P}-cache-subnets",
            "transit_encryption": True,
            "wait_timeout": 300,
        },
        read=read_redis_cluster,
        before=lambda pre: None,
        after=lambda pre: {
            "cluster_enabled": True,
            "shards": [2, 2],
            "members": 4,
            "configuration_endpoint": True,
            "failover": "enabled",
            "multi_az": "enabled",
            "transit": True,
        },
    ),
    Case(
        id="rds_cluster_managed",
        module="rds_cluster_managed",
        args=lambda pre: {
            "db_cluster_identifier": f"{P}-aurora",
            "engine": "aurora-postgresql",
            "engine_version": "16.6",
            "database_name": "modtest",
            "master_username": "modtest_admin",
            "master_user_secret_kms_key_id": pre["key_arn"],
            "port": 5432,
            "db_subnet_group_name": f"{P}-db-subnets",
            "vpc_security_group_ids": [pre["sg_id"]],
            "storage_encrypted": True,
            "kms_key_id": pre["key_arn"],
            "backup_retention_period": 7,
            "preferred_backup_window": "03:00-06:00",
            "preferred_maintenance_window": "mon:00:00-mon:03:00",
            "instance_class": "db.t4g.medium",
            "instances": [
                {"db_instance_identifier": f"{P}-aurora-1"},
                {"db_instance_identifier": f"{P}-aurora-2"},
            ],
            "tags": {**TAGS, "Name": f"{P}-aurora"},
            "wait_timeout": 300,
        },
        read=read_cluster,
        before=lambda pre: None,
        after=lambda pre: {
            "engine": ("aurora-postgresql", "16.6", 5432),
            "encrypted": (True, pre["key_arn"]),
            "secret_kms": pre["key_arn"],
            "master": "modtest_admin",
            "subnet_group": f"{P}-db-subnets",
            "security_groups": [pre["sg_id"]],
            "backups": (7, "03:00-06:00"),
            "members": [(f"{P}-aurora-1", True), (f"{P}-aurora-2", False)],
            "tags": {**TAGS, "Name": f"{P}-aurora"},
        },
    ),
    Case(
        id="rds_instance_managed",
        module="rds_instance_managed",
        args=lambda pre: {
            "db_instance_identifier": f"{P}-postgres",
            "engine": "postgres",
            "engine_version": "17.7",
            "db_instance_class": "db.t4g.micro",
            "allocated_storage": 20,
            "max_allocated_storage": 100,
            "storage_type": "gp3",
            "storage_encrypted": True,
            "kms_key_id": pre["key_arn"],
            "master_username": "modtest_admin",
            "master_user_secret_kms_key_id": pre["key_arn"],
            "db_name": "modtest",
            "db_subnet_group_name": f"{P}-db-subnets",
            "vpc_security_group_ids": [pre["sg_id"]],
            "backup_retention_period": 7,
            "preferred_backup_window": "03:00-06:00",
            "preferred_maintenance_window": "mon:00:00-mon:03:00",
            "enable_performance_insights": True,
            "performance_insights_kms_key_id": pre["key_arn"],
            "performance_insights_retention_period": 7,
            "enable_cloudwatch_logs_exports": ["postgresql", "upgrade"],
            "copy_tags_to_snapshot": True,
            "deletion_protection": False,
            "publicly_accessible": False,
            "multi_az": False,
            "tags": {**TAGS, "Name": f"{P}-postgres"},
            "wait_timeout": 300,
        },
        read=read_instance,
        before=lambda pre: None,
        after=lambda pre: {
            "engine": ("postgres", "17.7", "db.t4g.micro"),
            "storage": ("gp3", 20, 100),
            "encrypted": (True, pre["key_arn"]),
            "secret_kms": pre["key_arn"],
            "master": ("modtest_admin", "modtest"),
            "subnet_group": f"{P}-db-subnets",
            "security_groups": [pre["sg_id"]],
            "backups": (7, "03:00-06:00", "mon:00:00-mon:03:00"),
            "pi": (True, pre["key_arn"]),
            "logs": ["postgresql", "upgrade"],
            "flags": (False, False, True, False),
            "tags": {**TAGS, "Name": f"{P}-postgres"},
        },
    ),
    Case(
        id="rds_parameter_group_managed",
        module="rds_parameter_group_managed",
        args=lambda pre: {
            "name": f"{P}-pg17",
            "family": "postgres17",
            "description": "four-run parameters",
            "parameters": {
                "shared_preload_libraries": "pg_stat_statements",
                "log_statement": "ddl",
                "log_min_duration_statement": 1000,
            },
            "tags": TAGS,
        },
        read=read_parameter_group,
        before=lambda pre: None,
        # apply_method auto: immediate for a dynamic parameter, pending-reboot for a static one or one
        # whose ApplyType is unknown - and the emulator keeps no parameter catalog (moto), so here every
        # parameter is unknown. On AWS log_statement and log_min_duration_statement would be immediate.
        after=lambda pre: {
            "family": "postgres17",
            "parameters": {
                "shared_preload_libraries": ("pg_stat_statements", "pending-reboot"),
                "log_statement": ("ddl", "pending-reboot"),
                "log_min_duration_statement": ("1000", "pending-reboot"),
            },
        },
    ),
    Case(
        id="secretsmanager_secret_copy",
        module="secretsmanager_secret_copy",
        args=lambda pre: {
            "name": f"{P}/copy",
            "source_secret_id": f"{P}/source",
            "fields": {"host": "db.modtest.internal"},
            "copy_fields": {"user": "username", "password": "password"},
            "kms_key_id": f"alias/{P}",
        },
        read=read_secret_copy,
        before=lambda pre: None,
        after=lambda pre: {
            "keys": ["host", "password", "user"],
            "host": "db.modtest.internal",
            "user": "modtest_user",
            "password_copied": True,
            "kms": pre["key_arn"],
        },
    ),
    Case(
        id="secretsmanager_secrets",
        module="secretsmanager_secrets",
        args=lambda pre: {
            "kms_key_id": f"alias/{P}",
            "tags": TAGS,
            "secrets": [
                {"name": f"{P}/app/generated", "kind": "generated", "length": 40},
                {
                    "name": f"{P}/app/placeholder",
                    "kind": "placeholder",
                    "value": {"client_id": "PLACEHOLDER-UPDATE-ME"},
                },
            ],
        },
        read=read_secrets,
        before=lambda pre: {},
        after=lambda pre: {
            f"{P}/app/generated": {"kms": pre["key_arn"], "tags": TAGS, "shape": (40, True)},
            f"{P}/app/placeholder": {
                "kms": pre["key_arn"],
                "tags": TAGS,
                "shape": {"client_id": "PLACEHOLDER-UPDATE-ME"},
            },
        },
    ),
    Case(
        id="rds_wait",
        module="rds_wait",
        args=lambda pre: {"db_instance_identifiers": [f"{P}-waited"], "timeout": 300},
        read=read_wait_target,
        before=lambda pre: [],
        after=lambda pre: [(f"{P}-waited", "available")],
    ),
]
FAMILIES = families()
CASES += [case for family in FAMILIES for case in family.CASES]
BY_ID = {c.id: c for c in CASES}


# ---------------------------------------------------------------------------------------------------
# prerequisites and the two runs


def _random_token(length: int = 32) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))


def prerequisites(b: Backend) -> dict:
    """Everything the cases need, made with boto3 (not with the modules under test)."""
    region = b.info["region"]
    ec2, rds, ec, kms, iam, ecr, sm = (
        b.client(s) for s in ("ec2", "rds", "elasticache", "kms", "iam", "ecr", "secretsmanager")
    )
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=f"{region}{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in ((1, "a"), (2, "b"))
    ]
    sg_id = ec2.create_security_group(GroupName=f"{P}-sg", Description="four-run", VpcId=vpc_id)["GroupId"]
    # ec2_route_tables: an internet gateway; a database table with a stale route and tag; subnet 2 held by a
    # table the case does not list (the module must move it, not add a second association)
    igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    tables = {}
    for name, tags in (
        (f"{P}-rt-db", {"Name": f"{P}-rt-db", "Stale": "yes"}),
        (f"{P}-rt-other", {"Name": f"{P}-rt-other"}),
    ):
        tables[name] = ec2.create_route_table(
            VpcId=vpc_id,
            TagSpecifications=[
                {"ResourceType": "route-table", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
            ],
        )["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=tables[f"{P}-rt-db"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    ec2.associate_route_table(RouteTableId=tables[f"{P}-rt-other"], SubnetId=subnets[1])
    rds.create_db_subnet_group(
        DBSubnetGroupName=f"{P}-db-subnets", DBSubnetGroupDescription="four-run", SubnetIds=subnets
    )
    ec.create_cache_subnet_group(
        CacheSubnetGroupName=f"{P}-cache-subnets", CacheSubnetGroupDescription="four-run", SubnetIds=subnets
    )
    key = kms.create_key(Description="four-run")["KeyMetadata"]
    kms.create_alias(AliasName=f"alias/{P}", TargetKeyId=key["KeyId"])
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role_arn = iam.create_role(RoleName=f"{P}-flow-log", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    repositories = [f"{P}/api", f"{P}/web"]
    for name in repositories:
        ecr.create_repository(repositoryName=name, tags=[{"Key": "Stale", "Value": "yes"}])
    sm.create_secret(Name=f"{P}/redis/auth-token", SecretString=_random_token(), KmsKeyId=key["Arn"])
    source_password = _random_token(24)
    sm.create_secret(
        Name=f"{P}/source", SecretString=json.dumps({"username": "modtest_user", "password": source_password})
    )
    ec.create_replication_group(
        ReplicationGroupId=f"{P}-modify",
        ReplicationGroupDescription="four-run modify",
        Engine="redis",
        EngineVersion="7.1",
        CacheNodeType="cache.t4g.micro",
        NumCacheClusters=1,
        CacheSubnetGroupName=f"{P}-cache-subnets",
        SnapshotRetentionLimit=1,
        Tags=[{"Key": k, "Value": v} for k, v in {**TAGS, "Stage": "initial"}.items()],
    )
    return {
        "vpc_id": vpc_id,
        "subnets": subnets,
        "igw_id": igw_id,
        "sg_id": sg_id,
        "key_arn": key["Arn"],
        "role_arn": role_arn,
        "repositories": repositories,
        "source_password": source_password,
    }


def _playbook(path: Path, name: str, tasks: list[dict], out: Path) -> None:
    """A playbook of the given module tasks (each registered, errors kept) and a last task writing every
    registered result to ``out`` as JSON."""
    registered = {t["register"]: t.pop("_key") for t in tasks}
    content = "{{ {" + ", ".join(f"'{key}': {var}" for var, key in registered.items()) + "} | to_json }}"
    play = {
        "name": name,
        "hosts": "aws_account",
        "gather_facts": False,
        # The connection only through the collection's action group (meta/runtime.yml), built from the
        # inventory's own facts (the top-level group_vars sit beside the project's playbooks, not here).
        "module_defaults": {
            "group/cloudops.eks_platform.aws": CONNECTION,
        },
        "tasks": [
            *tasks,
            {
                "name": "Write the results",
                "ansible.builtin.copy": {"content": content, "dest": str(out), "mode": "0600"},
                "check_mode": False,
            },
        ],
    }
    path.write_text(yaml.safe_dump([play], sort_keys=False))


def _task(case: Case, step: str, pre: dict, index: int) -> dict:
    return {
        "name": f"{case.id} {step}",
        f"cloudops.eks_platform.{case.module}": case.args(pre),
        "check_mode": step.startswith("check"),
        "register": f"r{index}_{step}",
        "ignore_errors": True,
        "_key": f"{case.id}/{step}",
    }


@dataclass
class FourRuns:
    backend: Backend
    pre: dict
    results: dict
    state_after_check: dict
    check_mutations: list
    state_after_apply: dict
    wait_missing: dict
    invalid: dict
    outputs: str


@pytest.fixture(scope="module")
def four_runs(tmp_path_factory) -> FourRuns:
    tmp = tmp_path_factory.mktemp("modules")
    backend = _start_backend(tmp / "backend", postgres=False)
    try:
        pre = prerequisites(backend)
        for family in FAMILIES:  # module_cases/<family>.py: what its own cases need
            pre.update(family.prerequisites(backend, pre))
        # Run A: check mode on the starting state, every case.
        backend.clear_requests()
        out_a = tmp / "a.json"
        _playbook(
            tmp / "a.yml",
            "Check mode on the starting state",
            [_task(c, "check1", pre, i) for i, c in enumerate(CASES)],
            out_a,
        )
        run_a = run_playbook(backend, playbook=str(tmp / "a.yml"), tmp=tmp)
        assert out_a.exists(), run_a.output[-4000:]
        mutations = backend.mutating_requests()
        after_check = {c.id: c.read(backend, pre) for c in CASES}

        # rds_wait needs something to wait for from now on.
        backend.client("rds").create_db_instance(
            DBInstanceIdentifier=f"{P}-waited",
            Engine="postgres",
            EngineVersion="17.7",
            DBInstanceClass="db.t4g.micro",
            AllocatedStorage=20,
            MasterUsername="modtest_admin",
            ManageMasterUserPassword=True,
        )
        # Run B: apply, apply again, check mode on the converged state; then rds_wait on a missing
        # instance outside check mode (must fail).
        out_b = tmp / "b.json"
        tasks = [_task(c, step, pre, i) for i, c in enumerate(CASES) for step in STEPS[1:]]
        tasks.append(
            {
                "name": "rds_wait on a missing instance",
                "cloudops.eks_platform.rds_wait": {"db_instance_identifiers": [f"{P}-never-made"], "timeout": 5},
                "register": "r_wait_missing",
                "ignore_errors": True,
                "_key": "rds_wait/missing",
            }
        )
        tasks.append(
            {
                "name": "elasticache_replication_group refuses Multi-AZ with a single node",
                "cloudops.eks_platform.elasticache_replication_group": {
                    "name": f"{P}-invalid",
                    "node_type": "cache.t4g.micro",
                    "num_cache_clusters": 1,
                    "multi_az": True,
                },
                "register": "r_invalid",
                "ignore_errors": True,
                "_key": "elasticache_replication_group/invalid",
            }
        )
        _playbook(tmp / "b.yml", "Apply, apply again, check mode", tasks, out_b)
        run_b = run_playbook(backend, playbook=str(tmp / "b.yml"), tmp=tmp)
        assert out_b.exists(), run_b.output[-4000:]
        after_apply = {c.id: c.read(backend, pre) for c in CASES}
        results = {**json.loads(out_a.read_text()), **json.loads(out_b.read_text())}
        yield FourRuns(
            backend=backend,
            pre=pre,
            results=results,
            state_after_check=after_check,
            check_mutations=mutations,
            state_after_apply=after_apply,
            wait_missing=results.pop("rds_wait/missing"),
            invalid=results.pop("elasticache_replication_group/invalid"),
            outputs=run_a.output + run_b.output + out_a.read_text() + out_b.read_text(),
        )
    finally:
        _stop_backend(backend)


def _summary(results: dict, case: Case) -> str:
    parts = []
    for step in STEPS:
        r = results[f"{case.id}/{step}"]
        parts.append(f"{step}: changed={r.get('changed')} failed={r.get('failed', False)} {r.get('msg', '')}")
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------------
# the tests


def test_every_module_has_a_four_run_case():
    covered = {c.module for c in CASES}
    # an info module never reports changed; nor does the catalogue preflight, which only reads (its runs against the
    # emulator: tests/unit/test_local_backend_catalogue.py)
    read_only = {m for m in MODULES if m.endswith("_info")} | {"aws_catalogue_preflight"}
    assert sorted(set(MODULES) - covered - read_only) == [], "modules without a four-run case in module_cases/"
    assert sorted(covered - set(MODULES)) == [], "cases of modules that do not exist"


def test_check_mode_on_the_starting_state_writes_nothing(four_runs: FourRuns):
    assert four_runs.check_mutations == [], "check mode sent a mutating call"


@pytest.mark.parametrize("case_id", [c.id for c in CASES])
def test_four_runs(four_runs: FourRuns, case_id: str):
    case = BY_ID[case_id]
    r = {s: four_runs.results[f"{case.id}/{s}"] for s in STEPS}
    summary = _summary(four_runs.results, case)
    assert not any(x.get("failed") for x in r.values()), summary
    changes = [r[s]["changed"] for s in STEPS]
    if case.module == "rds_wait":
        # only reads: never changed; check mode on a missing instance reports it, later runs find it
        assert changes == [False, False, False, False], summary
        assert (r["check1"]["ready"], r["check1"]["missing"]) == (False, [f"{P}-waited"])
        for s in ("apply1", "apply2", "check2"):
            assert (r[s]["ready"], r[s]["missing"]) == (True, []), s
            (entry,) = r[s]["instances"]
            assert entry["db_instance_identifier"] == f"{P}-waited" and entry["status"] == "available"
            assert entry["endpoint_address"] and entry["endpoint_port"] == 5432
    else:
        assert changes == [True, True, False, False], summary
    assert four_runs.state_after_check[case.id] == case.before(four_runs.pre), "check mode changed the state"
    assert four_runs.state_after_apply[case.id] == case.after(four_runs.pre)


def test_rds_wait_fails_on_a_missing_instance(four_runs: FourRuns):
    result = four_runs.wait_missing
    assert result.get("failed") is True
    assert f"DB instance {P}-never-made does not exist" in result["msg"]


def test_elasticache_refuses_multi_az_with_one_node(four_runs: FourRuns):
    assert four_runs.invalid.get("failed") is True
    assert "multi_az needs at least 2 cache nodes" in four_runs.invalid["msg"]
    assert _replication_group(four_runs.backend, f"{P}-invalid") is None


def test_no_secret_value_in_any_output(four_runs: FourRuns):
    sm = four_runs.backend.client("secretsmanager")
    values = {
        "auth token": sm.get_secret_value(SecretId=f"{P}/redis/auth-token")["SecretString"],
        "copied password": four_runs.pre["source_password"],
        "generated": sm.get_secret_value(SecretId=f"{P}/app/generated")["SecretString"],
        # the EKS bearer token eks_kubeconfig wrote (the last run's; each run signs a new one)
        "kubeconfig token": yaml.safe_load(Path(four_runs.pre["kubeconfig_path"]).read_text())["users"][0]["user"][
            "token"
        ],
    }
    leaked = sorted(name for name, value in values.items() if value in four_runs.outputs)
    assert leaked == [], f"secret values in the playbook output or the registered results: {leaked}"
