"""Unit tests of eks_cluster_leftovers' pure logic: which tags make a resource one cluster's (the tags the AWS Load
Balancer Controller, the in-tree service controller and the EBS CSI driver write, from their documentation), which
security group rules must be revoked, what happens to each volume, and the option checks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.modules.eks_cluster_leftovers import (  # noqa: E402
    batches,
    held_by_instances,
    names_no_cluster,
    owner_tag,
    plan_volumes,
    rules_to_revoke,
    validate,
)

C = "wealist-prod-eks"

# --- load balancers, target groups, security groups ----------------------------------------------------------

# (tags, expected owner tag or None) - the same rules for ELBv2 load balancers, classic ELBs and target groups
LB_CASES = [
    # AWS Load Balancer Controller v2: every resource it makes
    ({"elbv2.k8s.aws/cluster": C, "ingress.k8s.aws/stack": "ns/web", "ingress.k8s.aws/resource": "LoadBalancer"},
     f"elbv2.k8s.aws/cluster={C}"),
    ({"elbv2.k8s.aws/cluster": C, "service.k8s.aws/stack": "ns/svc", "service.k8s.aws/resource": "LoadBalancer"},
     f"elbv2.k8s.aws/cluster={C}"),
    # in-tree service controller (classic ELB / NLB of a Service type LoadBalancer)
    ({f"kubernetes.io/cluster/{C}": "owned", "kubernetes.io/service-name": "ns/svc"},
     f"kubernetes.io/cluster/{C}=owned"),
    # the in-tree controller's legacy tag
    ({"KubernetesCluster": C}, f"KubernetesCluster={C}"),
    # another cluster, a cluster whose name starts like this one, a shared resource, the driver's marker alone
    ({"elbv2.k8s.aws/cluster": "wealist-dev-eks"}, None),
    ({"elbv2.k8s.aws/cluster": f"{C}-2", f"kubernetes.io/cluster/{C}-2": "owned"}, None),
    ({f"kubernetes.io/cluster/{C}": "shared"}, None),
    ({"KubernetesCluster": "other"}, None),
    ({}, None),
]  # fmt: skip


@pytest.mark.parametrize("tags,expected", LB_CASES)
@pytest.mark.parametrize("kind", ["load_balancer", "target_group", "security_group"])
def test_owner_tag_of_load_balancers_target_groups_and_security_groups(kind, tags, expected):
    assert owner_tag(tags, C, kind) == expected


def test_the_security_group_eks_made_for_the_cluster_is_never_picked():
    # EKS's cluster security group carries kubernetes.io/cluster/<name>=owned too; EKS deletes it with the cluster
    eks_made = {"Name": f"eks-cluster-sg-{C}-123", "aws:eks:cluster-name": C, f"kubernetes.io/cluster/{C}": "owned"}
    assert owner_tag(eks_made, C, "security_group") is None
    # ... while the same tags on a load balancer would make it the cluster's
    assert owner_tag(eks_made, C, "load_balancer") == f"kubernetes.io/cluster/{C}=owned"


def test_the_load_balancer_controller_security_groups_are_picked():
    backend = {"elbv2.k8s.aws/cluster": C, "elbv2.k8s.aws/resource": "backend-sg"}
    managed = {"elbv2.k8s.aws/cluster": C, "ingress.k8s.aws/resource": "ManagedLBSecurityGroup"}
    in_tree = {f"kubernetes.io/cluster/{C}": "owned"}  # k8s-elb-<name>, the in-tree controller's ELB group
    assert [owner_tag(t, C, "security_group") for t in (backend, managed, in_tree)] == [
        f"elbv2.k8s.aws/cluster={C}",
        f"elbv2.k8s.aws/cluster={C}",
        f"kubernetes.io/cluster/{C}=owned",
    ]


# --- volumes --------------------------------------------------------------------------------------------------

VOLUME_CASES = [
    # EBS CSI driver run with --k8s-tag-cluster-id (docs/tagging.md; pkg/driver/constants.go)
    ({"CSIVolumeName": "pvc-1", "ebs.csi.aws.com/cluster": "true", f"kubernetes.io/cluster/{C}": "owned",
      "KubernetesCluster": C, "Name": f"{C}-dynamic-pvc-1"}, f"kubernetes.io/cluster/{C}=owned"),
    ({"ebs.csi.aws.com/cluster": "true", "KubernetesCluster": C}, f"KubernetesCluster={C}"),
    # the tag AmazonEBSCSIDriverEKSClusterScopedPolicy scopes the driver to
    ({"ebs.csi.aws.com/cluster": "true", "ebs.csi.aws.com/cluster-name": C}, f"ebs.csi.aws.com/cluster-name={C}"),
    # EKS Auto Mode block storage
    ({"eks:eks-cluster-name": C}, f"eks:eks-cluster-name={C}"),
    # the driver's marker alone names no cluster
    ({"CSIVolumeName": "pvc-2", "ebs.csi.aws.com/cluster": "true"}, None),
    # another cluster's volume, a shared one, the load balancer controller's tag (never on a volume)
    ({"ebs.csi.aws.com/cluster": "true", "kubernetes.io/cluster/wealist-dev-eks": "owned",
      "KubernetesCluster": "wealist-dev-eks"}, None),
    ({f"kubernetes.io/cluster/{C}": "shared"}, None),
    ({"elbv2.k8s.aws/cluster": C}, None),
    ({"ebs.csi.aws.com/cluster-name": f"{C}-2"}, None),
]  # fmt: skip


@pytest.mark.parametrize("tags,expected", VOLUME_CASES)
def test_owner_tag_of_volumes(tags, expected):
    assert owner_tag(tags, C, "volume") == expected


def test_volumes_of_the_driver_that_name_no_cluster():
    assert names_no_cluster({"CSIVolumeName": "pvc-2", "ebs.csi.aws.com/cluster": "true"}) is True
    # naming some cluster, even another one, is not "no cluster"
    assert names_no_cluster({"ebs.csi.aws.com/cluster": "true", "kubernetes.io/cluster/x": "owned"}) is False
    assert names_no_cluster({"ebs.csi.aws.com/cluster": "true", "KubernetesCluster": "x"}) is False
    assert names_no_cluster({"ebs.csi.aws.com/cluster": "true", "ebs.csi.aws.com/cluster-name": "x"}) is False
    # not the driver's
    assert names_no_cluster({"Name": "data"}) is False
    assert names_no_cluster({"ebs.csi.aws.com/cluster": "false"}) is False


def _volume(volume_id, state, *attachments):
    return {
        "VolumeId": volume_id,
        "State": state,
        "Attachments": [{"InstanceId": i, "State": s, "VolumeId": volume_id} for i, s in attachments],
    }


VOLUMES = [
    _volume("vol-4", "available"),
    _volume("vol-1", "in-use", ("i-running", "attached")),
    _volume("vol-2", "in-use", ("i-terminating", "attached")),
    _volume("vol-3", "in-use", ("i-running", "detaching")),
    _volume("vol-5", "deleting"),
    _volume("vol-6", "creating"),
    _volume("vol-7", "error"),
]


def test_report_mode_deletes_available_volumes_and_reports_attached_ones():
    plan = plan_volumes(VOLUMES, {"i-terminating"}, "report")
    assert plan == {
        "delete": ["vol-4", "vol-7"],
        "wait": [],
        "report": [
            {"volume_id": "vol-1", "state": "in-use", "instance_ids": ["i-running"]},
            {"volume_id": "vol-2", "state": "in-use", "instance_ids": ["i-terminating"]},
            {"volume_id": "vol-3", "state": "in-use", "instance_ids": ["i-running"]},
            {"volume_id": "vol-6", "state": "creating", "instance_ids": []},
        ],
    }


def test_wait_mode_waits_only_for_volumes_being_released():
    plan = plan_volumes(VOLUMES, {"i-terminating"}, "wait")
    # vol-2: its instance is going; vol-3: detaching; vol-1 stays on a running node; vol-6 has no instance
    assert plan == {
        "delete": ["vol-4", "vol-7"],
        "wait": ["vol-2", "vol-3"],
        "report": [
            {"volume_id": "vol-1", "state": "in-use", "instance_ids": ["i-running"]},
            {"volume_id": "vol-6", "state": "creating", "instance_ids": []},
        ],
    }


def test_a_multi_attached_volume_is_waited_for_only_when_every_instance_goes():
    volume = _volume("vol-m", "in-use", ("i-terminating", "attached"), ("i-running", "attached"))
    assert plan_volumes([volume], {"i-terminating"}, "wait")["wait"] == []
    assert plan_volumes([volume], {"i-terminating", "i-running"}, "wait")["wait"] == ["vol-m"]


# --- security group rules and network interfaces --------------------------------------------------------------


def _rule(rule_id, group, referenced=None, egress=False, cidr=None):
    rule = {"SecurityGroupRuleId": rule_id, "GroupId": group, "IsEgress": egress, "IpProtocol": "tcp"}
    if referenced:
        rule["ReferencedGroupInfo"] = {"GroupId": referenced, "UserId": "123456789012"}
    if cidr:
        rule["CidrIpv4"] = cidr
    return rule


def test_rules_referencing_a_doomed_group_are_revoked_but_not_self_references():
    rules = [
        # the node (cluster) security group allows the controller's backend group: revoke
        _rule("sgr-node-in", "sg-node", referenced="sg-backend"),
        # an egress rule of another group to the managed load balancer group: revoke
        _rule("sgr-other-out", "sg-other", referenced="sg-managed", egress=True),
        # the backend group's own self reference: goes with the group
        _rule("sgr-self", "sg-backend", referenced="sg-backend"),
        # one doomed group referencing another: revoke, or the other cannot be deleted first
        _rule("sgr-cross", "sg-managed", referenced="sg-backend", egress=True),
        # rules that reference nothing doomed
        _rule("sgr-cidr", "sg-node", cidr="10.0.0.0/16"),
        _rule("sgr-keep", "sg-node", referenced="sg-node"),
        _rule("sgr-elsewhere", "sg-node", referenced="sg-rds"),
    ]
    assert rules_to_revoke(rules, ["sg-backend", "sg-managed"]) == [
        {"group_id": "sg-managed", "rule_id": "sgr-cross", "egress": True, "referenced_group_id": "sg-backend"},
        {"group_id": "sg-node", "rule_id": "sgr-node-in", "egress": False, "referenced_group_id": "sg-backend"},
        {"group_id": "sg-other", "rule_id": "sgr-other-out", "egress": True, "referenced_group_id": "sg-managed"},
    ]
    assert rules_to_revoke(rules, []) == []


def test_groups_held_by_an_instance_interface_not_by_a_load_balancer_one():
    interfaces = [
        # a node's interface carries the in-tree controller's group (and the cluster group)
        {"NetworkInterfaceId": "eni-1", "Attachment": {"InstanceId": "i-1"},
         "Groups": [{"GroupId": "sg-elb"}, {"GroupId": "sg-cluster"}]},
        {"NetworkInterfaceId": "eni-2", "Attachment": {"InstanceId": "i-2"}, "Groups": [{"GroupId": "sg-elb"}]},
        # a load balancer's interface (no instance): goes with the load balancer
        {"NetworkInterfaceId": "eni-3", "Attachment": {"InstanceOwnerId": "amazon-elb"},
         "Groups": [{"GroupId": "sg-managed"}]},
        # an unattached interface
        {"NetworkInterfaceId": "eni-4", "Groups": [{"GroupId": "sg-backend"}]},
    ]  # fmt: skip
    assert held_by_instances(interfaces, ["sg-elb", "sg-managed", "sg-backend"]) == {"sg-elb": ["i-1", "i-2"]}


# --- options and batching ---------------------------------------------------------------------------------------


def test_validate_names_the_option():
    ok = {"cluster_name": C, "kinds": ["volumes"], "volumes_in_use": "wait", "wait": True}
    assert validate(ok) == []
    assert validate({**ok, "cluster_name": ""}) == [
        "cluster_name must be an EKS cluster name (1-100 letters, digits, - and _, starting with a letter or digit)"
    ]
    assert validate({**ok, "cluster_name": "-x"})[0].startswith("cluster_name")
    assert validate({**ok, "cluster_name": "a" * 101})[0].startswith("cluster_name")
    assert validate({**ok, "kinds": []}) == [
        "kinds must list at least one of load_balancers, target_groups, security_groups, volumes"
    ]
    assert validate({**ok, "wait": False}) == ["volumes_in_use=wait needs wait=true"]
    assert validate({**ok, "wait": False, "volumes_in_use": "report"}) == []


def test_describe_tags_batches_of_twenty():
    names = [f"lb-{i}" for i in range(41)]
    assert [len(b) for b in batches(names)] == [20, 20, 1]
    assert batches([]) == []
