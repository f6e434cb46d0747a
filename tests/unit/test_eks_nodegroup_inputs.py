"""Unit tests of module_utils/eks_nodegroup_inputs.py (the aws_eks_nodegroups role's filters): validation of
platform_eks_nodegroups and of the schedules' node-group targets, the specs, the eks_nodegroups option and the
scheduled actions. Expected values are written from the role's README and the EKS / Auto Scaling API docs."""

from __future__ import annotations

import sys
from pathlib import Path

import botocore.session
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_nodegroup_inputs import (  # noqa: E402
    AMI_TYPES,
    CAPACITY_TYPES,
    module_nodegroups,
    nodegroup_specs,
    nodegroups_problems,
    schedule_actions,
    schedule_windows,
)

AZS = ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"]
ROLE_NAMES = {
    "capacity_type": "aws_eks_nodegroups_capacity_type",
    "instance_types": "aws_eks_nodegroups_instance_types",
    "ami_type": "aws_eks_nodegroups_ami_type",
    "disk_size": "aws_eks_nodegroups_disk_size",
    "node_role_name": "aws_eks_nodegroups_node_role_name",
}
DEFAULTS = {"capacity_type": "ON_DEMAND", "instance_types": ["t3.medium"], "ami_type": "", "disk_size": 20}
SPOT = {
    "suffix": "spot",
    "capacity_type": "SPOT",
    "instance_types": ["t3.large", "t3a.large", "t3.xlarge", "t3a.xlarge"],
    "disk_size": 50,
    "min_size": 1,
    "desired_size": 2,
    "max_size": 4,
    "labels": {"node.kubernetes.io/capacity-type": "spot", "workload-type": "general"},
}
SCHEDULES = [
    {"name": "weekday-scale-down", "cron": "0 1 * * 1-5", "time_zone": "Asia/Seoul",
     "min_size": 0, "max_size": 0, "desired_size": 0, "enabled": True},
    {"name": "weekday-scale-up", "cron": "0 8 * * 1-5", "time_zone": "Asia/Seoul",
     "min_size": 1, "max_size": 4, "desired_size": 2, "enabled": True},
]  # fmt: skip


def context(**extra):
    return {
        "platform_name": "shop-prod",
        "cluster_name": "shop-prod-eks",
        "azs": AZS,
        "node_role_name": "shop-prod-eks-node-role",
        "schedules": SCHEDULES,
        "role_names": ROLE_NAMES,
        **extra,
    }


def problems(entries, defaults=None, **extra):
    return nodegroups_problems(entries, DEFAULTS if defaults is None else defaults, context(**extra))


def test_the_choices_are_the_botocore_eks_models():
    model = botocore.session.get_session().get_service_model("eks")
    assert AMI_TYPES == model.shape_for("AMITypes").enum
    assert CAPACITY_TYPES == model.shape_for("CapacityTypes").enum


def test_the_reference_spot_entry_and_schedules_are_valid():
    assert problems([SPOT]) == []
    assert problems([]) == [] and problems(None) == []


def test_min_above_max_is_named():
    entry = {key: value for key, value in SPOT.items() if key != "desired_size"} | {"min_size": 5}
    assert problems([entry]) == ["platform_eks_nodegroups[0].min_size 5 is above max_size 4"]


@pytest.mark.parametrize(
    ("desired", "message"),
    [
        (0, "platform_eks_nodegroups[0].desired_size 0 is below min_size 1"),
        (5, "platform_eks_nodegroups[0].desired_size 5 is above max_size 4"),
    ],
)
def test_desired_outside_min_max_is_named(desired, message):
    assert problems([{**SPOT, "desired_size": desired}]) == [message]


def test_negative_min_and_zero_max():
    entry = {"suffix": "x", "min_size": -1, "max_size": 0}
    assert problems([entry]) == [
        "platform_eks_nodegroups[0].min_size must be at least 0, got -1",
        "platform_eks_nodegroups[0].max_size must be at least 1, got 0",
    ]


