"""Unit tests of plugins/module_utils/elasticache_compare.py (the pure part of elasticache_replication_group)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

# The checkout's collections/ansible_collections/cloudops/eks_platform links to the repository root.
_COLLECTIONS = str(Path(__file__).resolve().parents[2] / "collections")
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)

from ansible_collections.cloudops.eks_platform.plugins.module_utils import elasticache_compare as ec  # noqa: E402

KEY_ARN = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOKEN = "Abcdefgh12345678Abcdefgh12345678"


def params(**overrides) -> dict:
    """Module options as AnsibleModule hands them over (unset options are None)."""
    base = {
        "name": "wealist-prod-redis",
        "state": "present",
        "description": None,
        "engine": None,
        "engine_version": None,
        "node_type": None,
        "num_cache_clusters": None,
        "num_node_groups": None,
        "replicas_per_node_group": None,
        "automatic_failover": None,
        "multi_az": None,
        "transit_encryption": None,
        "at_rest_encryption": None,
        "kms_key_id": None,
        "auth_token": None,
        "auth_token_secret_id": None,
        "cache_parameter_group_name": None,
        "parameter_group": None,
        "cache_subnet_group_name": None,
        "security_group_ids": None,
        "snapshot_retention_limit": None,
        "snapshot_window": None,
        "preferred_maintenance_window": None,
        "port": None,
        "auto_minor_version_upgrade": None,
    }
    base.update(overrides)
    return base


def group(nodes: int = 1, **overrides) -> dict:
    """A DescribeReplicationGroups entry, cluster mode disabled."""
    members = [f"wealist-prod-redis-{i:03d}" for i in range(1, nodes + 1)]
    answer = {
        "ReplicationGroupId": "wealist-prod-redis",
        "Description": "weAlist Redis",
        "Status": "available",
        "MemberClusters": members,
        "NodeGroups": [
            {
                "NodeGroupId": "0001",
                "PrimaryEndpoint": {"Address": "master.wealist-prod-redis.x.apn2.cache.amazonaws.com", "Port": 6379},
                "NodeGroupMembers": [{"CacheClusterId": m} for m in members],
            }
        ],
        "AutomaticFailover": "enabled" if nodes > 1 else "disabled",
        "MultiAZ": "enabled" if nodes > 1 else "disabled",
        "SnapshotRetentionLimit": 7,
        "SnapshotWindow": "00:00-05:00",
        "ClusterEnabled": False,
        "CacheNodeType": "cache.t4g.small",
        "AuthTokenEnabled": True,
        "TransitEncryptionEnabled": True,
        "AtRestEncryptionEnabled": True,
        "KmsKeyId": KEY_ARN,
        "ARN": "arn:aws:elasticache:ap-northeast-2:123456789012:replicationgroup:wealist-prod-redis",
        "AutoMinorVersionUpgrade": True,
        "Engine": "redis",
    }
    answer.update(overrides)
    return answer


def member(**overrides) -> dict:
    """A DescribeCacheClusters entry of the group's first member."""
    answer = {
        "CacheClusterId": "wealist-prod-redis-001",
        "Engine": "redis",
        "EngineVersion": "7.1.0",
        "CacheParameterGroup": {"CacheParameterGroupName": "wealist-prod-redis-params"},
        "CacheSubnetGroupName": "wealist-prod-redis-subnet",
        "SecurityGroups": [{"SecurityGroupId": "sg-2", "Status": "active"}, {"SecurityGroupId": "sg-1"}],
        "PreferredMaintenanceWindow": "tue:05:00-tue:09:00",
    }
    answer.update(overrides)
    return answer


PROD = params(
    description="weAlist Redis",
    engine="redis",
    engine_version="7.1",
    node_type="cache.t4g.small",
    num_cache_clusters=1,
    transit_encryption=True,
    at_rest_encryption=True,
    kms_key_id=KEY_ARN,
    auth_token_secret_id="wealist/prod/redis/auth-token",
    cache_parameter_group_name="wealist-prod-redis-params",
    cache_subnet_group_name="wealist-prod-redis-subnet",
    security_group_ids=["sg-1", "sg-2"],
    snapshot_retention_limit=7,
    snapshot_window="00:00-05:00",
    preferred_maintenance_window="tue:05:00-tue:09:00",
    port=6379,
    auto_minor_version_upgrade=True,
)


