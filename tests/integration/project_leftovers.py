"""What a teardown must not leave: every resource of a platform, by type, read back through boto3 (issue 14,
point 7). A resource is the platform's when it carries the platform's Project tag or a Name tag starting with the
platform name; groups and log groups AWS gives no tags to here are the platform's by name: every non-default DB and
cache subnet/parameter group (the test accounts hold no other project's), the KMS aliases (except on a key pending
deletion: the KMS role keeps the alias so that a run inside the window recovers the key) and the CloudWatch log
groups whose name holds the platform name (the flow log group, and the ones EKS and RDS make for exported logs:
/aws/eks/<cluster>/cluster, /aws/rds/instance/<id>/<log>, /aws/rds/cluster/<id>/<log>)."""

from __future__ import annotations

from .conftest import Backend


def _tags(resource: dict) -> dict:
    return {t["Key"]: t["Value"] for t in resource.get("Tags") or []}


def leftovers(backend: Backend, project: str, name: str) -> dict[str, list[str]]:
    """Kind -> ids of what is left of platform ``name`` (project ``project``); empty lists when nothing is."""
    ec2, rds, cache, kms = (backend.client(s) for s in ("ec2", "rds", "elasticache", "kms"))

    def ours(resource: dict) -> bool:
        tags = _tags(resource)
        return tags.get("Project") == project or tags.get("Name", "").startswith(f"{name}-")

    out = {
        "vpcs": [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if ours(v)],
        "subnets": [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if ours(s)],
        "route_tables": [t["RouteTableId"] for t in ec2.describe_route_tables()["RouteTables"] if ours(t)],
        "security_groups": [
            g["GroupId"]
            for g in ec2.describe_security_groups()["SecurityGroups"]
            if g["GroupName"] != "default" and (ours(g) or g["GroupName"].startswith(f"{name}-"))
        ],
        "internet_gateways": [
            g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"] if ours(g)
        ],
        "vpc_endpoints": [
            e["VpcEndpointId"]
            for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
            if ours(e) and e["State"].lower() not in ("deleted", "deleting")
        ],
        "nat_gateways": [
            n["NatGatewayId"]
            for n in ec2.describe_nat_gateways()["NatGateways"]
            if ours(n) and n["State"] not in ("deleted", "deleting")
        ],
        "elastic_ips": [a["AllocationId"] for a in ec2.describe_addresses()["Addresses"] if ours(a)],
        "flow_logs": [f["FlowLogId"] for f in ec2.describe_flow_logs()["FlowLogs"] if ours(f)],
        "db_instances": [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]],
        "db_clusters": [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]],
        "db_subnet_groups": [
            g["DBSubnetGroupName"]
            for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]
            if g["DBSubnetGroupName"] != "default"
        ],
        "db_parameter_groups": [
            g["DBParameterGroupName"]
            for g in rds.describe_db_parameter_groups()["DBParameterGroups"]
            if not g["DBParameterGroupName"].startswith("default.")
        ],
        "db_cluster_parameter_groups": [
            g["DBClusterParameterGroupName"]
            for g in rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]
            if not g["DBClusterParameterGroupName"].startswith("default.")
        ],
        "cache_replication_groups": [
            g["ReplicationGroupId"] for g in cache.describe_replication_groups()["ReplicationGroups"]
        ],
        "cache_subnet_groups": [
            g["CacheSubnetGroupName"]
            for g in cache.describe_cache_subnet_groups()["CacheSubnetGroups"]
            if g["CacheSubnetGroupName"] != "default"
        ],
        "cache_parameter_groups": [
            g["CacheParameterGroupName"]
            for g in cache.describe_cache_parameter_groups()["CacheParameterGroups"]
            if not g["CacheParameterGroupName"].startswith("default.")
        ],
        # the alias stays on a key pending deletion (a present run inside the window recovers the key): only an
        # alias of a key that is not pending deletion is left over
        "kms_aliases": [
            a["AliasName"]
            for a in kms.list_aliases()["Aliases"]
            if a["AliasName"].startswith(f"alias/{name}")
            and kms.describe_key(KeyId=a["TargetKeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion"
        ],
        "log_groups": [
            g["logGroupName"]
            for g in backend.client("logs").describe_log_groups()["logGroups"]
            if name in g["logGroupName"]
        ],
    }
    return out


def nothing_left(backend: Backend, project: str, name: str) -> None:
    """Assert that no resource of the platform is left, naming every kind that still has some."""
    left = {kind: ids for kind, ids in leftovers(backend, project, name).items() if ids}
    assert left == {}, f"left after the teardown: {left}"