def test_min_and_max_are_required_and_sizes_are_numbers():
    assert problems([{"suffix": "x"}]) == [
        "platform_eks_nodegroups[0].min_size: required (the node group's min size)",
        "platform_eks_nodegroups[0].max_size: required (the node group's max size)",
    ]
    assert problems([{"suffix": "x", "min_size": "one", "max_size": 2}]) == [
        "platform_eks_nodegroups[0].min_size: 'one' is not a whole number"
    ]
    # inventory numbers given as strings are read as numbers
    assert problems([{"suffix": "x", "min_size": "1", "max_size": "2"}]) == []


def test_unknown_capacity_and_ami_types_name_the_entry_or_the_role_input():
    found = problems([{**SPOT, "capacity_type": "RESERVED", "ami_type": "AL2_ARM"}])
    assert found[0] == (
        "platform_eks_nodegroups[0].capacity_type: 'RESERVED' is not one of ON_DEMAND, SPOT, CAPACITY_BLOCK"
    )
    assert found[1].startswith(
        "platform_eks_nodegroups[0].ami_type: 'AL2_ARM' is not an EKS AMI type (one of AL2_x86_64,"
    )
    assert len(found) == 2
    # a role input an entry falls back to is named once, as the role input, not per entry
    found = problems([{"suffix": "a", "min_size": 1, "max_size": 2}, {"suffix": "b", "min_size": 1, "max_size": 2}],
                     defaults={**DEFAULTS, "capacity_type": "SPOTTY"})  # fmt: skip
    assert found == ["aws_eks_nodegroups_capacity_type: 'SPOTTY' is not one of ON_DEMAND, SPOT, CAPACITY_BLOCK"]
    # CUSTOM needs a launch template
    assert problems([{**SPOT, "ami_type": "CUSTOM"}]) == [
        "platform_eks_nodegroups[0].ami_type: CUSTOM needs a launch template, which this role does not manage"
    ]


def test_naming_duplicates_and_unknown_fields():
    found = problems([
        {**SPOT, "name": "shop-prod-spot"},
        {"name": "shop-prod-spot", "min_size": 1, "max_size": 2, "colour": "blue"},
        {"suffix": "bad name!", "min_size": 1, "max_size": 2},
    ])  # fmt: skip
    assert found[0].startswith("platform_eks_nodegroups[0].name: give exactly one of suffix")
    assert "platform_eks_nodegroups[1].colour: unknown field" in found[1]
    assert found[2].startswith("platform_eks_nodegroups[2].suffix: the node group name 'shop-prod-bad name!' must be")
    assert len(found) == 3  # entry 0 has no final name, so nothing is a duplicate
    # two entries deriving the same final name
    assert problems([SPOT, {**SPOT}]) == [
        "platform_eks_nodegroups[1].suffix: the name 'shop-prod-spot' is already used by platform_eks_nodegroups[0]"
    ]


def test_taints_labels_and_zones():
    entry = {
        **SPOT,
        "taints": [{"key": "dedicated", "value": "batch", "effect": "NoSchedule", "operator": "Equal"}],
        "labels": {"bad key!": "x"},
        "availability_zones": ["ap-northeast-2a", "us-east-1a"],
    }
    found = problems([entry])
    assert "platform_eks_nodegroups[0].taints[0].operator: unknown field (allowed: key, value, effect)" in found
    assert ("platform_eks_nodegroups[0].availability_zones: 'us-east-1a' is not one of the platform's zones "
            "ap-northeast-2a, ap-northeast-2b, ap-northeast-2c (platform_azs)") in found  # fmt: skip
    assert ("platform_eks_nodegroups[0].taints[0].effect 'NoSchedule' is not one of NO_SCHEDULE, NO_EXECUTE, "
            "PREFER_NO_SCHEDULE") in found  # fmt: skip
    assert any(p.startswith("platform_eks_nodegroups[0].labels: key 'bad key!'") for p in found)
    assert len(found) == 4


def test_an_absent_entry_needs_only_its_name():
    assert problems([{"suffix": "old", "state": "absent"}]) == []
    assert problems([{"suffix": "old", "state": "gone"}]) == [
        "platform_eks_nodegroups[0].state: 'gone' is not present or absent",
        "platform_eks_nodegroups[0].min_size: required (the node group's min size)",
        "platform_eks_nodegroups[0].max_size: required (the node group's max size)",
    ]