# --- validate ----------------------------------------------------------------------------------------


def test_prod_options_are_valid():
    assert ec.validate(PROD) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"num_cache_clusters": 0}, "num_cache_clusters must be 1 to 6"),
        ({"num_cache_clusters": 7}, "num_cache_clusters must be 1 to 6"),
        ({"num_cache_clusters": 1, "multi_az": True}, "multi_az needs at least 2 cache nodes"),
        ({"num_cache_clusters": 1, "automatic_failover": True}, "automatic_failover needs at least 2 cache nodes"),
        ({"num_cache_clusters": 2, "multi_az": True, "automatic_failover": False}, "multi_az needs automatic_failover"),
        (
            {
                "num_cache_clusters": None,
                "num_node_groups": 1,
                "replicas_per_node_group": 0,
                "automatic_failover": True,
            },
            "automatic_failover is true but cluster mode has one shard (num_node_groups 1)",
        ),
        (
            {"num_cache_clusters": None, "num_node_groups": 1, "automatic_failover": True},
            "automatic_failover is true but cluster mode has one shard (num_node_groups 1)",
        ),
        (
            {"num_cache_clusters": None, "num_node_groups": 3, "replicas_per_node_group": 0, "multi_az": True},
            "multi_az is true but replicas_per_node_group is 0",
        ),
        ({"num_cache_clusters": None, "num_node_groups": 0}, "num_node_groups must be 1 to 500"),
        ({"num_cache_clusters": None, "num_node_groups": 2, "replicas_per_node_group": 6}, "replicas_per_node_group"),
        ({"num_node_groups": 2}, "exclude each other"),
        ({"replicas_per_node_group": 1}, "replicas_per_node_group is for cluster mode"),
        ({"engine": "memcached"}, "engine must be redis or valkey, got 'memcached'"),
        ({"transit_encryption": False}, "needs transit_encryption: true"),
        ({"transit_encryption": None}, "needs transit_encryption: true"),
        ({"at_rest_encryption": False}, "kms_key_id needs at_rest_encryption: true"),
        ({"auth_token": TOKEN}, "auth_token and auth_token_secret_id exclude each other"),
        ({"auth_token_secret_id": None, "auth_token": "short"}, "auth_token: must be 16 to 128 characters"),
        ({"snapshot_window": "0:00-5:00"}, "snapshot_window must be hh:mm-hh:mm (UTC), got '0:00-5:00'"),
        ({"preferred_maintenance_window": "tuesday 05:00"}, "preferred_maintenance_window"),
        ({"snapshot_retention_limit": 36}, "snapshot_retention_limit must be 0 to 35"),
        ({"port": 0}, "port must be 1 to 65535"),
        ({"name": "Wealist--redis"}, "got 'Wealist--redis'"),
        ({"name": "1redis"}, "single hyphens starting with a letter, got '1redis'"),
        ({"name": "a" * 41}, "name must be 1-40 lower-case letters"),
        ({"parameter_group": {"parameters": {}}, "cache_parameter_group_name": None}, "parameter_group needs"),
        ({"parameter_group": {"parameters": {}}, "cache_parameter_group_name": "default.redis7"}, "default.*"),
        ({"parameter_group": {"parameters": {"x": [1]}}}, "parameter_group.parameters.x"),
    ],
)
def test_validate_names_the_option(overrides, expected):
    problems = ec.validate({**PROD, **overrides})
    assert any(expected in p for p in problems), problems


ROLE_NAMES = {
    "num_cache_clusters": "aws_elasticache_num_cache_clusters (platform_redis_num_cache_clusters)",
    "multi_az": "aws_elasticache_multi_az",
    "automatic_failover": "aws_elasticache_automatic_failover",
    "num_node_groups": "aws_elasticache_num_node_groups",
    "replicas_per_node_group": "aws_elasticache_replicas_per_node_group",
}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # The substrings tests/bad_inputs/elasticache_*/case.yml expect from the role's validation.
        ({"num_cache_clusters": 1, "multi_az": True},
         "aws_elasticache_multi_az is true but aws_elasticache_num_cache_clusters (platform_redis_num_cache_clusters)"
         " is 1"),
        ({"num_cache_clusters": 0},
         "aws_elasticache_num_cache_clusters (platform_redis_num_cache_clusters) must be 1 to 6 cache nodes"),
        ({"num_cache_clusters": None, "num_node_groups": 1, "replicas_per_node_group": 0, "automatic_failover": True},
         "aws_elasticache_automatic_failover is true but cluster mode has one shard"
         " (aws_elasticache_num_node_groups 1)"),
    ],
)
def test_validate_uses_the_callers_names(overrides, expected):
    problems = ec.validate({**PROD, **overrides}, ROLE_NAMES)
    assert any(expected in p for p in problems), problems


