# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""The cluster version check made before any AWS change of a run (aws_eks's tasks/upgrade_check.yml, run by
site.yml's first play): from what cloudops.eks_platform.eks_cluster_info read, what stops the cluster from reaching
the inventory's version in this run (module_utils/eks.py ``upgrade_problems``: a downgrade, a jump of more than one
minor version, a node group behind) and the add-on pins for that version that EKS does not list for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks import upgrade_problems, version_step
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_addon_inputs import addon_pins

DOCUMENTATION = r"""
name: eks_upgrade_problems
short_description: What stops an EKS cluster from reaching the inventory's Kubernetes version in this run
description:
  - Takes the result of C(cloudops.eks_platform.eks_cluster_info) (read with C(nodegroups=true) and the add-ons'
    C(addon_versions) for the target version) and returns every problem, empty when the run may go on - a
    downgrade, or a jump of more than one minor version (EKS upgrades one at a time), named C(platform_eks_version)
    with the cluster's and the target version; for an upgrade, the node groups that do not run the cluster's
    current version; the add-on versions pinned for the target version (C(platform_eks_addons[i].versions) or
    C(.version)) that C(DescribeAddonVersions) does not list for it (not checked when the version itself is
    refused).
  - A cluster that does not exist, or an empty target (version not managed), has no version problem.
positional: target, addons
options:
  _input:
    description: The registered result of eks_cluster_info.
    type: dict
    required: true
  target:
    description: The Kubernetes version the run sets (C(platform_eks_version)); empty - not managed.
    type: str
    required: true
  addons:
    description: The add-on entries (C(platform_eks_addons)); the version each uses for I(target) is checked.
    type: list
    elements: dict
    default: []
  variable:
    description: How to name the version in the messages.
    type: str
    default: platform_eks_version
  addons_variable:
    description: How to name the add-on list in the messages.
    type: str
    default: platform_eks_addons
"""

EXAMPLES = r"""
problems: "{{ eks_now | cloudops.eks_platform.eks_upgrade_problems(platform_eks_version, platform_eks_addons) }}"
"""

RETURN = r"""
_value:
  description: The problems (empty list when the run may go on).
  type: list
  elements: str
"""


def eks_upgrade_problems(
    info: Mapping[str, Any] | None,
    target: Any,
    addons: Any = None,
    variable: str = "platform_eks_version",
    addons_variable: str = "platform_eks_addons",
) -> list[str]:
    info = info or {}
    cluster = info.get("cluster") or {}
    target = str(target or "")
    current = cluster.get("version") if info.get("exists") else None
    problems = upgrade_problems(str(cluster.get("name") or ""), current, target, info.get("nodegroups"), variable)
    if current is not None and version_step(current, target) in ("downgrade", "jump", "invalid"):
        return problems  # the version itself is refused: the add-on pins for it do not matter yet
    offered = info.get("addon_versions") or {}
    for pin in addon_pins(addons, target, addons_variable) if target else []:
        if pin["name"] not in offered:
            continue  # not read
        listed = offered[pin["name"]]
        if not listed:
            problems.append(f"{pin['field']}: EKS lists no version of the add-on {pin['name']} for Kubernetes {target}")
        elif pin["version"] not in listed:
            problems.append(
                f"{pin['field']}: {pin['name']} {pin['version']} is not compatible with Kubernetes {target} "
                f"({variable}); EKS lists: {', '.join(listed)}"
            )
    return problems


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"eks_upgrade_problems": eks_upgrade_problems}
