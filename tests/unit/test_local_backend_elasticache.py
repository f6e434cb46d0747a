"""The ElastiCache gaps the local backend fills (local_backend/aws/elasticache.py), driven through boto3."""

from __future__ import annotations

import secrets

import pytest

from .conftest import REGION, aws_client

# AUTH tokens made at run time (16-128 printable characters, as ElastiCache requires); no fixed value in the tests
FIRST_TOKEN, SECOND_TOKEN, OTHER_TOKEN = (secrets.token_hex(16) for _ in range(3))


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


# --- pending modifications, the maintenance window on the latency clock, modifying, refusals (gaps 11-12) ------
ACCOUNT = "123456789012"
WINDOW = "wed:03:00-wed:04:00"


def _code(err) -> str:
    return err.value.response["Error"]["Code"]


def _rg(ec, group_id):
    return ec.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"][0]


def _member(ec, group_id):
    return ec.describe_cache_clusters(CacheClusterId=_rg(ec, group_id)["MemberClusters"][0])["CacheClusters"][0]


def _create(ec, group_id, **extra):
    kwargs = {
        "ReplicationGroupId": group_id,
        "ReplicationGroupDescription": "t",
        "Engine": "redis",
        "EngineVersion": "7.0",
        "CacheNodeType": "cache.t4g.small",
        "NumCacheClusters": 1,
        "PreferredMaintenanceWindow": WINDOW,
        **extra,
    }
    ec.create_replication_group(**kwargs)


def test_apply_immediately_false_holds_the_change_until_the_window_opens(ec):
    from local_backend.aws import elasticache, latency

    _create(ec, "rg-pending")
    ec.modify_replication_group(ReplicationGroupId="rg-pending", CacheNodeType="cache.t4g.medium",
                                EngineVersion="7.1", ApplyImmediately=False)
    rg, member = _rg(ec, "rg-pending"), _member(ec, "rg-pending")
    assert rg["Status"] == "available" and rg["CacheNodeType"] == "cache.t4g.small"
    assert member["EngineVersion"] == "7.0"
    assert member["PendingModifiedValues"] == {"EngineVersion": "7.1", "CacheNodeType": "cache.t4g.medium"}
    wait = elasticache.seconds_until_window(WINDOW)
    assert 0 < wait <= 7 * 86400
    latency.advance(wait - 60)  # one minute before the window: still held
    assert _member(ec, "rg-pending")["PendingModifiedValues"] == {"EngineVersion": "7.1",
                                                                   "CacheNodeType": "cache.t4g.medium"}
    latency.advance(120)  # the window opened
    rg, member = _rg(ec, "rg-pending"), _member(ec, "rg-pending")
    assert rg["CacheNodeType"] == "cache.t4g.medium" and member["EngineVersion"] == "7.1"
    assert member.get("PendingModifiedValues") in (None, {})


def test_apply_immediately_true_applies_the_request_and_what_was_pending(ec):
    _create(ec, "rg-now")
    ec.modify_replication_group(ReplicationGroupId="rg-now", CacheNodeType="cache.t4g.medium", ApplyImmediately=False)
    assert _rg(ec, "rg-now")["CacheNodeType"] == "cache.t4g.small"
    ec.modify_replication_group(ReplicationGroupId="rg-now", EngineVersion="7.1", ApplyImmediately=True)
    member = _member(ec, "rg-now")
    assert (member["EngineVersion"], member["CacheNodeType"]) == ("7.1", "cache.t4g.medium")
    assert member.get("PendingModifiedValues") in (None, {})


def test_a_modification_passes_through_modifying_for_the_latency_seconds(ec):
    from local_backend.aws import latency

    _create(ec, "rg-modifying", TransitEncryptionEnabled=True, AuthToken=FIRST_TOKEN)
    previous = latency.set_config(latency.LatencyConfig(scale=0.01))  # 600 s x 0.01 = 6 s
    try:
        ec.modify_replication_group(ReplicationGroupId="rg-modifying", AuthToken=SECOND_TOKEN,
                                    AuthTokenUpdateStrategy="ROTATE", ApplyImmediately=True)
        rg = _rg(ec, "rg-modifying")
        assert rg["Status"] == "modifying"
        assert rg["PendingModifiedValues"] == {"AuthTokenStatus": "ROTATING"}
        with pytest.raises(ec.exceptions.ClientError) as err:  # AWS: no second change while modifying
            ec.modify_replication_group(ReplicationGroupId="rg-modifying", SnapshotRetentionLimit=3,
                                        ApplyImmediately=True)
        assert _code(err) == "InvalidReplicationGroupStateFault" or "InvalidReplicationGroupState" in _code(err)
        latency.advance(7)
        rg = _rg(ec, "rg-modifying")
        assert rg["Status"] == "available" and not rg.get("PendingModifiedValues")
    finally:
        latency.set_config(previous)