def test_validate_absent_only_checks_the_name():
    assert ec.validate(params(state="absent", num_cache_clusters=0)) == []
    assert ec.validate(params(state="absent", name="-bad")) != []


def test_cluster_mode_with_replicas_or_two_shards_may_fail_over():
    ok = {"num_cache_clusters": None, "automatic_failover": True, "multi_az": True}
    assert ec.validate({**PROD, **ok, "num_node_groups": 2, "replicas_per_node_group": 1}) == []
    assert ec.validate({**PROD, **ok, "multi_az": None, "num_node_groups": 2, "replicas_per_node_group": 0}) == []


def test_auth_token_problem_never_quotes_the_token():
    for bad in (
        "x" * 15,
        "x" * 129,
        "has space in it 123",
        "slash/is/not/allowed",
        'quote"isnotallowed1',
        "at@sign123456789",
    ):
        problem = ec.auth_token_problem(bad)
        assert problem is not None
        assert bad not in problem
    assert ec.auth_token_problem(TOKEN) is None
    assert ec.auth_token_problem("Ab1!&#$^<>-Ab1!&#$^") is None


# --- wanted settings and defaults ------------------------------------------------------------------------


@pytest.mark.parametrize(("nodes", "on"), [(1, False), (2, True), (3, True)])
def test_failover_and_multi_az_default_on_above_one_node(nodes, on):
    wanted = ec.wanted_settings(params(num_cache_clusters=nodes))
    assert wanted["automatic_failover"] is on
    assert wanted["multi_az"] is on
    assert wanted["cluster_mode"] == "disabled"


def test_explicit_failover_without_multi_az():
    wanted = ec.wanted_settings(params(num_cache_clusters=2, multi_az=False))
    assert wanted["automatic_failover"] is True and wanted["multi_az"] is False
    wanted = ec.wanted_settings(params(num_cache_clusters=2, automatic_failover=False))
    assert wanted["automatic_failover"] is False and wanted["multi_az"] is False


def test_cluster_mode_defaults():
    wanted = ec.wanted_settings(params(num_node_groups=2, replicas_per_node_group=1))
    assert (wanted["cluster_mode"], wanted["automatic_failover"], wanted["multi_az"]) == ("enabled", True, True)
    wanted = ec.wanted_settings(params(num_node_groups=2, replicas_per_node_group=0))
    assert (wanted["automatic_failover"], wanted["multi_az"]) == (True, False)
    # Replicas unknown on an existing group: no default is imposed.
    wanted = ec.wanted_settings(params(num_node_groups=2))
    assert "automatic_failover" not in wanted and "multi_az" not in wanted
    # ... but a creation uses the API default of 0 replicas.
    wanted = ec.wanted_settings(params(num_node_groups=1), creating=True)
    assert wanted["replicas_per_node_group"] == 0 and wanted["automatic_failover"] is False


def test_unset_options_are_not_managed():
    wanted = ec.wanted_settings(params(snapshot_retention_limit=7))
    assert wanted == {"snapshot_retention_limit": 7}
    wanted = ec.wanted_settings(params(), creating=True)
    assert wanted == {
        "num_cache_clusters": 1,
        "cluster_mode": "disabled",
        "automatic_failover": False,
        "multi_az": False,
    }


def test_auth_is_wanted_as_a_flag_only():
    wanted = ec.wanted_settings(params(auth_token=TOKEN))
    assert wanted == {"auth_token_enabled": True}
    assert TOKEN not in repr(wanted)


# --- described settings ---------------------------------------------------------------------------------


