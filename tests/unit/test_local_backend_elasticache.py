"""The ElastiCache gaps the local backend fills (local_backend/aws/elasticache.py), driven through boto3."""

from __future__ import annotations

import pytest

from .conftest import REGION, aws_client


@pytest.fixture(scope="module")
def ec(local_backend_endpoint):
    return aws_client(local_backend_endpoint, "elasticache")


def test_parameter_group_round_trip(ec):
    ec.create_cache_parameter_group(
        CacheParameterGroupName="pg-a", CacheParameterGroupFamily="redis7", Description="test"
    )
    ec.modify_cache_parameter_group(
        CacheParameterGroupName="pg-a",
        ParameterNameValues=[{"ParameterName": "maxmemory-policy", "ParameterValue": "allkeys-lru"}],
    )
    params = {
        p["ParameterName"]: p.get("ParameterValue")
        for p in ec.describe_cache_parameters(CacheParameterGroupName="pg-a")["Parameters"]
    }
    assert params["maxmemory-policy"] == "allkeys-lru"
    groups = ec.describe_cache_parameter_groups(CacheParameterGroupName="pg-a")["CacheParameterGroups"]
    assert groups[0]["CacheParameterGroupFamily"] == "redis7"
    ec.delete_cache_parameter_group(CacheParameterGroupName="pg-a")
    with pytest.raises(ec.exceptions.CacheParameterGroupNotFoundFault):
        ec.describe_cache_parameter_groups(CacheParameterGroupName="pg-a")


def test_replication_group_members_are_readable_and_deleted_with_the_group(ec):
    ec.create_replication_group(
        ReplicationGroupId="rg-a",
        ReplicationGroupDescription="t",
        Engine="redis",
        EngineVersion="7.1",
        CacheNodeType="cache.t4g.small",
        NumCacheClusters=2,
        AutomaticFailoverEnabled=True,
        MultiAZEnabled=True,
    )
    rg = ec.describe_replication_groups(ReplicationGroupId="rg-a")["ReplicationGroups"][0]
    assert len(rg["MemberClusters"]) == 2
    member = ec.describe_cache_clusters(CacheClusterId=rg["MemberClusters"][0])["CacheClusters"][0]
    assert member["EngineVersion"] == "7.1"
    ec.delete_replication_group(ReplicationGroupId="rg-a")
    with pytest.raises(ec.exceptions.ReplicationGroupNotFoundFault):
        ec.describe_replication_groups(ReplicationGroupId="rg-a")


def test_failover_with_one_node_is_refused(ec):
    with pytest.raises(ec.exceptions.ClientError) as err:
        ec.create_replication_group(
            ReplicationGroupId="rg-b",
            ReplicationGroupDescription="t",
            Engine="redis",
            CacheNodeType="cache.t4g.small",
            NumCacheClusters=1,
            AutomaticFailoverEnabled=True,
        )
    assert "InvalidParameterCombination" in str(err.value)


def _member_zones(ec, group_id):
    rg = ec.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"][0]
    members = {
        m["CacheClusterId"]: m["PreferredAvailabilityZone"] for ng in rg["NodeGroups"] for m in ng["NodeGroupMembers"]
    }
    clusters = {
        c["CacheClusterId"]: c for c in ec.describe_cache_clusters()["CacheClusters"] if c["CacheClusterId"] in members
    }
    return members, clusters


def test_nodes_are_where_they_were_asked_for(ec):
    # Cluster mode disabled: PreferredCacheClusterAZs, one zone per node, the primary first (AWS API reference).
    ec.create_replication_group(
        ReplicationGroupId="rg-zones",
        ReplicationGroupDescription="t",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheClusters=2,
        PreferredCacheClusterAZs=[f"{REGION}c", f"{REGION}b"],
    )
    members, clusters = _member_zones(ec, "rg-zones")
    assert members == {"rg-zones-001": f"{REGION}c", "rg-zones-002": f"{REGION}b"}
    for cid, zone in members.items():
        assert clusters[cid]["PreferredAvailabilityZone"] == zone
        assert [n["CustomerAvailabilityZone"] for n in clusters[cid]["CacheNodes"]] == [zone]
    # Cluster mode enabled: NodeGroupConfiguration per shard.
    ec.create_replication_group(
        ReplicationGroupId="rg-shards",
        ReplicationGroupDescription="t",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        ClusterMode="enabled",
        NumNodeGroups=2,
        ReplicasPerNodeGroup=1,
        AutomaticFailoverEnabled=True,
        NodeGroupConfiguration=[
            {
                "NodeGroupId": "0001",
                "PrimaryAvailabilityZone": f"{REGION}a",
                "ReplicaAvailabilityZones": [f"{REGION}c"],
            },
            {
                "NodeGroupId": "0002",
                "PrimaryAvailabilityZone": f"{REGION}c",
                "ReplicaAvailabilityZones": [f"{REGION}a"],
            },
        ],
    )
    members, clusters = _member_zones(ec, "rg-shards")
    assert members == {
        "rg-shards-0001-001": f"{REGION}a",
        "rg-shards-0001-002": f"{REGION}c",
        "rg-shards-0002-001": f"{REGION}c",
        "rg-shards-0002-002": f"{REGION}a",
    }
    assert {cid: c["PreferredAvailabilityZone"] for cid, c in clusters.items()} == members


def test_nodes_without_a_zone_stay_in_the_region_and_spread(ec):
    ec.create_replication_group(
        ReplicationGroupId="rg-spread",
        ReplicationGroupDescription="t",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        ClusterMode="enabled",
        NumNodeGroups=2,
        ReplicasPerNodeGroup=1,
        AutomaticFailoverEnabled=True,
    )
    members, _ = _member_zones(ec, "rg-spread")
    assert all(zone.startswith(REGION) for zone in members.values()), members
    # Each shard's primary and replica are in different zones (Multi-AZ placement).
    for shard in ("0001", "0002"):
        assert members[f"rg-spread-{shard}-001"] != members[f"rg-spread-{shard}-002"]


def test_a_zone_of_another_region_is_refused(ec):
    with pytest.raises(ec.exceptions.ClientError) as err:
        ec.create_replication_group(
            ReplicationGroupId="rg-elsewhere",
            ReplicationGroupDescription="t",
            Engine="redis",
            CacheNodeType="cache.t4g.small",
            NumCacheClusters=1,
            PreferredCacheClusterAZs=["us-west-2a"],
        )
    assert "InvalidParameterValue" in str(err.value)
