"""Read every resource the foundation and data layers build back from the backend, with ids, names, tags and
settings, in a form two reads can be compared with (sorted, no timestamps). Used by test_migration.py
(what one platform owns, before and after the other is built and torn down) and test_migration.py (the
account the old code built, before and after the new code runs on it).

Ids are kept on purpose: equal dumps mean the same resources, not look-alikes built again. Things that
change when a resource is only read (LastAccessedDate of a secret) or that AWS itself moves are left out.
Resources on their way out (KMS keys pending deletion, secrets scheduled for deletion, deleted NAT
gateways) are not listed: they are no longer part of any platform.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

Item = dict[str, Any]
Dump = dict[str, list[Item]]


def _tags(lst: list[dict] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {t[key]: t[value] for t in (lst or [])}


def _sorted(items: list[Item]) -> list[Item]:
    return sorted(items, key=lambda i: json.dumps(i, sort_keys=True, default=str))


def _canon(obj: Any) -> Any:
    """Lists of dicts sorted, so the order AWS returns them in does not matter."""
    if isinstance(obj, dict):
        return {k: _canon(v) for k, v in obj.items()}
    if isinstance(obj, list):
        items = [_canon(v) for v in obj]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return obj


def _optional(call: Callable[[], Any], *missing: str) -> Any:
    """The result, or None when the API says the thing is not configured (no CORS, no lifecycle, ...)."""
    try:
        return call()
    except ClientError as exc:
        if exc.response["Error"]["Code"] in missing:
            return None
        raise


def _ec2(ec2) -> Dump:
    out: Dump = {}
    out["vpc"] = [
        {
            "id": v["VpcId"],
            "name": _tags(v.get("Tags")).get("Name"),
            "cidr": v["CidrBlock"],
            "tags": _tags(v.get("Tags")),
        }
        for v in ec2.describe_vpcs()["Vpcs"]
        if not v.get("IsDefault")
    ]
    out["subnet"] = [
        {
            "id": s["SubnetId"],
            "name": _tags(s.get("Tags")).get("Name"),
            "vpc": s["VpcId"],
            "cidr": s["CidrBlock"],
            "zone": s["AvailabilityZone"],
            "public_ip": s.get("MapPublicIpOnLaunch"),
            "tags": _tags(s.get("Tags")),
        }
        for s in ec2.describe_subnets()["Subnets"]
        if not s.get("DefaultForAz")
    ]
    out["route_table"] = [
        {
            "id": r["RouteTableId"],
            "name": _tags(r.get("Tags")).get("Name"),
            "vpc": r["VpcId"],
            "routes": _canon([{k: v for k, v in x.items() if k not in ("Origin", "State")} for x in r["Routes"]]),
            "subnets": sorted(a["SubnetId"] for a in r.get("Associations", []) if a.get("SubnetId")),
            "tags": _tags(r.get("Tags")),
        }
        for r in ec2.describe_route_tables()["RouteTables"]
        if not any(a.get("Main") for a in r.get("Associations", []))
    ]
    out["internet_gateway"] = [
        {
            "id": i["InternetGatewayId"],
            "name": _tags(i.get("Tags")).get("Name"),
            "vpcs": sorted(a["VpcId"] for a in i.get("Attachments", [])),
            "tags": _tags(i.get("Tags")),
        }
        for i in ec2.describe_internet_gateways()["InternetGateways"]
    ]
    out["nat_gateway"] = [
        {
            "id": n["NatGatewayId"],
            "name": _tags(n.get("Tags")).get("Name"),
            "subnet": n["SubnetId"],
            "allocations": sorted(a.get("AllocationId", "") for a in n.get("NatGatewayAddresses", [])),
            "tags": _tags(n.get("Tags")),
        }
        for n in ec2.describe_nat_gateways()["NatGateways"]
        if n["State"] not in ("deleted", "deleting")
    ]
    out["elastic_ip"] = [
        {"id": a["AllocationId"], "name": _tags(a.get("Tags")).get("Name"), "tags": _tags(a.get("Tags"))}
        for a in ec2.describe_addresses()["Addresses"]
    ]
    out["vpc_endpoint"] = [
        {
            "id": e["VpcEndpointId"],
            "name": _tags(e.get("Tags")).get("Name"),
            "vpc": e["VpcId"],
            "service": e["ServiceName"],
            "type": e["VpcEndpointType"],
            "route_tables": sorted(e.get("RouteTableIds", [])),
            "subnets": sorted(e.get("SubnetIds", [])),
            "tags": _tags(e.get("Tags")),
        }
        for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
        if e.get("State", "available").lower() not in ("deleted", "deleting")
    ]
    out["security_group"] = [
        {
            "id": g["GroupId"],
            "name": g["GroupName"],
            "vpc": g.get("VpcId"),
            "description": g["Description"],
            "ingress": _canon(g["IpPermissions"]),
            "egress": _canon(g["IpPermissionsEgress"]),
            "tags": _tags(g.get("Tags")),
        }
        for g in ec2.describe_security_groups()["SecurityGroups"]
        if g["GroupName"] != "default"
    ]
    return out


def _kms(kms) -> Dump:
    aliases = [a for a in kms.list_aliases()["Aliases"] if not a["AliasName"].startswith("alias/aws/")]
    keys = []
    for alias in aliases:
        if "TargetKeyId" not in alias:
            continue
        meta = kms.describe_key(KeyId=alias["TargetKeyId"])["KeyMetadata"]
        if meta["KeyState"] == "PendingDeletion":
            continue
        key_id = meta["KeyId"]
        keys.append(
            {
                "id": key_id,
                "name": alias["AliasName"],
                "state": meta["KeyState"],
                "description": meta.get("Description"),
                "rotation": kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"],
                "policy": _canon(json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])),
                "tags": _tags(kms.list_resource_tags(KeyId=key_id).get("Tags"), "TagKey", "TagValue"),
            }
        )
    return {"kms_key": keys}


def _s3(s3) -> Dump:
    buckets = []
    for b in s3.list_buckets()["Buckets"]:
        n = b["Name"]
        tagging = _optional(lambda n=n: s3.get_bucket_tagging(Bucket=n)["TagSet"], "NoSuchTagSet")
        buckets.append(
            {
                "name": n,
                "tags": _tags(tagging),
                "versioning": s3.get_bucket_versioning(Bucket=n).get("Status"),
                "lifecycle": _canon(
                    _optional(
                        lambda n=n: s3.get_bucket_lifecycle_configuration(Bucket=n)["Rules"],
                        "NoSuchLifecycleConfiguration",
                    )
                ),
                "cors": _canon(
                    _optional(lambda n=n: s3.get_bucket_cors(Bucket=n)["CORSRules"], "NoSuchCORSConfiguration")
                ),
                "encryption": _canon(
                    _optional(
                        lambda n=n: s3.get_bucket_encryption(Bucket=n)["ServerSideEncryptionConfiguration"]["Rules"],
                        "ServerSideEncryptionConfigurationNotFoundError",
                    )
                ),
                "public_access_block": _optional(
                    lambda n=n: s3.get_public_access_block(Bucket=n)["PublicAccessBlockConfiguration"],
                    "NoSuchPublicAccessBlockConfiguration",
                ),
                "policy": _canon(
                    json.loads(
                        _optional(lambda n=n: s3.get_bucket_policy(Bucket=n)["Policy"], "NoSuchBucketPolicy") or "null"
                    )
                ),
            }
        )
    return {"s3_bucket": buckets}


def _ecr(ecr) -> Dump:
    repos = []
    for r in ecr.describe_repositories()["repositories"]:
        lifecycle = _optional(
            lambda r=r: ecr.get_lifecycle_policy(repositoryName=r["repositoryName"])["lifecyclePolicyText"],
            "LifecyclePolicyNotFoundException",
        )
        repos.append(
            {
                "name": r["repositoryName"],
                "mutability": r["imageTagMutability"],
                "scan_on_push": r.get("imageScanningConfiguration", {}).get("scanOnPush"),
                "encryption": r.get("encryptionConfiguration"),
                "lifecycle": _canon(json.loads(lifecycle)) if lifecycle else None,
                "tags": _tags(ecr.list_tags_for_resource(resourceArn=r["repositoryArn"]).get("tags")),
            }
        )
    return {"ecr_repository": repos}


def _secrets(sm) -> Dump:
    secrets = []
    for page in sm.get_paginator("list_secrets").paginate():
        for s in page["SecretList"]:
            if "DeletedDate" in s:
                continue
            secrets.append(
                {
                    "name": s["Name"],
                    "description": s.get("Description"),
                    "kms_key": s.get("KmsKeyId"),
                    # A new value would be a new version: equal versions mean untouched values.
                    "versions": _canon({k: sorted(v) for k, v in s.get("SecretVersionsToStages", {}).items()}),
                    "tags": _tags(s.get("Tags")),
                }
            )
    return {"secret": secrets}


RDS_INSTANCE_KEYS = (
    "Engine", "EngineVersion", "DBInstanceClass", "AllocatedStorage", "MaxAllocatedStorage", "StorageType",
    "MultiAZ", "DBName", "MasterUsername", "PreferredBackupWindow", "PreferredMaintenanceWindow",
    "BackupRetentionPeriod", "EnabledCloudwatchLogsExports", "DeletionProtection", "PerformanceInsightsEnabled",
    "PerformanceInsightsRetentionPeriod", "StorageEncrypted", "KmsKeyId", "CopyTagsToSnapshot",
    "PubliclyAccessible", "AvailabilityZone", "DBClusterIdentifier", "PromotionTier", "AutoMinorVersionUpgrade",
)  # fmt: skip
RDS_CLUSTER_KEYS = (
    "Engine", "EngineVersion", "DatabaseName", "MasterUsername", "Port", "PreferredBackupWindow",
    "PreferredMaintenanceWindow", "BackupRetentionPeriod", "EnabledCloudwatchLogsExports", "DeletionProtection",
    "StorageEncrypted", "KmsKeyId", "CopyTagsToSnapshot", "DBClusterParameterGroup", "DBSubnetGroup",
)  # fmt: skip


def _rds(rds) -> Dump:
    out: Dump = {}
    out["rds_instance"] = [
        {k: i.get(k) for k in RDS_INSTANCE_KEYS}
        | {
            "name": i["DBInstanceIdentifier"],
            "port": (i.get("Endpoint") or {}).get("Port"),
            "parameter_groups": sorted(p["DBParameterGroupName"] for p in i["DBParameterGroups"]),
            "subnet_group": (i.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
            "security_groups": sorted(g["VpcSecurityGroupId"] for g in i.get("VpcSecurityGroups", [])),
            "managed_secret": bool(i.get("MasterUserSecret")),
            "tags": _tags(i.get("TagList")),
        }
        for i in rds.describe_db_instances()["DBInstances"]
    ]
    out["rds_cluster"] = [
        {k: c.get(k) for k in RDS_CLUSTER_KEYS}
        | {
            "name": c["DBClusterIdentifier"],
            "members": sorted((m["DBInstanceIdentifier"], m["IsClusterWriter"]) for m in c.get("DBClusterMembers", [])),
            "security_groups": sorted(g["VpcSecurityGroupId"] for g in c.get("VpcSecurityGroups", [])),
            "tags": _tags(c.get("TagList")),
        }
        for c in rds.describe_db_clusters()["DBClusters"]
    ]

    def user_parameters(call, **kw) -> dict:
        params = {}
        for page in rds.get_paginator(call).paginate(Source="user", **kw):
            params |= {p["ParameterName"]: (p.get("ParameterValue"), p.get("ApplyMethod")) for p in page["Parameters"]}
        return params

    def tags_of(arn: str) -> dict:
        return _tags(rds.list_tags_for_resource(ResourceName=arn).get("TagList"))

    out["rds_parameter_group"] = [
        {
            "name": p["DBParameterGroupName"],
            "family": p["DBParameterGroupFamily"],
            "description": p["Description"],
            "parameters": user_parameters("describe_db_parameters", DBParameterGroupName=p["DBParameterGroupName"]),
            "tags": tags_of(p["DBParameterGroupArn"]),
        }
        for p in rds.describe_db_parameter_groups()["DBParameterGroups"]
        if not p["DBParameterGroupName"].startswith("default.")
    ]
    out["rds_cluster_parameter_group"] = [
        {
            "name": p["DBClusterParameterGroupName"],
            "family": p["DBParameterGroupFamily"],
            "description": p["Description"],
            "parameters": user_parameters(
                "describe_db_cluster_parameters", DBClusterParameterGroupName=p["DBClusterParameterGroupName"]
            ),
            "tags": tags_of(p["DBClusterParameterGroupArn"]),
        }
        for p in rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]
        if not p["DBClusterParameterGroupName"].startswith("default.")
    ]
    out["db_subnet_group"] = [
        {
            "name": g["DBSubnetGroupName"],
            "description": g["DBSubnetGroupDescription"],
            "subnets": sorted(s["SubnetIdentifier"] for s in g["Subnets"]),
            "tags": tags_of(g["DBSubnetGroupArn"]),
        }
        for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]
    ]
    return out


REDIS_KEYS = (
    "Description", "CacheNodeType", "AutomaticFailover", "MultiAZ", "TransitEncryptionEnabled",
    "AtRestEncryptionEnabled", "AuthTokenEnabled", "SnapshotRetentionLimit", "SnapshotWindow", "ClusterEnabled",
    "KmsKeyId", "Engine",
)  # fmt: skip


def _elasticache(ec) -> Dump:
    out: Dump = {}
    out["redis_group"] = [
        {k: g.get(k) for k in REDIS_KEYS}
        | {
            "name": g["ReplicationGroupId"],
            "members": sorted(g.get("MemberClusters", [])),
            "shards": len(g.get("NodeGroups", [])),
            "tags": _tags(ec.list_tags_for_resource(ResourceName=g["ARN"]).get("TagList")) if g.get("ARN") else {},
        }
        for g in ec.describe_replication_groups()["ReplicationGroups"]
    ]
    out["cache_cluster"] = [
        {
            "name": c["CacheClusterId"],
            "group": c.get("ReplicationGroupId"),
            "zone": c.get("PreferredAvailabilityZone"),
            "engine_version": c.get("EngineVersion"),
            "maintenance_window": c.get("PreferredMaintenanceWindow"),
            "parameter_group": (c.get("CacheParameterGroup") or {}).get("CacheParameterGroupName"),
            "subnet_group": c.get("CacheSubnetGroupName"),
            "security_groups": sorted(s["SecurityGroupId"] for s in c.get("SecurityGroups", [])),
        }
        for c in ec.describe_cache_clusters()["CacheClusters"]
    ]
    groups = []
    for p in ec.describe_cache_parameter_groups()["CacheParameterGroups"]:
        if p["CacheParameterGroupName"].startswith("default."):
            continue
        params = ec.describe_cache_parameters(CacheParameterGroupName=p["CacheParameterGroupName"], Source="user")
        groups.append(
            {
                "name": p["CacheParameterGroupName"],
                "family": p["CacheParameterGroupFamily"],
                "description": p["Description"],
                "parameters": {x["ParameterName"]: x.get("ParameterValue") for x in params.get("Parameters", [])},
                "tags": _tags(ec.list_tags_for_resource(ResourceName=p["ARN"]).get("TagList")) if p.get("ARN") else {},
            }
        )
    out["cache_parameter_group"] = groups
    out["cache_subnet_group"] = [
        {
            "name": g["CacheSubnetGroupName"],
            "description": g["CacheSubnetGroupDescription"],
            "subnets": sorted(s["SubnetIdentifier"] for s in g.get("Subnets", [])),
        }
        for g in ec.describe_cache_subnet_groups()["CacheSubnetGroups"]
    ]
    return out


def _logs(logs) -> Dump:
    return {
        "log_group": [
            {"name": g["logGroupName"], "retention": g.get("retentionInDays")}
            for g in logs.describe_log_groups()["logGroups"]
        ]
    }


def dump(client: Callable[[str], Any]) -> Dump:
    """Every resource kind -> its resources, sorted. `client(service)` returns a boto3 client."""
    out: Dump = {}
    out |= _ec2(client("ec2"))
    out |= _kms(client("kms"))
    out |= _s3(client("s3"))
    out |= _ecr(client("ecr"))
    out |= _secrets(client("secretsmanager"))
    out |= _rds(client("rds"))
    out |= _elasticache(client("elasticache"))
    out |= _logs(client("logs"))
    return {kind: _sorted(items) for kind, items in out.items()}


def owner(item: Item, kind: str, platforms: dict[str, str]) -> str | None:
    """The platform (project) an item belongs to: its Project tag; for what cannot be tagged (cache subnet
    groups, cache clusters, log groups) its name; for the master secrets RDS manages, its instance's or
    cluster's name. `platforms`: project -> platform name.
    """
    tags = item.get("tags") or {}
    if "Project" in tags:
        return tags["Project"]
    name = str(item.get("name") or "")
    for key in ("aws:rds:primaryDBInstanceArn", "aws:rds:primaryDBClusterArn"):
        if key in tags:  # a master secret RDS manages: named after its instance or cluster
            name = tags[key].rsplit(":", 1)[-1]
    for project, platform_name in platforms.items():
        if name.startswith((f"{platform_name}-", f"{project}/", f"alias/{platform_name}", f"/aws/vpc/{platform_name}")):
            return project
    if kind == "cache_cluster" and item.get("group"):
        return owner({"name": item["group"]}, "redis_group", platforms)
    return None


def of_project(d: Dump, project: str, platforms: dict[str, str]) -> Dump:
    """The part of a dump that belongs to one project."""
    return {kind: [i for i in items if owner(i, kind, platforms) == project] for kind, items in d.items()}


def names(d: Dump) -> set[tuple[str, str]]:
    return {(kind, str(i.get("name") or i.get("id"))) for kind, items in d.items() for i in items}
