"""Four-run cases of eks_nodegroups on the base cluster (``pre["eks_base_cluster"]``, Kubernetes 1.34).

``eks_nodegroups``: the wealist spot node group (inventory §1.2) as ``modtest-spot`` - SPOT, four instance types,
AL2023_x86_64_STANDARD, 50 GiB, min 1 / desired 2 / max 4, the two labels, the Cluster Autoscaler tags over the
common ones. It does not exist before check1.

``eks_nodegroups_autoscaled``: ``modtest-autoscaled`` is made with boto3 (1 / 2 / 3, a stale label) and then
"scaled by Cluster Autoscaler" to 3 nodes. The module gets desired_size 1 (not pinned), max 5, one label less, a
taint, 50 % max unavailable and a newer AMI release: the desired size must stay 3 - no update the module makes
may carry a DesiredSize param - while the rest converges through one UpdateNodegroupConfig and one
UpdateNodegroupVersion (release only, same Kubernetes version).

Each read is DescribeNodegroup, the Auto Scaling group it names (DescribeAutoScalingGroups) and, for the
autoscaled node group, every update EKS recorded for it (ListUpdates / DescribeUpdate: type and param types).
"""

from __future__ import annotations

from typing import Any

from . import TAGS, Case, P

SPOT = f"{P}-spot"
AUTOSCALED = f"{P}-autoscaled"
INSTANCE_TYPES = ["t3.large", "t3a.large", "t3.xlarge", "t3a.xlarge"]
LABELS = {"node.kubernetes.io/capacity-type": "spot", "workload-type": "general"}
RELEASE = "1.34.0-20251101"  # what the emulator reports for a 1.34 node group created without releaseVersion
NEWER_RELEASE = "1.34.0-20251201"


def _autoscaler_tags(pre: dict) -> dict:
    return {
        "k8s.io/cluster-autoscaler/enabled": "true",
        f"k8s.io/cluster-autoscaler/{pre['eks_base_cluster']}": "owned",
    }


def prerequisites(b: Any, pre: dict) -> dict:
    eks, cluster = b.client("eks"), pre["eks_base_cluster"]
    eks.create_nodegroup(
        clusterName=cluster,
        nodegroupName=AUTOSCALED,
        nodeRole=pre["eks_node_role_arn"],
        subnets=pre["subnets"],
        scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2},
        labels={"workload-type": "general", "stale": "yes"},
        tags=TAGS,
    )
    # Cluster Autoscaler scales the group up to 3. It sets the Auto Scaling group's desired capacity and EKS
    # reports it as the node group's desiredSize; the emulator does not carry an ASG change back to the node
    # group, so the scale-up is made through EKS (it also sets the ASG).
    eks.update_nodegroup_config(clusterName=cluster, nodegroupName=AUTOSCALED, scalingConfig={"desiredSize": 3})
    return {}


def spot_args(pre: dict) -> dict:
    return {
        "cluster_name": pre["eks_base_cluster"],
        "tags": TAGS,
        "wait_timeout": 300,
        "nodegroups": [
            {
                "name": SPOT,
                "node_role_arn": pre["eks_node_role_arn"],
                "subnets": pre["subnets"],
                "capacity_type": "SPOT",
                "instance_types": INSTANCE_TYPES,
                "ami_type": "AL2023_x86_64_STANDARD",
                "disk_size": 50,
                "min_size": 1,
                "desired_size": 2,
                "max_size": 4,
                "labels": LABELS,
                "tags": _autoscaler_tags(pre),
            }
        ],
    }


def autoscaled_args(pre: dict) -> dict:
    return {
        "cluster_name": pre["eks_base_cluster"],
        "tags": TAGS,
        "wait_timeout": 300,
        "nodegroups": [
            {
                "name": AUTOSCALED,
                "min_size": 1,
                "desired_size": 1,  # not pinned: ignored, Cluster Autoscaler's 3 stays
                "max_size": 5,
                "labels": {"workload-type": "general"},
                "taints": [{"key": "dedicated", "value": "batch", "effect": "NO_SCHEDULE"}],
                "max_unavailable_percentage": 50,
                "version": "1.34",
                "release_version": NEWER_RELEASE,
            }
        ],
    }


def _asg_sizes(b: Any, nodegroup: dict) -> list[tuple[int, int, int]]:
    names = [g["name"] for g in nodegroup["resources"]["autoScalingGroups"]]
    groups = b.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=names)["AutoScalingGroups"]
    return [(g["MinSize"], g["MaxSize"], g["DesiredCapacity"]) for g in groups]