def test_described_settings_of_the_prod_group():
    current = ec.described_settings(group(), member())
    assert current["engine_version"] == "7.1.0"
    assert current["security_group_ids"] == ["sg-1", "sg-2"]
    assert current["num_cache_clusters"] == 1 and current["num_node_groups"] is None
    assert current["automatic_failover"] is False and current["multi_az"] is False
    assert current["port"] == 6379 and current["cache_parameter_group_name"] == "wealist-prod-redis-params"


def test_described_settings_without_member_leave_member_keys_unknown():
    current = ec.described_settings(group())
    assert all(current[key] is None for key in ec.MEMBER_KEYS)


def test_pending_modifications_count_as_current():
    current = ec.described_settings(
        group(PendingModifiedValues={"AutomaticFailoverStatus": "enabled"}, AutomaticFailover="disabled"),
        member(PendingModifiedValues={"CacheNodeType": "cache.t4g.medium", "EngineVersion": "7.2"}),
    )
    assert current["automatic_failover"] is True
    assert current["node_type"] == "cache.t4g.medium"
    assert current["engine_version"] == "7.2"


def test_described_cluster_mode_counts_shards_and_replicas():
    shards = [
        {"NodeGroupId": "0001", "NodeGroupMembers": [{}, {}]},
        {"NodeGroupId": "0002", "NodeGroupMembers": [{}, {}]},
    ]
    current = ec.described_settings(
        group(ClusterEnabled=True, NodeGroups=shards, ConfigurationEndpoint={"Address": "cfg", "Port": 6379})
    )
    assert (current["cluster_mode"], current["num_node_groups"], current["replicas_per_node_group"]) == (
        "enabled",
        2,
        1,
    )
    assert current["num_cache_clusters"] is None and current["port"] == 6379


# --- plan ---------------------------------------------------------------------------------------------------


def plan_for(wanted_params: dict, described: dict, described_member: dict | None = None) -> ec.Plan:
    return ec.plan_changes(ec.wanted_settings(wanted_params), ec.described_settings(described, described_member))


def test_converged_group_needs_nothing():
    plan = plan_for(PROD, group(), member())
    assert not plan.needs_change
    assert plan.changed == [] and plan.impossible == [] and plan.unverified == []


def test_only_changed_fields_are_modified():
    plan = plan_for(
        {**PROD, "snapshot_retention_limit": 3, "preferred_maintenance_window": "wed:05:00-wed:09:00"},
        group(),
        member(),
    )
    assert plan.modify == {"SnapshotRetentionLimit": 3, "PreferredMaintenanceWindow": "wed:05:00-wed:09:00"}
    assert plan.replica_count is None


def test_maintenance_window_case_and_security_group_order_do_not_matter():
    plan = plan_for(
        {**PROD, "preferred_maintenance_window": "TUE:05:00-TUE:09:00", "security_group_ids": ["sg-2", "sg-1"]},
        group(),
        member(),
    )
    assert not plan.needs_change


def test_scale_up_adds_replicas_and_turns_failover_on():
    plan = plan_for({**PROD, "num_cache_clusters": 3}, group(nodes=1), member())
    assert (plan.replica_direction, plan.replica_count) == ("increase", 2)
    assert plan.modify == {"AutomaticFailoverEnabled": True, "MultiAZEnabled": True}


def test_scale_down_to_one_node_turns_failover_off_and_removes_replicas():
    plan = plan_for(PROD, group(nodes=2), member())
    assert (plan.replica_direction, plan.replica_count) == ("decrease", 0)
    assert plan.modify == {"AutomaticFailoverEnabled": False, "MultiAZEnabled": False}


def test_cluster_mode_replicas_change_in_place_but_shards_do_not():
    shards = [{"NodeGroupId": f"000{i}", "NodeGroupMembers": [{}, {}]} for i in (1, 2)]
    described = group(
        ClusterEnabled=True,
        NodeGroups=shards,
        AutomaticFailover="enabled",
        MultiAZ="enabled",
        ConfigurationEndpoint={"Address": "clustercfg.x", "Port": 6379},
    )
    cm = {**PROD, "num_cache_clusters": None, "num_node_groups": 2}
    plan = plan_for({**cm, "replicas_per_node_group": 2}, described, member())
    assert (plan.replica_direction, plan.replica_count) == ("increase", 2) and plan.impossible == []
    plan = plan_for({**cm, "num_node_groups": 3, "replicas_per_node_group": 1}, described, member())
    assert any("num_node_groups" in msg and "resharding" in msg for msg in plan.impossible)


