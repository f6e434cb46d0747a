#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: eks_cluster_leftovers
short_description: Delete what Kubernetes controllers of an EKS cluster made in AWS
version_added: 0.1.0
description:
  - Deletes the AWS resources that controllers running in an EKS cluster created outside any playbook, and that
    deleting the cluster leaves behind - the load balancers, target groups and security groups of the AWS Load
    Balancer Controller and of the in-tree service controller, and the EBS volumes of the EBS CSI driver. Terraform
    and the EKS API leave them too; the VPC cannot be deleted while a load balancer or a security group is in it.
  - Everything is found by the tags the controllers give it, in every VPC of the region (the cluster may already be
    gone); the cluster does not need to exist. Only a tag that names O(cluster_name) counts, so another cluster's
    resources in the same account are never touched.
  - Load balancers (ELBv2 application and network load balancers, and classic ELBs) tagged
    C(elbv2.k8s.aws/cluster=<cluster>), C(kubernetes.io/cluster/<cluster>=owned) or C(KubernetesCluster=<cluster>);
    target groups and security groups tagged the same way. A security group that EKS made for the cluster (tag
    C(aws:eks:cluster-name)) is never deleted here - EKS deletes it with the cluster - and a C(shared) value never
    counts (it marks a resource that belongs to someone else and is only used by the cluster).
  - EBS volumes tagged C(kubernetes.io/cluster/<cluster>=owned) or C(KubernetesCluster=<cluster>) (the EBS CSI
    driver adds both, with C(Name=<cluster>-dynamic-<pv>), when it runs with C(--k8s-tag-cluster-id), the Helm
    value C(controller.k8sTagClusterId); the in-tree volume plugin did too), C(ebs.csi.aws.com/cluster-name=<cluster>)
    (the tag the C(AmazonEBSCSIDriverEKSClusterScopedPolicy) managed policy scopes the driver to) or
    C(eks:eks-cluster-name=<cluster>) (EKS Auto Mode's block storage). The driver's C(ebs.csi.aws.com/cluster=true)
    alone names no cluster - such a volume is never deleted; it is returned in RV(unattributed_volumes) with a warning.
  - 'Order: the load balancers are deleted and waited until gone; then the target groups; then, for the security
    groups, every rule of another group that references one of them (the load balancer controller adds one to the
    nodes'' security group for its backend group) is revoked and the groups are deleted, retried while EC2 answers
    C(DependencyViolation) (the network interfaces of a deleted load balancer linger for minutes); last the volumes.'
  - A volume that is C(available) is deleted. A volume still attached is reported in RV(in_use_volumes) and left,
    unless O(volumes_in_use=wait), see there. Likewise a security group that a running instance's network interface
    carries (a node not deleted yet) is left, with the rules that reference it, and reported in
    RV(in_use_security_groups); call the module again for O(kinds=[security_groups, volumes]) once the node groups
    are deleted.
  - In check mode nothing is written; the result lists what would be deleted and revoked.
options:
  cluster_name:
    description: Name of the EKS cluster whose controllers' resources are deleted (it may be gone already).
    type: str
    required: true
  state:
    description: Only C(absent) - the module deletes, never creates.
    type: str
    choices: [absent]
    default: absent
  kinds:
    description:
      - What to delete. C(load_balancers) covers ELBv2 application/network load balancers and classic ELBs.
      - Security groups cannot be deleted while a load balancer of the cluster still uses them, so list
        C(security_groups) only with C(load_balancers), or after them.
    type: list
    elements: str
    choices: [load_balancers, target_groups, security_groups, volumes]
    default: [load_balancers, target_groups, security_groups, volumes]
  volumes_in_use:
    description:
      - What happens to a volume of the cluster that is still attached to an instance.
      - C(report) - left alone and listed in RV(in_use_volumes) (the node that holds it still runs; a later call
        after the node groups are deleted removes it).
      - C(wait) - a volume whose instance is shutting down or terminated, or whose attachment is detaching, is
        waited for (within O(wait_timeout)) until it is available, then deleted; a volume attached to a running
        instance is still only reported. Needs O(wait=true).
    type: str
    choices: [report, wait]
    default: report
  wait:
    description:
      - Wait until the deleted load balancers are gone, retry target groups still in use and security groups EC2
        refuses with C(DependencyViolation), and (with O(volumes_in_use=wait)) wait for detaching volumes.
      - With C(false), each delete is tried once; what EC2 or ELB refuses is returned in RV(pending) with a warning.
    type: bool
    default: true
  wait_timeout:
    description: Seconds all waits and retries of the run may take together.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - 'IAM actions: C(elasticloadbalancing:DescribeLoadBalancers), C(elasticloadbalancing:DescribeTargetGroups),
    C(elasticloadbalancing:DescribeTags), C(elasticloadbalancing:DeleteLoadBalancer),
    C(elasticloadbalancing:DeleteTargetGroup), C(ec2:DescribeSecurityGroups), C(ec2:DescribeSecurityGroupRules),
    C(ec2:RevokeSecurityGroupIngress), C(ec2:RevokeSecurityGroupEgress), C(ec2:DeleteSecurityGroup),
    C(ec2:DescribeNetworkInterfaces), C(ec2:DescribeVolumes), C(ec2:DescribeInstances), C(ec2:DeleteVolume).'
  - A load balancer with deletion protection on fails the run, naming it; turn the protection off first.
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: Before the cluster's own deletes - load balancers, target groups, security groups, available volumes
  cloudops.eks_platform.eks_cluster_leftovers:
    cluster_name: wealist-prod-eks

- name: After the node groups are deleted - the volumes and security groups their instances held
  cloudops.eks_platform.eks_cluster_leftovers:
    cluster_name: wealist-prod-eks
    kinds: [security_groups, volumes]
    volumes_in_use: wait
    wait_timeout: 900
"""

RETURN = r"""
deleted:
  description: What was deleted (in check mode, what would be), by kind; ELBv2 resources by ARN, classic load
    balancers by name, security groups and volumes by id.
  returned: always
  type: dict
  contains:
    load_balancers:
      description: ARNs of the ELBv2 load balancers.
      type: list
      elements: str
    classic_load_balancers:
      description: Names of the classic load balancers.
      type: list
      elements: str
    target_groups:
      description: ARNs of the target groups.
      type: list
      elements: str
    security_groups:
      description: Ids of the security groups.
      type: list
      elements: str
    volumes:
      description: Ids of the EBS volumes.
      type: list
      elements: str
  sample: {"load_balancers": ["arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/app/k8s-x/1"],
           "classic_load_balancers": [], "target_groups": [], "security_groups": ["sg-0123"], "volumes": ["vol-0123"]}
revoked_rules:
  description: The security group rules that referenced a deleted group, revoked (in check mode, to revoke).
  returned: always
  type: list
  elements: dict
  sample: [{"group_id": "sg-0node", "rule_id": "sgr-0123", "egress": false, "referenced_group_id": "sg-0backend"}]
in_use_volumes:
  description: Volumes of the cluster left because they are still attached, with the instances they are attached to.
  returned: always
  type: list
  elements: dict
  sample: [{"volume_id": "vol-0123", "state": "in-use", "instance_ids": ["i-0123"]}]
in_use_security_groups:
  description: Security groups of the cluster left because a running instance's network interface carries them.
  returned: always
  type: list
  elements: dict
  sample: [{"group_id": "sg-0123", "instance_ids": ["i-0123"]}]
unattributed_volumes:
  description: Volumes tagged C(ebs.csi.aws.com/cluster=true) that name no cluster at all (never deleted).
  returned: always
  type: list
  elements: str
  sample: ["vol-0456"]
pending:
  description: With O(wait=false), what could not be deleted yet (still in use), by kind.
  returned: always
  type: dict
  sample: {"target_groups": [], "security_groups": ["sg-0123"]}
"""

import re
from collections.abc import Callable, Iterable
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import (
    AWS_ERRORS,
    call,
    call_or_fail,
    exit_with,
    paginate,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import wait_options
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import tag_dict
from ansible_collections.cloudops.eks_platform.plugins.module_utils.waits import Budget, wait_until

KINDS = ["load_balancers", "target_groups", "security_groups", "volumes"]
# the result's lists, in the order things are deleted
RESULT_KINDS = ["load_balancers", "classic_load_balancers", "target_groups", "security_groups", "volumes"]
TAG_BATCH = 20  # ELBv2 and classic ELB DescribeTags take at most 20 resources a call
CLUSTER_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")  # EKS CreateCluster's name pattern
EKS_SECURITY_GROUP_TAG = "aws:eks:cluster-name"  # on the cluster security group EKS made (and deletes)
CSI_DRIVER_TAG = "ebs.csi.aws.com/cluster"
CLUSTER_PREFIX = "kubernetes.io/cluster/"
# keys whose value names a cluster (besides kubernetes.io/cluster/<name>, whose key does)
_NAMING_KEYS = ("KubernetesCluster", "ebs.csi.aws.com/cluster-name", "eks:eks-cluster-name", "elbv2.k8s.aws/cluster")
_GONE_VOLUME_STATES = ("deleting", "deleted")


# --- pure: which tags make a resource this cluster's, what to revoke, what to do with each volume -----------


def owner_tags(cluster: str, kind: str) -> list[tuple[str, str]]:
    """The (key, value) tags that make a resource of ``kind`` (``load_balancer``, ``target_group``,
    ``security_group`` or ``volume``) belong to ``cluster``: any one of them is enough."""
    lifecycle = [(f"{CLUSTER_PREFIX}{cluster}", "owned"), ("KubernetesCluster", cluster)]
    if kind == "volume":
        return lifecycle + [("ebs.csi.aws.com/cluster-name", cluster), ("eks:eks-cluster-name", cluster)]
    return [("elbv2.k8s.aws/cluster", cluster)] + lifecycle


def owner_tag(tags: dict[str, str], cluster: str, kind: str) -> str | None:
    """``key=value`` of the first tag that makes the resource ``cluster``'s; None when none does, and for a security
    group EKS made for a cluster (EKS deletes it with the cluster)."""
    if kind == "security_group" and EKS_SECURITY_GROUP_TAG in tags:
        return None
    for key, value in owner_tags(cluster, kind):
        if tags.get(key) == value:
            return f"{key}={value}"
    return None


def names_no_cluster(tags: dict[str, str]) -> bool:
    """A volume of an EBS CSI driver (``ebs.csi.aws.com/cluster=true``) that names no cluster at all."""
    if tags.get(CSI_DRIVER_TAG) != "true":
        return False
    return not any(k.startswith(CLUSTER_PREFIX) or k in _NAMING_KEYS for k in tags)


def rules_to_revoke(rules: Iterable[dict[str, Any]], doomed: Iterable[str]) -> list[dict[str, Any]]:
    """The security group rules (DescribeSecurityGroupRules) that reference a group about to be deleted, except a
    group's references to itself: EC2 refuses to delete a group that another group's rule references."""
    doomed = set(doomed)
    found = []
    for rule in rules:
        referenced = (rule.get("ReferencedGroupInfo") or {}).get("GroupId")
        if referenced in doomed and referenced != rule["GroupId"]:
            found.append(
                {
                    "group_id": rule["GroupId"],
                    "rule_id": rule["SecurityGroupRuleId"],
                    "egress": bool(rule.get("IsEgress")),
                    "referenced_group_id": referenced,
                }
            )
    return sorted(found, key=lambda r: (r["group_id"], r["rule_id"]))


def held_by_instances(interfaces: Iterable[dict[str, Any]], groups: Iterable[str]) -> dict[str, list[str]]:
    """Group id -> the instances whose network interfaces (DescribeNetworkInterfaces) carry it, for those of
    ``groups`` that an instance's interface carries. A load balancer's interfaces (no instance) do not count: they go
    with the load balancer, and deleting the group is retried until they have."""
    groups = set(groups)
    held: dict[str, set[str]] = {}
    for interface in interfaces:
        instance = (interface.get("Attachment") or {}).get("InstanceId")
        if not instance:
            continue
        for group in interface.get("Groups") or []:
            if group.get("GroupId") in groups:
                held.setdefault(group["GroupId"], set()).add(instance)
    return {group: sorted(instances) for group, instances in sorted(held.items())}


def attached_instances(volume: dict[str, Any]) -> list[str]:
    return sorted({a["InstanceId"] for a in volume.get("Attachments") or [] if a.get("InstanceId")})


def plan_volumes(volumes: Iterable[dict[str, Any]], stopping: set[str], in_use: str) -> dict[str, list]:
    """Split the cluster's volumes (DescribeVolumes): ``delete`` now (available, or in error); ``wait`` for (only with
    ``in_use="wait"``: attached, but every attachment detaching or held by an instance of ``stopping``, i.e. shutting
    down or terminated); ``report`` the others still attached or being created. Volumes being deleted are left out."""
    plan: dict[str, list] = {"delete": [], "wait": [], "report": []}
    for volume in volumes:
        state = volume.get("State")
        if state in ("available", "error"):
            plan["delete"].append(volume["VolumeId"])
        elif state not in _GONE_VOLUME_STATES:
            attachments = volume.get("Attachments") or []
            releasing = bool(attachments) and all(
                a.get("State") in ("detaching", "detached") or a.get("InstanceId") in stopping for a in attachments
            )
            if in_use == "wait" and releasing:
                plan["wait"].append(volume["VolumeId"])
            else:
                plan["report"].append(
                    {"volume_id": volume["VolumeId"], "state": state, "instance_ids": attached_instances(volume)}
                )
    plan["delete"].sort()
    plan["wait"].sort()
    plan["report"].sort(key=lambda v: v["volume_id"])
    return plan


def batches(items: list[str], size: int = TAG_BATCH) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def validate(params: dict[str, Any]) -> list[str]:
    """Problems with the options, each naming the option (checked before any AWS call)."""
    problems = []
    if not CLUSTER_NAME.match(params.get("cluster_name") or ""):
        problems.append(
            "cluster_name must be an EKS cluster name (1-100 letters, digits, - and _, starting with a letter or digit)"
        )
    if not params.get("kinds"):
        problems.append("kinds must list at least one of " + ", ".join(KINDS))
    if params.get("volumes_in_use") == "wait" and not params.get("wait"):
        problems.append("volumes_in_use=wait needs wait=true")
    return problems


# --- AWS calls ---------------------------------------------------------------------------------------------


class Leftovers:
    """One cluster's leftovers: :meth:`find` reads (also in check mode), :meth:`delete` deletes what it found."""

    def __init__(self, module: AnsibleAWSModule) -> None:
        self.module = module
        self.cluster = module.params["cluster_name"]
        self.kinds = set(module.params["kinds"])
        self.in_use = module.params["volumes_in_use"]
        self.wait = module.params["wait"]
        self.budget = Budget(module.params["wait_timeout"])
        self.ec2 = module.client("ec2") if self.kinds & {"security_groups", "volumes"} else None
        self.elbv2 = module.client("elbv2") if self.kinds & {"load_balancers", "target_groups"} else None
        self.elb = module.client("elb") if "load_balancers" in self.kinds else None
        self.found: dict[str, list[str]] = {k: [] for k in RESULT_KINDS}
        self.rules: list[dict[str, Any]] = []
        self.volumes: dict[str, list] = {"delete": [], "wait": [], "report": []}
        self.in_use_groups: list[dict[str, Any]] = []
        self.unattributed: list[str] = []
        self.deleted: dict[str, list[str]] = {k: [] for k in RESULT_KINDS}
        self.pending: dict[str, list[str]] = {}

    # --- reads

    def _read(self, client, method: str, key: str, what: str, **kwargs: Any) -> list[dict[str, Any]]:
        try:
            return paginate(client, method, **kwargs)[key]
        except AWS_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to describe {what}")
        return []

    def _tagged(self, client, names: list[str], kind: str, name_key: str, arg_name: str) -> list[str]:
        """Those of ``names`` (ARNs, or classic load balancer names) that :func:`owner_tag` makes this cluster's,
        read with DescribeTags ``TAG_BATCH`` at a time."""
        mine = []
        for batch in batches(names):
            tags = call_or_fail(
                self.module, client, "describe_tags", f"read the tags of the {kind}s", **{arg_name: batch}
            )
            mine += [
                d[name_key] for d in tags["TagDescriptions"] if owner_tag(tag_dict(d.get("Tags")), self.cluster, kind)
            ]
        return sorted(mine)

    def _ec2_tagged(self, method: str, key: str, id_key: str, tags: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """The EC2 resources with any of ``tags``, each once: one ``tag:<key>`` filter a call, since EC2 ANDs filters
        (and the local emulator mis-handles a ``tag-key`` filter of several values)."""
        found: dict[str, dict[str, Any]] = {}
        for tag_key, value in tags:
            filters = [{"Name": f"tag:{tag_key}", "Values": [value]}]
            for item in self._read(self.ec2, method, key, f"what is tagged {tag_key}", Filters=filters):
                found[item[id_key]] = item
        return [found[i] for i in sorted(found)]

    def find(self) -> None:
        if "load_balancers" in self.kinds:
            lbs = self._read(self.elbv2, "describe_load_balancers", "LoadBalancers", "the load balancers")
            arns = [lb["LoadBalancerArn"] for lb in lbs]
            self.found["load_balancers"] = self._tagged(
                self.elbv2, arns, "load_balancer", "ResourceArn", "ResourceArns"
            )
            classic = self._read(self.elb, "describe_load_balancers", "LoadBalancerDescriptions", "the classic ELBs")
            names = [lb["LoadBalancerName"] for lb in classic]
            self.found["classic_load_balancers"] = self._tagged(
                self.elb, names, "load_balancer", "LoadBalancerName", "LoadBalancerNames"
            )
        if "target_groups" in self.kinds:
            groups = self._read(self.elbv2, "describe_target_groups", "TargetGroups", "the target groups")
            arns = [g["TargetGroupArn"] for g in groups]
            self.found["target_groups"] = self._tagged(self.elbv2, arns, "target_group", "ResourceArn", "ResourceArns")
        if "security_groups" in self.kinds:
            groups = self._ec2_tagged(
                "describe_security_groups", "SecurityGroups", "GroupId", owner_tags(self.cluster, "security_group")
            )
            mine = [
                g
                for g in groups
                if g.get("GroupName") != "default"
                and owner_tag(tag_dict(g.get("Tags")), self.cluster, "security_group")
            ]
            held = self.held_groups(mine)
            self.in_use_groups = [{"group_id": g, "instance_ids": i} for g, i in held.items()]
            self.found["security_groups"] = [g["GroupId"] for g in mine if g["GroupId"] not in held]
            self.rules = self.find_rules(self.found["security_groups"])
        if "volumes" in self.kinds:
            self.find_volumes()

    def held_groups(self, groups: list[dict[str, Any]]) -> dict[str, list[str]]:
        """Those of ``groups`` that a running instance's network interface carries (a node of a node group not yet
        deleted): left, and reported. Read per VPC (``vpc-id`` filter; a ``group-id`` filter of several values is
        mis-handled by the local emulator)."""
        if not groups:
            return {}
        filters = [{"Name": "vpc-id", "Values": sorted({g["VpcId"] for g in groups if g.get("VpcId")})}]
        interfaces = self._read(
            self.ec2, "describe_network_interfaces", "NetworkInterfaces", "the network interfaces", Filters=filters
        )
        held = held_by_instances(interfaces, [g["GroupId"] for g in groups])
        stopping = self.stopping_instances(sorted({i for ids in held.values() for i in ids}))
        return {group: ids for group, ids in held.items() if not set(ids) <= stopping}

    def find_rules(self, doomed: list[str]) -> list[dict[str, Any]]:
        """The rules of any group that reference one of ``doomed`` (see :func:`rules_to_revoke`)."""
        if not doomed:
            return []
        holders: set[str] = set()
        for name in ("ip-permission.group-id", "egress.ip-permission.group-id"):
            filters = [{"Name": name, "Values": doomed}]
            groups = self._read(self.ec2, "describe_security_groups", "SecurityGroups", "groups", Filters=filters)
            holders |= {g["GroupId"] for g in groups}
        if not holders:
            return []
        filters = [{"Name": "group-id", "Values": sorted(holders)}]
        rules = self._read(self.ec2, "describe_security_group_rules", "SecurityGroupRules", "rules", Filters=filters)
        return rules_to_revoke(rules, doomed)

    def find_volumes(self) -> None:
        volumes = self._ec2_tagged("describe_volumes", "Volumes", "VolumeId", owner_tags(self.cluster, "volume"))
        mine = [v for v in volumes if owner_tag(tag_dict(v.get("Tags")), self.cluster, "volume")]
        instances = sorted({i for v in mine for i in attached_instances(v)})
        stopping = self.stopping_instances(instances) if self.in_use == "wait" else set()
        self.volumes = plan_volumes(mine, stopping, self.in_use)
        self.found["volumes"] = self.volumes["delete"] + self.volumes["wait"]
        driver = self._ec2_tagged("describe_volumes", "Volumes", "VolumeId", [(CSI_DRIVER_TAG, "true")])
        self.unattributed = sorted(v["VolumeId"] for v in driver if names_no_cluster(tag_dict(v.get("Tags"))))
        if self.unattributed:
            self.module.warn(
                f"EBS volumes {', '.join(self.unattributed)} are tagged {CSI_DRIVER_TAG}=true but name no cluster, so "
                "they are not deleted (the EBS CSI driver tags its volumes with the cluster when it runs with "
                "k8sTagClusterId)"
            )

    def stopping_instances(self, ids: list[str]) -> set[str]:
        """Those of the instances ``ids`` that are shutting down or terminated."""
        if not ids:
            return set()
        filters = [
            {"Name": "instance-id", "Values": ids},
            {"Name": "instance-state-name", "Values": ["shutting-down", "terminated"]},
        ]
        reservations = self._read(self.ec2, "describe_instances", "Reservations", "instances", Filters=filters)
        return {i["InstanceId"] for r in reservations for i in r.get("Instances", [])}

    @property
    def changed(self) -> bool:
        return any(self.found.values()) or bool(self.rules)

    # --- deletes

    def _delete(self, client, method: str, what: str, gone: list[str], retry: list[str], **kwargs: Any) -> str | None:
        """One delete call; None when done (or already gone), the error when refused with one of the ``retry`` codes."""
        try:
            call(client, method, **kwargs)
        except is_boto3_error_code(gone):
            return None
        except is_boto3_error_code(retry) as e:  # pylint: disable=duplicate-except
            return f"{e.response['Error']['Code']}: {e.response['Error'].get('Message', '')}"
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Failed to {what}")
        return None

    def delete_each(self, kind: str, items: list[str], delete_one: Callable[[str], str | None]) -> None:
        """Delete every item; those refused are tried again until done within the budget (with ``wait``), or are left
        in ``pending``."""
        remaining = list(items)

        def attempt() -> dict[str, str]:
            refused = {}
            for item in remaining:
                problem = delete_one(item)
                if problem is None:
                    self.deleted[kind].append(item)
                else:
                    refused[item] = problem
            remaining[:] = list(refused)
            return refused

        if self.wait:
            wait_until(
                self.module,
                attempt,
                lambda refused: not refused,
                self.budget,
                f"the {kind} to be deletable",
                status=lambda refused: "; ".join(f"{k} {v}" for k, v in sorted(refused.items())),
            )
        elif attempt():
            self.pending[kind] = sorted(remaining)

    def _load_balancers_left(self) -> list[str]:
        left: set[str] = set()
        if self.found["load_balancers"]:
            lbs = self._read(self.elbv2, "describe_load_balancers", "LoadBalancers", "the load balancers")
            left |= set(self.found["load_balancers"]) & {lb["LoadBalancerArn"] for lb in lbs}
        if self.found["classic_load_balancers"]:
            lbs = self._read(self.elb, "describe_load_balancers", "LoadBalancerDescriptions", "the classic ELBs")
            left |= set(self.found["classic_load_balancers"]) & {lb["LoadBalancerName"] for lb in lbs}
        return sorted(left)

    def delete_load_balancers(self) -> None:
        gone = ["LoadBalancerNotFound"]
        for arn in self.found["load_balancers"]:
            self._delete(
                self.elbv2, "delete_load_balancer", f"delete load balancer {arn}", gone, [], LoadBalancerArn=arn
            )
            self.deleted["load_balancers"].append(arn)
        for name in self.found["classic_load_balancers"]:
            what = f"delete classic load balancer {name}"
            self._delete(self.elb, "delete_load_balancer", what, gone, [], LoadBalancerName=name)
            self.deleted["classic_load_balancers"].append(name)
        if self.wait and (self.deleted["load_balancers"] or self.deleted["classic_load_balancers"]):
            wait_until(
                self.module,
                self._load_balancers_left,
                lambda left: not left,
                self.budget,
                "the load balancers to be deleted",
                status=", ".join,
            )

    def delete_target_groups(self) -> None:
        def delete_one(arn: str) -> str | None:
            what = f"delete target group {arn}"
            gone, retry = ["TargetGroupNotFound"], ["ResourceInUse"]
            return self._delete(self.elbv2, "delete_target_group", what, gone, retry, TargetGroupArn=arn)

        self.delete_each("target_groups", self.found["target_groups"], delete_one)

    def revoke_rules(self) -> None:
        by_group: dict[tuple[str, bool], list[str]] = {}
        for rule in self.rules:
            by_group.setdefault((rule["group_id"], rule["egress"]), []).append(rule["rule_id"])
        gone = ["InvalidGroup.NotFound", "InvalidSecurityGroupRuleId.NotFound"]
        for (group, egress), ids in sorted(by_group.items()):
            method = "revoke_security_group_egress" if egress else "revoke_security_group_ingress"
            what = f"revoke rules {', '.join(ids)} of security group {group}"
            self._delete(self.ec2, method, what, gone, [], GroupId=group, SecurityGroupRuleIds=ids)

    def delete_security_groups(self) -> None:
        def delete_one(group: str) -> str | None:
            what = f"delete security group {group}"
            gone, retry = ["InvalidGroup.NotFound"], ["DependencyViolation"]
            return self._delete(self.ec2, "delete_security_group", what, gone, retry, GroupId=group)

        self.delete_each("security_groups", self.found["security_groups"], delete_one)

    def delete_volume(self, volume: str) -> str | None:
        gone, retry = ["InvalidVolume.NotFound"], ["VolumeInUse", "IncorrectState"]
        return self._delete(self.ec2, "delete_volume", f"delete volume {volume}", gone, retry, VolumeId=volume)

    def _volume_states(self) -> dict[str, str]:
        filters = [{"Name": "volume-id", "Values": self.volumes["wait"]}]
        volumes = self._read(self.ec2, "describe_volumes", "Volumes", "the detaching volumes", Filters=filters)
        return {v["VolumeId"]: v.get("State", "") for v in volumes}

    def delete_volumes(self) -> None:
        self.delete_each("volumes", self.volumes["delete"], self.delete_volume)
        if not self.volumes["wait"]:
            return
        states = wait_until(
            self.module,
            self._volume_states,
            lambda s: all(state in ("available", "error", *_GONE_VOLUME_STATES) for state in s.values()),
            self.budget,
            "the volumes to be detached",
            status=lambda s: ", ".join(f"{k} {v}" for k, v in sorted(s.items())),
        )
        # a volume the instance deleted on termination (DeleteOnTermination) is gone as asked: listed as deleted
        gone = [v for v in self.volumes["wait"] if states.get(v, "deleted") in _GONE_VOLUME_STATES]
        self.deleted["volumes"] += gone
        self.delete_each("volumes", [v for v in self.volumes["wait"] if v not in gone], self.delete_volume)

    def delete(self) -> None:
        """In order: load balancers (waited gone), target groups, the rules referencing the security groups, the
        groups, the volumes."""
        self.delete_load_balancers()
        self.delete_target_groups()
        self.revoke_rules()
        self.delete_security_groups()
        self.delete_volumes()
        if self.pending:
            self.module.warn(f"Still in use, not deleted (run again, or with wait=true): {self.pending}")

    # --- results

    def diff(self) -> dict[str, Any]:
        """``before``: what was found (volumes still attached included); ``after``: what is left (planned, in check
        mode)."""
        reported = [v["volume_id"] for v in self.volumes["report"]]
        deleted = self.found if self.module.check_mode else self.deleted
        before = {k: sorted(self.found[k]) for k in RESULT_KINDS}
        after = {k: sorted(set(self.found[k]) - set(deleted[k])) for k in RESULT_KINDS}
        before["volumes"] = sorted(before["volumes"] + reported)
        after["volumes"] = sorted(after["volumes"] + reported)
        held = [g["group_id"] for g in self.in_use_groups]
        before["security_groups"] = sorted(before["security_groups"] + held)
        after["security_groups"] = sorted(after["security_groups"] + held)
        before["security_group_rules"] = [r["rule_id"] for r in self.rules]
        after["security_group_rules"] = []
        return {"before": before, "after": after}

    def results(self) -> dict[str, Any]:
        deleted = self.found if self.module.check_mode else self.deleted
        return {
            "deleted": {k: sorted(deleted[k]) for k in RESULT_KINDS},
            "revoked_rules": self.rules,
            "in_use_volumes": self.volumes["report"],
            "in_use_security_groups": self.in_use_groups,
            "unattributed_volumes": self.unattributed,
            "pending": self.pending,
        }


def argument_spec() -> dict[str, Any]:
    return dict(
        cluster_name=dict(type="str", required=True),
        state=dict(type="str", default="absent", choices=["absent"]),
        kinds=dict(type="list", elements="str", choices=KINDS, default=list(KINDS)),
        volumes_in_use=dict(type="str", default="report", choices=["report", "wait"]),
        **wait_options(600),
    )


def main() -> None:
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    problems = validate(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems))
    leftovers = Leftovers(module)
    leftovers.find()
    if leftovers.changed and not module.check_mode:
        leftovers.delete()
    exit_with(module, leftovers.changed, diff=leftovers.diff(), **leftovers.results())


if __name__ == "__main__":
    main()
