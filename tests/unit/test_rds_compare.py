"""Unit tests of the RDS modules' compare/plan functions (module_utils/rds_compare.py, pure)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_compare import (  # noqa: E402
    CLUSTER_FIELDS,
    INSTANCE_FIELDS,
    MEMBER_FORBIDDEN,
    create_params,
    effective_current,
    is_major_upgrade,
    logs_configuration,
    member_plan,
    normalize_parameter_value,
    parameter_changes,
    pending_reboot,
    plan_modify,
    snake_view,
    version_satisfied,
    wanted_options,
)

KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/1111"
OTHER_KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/2222"
STANDALONE = tuple(f for f in INSTANCE_FIELDS if f.scope in ("both", "standalone"))

WANTED = {
    "engine": "postgres",
    "engine_version": "17.7",
    "db_instance_class": "db.t4g.small",
    "allocated_storage": 20,
    "max_allocated_storage": 100,
    "storage_type": "gp3",
    "storage_encrypted": True,
    "kms_key_id": KEY,
    "master_username": "wealist_admin",
    "master_user_secret_kms_key_id": KEY,
    "db_name": "wealist",
    "port": 5432,
    "multi_az": False,
    "publicly_accessible": False,
    "db_subnet_group_name": "wealist-prod-db-subnet-group",
    "vpc_security_group_ids": ["sg-1"],
    "db_parameter_group_name": "wealist-prod-postgres17",
    "backup_retention_period": 7,
    "preferred_backup_window": "03:00-06:00",
    "preferred_maintenance_window": "Mon:00:00-Mon:03:00",
    "enable_performance_insights": True,
    "performance_insights_kms_key_id": KEY,
    "performance_insights_retention_period": 7,
    "enable_cloudwatch_logs_exports": ["upgrade", "postgresql"],
    "copy_tags_to_snapshot": True,
    "deletion_protection": True,
}


def converged() -> dict:
    """DescribeDBInstances of an instance that matches WANTED (as RDS reports it)."""
    return {
        "DBInstanceIdentifier": "wealist-prod-postgres",
        "DBInstanceStatus": "available",
        "Engine": "postgres",
        "EngineVersion": "17.7",
        "DBInstanceClass": "db.t4g.small",
        "AllocatedStorage": 20,
        "MaxAllocatedStorage": 100,
        "StorageType": "gp3",
        "StorageEncrypted": True,
        "KmsKeyId": KEY,
        "MasterUsername": "wealist_admin",
        "MasterUserSecret": {"SecretArn": "arn:aws:secretsmanager:...:secret:rds!db-x", "KmsKeyId": KEY},
        "DBName": "wealist",
        "Endpoint": {"Address": "h", "Port": 5432},
        "MultiAZ": False,
        "PubliclyAccessible": False,
        "DBSubnetGroup": {"DBSubnetGroupName": "wealist-prod-db-subnet-group"},
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1", "Status": "active"}],
        "DBParameterGroups": [{"DBParameterGroupName": "wealist-prod-postgres17", "ParameterApplyStatus": "in-sync"}],
        "BackupRetentionPeriod": 7,
        "PreferredBackupWindow": "03:00-06:00",
        "PreferredMaintenanceWindow": "mon:00:00-mon:03:00",
        "PerformanceInsightsEnabled": True,
        "PerformanceInsightsKMSKeyId": KEY,
        "PerformanceInsightsRetentionPeriod": 7,
        "EnabledCloudwatchLogsExports": ["postgresql", "upgrade"],
        "CopyTagsToSnapshot": True,
        "DeletionProtection": True,
        "DBInstanceArn": "arn:aws:rds:ap-northeast-2:123456789012:db:wealist-prod-postgres",
    }


def plan(current, wanted=None):
    return plan_modify(current, wanted or WANTED, STANDALONE, "postgres")


def test_converged_instance_needs_no_call():
    result = plan(converged())
    assert result.modify is None and result.changed == [] and result.drift == []


def test_only_the_differing_settings_are_sent():
    current = converged()
    current.update(DBInstanceClass="db.t4g.micro", BackupRetentionPeriod=1, CopyTagsToSnapshot=False)
    result = plan(current)
    assert result.modify == {"DBInstanceClass": "db.t4g.small", "BackupRetentionPeriod": 7, "CopyTagsToSnapshot": True}
    assert sorted(result.changed) == ["backup_retention_period", "copy_tags_to_snapshot", "db_instance_class"]


def test_pending_modifications_are_not_sent_again():
    current = converged()
    current.update(DBInstanceClass="db.t4g.micro", MultiAZ=True)
    current["PendingModifiedValues"] = {"DBInstanceClass": "db.t4g.small", "MultiAZ": False}
    assert plan(current).modify is None


def test_pending_log_exports_count():
    current = converged()
    current["EnabledCloudwatchLogsExports"] = ["postgresql"]
    current["PendingModifiedValues"] = {"PendingCloudwatchLogsExports": {"LogTypesToEnable": ["upgrade"]}}
    assert plan(current).modify is None


def test_storage_only_grows_and_autoscaled_storage_is_no_difference():
    current = converged()
    current["AllocatedStorage"] = 37  # grown by storage autoscaling
    assert plan(current).modify is None
    assert plan(converged(), {**WANTED, "allocated_storage": 50}).modify == {"AllocatedStorage": 50}


def test_autoscaling_off_and_on():
    current = converged()
    del current["MaxAllocatedStorage"]  # RDS reports no threshold when autoscaling is off
    assert plan(current, {**WANTED, "max_allocated_storage": 0}).modify is None
    assert plan(current).modify == {"MaxAllocatedStorage": 100}
    # Turning it off: RDS takes the allocated size as the threshold.
    assert plan(converged(), {**WANTED, "max_allocated_storage": 0}).modify == {"MaxAllocatedStorage": 20}


def test_engine_versions_only_go_up():
    assert version_satisfied("17.8", "17.7")
    assert version_satisfied("17.7", "17")
    assert not version_satisfied("17.6", "17.7")
    assert not version_satisfied("16.9", "17")
    assert version_satisfied("8.0.mysql_aurora.3.08.1", "8.0.mysql_aurora.3.08.0")
    current = converged()
    current["EngineVersion"] = "17.9"  # auto minor upgrade
    assert plan(current).modify is None
    current["EngineVersion"] = "16.4"
    assert plan(current).modify == {"EngineVersion": "17.7", "AllowMajorVersionUpgrade": True}
    current["EngineVersion"] = "17.5"
    assert plan(current).modify == {"EngineVersion": "17.7"}


def test_major_upgrade_depth_per_engine():
    assert is_major_upgrade("16.4", "17.7", "postgres")
    assert not is_major_upgrade("17.4", "17.7", "postgres")
    assert is_major_upgrade("5.7.mysql_aurora.2.11.2", "8.0.mysql_aurora.3.08.0", "aurora-mysql")
    assert not is_major_upgrade("8.0.mysql_aurora.3.05.2", "8.0.mysql_aurora.3.08.0", "aurora-mysql")


def test_immutable_settings_are_drift_not_calls():
    current = converged()
    current.update(KmsKeyId=OTHER_KEY, DBName="other", MasterUsername="root")
    current["MasterUserSecret"] = {"SecretArn": "x", "KmsKeyId": OTHER_KEY}
    current["PerformanceInsightsKMSKeyId"] = OTHER_KEY
    result = plan(current)
    assert result.modify is None
    assert sorted(result.drift) == ["db_name", "kms_key_id", "master_user_secret_kms_key_id", "master_username",
                                    "performance_insights_kms_key_id"]


def test_security_groups_and_logs_compare_as_sets():
    current = converged()
    current["VpcSecurityGroups"] = [{"VpcSecurityGroupId": "sg-2"}, {"VpcSecurityGroupId": "sg-1"}]
    assert plan(current, {**WANTED, "vpc_security_group_ids": ["sg-1", "sg-2"]}).modify is None
    assert plan(current).modify == {"VpcSecurityGroupIds": ["sg-1"]}
    current = converged()
    current["EnabledCloudwatchLogsExports"] = ["postgresql", "audit"]
    assert plan(current).modify == {
        "CloudwatchLogsExportConfiguration": {"EnableLogTypes": ["upgrade"], "DisableLogTypes": ["audit"]}
    }


def test_logs_configuration():
    assert logs_configuration(["a"], ["a"]) is None
    assert logs_configuration([], ["b", "a"]) == {"EnableLogTypes": ["a", "b"]}
    assert logs_configuration(["a"], []) == {"DisableLogTypes": ["a"]}


def test_windows_compare_case_insensitively():
    current = converged()
    assert plan(current, {**WANTED, "preferred_maintenance_window": "MON:00:00-MON:03:00"}).modify is None
    assert plan(current, {**WANTED, "preferred_maintenance_window": "tue:00:00-tue:03:00"}).modify == {
        "PreferredMaintenanceWindow": "tue:00:00-tue:03:00"
    }


def test_turning_performance_insights_on_carries_key_and_retention():
    current = converged()
    for key in ("PerformanceInsightsKMSKeyId", "PerformanceInsightsRetentionPeriod"):
        current.pop(key)
    current["PerformanceInsightsEnabled"] = False
    assert plan(current).modify == {
        "EnablePerformanceInsights": True,
        "PerformanceInsightsKMSKeyId": KEY,
        "PerformanceInsightsRetentionPeriod": 7,
    }
    # Off wanted: the key and retention are not compared.
    off = {**WANTED, "enable_performance_insights": False}
    assert plan(current, off).modify is None
    # Only the retention changes.
    assert plan(converged(), {**WANTED, "performance_insights_retention_period": 31}).modify == {
        "PerformanceInsightsRetentionPeriod": 31
    }


def test_unmanaged_options_are_ignored():
    current = converged()
    current.update(DBInstanceClass="db.r6g.large", MultiAZ=True)
    wanted = {k: v for k, v in WANTED.items() if k not in ("db_instance_class", "multi_az")}
    assert plan(current, wanted).modify is None


def test_create_params():
    params = create_params(WANTED, STANDALONE)
    assert params["MaxAllocatedStorage"] == 100
    assert params["PerformanceInsightsKMSKeyId"] == KEY
    assert params["EnableCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    assert "MasterUserPassword" not in params
    off = create_params({**WANTED, "max_allocated_storage": 0, "enable_performance_insights": False}, STANDALONE)
    assert "MaxAllocatedStorage" not in off
    assert "PerformanceInsightsKMSKeyId" not in off and "PerformanceInsightsRetentionPeriod" not in off


def test_scopes():
    member = wanted_options({**WANTED, "promotion_tier": 1, "db_cluster_identifier": "c"}, INSTANCE_FIELDS, "member")
    assert "allocated_storage" not in member and "db_cluster_identifier" in member and "promotion_tier" in member
    standalone = wanted_options({**WANTED, "promotion_tier": 1}, INSTANCE_FIELDS, "standalone")
    assert "promotion_tier" not in standalone
    assert "vpc_security_group_ids" in MEMBER_FORBIDDEN and "db_instance_class" not in MEMBER_FORBIDDEN
    cluster = wanted_options({"engine": "aurora-mysql", "port": 3306, "x": 1}, CLUSTER_FIELDS, "cluster")
    assert cluster == {"engine": "aurora-mysql", "port": 3306}


def test_effective_current_and_views():
    current = converged()
    current["PendingModifiedValues"] = {"AllocatedStorage": 40}
    assert effective_current(current, STANDALONE)["allocated_storage"] == 40
    view = snake_view(current, STANDALONE)
    assert view["vpc_security_group_ids"] == ["sg-1"] and view["port"] == 5432
    assert snake_view(None, STANDALONE) == {}


def test_cluster_plan():
    current = {
        "Engine": "aurora-postgresql", "EngineVersion": "16.6", "Port": 5432, "DBClusterParameterGroup": "pg",
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1"}], "BackupRetentionPeriod": 7,
        "PreferredBackupWindow": "03:00-06:00", "PreferredMaintenanceWindow": "mon:00:00-mon:03:00",
        "EnabledCloudwatchLogsExports": ["postgresql"], "CopyTagsToSnapshot": True, "DeletionProtection": False,
        "DBSubnetGroup": "sng", "StorageEncrypted": True, "KmsKeyId": KEY, "DatabaseName": "pingvas",
        "MasterUsername": "pingvas_admin", "MasterUserSecret": {"KmsKeyId": KEY},
    }
    wanted = {"engine": "aurora-postgresql", "engine_version": "16.6", "port": 5432,
              "db_cluster_parameter_group_name": "pg", "vpc_security_group_ids": ["sg-1"],
              "backup_retention_period": 7, "preferred_backup_window": "03:00-06:00",
              "preferred_maintenance_window": "mon:00:00-mon:03:00", "enable_cloudwatch_logs_exports": ["postgresql"],
              "copy_tags_to_snapshot": True, "deletion_protection": False, "db_subnet_group_name": "sng",
              "storage_encrypted": True, "kms_key_id": KEY, "database_name": "pingvas",
              "master_username": "pingvas_admin", "master_user_secret_kms_key_id": KEY}
    # The stock rds_cluster re-sends VpcSecurityGroupIds here; this plan sends nothing.
    assert plan_modify(current, wanted, CLUSTER_FIELDS).modify is None
    assert plan_modify(current, {**wanted, "deletion_protection": True}, CLUSTER_FIELDS).modify == {
        "DeletionProtection": True
    }
    assert plan_modify(current, {**wanted, "db_subnet_group_name": "other"}, CLUSTER_FIELDS).drift == [
        "db_subnet_group_name"
    ]


@pytest.mark.parametrize(
    ("value", "stored"), [(True, "1"), (False, "0"), (1000, "1000"), (["a", "b"], "a,b"), ("ddl", "ddl")]
)
def test_parameter_values_compare_as_rds_stores_them(value, stored):
    assert normalize_parameter_value(value) == stored


def test_parameter_changes_and_apply_methods():
    current = {
        "log_statement": {"ParameterValue": "ddl", "ApplyType": "dynamic"},
        "log_min_duration_statement": {"ParameterValue": "500", "ApplyType": "dynamic"},
        "shared_preload_libraries": {"ApplyType": "static"},  # engine default, no value
    }
    wanted = {"log_statement": "ddl", "log_min_duration_statement": 1000,
              "shared_preload_libraries": "pg_stat_statements", "unknown_param": "x"}
    assert parameter_changes(current, wanted) == [
        {"ParameterName": "log_min_duration_statement", "ParameterValue": "1000", "ApplyMethod": "immediate"},
        {"ParameterName": "shared_preload_libraries", "ParameterValue": "pg_stat_statements",
         "ApplyMethod": "pending-reboot"},
        {"ParameterName": "unknown_param", "ParameterValue": "x", "ApplyMethod": "pending-reboot"},
    ]
    forced = parameter_changes(current, {"log_min_duration_statement": 1000}, "pending-reboot")
    assert forced[0]["ApplyMethod"] == "pending-reboot"
    assert parameter_changes(current, {"log_statement": "ddl"}) == []


def test_pending_reboot():
    current = converged()
    assert not pending_reboot(current)
    current["DBParameterGroups"][0]["ParameterApplyStatus"] = "pending-reboot"
    assert pending_reboot(current)


def test_member_plan():
    existing = {"c-1": {"IsClusterWriter": True}, "c-2": {}, "c-3": {}}
    assert member_plan(["c-1", "c-2"], existing, purge=False) == ([], ["c-1", "c-2"], [])
    assert member_plan(["c-2", "c-4"], existing, purge=True) == (["c-4"], ["c-2"], ["c-3", "c-1"])
