#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: eks_nodegroups
short_description: Converge the EKS managed node groups of a cluster without fighting Cluster Autoscaler
version_added: 0.1.0
description:
  - Creates, updates in place and deletes the listed managed node groups of one EKS cluster. Node groups of the
    cluster that are not listed are left alone.
  - B(The desired size is set at creation only.) Afterwards the number of nodes belongs to Cluster Autoscaler and
    to the scheduled scaling actions of the node groups' Auto Scaling groups, so a run never sets
    C(desiredSize) back to O(nodegroups[].desired_size) - unlike C(community.aws.eks_nodegroup), which resets it
    on every run. O(nodegroups[].min_size) and O(nodegroups[].max_size) do converge; when the current desired
    size lies outside the new C([min_size, max_size]) it is clamped into that range (EKS refuses a scaling
    configuration whose desired size is outside it). With O(nodegroups[].pin_desired_size=true) the desired
    size converges to O(nodegroups[].desired_size) on every run too (for node groups no autoscaler manages).
  - In-place changes go through C(UpdateNodegroupConfig) (one call per node group; labels and taints as
    C(addOrUpdate*) / C(remove*) differences, C(scalingConfig), C(updateConfig)) and C(UpdateNodegroupVersion)
    (O(nodegroups[].version), O(nodegroups[].release_version)); each returns an C(update) the module waits for
    (C(DescribeUpdate)). A version update starts after the node group's configuration update has finished.
  - B(Settings EKS cannot change in place) - O(nodegroups[].instance_types), O(nodegroups[].capacity_type),
    O(nodegroups[].ami_type), O(nodegroups[].disk_size), O(nodegroups[].subnets),
    O(nodegroups[].node_role_arn) - are compared with the existing node group; a difference fails the module
    before any change, naming the option (for example C(nodegroups[0].instance_types)) - the node group must be
    replaced (delete it with O(nodegroups[].state=absent), or create a new node group under another name and
    delete the old one once its workloads have moved).
  - A version upgrade goes one Kubernetes minor version at a time and never above the cluster's version;
    EKS cannot downgrade a node group. A new node group gets the cluster's version (the only one
    C(CreateNodegroup) accepts).
  - The options are validated before any AWS call, each failure naming its option path
    (C(nodegroups[1].min_size)) - sizes (C(0 <= min_size <= desired_size <= max_size), C(max_size >= 1)), label
    and taint keys and values (Kubernetes syntax, at most 63 characters as EKS allows), taint effects, versions,
    node group names listed twice.
  - Several node groups are created (or deleted, or updated) one after the other without waiting, then waited for
    together, all within one O(wait_timeout).
  - The cluster must exist. In check mode a missing cluster (an earlier task of the same run creates it) is a
    warning and every node group with O(nodegroups[].state=present) is planned as created; a real run fails.
  - After a cluster upgrade, set O(nodegroups[].version) to the cluster's new version (and O(cluster_version)) -
    the node groups are upgraded in place, waited for. In check mode, an upgrade of the cluster that an earlier
    task only planned is taken into account through O(cluster_version).
