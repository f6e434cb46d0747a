"""The ElastiCache gaps the local backend fills (local_backend/aws/elasticache.py), driven through boto3."""

from __future__ import annotations

import pytest

from .conftest import aws_client


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
