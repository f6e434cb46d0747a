"""Unit tests of plugins/module_utils/eks.py: version steps (EKS upgrades one minor at a time, never down),
the status and update waits (fake client, fake clock: nothing sleeps) and require_cluster's check-mode rule."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.module_utils import eks, waits  # noqa: E402

from .test_common_module_utils import Failed, FakeClock, FakeModule  # noqa: E402


@pytest.mark.parametrize(
    ("current", "wanted", "step"),
    [
        ("1.34", "1.34", "same"),
        ("1.33", "1.34", "upgrade"),
        ("1.32", "1.34", "jump"),
        ("1.34", "1.33", "downgrade"),
        ("1.9", "1.10", "upgrade"),  # numeric, not string, order
        ("1.10", "1.9", "downgrade"),
        ("1.34", "2.0", "jump"),  # a major change is never a one-minor step
        ("1.34", "1.34.1", "invalid"),
        (None, "1.34", "invalid"),
        ("1.34", "latest", "invalid"),
    ],
)
def test_version_step(current: str | None, wanted: str, step: str) -> None:
    assert eks.version_step(current, wanted) == step


def not_found() -> ClientError:
    error = {"Error": {"Code": "ResourceNotFoundException", "Message": "No cluster found"}}
    return ClientError(error, "DescribeCluster")


class FakeEKS:
    """describe_cluster / describe_update answering from scripted sequences."""

    def __init__(self, clusters: list[dict | None] | None = None, updates: list[dict] | None = None) -> None:
        self.clusters = list(clusters or [])
        self.updates = list(updates or [])
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def describe_cluster(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("describe_cluster", kwargs))
        cluster = self.clusters.pop(0) if len(self.clusters) > 1 else self.clusters[0]
        if cluster is None:
            raise not_found()
        return {"cluster": cluster}

    def describe_update(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("describe_update", kwargs))
        return {"update": self.updates.pop(0) if len(self.updates) > 1 else self.updates[0]}


def test_describe_cluster_is_none_when_missing() -> None:
    assert eks.describe_cluster(FakeModule(), FakeEKS([None]), "c") is None
    assert eks.describe_cluster(FakeModule(), FakeEKS([{"name": "c"}]), "c") == {"name": "c"}


def test_require_cluster_warns_in_check_mode_and_fails_a_real_run() -> None:
    module = FakeModule(check_mode=True)
    assert eks.require_cluster(module, FakeEKS([None]), "c", "cluster_name") is None
    assert module.warnings == ["EKS cluster c (cluster_name) does not exist yet: planning as if it were empty"]
    with pytest.raises(Failed, match=r"EKS cluster c \(cluster_name\) not found: create it first"):
        eks.require_cluster(FakeModule(), FakeEKS([None]), "c", "cluster_name")


def test_wait_status_until_active_then_until_gone() -> None:
    clock = FakeClock()
    client = FakeEKS([{"status": "CREATING"}, {"status": "CREATING"}, {"status": "ACTIVE"}])
    fetch = lambda: eks.describe_cluster(FakeModule(), client, "c")  # noqa: E731
    assert eks.wait_status(FakeModule(), fetch, waits.Budget(600, clock), "cluster c", sleep=clock.sleep) == {
        "status": "ACTIVE"
    }
    assert clock.sleeps == [2.0, 4.0]
    gone = FakeEKS([{"status": "DELETING"}, None])
    fetch = lambda: eks.describe_cluster(FakeModule(), gone, "c")  # noqa: E731
    assert eks.wait_status(FakeModule(), fetch, waits.Budget(600, clock), "cluster c", None, sleep=clock.sleep) is None


def test_wait_status_fails_at_once_on_failed_with_the_health_issues() -> None:
    clock = FakeClock()
    failed = {"status": "CREATE_FAILED", "health": {"issues": [{"code": "InsufficientFreeAddresses"}]}}
    with pytest.raises(Failed, match="node group spot is CREATE_FAILED"):
        eks.wait_status(FakeModule(), lambda: failed, waits.Budget(600, clock), "node group spot", sleep=clock.sleep)
    assert clock.sleeps == []


def test_wait_update_polls_describe_update_with_the_nodegroup_and_fails_on_failed() -> None:
    clock = FakeClock()
    client = FakeEKS(updates=[{"id": "u1", "status": "InProgress"}, {"id": "u1", "status": "Successful"}])
    done = eks.wait_update(FakeModule(), client, "c", {"id": "u1"}, waits.Budget(600, clock), "scaling of spot",
                           nodegroup="spot", sleep=clock.sleep)  # fmt: skip
    assert done["status"] == "Successful"
    assert client.calls == [("describe_update", {"name": "c", "updateId": "u1", "nodegroupName": "spot"})] * 2
    failing = FakeEKS(updates=[{"id": "u2", "status": "Failed", "errors": [{"errorCode": "NodeCreationFailure"}]}])
    with pytest.raises(Failed, match="version of c: update u2 Failed"):
        eks.wait_update(FakeModule(), failing, "c", {"id": "u2"}, waits.Budget(600, clock), "version of c",
                        sleep=clock.sleep)  # fmt: skip
