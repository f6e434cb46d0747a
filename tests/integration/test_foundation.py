"""The foundation layer on the local backend: full run, re-run, every tag alone, the plan (check mode)
on an empty and on a converged account, and discovery when only some layers exist."""

from __future__ import annotations

import pytest

from .conftest import assert_ok, run_playbook

FOUNDATION_TAGS = ["network", "kms", "s3", "ecr", "secrets", "foundation"]
LAYER = "playbooks/foundation.yml"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def converged(module_backend):
    run = run_playbook(module_backend, playbook=LAYER)
    assert_ok(run)
    assert run.changed > 0, "a cold run must create the foundation"
    vpcs = module_backend.client("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["wealist-local-vpc"]}])
    assert len(vpcs["Vpcs"]) == 1
    return module_backend


def test_second_full_run_changes_nothing(converged):
    assert_ok(run_playbook(converged, playbook=LAYER), changed=0)


@pytest.mark.parametrize("tag", FOUNDATION_TAGS)
def test_each_tag_alone_after_full_run_changes_nothing(converged, tag):
    run = run_playbook(converged, "--tags", tag, playbook=LAYER)
    assert_ok(run, changed=0)


def test_check_diff_on_converged_account_changes_nothing(converged):
    converged.clear_requests()
    run = run_playbook(converged, "--check", "--diff", playbook=LAYER)
    assert_ok(run, changed=0)
    assert converged.mutating_requests() == []


def test_check_diff_on_empty_account_plans_without_writing(backend):
    run = run_playbook(backend, "--check", "--diff", playbook=LAYER)
    assert_ok(run)
    text = run.text()
    assert "would create VPC wealist-local-vpc 10.0.0.0/16" in text
    assert run.changed > 0, "the plan must report what it would change"
    assert backend.mutating_requests() == [], "check mode wrote to AWS"
    ec2 = backend.client("ec2")
    named = [v for v in ec2.describe_vpcs()["Vpcs"] if any(t["Key"] == "Name" for t in v.get("Tags", []))]
    assert named == []


def test_s3_alone_finds_the_key_by_alias(backend):
    assert_ok(run_playbook(backend, "--tags", "network,kms", playbook=LAYER))
    s3 = backend.client("s3")
    assert s3.list_buckets()["Buckets"] == []
    run = run_playbook(backend, "--tags", "s3", playbook=LAYER)
    assert_ok(run)
    names = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
    assert len(names) == 3 and all(n.startswith("wealist-local-") for n in names), names
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
