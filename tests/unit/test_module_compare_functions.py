"""Unit tests of the pure functions of the modules not covered elsewhere: ECR tag wants, rds_wait result
entries, RDS parameter group plans, ElastiCache create arguments and call order, Aurora member settings."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.module_utils import elasticache_compare as ec  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.module_utils import rds_compare as rc  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_managed import (  # noqa: E402
    cluster_member_params,
)
from ansible_collections.cloudops.eks_platform.plugins.modules.ecr_repository_tags import wanted_tags  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.modules.rds_wait import (  # noqa: E402
    cluster_entry,
    instance_entry,
)


# --- ecr_repository_tags --------------------------------------------------------------------------------
def test_ecr_wanted_tags_add_the_name_tag_and_stringify() -> None:
    assert wanted_tags({"Project": "wealist", "Count": 3}, "Name", "prod/board") == {
        "Project": "wealist", "Count": "3", "Name": "prod/board"}
    assert wanted_tags({"Project": "wealist"}, None, "prod/board") == {"Project": "wealist"}


# --- rds_wait --------------------------------------------------------------------------------------------
def test_rds_wait_entries() -> None:
    instance = {"DBInstanceIdentifier": "db1", "DBInstanceStatus": "available",
                "Endpoint": {"Address": "db1.local", "Port": 5432},
                "MasterUserSecret": {"SecretArn": "arn:aws:secretsmanager:r:1:secret:rds!db-1"}}
    assert instance_entry(instance) == {
        "db_instance_identifier": "db1", "status": "available", "endpoint_address": "db1.local",
        "endpoint_port": 5432, "db_cluster_identifier": None,
        "master_user_secret_arn": "arn:aws:secretsmanager:r:1:secret:rds!db-1"}
    cluster = {"DBClusterIdentifier": "c1", "Status": "available", "Endpoint": "w", "ReaderEndpoint": "r",
               "Port": 3306, "DBClusterMembers": [{"DBInstanceIdentifier": "c1-a", "IsClusterWriter": False},
                                                  {"DBInstanceIdentifier": "c1-b", "IsClusterWriter": True}]}
    entry = cluster_entry(cluster)
    assert entry["members"] == ["c1-a", "c1-b"] and entry["writer"] == "c1-b"
    assert "master_user_secret_arn" not in entry


# --- rds_parameter_group_managed -------------------------------------------------------------------------
def test_parameter_batches_of_twenty() -> None:
    assert [len(b) for b in rc.batches(list(range(45)))] == [20, 20, 5]
    assert rc.batches([]) == []


def test_user_parameters_keep_user_set_entries_only() -> None:
    entries = [{"ParameterName": "a", "Source": "user"}, {"ParameterName": "b", "Source": "engine-default"},
               {"ParameterName": "c"}]
    assert sorted(rc.user_parameters(entries)) == ["a", "c"]


def test_parameter_resets_choose_the_apply_method() -> None:
    user_set = {"keep": {}, "dyn": {"ApplyType": "dynamic"}, "stat": {"ApplyType": "static"}}
    assert rc.parameter_resets(user_set, {"keep": "1"}, "auto") == [
        {"ParameterName": "dyn", "ApplyMethod": "immediate"},
        {"ParameterName": "stat", "ApplyMethod": "pending-reboot"},
    ]
    assert [r["ApplyMethod"] for r in rc.parameter_resets(user_set, {}, "immediate")] == ["immediate"] * 3


# --- rds_cluster_managed ---------------------------------------------------------------------------------
def test_cluster_member_settings_fall_back_to_the_module_options() -> None:
    params = {"engine": "aurora-postgresql", "db_cluster_identifier": "c1", "instance_class": "db.r6g.large",
              "db_parameter_group_name": "pg", "publicly_accessible": False}
    first = cluster_member_params(params, {"db_instance_identifier": "c1-a"}, 0)
    assert first["db_instance_class"] == "db.r6g.large" and first["promotion_tier"] == 0
    assert first["db_parameter_group_name"] == "pg" and "availability_zone" not in first
    own = cluster_member_params(params, {"db_instance_class": "db.t4g.medium", "promotion_tier": 3}, 20)
    assert own["db_instance_class"] == "db.t4g.medium" and own["promotion_tier"] == 3
    assert cluster_member_params(params, {}, 20)["promotion_tier"] == 15


# --- elasticache_replication_group -----------------------------------------------------------------------
def test_create_arguments_by_cluster_mode() -> None:
    disabled = ec.create_arguments("r1", None, "cache.t4g.small",
                                   {"cluster_mode": "disabled", "num_cache_clusters": 2, "engine": "redis",
                                    "port": None, "multi_az": True})
    assert disabled == {"ReplicationGroupId": "r1", "ReplicationGroupDescription": "r1",
                        "CacheNodeType": "cache.t4g.small", "NumCacheClusters": 2, "Engine": "redis",
                        "MultiAZEnabled": True}
    enabled = ec.create_arguments("r2", "Point", "cache.r7g.large",
                                  {"cluster_mode": "enabled", "num_node_groups": 2, "replicas_per_node_group": 1})
    assert enabled["ClusterMode"] == "enabled" and enabled["NumNodeGroups"] == 2
    assert enabled["ReplicasPerNodeGroup"] == 1 and "NumCacheClusters" not in enabled
    assert enabled["ReplicationGroupDescription"] == "Point"


def test_replicas_are_added_before_and_removed_after_the_modification() -> None:
    up = ec.Plan(modify={"MultiAZEnabled": True}, replica_count=1, replica_direction="increase")
    down = ec.Plan(modify={"MultiAZEnabled": False}, replica_count=0, replica_direction="decrease")
    assert ec.plan_steps(up) == ["replicas", "modify"]
    assert ec.plan_steps(down) == ["modify", "replicas"]
    assert ec.plan_steps(ec.Plan(enable_auth=True)) == ["modify"]
    assert ec.plan_steps(ec.Plan()) == []
