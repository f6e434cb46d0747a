"""Unit tests of the EKS add-on list entries (module_utils/eks_addon_inputs.py): the two phases (add-ons whose pods
need nodes only after the node groups), what the eks_addons module is sent per phase, the pod identity role of an
add-on (made like a platform_eks_pod_identities entry's), and the problems named ``platform_eks_addons[i].<field>``.

Versions and configuration values are the reference inventory's §1.2 EKS add-ons (vpc-cni v1.21.1-eksbuild.1 with
POD_SECURITY_GROUP_ENFORCING_MODE=standard, ENABLE_PREFIX_DELEGATION=true, WARM_PREFIX_TARGET=1; coredns
v1.12.4-eksbuild.1; kube-proxy v1.34.1-eksbuild.2; aws-ebs-csi-driver v1.54.0-eksbuild.1; eks-pod-identity-agent
v1.3.10-eksbuild.2); the EBS CSI driver's managed policy ARN is AWS's (arn:aws:iam::aws:policy/service-role/
AmazonEBSCSIDriverPolicy)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.filter.eks_addons import FilterModule  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_addon_inputs import (  # noqa: E402
    addon_problems,
    addon_specs,
    addon_teardown,
    addons_need,
    phase_addons,
    phase_roles,
    phases,
)

NODE_DEPENDENT = ["coredns", "aws-ebs-csi-driver"]
CONTEXT = {
    "node_dependent": NODE_DEPENDENT,
    "platform_name": "shop-prod",
    "region": "eu-west-1",
    "secret_prefix": "shop/prod",
    "cluster_name": "shop-prod-eks",
    "buckets": [{"suffix": "backups"}],
}
RUN = {
    **CONTEXT,
    "resolve_conflicts": "OVERWRITE",
    "partition": "aws",
    "account_id": "111122223333",
    "kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "tags": {"Project": "shop", "Layer": "compute"},
}
VPC_CNI = {
    "name": "vpc-cni",
    "version": "v1.21.1-eksbuild.1",
    "configuration_values": {
        "env": {
            "POD_SECURITY_GROUP_ENFORCING_MODE": "standard",
            "ENABLE_PREFIX_DELEGATION": "true",
            "WARM_PREFIX_TARGET": "1",
        },
    },
}
COREDNS = {"name": "coredns", "version": "v1.12.4-eksbuild.1"}
KUBE_PROXY = {"name": "kube-proxy", "version": "v1.34.1-eksbuild.2"}
AGENT = {"name": "eks-pod-identity-agent", "version": "v1.3.10-eksbuild.2"}
EBS = {
    "name": "aws-ebs-csi-driver",
    "version": "v1.54.0-eksbuild.1",
    "pod_identity": {"service_account": "ebs-csi-controller-sa", "managed_policies": ["AmazonEBSCSIDriverPolicy"]},
}
ALL = [VPC_CNI, COREDNS, KUBE_PROXY, AGENT, EBS]


def test_the_reference_add_ons_are_valid():
    assert addon_problems(ALL, CONTEXT) == []
    assert addon_problems([], CONTEXT) == []
    assert addon_problems(None, CONTEXT) == []


def test_add_ons_that_need_nodes_are_in_the_after_nodes_phase():
    specs = addon_specs(ALL, RUN)
    assert [a["name"] for a in phase_addons(specs, "before_nodes")] == [
        "vpc-cni",
        "kube-proxy",
        "eks-pod-identity-agent",
    ]
    assert [a["name"] for a in phase_addons(specs, "after_nodes")] == ["coredns", "aws-ebs-csi-driver"]
    late = {**KUBE_PROXY, "name": "metrics-server", "version": "v0.8.0-eksbuild.2", "after_nodes": True}
    assert [s["phase"] for s in addon_specs([late], RUN)] == ["after_nodes"]
    assert phases("all") == ["before_nodes", "after_nodes"]
    assert phases("after_nodes") == ["after_nodes"]


def test_module_entries_are_the_inventory_exactly():
    specs = addon_specs([VPC_CNI, KUBE_PROXY], RUN)
    assert phase_addons(specs, "before_nodes") == [
        {
            "name": "vpc-cni",
            "version": "v1.21.1-eksbuild.1",
            "configuration_values": {
                "env": {
                    "POD_SECURITY_GROUP_ENFORCING_MODE": "standard",
                    "ENABLE_PREFIX_DELEGATION": "true",
                    "WARM_PREFIX_TARGET": "1",
                }
            },
            "resolve_conflicts": "OVERWRITE",
            "tags": {"Name": "vpc-cni"},
            "pod_identity_associations": [],
        },
        {
            # no configuration values, no association: converged to none
            "name": "kube-proxy",
            "version": "v1.34.1-eksbuild.2",
            "configuration_values": {},
            "resolve_conflicts": "OVERWRITE",
            "tags": {"Name": "kube-proxy"},
            "pod_identity_associations": [],
        },
    ]


def test_entry_resolve_conflicts_tags_and_irsa():
    entry = {
        **KUBE_PROXY,
        "resolve_conflicts": "PRESERVE",
        "tags": {"Team": "platform"},
        "service_account_role_arn": "arn:{partition}:iam::{account_id}:role/kube-proxy-irsa",
    }
    [spec] = addon_specs([entry], {**RUN, "resolve_conflicts": "NONE"})
    assert spec["addon"]["resolve_conflicts"] == "PRESERVE"
    assert spec["addon"]["tags"] == {"Name": "kube-proxy", "Team": "platform"}
    assert spec["addon"]["service_account_role_arn"] == "arn:aws:iam::111122223333:role/kube-proxy-irsa"
    [default] = addon_specs([KUBE_PROXY], {**RUN, "resolve_conflicts": "NONE"})
    assert default["addon"]["resolve_conflicts"] == "NONE"


def test_pod_identity_of_an_add_on_is_a_role_the_add_on_associates():
    [spec] = addon_specs([EBS], RUN)
    role = spec["role"]
    assert role["name"] == "shop-prod-aws-ebs-csi-driver-pod-identity"
    assert role["arn"] == "arn:aws:iam::111122223333:role/pod-identity/shop-prod-aws-ebs-csi-driver-pod-identity"
    assert role["path"] == "/pod-identity/"
    assert role["trust_policy"]["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert role["trust_policy"]["Statement"][0]["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    assert role["managed_policies"] == ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]
    assert role["policy"] is None
    assert role["tags"] == {
        "Project": "shop",
        "Layer": "compute",
        "Name": "shop-prod-aws-ebs-csi-driver-pod-identity",
        "ClusterName": "shop-prod-eks",
        "Addon": "aws-ebs-csi-driver",
        "ServiceAccount": "ebs-csi-controller-sa",
    }
    assert spec["addon"]["pod_identity_associations"] == [
        {"service_account": "ebs-csi-controller-sa", "role_arn": role["arn"]}
    ]
    specs = addon_specs(ALL, RUN)
    assert [r["name"] for r in phase_roles(specs, ["after_nodes"])] == ["shop-prod-aws-ebs-csi-driver-pod-identity"]
    assert phase_roles(specs, ["before_nodes"]) == []


def test_pod_identity_statements_use_the_placeholders():
    entry = {
        **EBS,
        "pod_identity": {
            "service_account": "ebs-csi-controller-sa",
            "statements": [{"actions": ["kms:CreateGrant"], "resources": ["kms_key"]}],
        },
    }
    [spec] = addon_specs([entry], RUN)
    assert spec["role"]["policy"]["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["kms:CreateGrant"],
            "Resource": ["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
        }
    ]
    assert addons_need([entry], "kms_key", ["after_nodes"], NODE_DEPENDENT) is True
    assert addons_need([entry], "kms_key", ["before_nodes"], NODE_DEPENDENT) is False
    assert addons_need(ALL, "kms_key", None, NODE_DEPENDENT) is False


def test_teardown_by_name_for_the_selected_phases():
    assert addon_teardown(ALL, "shop-prod", ["before_nodes", "after_nodes"], NODE_DEPENDENT) == {
        "addons": [
            {"name": n, "state": "absent"}
            for n in ("vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent", "aws-ebs-csi-driver")
        ],
        "roles": ["shop-prod-aws-ebs-csi-driver-pod-identity"],
        "after_nodes": ["coredns", "aws-ebs-csi-driver"],
    }
    assert addon_teardown(ALL, "shop-prod", ["before_nodes"], NODE_DEPENDENT) == {
        "addons": [{"name": n, "state": "absent"} for n in ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")],
        "roles": [],
        "after_nodes": [],
    }


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({**COREDNS, "version": "1.12.4"}, "platform_eks_addons[1].version: '1.12.4' is not an EKS add-on version"),
        ({**COREDNS, "version": "v1.12.4-eksbuild"}, "platform_eks_addons[1].version: 'v1.12.4-eksbuild' is not"),
        ({**COREDNS, "version": "v1.12-eksbuild.1"}, "platform_eks_addons[1].version: 'v1.12-eksbuild.1' is not"),
        ({"name": "coredns"}, "platform_eks_addons[1].version: missing - pin the version"),
        (
            {**COREDNS, "configuration_values": "{}"},
            "platform_eks_addons[1].configuration_values: must be a dict (sent to EKS as a JSON object), got str",
        ),
        (
            {**COREDNS, "configuration_values": {"env": {"WARM_PREFIX_TARGET": 1}}},
            "platform_eks_addons[1].configuration_values.env.WARM_PREFIX_TARGET: 1 is not a string",
        ),
        ({**COREDNS, "configuration_values": {"env": {"ENABLE_PREFIX_DELEGATION": True}}}, 'quote it ("true")'),
        ({**COREDNS, "resolve_conflict": "OVERWRITE"}, "platform_eks_addons[1].resolve_conflict: unknown field"),
        (
            {**COREDNS, "resolve_conflicts": "overwrite"},
            "platform_eks_addons[1].resolve_conflicts: must be one of OVERWRITE, NONE, PRESERVE",
        ),
        ({**COREDNS, "after_nodes": False}, "platform_eks_addons[1].after_nodes: coredns runs pods on the nodes"),
        ({**COREDNS, "after_nodes": "yes"}, "platform_eks_addons[1].after_nodes: must be true or false"),
        ({**COREDNS, "name": "CoreDNS"}, "platform_eks_addons[1].name: 'CoreDNS' is not an EKS add-on name"),
        ({**COREDNS, "tags": ["a"]}, "platform_eks_addons[1].tags: must be a dict"),
        (
            {**COREDNS, "service_account_role_arn": "role/x"},
            "platform_eks_addons[1].service_account_role_arn: 'role/x' is not an IAM role ARN",
        ),
        (
            {**EBS, "service_account_role_arn": "arn:aws:iam::111122223333:role/x"},
            "platform_eks_addons[1].pod_identity: give service_account_role_arn (IRSA) or pod_identity, not both",
        ),
        (
            {**EBS, "pod_identity": {"service_account": "Ebs", "managed_policies": ["AmazonEBSCSIDriverPolicy"]}},
            "platform_eks_addons[1].pod_identity.service_account: 'Ebs' is not a Kubernetes service account name",
        ),
        (
            {**EBS, "pod_identity": {"service_account": "sa", "managed_policy": [], "managed_policies": ["X"]}},
            "platform_eks_addons[1].pod_identity.managed_policy: unknown field",
        ),
        (
            {**EBS, "pod_identity": {"service_account": "sa"}},
            "platform_eks_addons[1].pod_identity: gives neither managed_policies nor statements",
        ),
        (
            {
                **EBS,
                "pod_identity": {
                    "service_account": "sa",
                    "statements": [{"actions": ["secretsmanager:GetSecretValue"], "resources": ["*"]}],
                },
            },
            "platform_eks_addons[1].pod_identity.statements[0].resources[0]: '*' is refused for "
            "secretsmanager:GetSecretValue",
        ),
    ],
)
def test_problems_name_the_entry_and_field(entry, problem):
    problems = addon_problems([VPC_CNI, entry, AGENT], CONTEXT)
    assert len(problems) == 1 and problem in problems[0], problems


def test_duplicates_and_the_pod_identity_agent():
    problems = addon_problems([VPC_CNI, {**VPC_CNI}], CONTEXT)
    assert problems == ["platform_eks_addons[1].name: add-on vpc-cni is already listed as platform_eks_addons[0]"]
    problems = addon_problems([VPC_CNI, EBS], CONTEXT, "aws_eks_addons_entries")
    assert problems == [
        "aws_eks_addons_entries[1].pod_identity: needs the eks-pod-identity-agent add-on, which "
        "aws_eks_addons_entries does not list (its pods get the role's credentials through the agent)"
    ]
    assert addon_problems({"vpc-cni": {}}, CONTEXT) == [
        "platform_eks_addons: must be a list of add-on entries (empty list = none)"
    ]
    assert addon_problems(["vpc-cni"], CONTEXT) == ["platform_eks_addons[0]: each entry must be a dict (got str)"]


def test_types_are_named_plainly_when_ansible_tags_the_values():
    # Ansible 2.19+ hands filters _AnsibleTaggedStr / _AnsibleTaggedList ...: the message says str, list
    from ansible._internal._datatag._tags import Origin

    def tagged(value):
        return Origin(path="/inventory/group_vars/all/main.yml").tag(value)

    assert type(tagged("{}")).__name__ != "str"  # the premise: a subclass whose own name means nothing to the user
    entry = {**COREDNS, "configuration_values": tagged('{"replicaCount": 3}')}
    assert addon_problems([VPC_CNI, entry], CONTEXT)[-1] == (
        "platform_eks_addons[1].configuration_values: must be a dict (sent to EKS as a JSON object), got str"
    )
    entry = {**COREDNS, "configuration_values": tagged(["replicaCount"])}
    assert addon_problems([VPC_CNI, entry], CONTEXT)[-1].endswith("got list")
    assert addon_problems([tagged("vpc-cni")], CONTEXT) == [
        "platform_eks_addons[0]: each entry must be a dict (got str)"
    ]


def test_the_add_on_role_name_must_fit_iam():
    entry = {**EBS, "name": "a" * 40}  # shop-prod- + 40 + -pod-identity = 63: fits
    assert addon_problems([entry, AGENT], CONTEXT) == []
    entry = {**EBS, "name": "a" * 42}
    [problem] = addon_problems([entry, AGENT], CONTEXT)
    assert problem.startswith("platform_eks_addons[0].pod_identity: gives the role name 'shop-prod-aaaa")


def test_filters_are_registered():
    filters = FilterModule().filters()
    assert set(filters) == {
        "eks_addons_problems",
        "eks_addon_specs",
        "eks_addons_phase",
        "eks_addon_pins",
        "eks_addon_roles",
        "eks_addon_phases",
        "eks_addons_need",
        "eks_addon_teardown",
    }
    specs = filters["eks_addon_specs"](ALL, RUN)
    assert [a["name"] for a in filters["eks_addons_phase"](specs, "after_nodes")] == ["coredns", "aws-ebs-csi-driver"]
    assert filters["eks_addons_problems"](ALL, CONTEXT) == []
