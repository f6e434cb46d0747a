# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Filters of the aws_eks_nodegroups role over module_utils/eks_nodegroup_inputs.py: the node group list
(platform_eks_nodegroups) checked, completed and turned into the options of eks_nodegroups and
eks_nodegroup_scheduled_actions (the scheduled actions from platform_scaling_schedules)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_nodegroup_inputs import (
    module_nodegroups,
    nodegroup_specs,
    nodegroups_problems,
    schedule_actions,
    schedule_windows,
)

DOCUMENTATION = r"""
name: eks_nodegroups_problems
short_description: List what is wrong with the node group entries and the schedules' node-group targets
description:
  - Returns every problem of C(platform_eks_nodegroups) (empty when valid), each naming
    C(platform_eks_nodegroups[i].<field>), or the role input a left-out field falls back to - suffix / name
    (exactly one; node group name syntax; no duplicate), unknown fields, sizes (C(min_size) and C(max_size)
    required, C(0 <= min_size <= desired_size <= max_size), C(max_size >= 1)), capacity and AMI types (the
    botocore eks model's), instance types, labels and taints (the eks_nodegroups module's own rules), zones among
    the platform's, tags, an entry's C(version) against the cluster's (C(platform_eks_version), context
    C(cluster_version) - not above it, at most 3 minor versions below it).
  - Also checks C(platform_scaling_schedules) (its own rules) and each schedule's optional C(nodegroups) field
    (suffixes or names of entries of the list).
  - Also provides C(eks_nodegroup_specs) (the entries completed, final names, subnet names, tags, the version - the
    entry's, else the cluster's - a node group without one follows the cluster),
    C(eks_nodegroup_module_entries) (the eks_nodegroups module's C(nodegroups) option; given the node groups' current
    scaling and the schedules, without the sizes of a node group a schedule has resized),
    C(eks_nodegroup_schedule_windows) (those node groups, with the schedule) and C(eks_nodegroup_schedule_actions)
    (the eks_nodegroup_scheduled_actions module's C(nodegroups) option).
positional: defaults, context
options:
  _input:
    description: The node group entries.
    type: list
    elements: dict
    required: true
  defaults:
    description: Role inputs of the fields an entry may leave out (capacity_type, instance_types, ami_type, disk_size).
    type: dict
  context:
    description: platform_name, cluster_name, cluster_version, azs, node_role_name, schedules, role_names (field ->
      role input).
    type: dict
"""

EXAMPLES = r"""
problems: >-
  {{ platform_eks_nodegroups | cloudops.eks_platform.eks_nodegroups_problems(
       {'capacity_type': 'ON_DEMAND'}, {'platform_name': platform_name, 'azs': platform_azs,
                                        'schedules': platform_scaling_schedules}) }}
"""

RETURN = r"""
_value:
  description: The problems (empty list when valid), the specs or a module option.
  type: raw
"""


def eks_nodegroups_problems(
    entries: Any, defaults: Mapping[str, Any] | None = None, context: Mapping[str, Any] | None = None
) -> list[str]:
    return nodegroups_problems(entries, defaults, context)


def eks_nodegroup_specs(
    entries: Any, defaults: Mapping[str, Any] | None = None, context: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    return nodegroup_specs(entries, defaults, context)


def eks_nodegroup_module_entries(
    specs: Sequence[Mapping[str, Any]], subnets: Any, node_role_arn: Any, current: Any = None, schedules: Any = None
) -> list[dict]:
    return module_nodegroups(specs, subnets, str(node_role_arn or ""), schedule_windows(specs, current, schedules))


def eks_nodegroup_schedule_windows(specs: Sequence[Mapping[str, Any]], current: Any, schedules: Any) -> dict[str, str]:
    return schedule_windows(specs, current, schedules)


def eks_nodegroup_schedule_actions(
    specs: Sequence[Mapping[str, Any]], schedules: Any, prefix: str, teardown: bool = False
) -> list[dict[str, Any]]:
    return schedule_actions(specs, schedules, str(prefix), bool(teardown))


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "eks_nodegroups_problems": eks_nodegroups_problems,
            "eks_nodegroup_specs": eks_nodegroup_specs,
            "eks_nodegroup_module_entries": eks_nodegroup_module_entries,
            "eks_nodegroup_schedule_actions": eks_nodegroup_schedule_actions,
            "eks_nodegroup_schedule_windows": eks_nodegroup_schedule_windows,
        }
