"""The EKS upgrade path (issue 9, points 10 and 12) on a backend of its own, with the smallest compute layer that
shows it: the cluster, one node group, three add-ons (vpc-cni before the nodes; kube-proxy and coredns pinned per
Kubernetes minor version with ``versions``, coredns after the nodes). No access entry, no pod identity, no node rule.
The foundation's prerequisites (the VPC and private subnets by Name tag, the KMS alias) are made with boto3 (cheaper
than playbooks/foundation.yml).

1. the layer built at 1.33 (playbooks/compute.yml);
2. check mode of the node groups with platform_eks_version raised to 1.34: the node group's upgrade is planned
   (changed), nothing fails although the cluster still runs 1.33, nothing is written;
3. site.yml --tags compute at 1.34: the mutating calls are exactly UpdateClusterVersion, then the add-on updates
   (kube-proxy, and coredns of the after_nodes phase), then UpdateNodegroupVersion - read from the emulator's request
   log - and boto3 reads 1.34 everywhere;
4. the same again: changed=0, no mutating call;
5. a full site.yml run at 1.36 (a jump of two minor versions): fails in the first play, the message names
   platform_eks_version with 1.34 and 1.36, and the run made no mutating call at all.

The versions are the emulator catalog's (local_backend/aws/eks/catalog.py) for 1.33 and 1.34; the 1.36 pins of the
jump run are never sent (the run stops before any add-on call)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml

from .conftest import Backend, Run, _start_backend, _stop_backend, assert_ok, mutating, run_playbook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("eks_upgrade")]

NAME = "wealist-local"  # platform_name of inventories/local
CLUSTER = f"{NAME}-eks"
NODEGROUP = f"{NAME}-system"
AZS = ("ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c")  # platform_azs of inventories/local
OVERLAY = {
    "platform_eks_version": "1.33",
    "platform_eks_access": [],
    "platform_eks_pod_identities": [],
    "platform_eks_node_security_group_rules": [],
    "platform_scaling_schedules": [],
    "platform_eks_nodegroups": [{"suffix": "system", "min_size": 1, "max_size": 2}],
    "platform_eks_addons": [
        {"name": "vpc-cni", "version": "v1.21.1-eksbuild.1"},
        {"name": "kube-proxy", "versions": {"1.33": "v1.33.5-eksbuild.2", "1.34": "v1.34.1-eksbuild.2"}},
        {"name": "coredns", "versions": {"1.33": "v1.12.2-eksbuild.4", "1.34": "v1.12.4-eksbuild.1"}},
    ],
}
JUMP = {
    "platform_eks_version": "1.36",
    "platform_eks_addons": [
        {"name": "vpc-cni", "version": "v1.21.1-eksbuild.1"},
        {"name": "kube-proxy", "versions": {"1.34": "v1.34.1-eksbuild.2", "1.36": "v1.36.0-eksbuild.1"}},
        {"name": "coredns", "versions": {"1.34": "v1.12.4-eksbuild.1", "1.36": "v1.13.0-eksbuild.1"}},
    ],
}
HOSTS = {"all": {"children": {"aws_account": {"hosts": {"local-controller": {
    "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}}}  # fmt: skip


@dataclass
class Upgrade:
    backend: Backend
    check: Run
    check_mutations: list
    upgrade: Run
    upgrade_requests: list
    again: Run
    again_mutations: list
    jump: Run
    jump_mutations: list


def _prerequisites(backend: Backend) -> None:
    """What aws_eks and aws_eks_nodegroups look up by name: the VPC, its private subnets, the KMS alias."""
    ec2, kms = backend.client("ec2"), backend.client("kms")
    vpc = ec2.create_vpc(
        CidrBlock="10.0.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": f"{NAME}-vpc"}]}],
    )["Vpc"]["VpcId"]
    for index, zone in enumerate(AZS):
        ec2.create_subnet(
            VpcId=vpc,
            CidrBlock=f"10.0.{index + 1}.0/24",
            AvailabilityZone=zone,
            TagSpecifications=[
                {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": f"{NAME}-private-{zone}"}]}
            ],
        )
    kms.create_alias(AliasName=f"alias/{NAME}", TargetKeyId=kms.create_key()["KeyMetadata"]["KeyId"])


@pytest.fixture(scope="module")
def upgrade(tmp_path_factory) -> Iterator[Upgrade]:
    tmp = tmp_path_factory.mktemp("eks-upgrade")
    overlay = tmp / "overlay"
    (overlay / "group_vars" / "all").mkdir(parents=True)
    (overlay / "hosts.yml").write_text(yaml.safe_dump(HOSTS))
    (overlay / "group_vars" / "all" / "upgrade.yml").write_text(yaml.safe_dump(OVERLAY))
    (tmp / "jump.yml").write_text(yaml.safe_dump(JUMP))
    inventories = ("inventories/local", str(overlay))
    raised = ("-e", "platform_eks_version=1.34")
    backend = _start_backend(tmp / "backend", postgres=False)
    try:
        _prerequisites(backend)
        assert_ok(run_playbook(backend, playbook="playbooks/compute.yml", inventories=inventories))

        backend.clear_requests()
        check = run_playbook(
            backend, *raised, "--tags", "nodegroups", "--check", "--diff",
            playbook="playbooks/compute.yml", inventories=inventories,
        )  # fmt: skip
        check_mutations = backend.mutating_requests()

        backend.clear_requests()
        upgraded = run_playbook(backend, *raised, "--tags", "compute", inventories=inventories)
        upgrade_requests = backend.requests()

        backend.clear_requests()
        again = run_playbook(backend, *raised, playbook="playbooks/compute.yml", inventories=inventories)
        again_mutations = backend.mutating_requests()

        backend.clear_requests()
        jump = run_playbook(backend, "-e", f"@{tmp / 'jump.yml'}", inventories=inventories)  # the whole site.yml
        jump_mutations = backend.mutating_requests()
        yield Upgrade(backend, check, check_mutations, upgraded, upgrade_requests, again, again_mutations, jump,
                      jump_mutations)  # fmt: skip
    finally:
        _stop_backend(backend)


def test_check_mode_plans_the_node_group_upgrade_before_the_cluster_is_upgraded(upgrade: Upgrade):
    assert_ok(upgrade.check)
    assert upgrade.check.changed >= 1
    text = upgrade.check.text()
    assert "EKS cluster wealist-local-eks runs Kubernetes 1.33: planning for 1.34 (cluster_version)" in text
    # the node group's diff (--diff): its version before and after
    assert re.search(r"^-\s+\"?version\"?: [\"']?1\.33", upgrade.check.output, re.M), upgrade.check.output[-3000:]
    assert re.search(r"^\+\s+\"?version\"?: [\"']?1\.34", upgrade.check.output, re.M)
    assert upgrade.check_mutations == []


def test_one_minor_up_upgrades_the_cluster_then_the_add_ons_then_the_node_groups(upgrade: Upgrade):
    assert_ok(upgrade.upgrade)
    # every write of the run, in order: nothing else (no IAM, EC2, Auto Scaling or tag call)
    assert [(r["service"], r["operation"], r["path"]) for r in mutating(upgrade.upgrade_requests)] == [
        ("eks", "UpdateClusterVersion", f"/clusters/{CLUSTER}/updates"),
        ("eks", "UpdateAddon", f"/clusters/{CLUSTER}/addons/kube-proxy/update"),
        ("eks", "UpdateAddon", f"/clusters/{CLUSTER}/addons/coredns/update"),  # after_nodes, exists: before the nodes
        ("eks", "UpdateNodegroupVersion", f"/clusters/{CLUSTER}/node-groups/{NODEGROUP}/update-version"),
    ]
    requests = [r for r in upgrade.upgrade_requests if r["service"] == "eks"]
    operations = [r["operation"] for r in requests]
    cluster_at, first_addon, nodegroup_at = (
        operations.index("UpdateClusterVersion"), operations.index("UpdateAddon"),
        operations.index("UpdateNodegroupVersion"),
    )  # fmt: skip
    assert "DescribeCluster" in operations[cluster_at:first_addon]  # the cluster waited ACTIVE before the add-ons
    assert "DescribeUpdate" in operations[first_addon:nodegroup_at]  # the add-on updates waited for
    assert "DescribeUpdate" in operations[nodegroup_at:]  # the node group's version update waited for

    eks = upgrade.backend.client("eks")
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["version"] == "1.34"
    assert eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName=NODEGROUP)["nodegroup"]["version"] == "1.34"
    versions = {a: eks.describe_addon(clusterName=CLUSTER, addonName=a)["addon"]["addonVersion"]
                for a in ("vpc-cni", "kube-proxy", "coredns")}  # fmt: skip
    assert versions == {"vpc-cni": "v1.21.1-eksbuild.1", "kube-proxy": "v1.34.1-eksbuild.2",
                        "coredns": "v1.12.4-eksbuild.1"}  # fmt: skip


def test_the_run_after_the_upgrade_changes_nothing(upgrade: Upgrade):
    assert_ok(upgrade.again, changed=0)
    assert upgrade.again_mutations == []


def test_a_two_minor_jump_fails_before_any_mutating_call(upgrade: Upgrade):
    assert upgrade.jump.rc != 0
    text = upgrade.jump.text()
    assert (
        "platform_eks_version: EKS cluster wealist-local-eks runs Kubernetes 1.34, and 1.36 is more than one minor "
        "version above it" in text
    ), text[-3000:]
    assert upgrade.jump_mutations == []
    assert upgrade.backend.client("eks").describe_cluster(name=CLUSTER)["cluster"]["version"] == "1.34"