@pytest.mark.parametrize(
    ("overrides", "described", "fragment"),
    [
        ({"at_rest_encryption": False, "kms_key_id": None}, {}, "at_rest_encryption"),
        ({"transit_encryption": False, "auth_token_secret_id": None}, {}, "in-transit encryption"),
        ({"kms_key_id": KEY_ARN.replace("1234abcd", "99999999")}, {}, "KMS key"),
        ({"port": 6380}, {}, "port"),
        ({"engine": "redis"}, {"Engine": "valkey"}, "only redis to valkey"),
        ({"num_cache_clusters": None, "num_node_groups": 2, "replicas_per_node_group": 0}, {}, "cluster mode"),
    ],
)
def test_changes_the_api_cannot_make_in_place_are_refused(overrides, described, fragment):
    plan = plan_for({**PROD, **overrides}, group(**described), member())
    assert any(fragment in msg for msg in plan.impossible), plan.impossible


def test_subnet_group_change_is_refused():
    plan = plan_for({**PROD, "cache_subnet_group_name": "other"}, group(), member())
    assert any("subnet group" in msg for msg in plan.impossible)


def test_engine_version_upgrade_modifies_and_downgrade_is_refused():
    assert plan_for({**PROD, "engine_version": "7.2"}, group(), member()).modify == {"EngineVersion": "7.2"}
    plan = plan_for({**PROD, "engine_version": "6.2"}, group(), member())
    assert plan.impossible and "downgraded" in plan.impossible[0]
    assert not plan_for({**PROD, "engine_version": "7.1"}, group(), member(EngineVersion="7.1")).needs_change


def test_redis_to_valkey_needs_a_version():
    plan = plan_for({**PROD, "engine": "valkey", "engine_version": "8.0"}, group(), member())
    assert plan.modify == {"Engine": "valkey", "EngineVersion": "8.0"} and plan.impossible == []
    plan = plan_for({**PROD, "engine": "valkey", "engine_version": None}, group(), member())
    assert any("needs engine_version" in msg for msg in plan.impossible)


def test_turning_auth_on_is_planned_without_the_token():
    plan = plan_for(PROD, group(AuthTokenEnabled=False), member())
    assert plan.enable_auth and plan.needs_change and "AuthToken" not in plan.modify


def test_member_settings_are_not_compared_without_a_member():
    plan = plan_for({**PROD, "engine_version": "7.2"}, group(), None)
    assert not plan.needs_change
    assert set(plan.unverified) == set(ec.MEMBER_KEYS)


def test_kms_key_matches_arn_or_key_id():
    assert ec.kms_matches(KEY_ARN, KEY_ARN)
    assert ec.kms_matches(KEY_ARN, "1234abcd-12ab-34cd-56ef-1234567890ab")
    assert not ec.kms_matches(KEY_ARN, "alias/wealist-prod")
    assert not ec.kms_matches(KEY_ARN, None)


@pytest.mark.parametrize(
    ("wanted", "current", "match"),
    [
        ("7.1", "7.1.0", True),
        ("7.1", "7.1", True),
        ("7.1", "7.10.0", False),
        ("7.1", "7.2.4", False),
        ("7.1", None, False),
        # partial versions the way ElastiCache reports the running one
        ("6.x", "6.2.6", True),
        ("6.x", "6.0.5", True),
        ("6.2", "6.2.6", True),
        ("6.2", "6.0.5", False),
        ("7", "7.1.0", True),
        ("7", "6.2.6", False),
        ("6.x", "7.1.0", False),
        ("8.0", "8.0.1", True),
        ("7.1.0", "7.1", False),
    ],
)
def test_version_matches(wanted, current, match):
    assert ec.version_matches(wanted, current) is match


def test_a_partial_version_running_is_not_sent_again():
    plan = plan_for({**PROD, "engine_version": "6.x"}, group(), member(EngineVersion="6.2.6"))
    assert "EngineVersion" not in plan.modify and not plan.impossible


