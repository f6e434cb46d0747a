"""UpdateNodegroupVersion in the local backend (moto 5.2.5 answers 404), driven with boto3 against
``start_in_thread`` in latency mode on a clock that moves only when the test advances it.

What the EKS API reference says and the emulator must do: without ``version`` the node group goes to the
cluster's version; a version above the cluster's is refused, so is going back; ``releaseVersion`` defaults to the
latest AMI of the version; the call returns an ``update`` (type ``VersionUpdate``) that DescribeUpdate /
ListUpdates know; a node group that is not ACTIVE, or has an update in progress, cannot be updated
(ResourceInUseException).
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

ACCOUNT = "123456789012"
CLUSTER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-cluster"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-node"
NODEGROUP_SECONDS = 20  # the latency of a node group (creation, and here a version update's node replacement)


@pytest.fixture(scope="module")
def clock() -> latency.ManualClock:
    return latency.ManualClock()


@pytest.fixture(scope="module")
def server(clock: latency.ManualClock) -> Iterator[BackendHandle]:
    handle = start_in_thread(
        latency_scale=1.0, latency_seconds={"eks_cluster": 0, "eks_nodegroup": NODEGROUP_SECONDS}, clock=clock
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
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.43.{i}.0/24", AvailabilityZone=f"ap-northeast-2{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in ((1, "a"), (2, "b"))
    ]


@pytest.fixture
def cluster(eks: Any, subnets: list[str]) -> str:
    name = f"v-{uuid.uuid4().hex[:8]}"
    eks.create_cluster(name=name, version="1.34", roleArn=CLUSTER_ROLE, resourcesVpcConfig={"subnetIds": subnets})
    return name


def _nodegroup(eks: Any, cluster: str, subnets: list[str], clock: latency.ManualClock, version: str) -> str:
    eks.create_nodegroup(
        clusterName=cluster, nodegroupName="general", nodeRole=NODE_ROLE, subnets=subnets, version=version
    )
    clock.advance(NODEGROUP_SECONDS)
    assert eks.describe_nodegroup(clusterName=cluster, nodegroupName="general")["nodegroup"]["status"] == "ACTIVE"
    return "general"


def _error(exc: pytest.ExceptionInfo[Any]) -> tuple[str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_update_to_the_cluster_version_is_recorded_and_takes_the_node_group_latency(
    eks: Any, cluster: str, subnets: list[str], clock: latency.ManualClock
) -> None:
    name = _nodegroup(eks, cluster, subnets, clock, "1.33")
    update = eks.update_nodegroup_version(clusterName=cluster, nodegroupName=name)["update"]
    assert (update["type"], update["status"]) == ("VersionUpdate", "InProgress")
    assert update["params"] == [
        {"type": "Version", "value": "1.34"},
        {"type": "ReleaseVersion", "value": "1.34.0-20251101"},
    ]
    nodegroup = eks.describe_nodegroup(clusterName=cluster, nodegroupName=name)["nodegroup"]
    assert (nodegroup["version"], nodegroup["releaseVersion"]) == ("1.34", "1.34.0-20251101")
    assert eks.list_updates(name=cluster, nodegroupName=name)["updateIds"] == [update["id"]]

    # one update at a time: a config or version update while it is in progress is refused
    with pytest.raises(eks.exceptions.ResourceInUseException) as exc:
        eks.update_nodegroup_config(clusterName=cluster, nodegroupName=name, labels={"addOrUpdateLabels": {"a": "b"}})
    assert _error(exc) == ("ResourceInUseException", 409)
    with pytest.raises(eks.exceptions.ResourceInUseException):
        eks.update_nodegroup_version(clusterName=cluster, nodegroupName=name)

    clock.advance(NODEGROUP_SECONDS)
    described = eks.describe_update(name=cluster, updateId=update["id"], nodegroupName=name)["update"]
    assert described["status"] == "Successful"
    eks.update_nodegroup_config(clusterName=cluster, nodegroupName=name, labels={"addOrUpdateLabels": {"a": "b"}})


def test_explicit_version_and_release_version(
    eks: Any, cluster: str, subnets: list[str], clock: latency.ManualClock
) -> None:
    name = _nodegroup(eks, cluster, subnets, clock, "1.33")
    update = eks.update_nodegroup_version(
        clusterName=cluster, nodegroupName=name, version="1.33", releaseVersion="1.33.5-20251112"
    )["update"]
    assert update["params"] == [
        {"type": "Version", "value": "1.33"},
        {"type": "ReleaseVersion", "value": "1.33.5-20251112"},
    ]
    nodegroup = eks.describe_nodegroup(clusterName=cluster, nodegroupName=name)["nodegroup"]
    assert (nodegroup["version"], nodegroup["releaseVersion"]) == ("1.33", "1.33.5-20251112")
    clock.advance(NODEGROUP_SECONDS)


def test_version_above_the_cluster_or_below_the_node_group_is_refused(
    eks: Any, cluster: str, subnets: list[str], clock: latency.ManualClock
) -> None:
    name = _nodegroup(eks, cluster, subnets, clock, "1.33")
    for version in ("1.35", "1.32"):
        with pytest.raises(eks.exceptions.InvalidParameterException) as exc:
            eks.update_nodegroup_version(clusterName=cluster, nodegroupName=name, version=version)
        assert _error(exc) == ("InvalidParameterException", 400)
    nodegroup = eks.describe_nodegroup(clusterName=cluster, nodegroupName=name)["nodegroup"]
    assert nodegroup["version"] == "1.33"
    assert eks.list_updates(name=cluster, nodegroupName=name)["updateIds"] == []


def test_a_node_group_still_creating_cannot_be_updated(eks: Any, cluster: str, subnets: list[str]) -> None:
    eks.create_nodegroup(clusterName=cluster, nodegroupName="young", nodeRole=NODE_ROLE, subnets=subnets)
    with pytest.raises(eks.exceptions.ResourceInUseException):
        eks.update_nodegroup_version(clusterName=cluster, nodegroupName="young")
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.update_nodegroup_version(clusterName=cluster, nodegroupName="missing")
