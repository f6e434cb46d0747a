"""The local backend's core: request log, ``mutating()``, latency mode, /_local endpoints and the CLI.

Fidelity gaps covered: moto keeps no record of the calls it served (request log); moto creates every
resource in its final state (latency mode); moto needs MOTO_IAM_LOAD_MANAGED_POLICIES for AWS managed
policies (set by the server); community.aws.elasticache needs ``CacheNodes``, which moto omits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

# `pytest tests` does not put the repository root on sys.path; local_backend lives there.
REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from local_backend.aws import latency  # noqa: E402
from local_backend.aws.requests import (  # noqa: E402
    is_mutating,
    mutating,
    served_seconds,
    service_from_authorization,
)
from local_backend.aws.server import BackendHandle, start_in_thread  # noqa: E402
from tests.unit.conftest import aws_client  # noqa: E402

REGION = "ap-northeast-2"


@pytest.fixture(scope="module")
def local_backend_core_server() -> Iterator[BackendHandle]:
    handle = start_in_thread()
    yield handle
    handle.stop()


def _client(handle: BackendHandle, service: str) -> Any:
    return aws_client(handle.endpoint_url, service)


def _http(url: str, method: str = "GET") -> tuple[int, Any]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


# --------------------------------------------------------------------------------------------------
# /_local endpoints


def test_health_and_unknown_local_endpoint(local_backend_core_server: BackendHandle) -> None:
    assert _http(f"{local_backend_core_server.endpoint_url}/_local/health") == (200, {"status": "ok"})
    status, body = _http(f"{local_backend_core_server.endpoint_url}/_local/nope")
    assert status == 404 and "nope" in body["error"]


def test_moto_reset_still_works(local_backend_core_server: BackendHandle) -> None:
    ec2 = _client(local_backend_core_server, "ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    assert _http(f"{local_backend_core_server.endpoint_url}/moto-api/reset", "POST")[0] == 200
    assert vpc_id not in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}


def test_aws_managed_policies_are_loaded(local_backend_core_server: BackendHandle) -> None:
    iam = _client(local_backend_core_server, "iam")
    iam.create_role(RoleName="node", AssumeRolePolicyDocument="{}")
    iam.attach_role_policy(RoleName="node", PolicyArn="arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy")
    attached = iam.list_attached_role_policies(RoleName="node")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AmazonEKSWorkerNodePolicy"]


def test_elasticache_cache_cluster_reports_what_community_aws_reads(local_backend_core_server: BackendHandle) -> None:
    elasticache = _client(local_backend_core_server, "elasticache")
    elasticache.create_cache_cluster(CacheClusterId="nodes", CacheNodeType="cache.t3.micro")  # no Engine
    found = elasticache.describe_cache_clusters(CacheClusterId="nodes", ShowCacheNodeInfo=True)["CacheClusters"][0]
    assert [n["CacheNodeId"] for n in found["CacheNodes"]] == ["0001"]
    assert found["CacheNodes"][0]["Endpoint"]["Port"] == 6379
    assert (found["NumCacheNodes"], found["CacheSecurityGroups"]) == (1, [])


def test_ec2_describe_tags_uses_aws_resource_types(local_backend_core_server: BackendHandle) -> None:
    """moto said ``nat-gateway``; amazon.aws filters on ``natgateway`` and re-tagged NAT gateways every run."""
    ec2 = _client(local_backend_core_server, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    ec2.create_tags(Resources=[nat, allocation], Tags=[{"Key": "Name", "Value": "a"}])
    for resource, resource_type in ((nat, "natgateway"), (allocation, "elastic-ip")):
        found = ec2.describe_tags(
            Filters=[
                {"Name": "resource-id", "Values": [resource]},
                {"Name": "resource-type", "Values": [resource_type]},
            ]
        )["Tags"]
        assert [(t["ResourceType"], t["Key"]) for t in found] == [(resource_type, "Name")]


# --------------------------------------------------------------------------------------------------
# request log and mutating()


def test_request_log_records_operations_and_classifies_them(local_backend_core_server: BackendHandle) -> None:
    url = f"{local_backend_core_server.endpoint_url}/_local/requests"
    ec2, s3 = _client(local_backend_core_server, "ec2"), _client(local_backend_core_server, "s3")
    eks, kms = _client(local_backend_core_server, "eks"), _client(local_backend_core_server, "kms")
    ec2.describe_vpcs()
    assert _http(url, "DELETE")[0] == 200
    assert _http(url) == (200, [])

    ec2.create_vpc(CidrBlock="10.1.0.0/16")
    ec2.describe_vpcs()
    s3.create_bucket(Bucket="log-test-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="log-test-bucket", VersioningConfiguration={"Status": "Enabled"})
    s3.get_bucket_versioning(Bucket="log-test-bucket")
    s3.list_buckets()
    s3.put_object(Bucket="log-test-bucket", Key="a/b.txt", Body=b"x")
    s3.head_object(Bucket="log-test-bucket", Key="a/b.txt")
    eks.list_clusters()
    kms.generate_random(NumberOfBytes=8)

    status, log = _http(url)
    assert status == 200
    assert [(e["service"], e["operation"], e["method"]) for e in log] == [
        ("ec2", "CreateVpc", "POST"),
        ("ec2", "DescribeVpcs", "POST"),
        ("s3", "CreateBucket", "PUT"),
        ("s3", "PutBucketVersioning", "PUT"),
        ("s3", "GetBucketVersioning", "GET"),
        ("s3", "ListBuckets", "GET"),
        ("s3", "PutObject", "PUT"),
        ("s3", "HeadObject", "HEAD"),
        ("eks", "ListClusters", "GET"),
        ("kms", "GenerateRandom", "POST"),
    ]
    assert log[6]["path"] == "/log-test-bucket/a/b.txt"
    assert all(isinstance(e["seconds"], float) and e["seconds"] >= 0 for e in log)  # time spent serving each
    assert served_seconds([{"seconds": 0.25}, {"seconds": None}, {"operation": "X"}, {"seconds": 1.5}]) == 1.75
    assert [e["operation"] for e in mutating(log)] == ["CreateVpc", "CreateBucket", "PutBucketVersioning", "PutObject"]
    assert local_backend_core_server.requests.entries() == log

    assert _http(url, "DELETE") == (200, {"cleared": len(log)})
    assert _http(url) == (200, [])


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("CreateVpc", True),
        ("DeleteBucket", True),
        ("PutBucketVersioning", True),
        ("AuthorizeSecurityGroupIngress", True),
        ("AssociateAccessPolicy", True),
        ("TagResource", True),
        ("UpdateNodegroupConfig", True),
        ("PutScheduledUpdateGroupAction", True),
        ("RunInstances", True),
        ("DescribeVpcs", False),
        ("ListBuckets", False),
        ("GetBucketVersioning", False),
        ("HeadObject", False),
        ("GenerateRandom", False),
        ("GenerateDataKey", False),
        ("GetRandomPassword", False),
        ("BatchGetImage", False),
        ("AssumeRole", False),
        (None, False),
    ],
)
def test_is_mutating(operation: str | None, expected: bool) -> None:
    assert is_mutating(operation) is expected


def test_mutating_accepts_names_and_entries() -> None:
    assert mutating(["CreateVpc", "DescribeVpcs", "DeleteVpc"]) == ["CreateVpc", "DeleteVpc"]
    entry = {"service": "ec2", "operation": "CreateVpc", "method": "POST", "path": "/"}
    assert mutating([entry, {**entry, "operation": "DescribeVpcs"}]) == [entry]


def test_service_from_authorization() -> None:
    header = (
        "AWS4-HMAC-SHA256 Credential=testing/20250101/ap-northeast-2/eks/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=abc"
    )
    assert service_from_authorization(header) == "eks"
    assert service_from_authorization("Bearer token") is None
    assert service_from_authorization(None) is None


# --------------------------------------------------------------------------------------------------
# latency mode


def test_latency_config_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(latency.ENV_SCALE, "0.5")
    monkeypatch.setenv(latency.ENV_SECONDS, '{"rds_instance": 30}')
    config = latency.config_from()
    assert config.delay("rds_instance") == 15.0
    assert config.delay("eks_cluster") == 300.0
    assert latency.config_from(scale=0.0).delay("rds_instance") == 0.0
    with pytest.raises(ValueError, match="unknown kinds"):
        latency.config_from(seconds='{"rds": 1}')


def test_without_latency_resources_are_available_at_once(local_backend_core_server: BackendHandle) -> None:
    rds = _client(local_backend_core_server, "rds")
    created = rds.create_db_instance(
        DBInstanceIdentifier="instant",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="app",
        MasterUserPassword="password123",
        AllocatedStorage=20,
    )["DBInstance"]
    assert created["DBInstanceStatus"] == "available"


@pytest.fixture
def latency_clock() -> latency.ManualClock:
    return latency.ManualClock()


@pytest.fixture
def local_backend_latency_server(
    monkeypatch: pytest.MonkeyPatch, latency_clock: latency.ManualClock
) -> Iterator[BackendHandle]:
    """Latency mode on a clock that moves only when the test advances it (no sleeping, no speed assumption)."""
    monkeypatch.setenv(
        latency.ENV_SECONDS,
        json.dumps(
            {
                "rds_instance": 30,
                "rds_cluster": 30,
                "nat_gateway": 30,
                "eks_cluster": 30,
                "eks_nodegroup": 20,
                "eks_addon": 20,
                "elasticache_replication_group": 30,
            }
        ),
    )
    handle = start_in_thread(latency_scale=1.0, clock=latency_clock)
    yield handle
    handle.stop()


def test_latency_mode_reports_creating_states_then_available(
    local_backend_latency_server: BackendHandle, latency_clock: latency.ManualClock
) -> None:
    handle = local_backend_latency_server
    rds, ec2, eks = _client(handle, "rds"), _client(handle, "ec2"), _client(handle, "eks")
    elasticache = _client(handle, "elasticache")
    assert _http(f"{handle.endpoint_url}/_local/config")[1]["latency"]["seconds"]["rds_instance"] == 30

    instance = rds.create_db_instance(
        DBInstanceIdentifier="slow",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="app",
        MasterUserPassword="password123",
        AllocatedStorage=20,
    )["DBInstance"]
    cluster = rds.create_db_cluster(
        DBClusterIdentifier="slow", Engine="aurora-postgresql", MasterUsername="app", MasterUserPassword="password123"
    )["DBCluster"]
    subnet = ec2.create_subnet(VpcId=ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"], CidrBlock="10.5.1.0/24")
    nat = ec2.create_nat_gateway(
        SubnetId=subnet["Subnet"]["SubnetId"], AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"]
    )["NatGateway"]
    eks_cluster = eks.create_cluster(
        name="slow", roleArn="arn:aws:iam::123456789012:role/eks", resourcesVpcConfig={"subnetIds": []}
    )["cluster"]
    group = elasticache.create_replication_group(
        ReplicationGroupId="slow", ReplicationGroupDescription="redis", CacheNodeType="cache.t3.micro", Engine="redis"
    )["ReplicationGroup"]

    def states() -> tuple[str, ...]:
        return (
            rds.describe_db_instances(DBInstanceIdentifier="slow")["DBInstances"][0]["DBInstanceStatus"],
            rds.describe_db_clusters(DBClusterIdentifier="slow")["DBClusters"][0]["Status"],
            ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]["State"],
            eks.describe_cluster(name="slow")["cluster"]["status"],
            elasticache.describe_replication_groups(ReplicationGroupId="slow")["ReplicationGroups"][0]["Status"],
        )

    creating = ("creating", "creating", "pending", "CREATING", "creating")
    assert (instance["DBInstanceStatus"], cluster["Status"], nat["State"], eks_cluster["status"], group["Status"]) == (
        creating
    )
    assert states() == creating
    with pytest.raises(eks.exceptions.InvalidRequestException):  # EKS refuses node groups until ACTIVE
        eks.create_nodegroup(
            clusterName="slow", nodegroupName="ng", nodeRole="arn:aws:iam::123456789012:role/n", subnets=[]
        )

    latency_clock.advance(29.9)  # just short of the configured 30 s: nothing is ready yet
    assert states() == creating
    latency_clock.advance(0.1)
    assert states() == ("available", "available", "available", "ACTIVE", "available")

    nodegroup = eks.create_nodegroup(
        clusterName="slow", nodegroupName="ng", nodeRole="arn:aws:iam::123456789012:role/n", subnets=[]
    )["nodegroup"]
    addon = eks.create_addon(clusterName="slow", addonName="coredns")["addon"]
    assert (nodegroup["status"], addon["status"]) == ("CREATING", "CREATING")
    with pytest.raises(eks.exceptions.ResourceInUseException):  # UpdateAddon refused while CREATING
        eks.update_addon(clusterName="slow", addonName="coredns", resolveConflicts="OVERWRITE")
    latency_clock.advance(20)
    assert eks.describe_nodegroup(clusterName="slow", nodegroupName="ng")["nodegroup"]["status"] == "ACTIVE"
    assert eks.describe_addon(clusterName="slow", addonName="coredns")["addon"]["status"] == "ACTIVE"

    update = eks.update_addon(clusterName="slow", addonName="coredns", resolveConflicts="OVERWRITE")["update"]
    assert update["status"] == "InProgress"
    assert eks.describe_addon(clusterName="slow", addonName="coredns")["addon"]["status"] == "UPDATING"
    latency_clock.advance(20)
    assert eks.describe_addon(clusterName="slow", addonName="coredns")["addon"]["status"] == "ACTIVE"
    described = eks.describe_update(name="slow", updateId=update["id"], addonName="coredns")["update"]
    assert described["status"] == "Successful"


def test_clock_endpoint_advances_the_latency_clock(
    local_backend_latency_server: BackendHandle, latency_clock: latency.ManualClock
) -> None:
    """Out-of-process callers (the CLI backend) move the same clock with POST /_local/clock."""
    handle = local_backend_latency_server
    rds = _client(handle, "rds")
    rds.create_db_instance(
        DBInstanceIdentifier="clocked",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="app",
        MasterUserPassword="password123",
        AllocatedStorage=20,
    )
    status, before = _http(f"{handle.endpoint_url}/_local/clock")
    assert status == 200

    request = urllib.request.Request(
        f"{handle.endpoint_url}/_local/clock",
        data=json.dumps({"advance": 30}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        after = json.loads(response.read())
    assert after["offset"] == before["offset"] + 30
    assert after["now"] == latency_clock() + after["offset"]  # the manual clock itself did not move
    assert rds.describe_db_instances(DBInstanceIdentifier="clocked")["DBInstances"][0]["DBInstanceStatus"] == (
        "available"
    )
    assert _http(f"{handle.endpoint_url}/_local/clock", method="POST")[0] == 400  # no body


# --------------------------------------------------------------------------------------------------
# CLI


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local_backend", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def test_cli_up_is_idempotent_and_down_stops_exactly_that_pid(tmp_path: Path) -> None:
    state = tmp_path / "state"
    try:
        up = _cli("up", "--state-dir", str(state), "--region", "eu-west-1")
        assert up.returncode == 0, up.stderr
        endpoint = up.stdout.splitlines()[0]  # first line; other backends started with it print theirs after
        assert endpoint.startswith("http://127.0.0.1:")
        pid = int((state / "backend.pid").read_text())
        facts = json.loads((state / "backend.json").read_text())
        aws_keys = ("endpoint_url", "region", "aws_access_key_id", "aws_secret_access_key", "pid", "port")
        assert {key: facts[key] for key in (*aws_keys, "latency_scale")} == {
            "endpoint_url": endpoint,
            "region": "eu-west-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "pid": pid,
            "port": int(endpoint.rsplit(":", 1)[1]),
            "latency_scale": 0.0,
        }
        env = (state / "backend.env").read_text().splitlines()
        assert env[:5] == [
            f"export AWS_ENDPOINT_URL={endpoint}",
            "export AWS_REGION=eu-west-1",
            "export AWS_DEFAULT_REGION=eu-west-1",
            "export AWS_ACCESS_KEY_ID=testing",
            "export AWS_SECRET_ACCESS_KEY=testing",
        ]
        sts = boto3.client(
            "sts",
            endpoint_url=endpoint,
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert sts.get_caller_identity()["Account"] == "123456789012"

        again = _cli("up", "--state-dir", str(state))
        assert again.returncode == 0
        assert again.stdout.splitlines()[0] == f"already running at {endpoint} (pid {pid})"
        assert int((state / "backend.pid").read_text()) == pid
        assert _cli("status", "--state-dir", str(state)).returncode == 0

        down = _cli("down", "--state-dir", str(state))
        assert down.returncode == 0 and str(pid) in down.stdout
        assert not _alive(pid)
        assert not (state / "backend.pid").exists() and not (state / "backend.json").exists()
        status = _cli("status", "--state-dir", str(state))
        assert (status.returncode, status.stdout.splitlines()[0]) == (1, "not running")
        assert _cli("down", "--state-dir", str(state)).stdout.splitlines()[0] == "not running"
    finally:
        _cli("down", "--state-dir", str(state))


def test_cli_replaces_a_stale_pid_file_and_passes_latency(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "backend.pid").write_text("999999\n")
    try:
        up = _cli("up", "--state-dir", str(state), "--latency")
        assert up.returncode == 0, up.stderr
        pid = int((state / "backend.pid").read_text())
        assert pid != 999999 and _alive(pid)
        assert json.loads((state / "backend.json").read_text())["latency_scale"] == 0.05
        assert _http(f"{up.stdout.splitlines()[0]}/_local/config")[1]["latency"]["scale"] == 0.05
    finally:
        assert _cli("down", "--state-dir", str(state)).returncode == 0


def test_kms_key_deletion_accepts_a_key_arn(local_backend_core_server):
    """moto 5.2.5 answers ScheduleKeyDeletion/CancelKeyDeletion/EnableKey with a key ARN with HTTP 500."""
    kms = _client(local_backend_core_server, "kms")
    arn = kms.create_key()["KeyMetadata"]["Arn"]
    kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)
    assert kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    kms.cancel_key_deletion(KeyId=arn)
    kms.enable_key(KeyId=arn)
    assert kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "Enabled"
