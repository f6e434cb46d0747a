"""Unit tests of the EKS Pod Identity list entries (module_utils/eks_pod_identity_inputs.py): the role of an entry
(name, path, trust, tags, managed policy ARNs, the one inline policy), the resource placeholders and their
resolution, and the problems named ``platform_eks_pod_identities[i].<field>`` - above all '*' refused where the
platform knows the ARN.

Expected ARNs are written by hand from the IAM / service ARN formats (secretsmanager
``arn:aws:secretsmanager:<region>:<account>:secret:<name>``, S3 ``arn:aws:s3:::<bucket>``, EKS node groups
``arn:aws:eks:<region>:<account>:nodegroup/<cluster>/<nodegroup>/<uuid>``) and the reference inventory §1.2 (role
``<name>-pod-identity``, path /pod-identity/, trust pods.eks.amazonaws.com for sts:AssumeRole + sts:TagSession, tags
ClusterName / Namespace / ServiceAccount)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.filter.eks_pod_identity import FilterModule  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_pod_identity_inputs import (  # noqa: E402
    PlaceholderError,
    associations,
    expand_resource,
    managed_policy_arn,
    needs,
    pod_identity_problems,
    pod_identity_specs,
    pod_identity_teardown,
    substitute,
)

BUCKETS = [{"suffix": "files"}, {"suffix": "tempo-traces"}, {"name": "shared-archive"}]
CONTEXT = {
    "platform_name": "shop-prod",
    "region": "eu-west-1",
    "secret_prefix": "shop/prod",
    "cluster_name": "shop-prod-eks",
    "buckets": BUCKETS,
}
RUN = {
    **CONTEXT,
    "partition": "aws",
    "account_id": "111122223333",
    "kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "tags": {"Project": "shop", "Environment": "prod", "ManagedBy": "ansible", "Layer": "compute"},
}
ESO = {
    "suffix": "external-secrets",
    "namespace": "external-secrets",
    "service_account": "external-secrets",
    "statements": [
        {
            "actions": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "resources": ["secret:{secret_prefix}/*", "rds_secrets"],
        },
        {"actions": ["ssm:GetParametersByPath"], "resources": ["ssm:/{secret_prefix}/*"]},
        {"actions": ["kms:Decrypt"], "resources": ["kms_key"]},
    ],
}
FILES = {
    "suffix": "storage-service",
    "namespace": "shop-prod",
    "service_account": "storage-service",
    "statements": [{"actions": ["s3:GetObject", "s3:ListBucket"], "resources": ["bucket:files"]}],
}
CA = {
    "suffix": "cluster-autoscaler",
    "namespace": "kube-system",
    "service_account": "cluster-autoscaler",
    "statements": [
        {"actions": ["autoscaling:DescribeAutoScalingGroups", "ec2:DescribeImages"], "resources": ["*"]},
        {"actions": ["eks:DescribeNodegroup"], "resources": ["cluster_nodegroups"]},
        {
            "actions": ["autoscaling:SetDesiredCapacity"],
            "resources": ["*"],
            "conditions": {"StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}},
        },
    ],
}
ALB = {
    "suffix": "alb-controller",
    "namespace": "kube-system",
    "service_account": "aws-load-balancer-controller",
    "managed_policies": ["ElasticLoadBalancingFullAccess"],
    "statements": [{"actions": ["ec2:DescribeVpcs", "acm:ListCertificates"], "resources": ["*"]}],
}


# --- placeholders -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("*", ["*"]),
        ("secret:{secret_prefix}/*", ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/prod/*"]),
        ("rds_secrets", ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!*"]),
        ("ssm:{secret_prefix}/*", ["arn:aws:ssm:eu-west-1:111122223333:parameter/shop/prod/*"]),
        ("ssm:/{secret_prefix}", ["arn:aws:ssm:eu-west-1:111122223333:parameter/shop/prod"]),
        ("bucket:files", ["arn:aws:s3:::shop-prod-files-111122223333", "arn:aws:s3:::shop-prod-files-111122223333/*"]),
        ("bucket:shared-archive", ["arn:aws:s3:::shared-archive", "arn:aws:s3:::shared-archive/*"]),
        ("kms_key", ["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]),
        ("cluster", ["arn:aws:eks:eu-west-1:111122223333:cluster/shop-prod-eks"]),
        ("cluster_nodegroups", ["arn:aws:eks:eu-west-1:111122223333:nodegroup/shop-prod-eks/*/*"]),
        ("arn:{partition}:route53:::hostedzone/*", ["arn:aws:route53:::hostedzone/*"]),
        (
            "arn:{partition}:ec2:{region}:{account_id}:security-group/*",
            ["arn:aws:ec2:eu-west-1:111122223333:security-group/*"],
        ),
    ],
)
def test_placeholders_resolve_to_the_platform_arns(resource, expected):
    assert expand_resource(resource, RUN) == expected


def test_the_bucket_prefix_follows_aws_s3_when_it_differs_from_the_platform_name():
    context = {**RUN, "bucket_prefix": "shop-data"}
    assert expand_resource("bucket:tempo-traces", context)[0] == "arn:aws:s3:::shop-data-tempo-traces-111122223333"


def test_iam_policy_variables_are_left_alone():
    assert substitute("arn:aws:s3:::b/home/${aws:username}/*", RUN) == "arn:aws:s3:::b/home/${aws:username}/*"


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ("secret", "secret needs an argument"),
        ("kms_key:x", "kms_key takes no argument"),
        ("bucket:logs", "bucket:logs names no entry of platform_s3_buckets"),
        ("dynamo:table", "neither '*', an ARN nor a placeholder"),
        ("secret:{project}/*", "unknown substitution {project}"),
        ("arn:aws:s3", "is not an ARN"),
    ],
)
def test_bad_placeholders_say_why(resource, message):
    with pytest.raises(PlaceholderError, match=message.replace("*", r"\*").replace("{", r"\{").replace("}", r"\}")):
        expand_resource(resource, RUN)


@pytest.mark.parametrize(
    ("policy", "arn"),
    [
        ("ElasticLoadBalancingFullAccess", "arn:aws:iam::aws:policy/ElasticLoadBalancingFullAccess"),
        ("AmazonEBSCSIDriverPolicy", "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"),
        ("service-role/AmazonEFSCSIDriverPolicy", "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"),
        ("arn:{partition}:iam::{account_id}:policy/team/shop-read", "arn:aws:iam::111122223333:policy/team/shop-read"),
    ],
)
def test_managed_policies_by_name_or_arn(policy, arn):
    assert managed_policy_arn(policy, RUN) == arn


def test_kms_key_lookup_is_needed_only_when_an_enabled_entry_names_it():
    assert needs([ESO], "kms_key") is True
    assert needs([FILES, CA], "kms_key") is False
    assert needs([{**ESO, "enabled": False}], "kms_key") is False


# --- specs ----------------------------------------------------------------------------------------------------


def test_spec_of_an_entry_is_its_role_and_association():
    [spec] = pod_identity_specs([ESO], RUN)
    assert spec["name"] == "shop-prod-external-secrets-pod-identity"
    assert spec["arn"] == "arn:aws:iam::111122223333:role/pod-identity/shop-prod-external-secrets-pod-identity"
    assert spec["path"] == "/pod-identity/"
    assert spec["trust_policy"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                # only on behalf of this account (cross-service confused-deputy guard)
                "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
            }
        ],
    }
    assert spec["tags"] == {
        "Project": "shop",
        "Environment": "prod",
        "ManagedBy": "ansible",
        "Layer": "compute",
        "Name": "shop-prod-external-secrets-pod-identity",
        "ClusterName": "shop-prod-eks",
        "Namespace": "external-secrets",
        "ServiceAccount": "external-secrets",
    }
    assert spec["managed_policies"] == []
    assert spec["policy_name"] == "pod-identity"
    assert spec["policy"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": [
                    "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop/prod/*",
                    "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!*",
                ],
            },
            {
                "Effect": "Allow",
                "Action": ["ssm:GetParametersByPath"],
                "Resource": ["arn:aws:ssm:eu-west-1:111122223333:parameter/shop/prod/*"],
            },
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": ["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
            },
        ],
    }
    assert (spec["namespace"], spec["service_account"], spec["state"]) == (
        "external-secrets",
        "external-secrets",
        "present",
    )


def test_conditions_get_their_substitutions():
    [spec] = pod_identity_specs([CA], RUN)
    assert spec["policy"]["Statement"][2] == {
        "Effect": "Allow",
        "Action": ["autoscaling:SetDesiredCapacity"],
        "Resource": ["*"],
        "Condition": {"StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/shop-prod-eks": "owned"}},
    }
    assert spec["policy"]["Statement"][1]["Resource"] == [
        "arn:aws:eks:eu-west-1:111122223333:nodegroup/shop-prod-eks/*/*"
    ]


def test_exact_name_role_path_policy_name_and_entry_tags():
    entry = {**ALB, "suffix": None, "name": "lbc", "tags": {"Component": "ingress"}}
    context = {**RUN, "role_path": "/eks/", "policy_name": "inline"}
    [spec] = pod_identity_specs([entry], context)
    assert spec["name"] == "lbc"
    assert spec["arn"] == "arn:aws:iam::111122223333:role/eks/lbc"
    assert spec["policy_name"] == "inline"
    assert spec["tags"]["Component"] == "ingress"
    assert spec["managed_policies"] == ["arn:aws:iam::aws:policy/ElasticLoadBalancingFullAccess"]


def test_an_entry_without_statements_has_no_inline_policy():
    [spec] = pod_identity_specs([{**ALB, "statements": []}], RUN)
    assert spec["policy"] is None


def test_disabled_entries_are_removed_and_need_no_key():
    disabled = {**ESO, "enabled": False}
    [spec] = pod_identity_specs([disabled], {**RUN, "kms_key_arn": ""})
    assert spec["state"] == "absent" and spec["enabled"] is False
    assert associations([spec]) == [
        {"namespace": "external-secrets", "service_account": "external-secrets", "state": "absent"}
    ]


def test_associations_of_enabled_entries_name_their_roles():
    assert associations(pod_identity_specs([FILES], RUN)) == [
        {
            "namespace": "shop-prod",
            "service_account": "storage-service",
            "state": "present",
            "role_arn": "arn:aws:iam::111122223333:role/pod-identity/shop-prod-storage-service-pod-identity",
            "tags": {"Name": "shop-prod-storage-service-pod-identity"},
        }
    ]


def test_teardown_needs_names_only():
    assert pod_identity_teardown([ESO, {**FILES, "enabled": False}], "shop-prod") == {
        "associations": [
            {"namespace": "external-secrets", "service_account": "external-secrets", "state": "absent"},
            {"namespace": "shop-prod", "service_account": "storage-service", "state": "absent"},
        ],
        "roles": ["shop-prod-external-secrets-pod-identity", "shop-prod-storage-service-pod-identity"],
    }


# --- validation ------------------------------------------------------------------------------------------------


def test_valid_entries_have_no_problem():
    assert (
        pod_identity_problems(
            [ESO, FILES, CA, ALB, {**ESO, "suffix": "eso-2", "namespace": "other", "enabled": False}], CONTEXT
        )
        == []
    )
    assert pod_identity_problems([], CONTEXT) == []
    assert pod_identity_problems(None, CONTEXT) == []


@pytest.mark.parametrize("region", ["", None, "   "])
def test_an_empty_region_is_not_reported_here_and_does_not_break_the_checks(region):
    # platform_region empty: the network role reports it, once; the ARNs of the checks use a stand-in region
    context = {**CONTEXT, "region": region}
    assert pod_identity_problems([ESO], context) == []
    assert FilterModule().filters()["pod_identities_problems"]([ESO], context) == []
    bad = {**ESO, "statements": [{"actions": ["secretsmanager:GetSecretValue"], "resources": ["*"]}]}
    problems = pod_identity_problems([bad], context)
    assert problems and all("region" not in p for p in problems), problems


def test_star_on_a_secretsmanager_action_is_refused_naming_the_entry():
    entry = {**ESO, "statements": [{"actions": ["secretsmanager:GetSecretValue"], "resources": ["*"]}]}
    [problem] = pod_identity_problems([FILES, entry], CONTEXT)
    assert problem.startswith(
        "platform_eks_pod_identities[1].statements[0].resources[0]: '*' is refused for secretsmanager:GetSecretValue"
    )
    assert "secret:{secret_prefix}/*" in problem


@pytest.mark.parametrize(
    "action",
    ["s3:GetObject", "kms:Decrypt", "ssm:GetParameter", "eks:DescribeNodegroup", "secretsmanager:*", "S3:GetObject"],
)
def test_star_is_refused_for_every_service_whose_arns_are_known(action):
    entry = {**FILES, "statements": [{"actions": ["ec2:DescribeVpcs", action], "resources": ["*"]}]}
    problems = pod_identity_problems([entry], CONTEXT)
    if action == "S3:GetObject":  # actions are lower-case service prefixes
        assert problems == [
            "platform_eks_pod_identities[0].statements[0].actions[1]: 'S3:GetObject' is not an IAM "
            "action (service:Action, wildcards allowed in the action part)"
        ]
    else:
        assert len(problems) == 1 and f"'*' is refused for {action} " in problems[0]


def test_star_is_allowed_without_resource_level_arns_and_for_account_level_actions():
    entry = {
        **FILES,
        "statements": [
            {
                "actions": [
                    "ec2:DescribeSubnets",
                    "route53:ListHostedZones",
                    "autoscaling:Describe*",
                    "elasticloadbalancing:*",
                    "secretsmanager:ListSecrets",
                    "s3:ListAllMyBuckets",
                ],
                "resources": ["*"],
            },
        ],
    }
    assert pod_identity_problems([entry], CONTEXT) == []


@pytest.mark.parametrize(
    "resource",
    ["arn:aws:s3:::*", "arn:aws:s3:::*/*", "secret:*", "arn:{partition}:kms:{region}:{account_id}:key/*", "ssm:*"],
)
def test_an_arn_naming_every_resource_of_a_scoped_service_is_refused_like_star(resource):
    entry = {**FILES, "statements": [{"actions": ["s3:GetObject"], "resources": [resource]}]}
    [problem] = pod_identity_problems([entry], CONTEXT)
    assert problem.startswith("platform_eks_pod_identities[0].statements[0].resources[0]: ")
    assert "which is the same as '*'" in problem


def test_entry_problems_name_the_field():
    entries = [
        {
            "suffix": "a",
            "name": "b",
            "namespace": "Kube_System",
            "service_account": "",
            "enabled": "yes",
            "statement": [],
            "statements": "x",
        },
        {"suffix": "c", "namespace": "ns", "service_account": "sa"},
        {
            "suffix": "d",
            "namespace": "ns",
            "service_account": "sa",
            "managed_policies": ["no such/*"],
            "statements": [
                {
                    "actions": "s3:GetObject",
                    "resources": [],
                    "effect": "Maybe",
                    "sid": "x-1",
                    "conditions": {"StringEquls": {"k": "v"}},
                    "notaction": [],
                }
            ],
        },
        {
            "suffix": "c",
            "namespace": "ns2",
            "service_account": "sa2",
            "statements": [{"actions": ["ec2:DescribeVpcs"], "resources": ["bucket:nope"]}],
        },
    ]
    problems = pod_identity_problems(entries, CONTEXT)
    expected_starts = [
        "platform_eks_pod_identities[0].name: give exactly one of suffix",
        "platform_eks_pod_identities[0].statement: unknown field",
        "platform_eks_pod_identities[0].namespace: 'Kube_System' is not a Kubernetes namespace",
        "platform_eks_pod_identities[0].service_account: '' is not a Kubernetes service account name",
        "platform_eks_pod_identities[0].enabled: must be true or false",
        "platform_eks_pod_identities[0].statements: must be a list",
        "platform_eks_pod_identities[1]: gives neither managed_policies nor statements",
        "platform_eks_pod_identities[2].managed_policies[0]: 'no such/*' is not a managed policy name",
        "platform_eks_pod_identities[2].statements[0].notaction: unknown field",
        "platform_eks_pod_identities[2].statements[0].actions: must be a non-empty list",
        "platform_eks_pod_identities[2].statements[0].resources: must be a non-empty list",
        "platform_eks_pod_identities[2].statements[0].effect: must be Allow or Deny",
        "platform_eks_pod_identities[2].statements[0].sid: letters and digits only",
        "platform_eks_pod_identities[2].statements[0].conditions.StringEquls: not an IAM condition operator",
        "platform_eks_pod_identities[3].statements[0].resources[0]: bucket:nope names no entry of platform_s3_buckets",
        "platform_eks_pod_identities[3].suffix: the name 'shop-prod-c-pod-identity' is already used by "
        "platform_eks_pod_identities[1]",
        "platform_eks_pod_identities[2].service_account: the service account 'ns/sa' is already used by "
        "platform_eks_pod_identities[1]",
    ]
    assert len(problems) == len(expected_starts), json.dumps(problems, indent=1)
    for problem, start in zip(problems, expected_starts, strict=True):
        assert problem.startswith(start), (problem, start)


def test_role_names_longer_than_iam_allows_are_refused():
    entry = {**FILES, "suffix": "x" * 42}  # 10 + 42 + 13 = 65 > 64
    [problem] = pod_identity_problems([entry], CONTEXT)
    assert problem.startswith("platform_eks_pod_identities[0].suffix: gives the role name 'shop-prod-xxxx")
    assert "not a valid IAM role name" in problem


def test_an_inline_policy_above_the_iam_limit_is_refused():
    actions = [f"ec2:DescribeSomething{i:04d}" for i in range(500)]
    entry = {**FILES, "statements": [{"actions": actions, "resources": ["*"]}]}
    [problem] = pod_identity_problems([entry], CONTEXT)
    assert problem.startswith("platform_eks_pod_identities[0].statements: the inline policy is ")
    assert "IAM allows 10240" in problem


def test_not_a_list():
    assert pod_identity_problems({"a": 1}, CONTEXT) == [
        "platform_eks_pod_identities: must be a list of pod identity entries (empty list = none)"
    ]


def test_filters_are_registered():
    filters = FilterModule().filters()
    assert set(filters) == {
        "pod_identities_problems",
        "pod_identity_specs",
        "pod_identity_associations",
        "pod_identities_need",
        "pod_identity_teardown",
    }
    assert filters["pod_identities_problems"]([ESO], CONTEXT, "my_list") == []
    assert filters["pod_identity_specs"]([FILES], RUN)[0]["name"] == "shop-prod-storage-service-pod-identity"


def test_trust_policy_names_the_account_only_when_it_is_known():
    from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_pod_identity_inputs import (
        TRUST_POLICY,
        trust_policy,
    )

    assert trust_policy("") is TRUST_POLICY and "Condition" not in TRUST_POLICY["Statement"][0]
    (statement,) = trust_policy(123456789012)["Statement"]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
