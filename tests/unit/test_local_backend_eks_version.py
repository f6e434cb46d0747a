"""The local backend's UpdateClusterVersion (moto 5.2.5: absent), driven with boto3 against ``start_in_thread``
under latency mode with a manual clock, so an update stays InProgress until the test moves time.

As EKS: one minor version up at a time (a downgrade, a jump, the same version or an unknown version are
InvalidParameterException), nothing while the cluster is not ACTIVE or another update of it is in progress
(ResourceInUseException), nothing while a managed node group lags the cluster's version
(InvalidRequestException); the update is a ``VersionUpdate`` with ``Version`` and ``PlatformVersion``
params, served by DescribeUpdate / ListUpdates.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# `pytest tests` does not put the repository root on sys.path; local_backend lives there.
REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from local_backend.aws import latency  # noqa: E402
from local_backend.aws.server import BackendHandle, start_in_thread  # noqa: E402
from tests.unit.conftest import aws_client  # noqa: E402

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
CLUSTER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-cluster"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-node"
SECONDS = 100.0  # a cluster is CREATING, and a version update InProgress, this long


@pytest.fixture(scope="module")
def clock() -> latency.ManualClock:
    return latency.ManualClock()


@pytest.fixture(scope="module")
def server(clock: latency.ManualClock) -> Iterator[BackendHandle]:
    handle = start_in_thread(
        latency_scale=1.0, latency_seconds={"eks_cluster": SECONDS, "eks_nodegroup": 0.0}, clock=clock
    )
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def eks(server: BackendHandle) -> Any:
    return aws_client(server.endpoint_url, "eks")


@pytest.fixture(scope="module")
def subnets(server: BackendHandle) -> list[str]:
    ec2 = aws_client(server.endpoint_url, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
    return [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.43.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in enumerate("ab", start=1)
    ]


def _active_cluster(eks: Any, clock: latency.ManualClock, subnets: list[str], version: str) -> str:
    name = f"v-{uuid.uuid4().hex[:8]}"
    eks.create_cluster(name=name, version=version, roleArn=CLUSTER_ROLE, resourcesVpcConfig={"subnetIds": subnets})
    clock.advance(SECONDS)
    assert eks.describe_cluster(name=name)["cluster"]["status"] == "ACTIVE"
    return name


def test_one_minor_up_is_a_version_update_that_blocks_other_updates_until_done(
    eks: Any, clock: latency.ManualClock, subnets: list[str]
) -> None:
    name = _active_cluster(eks, clock, subnets, "1.33")
    platform = eks.describe_cluster(name=name)["cluster"]["platformVersion"]

    update = eks.update_cluster_version(name=name, version="1.34")["update"]
    assert (update["type"], update["status"], update["errors"]) == ("VersionUpdate", "InProgress", [])
    assert update["params"] == [{"type": "Version", "value": "1.34"}, {"type": "PlatformVersion", "value": platform}]
    assert eks.describe_update(name=name, updateId=update["id"])["update"]["status"] == "InProgress"
    assert eks.list_updates(name=name)["updateIds"] == [update["id"]]

    # EKS runs one update of a cluster at a time
    with pytest.raises(eks.exceptions.ResourceInUseException):
        eks.update_cluster_version(name=name, version="1.34")
    with pytest.raises(eks.exceptions.ResourceInUseException):
        eks.update_cluster_config(name=name, logging={"clusterLogging": [{"types": ["api"], "enabled": True}]})

    clock.advance(SECONDS)
    assert eks.describe_update(name=name, updateId=update["id"])["update"]["status"] == "Successful"
    assert eks.describe_cluster(name=name)["cluster"]["version"] == "1.34"
    logging = eks.update_cluster_config(name=name, logging={"clusterLogging": [{"types": ["api"], "enabled": True}]})
    assert logging["update"]["type"] == "LoggingUpdate"


@pytest.mark.parametrize(
    ("current", "wanted"),
    [("1.34", "1.33"), ("1.32", "1.34"), ("1.34", "1.34"), ("1.34", "1.35"), ("1.33", "2.0")],
    ids=["downgrade", "jump", "same", "unknown", "major"],
)
def test_anything_but_one_minor_up_is_refused(
    eks: Any, clock: latency.ManualClock, subnets: list[str], current: str, wanted: str
) -> None:
    name = _active_cluster(eks, clock, subnets, current)
    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.update_cluster_version(name=name, version=wanted)
    cluster = eks.describe_cluster(name=name)["cluster"]
    assert cluster["version"] == current
    assert eks.list_updates(name=name)["updateIds"] == []


def test_refused_while_creating_and_for_a_missing_cluster(
    eks: Any, clock: latency.ManualClock, subnets: list[str]
) -> None:
    name = f"v-{uuid.uuid4().hex[:8]}"
    eks.create_cluster(name=name, version="1.33", roleArn=CLUSTER_ROLE, resourcesVpcConfig={"subnetIds": subnets})
    assert eks.describe_cluster(name=name)["cluster"]["status"] == "CREATING"
    with pytest.raises(eks.exceptions.ResourceInUseException):
        eks.update_cluster_version(name=name, version="1.34")
    clock.advance(SECONDS)
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.update_cluster_version(name="no-such-cluster", version="1.34")


def test_node_groups_must_be_at_the_cluster_version_first(
    eks: Any, clock: latency.ManualClock, subnets: list[str]
) -> None:
    name = _active_cluster(eks, clock, subnets, "1.32")
    eks.create_nodegroup(clusterName=name, nodegroupName="general", nodeRole=NODE_ROLE, subnets=subnets)
    assert eks.describe_nodegroup(clusterName=name, nodegroupName="general")["nodegroup"]["version"] == "1.32"
    eks.update_cluster_version(name=name, version="1.33")  # the node group is at the cluster's version
    clock.advance(SECONDS)
    with pytest.raises(eks.exceptions.InvalidRequestException):  # now it lags 1.33
        eks.update_cluster_version(name=name, version="1.34")
    assert eks.describe_cluster(name=name)["cluster"]["version"] == "1.33"
