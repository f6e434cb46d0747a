"""The foundation layer in shapes the whole-site test (test_site.py) does not build: S3 alone finding the
key by alias when only the KMS key exists, and per-AZ NAT gateways with flow logs. The full run,
each tag alone and the plans are test_site.py's; re-run and check mode on the converged site molecule's."""

from __future__ import annotations

import pytest

from .conftest import assert_ok, run_playbook

LAYER = "playbooks/foundation.yml"

pytestmark = pytest.mark.slow


def test_s3_alone_finds_the_key_by_alias(backend):
    # only the key: the buckets need no network, and no fact of the kms role reaches the s3 run
    assert_ok(run_playbook(backend, "--tags", "kms", playbook=LAYER))
    s3 = backend.client("s3")
    assert s3.list_buckets()["Buckets"] == []
    run = run_playbook(backend, "--tags", "s3", playbook=LAYER)
    assert_ok(run)
    names = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
    # <platform_name>-<suffix>-<account id>, the seed's three buckets
    account = backend.client("sts").get_caller_identity()["Account"]
    assert names == sorted(f"wealist-local-{suffix}-{account}" for suffix in ("files", "tempo-traces", "loki-logs"))
    key_arn = backend.client("kms").describe_key(KeyId="alias/wealist-local")["KeyMetadata"]["Arn"]
    enc = s3.get_bucket_encryption(Bucket=names[0])["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert enc["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] in (key_arn, key_arn.split("/")[-1])


def test_per_az_nat_and_flow_logs(backend):
    extra = ("--tags", "network", "-e", "platform_nat_mode=per_az", "-e", "platform_flow_logs_enabled=true")
    assert_ok(run_playbook(backend, *extra, playbook=LAYER))
    assert_ok(run_playbook(backend, *extra, playbook=LAYER), changed=0)
    ec2 = backend.client("ec2")
    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["wealist-local-vpc"]}])["Vpcs"][0]["VpcId"]
    vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    nats = [n for n in ec2.describe_nat_gateways(Filters=vpc)["NatGateways"] if n["State"] == "available"]
    assert len(nats) == 3 and len({n["SubnetId"] for n in nats}) == 3
    private = [
        rt
        for rt in ec2.describe_route_tables(Filters=vpc)["RouteTables"]
        if any(t["Key"] == "Name" and t["Value"].startswith("wealist-local-private-") for t in rt.get("Tags", []))
    ]
    assert len(private) == 3
    targets = {
        r.get("NatGatewayId") for rt in private for r in rt["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"
    }
    assert targets == {n["NatGatewayId"] for n in nats}
    flow_logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    assert len(flow_logs) == 1
    assert flow_logs[0]["LogGroupName"] == "/aws/vpc-flow-log/wealist-local"
    assert flow_logs[0]["MaxAggregationInterval"] == 60
    assert flow_logs[0]["DeliverLogsPermissionArn"].endswith(":role/wealist-local-vpc-flow-log-role")
    groups = backend.client("logs").describe_log_groups(logGroupNamePrefix="/aws/vpc-flow-log/")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/aws/vpc-flow-log/wealist-local"]
