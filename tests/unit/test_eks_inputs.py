"""The inputs of the aws_eks and aws_eks_access roles (plugins/module_utils/eks_inputs.py and the filters of
plugins/filter/eks_cluster_inputs.py). Expected values are written from the EKS and EC2 API references
(CreateCluster's resourcesVpcConfig / logging / accessConfig, AuthorizeSecurityGroupIngress, CreateAccessEntry,
AssociateAccessPolicy's accessScope), the reference inventory's §1.2 (node security group rules, access levels)
and the Kubernetes DNS-1123 label rule - not copied from the functions' output."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.filter.eks_cluster_inputs import (  # noqa: E402
    FilterModule,
    eks_access_problems,
    eks_cluster_problems,
    eks_log_types,
    eks_node_rule_problems,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_inputs import (  # noqa: E402
    access_entries,
    access_problems,
    access_specs,
    cluster_problems,
    effective_public_cidrs,
    node_rule_problems,
    role_arn,
    security_group_rules,
    version_problems,
)

VALID = {
    "cluster_name": "shop-prod-eks",
    "cluster_role_name": "shop-prod-eks-cluster-role",
    "version": "1.34",
    "endpoint_public_access": True,
    "endpoint_private_access": True,
    "public_access_cidrs": ["203.0.113.0/24"],
    "public_endpoint_open_to_world": False,
    "logging": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    "authentication_mode": "API_AND_CONFIG_MAP",
}

# The reference inventory §1.2 extra node rules.
ISTIO_RULES = [
    {"description": "Istio traffic redirect", "direction": "ingress", "protocol": "tcp", "from_port": 15001,
     "to_port": 15006, "peer": "cluster"},
    {"description": "Istio traffic redirect", "direction": "egress", "protocol": "tcp", "from_port": 15001,
     "to_port": 15006, "peer": "cluster"},
    {"description": "Istio XDS to istiod", "direction": "ingress", "protocol": "tcp", "from_port": 15012,
     "to_port": 15012, "peer": "cluster"},
    {"description": "Istio XDS to istiod", "direction": "egress", "protocol": "tcp", "from_port": 15012,
     "to_port": 15012, "peer": "cluster"},
    {"description": "Istio sidecar injector webhook", "direction": "ingress", "protocol": "tcp", "from_port": 15017,
     "to_port": 15017, "peer": "cluster"},
    {"description": "Istio metrics and readiness", "direction": "ingress", "protocol": "tcp", "from_port": 15020,
     "to_port": 15021, "peer": "cluster"},
    {"description": "DNS TCP", "direction": "ingress", "protocol": "tcp", "from_port": 53, "to_port": 53,
     "peer": "cluster"},
    {"description": "DNS UDP", "direction": "ingress", "protocol": "udp", "from_port": 53, "to_port": 53,
     "peer": "cluster"},
    {"description": "HTTP node to node (nginx, frontend)", "direction": "ingress", "protocol": "tcp", "from_port": 80,
     "to_port": 80, "peer": "self"},
]

ACCESS = [
    {"suffix": "admin", "policy": "AmazonEKSClusterAdminPolicy"},
    {"suffix": "developer", "policy": "AmazonEKSEditPolicy", "namespaces": ["shop-prod", "argocd"]},
    {"suffix": "readonly", "policy": "AmazonEKSViewPolicy"},
]


# --- the cluster settings ----------------------------------------------------------------------------------
def test_valid_settings_have_no_problem():
    assert cluster_problems(VALID) == []
    assert cluster_problems({**VALID, "node_security_group_rules": ISTIO_RULES}) == []
    assert eks_cluster_problems(VALID) == []


@pytest.mark.parametrize("version", ["1.34", "1.30", "1.100", "", None])
def test_version_accepted(version):
    assert version_problems(version, "v") == []


@pytest.mark.parametrize(
    "version, expected",
    [
        (1.3, "v: 1.3 looks like an unquoted YAML number (1.30 reads as 1.3): quote it, e.g. \"1.30\""),
        ("1.3", "v: '1.3' looks like an unquoted YAML number (1.30 reads as 1.3): quote it, e.g. \"1.30\""),
        ("v1.34", "v: 'v1.34' is not a Kubernetes version \"<major>.<minor>\", e.g. \"1.34\" (quote it)"),
        ("1.34.2", "v: '1.34.2' is not a Kubernetes version \"<major>.<minor>\", e.g. \"1.34\" (quote it)"),
        (True, "v: must be a Kubernetes version \"<major>.<minor>\" (a quoted string), got True"),
    ],
)
def test_version_refused(version, expected):
    assert version_problems(version, "v") == [expected]


def test_version_problem_names_the_role_and_inventory_variable():
    assert cluster_problems({**VALID, "version": 1.3}) == [
        "aws_eks_version (from platform_eks_version): 1.3 looks like an unquoted YAML number (1.30 reads as 1.3): "
        "quote it, e.g. \"1.30\""
    ]


def test_public_endpoint_open_to_world_needs_the_switch():
    problems = cluster_problems({**VALID, "public_access_cidrs": ["10.0.0.0/8", "0.0.0.0/0"]})
    assert problems == [
        "aws_eks_public_access_cidrs (from platform_eks_public_access_cidrs) contains 0.0.0.0/0: the cluster's "
        "public API endpoint would be reachable from the whole internet. List the CIDR blocks that need it, or set "
        "aws_eks_public_endpoint_open_to_world (from platform_eks_public_endpoint_open_to_world) to true to accept "
        "that"
    ]
    switched = {**VALID, "public_access_cidrs": ["0.0.0.0/0"], "public_endpoint_open_to_world": True}
    assert cluster_problems(switched) == []
    # the switch given as the string an inventory may hold
    assert cluster_problems({**switched, "public_endpoint_open_to_world": "true"}) == []


def test_empty_cidrs_mean_the_eks_default_world():
    # CreateCluster without publicAccessCidrs opens the public endpoint to 0.0.0.0/0
    problems = cluster_problems({**VALID, "public_access_cidrs": []})
    assert len(problems) == 1
    assert problems[0].startswith(
        "aws_eks_public_access_cidrs (from platform_eks_public_access_cidrs) is empty (EKS then opens it to "
        "0.0.0.0/0): the cluster's public API endpoint would be reachable from the whole internet."
    )
    assert effective_public_cidrs({**VALID, "public_access_cidrs": []}) == ["0.0.0.0/0"]
    assert effective_public_cidrs(VALID) == ["203.0.113.0/24"]


def test_private_only_endpoint():
    private = {**VALID, "endpoint_public_access": False, "public_access_cidrs": []}
    assert cluster_problems(private) == []
    assert effective_public_cidrs(private) == []
    assert cluster_problems({**private, "public_access_cidrs": ["203.0.113.0/24"]}) == [
        "aws_eks_public_access_cidrs (from platform_eks_public_access_cidrs): must be empty when "
        "aws_eks_endpoint_public_access (from platform_eks_endpoint_public_access) is false (the CIDRs restrict the "
        "public endpoint)"
    ]
    assert cluster_problems({**private, "endpoint_private_access": False}) == [
        "aws_eks_endpoint_public_access (from platform_eks_endpoint_public_access) and "
        "aws_eks_endpoint_private_access (from platform_eks_endpoint_private_access) are both false: the API "
        "server endpoint must be public, private or both"
    ]


def test_bad_cidrs():
    problems = cluster_problems({**VALID, "public_access_cidrs": ["203.0.113.0/24", "203.0.113.1/24", "nope",
                                                                  "203.0.113.0/24", "2001:db8::/32"]})
    label = "aws_eks_public_access_cidrs (from platform_eks_public_access_cidrs)"
    assert [p.split(":")[0] for p in problems] == [f"{label}[1]", f"{label}[2]", f"{label}[3]", f"{label}[4]"]
    assert "has host bits set" in problems[0]
    assert problems[2] == f"{label}[3]: '203.0.113.0/24' is listed twice"
    assert "is not an IPv4 CIDR block (the EKS public endpoint takes IPv4 CIDRs)" in problems[3]


def test_logging_types():
    assert cluster_problems({**VALID, "logging": []}) == []
    assert cluster_problems({**VALID, "logging": ["api", "Audit", "api"]}) == [
        "aws_eks_logging (from platform_eks_logging)[1]: 'Audit' is not a control-plane log type (api, audit, "
        "authenticator, controllerManager, scheduler)",
        "aws_eks_logging (from platform_eks_logging)[2]: 'api' is listed twice",
    ]
    assert eks_log_types(["scheduler", "api"]) == ["api", "scheduler"]


def test_authentication_mode():
    for mode in ("API", "API_AND_CONFIG_MAP", "CONFIG_MAP"):
        assert cluster_problems({**VALID, "authentication_mode": mode}) == []
    assert cluster_problems({**VALID, "authentication_mode": "api"}) == [
        "aws_eks_authentication_mode (from platform_eks_authentication_mode): 'api' is not one of CONFIG_MAP, "
        "API_AND_CONFIG_MAP, API (access entries need API_AND_CONFIG_MAP or API)"
    ]


def test_names():
    problems = cluster_problems({**VALID, "cluster_name": "-shop", "cluster_role_name": "x" * 65})
    assert problems[0].startswith("aws_eks_cluster_name (from platform_cluster_name): '-shop' is not an EKS cluster")
    assert problems[1].startswith("aws_eks_cluster_role_name (from platform_name): 'xxxx")
    assert len(problems) == 2


# --- the node security group rules -------------------------------------------------------------------------
def test_reference_rules_are_valid():
    assert node_rule_problems(ISTIO_RULES) == []
    assert eks_node_rule_problems([]) == []


def test_bad_rules():
    label = "platform_eks_node_security_group_rules"
    rules = [
        {"direction": "in", "protocol": "tcp", "from_port": 80, "to_port": 80, "peer": "self"},
        {"direction": "ingress", "protocol": "icmp", "from_port": 80, "to_port": 80, "peer": "self"},
        {"direction": "ingress", "protocol": "tcp", "from_port": 90, "to_port": 80, "peer": "self"},
        {"direction": "ingress", "protocol": "tcp", "from_port": 70000, "to_port": "x", "peer": "self"},
        {"direction": "ingress", "protocol": "all", "from_port": 1, "peer": "everyone"},
        {"direction": "egress", "protocol": "tcp", "from_port": 443, "to_port": 443, "peer": "cidr"},
        {"direction": "egress", "protocol": "tcp", "from_port": 443, "to_port": 443, "peer": "self",
         "cidr": "10.0.0.0/16", "port": 1},
        {"description": "Kubelet é", "direction": "ingress", "protocol": "tcp", "from_port": 1, "to_port": 1,
         "peer": "cluster"},
        "tcp/80",
    ]
    assert node_rule_problems(rules) == [
        f"{label}[0].direction: 'in' must be one of ingress, egress",
        f"{label}[1].protocol: 'icmp' must be one of tcp, udp, all",
        f"{label}[2].to_port: 80 is below from_port 90",
        f"{label}[3].from_port: 70000 must be a port number 0-65535",
        f"{label}[3].to_port: 'x' must be a port number 0-65535",
        f"{label}[4].from_port: protocol all covers every port; leave the ports out",
        f"{label}[4].peer: 'everyone' must be one of cluster, self, cidr (cluster: the cluster security group; "
        "self: the group itself; cidr: the rule's cidr)",
        f"{label}[5].cidr: required with peer cidr (an IPv4 CIDR block)",
        f"{label}[6].port: unknown field (fields: description, direction, protocol, from_port, to_port, peer, cidr)",
        f"{label}[6].cidr: only with peer cidr (peer is self)",
        f"{label}[7].description: 'Kubelet é' must be at most 255 of a-z, A-Z, 0-9, spaces and "
        "._-:/()#,@[]+=&;{}!$* (what EC2 accepts)",
        f"{label}[8]: must be a dict {{description, direction, protocol, from_port, to_port, peer}}",
    ]


def test_duplicate_rule_and_bad_rule_cidr():
    label = "platform_eks_node_security_group_rules"
    rules = [ISTIO_RULES[0], {**ISTIO_RULES[0], "description": "again"},
             {"direction": "ingress", "protocol": "tcp", "from_port": 443, "to_port": 443, "peer": "cidr",
              "cidr": "10.0.0.1/16"}]
    problems = node_rule_problems(rules)
    assert problems[0] == f"{label}[1]: the same rule as {label}[0]"
    assert problems[1].startswith(f"{label}[2].cidr: '10.0.0.1/16' is not an IPv4 CIDR block")
    assert len(problems) == 2


def test_rules_become_ec2_security_group_rules():
    # cluster and self are both the cluster security group the nodes carry
    out = security_group_rules(ISTIO_RULES, "sg-1")
    assert out["rules"] == [
        {"proto": "tcp", "from_port": 15001, "to_port": 15006, "group_id": "sg-1",
         "rule_desc": "Istio traffic redirect"},
        {"proto": "tcp", "from_port": 15012, "to_port": 15012, "group_id": "sg-1", "rule_desc": "Istio XDS to istiod"},
        {"proto": "tcp", "from_port": 15017, "to_port": 15017, "group_id": "sg-1",
         "rule_desc": "Istio sidecar injector webhook"},
        {"proto": "tcp", "from_port": 15020, "to_port": 15021, "group_id": "sg-1",
         "rule_desc": "Istio metrics and readiness"},
        {"proto": "tcp", "from_port": 53, "to_port": 53, "group_id": "sg-1", "rule_desc": "DNS TCP"},
        {"proto": "udp", "from_port": 53, "to_port": 53, "group_id": "sg-1", "rule_desc": "DNS UDP"},
        {"proto": "tcp", "from_port": 80, "to_port": 80, "group_id": "sg-1",
         "rule_desc": "HTTP node to node (nginx, frontend)"},
    ]
    assert out["rules_egress"] == [
        {"proto": "tcp", "from_port": 15001, "to_port": 15006, "group_id": "sg-1",
         "rule_desc": "Istio traffic redirect"},
        {"proto": "tcp", "from_port": 15012, "to_port": 15012, "group_id": "sg-1", "rule_desc": "Istio XDS to istiod"},
    ]


def test_rules_with_a_separate_node_group_cidr_and_all():
    rules = [
        {"direction": "ingress", "protocol": "tcp", "from_port": 80, "to_port": 80, "peer": "self"},
        {"direction": "ingress", "protocol": "tcp", "from_port": 80, "to_port": 80, "peer": "cluster"},
        {"direction": "egress", "protocol": "all", "peer": "cidr", "cidr": "0.0.0.0/0"},
    ]
    out = security_group_rules(rules, "sg-cluster", "sg-node")
    assert out == {
        "rules": [{"proto": "tcp", "from_port": 80, "to_port": 80, "group_id": "sg-node"},
                  {"proto": "tcp", "from_port": 80, "to_port": 80, "group_id": "sg-cluster"}],
        "rules_egress": [{"proto": "all", "cidr_ip": "0.0.0.0/0"}],
    }
    # one group: the two port-80 rules are the same rule, kept once
    assert security_group_rules(rules, "sg-1")["rules"] == [
        {"proto": "tcp", "from_port": 80, "to_port": 80, "group_id": "sg-1"}]


# --- access entries ----------------------------------------------------------------------------------------
def test_reference_access_is_valid():
    assert access_problems(ACCESS, "shop-prod") == []
    assert eks_access_problems(ACCESS, "shop-prod", "platform_eks_access", "/eks-access/", "/") == []
    assert access_problems([], "shop-prod") == []


def test_access_specs_and_module_entries():
    specs = access_specs(ACCESS, "shop-prod")
    assert specs == [
        {"key": "admin", "name": "shop-prod-eks-admin", "policy_name": "assume-eks-admin-role",
         "policy": "AmazonEKSClusterAdminPolicy", "scope": "cluster", "namespaces": [], "kubernetes_groups": None},
        {"key": "developer", "name": "shop-prod-eks-developer", "policy_name": "assume-eks-developer-role",
         "policy": "AmazonEKSEditPolicy", "scope": "namespace", "namespaces": ["shop-prod", "argocd"],
         "kubernetes_groups": None},
        {"key": "readonly", "name": "shop-prod-eks-readonly", "policy_name": "assume-eks-readonly-role",
         "policy": "AmazonEKSViewPolicy", "scope": "cluster", "namespaces": [], "kubernetes_groups": None},
    ]
    caller = "arn:aws:iam::123456789012:user/ops"
    assert access_entries(specs, caller, "123456789012", "/") == [
        {"principal_arn": "arn:aws:iam::123456789012:role/shop-prod-eks-admin", "type": "STANDARD",
         "policies": [{"policy": "AmazonEKSClusterAdminPolicy", "access_scope": {"type": "cluster"}}]},
        {"principal_arn": "arn:aws:iam::123456789012:role/shop-prod-eks-developer", "type": "STANDARD",
         "policies": [{"policy": "AmazonEKSEditPolicy",
                       "access_scope": {"type": "namespace", "namespaces": ["shop-prod", "argocd"]}}]},
        {"principal_arn": "arn:aws:iam::123456789012:role/shop-prod-eks-readonly", "type": "STANDARD",
         "policies": [{"policy": "AmazonEKSViewPolicy", "access_scope": {"type": "cluster"}}]},
    ]
    assert access_entries(specs[:1], caller, "123456789012", "/", "absent") == [
        {"principal_arn": "arn:aws:iam::123456789012:role/shop-prod-eks-admin", "state": "absent"}]


def test_named_entry_groups_and_paths():
    entries = [{"name": "platform-admins", "kubernetes_groups": ["ops", "dev", "ops"]}]
    assert access_problems(entries, "shop-prod") == []
    (spec,) = access_specs(entries, "shop-prod")
    assert (spec["name"], spec["policy_name"], spec["kubernetes_groups"]) == (
        "platform-admins", "assume-platform-admins-role", ["dev", "ops"])
    assert access_entries([spec], "arn:aws-cn:sts::123456789012:assumed-role/ci/x", "123456789012", "/teams/") == [
        {"principal_arn": "arn:aws-cn:iam::123456789012:role/teams/platform-admins", "type": "STANDARD",
         "policies": [], "kubernetes_groups": ["dev", "ops"]}]
    assert role_arn("arn:aws:iam::1:user/x", "123456789012", "/", "r") == "arn:aws:iam::123456789012:role/r"


def test_namespace_not_a_dns_label():
    entries = [{"suffix": "developer", "policy": "AmazonEKSEditPolicy", "namespaces": ["Shop_Prod", "argocd",
                                                                                         "argocd", "a" * 64]}]
    assert access_problems(entries, "shop-prod") == [
        "platform_eks_access[0].namespaces[0]: 'Shop_Prod' is not a DNS-1123 label (at most 63 of a-z, 0-9 and '-', "
        "starting and ending with a letter or digit)",
        "platform_eks_access[0].namespaces[2]: 'argocd' is listed twice",
        f"platform_eks_access[0].namespaces[3]: '{'a' * 64}' is not a DNS-1123 label (at most 63 of a-z, 0-9 and "
        "'-', starting and ending with a letter or digit)",
    ]


def test_bad_access_entries():
    entries = [
        {"suffix": "admin", "name": "admins", "policy": "AmazonEKSClusterAdminPolicy"},
        {"policy": "AmazonEKSViewPolicy"},
        {"suffix": "admin", "policy": "AmazonEKSClusterAdminPolicy", "scope": "cluster"},
        {"suffix": "dup", "policy": "AmazonEKSViewPolicy"},
        {"suffix": "dup", "policy": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"},
        {"suffix": "x" * 60, "policy": "Amazon EKS View"},
        {"suffix": "ns", "namespaces": ["a"]},
        {"suffix": "groups", "kubernetes_groups": ["system:masters", ""]},
        {"suffix": "nothing"},
        ["admin"],
    ]
    label = "platform_eks_access"
    assert access_problems(entries, "shop-prod") == [
        f"{label}[0].suffix / {label}[0].name: give exactly one of them (suffix: the IAM group and role are "
        "shop-prod-eks-<suffix>; name: their exact name), got suffix and name",
        f"{label}[1].suffix / {label}[1].name: give exactly one of them (suffix: the IAM group and role are "
        "shop-prod-eks-<suffix>; name: their exact name), got neither",
        f"{label}[2].scope: unknown field (fields: suffix, name, policy, namespaces, kubernetes_groups)",
        f"{label}[4].suffix: the name 'shop-prod-eks-dup' is already used by {label}[3]",
        f"{label}[5].suffix: the IAM group and role name 'shop-prod-eks-{'x' * 60}' must be at most 64 of letters, "
        "digits and +=,.@_-",
        f"{label}[5].policy: 'Amazon EKS View' must be an EKS access policy name (e.g. AmazonEKSViewPolicy) or its "
        "arn:aws:eks::aws:cluster-access-policy/... ARN",
        f"{label}[6].namespaces: scope a policy; give {label}[6].policy too",
        f"{label}[6].policy: give a policy or kubernetes_groups (otherwise the entry grants nothing)",
        f"{label}[7].kubernetes_groups[0]: 'system:masters' starts with a prefix EKS reserves (system:, eks:, aws:, "
        "amazon:, iam:)",
        f"{label}[7].kubernetes_groups[1]: must be a non-empty string",
        f"{label}[8].policy: give a policy or kubernetes_groups (otherwise the entry grants nothing)",
        f"{label}[9]: must be a dict {{suffix or name, policy, namespaces, kubernetes_groups}}",
    ]
    # the second 'admin' (entry 2) is not reported as a duplicate of entry 0, which has no valid name
    assert access_problems("admin", "shop-prod") == [
        f"{label}: must be a list of entries {{suffix or name, policy, namespaces, kubernetes_groups}}"]


def test_iam_paths():
    assert eks_access_problems(ACCESS, "shop-prod", "platform_eks_access", "eks-access", "/a b/") == [
        "aws_eks_access_group_path: 'eks-access' must be an IAM path, / or /<name>/ (e.g. /eks-access/)",
        "aws_eks_access_role_path: '/a b/' must be an IAM path, / or /<name>/ (e.g. /eks-access/)",
    ]


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {
        "eks_cluster_problems", "eks_node_rule_problems", "eks_public_cidrs", "eks_log_types",
        "eks_node_security_group_rules", "eks_access_problems", "eks_access_specs", "eks_access_module_entries",
        "eks_access_role_arn",
    }