@pytest.mark.parametrize(
    ("engine", "version", "family"),
    [
        ("redis", "6.2", "redis6.x"),
        ("redis", "6.x", "redis6.x"),
        ("redis", "6.0.5", "redis6.x"),
        ("redis", "7.1", "redis7"),
        ("redis", "7", "redis7"),
        ("redis", "5.0.6", "redis5.0"),
        ("redis", "4.0.10", "redis4.0"),
        ("valkey", "7.2", "valkey7"),
        ("valkey", "8.0", "valkey8"),
        ("valkey", "8.1", "valkey8"),
    ],
)
def test_parameter_group_family_is_derived_from_engine_and_version(engine, version, family):
    # AWS's family names (CreateCacheParameterGroup: redis4.0 | redis5.0 | redis6.x | redis7 | valkey7 | valkey8)
    assert ec.parameter_group_family(engine, version) == family
    assert family in ec.FAMILIES


def test_parameter_group_names_carry_the_family():
    assert ec.parameter_group_name("shop-redis-params", "redis6.x") == "shop-redis-params-redis6-x"
    assert ec.parameter_group_name("shop-redis-params", "valkey8") == "shop-redis-params-valkey8"
    replaced = ec.replaced_parameter_group_names("shop-redis-params", "redis7")
    assert "shop-redis-params" in replaced and "shop-redis-params-redis6-x" in replaced
    assert "shop-redis-params-redis7" not in replaced


def test_an_explicit_family_that_does_not_fit_the_version_is_refused():
    problems = ec.validate(params(engine="redis", engine_version="7.1", cache_parameter_group_name="pg",
                                  parameter_group={"family": "redis6.x", "parameters": {}}))
    assert any("redis6.x does not fit redis 7.1" in p and "redis7" in p for p in problems), problems
    assert ec.validate(params(engine="valkey", engine_version="8.0", cache_parameter_group_name="pg",
                              parameter_group={"family": "valkey8", "parameters": {}})) == []


def test_a_pending_engine_upgrade_carries_its_parameter_group_switch():
    wanted = {**PROD, "engine_version": "7.1", "cache_parameter_group_name": "wealist-prod-redis-params-redis7"}
    pending = member(EngineVersion="6.2.6", PendingModifiedValues={"EngineVersion": "7.1"})
    plan = plan_for(wanted, group(), pending)
    assert plan.modify == {}, plan.modify  # neither the version nor the group asked for again
    plan = plan_for(wanted, group(), member(EngineVersion="6.2.6"))
    assert plan.modify["EngineVersion"] == "7.1"
    assert plan.modify["CacheParameterGroupName"] == "wealist-prod-redis-params-redis7"  # one modify, both


EARLY, LATE = (datetime(2026, 1, 1, 0, 0, s, tzinfo=UTC) for s in (0, 30))


@pytest.mark.parametrize(
    ("version", "tag", "status", "created", "modified", "now", "grace", "expected"),
    [
        # no version known (auth_token given directly, or check mode without the secret): nothing
        (None, None, None, LATE, EARLY, 1000, 0, (None, None)),
        # the token was set after the secret version was made (creation, an earlier SET): current, nothing written
        ("v1", None, None, EARLY, LATE, 1000, 0, (None, None)),
        # a version made within a second of the token (whole-second version dates): the same token
        ("v1", None, None, datetime(2026, 1, 1, 0, 0, 31, tzinfo=UTC), LATE, 1000, 0, (None, None)),
        # the secret got a version after the token was last set: ROTATE, tag marks the rotation and its time
        ("v2", None, None, LATE, EARLY, 1000, 0, ("ROTATE", "v2:rotating:1000")),
        # dates unknown: nothing
        ("v2", None, None, None, EARLY, 1000, 0, (None, None)),
        # AWS still applying a token change: wait
        ("v2", None, "ROTATING", LATE, EARLY, 1000, 0, (None, None)),
        ("v2", "v2:rotating:1000", "ROTATING", None, LATE, 5000, 0, (None, None)),
        # rotation complete: SET after the grace, not before; SET removes the tag
        ("v2", "v2:rotating:1000", None, None, LATE, 1500, 3600, (None, None)),
        ("v2", "v2:rotating:1000", None, None, LATE, 4600, 3600, ("SET", "")),
        ("v2", "v2:rotating:1000", None, None, LATE, 1000, 0, ("SET", "")),
        # rotated again while the previous rotation was unfinished: ROTATE to the newest
        ("v3", "v2:rotating:1000", None, None, LATE, 2000, 3600, ("ROTATE", "v3:rotating:2000")),
    ],
)
def test_auth_rotation_is_detected_from_the_secret_version(version, tag, status, created, modified, now, grace,
                                                           expected):
    rotation = ec.auth_rotation(version, tag, status, now, grace, created, modified)
    assert (rotation.strategy, rotation.tag) == expected