def test_schedule_targets_must_name_node_groups():
    schedules = [{**SCHEDULES[0], "nodegroups": ["spot", "gpu"]}, {**SCHEDULES[1], "nodegroups": []}]
    assert problems([SPOT], schedules=schedules) == [
        "platform_scaling_schedules[0].nodegroups: 'gpu' is not a node group of platform_eks_nodegroups "
        "(suffix or name: spot)",
        "platform_scaling_schedules[1].nodegroups: must be a non-empty list of node group suffixes or names "
        "(leave it out for all)",
    ]
    # the schedule list's own rules still apply (scaling_schedules.schedule_problems)
    bad = [{**SCHEDULES[0], "cron": "0 25 * * *"}]
    assert problems([SPOT], schedules=bad) == [
        "platform_scaling_schedules[0].cron: '0 25 * * *': the hour field '25' is outside 0-23"
    ]


def test_node_role_name_is_checked():
    assert problems([SPOT], node_role_name="x" * 65) == [
        f"aws_eks_nodegroups_node_role_name: {'x' * 65!r} is not an IAM role name (1 to 64 of letters, digits and "
        "+=,.@_-)"
    ]


def test_specs_fill_in_defaults_subnets_and_tags():
    system = {
        "name": "system-ng", "min_size": 2, "max_size": 3, "availability_zones": ["ap-northeast-2c"],
        "taints": [{"key": "CriticalAddonsOnly", "value": "true", "effect": "NO_SCHEDULE"}], "tags": {"Team": "ops"},
    }  # fmt: skip
    specs = nodegroup_specs([SPOT, system, {"suffix": "old", "state": "absent"}], DEFAULTS, context())
    assert specs[0] == {
        "name": "shop-prod-spot", "key": "spot", "state": "present", "capacity_type": "SPOT",
        "instance_types": ["t3.large", "t3a.large", "t3.xlarge", "t3a.xlarge"], "ami_type": None, "disk_size": 50,
        "min_size": 1, "desired_size": 2, "max_size": 4, "pin_desired_size": False,
        "labels": {"node.kubernetes.io/capacity-type": "spot", "workload-type": "general"}, "taints": [],
        "availability_zones": AZS,
        "subnet_names": ["shop-prod-private-ap-northeast-2a", "shop-prod-private-ap-northeast-2b",
                         "shop-prod-private-ap-northeast-2c"],
        "tags": {"Name": "shop-prod-spot", "k8s.io/cluster-autoscaler/enabled": "true",
                 "k8s.io/cluster-autoscaler/shop-prod-eks": "owned"},
        "version": None, "release_version": None, "max_unavailable": None, "max_unavailable_percentage": None,
    }  # fmt: skip
    assert specs[1]["name"] == "system-ng" and specs[1]["key"] == "system-ng"
    # the role inputs fill in what the entry leaves out
    assert (specs[1]["capacity_type"], specs[1]["instance_types"], specs[1]["disk_size"]) == (
        "ON_DEMAND", ["t3.medium"], 20,
    )  # fmt: skip
    assert specs[1]["desired_size"] == 2  # the min size when left out
    assert specs[1]["taints"] == [{"key": "CriticalAddonsOnly", "value": "true", "effect": "NO_SCHEDULE"}]
    assert specs[1]["subnet_names"] == ["shop-prod-private-ap-northeast-2c"]
    assert specs[1]["tags"] == {"Name": "system-ng", "Team": "ops", "k8s.io/cluster-autoscaler/enabled": "true",
                                "k8s.io/cluster-autoscaler/shop-prod-eks": "owned"}  # fmt: skip
    assert specs[2] == {"name": "shop-prod-old", "key": "old", "state": "absent"}


