"""The local backend refuses what AWS refuses (local_backend/aws/rules.py), with AWS's error code, where moto 5.2.5
accepts the call: one test per refusal, each also showing that the valid neighbour is still accepted."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from local_backend.aws.server import BackendHandle, start_in_thread  # noqa: E402
from tests.unit.conftest import aws_client  # noqa: E402

PASSWORD = secrets.token_urlsafe(16)  # a master password for the emulator, made at run time


@pytest.fixture(scope="module")
def backend() -> Iterator[BackendHandle]:
    handle = start_in_thread()
    yield handle
    handle.stop()


@pytest.fixture
def client(backend: BackendHandle) -> Any:
    return lambda service: aws_client(backend.endpoint_url, service)


def _refused(call: Any, code: str) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    assert error["Code"] == code, error
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(error["Message"])


# ------------------------------------------------------------------------------------------------ tags
def test_ec2_refuses_reserved_tag_keys_and_long_values(client, backend):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "v" * 256}]}])["Vpc"]["VpcId"]
    message = _refused(lambda: ec2.create_tags(Resources=[vpc], Tags=[{"Key": "aws:owner", "Value": "x"}]),
                       "InvalidParameterValue")
    assert "aws:" in message
    _refused(lambda: ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Owner", "Value": "v" * 257}]),
             "InvalidParameterValue")
    _refused(lambda: ec2.create_vpc(CidrBlock="10.41.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "AWS:Owner", "Value": "x"}]}]), "InvalidParameterValue")
    refused = [e for e in backend.requests.entries() if e.get("refused")]
    assert refused[-1]["operation"] == "CreateVpc" and refused[-1]["refused"] == "InvalidParameterValue"


def test_kms_refuses_reserved_tag_keys_with_tag_exception(client):
    kms = client("kms")
    _refused(lambda: kms.create_key(Tags=[{"TagKey": "aws:owner", "TagValue": "x"}]), "TagException")
    key = kms.create_key(Tags=[{"TagKey": "Owner", "TagValue": "x"}])["KeyMetadata"]["KeyId"]
    _refused(lambda: kms.tag_resource(KeyId=key, Tags=[{"TagKey": "Owner", "TagValue": "v" * 257}]), "TagException")


def test_s3_refuses_long_tag_values_with_invalid_tag(client):
    s3 = client("s3")
    s3.create_bucket(Bucket="rules-tags", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    s3.put_bucket_tagging(Bucket="rules-tags", Tagging={"TagSet": [{"Key": "Owner", "Value": "v" * 256}]})
    _refused(lambda: s3.put_bucket_tagging(Bucket="rules-tags", Tagging={"TagSet": [
        {"Key": "Owner", "Value": "v" * 257}]}), "InvalidTag")
    _refused(lambda: s3.put_bucket_tagging(Bucket="rules-tags", Tagging={"TagSet": [
        {"Key": "aws:owner", "Value": "x"}]}), "InvalidTag")


def test_rds_and_elasticache_refuse_reserved_tag_keys(client):
    _refused(lambda: client("rds").create_db_parameter_group(
        DBParameterGroupName="rules-tags", DBParameterGroupFamily="postgres17", Description="x",
        Tags=[{"Key": "aws:owner", "Value": "x"}]), "InvalidParameterValue")
    _refused(lambda: client("elasticache").create_cache_subnet_group(
        CacheSubnetGroupName="rules-tags", CacheSubnetGroupDescription="x", SubnetIds=[],
        Tags=[{"Key": "aws:owner", "Value": "x"}]), "InvalidParameterValue")


def test_secrets_manager_logs_eks_ecr_iam_backup_refuse_reserved_tag_keys(client):
    bad = [{"Key": "aws:owner", "Value": "x"}]
    _refused(lambda: client("secretsmanager").create_secret(Name="rules/x", SecretString="x", Tags=bad),
             "InvalidParameterException")
    _refused(lambda: client("logs").create_log_group(logGroupName="rules-x", tags={"aws:owner": "x"}),
             "InvalidParameterException")
    _refused(lambda: client("eks").tag_resource(
        resourceArn="arn:aws:eks:ap-northeast-2:123456789012:cluster/x", tags={"aws:owner": "x"}),
        "BadRequestException")
    _refused(lambda: client("ecr").create_repository(repositoryName="rules/x", tags=bad),
             "InvalidTagParameterException")
    _refused(lambda: client("iam").create_role(RoleName="rules-x", AssumeRolePolicyDocument="{}", Tags=bad),
             "InvalidInput")
    _refused(lambda: client("backup").create_backup_vault(BackupVaultName="rules-x", BackupVaultTags={"aws:o": "x"}),
             "InvalidParameterValueException")
    client("secretsmanager").create_secret(Name="rules/ok", SecretString="x", Tags=[{"Key": "Owner", "Value": "x"}])


# ---------------------------------------------------------------------------------- CloudWatch Logs
def test_logs_refuse_a_retention_the_service_does_not_offer(client):
    logs = client("logs")
    logs.create_log_group(logGroupName="rules-retention")
    logs.put_retention_policy(logGroupName="rules-retention", retentionInDays=30)
    message = _refused(lambda: logs.put_retention_policy(logGroupName="rules-retention", retentionInDays=45),
                       "InvalidParameterException")
    assert "retentionInDays" in message and "3653" in message


# -------------------------------------------------------------------------------------- S3 lifecycle
def _lifecycle(s3: Any, **rule: Any) -> Any:
    return lambda: s3.put_bucket_lifecycle_configuration(Bucket="rules-lifecycle", LifecycleConfiguration={
        "Rules": [{"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""}, **rule}]})


@pytest.fixture(scope="module")
def s3(backend: BackendHandle) -> Any:
    s3 = aws_client(backend.endpoint_url, "s3")
    s3.create_bucket(Bucket="rules-lifecycle", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    return s3


def test_s3_accepts_the_reference_lifecycle_rules(s3):
    _lifecycle(s3, Transitions=[{"Days": 90, "StorageClass": "STANDARD_IA"}, {"Days": 365, "StorageClass": "GLACIER"}],
               Expiration={"Days": 400})()
    _lifecycle(s3, NoncurrentVersionExpiration={"NoncurrentDays": 30})()
    _lifecycle(s3, Transitions=[{"Days": 0, "StorageClass": "GLACIER_IR"}])()


def test_s3_refuses_expiration_days_that_are_not_positive(s3):
    _refused(_lifecycle(s3, Expiration={"Days": -1}), "InvalidArgument")
    _refused(_lifecycle(s3, Expiration={"Days": 0}), "InvalidArgument")


def test_s3_refuses_negative_transition_days(s3):
    _refused(_lifecycle(s3, Transitions=[{"Days": -30, "StorageClass": "GLACIER"}]), "InvalidArgument")


def test_s3_refuses_expiration_before_transition(s3):
    message = _refused(_lifecycle(s3, Transitions=[{"Days": 90, "StorageClass": "GLACIER"}], Expiration={"Days": 30}),
                       "InvalidArgument")
    assert "Expiration" in message
    _refused(_lifecycle(s3, NoncurrentVersionTransitions=[{"NoncurrentDays": 60, "StorageClass": "GLACIER"}],
                        NoncurrentVersionExpiration={"NoncurrentDays": 30}), "InvalidArgument")


def test_s3_refuses_standard_ia_before_30_days(s3):
    message = _refused(_lifecycle(s3, Transitions=[{"Days": 7, "StorageClass": "STANDARD_IA"}]), "InvalidArgument")
    assert "30" in message and "STANDARD_IA" in message
    _refused(_lifecycle(s3, NoncurrentVersionTransitions=[{"NoncurrentDays": 10, "StorageClass": "ONEZONE_IA"}]),
             "InvalidArgument")


def test_s3_refuses_a_transition_within_30_days_of_standard_ia(s3):
    _refused(_lifecycle(s3, Transitions=[{"Days": 30, "StorageClass": "STANDARD_IA"},
                                         {"Days": 45, "StorageClass": "GLACIER"}]), "InvalidArgument")


def test_s3_refuses_one_storage_class_twice_in_a_rule(s3):
    _refused(_lifecycle(s3, Transitions=[{"Days": 30, "StorageClass": "GLACIER"},
                                         {"Days": 60, "StorageClass": "GLACIER"}]), "InvalidRequest")


# -------------------------------------------------------------------------------------------- ElastiCache
def _group(**extra: Any) -> dict[str, Any]:
    return {"ReplicationGroupDescription": "d", "Engine": "redis", "CacheNodeType": "cache.t4g.small",
            "NumCacheClusters": 1, **extra}


def test_elasticache_refuses_a_maintenance_window_under_60_minutes(client):
    ec = client("elasticache")
    message = _refused(lambda: ec.create_replication_group(
        ReplicationGroupId="rules-w1", **_group(PreferredMaintenanceWindow="tue:05:00-tue:05:30")),
        "InvalidParameterValue")
    assert "60 minutes" in message
    hour = "sun:23:30-mon:00:30"
    ec.create_replication_group(ReplicationGroupId="rules-w2", **_group(PreferredMaintenanceWindow=hour))
    _refused(lambda: ec.modify_replication_group(ReplicationGroupId="rules-w2",
                                                 PreferredMaintenanceWindow="tue:05:00-tue:05:59"),
             "InvalidParameterValue")


def test_elasticache_refuses_port_0(client):
    _refused(lambda: client("elasticache").create_replication_group(ReplicationGroupId="rules-p0", **_group(Port=0)),
             "InvalidParameterValue")


def test_elasticache_refuses_a_cache_cluster_zone_of_another_region(client):
    _refused(lambda: client("elasticache").create_cache_cluster(
        CacheClusterId="rules-az", Engine="redis", CacheNodeType="cache.t4g.small", NumCacheNodes=1,
        PreferredAvailabilityZone="us-east-1a"), "InvalidParameterValue")


# ------------------------------------------------------------------------------------------------ EC2
def test_elasticache_refuses_replication_group_zones_of_another_region(client):
    ec = client("elasticache")
    _refused(lambda: ec.create_replication_group(ReplicationGroupId="rules-rgaz", **_group(
        NumCacheClusters=2, PreferredCacheClusterAZs=["ap-northeast-2a", "us-east-1a"])), "InvalidParameterValue")
    _refused(lambda: ec.create_replication_group(ReplicationGroupId="rules-rgaz", **{**_group(), "NumNodeGroups": 1,
             "NodeGroupConfiguration": [{"NodeGroupId": "0001", "PrimaryAvailabilityZone": "eu-west-1a"}]}),
             "InvalidParameterValue")
    ec.create_replication_group(ReplicationGroupId="rules-rgaz", **_group(
        NumCacheClusters=2, PreferredCacheClusterAZs=["ap-northeast-2a", "ap-northeast-2b"]))


def test_ec2_refuses_a_subnet_in_a_zone_of_another_region(client):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    _refused(lambda: ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24", AvailabilityZone="us-east-1a"),
             "InvalidParameterValue")
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.2.0/24", AvailabilityZone="ap-northeast-2a")


# ------------------------------------------------------------------------------------------------ RDS
def _instance(**extra: Any) -> dict[str, Any]:
    return {"Engine": "postgres", "EngineVersion": "17.7", "DBInstanceClass": "db.t4g.small", "AllocatedStorage": 100,
            "MasterUsername": "admin_user", "MasterUserPassword": PASSWORD, **extra}


def test_rds_refuses_io1_storage_without_iops(client):
    rds = client("rds")
    _refused(lambda: rds.create_db_instance(DBInstanceIdentifier="rules-io1", **_instance(StorageType="io1")),
             "InvalidParameterCombination")
    rds.create_db_instance(DBInstanceIdentifier="rules-io1", **_instance(StorageType="io1", Iops=3000))


def test_rds_refuses_port_0(client):
    rds = client("rds")
    _refused(lambda: rds.create_db_instance(DBInstanceIdentifier="rules-p0", **_instance(Port=0)),
             "InvalidParameterValue")
    _refused(lambda: rds.create_db_instance(DBInstanceIdentifier="rules-p0", **_instance(Port=1149)),
             "InvalidParameterValue")


def test_rds_refuses_an_instance_class_no_engine_offers(client):
    # the late failures the catalogue preflight prevents: a misspelt class, an ElastiCache node type given to RDS
    rds = client("rds")
    for bad in ("db.t4g.smal", "cache.t4g.small"):
        message = _refused(lambda bad=bad: rds.create_db_instance(DBInstanceIdentifier="rules-class",
                                                                  **_instance(DBInstanceClass=bad)),
                           "InvalidParameterCombination")
        assert f"DBInstanceClass={bad}" in message
    rds.create_db_instance(DBInstanceIdentifier="rules-class", **_instance())


def test_rds_refuses_an_engine_version_or_a_class_the_engine_does_not_offer(client):
    rds = client("rds")
    message = _refused(lambda: rds.create_db_instance(DBInstanceIdentifier="rules-ver",
                                                      **_instance(EngineVersion="17.9")), "InvalidParameterCombination")
    assert "17.9" in message
    _refused(lambda: rds.create_db_cluster(DBClusterIdentifier="rules-ver", Engine="aurora-postgresql",
                                           EngineVersion="16.99", MasterUsername="admin_user",
                                           MasterUserPassword=PASSWORD), "InvalidParameterCombination")
    # db.t4g.micro is an RDS PostgreSQL class, not an Aurora one
    _refused(lambda: rds.create_db_instance(DBInstanceIdentifier="rules-aurora-class", Engine="aurora-postgresql",
                                            DBInstanceClass="db.t4g.micro", DBClusterIdentifier="none"),
             "InvalidParameterCombination")
    # a major version alone: RDS takes that major's default minor version
    rds.create_db_instance(DBInstanceIdentifier="rules-ver", **_instance(EngineVersion="17"))


def test_elasticache_refuses_a_node_type_it_does_not_offer(client):
    # an RDS class given to ElastiCache
    _refused(lambda: client("elasticache").create_replication_group(
        ReplicationGroupId="rules-nt", **_group(CacheNodeType="db.t4g.small")), "InvalidParameterValue")


def test_rds_refuses_a_zone_of_another_region(client):
    _refused(lambda: client("rds").create_db_instance(DBInstanceIdentifier="rules-az",
                                                      **_instance(AvailabilityZone="us-east-1a")),
             "InvalidParameterValue")


def test_rds_refuses_log_exports_of_another_engine(client):
    rds = client("rds")
    message = _refused(lambda: rds.create_db_instance(
        DBInstanceIdentifier="rules-logs", **_instance(EnableCloudwatchLogsExports=["postgresql", "slowquery"])),
        "InvalidParameterCombination")
    assert "slowquery" in message
    rds.create_db_instance(DBInstanceIdentifier="rules-logs", **_instance(EnableCloudwatchLogsExports=["postgresql"]))
    _refused(lambda: rds.modify_db_instance(DBInstanceIdentifier="rules-logs", CloudwatchLogsExportConfiguration={
        "EnableLogTypes": ["error"]}), "InvalidParameterCombination")


def test_rds_refuses_a_parameter_group_of_another_family(client):
    rds = client("rds")
    rds.create_db_parameter_group(DBParameterGroupName="rules-pg16", DBParameterGroupFamily="postgres16",
                                  Description="x")
    rds.create_db_parameter_group(DBParameterGroupName="rules-pg17", DBParameterGroupFamily="postgres17",
                                  Description="x")
    message = _refused(lambda: rds.create_db_instance(DBInstanceIdentifier="rules-family",
                                                      **_instance(DBParameterGroupName="rules-pg16")),
                       "InvalidParameterCombination")
    assert "postgres16" in message and "postgres17" in message
    rds.create_db_instance(DBInstanceIdentifier="rules-family", **_instance(DBParameterGroupName="rules-pg17"))
    _refused(lambda: rds.modify_db_instance(DBInstanceIdentifier="rules-family", DBParameterGroupName="rules-pg16"),
             "InvalidParameterCombination")


def test_rds_refuses_a_parameter_name_the_family_does_not_have(client):
    rds = client("rds")
    rds.create_db_parameter_group(DBParameterGroupName="rules-names", DBParameterGroupFamily="postgres17",
                                  Description="x")
    ok = [{"ParameterName": n, "ParameterValue": v, "ApplyMethod": "pending-reboot"} for n, v in (
        ("shared_preload_libraries", "pg_stat_statements"), ("log_statement", "ddl"), ("rds.force_ssl", "1"),
        ("TimeZone", "UTC"), ("pg_stat_statements.track", "all"), ("transaction_timeout", "0"))]
    rds.modify_db_parameter_group(DBParameterGroupName="rules-names", Parameters=ok)
    message = _refused(lambda: rds.modify_db_parameter_group(DBParameterGroupName="rules-names", Parameters=[
        {"ParameterName": "shared_preload_librarys", "ParameterValue": "x", "ApplyMethod": "pending-reboot"}]),
        "InvalidParameterValue")
    assert "shared_preload_librarys" in message