options:
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  cluster_version:
    description:
      - The Kubernetes version (C(<major>.<minor>)) the cluster runs when this task runs - normally the one an
        earlier task of the same run upgraded it to. The node group versions are checked against it.
      - In check mode, when the cluster still runs another version (the earlier task only planned the upgrade),
        or does not exist yet, the node groups are planned for this version, with a warning.
      - In a real run the cluster must run it - another version fails before any change, naming this option.
      - Omitted - the cluster's version.
    type: str
  nodegroups:
    description: The managed node groups, each identified by its O(nodegroups[].name).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the node group (unique in the cluster).
        type: str
        required: true
      state:
        description: Whether the node group exists. C(absent) deletes it (C(DeleteNodegroup)) and, with O(wait),
          waits until it is gone.
        type: str
        choices: [present, absent]
        default: present
      node_role_arn:
        description: ARN of the IAM role of the nodes. Required to create the node group; cannot change in place.
        type: str
      subnets:
        description: Subnet ids of the node group's Auto Scaling group. Required to create the node group; cannot
          change in place (compared as a set).
        type: list
        elements: str
      capacity_type:
        description: Capacity type; EKS uses C(ON_DEMAND) when it is not given at creation. Cannot change in place.
        type: str
        choices: [ON_DEMAND, SPOT, CAPACITY_BLOCK]
      instance_types:
        description: Instance types (several for C(SPOT) capacity pools). Cannot change in place (compared as a
          set).
        type: list
        elements: str
      ami_type:
        description: AMI type; EKS picks C(AL2023_x86_64_STANDARD) for Kubernetes 1.30 and later when it is not
          given. Cannot change in place.
        type: str
        choices:
          - AL2_x86_64
          - AL2_x86_64_GPU
          - AL2_ARM_64
          - CUSTOM
          - BOTTLEROCKET_ARM_64
          - BOTTLEROCKET_x86_64
          - BOTTLEROCKET_ARM_64_FIPS
          - BOTTLEROCKET_x86_64_FIPS
          - BOTTLEROCKET_ARM_64_NVIDIA
          - BOTTLEROCKET_x86_64_NVIDIA
          - BOTTLEROCKET_ARM_64_NVIDIA_FIPS
          - BOTTLEROCKET_x86_64_NVIDIA_FIPS
          - WINDOWS_CORE_2019_x86_64
          - WINDOWS_FULL_2019_x86_64
          - WINDOWS_CORE_2022_x86_64
          - WINDOWS_FULL_2022_x86_64
          - WINDOWS_CORE_2025_x86_64
          - WINDOWS_FULL_2025_x86_64
          - AL2023_x86_64_STANDARD
          - AL2023_ARM_64_STANDARD
          - AL2023_x86_64_NEURON
          - AL2023_x86_64_NVIDIA
          - AL2023_ARM_64_NVIDIA
      disk_size:
        description: Root volume size in GiB (EKS default 20). Cannot change in place.
        type: int
      min_size:
        description:
          - Minimum number of nodes (at least 0). Converges on every run.
          - At creation C(1) when not given.
        type: int
      max_size:
        description:
          - Maximum number of nodes (at least 1). Converges on every run.
          - At creation the largest of 2, O(nodegroups[].min_size) and O(nodegroups[].desired_size) when not given.
        type: int
      desired_size:
        description:
          - Number of nodes B(at creation) (O(nodegroups[].min_size) when not given).
          - Ignored afterwards - Cluster Autoscaler and scheduled scaling own it - unless
            O(nodegroups[].pin_desired_size=true). The current desired size is only clamped into
            C([min_size, max_size]) when those change.
        type: int
      pin_desired_size:
        description: Converge the desired size to O(nodegroups[].desired_size) on every run (needs
          O(nodegroups[].desired_size)). Leave false for node groups an autoscaler manages.
        type: bool
        default: false
      labels:
        description:
          - Kubernetes labels of the nodes, all of them - labels of the node group not listed are removed.
          - Omitted, the labels are not managed; C({}) removes every label.
          - Keys are Kubernetes label keys (C([prefix/]name)), values non-empty; keys and values at most 63
            characters.
        type: dict
      taints:
        description:
          - Kubernetes taints of the nodes, all of them - taints not listed are removed. A taint is identified by
            its key and effect; a different value is updated in place.
          - Omitted, the taints are not managed; C([]) removes every taint.
        type: list
        elements: dict
        suboptions:
          key:
            description: Taint key (a Kubernetes label key, at most 63 characters).
            type: str
            required: true
          value:
            description: Taint value (at most 63 characters).
            type: str
          effect:
            description: Taint effect, as the EKS API spells it.
            type: str
            required: true
            choices: [NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE]
      max_unavailable:
        description: Nodes replaced at once during a version update (1-100). Mutually exclusive with
          O(nodegroups[].max_unavailable_percentage); neither given, the update configuration is not managed
          (EKS default 1 node).
        type: int
      max_unavailable_percentage:
        description: Percentage of the nodes replaced at once during a version update (1-100).
        type: int
      version:
        description:
          - Kubernetes minor version of the nodes (C(1.34)). Not given, the version is not managed (a new node
            group gets the cluster's).
          - A newer version upgrades the node group in place (C(UpdateNodegroupVersion)), one minor version at a
            time and not above the cluster's version.
        type: str
      release_version:
        description: AMI release version of the EKS optimized AMI (C(1.34.2-20251112)). Not given, not managed
          (a new or upgraded node group gets the latest one). EKS cannot roll back to an older release.
        type: str
      tags:
        description:
          - Tags of this node group, merged over the module's O(tags) (this entry's value wins for the same key).
          - With neither this nor O(tags) given, the node group's tags are not managed.
          - EKS does not copy them to the Auto Scaling group; it tags that group itself with the Cluster
            Autoscaler auto-discovery tags.
        type: dict
  wait:
    description:
      - Wait until created node groups are C(ACTIVE), updates are C(Successful) and deleted node groups are gone.
      - Even without it, a version update waits for the configuration update of the same node group started by
        the run, and an update waits for a node group that is still C(CREATING) / C(UPDATING) (EKS accepts one
        update at a time).
    type: bool
    default: true
  wait_timeout:
    description: Seconds every wait of the run may take together.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - O(tags) are set on every listed node group, under each entry's own O(nodegroups[].tags); O(purge_tags)
    applies to the merged tags of each node group. C(aws:) tags are never removed.
  - Launch templates, remote access, node repair and warm pools are not managed; a node group made with a launch
    template reports no C(instanceTypes) / C(diskSize), so do not give those options for it.
  - O(nodegroups[].min_size) / O(nodegroups[].max_size) converge on every run, also during the window of a
    scheduled scaling action that changed them on the Auto Scaling group.
  - "IAM actions: C(eks:DescribeCluster), C(eks:DescribeNodegroup), C(eks:CreateNodegroup),
    C(eks:UpdateNodegroupConfig), C(eks:UpdateNodegroupVersion), C(eks:DescribeUpdate), C(eks:DeleteNodegroup),
    C(eks:TagResource), C(eks:UntagResource), C(iam:PassRole) on the node role."
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: The spot node group of wealist-prod-eks (desired size 2 at creation, then Cluster Autoscaler's)
  cloudops.eks_platform.eks_nodegroups:
    cluster_name: wealist-prod-eks
    tags:
      Project: wealist
    nodegroups:
      - name: wealist-prod-spot
        node_role_arn: "{{ node_role_arn }}"
        subnets: "{{ private_subnet_ids }}"
        capacity_type: SPOT
        instance_types: [t3.large, t3a.large, t3.xlarge, t3a.xlarge]
        ami_type: AL2023_x86_64_STANDARD
        disk_size: 50
        min_size: 1
        desired_size: 2
        max_size: 4
        labels:
          node.kubernetes.io/capacity-type: spot
          workload-type: general
        tags:
          k8s.io/cluster-autoscaler/enabled: "true"
          k8s.io/cluster-autoscaler/wealist-prod-eks: owned

- name: A fixed-size node group for system pods, upgraded to the cluster's new version
  cloudops.eks_platform.eks_nodegroups:
    cluster_name: wealist-prod-eks
    nodegroups:
      - name: wealist-prod-system
        node_role_arn: "{{ node_role_arn }}"
        subnets: "{{ private_subnet_ids }}"
        min_size: 2
        desired_size: 2
        max_size: 2
        pin_desired_size: true
        version: "1.35"
        max_unavailable: 1
        taints:
          - key: CriticalAddonsOnly
            value: "true"
            effect: NO_SCHEDULE

- name: Remove an old node group
  cloudops.eks_platform.eks_nodegroups:
    cluster_name: wealist-prod-eks
    nodegroups:
      - name: wealist-prod-ondemand
        state: absent
"""

RETURN = r"""
nodegroups:
  description:
    - The listed node groups after the run (in check mode, as planned), in the order given.
    - A node group that does not exist (deleted, or check mode would create it) has C(status) null; one check mode
      would create has C(arn) null and no Auto Scaling group yet.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Node group name.
      type: str
    status:
      description: C(CREATING), C(ACTIVE), C(UPDATING), C(DELETING), ... or null when it does not exist.
      type: str
    capacity_type:
      description: C(ON_DEMAND), C(SPOT) or C(CAPACITY_BLOCK).
      type: str
    instance_types:
      description: Instance types.
      type: list
      elements: str
    ami_type:
      description: AMI type.
      type: str
    disk_size:
      description: Root volume size in GiB.
      type: int
    node_role_arn:
      description: IAM role of the nodes.
      type: str
    subnets:
      description: Subnets of the Auto Scaling group.
      type: list
      elements: str
    scaling_config:
      description: C(min_size), C(max_size), C(desired_size).
      type: dict
    update_config:
      description: C(max_unavailable) or C(max_unavailable_percentage) (and C(update_strategy) when EKS reports it).
      type: dict
    labels:
      description: Kubernetes labels set through EKS.
      type: dict
    taints:
      description: Kubernetes taints (C(key), C(value), C(effect)).
      type: list
      elements: dict
    version:
      description: Kubernetes version of the nodes.
      type: str
    release_version:
      description: AMI release version.
      type: str
    autoscaling_group_names:
      description: The node group's Auto Scaling groups (C(resources.autoScalingGroups)), for scheduled scaling.
      type: list
      elements: str
    arn:
      description: Node group ARN.
      type: str
    tags:
      description: Tags of the node group.
      type: dict
  sample: [{"name": "wealist-prod-spot", "status": "ACTIVE", "capacity_type": "SPOT",
            "instance_types": ["t3.large", "t3a.large"], "ami_type": "AL2023_x86_64_STANDARD", "disk_size": 50,
            "scaling_config": {"min_size": 1, "max_size": 4, "desired_size": 3},
            "labels": {"workload-type": "general"}, "taints": [], "version": "1.34",
            "release_version": "1.34.2-20251112", "autoscaling_group_names": ["eks-wealist-prod-spot-1a2b"],
            "arn": "arn:aws:eks:ap-northeast-2:123456789012:nodegroup/wealist-prod-eks/wealist-prod-spot/1a2b",
            "tags": {"Project": "wealist"}}]
changes:
  description: Node group name to what changed (or would change) - C(create), C(delete), C(scaling_config),
    C(labels), C(taints), C(update_config), C(version), C(release_version), C(tags). Only node groups with a change
    are listed.
  returned: always
  type: dict
  sample: {"wealist-prod-spot": ["scaling_config", "labels"], "wealist-prod-ondemand": ["delete"]}
diff:
  description: With C(--diff), C(before) / C(after) maps of node group name to the settings the entry manages
    (empty when the node group does not exist).
  returned: when diff mode is on
  type: dict
"""

import re
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import (
    AWS_ERRORS,
    call,
    call_or_fail,
    exit_with,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import (
    optional,
    state_option,
    tag_options,
    wait_options,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks import (
    NOT_FOUND,
    describe_cluster,
    describe_nodegroup,
    parse_version,
    planned_cluster_version,
    require_cluster,
    version_step,
    wait_status,
    wait_update,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import TagPlan, plan_tags, update_tags
from ansible_collections.cloudops.eks_platform.plugins.module_utils.waits import Budget

CAPACITY_TYPES = ["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"]
# botocore's eks model, shape AMITypes
AMI_TYPES = [
    "AL2_x86_64", "AL2_x86_64_GPU", "AL2_ARM_64", "CUSTOM",
    "BOTTLEROCKET_ARM_64", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64_FIPS", "BOTTLEROCKET_x86_64_FIPS",
    "BOTTLEROCKET_ARM_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA", "BOTTLEROCKET_ARM_64_NVIDIA_FIPS",
    "BOTTLEROCKET_x86_64_NVIDIA_FIPS",
    "WINDOWS_CORE_2019_x86_64", "WINDOWS_FULL_2019_x86_64", "WINDOWS_CORE_2022_x86_64", "WINDOWS_FULL_2022_x86_64",
    "WINDOWS_CORE_2025_x86_64", "WINDOWS_FULL_2025_x86_64",
    "AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "AL2023_x86_64_NEURON", "AL2023_x86_64_NVIDIA",
    "AL2023_ARM_64_NVIDIA",
]  # fmt: skip
TAINT_EFFECTS = ["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]

# Settings EKS cannot change in place: option -> Nodegroup field; the lists are compared as sets.
IMMUTABLE = (
    ("node_role_arn", "nodeRole"),
    ("subnets", "subnets"),
    ("capacity_type", "capacityType"),
    ("instance_types", "instanceTypes"),
    ("ami_type", "amiType"),
    ("disk_size", "diskSize"),
)
# The view keys each option manages (for the diff).
_OPTION_VIEW = {
    "node_role_arn": "node_role_arn",
    "subnets": "subnets",
    "capacity_type": "capacity_type",
    "instance_types": "instance_types",
    "ami_type": "ami_type",
    "disk_size": "disk_size",
    "min_size": "scaling_config",
    "max_size": "scaling_config",
    "desired_size": "scaling_config",
    "labels": "labels",
    "taints": "taints",
    "max_unavailable": "update_config",
    "max_unavailable_percentage": "update_config",
    "version": "version",
    "release_version": "release_version",
}

# Kubernetes label keys and values (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/);
# EKS (labelKey, labelValue, taintKey, taintValue) allows at most 63 characters for the whole key or value.
_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_PREFIX = re.compile(rf"^{_DNS_LABEL}(\.{_DNS_LABEL})*$")
_RELEASE = re.compile(r"^(\d+)\.(\d+)\.(\d+)-(\d{8})$")
_KEY_RULE = "[prefix/]name, name of letters, digits, '-', '_', '.' starting and ending with a letter or digit"
_VALUE_RULE = "letters, digits, '-', '_', '.' starting and ending with a letter or digit"


# --- pure: validation ----------------------------------------------------------------------------------------


def key_problem(key: Any) -> str | None:
    """Why ``key`` is not a label or taint key EKS accepts (None when it is)."""
    if not isinstance(key, str) or not 1 <= len(key) <= 63:
        return "must be 1 to 63 characters"
    parts = key.split("/")
    if len(parts) > 2 or not _NAME.match(parts[-1]) or (len(parts) == 2 and not _PREFIX.match(parts[0])):
        return f"is not a Kubernetes label key ({_KEY_RULE}; prefix a lower-case DNS subdomain)"
    return None


def value_problem(value: Any, allow_empty: bool) -> str | None:
    """Why ``value`` is not a label value (non-empty) or taint value (may be empty) EKS accepts."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return "must be a string (quote true/false and numbers in YAML)"
    value = str(value)
    if not value:
        return None if allow_empty else "must not be empty (EKS)"
    if len(value) > 63:
        return "must be at most 63 characters"
    if not _NAME.match(value):
        return f"is not a Kubernetes label value ({_VALUE_RULE})"
    return None


def _size_problems(path: str, entry: dict[str, Any]) -> list[str]:
    low, high, desired = entry.get("min_size"), entry.get("max_size"), entry.get("desired_size")
    problems = []
    for option, value, least in (("min_size", low, 0), ("desired_size", desired, 0), ("max_size", high, 1)):
        if value is not None and value < least:
            problems.append(f"{path}.{option} must be at least {least}, got {value}")
    if low is not None and high is not None and low > high:
        problems.append(f"{path}.min_size {low} is above max_size {high}")
    if desired is not None and low is not None and desired < low:
        problems.append(f"{path}.desired_size {desired} is below min_size {low}")
    if desired is not None and high is not None and desired > high:
        problems.append(f"{path}.desired_size {desired} is above max_size {high}")
    if entry.get("pin_desired_size") and desired is None:
        problems.append(f"{path}.pin_desired_size needs desired_size")
    return problems


def _label_and_taint_problems(path: str, entry: dict[str, Any]) -> list[str]:
    problems = []
    for key, value in (entry.get("labels") or {}).items():
        problem = key_problem(key)
        if problem:
            problems.append(f"{path}.labels: key {key!r} {problem}")
        problem = value_problem(value, allow_empty=False)
        if problem:
            problems.append(f"{path}.labels[{key!r}]: the value {problem}")
    seen: set[tuple[str, str]] = set()
    for j, taint in enumerate(entry.get("taints") or []):
        where = f"{path}.taints[{j}]"
        problem = key_problem(taint.get("key"))
        if problem:
            problems.append(f"{where}.key {taint.get('key')!r} {problem}")
        if taint.get("value") is not None:
            problem = value_problem(taint["value"], allow_empty=True)
            if problem:
                problems.append(f"{where}.value {problem}")
        if taint.get("effect") not in TAINT_EFFECTS:
            problems.append(f"{where}.effect {taint.get('effect')!r} is not one of {', '.join(TAINT_EFFECTS)}")
        identity = (taint.get("key"), taint.get("effect"))
        if identity in seen:
            problems.append(f"{where}: key {identity[0]} with effect {identity[1]} is listed twice")
        seen.add(identity)
    return problems


def validate(entries: list[dict[str, Any]]) -> list[str]:
    """Problems of the ``nodegroups`` option, each naming its option path; empty when valid."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        path = f"nodegroups[{i}]"
        name = entry.get("name")
        if name in seen:
            problems.append(f"{path}.name: node group {name} is already nodegroups[{seen[name]}]")
        seen.setdefault(name, i)
        if entry.get("state", "present") == "absent":
            continue
        problems += _size_problems(path, entry)
        problems += _label_and_taint_problems(path, entry)
        if entry.get("max_unavailable") is not None and entry.get("max_unavailable_percentage") is not None:
            problems.append(f"{path}: set max_unavailable or max_unavailable_percentage, not both")
        for option in ("max_unavailable", "max_unavailable_percentage"):
            value = entry.get(option)
            if value is not None and not 1 <= value <= 100:
                problems.append(f"{path}.{option} must be 1 to 100, got {value}")
        if entry.get("version") is not None and parse_version(entry["version"]) is None:
            problems.append(f"{path}.version {entry['version']!r} is not a Kubernetes minor version like 1.34")
    return problems


# --- pure: what a node group has and what to change ----------------------------------------------------------


def wanted_labels(entry: dict[str, Any]) -> dict[str, str] | None:
    """The labels the entry manages (values as strings); None when not managed."""
    labels = entry.get("labels")
    return None if labels is None else {str(key): str(value) for key, value in labels.items()}


def _taint(taint: dict[str, Any]) -> dict[str, str]:
    """A taint in the API's shape: ``key``, ``value`` (only when set), ``effect``."""
    out = {"key": taint["key"], "effect": taint["effect"]}
    if taint.get("value") is not None:
        out["value"] = str(taint["value"])
    return out


def wanted_taints(entry: dict[str, Any]) -> list[dict[str, str]] | None:
    taints = entry.get("taints")
    return None if taints is None else [_taint(t) for t in taints]


def wanted_tags(common: dict[str, Any] | None, own: dict[str, Any] | None) -> dict[str, str] | None:
    """The module's ``tags`` under the entry's own; None (tags not managed) when neither is given."""
    if common is None and own is None:
        return None
    return {str(key): str(value) for key, value in {**(common or {}), **(own or {})}.items()}


def creation_scaling(entry: dict[str, Any]) -> dict[str, int]:
    """CreateNodegroup's ``scalingConfig``: min 1, max the largest of 2 / min / desired, desired min when unset."""
    low = entry["min_size"] if entry.get("min_size") is not None else 1
    desired = entry["desired_size"] if entry.get("desired_size") is not None else low
    high = entry["max_size"] if entry.get("max_size") is not None else max(2, low, desired)
    return {"minSize": low, "maxSize": high, "desiredSize": desired}


def plan_scaling(current: dict[str, int], entry: dict[str, Any]) -> dict[str, int] | None:
    """UpdateNodegroupConfig's ``scalingConfig`` for an existing node group, or None when nothing changes.

    ``minSize`` / ``maxSize`` converge (both are sent when either changes). The desired size is left to Cluster
    Autoscaler and the schedules: ``desiredSize`` is sent only when the current one lies outside the new
    ``[min, max]`` (clamped into it; EKS refuses it otherwise) or, with ``pin_desired_size``, when it differs
    from ``desired_size``."""
    have_low, have_high, have_desired = current.get("minSize"), current.get("maxSize"), current.get("desiredSize")
    low = entry["min_size"] if entry.get("min_size") is not None else have_low
    high = entry["max_size"] if entry.get("max_size") is not None else have_high
    if entry.get("pin_desired_size") and entry.get("desired_size") is not None:
        desired = entry["desired_size"]
    elif have_desired is None:
        desired = None
    else:
        desired = have_desired
        if low is not None:
            desired = max(desired, low)
        if high is not None:
            desired = min(desired, high)
    request: dict[str, int] = {}
    if (low, high) != (have_low, have_high):
        request.update(minSize=low, maxSize=high)
    if desired != have_desired:
        request["desiredSize"] = desired
    return request or None


def scaling_problems(path: str, name: str, current: dict[str, int], request: dict[str, int] | None) -> list[str]:
    """What EKS would refuse in the scaling configuration ``current`` updated by ``request``."""
    merged = {**current, **(request or {})}
    low, high, desired = merged.get("minSize"), merged.get("maxSize"), merged.get("desiredSize")
    if low is not None and high is not None and low > high:
        return [f"{path}: min_size {low} would be above max_size {high} of node group {name}: set both"]
    if desired is not None and ((low is not None and desired < low) or (high is not None and desired > high)):
        return [f"{path}.desired_size {desired} is outside [{low}, {high}] of node group {name}"]
    return []


def plan_labels(current: dict[str, str] | None, wanted: dict[str, str] | None) -> dict[str, Any] | None:
    """UpdateNodegroupConfig's ``labels`` (``addOrUpdateLabels`` / ``removeLabels``), None when nothing changes."""
    if wanted is None:
        return None
    current = current or {}
    add = {key: value for key, value in wanted.items() if current.get(key) != value}
    remove = sorted(key for key in current if key not in wanted)
    request: dict[str, Any] = {}
    if add:
        request["addOrUpdateLabels"] = add
    if remove:
        request["removeLabels"] = remove
    return request or None


def plan_taints(current: list[dict[str, str]] | None, wanted: list[dict[str, str]] | None) -> dict[str, Any] | None:
    """UpdateNodegroupConfig's ``taints`` (``addOrUpdateTaints`` / ``removeTaints``), None when nothing changes.
    A taint is identified by key and effect: one with another value is updated, not removed."""
    if wanted is None:
        return None
    have = {(t["key"], t["effect"]): _taint(t) for t in current or []}
    want = {(t["key"], t["effect"]): t for t in wanted}
    add = [taint for identity, taint in want.items() if have.get(identity) != taint]
    remove = [taint for identity, taint in have.items() if identity not in want]
    request: dict[str, Any] = {}
    if add:
        request["addOrUpdateTaints"] = add
    if remove:
        request["removeTaints"] = remove
    return request or None


def wanted_update_config(entry: dict[str, Any]) -> dict[str, int] | None:
    if entry.get("max_unavailable") is not None:
        return {"maxUnavailable": entry["max_unavailable"]}
    if entry.get("max_unavailable_percentage") is not None:
        return {"maxUnavailablePercentage": entry["max_unavailable_percentage"]}
    return None


def plan_update_config(current: dict[str, Any] | None, entry: dict[str, Any]) -> dict[str, int] | None:
    """UpdateNodegroupConfig's ``updateConfig``, None when not managed or the same (``updateStrategy`` is kept)."""
    wanted = wanted_update_config(entry)
    if wanted is None:
        return None
    have = {k: v for k, v in (current or {}).items() if k in ("maxUnavailable", "maxUnavailablePercentage")}
    return None if have == wanted else wanted


def _release(release: str | None) -> tuple[int, ...] | None:
    match = _RELEASE.match(release or "")
    return tuple(int(part) for part in match.groups()) if match else None


def plan_version(
    path: str, name: str, current: str | None, release: str | None, cluster_version: str | None, entry: dict[str, Any]
) -> tuple[dict[str, str] | None, list[str]]:
    """UpdateNodegroupVersion's arguments (``version``, ``releaseVersion``) and the problems of the wanted version.

    Without ``version`` the API upgrades to the cluster's version, so a release-only update names the node
    group's own version."""
    wanted, wanted_release = entry.get("version"), entry.get("release_version")
    request: dict[str, str] = {}
    if wanted is not None:
        step = version_step(current, wanted)
        if step == "invalid":
            return None, [f"{path}.version: node group {name} reports version {current!r}, which cannot be compared"]
        if step == "downgrade":
            return None, [f"{path}.version: node group {name} runs {current}; EKS cannot downgrade it (replace it)"]
        if step == "jump":
            major, minor = parse_version(current)  # type: ignore[misc]
            return None, [
                f"{path}.version {wanted}: node group {name} runs {current}; EKS upgrades one minor version at a "
                f"time: set {major}.{minor + 1} first"
            ]
        if step == "upgrade":
            if cluster_version and version_step(cluster_version, wanted) in ("upgrade", "jump"):
                return None, [
                    f"{path}.version {wanted} is above the version {cluster_version} of the cluster: upgrade the "
                    "cluster first"
                ]
            request["version"] = wanted
    if wanted_release is not None and wanted_release != release:
        older = _release(wanted_release) is not None and _release(release) is not None
        if older and "version" not in request and _release(wanted_release) < _release(release):  # type: ignore[operator]
            return None, [
                f"{path}.release_version: node group {name} runs {release}; EKS cannot roll back to {wanted_release}"
            ]
        request["releaseVersion"] = wanted_release
        request.setdefault("version", current or "")
    return request or None, []


def immutable_problems(path: str, nodegroup: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    """The settings EKS cannot change in place that differ, each naming its option."""
    problems = []
    for option, field in IMMUTABLE:
        wanted, have = entry.get(option), nodegroup.get(field)
        if wanted is None:
            continue
        if isinstance(wanted, list):
            wanted, have = sorted(set(wanted)), sorted(set(have or []))
        if wanted != have:
            problems.append(
                f"{path}.{option}: node group {nodegroup.get('nodegroupName')} has {have}, wanted {wanted}; EKS cannot "
                "change this in place: the node group must be replaced (state=absent, or a new node group under "
                "another name)"
            )
    return problems


def create_request(cluster: str, entry: dict[str, Any], tags: dict[str, str] | None) -> dict[str, Any]:
    """CreateNodegroup's arguments (no empty ``labels`` / ``taints`` / ``tags``: the API's maps have min 1)."""
    request: dict[str, Any] = {
        "clusterName": cluster,
        "nodegroupName": entry["name"],
        "nodeRole": entry.get("node_role_arn"),
        "subnets": list(entry.get("subnets") or []),
        "scalingConfig": creation_scaling(entry),
    }
    for option, field in (
        ("capacity_type", "capacityType"),
        ("instance_types", "instanceTypes"),
        ("ami_type", "amiType"),
        ("disk_size", "diskSize"),
        ("version", "version"),
        ("release_version", "releaseVersion"),
    ):
        if entry.get(option) is not None:
            request[field] = entry[option]
    for field, value in (
        ("labels", wanted_labels(entry)),
        ("taints", wanted_taints(entry)),
        ("updateConfig", wanted_update_config(entry)),
        ("tags", tags),
    ):
        if value:
            request[field] = value
    return request


def plan_nodegroup(
    index: int, entry: dict[str, Any], nodegroup: dict[str, Any] | None, cluster_name: str,
    cluster_version: str | None, tags: dict[str, str] | None, purge_tags: bool,
) -> dict[str, Any]:  # fmt: skip
    """Everything one entry needs: ``create`` (CreateNodegroup's arguments), ``delete``, ``config``
    (UpdateNodegroupConfig's, without the names), ``version`` (UpdateNodegroupVersion's), ``tags`` (a TagPlan),
    ``wait_gone`` (a node group already DELETING), ``changes`` and ``problems``."""
    path, name = f"nodegroups[{index}]", entry["name"]
    plan: dict[str, Any] = {
        "index": index, "name": name, "entry": entry, "current": nodegroup, "create": None, "delete": False,
        "config": {}, "version": None, "tags": None, "wait_gone": False, "changes": [], "problems": [],
    }  # fmt: skip
    status = (nodegroup or {}).get("status")
    if entry.get("state", "present") == "absent":
        plan["delete"] = bool(nodegroup) and status != "DELETING"
        plan["wait_gone"] = status == "DELETING"
        plan["changes"] = ["delete"] if plan["delete"] else []
        return plan
    if nodegroup is None:
        problems = [f"{path}.{option} is required to create node group {name}"
                    for option in ("node_role_arn", "subnets") if not entry.get(option)]  # fmt: skip
        if entry.get("version") and cluster_version and entry["version"] != cluster_version:
            problems.append(
                f"{path}.version {entry['version']}: a new node group gets the version {cluster_version} of the "
                "cluster (the only one CreateNodegroup accepts)"
            )
        plan.update(create=create_request(cluster_name, entry, tags), changes=["create"], problems=problems)
        return plan
    if status == "DELETING":
        plan["problems"] = [f"{path}: node group {name} is being deleted: run again once it is gone"]
        return plan
    if status in ("CREATE_FAILED", "DELETE_FAILED"):
        plan["problems"] = [f"{path}: node group {name} is {status}: delete it (state=absent), then create it again"]
        return plan
    problems = immutable_problems(path, nodegroup, entry)
    current_scaling = nodegroup.get("scalingConfig") or {}
    config = {
        "scalingConfig": plan_scaling(current_scaling, entry),
        "labels": plan_labels(nodegroup.get("labels"), wanted_labels(entry)),
        "taints": plan_taints(nodegroup.get("taints"), wanted_taints(entry)),
        "updateConfig": plan_update_config(nodegroup.get("updateConfig"), entry),
    }
    config = {key: value for key, value in config.items() if value}
    problems += scaling_problems(path, name, current_scaling, config.get("scalingConfig"))
    version, version_problems = plan_version(
        path, name, nodegroup.get("version"), nodegroup.get("releaseVersion"), cluster_version, entry
    )
    tag_plan = plan_tags(nodegroup.get("tags"), tags, purge_tags)
    changes = [_CHANGE[key] for key in config]
    if version:
        changes += ["version"] if version.get("version") != nodegroup.get("version") else []
        changes += ["release_version"] if "releaseVersion" in version else []
    changes += ["tags"] if tag_plan.changed else []
    plan.update(config=config, version=version, tags=tag_plan, changes=changes, problems=problems + version_problems)
    return plan


_CHANGE = {"scalingConfig": "scaling_config", "labels": "labels", "taints": "taints", "updateConfig": "update_config"}


# --- pure: views -----------------------------------------------------------------------------------------------


def _snake_update_config(update_config: dict[str, Any] | None) -> dict[str, Any]:
    names = {
        "maxUnavailable": "max_unavailable",
        "maxUnavailablePercentage": "max_unavailable_percentage",
        "updateStrategy": "update_strategy",
    }
    return {names[key]: value for key, value in (update_config or {}).items() if key in names}


def nodegroup_view(name: str, nodegroup: dict[str, Any] | None) -> dict[str, Any]:
    """What the module returns for one node group (DescribeNodegroup's ``nodegroup``; None: it does not exist)."""
    ng = nodegroup or {}
    scaling = ng.get("scalingConfig") or {}
    return {
        "name": name,
        "status": ng.get("status"),
        "capacity_type": ng.get("capacityType"),
        "instance_types": list(ng.get("instanceTypes") or []),
        "ami_type": ng.get("amiType"),
        "disk_size": ng.get("diskSize"),
        "node_role_arn": ng.get("nodeRole"),
        "subnets": list(ng.get("subnets") or []),
        "scaling_config": {
            "min_size": scaling.get("minSize"),
            "max_size": scaling.get("maxSize"),
            "desired_size": scaling.get("desiredSize"),
        },
        "update_config": _snake_update_config(ng.get("updateConfig")),
        "labels": dict(ng.get("labels") or {}),
        "taints": [_taint(t) for t in ng.get("taints") or []],
        "version": ng.get("version"),
        "release_version": ng.get("releaseVersion"),
        "autoscaling_group_names": [g["name"] for g in (ng.get("resources") or {}).get("autoScalingGroups") or []],
        "arn": ng.get("nodegroupArn"),
        "tags": dict(ng.get("tags") or {}),
    }


def planned_nodegroup(plan: dict[str, Any], cluster_version: str | None) -> dict[str, Any] | None:
    """The node group (DescribeNodegroup's shape) as it is after ``plan`` - check mode's answer."""
    if plan["delete"] or plan["wait_gone"]:
        return None
    if plan["create"]:
        request = plan["create"]
        planned = {key: value for key, value in request.items() if key not in ("clusterName", "nodegroupName")}
        planned.setdefault("version", cluster_version)
        return {"nodegroupName": plan["name"], "status": None, **planned}
    current = plan["current"]
    if current is None:
        return None
    planned = dict(current)
    config = plan["config"]
    if "scalingConfig" in config:
        planned["scalingConfig"] = {**(current.get("scalingConfig") or {}), **config["scalingConfig"]}
    if "labels" in config:
        labels = {k: v for k, v in (current.get("labels") or {}).items()
                  if k not in config["labels"].get("removeLabels", [])}  # fmt: skip
        planned["labels"] = {**labels, **config["labels"].get("addOrUpdateLabels", {})}
    if "taints" in config:
        planned["taints"] = wanted_taints(plan["entry"])
    if "updateConfig" in config:
        kept = {k: v for k, v in (current.get("updateConfig") or {}).items() if k == "updateStrategy"}
        planned["updateConfig"] = {**kept, **config["updateConfig"]}
    if plan["version"]:
        planned["version"] = plan["version"]["version"]
        planned["releaseVersion"] = plan["version"].get("releaseVersion", current.get("releaseVersion"))
    if plan["tags"] is not None:
        planned["tags"] = plan["tags"].after
    return planned


def managed_view(nodegroup: dict[str, Any] | None, entry: dict[str, Any], tags_managed: bool) -> dict[str, Any]:
    """The diff side of one node group: only the settings its entry manages ({} when it does not exist)."""
    if nodegroup is None:
        return {}
    view = nodegroup_view(entry["name"], nodegroup)
    keys = {_OPTION_VIEW[option] for option in _OPTION_VIEW if entry.get(option) is not None}
    keys |= {"tags"} if tags_managed else set()
    return {key: view[key] for key in sorted(keys)}


# --- AWS calls -------------------------------------------------------------------------------------------------


def _fetch(module: AnsibleAWSModule, client, cluster: str, name: str):
    return lambda: describe_nodegroup(module, client, cluster, name)


def _delete(module: AnsibleAWSModule, client, cluster: str, name: str) -> None:
    try:
        call(client, "delete_nodegroup", clusterName=cluster, nodegroupName=name)
    except is_boto3_error_code(NOT_FOUND):
        pass  # already gone
    except AWS_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to delete node group {name} of EKS cluster {cluster}")


def start_plan(module: AnsibleAWSModule, client, cluster: str, plan: dict[str, Any], budget: Budget):
    """The calls of one plan except the version update; returns the configuration ``update``, if any."""
    name, what = plan["name"], f"node group {plan['name']} of EKS cluster {cluster}"
    if plan["delete"]:
        _delete(module, client, cluster, name)
        return None
    if plan["create"]:
        call_or_fail(module, client, "create_nodegroup", f"create {what}", **plan["create"])
        return None
    update_tags(module, client, plan["current"]["nodegroupArn"], plan["tags"] or TagPlan({}, {}))
    if (plan["config"] or plan["version"]) and plan["current"].get("status") in ("CREATING", "UPDATING"):
        wait_status(module, _fetch(module, client, cluster, name), budget, what)  # EKS: one update at a time
    if plan["config"]:
        return call_or_fail(
            module, client, "update_nodegroup_config", f"update the configuration of {what}",
            clusterName=cluster, nodegroupName=name, **plan["config"],
        )["update"]  # fmt: skip
    return None


def converge(module: AnsibleAWSModule, client, cluster: str, plans: list[dict[str, Any]], budget: Budget) -> None:
    """Start every create / delete / configuration update, then the version updates (each after its node
    group's configuration update), then - with ``wait`` - wait for all of them within ``budget``."""
    config_updates = {}
    for plan in plans:
        if plan["changes"]:
            update = start_plan(module, client, cluster, plan, budget)
            if update:
                config_updates[plan["name"]] = update
    updates = []
    for plan in plans:
        if plan["version"]:
            name, what = plan["name"], f"node group {plan['name']} of EKS cluster {cluster}"
            if name in config_updates:
                wait_update(
                    module, client, cluster, config_updates.pop(name), budget, f"update of {what}", nodegroup=name
                )
            update = call_or_fail(
                module, client, "update_nodegroup_version", f"update the version of {what}",
                clusterName=cluster, nodegroupName=name, **plan["version"],
            )["update"]  # fmt: skip
            updates.append((name, update))
    if not module.params["wait"]:
        return
    for plan in plans:
        what = f"node group {plan['name']} of EKS cluster {cluster}"
        if plan["create"]:
            wait_status(module, _fetch(module, client, cluster, plan["name"]), budget, what)
        elif plan["delete"] or plan["wait_gone"]:
            wait_status(module, _fetch(module, client, cluster, plan["name"]), budget, what, status=None)
    for name, update in [*config_updates.items(), *updates]:
        wait_update(module, client, cluster, update, budget, f"update of node group {name}", nodegroup=name)


def argument_spec() -> dict[str, Any]:
    taint = dict(
        key=dict(type="str", required=True, no_log=False),
        value=dict(type="str"),
        effect=dict(type="str", required=True, choices=TAINT_EFFECTS),
    )
    nodegroup = dict(
        name=dict(type="str", required=True),
        state=state_option(),
        node_role_arn=dict(type="str"),
        subnets=dict(type="list", elements="str"),
        capacity_type=dict(type="str", choices=CAPACITY_TYPES),
        instance_types=dict(type="list", elements="str"),
        ami_type=dict(type="str", choices=AMI_TYPES),
        **optional("int", "disk_size", "min_size", "max_size", "desired_size"),
        pin_desired_size=dict(type="bool", default=False),
        labels=dict(type="dict"),
        taints=dict(type="list", elements="dict", options=taint),
        **optional("int", "max_unavailable", "max_unavailable_percentage"),
        **optional("str", "version", "release_version"),
        tags=dict(type="dict"),
    )
    return dict(
        cluster_name=dict(type="str", required=True),
        cluster_version=dict(type="str"),
        nodegroups=dict(type="list", elements="dict", required=True, options=nodegroup),
        **tag_options(),
        **wait_options(1800),
    )


def run(module: AnsibleAWSModule, client) -> None:
    p = module.params
    problems = validate(p["nodegroups"])
    if p["cluster_version"] is not None and parse_version(p["cluster_version"]) is None:
        problems.append(f'cluster_version must be <major>.<minor>, e.g. "1.34"; got {p["cluster_version"]!r}')
    if problems:
        module.fail_json(msg="; ".join(problems))
    cluster_name, entries, budget = p["cluster_name"], p["nodegroups"], Budget(p["wait_timeout"])
    cluster = require_cluster(module, client, cluster_name)
    version, warning, failure = planned_cluster_version(
        cluster_name, (cluster or {}).get("version"), p["cluster_version"], module.check_mode
    )
    if failure:
        module.fail_json(msg=failure)
    if warning:
        module.warn(warning)
    current = {e["name"]: describe_nodegroup(module, client, cluster_name, e["name"]) if cluster else None
               for e in entries}  # fmt: skip
    plans = [
        plan_nodegroup(i, e, current[e["name"]], cluster_name, version, wanted_tags(p["tags"], e.get("tags")),
                       p["purge_tags"])
        for i, e in enumerate(entries)
    ]  # fmt: skip
    problems = [problem for plan in plans for problem in plan["problems"]]
    if problems:
        module.fail_json(msg="; ".join(problems))
    changes = {plan["name"]: plan["changes"] for plan in plans if plan["changes"]}
    if module.check_mode:
        final = {plan["name"]: planned_nodegroup(plan, version) for plan in plans}
    else:
        if cluster.get("status") == "CREATING" and any(plan["create"] for plan in plans):
            wait_status(
                module, lambda: describe_cluster(module, client, cluster_name), budget, f"EKS cluster {cluster_name}"
            )
        converge(module, client, cluster_name, plans, budget)
        final = {e["name"]: describe_nodegroup(module, client, cluster_name, e["name"]) for e in entries}
    tags_managed = {e["name"]: wanted_tags(p["tags"], e.get("tags")) is not None for e in entries}
    diff = {
        side: {e["name"]: managed_view(state[e["name"]], e, tags_managed[e["name"]]) for e in entries}
        for side, state in (("before", current), ("after", final))
    }
    views = [nodegroup_view(e["name"], final[e["name"]]) for e in entries]
    exit_with(module, bool(changes), diff=diff, nodegroups=views, changes=changes)


def main() -> None:
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    run(module, module.client("eks"))


if __name__ == "__main__":
    main()
