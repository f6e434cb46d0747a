"""Unit tests of eks_nodegroups: validation, what a node group should get (CreateNodegroup /
UpdateNodegroupConfig / UpdateNodegroupVersion arguments, in the shapes of botocore's eks model) and - through a
fake EKS client - that the module never sets the desired size of an existing node group unless it must (clamped
into a new [min, max]) or is pinned. Expected values are written from the EKS API reference, not from the code."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.modules import eks_nodegroups as m  # noqa: E402

CLUSTER = "wealist-prod-eks"
ROLE = "arn:aws:iam::123456789012:role/wealist-prod-eks-node"
SUBNETS = ["subnet-a", "subnet-b"]
ARN = f"arn:aws:eks:ap-northeast-2:123456789012:nodegroup/{CLUSTER}/wealist-prod-spot/1a2b"
ASG = "eks-wealist-prod-spot-1a2b"

# ../shared/reference/wealist-inventory.md §1.2, managed node group "spot"
SPOT = {
    "name": "wealist-prod-spot",
    "node_role_arn": ROLE,
    "subnets": SUBNETS,
    "capacity_type": "SPOT",
    "instance_types": ["t3.large", "t3a.large", "t3.xlarge", "t3a.xlarge"],
    "ami_type": "AL2023_x86_64_STANDARD",
    "disk_size": 50,
    "min_size": 1,
    "desired_size": 2,
    "max_size": 4,
    "labels": {"node.kubernetes.io/capacity-type": "spot", "workload-type": "general"},
    "tags": {"k8s.io/cluster-autoscaler/enabled": "true", f"k8s.io/cluster-autoscaler/{CLUSTER}": "owned"},
}
SPOT_TAGS = {"k8s.io/cluster-autoscaler/enabled": "true", f"k8s.io/cluster-autoscaler/{CLUSTER}": "owned"}


def entry(**overrides: Any) -> dict[str, Any]:
    """One ``nodegroups`` element as AnsibleModule hands it over (every suboption present, defaults applied); an
    override None leaves the option out."""
    given = {key: value for key, value in {**SPOT, **overrides}.items() if value is not None}
    return params(nodegroups=[given])["nodegroups"][0]


def params(**options: Any) -> dict[str, Any]:
    result = ArgumentSpecValidator(m.argument_spec()).validate({"cluster_name": CLUSTER, **options})
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def described(**overrides: Any) -> dict[str, Any]:
    """DescribeNodegroup's ``nodegroup`` for the spot node group as created, after Cluster Autoscaler scaled it
    from 2 to 3 nodes."""
    return {
        "nodegroupName": "wealist-prod-spot",
        "nodegroupArn": ARN,
        "clusterName": CLUSTER,
        "version": "1.34",
        "releaseVersion": "1.34.2-20251112",
        "status": "ACTIVE",
        "capacityType": "SPOT",
        "scalingConfig": {"minSize": 1, "maxSize": 4, "desiredSize": 3},
        "instanceTypes": ["t3.large", "t3a.large", "t3.xlarge", "t3a.xlarge"],
        "subnets": SUBNETS,
        "amiType": "AL2023_x86_64_STANDARD",
        "nodeRole": ROLE,
        "labels": {"node.kubernetes.io/capacity-type": "spot", "workload-type": "general"},
        "taints": [],
        "resources": {"autoScalingGroups": [{"name": ASG}]},
        "diskSize": 50,
        "updateConfig": {"maxUnavailable": 1},
        "tags": dict(SPOT_TAGS),
        **overrides,
    }


# --- validation -------------------------------------------------------------------------------------------------


def test_the_reference_node_group_is_valid():
    assert m.validate([entry()]) == []


def test_sizes_are_checked_naming_the_option_path():
    assert m.validate([entry(min_size=3, desired_size=None, max_size=2)]) == [
        "nodegroups[0].min_size 3 is above max_size 2"
    ]
    assert m.validate([entry(desired_size=5)]) == ["nodegroups[0].desired_size 5 is above max_size 4"]
    assert m.validate([entry(desired_size=0)]) == ["nodegroups[0].desired_size 0 is below min_size 1"]
    assert m.validate([entry(min_size=-1, desired_size=None)]) == ["nodegroups[0].min_size must be at least 0, got -1"]
    # maxSize has min 1 in the API (Capacity), minSize and desiredSize min 0 (ZeroCapacity)
    assert m.validate([entry(min_size=0, desired_size=0, max_size=0)]) == [
        "nodegroups[0].max_size must be at least 1, got 0"
    ]
    assert m.validate([entry(min_size=0, desired_size=0, max_size=1)]) == []
    assert m.validate([entry(desired_size=None, pin_desired_size=True)]) == [
        "nodegroups[0].pin_desired_size needs desired_size"
    ]


def test_label_and_taint_keys_values_and_effects_are_checked():
    problems = m.validate(
        [
            entry(
                labels={"k8s.io/cluster-autoscaler/enabled": "true", "ok": "", "flag": True, "-bad": "x"},
                taints=[
                    {"key": "dedicated", "value": "gpu", "effect": "NO_SCHEDULE"},
                    {"key": "dedicated", "value": "other", "effect": "NO_SCHEDULE"},
                    {"key": "a" * 64, "effect": "NO_EXECUTE"},
                ],
            )
        ]
    )
    assert any(p.startswith("nodegroups[0].labels: key 'k8s.io/cluster-autoscaler/enabled'") for p in problems)
    assert "nodegroups[0].labels['ok']: the value must not be empty (EKS)" in problems
    assert any(p.startswith("nodegroups[0].labels['flag']: the value must be a string") for p in problems)
    assert any(p.startswith("nodegroups[0].labels: key '-bad'") for p in problems)
    assert "nodegroups[0].taints[1]: key dedicated with effect NO_SCHEDULE is listed twice" in problems
    assert any(p.startswith("nodegroups[0].taints[2].key") and "1 to 63" in p for p in problems)
    assert len(problems) == 6
    # the Kubernetes spelling of an effect is not the API's (validate is also what a role's filter would call)
    bad = {**SPOT, "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]}
    assert m.validate([bad]) == [
        "nodegroups[0].taints[0].effect 'NoSchedule' is not one of NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE"
    ]
    # an empty taint value is allowed (taintValue min 0), an empty label value is not (labelValue min 1)
    assert m.validate([entry(taints=[{"key": "only-key", "value": "", "effect": "PREFER_NO_SCHEDULE"}])]) == []


def test_names_update_config_and_version_are_checked():
    other = entry(name="wealist-prod-spot", state="absent")
    assert m.validate([entry(), other]) == ["nodegroups[1].name: node group wealist-prod-spot is already nodegroups[0]"]
    assert m.validate([entry(max_unavailable=1, max_unavailable_percentage=33)]) == [
        "nodegroups[0]: set max_unavailable or max_unavailable_percentage, not both"
    ]
    assert m.validate([entry(max_unavailable_percentage=101)]) == [
        "nodegroups[0].max_unavailable_percentage must be 1 to 100, got 101"
    ]
    assert m.validate([entry(version="1.34.2")]) == [
        "nodegroups[0].version '1.34.2' is not a Kubernetes minor version like 1.34"
    ]
    # state=absent needs nothing else
    assert m.validate([{"name": "old", "state": "absent", "min_size": 5, "max_size": 1}]) == []


# --- scaling: the desired size belongs to Cluster Autoscaler ------------------------------------------------------


def test_creation_sets_the_desired_size():
    assert m.creation_scaling(entry()) == {"minSize": 1, "maxSize": 4, "desiredSize": 2}
    assert m.creation_scaling(entry(min_size=None, desired_size=None, max_size=None)) == {
        "minSize": 1,
        "maxSize": 2,
        "desiredSize": 1,
    }
    assert m.creation_scaling(entry(min_size=3, desired_size=None, max_size=None)) == {
        "minSize": 3,
        "maxSize": 3,
        "desiredSize": 3,
    }


def test_desired_size_is_left_alone_when_not_pinned():
    autoscaled = {"minSize": 1, "maxSize": 4, "desiredSize": 3}
    # the entry still says desired 2: no scaling change at all
    assert m.plan_scaling(autoscaled, entry()) is None
    assert m.plan_scaling(autoscaled, entry(desired_size=4)) is None
    # a new maximum: min and max only - no desiredSize in the request
    assert m.plan_scaling(autoscaled, entry(max_size=6)) == {"minSize": 1, "maxSize": 6}


def test_desired_size_is_clamped_into_a_new_range():
    autoscaled = {"minSize": 1, "maxSize": 4, "desiredSize": 3}
    assert m.plan_scaling(autoscaled, entry(desired_size=2, max_size=2)) == {
        "minSize": 1,
        "maxSize": 2,
        "desiredSize": 2,
    }
    assert m.plan_scaling(autoscaled, entry(min_size=5, desired_size=5, max_size=8)) == {
        "minSize": 5,
        "maxSize": 8,
        "desiredSize": 5,
    }
    # night: a schedule put the group at 0/0/0; the entry's range brings desired up to its min
    assert m.plan_scaling({"minSize": 0, "maxSize": 0, "desiredSize": 0}, entry()) == {
        "minSize": 1,
        "maxSize": 4,
        "desiredSize": 1,
    }


def test_pinned_desired_size_converges():
    autoscaled = {"minSize": 1, "maxSize": 4, "desiredSize": 3}
    assert m.plan_scaling(autoscaled, entry(pin_desired_size=True)) == {"desiredSize": 2}
    assert m.plan_scaling({"minSize": 1, "maxSize": 4, "desiredSize": 2}, entry(pin_desired_size=True)) is None
    assert m.plan_scaling(autoscaled, entry(pin_desired_size=True, max_size=6)) == {
        "minSize": 1,
        "maxSize": 6,
        "desiredSize": 2,
    }


def test_a_range_eks_would_refuse_is_a_problem():
    current = {"minSize": 1, "maxSize": 4, "desiredSize": 3}
    # only min_size given, above the node group's max
    request = m.plan_scaling(current, entry(min_size=6, desired_size=None, max_size=None))
    assert m.scaling_problems("nodegroups[0]", "spot", current, request) == [
        "nodegroups[0]: min_size 6 would be above max_size 4 of node group spot: set both"
    ]
    request = m.plan_scaling(current, entry(min_size=None, desired_size=6, max_size=None, pin_desired_size=True))
    assert m.scaling_problems("nodegroups[0]", "spot", current, request) == [
        "nodegroups[0].desired_size 6 is outside [1, 4] of node group spot"
    ]


# --- labels, taints, update configuration (UpdateLabelsPayload, UpdateTaintsPayload, NodegroupUpdateConfig) --------


def test_label_differences_as_update_labels_payload():
    current = {"node.kubernetes.io/capacity-type": "spot", "workload-type": "general", "old": "x"}
    wanted = {"node.kubernetes.io/capacity-type": "spot", "workload-type": "batch", "team": "data"}
    assert m.plan_labels(current, wanted) == {
        "addOrUpdateLabels": {"workload-type": "batch", "team": "data"},
        "removeLabels": ["old"],
    }
    assert m.plan_labels(current, dict(current)) is None
    assert m.plan_labels(current, None) is None  # not managed
    assert m.plan_labels(current, {}) == {"removeLabels": ["node.kubernetes.io/capacity-type", "old", "workload-type"]}
    assert m.plan_labels(None, {"a": "1"}) == {"addOrUpdateLabels": {"a": "1"}}
    assert m.wanted_labels(entry(labels={"tier": 1})) == {"tier": "1"}


def test_taint_differences_as_update_taints_payload():
    current = [
        {"key": "dedicated", "value": "gpu", "effect": "NO_SCHEDULE"},
        {"key": "spot", "value": "true", "effect": "PREFER_NO_SCHEDULE"},
    ]
    wanted = [
        {"key": "dedicated", "value": "ml", "effect": "NO_SCHEDULE"},  # same key and effect: updated
        {"key": "spot", "value": "true", "effect": "NO_EXECUTE"},  # other effect: a different taint
    ]
    assert m.plan_taints(current, wanted) == {
        "addOrUpdateTaints": wanted,
        "removeTaints": [{"key": "spot", "value": "true", "effect": "PREFER_NO_SCHEDULE"}],
    }
    assert m.plan_taints(current, list(current)) is None
    assert m.plan_taints(current, None) is None
    assert m.plan_taints(current, []) == {"removeTaints": current}
    # a taint without value compares equal to one EKS returns without value
    assert m.plan_taints([{"key": "x", "effect": "NO_SCHEDULE"}], [{"key": "x", "effect": "NO_SCHEDULE"}]) is None
    assert m.wanted_taints(entry(taints=[{"key": "x", "effect": "NO_SCHEDULE"}])) == [
        {"key": "x", "effect": "NO_SCHEDULE"}
    ]


def test_update_config():
    assert m.plan_update_config({"maxUnavailable": 1}, entry()) is None  # not managed
    assert m.plan_update_config({"maxUnavailable": 1}, entry(max_unavailable=1)) is None
    assert m.plan_update_config({"maxUnavailable": 1, "updateStrategy": "DEFAULT"}, entry(max_unavailable=1)) is None
    assert m.plan_update_config({"maxUnavailable": 1}, entry(max_unavailable_percentage=33)) == {
        "maxUnavailablePercentage": 33
    }
    assert m.plan_update_config({"maxUnavailablePercentage": 33}, entry(max_unavailable=2)) == {"maxUnavailable": 2}


# --- versions (UpdateNodegroupVersion) ----------------------------------------------------------------------------


def _version(current: str, cluster: str, release: str = "1.34.2-20251112", **wanted: Any):
    return m.plan_version("nodegroups[0]", "spot", current, release, cluster, entry(**wanted))


def test_version_upgrades_one_minor_up_to_the_cluster():
    assert _version("1.34", "1.34") == (None, [])
    assert _version("1.34", "1.34", version="1.34") == (None, [])
    assert _version("1.33", "1.34", version="1.34") == ({"version": "1.34"}, [])
    assert _version("1.34", "1.34", version="1.35") == (
        None,
        ["nodegroups[0].version 1.35 is above the version 1.34 of the cluster: upgrade the cluster first"],
    )
    assert _version("1.32", "1.34", version="1.34") == (
        None,
        [
            "nodegroups[0].version 1.34: node group spot runs 1.32; EKS upgrades one minor version at a time: "
            "set 1.33 first"
        ],
    )
    assert _version("1.34", "1.34", version="1.33")[1] == [
        "nodegroups[0].version: node group spot runs 1.34; EKS cannot downgrade it (replace it)"
    ]


def test_release_only_update_keeps_the_node_group_version():
    # without `version` UpdateNodegroupVersion would move the node group to the cluster's version
    assert _version("1.33", "1.34", release="1.33.5-20251001", release_version="1.33.5-20251101") == (
        {"version": "1.33", "releaseVersion": "1.33.5-20251101"},
        [],
    )
    assert _version("1.33", "1.34", release_version="1.34.2-20251112", version="1.34", release="1.33.5-20251001") == (
        {"version": "1.34", "releaseVersion": "1.34.2-20251112"},
        [],
    )
    assert _version("1.34", "1.34", release_version="1.34.2-20251112") == (None, [])
    assert _version("1.34", "1.34", release_version="1.34.1-20251001")[1] == [
        "nodegroups[0].release_version: node group spot runs 1.34.2-20251112; EKS cannot roll back to 1.34.1-20251001"
    ]


# --- settings EKS cannot change in place --------------------------------------------------------------------------


def test_immutable_settings_fail_naming_the_option():
    assert m.immutable_problems("nodegroups[0]", described(), entry()) == []
    # order of instance types and subnets does not matter
    reordered = entry(instance_types=list(reversed(SPOT["instance_types"])), subnets=list(reversed(SUBNETS)))
    assert m.immutable_problems("nodegroups[0]", described(), reordered) == []
    problems = m.immutable_problems(
        "nodegroups[0]", described(), entry(instance_types=["m5.large"], disk_size=100, capacity_type="ON_DEMAND")
    )
    assert [p.split(":")[0] for p in problems] == [
        "nodegroups[0].capacity_type",
        "nodegroups[0].instance_types",
        "nodegroups[0].disk_size",
    ]
    assert all("the node group must be replaced" in p for p in problems)
    # options not given are not compared
    unset = entry(ami_type=None, disk_size=None, capacity_type=None, instance_types=None)
    assert m.immutable_problems("nodegroups[0]", described(amiType="AL2_x86_64", diskSize=20), unset) == []


# --- whole plans ----------------------------------------------------------------------------------------------------


def test_create_request_of_the_reference_node_group():
    tags = m.wanted_tags({"Project": "wealist"}, SPOT["tags"])
    plan = m.plan_nodegroup(0, entry(), None, CLUSTER, "1.34", tags, True)
    assert plan["problems"] == [] and plan["changes"] == ["create"]
    assert plan["create"] == {
        "clusterName": CLUSTER,
        "nodegroupName": "wealist-prod-spot",
        "nodeRole": ROLE,
        "subnets": SUBNETS,
        "scalingConfig": {"minSize": 1, "maxSize": 4, "desiredSize": 2},
        "capacityType": "SPOT",
        "instanceTypes": ["t3.large", "t3a.large", "t3.xlarge", "t3a.xlarge"],
        "amiType": "AL2023_x86_64_STANDARD",
        "diskSize": 50,
        "labels": {"node.kubernetes.io/capacity-type": "spot", "workload-type": "general"},
        "tags": {"Project": "wealist", **SPOT_TAGS},
    }
    planned = m.nodegroup_view("wealist-prod-spot", m.planned_nodegroup(plan, "1.34"))
    assert (planned["status"], planned["arn"], planned["version"]) == (None, None, "1.34")
    assert planned["scaling_config"] == {"min_size": 1, "max_size": 4, "desired_size": 2}


def test_create_needs_role_and_subnets_and_the_cluster_version():
    plan = m.plan_nodegroup(
        0, entry(node_role_arn=None, subnets=None, version="1.33"), None, CLUSTER, "1.34", None, True
    )
    assert plan["problems"] == [
        "nodegroups[0].node_role_arn is required to create node group wealist-prod-spot",
        "nodegroups[0].subnets is required to create node group wealist-prod-spot",
        "nodegroups[0].version 1.33: a new node group gets the version 1.34 of the cluster (the only one "
        "CreateNodegroup accepts)",
    ]


def test_an_autoscaled_node_group_is_converged():
    plan = m.plan_nodegroup(0, entry(), described(), CLUSTER, "1.34", SPOT_TAGS, True)
    assert (plan["changes"], plan["config"], plan["version"], plan["problems"]) == ([], {}, None, [])
    view = m.nodegroup_view("wealist-prod-spot", described())
    assert view["scaling_config"] == {"min_size": 1, "max_size": 4, "desired_size": 3}
    assert view["autoscaling_group_names"] == [ASG]
    assert view["update_config"] == {"max_unavailable": 1}


def test_one_config_update_carries_every_difference():
    wanted = entry(max_size=6, labels={"workload-type": "general"}, max_unavailable_percentage=50, version="1.35")
    plan = m.plan_nodegroup(0, wanted, described(version="1.34"), CLUSTER, "1.35", {"Team": "ops"}, True)
    assert plan["config"] == {
        "scalingConfig": {"minSize": 1, "maxSize": 6},
        "labels": {"removeLabels": ["node.kubernetes.io/capacity-type"]},
        "updateConfig": {"maxUnavailablePercentage": 50},
    }
    assert plan["version"] == {"version": "1.35"}
    assert plan["changes"] == ["scaling_config", "labels", "update_config", "version", "tags"]
    assert (plan["tags"].to_set, plan["tags"].to_unset) == ({"Team": "ops"}, sorted(SPOT_TAGS))
    planned = m.planned_nodegroup(plan, "1.35")
    assert planned["scalingConfig"] == {"minSize": 1, "maxSize": 6, "desiredSize": 3}
    assert planned["labels"] == {"workload-type": "general"}
    assert (planned["version"], planned["releaseVersion"]) == ("1.35", "1.34.2-20251112")


def test_absent_and_unusable_states():
    assert m.plan_nodegroup(0, entry(state="absent"), described(), CLUSTER, "1.34", None, True)["changes"] == ["delete"]
    assert m.plan_nodegroup(0, entry(state="absent"), None, CLUSTER, "1.34", None, True)["changes"] == []
    deleting = m.plan_nodegroup(0, entry(state="absent"), described(status="DELETING"), CLUSTER, "1.34", None, True)
    assert (deleting["delete"], deleting["wait_gone"], deleting["changes"]) == (False, True, [])
    failed = m.plan_nodegroup(0, entry(), described(status="CREATE_FAILED"), CLUSTER, "1.34", None, True)
    assert failed["problems"] == [
        "nodegroups[0]: node group wealist-prod-spot is CREATE_FAILED: delete it (state=absent), then create it again"
    ]


def test_diff_shows_only_the_managed_settings():
    view = m.managed_view(described(), {"name": "x", "max_size": 4, "labels": {}}, tags_managed=False)
    assert view == {
        "labels": {"node.kubernetes.io/capacity-type": "spot", "workload-type": "general"},
        "scaling_config": {"min_size": 1, "max_size": 4, "desired_size": 3},
    }
    assert m.managed_view(None, entry(), tags_managed=True) == {}


# --- the module run against a fake EKS client ---------------------------------------------------------------------


class Failed(Exception):
    pass


class Exited(Exception):
    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__("exit_json")
        self.result = result


class FakeModule:
    def __init__(self, options: dict[str, Any], check_mode: bool = False) -> None:
        self.params = params(**options)
        self.check_mode = check_mode
        self._diff = True
        self.warnings: list[str] = []

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)

    def fail_json(self, **kwargs: Any) -> None:
        raise Failed(kwargs["msg"])

    def fail_json_aws(self, error: Exception, msg: str) -> None:
        raise Failed(f"{msg}: {error}")

    def exit_json(self, **kwargs: Any) -> None:
        raise Exited(kwargs)


def _not_found(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "not found"}}, operation)


class FakeEKS:
    """Just enough of EKS: one 1.34 cluster, its node groups, updates that succeed at once; records every call."""

    meta = SimpleNamespace(service_model=SimpleNamespace(service_name="eks"))

    def __init__(self, nodegroups: dict[str, dict[str, Any]] | None = None, cluster: bool = True) -> None:
        self.cluster = {"name": CLUSTER, "version": "1.34", "status": "ACTIVE"} if cluster else None
        self.nodegroups = {name: dict(ng) for name, ng in (nodegroups or {}).items()}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def writes(self) -> list[tuple[str, dict[str, Any]]]:
        return [(name, kwargs) for name, kwargs in self.calls if not name.startswith("describe")]

    def describe_cluster(self, name: str) -> dict[str, Any]:
        self.calls.append(("describe_cluster", {"name": name}))
        if self.cluster is None:
            raise _not_found("DescribeCluster")
        return {"cluster": dict(self.cluster)}

    def describe_nodegroup(self, clusterName: str, nodegroupName: str) -> dict[str, Any]:  # noqa: N803
        self.calls.append(("describe_nodegroup", {"nodegroupName": nodegroupName}))
        if nodegroupName not in self.nodegroups:
            raise _not_found("DescribeNodegroup")
        return {"nodegroup": dict(self.nodegroups[nodegroupName])}

    def create_nodegroup(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("create_nodegroup", kwargs))
        self.nodegroups[kwargs["nodegroupName"]] = {"nodegroupName": kwargs["nodegroupName"], "status": "ACTIVE"}
        return {"nodegroup": {}}

    def update_nodegroup_config(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("update_nodegroup_config", kwargs))
        ng = self.nodegroups[kwargs["nodegroupName"]]
        ng["scalingConfig"] = {**ng["scalingConfig"], **kwargs.get("scalingConfig", {})}
        return {"update": {"id": "u-config", "status": "InProgress"}}

    def update_nodegroup_version(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("update_nodegroup_version", kwargs))
        self.nodegroups[kwargs["nodegroupName"]]["version"] = kwargs["version"]
        return {"update": {"id": "u-version", "status": "InProgress"}}

    def describe_update(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("describe_update", kwargs))
        return {"update": {"id": kwargs["updateId"], "status": "Successful"}}

    def tag_resource(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("tag_resource", kwargs))
        return {}


def _run(client: FakeEKS, check_mode: bool = False, **overrides: Any) -> dict[str, Any]:
    module = FakeModule({"nodegroups": [{**SPOT, **overrides}]}, check_mode=check_mode)
    with pytest.raises(Exited) as exited:
        m.run(module, client)
    return exited.value.result


def test_a_changed_desired_size_without_pin_makes_no_update_call():
    client = FakeEKS({"wealist-prod-spot": described()})  # Cluster Autoscaler runs it at 3 nodes
    for desired in (2, 1, 4):
        result = _run(client, desired_size=desired)
        assert result["changed"] is False and result["changes"] == {}
        assert client.writes() == []
        assert result["nodegroups"][0]["scaling_config"] == {"min_size": 1, "max_size": 4, "desired_size": 3}


def test_a_new_max_size_sends_no_desired_size():
    client = FakeEKS({"wealist-prod-spot": described()})
    result = _run(client, desired_size=2, max_size=6)
    assert result["changed"] is True and result["changes"] == {"wealist-prod-spot": ["scaling_config"]}
    assert client.writes() == [
        (
            "update_nodegroup_config",
            {
                "clusterName": CLUSTER,
                "nodegroupName": "wealist-prod-spot",
                "scalingConfig": {"minSize": 1, "maxSize": 6},
            },
        )
    ]
    assert ("describe_update", {"name": CLUSTER, "updateId": "u-config", "nodegroupName": "wealist-prod-spot"}) in (
        client.calls
    )
    assert result["diff"]["after"]["wealist-prod-spot"]["scaling_config"] == {
        "min_size": 1,
        "max_size": 6,
        "desired_size": 3,
    }


def test_pinned_desired_size_is_sent():
    client = FakeEKS({"wealist-prod-spot": described()})
    _run(client, pin_desired_size=True)
    assert client.writes() == [
        (
            "update_nodegroup_config",
            {"clusterName": CLUSTER, "nodegroupName": "wealist-prod-spot", "scalingConfig": {"desiredSize": 2}},
        )
    ]


def test_version_update_starts_after_the_config_update():
    client = FakeEKS({"wealist-prod-spot": described(version="1.33")})
    _run(client, max_size=5, version="1.34")
    names = [name for name, _ in client.calls if name != "describe_nodegroup"]
    first_wait = names.index("describe_update")
    assert names.index("update_nodegroup_config") < first_wait < names.index("update_nodegroup_version")
    assert (
        "update_nodegroup_version",
        {"clusterName": CLUSTER, "nodegroupName": "wealist-prod-spot", "version": "1.34"},
    ) in (client.writes())


def test_check_mode_writes_nothing_and_plans_the_create():
    client = FakeEKS()
    result = _run(client, check_mode=True)
    assert client.writes() == []
    assert result["changed"] is True and result["changes"] == {"wealist-prod-spot": ["create"]}
    assert result["diff"]["before"] == {"wealist-prod-spot": {}}
    after = result["diff"]["after"]["wealist-prod-spot"]
    assert after["scaling_config"] == {"min_size": 1, "max_size": 4, "desired_size": 2}
    assert after["tags"] == SPOT_TAGS


def test_immutable_change_fails_before_any_write():
    client = FakeEKS({"wealist-prod-spot": described()})
    with pytest.raises(Failed, match=r"nodegroups\[0\]\.instance_types: .* must be replaced"):
        _run(client, instance_types=["m5.large"], max_size=8)
    assert client.writes() == []


def test_missing_cluster_fails_a_real_run_and_warns_in_check_mode():
    with pytest.raises(Failed, match=f"EKS cluster {CLUSTER} \\(cluster_name\\) not found"):
        _run(FakeEKS(cluster=False))
    client = FakeEKS(cluster=False)
    result = _run(client, check_mode=True)
    assert result["changes"] == {"wealist-prod-spot": ["create"]} and client.writes() == []