def test_rotate_keeps_two_tokens_and_set_keeps_the_new_one(ec):
    from local_backend.aws import elasticache

    _create(ec, "rg-tokens", TransitEncryptionEnabled=True, AuthToken=FIRST_TOKEN)
    ec.modify_replication_group(ReplicationGroupId="rg-tokens", AuthToken=SECOND_TOKEN,
                                AuthTokenUpdateStrategy="ROTATE", ApplyImmediately=True)
    assert elasticache.auth_tokens(ACCOUNT, REGION, "rg-tokens") == [FIRST_TOKEN,
                                                                      SECOND_TOKEN]
    ec.modify_replication_group(ReplicationGroupId="rg-tokens", AuthToken=SECOND_TOKEN,
                                AuthTokenUpdateStrategy="SET", ApplyImmediately=True)
    assert elasticache.auth_tokens(ACCOUNT, REGION, "rg-tokens") == [SECOND_TOKEN]


@pytest.mark.parametrize(
    ("create", "modify", "code"),
    [
        # AUTH token on a group without in-transit encryption
        ({}, {"AuthToken": OTHER_TOKEN, "AuthTokenUpdateStrategy": "ROTATE"}, "InvalidParameterValue"),
        # automatic failover / Multi-AZ on a one-node group
        ({}, {"AutomaticFailoverEnabled": True}, "InvalidParameterCombination"),
        ({}, {"MultiAZEnabled": True}, "InvalidParameterCombination"),
        # a parameter group that does not exist, or of another family than the engine version
        ({}, {"CacheParameterGroupName": "no-such-group"}, "CacheParameterGroupNotFound"),
        ({}, {"CacheParameterGroupName": "default.valkey8"}, "InvalidParameterCombination"),
        ({}, {"EngineVersion": "7.1", "CacheParameterGroupName": "default.redis6.x"}, "InvalidParameterCombination"),
        # ROTATE / SET without a token
        ({"TransitEncryptionEnabled": True}, {"AuthTokenUpdateStrategy": "ROTATE"}, "InvalidParameterCombination"),
        ({"TransitEncryptionEnabled": True}, {"AuthTokenUpdateStrategy": "SET"}, "InvalidParameterCombination"),
        # an engine version ElastiCache does not have
        ({}, {"EngineVersion": "7.9"}, "InvalidParameterCombination"),
    ],
)
def test_modifications_aws_refuses_are_refused(ec, create, modify, code):
    group_id = f"rg-refuse-{abs(hash(repr(modify))) % 100000}"
    _create(ec, group_id, **create)
    with pytest.raises(ec.exceptions.ClientError) as err:
        ec.modify_replication_group(ReplicationGroupId=group_id, ApplyImmediately=True, **modify)
    assert code in _code(err)
    assert _member(ec, group_id)["EngineVersion"] == "7.0"  # nothing changed


def test_create_with_a_parameter_group_of_another_family_or_none_is_refused(ec):
    for group, code in (("no-such-group", "CacheParameterGroupNotFound"),
                        ("default.redis6.x", "InvalidParameterCombination")):
        with pytest.raises(ec.exceptions.ClientError) as err:
            _create(ec, "rg-refused-create", CacheParameterGroupName=group)
        assert code in _code(err)


def test_a_major_upgrade_switches_family_and_frees_the_old_group(ec):
    for name, family in (("up-params-redis6-x", "redis6.x"), ("up-params-redis7", "redis7")):
        ec.create_cache_parameter_group(CacheParameterGroupName=name, CacheParameterGroupFamily=family,
                                        Description="t")
    _create(ec, "rg-upgrade", EngineVersion="6.2", CacheParameterGroupName="up-params-redis6-x")
    ec.modify_replication_group(ReplicationGroupId="rg-upgrade", EngineVersion="7.1",
                                CacheParameterGroupName="up-params-redis7", ApplyImmediately=False)
    # held: the member keeps the old group (in use, so it cannot be deleted) and reports the version pending
    member = _member(ec, "rg-upgrade")
    assert member["CacheParameterGroup"]["CacheParameterGroupName"] == "up-params-redis6-x"
    assert member["PendingModifiedValues"] == {"EngineVersion": "7.1"}
    with pytest.raises(ec.exceptions.ClientError) as err:
        ec.delete_cache_parameter_group(CacheParameterGroupName="up-params-redis6-x")
    assert "InvalidCacheParameterGroupState" in _code(err)
    ec.modify_replication_group(ReplicationGroupId="rg-upgrade", ApplyImmediately=True)  # apply what is pending
    member = _member(ec, "rg-upgrade")
    assert (member["EngineVersion"], member["CacheParameterGroup"]["CacheParameterGroupName"]) == (
        "7.1", "up-params-redis7")
    ec.delete_cache_parameter_group(CacheParameterGroupName="up-params-redis6-x")


def test_secret_versions_report_when_they_were_made(local_backend_endpoint):
    # gap 13: moto reported the time of the ListSecretVersionIds call; the AUTH token rotation check compares it
    import time

    sm = aws_client(local_backend_endpoint, "secretsmanager")
    first = sm.create_secret(Name="ec/versions", SecretString="a" * 20)["VersionId"]
    time.sleep(1.1)
    second = sm.put_secret_value(SecretId="ec/versions", SecretString="b" * 20)["VersionId"]
    listed = {v["VersionId"]: v["CreatedDate"] for v in sm.list_secret_version_ids(SecretId="ec/versions")["Versions"]}
    for version in (first, second):
        assert listed[version] == sm.get_secret_value(SecretId="ec/versions", VersionId=version)["CreatedDate"]
    assert listed[first] < listed[second]