def test_a_rotation_is_its_own_last_step():
    plan = ec.Plan(modify={"SnapshotRetentionLimit": 3}, auth_strategy="ROTATE")
    assert ec.plan_steps(plan) == ["modify", "auth"]
    assert plan.needs_change


def test_scale_down_waits_for_the_failover_change_itself():
    plan = plan_for(PROD, group(nodes=2), member())
    assert ec.plan_steps(plan) == ["modify", "replicas"]
    expected = plan.failover_settled()
    assert expected == {"AutomaticFailover": "disabled", "MultiAZ": "disabled"}
    # available but failover still on (or its change pending): DecreaseReplicaCount must wait
    assert not ec.failover_in_effect(group(nodes=2, AutomaticFailover="enabled", MultiAZ="enabled"), expected)
    assert not ec.failover_in_effect(
        group(nodes=2, AutomaticFailover="disabled", MultiAZ="disabled",
              PendingModifiedValues={"AutomaticFailoverStatus": "disabled"}), expected)
    assert not ec.failover_in_effect(group(nodes=2, Status="modifying", AutomaticFailover="disabled",
                                           MultiAZ="disabled"), expected)
    assert ec.failover_in_effect(group(nodes=2, AutomaticFailover="disabled", MultiAZ="disabled"), expected)


def test_diff_view_shows_only_compared_settings():
    wanted = ec.wanted_settings(params(snapshot_retention_limit=3, num_cache_clusters=1))
    before, after = ec.diff_view(wanted, ec.described_settings(group(), member()))
    assert before["snapshot_retention_limit"] == 7 and after["snapshot_retention_limit"] == 3
    assert set(before) == set(after) == set(wanted)
    assert ec.diff_view(wanted, None) == ({}, dict(sorted(wanted.items())))


# --- parameter group ------------------------------------------------------------------------------------------

PARAMETERS = [
    {
        "ParameterName": "maxmemory-policy",
        "ParameterValue": "volatile-lru",
        "DataType": "string",
        "AllowedValues": "volatile-lru,allkeys-lru,noeviction",
        "IsModifiable": True,
    },
    {
        "ParameterName": "activedefrag",
        "ParameterValue": "no",
        "DataType": "string",
        "AllowedValues": "yes,no",
        "IsModifiable": True,
    },
    {"ParameterName": "cluster-enabled", "ParameterValue": "no", "DataType": "string", "IsModifiable": False},
    {"ParameterName": "timeout", "ParameterValue": "0", "DataType": "integer", "IsModifiable": True},
]


def test_parameters_converged_need_nothing():
    changes, problems, current = ec.parameter_changes({"maxmemory-policy": "volatile-lru"}, PARAMETERS)
    assert (changes, problems, current) == ({}, [], {"maxmemory-policy": "volatile-lru"})


def test_parameters_changes_are_strings_and_booleans_become_yes_no():
    changes, problems, _ = ec.parameter_changes(
        {"maxmemory-policy": "allkeys-lru", "activedefrag": True, "timeout": 300}, PARAMETERS
    )
    assert problems == []
    assert changes == {"maxmemory-policy": "allkeys-lru", "activedefrag": "yes", "timeout": "300"}


def test_parameter_problems():
    _, problems, _ = ec.parameter_changes(
        {"nope": "1", "cluster-enabled": "yes", "maxmemory-policy": "lru"}, PARAMETERS
    )
    assert any("nope is not a parameter" in p for p in problems)
    assert any("cluster-enabled is not modifiable" in p for p in problems)
    assert any("maxmemory-policy must be one of" in p for p in problems)


def test_endpoint_of_both_cluster_modes():
    assert ec.endpoint_of(group()) == {"address": "master.wealist-prod-redis.x.apn2.cache.amazonaws.com", "port": 6379}
    cfg = group(ClusterEnabled=True, ConfigurationEndpoint={"Address": "clustercfg.x", "Port": 6379})
    assert ec.endpoint_of(cfg) == {"address": "clustercfg.x", "port": 6379}