def test_module_entries_map_subnets_by_name():
    specs = nodegroup_specs([SPOT, {"suffix": "old", "state": "absent"}], DEFAULTS, context())
    subnets = [{"id": f"subnet-{z[-1]}", "tags": {"Name": f"shop-prod-private-{z}"}} for z in AZS]
    entries = module_nodegroups(specs, subnets, "arn:aws:iam::123456789012:role/shop-prod-eks-node-role")
    assert entries[0]["subnets"] == ["subnet-a", "subnet-b", "subnet-c"]
    assert entries[0]["node_role_arn"] == "arn:aws:iam::123456789012:role/shop-prod-eks-node-role"
    assert (entries[0]["capacity_type"], entries[0]["disk_size"]) == ("SPOT", 50)
    assert "ami_type" not in entries[0]  # EKS's default for the version
    assert (entries[0]["min_size"], entries[0]["desired_size"], entries[0]["max_size"]) == (1, 2, 4)
    assert entries[0]["pin_desired_size"] is False
    assert entries[1] == {"name": "shop-prod-old", "state": "absent"}


def test_schedule_actions_per_node_group():
    system = {"suffix": "system", "min_size": 2, "max_size": 2}
    schedules = [
        SCHEDULES[0],
        {**SCHEDULES[1], "nodegroups": ["spot"]},
        {**SCHEDULES[1], "name": "old", "enabled": False},
    ]
    specs = nodegroup_specs([SPOT, system, {"suffix": "gone", "state": "absent"}], DEFAULTS, context())
    down = {"name": "shop-prod-weekday-scale-down", "recurrence": "0 1 * * 1-5", "time_zone": "Asia/Seoul",
            "min_size": 0, "max_size": 0, "desired_capacity": 0}  # fmt: skip
    up = {"name": "shop-prod-weekday-scale-up", "recurrence": "0 8 * * 1-5", "time_zone": "Asia/Seoul",
          "min_size": 1, "max_size": 4, "desired_capacity": 2}  # fmt: skip
    # the disabled schedule is not listed (the module's purge deletes its action); the absent node group is left out
    assert schedule_actions(specs, schedules, "shop-prod") == [
        {"name": "shop-prod-spot", "actions": [down, up]},
        {"name": "shop-prod-system", "actions": [down]},
    ]
    assert schedule_actions(specs, schedules, "shop-prod", teardown=True) == [
        {"name": "shop-prod-spot", "actions": []},
        {"name": "shop-prod-system", "actions": []},
        {"name": "shop-prod-gone", "actions": []},
    ]


def _current(name, low, high, desired, status="ACTIVE"):
    """A node group as eks_nodegroup_scheduled_actions returns it (scaling as EKS reports it)."""
    return {"name": name, "status": status, "autoscaling_group_names": ["eks-x"],
            "scaling_config": {"min_size": low, "max_size": high, "desired_size": desired}}  # fmt: skip


def test_a_node_group_resized_by_its_schedule_keeps_those_sizes():
    night = {**SCHEDULES[0], "min_size": 1, "max_size": 1, "desired_size": 1, "name": "night-min"}
    schedules = [night, SCHEDULES[1], {**SCHEDULES[0], "name": "off", "enabled": False, "min_size": 2, "max_size": 2}]
    specs = nodegroup_specs([SPOT, {"suffix": "system", "min_size": 2, "max_size": 3}], DEFAULTS, context())
    # the night's action set 1/1 on spot's group: left to it; system's 2/2 is only a disabled schedule's: converged
    current = [_current("shop-prod-spot", 1, 1, 1), _current("shop-prod-system", 2, 2, 2)]
    assert schedule_windows(specs, current, schedules) == {"shop-prod-spot": "night-min"}
    entries = module_nodegroups(specs, [], "arn:role", schedule_windows(specs, current, schedules))
    assert "min_size" not in entries[0] and "max_size" not in entries[0] and "desired_size" not in entries[0]
    assert entries[0]["pin_desired_size"] is False
    assert (entries[1]["min_size"], entries[1]["max_size"]) == (2, 3)
    # the entry's own sizes, a node group that does not exist yet, a schedule targeting another node group: no window
    assert schedule_windows(specs, [_current("shop-prod-spot", 1, 4, 3)], schedules) == {}
    assert schedule_windows(specs, [_current("shop-prod-spot", None, None, None, status=None)], schedules) == {}
    only_system = [{**night, "nodegroups": ["system"]}]
    assert schedule_windows(specs, [_current("shop-prod-spot", 1, 1, 1)], only_system) == {}