def _describe(b: Any, pre: dict, name: str) -> dict | None:
    eks = b.client("eks")
    try:
        return eks.describe_nodegroup(clusterName=pre["eks_base_cluster"], nodegroupName=name)["nodegroup"]
    except eks.exceptions.ResourceNotFoundException:
        return None


def read_spot(b: Any, pre: dict) -> dict | None:
    ng = _describe(b, pre, SPOT)
    if ng is None:
        return None
    scaling = ng["scalingConfig"]
    return {
        "status": ng["status"],
        "capacity_type": ng["capacityType"],
        "instance_types": ng["instanceTypes"],
        "ami_type": ng["amiType"],
        "disk_size": ng["diskSize"],
        "node_role": ng["nodeRole"],
        "subnets": sorted(ng["subnets"]),
        "scaling": (scaling["minSize"], scaling["maxSize"], scaling["desiredSize"]),
        "asg": _asg_sizes(b, ng),
        "labels": ng["labels"],
        "taints": ng.get("taints") or [],
        "version": ng["version"],
        "tags": ng["tags"],
    }


def read_autoscaled(b: Any, pre: dict) -> dict:
    eks, cluster = b.client("eks"), pre["eks_base_cluster"]
    ng = _describe(b, pre, AUTOSCALED)
    scaling = ng["scalingConfig"]
    updates = []
    for update_id in eks.list_updates(name=cluster, nodegroupName=AUTOSCALED)["updateIds"]:
        update = eks.describe_update(name=cluster, updateId=update_id, nodegroupName=AUTOSCALED)["update"]
        updates.append((update["type"], update["status"], sorted(p["type"] for p in update["params"])))
    return {
        "status": ng["status"],
        "scaling": (scaling["minSize"], scaling["maxSize"], scaling["desiredSize"]),
        "asg": _asg_sizes(b, ng),
        "labels": ng["labels"],
        "taints": ng.get("taints") or [],
        "update_config": ng["updateConfig"],
        "versions": (ng["version"], ng["releaseVersion"]),
        "tags": ng["tags"],
        "updates": updates,
    }


def spot_after(pre: dict) -> dict:
    return {
        "status": "ACTIVE",
        "capacity_type": "SPOT",
        "instance_types": INSTANCE_TYPES,
        "ami_type": "AL2023_x86_64_STANDARD",
        "disk_size": 50,
        "node_role": pre["eks_node_role_arn"],
        "subnets": sorted(pre["subnets"]),
        "scaling": (1, 4, 2),
        "asg": [(1, 4, 2)],
        "labels": LABELS,
        "taints": [],
        "version": "1.34",
        "tags": {**TAGS, **_autoscaler_tags(pre)},
    }


# the update prerequisites() made as Cluster Autoscaler
_SCALE_UP = ("ConfigUpdate", "Successful", ["DesiredSize"])


def autoscaled_before(pre: dict) -> dict:
    return {
        "status": "ACTIVE",
        "scaling": (1, 3, 3),
        "asg": [(1, 3, 3)],
        "labels": {"workload-type": "general", "stale": "yes"},
        "taints": [],
        "update_config": {"maxUnavailable": 1},
        "versions": ("1.34", RELEASE),
        "tags": TAGS,
        "updates": [_SCALE_UP],
    }


def autoscaled_after(pre: dict) -> dict:
    return {
        "status": "ACTIVE",
        "scaling": (1, 5, 3),  # max converged, desired still Cluster Autoscaler's
        "asg": [(1, 5, 3)],
        "labels": {"workload-type": "general"},
        "taints": [{"key": "dedicated", "value": "batch", "effect": "NO_SCHEDULE"}],
        "update_config": {"maxUnavailablePercentage": 50},
        "versions": ("1.34", NEWER_RELEASE),
        "tags": TAGS,
        "updates": [
            _SCALE_UP,
            # one UpdateNodegroupConfig with min/max, the label removal, the taint and the update config - no
            # DesiredSize - then the release-only UpdateNodegroupVersion (naming the node group's version)
            (
                "ConfigUpdate",
                "Successful",
                ["LabelsToRemove", "MaxSize", "MaxUnavailablePercentage", "MinSize", "TaintsToAdd"],
            ),
            ("VersionUpdate", "Successful", ["ReleaseVersion", "Version"]),
        ],
    }


CASES = [
    Case(
        id="eks_nodegroups",
        module="eks_nodegroups",
        args=spot_args,
        read=read_spot,
        before=lambda pre: None,
        after=spot_after,
    ),
    Case(
        id="eks_nodegroups_autoscaled",
        module="eks_nodegroups",
        args=autoscaled_args,
        read=read_autoscaled,
        before=autoscaled_before,
        after=autoscaled_after,
    ),
]
