"""Unit tests of plugins/module_utils/secret_policy.py (secretsmanager_secrets' resource policies) and of the
aws_secrets role's filters over it (plugins/filter/secrets_policy.py).

Expected values come from the AWS documentation (GetCallerIdentity ARNs, aws:PrincipalArn of an assumed role =
the role's ARN with its path, Secrets Manager's 20,480-character policy limit), from Prowler 5.46's
secretsmanager_has_restrictive_resource_policy (its rules are restated in :func:`prowler_passes`) and from the
role names aws_eks_pod_identity / aws_eks_access document in their READMEs.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

_COLLECTIONS = str(Path(__file__).resolve().parents[2] / "collections")
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)

from ansible_collections.cloudops.eks_platform.plugins.filter.secrets_policy import (  # noqa: E402
    FilterModule,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils import secret_policy as sp  # noqa: E402

ACCOUNT = "123456789012"
ESO = f"arn:aws:iam::{ACCOUNT}:role/pod-identity/wealist-prod-external-secrets-pod-identity"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/wealist-prod-eks-admin"
SSO = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_Admin_0123abcd"
CI = f"arn:aws:iam::{ACCOUNT}:role/ci/deployer"


def prowler_passes(policy: dict, account: str = ACCOUNT) -> bool:
    """Prowler 5.46's secretsmanager_has_restrictive_resource_policy, case "only aws:PrincipalArn", restated: a
    Deny for Principal "*", Action "*" or "secretsmanager:*", Resource "*", whose Condition is exactly
    StringNotEquals on aws:PrincipalArn (key case-insensitive), every value an IAM role or user ARN without "*";
    and no Allow to another account or to "*"."""
    pattern = r"arn:aws:iam::\d{12}:(role|user)/([^*]+)$"
    statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
    for statement in statements:
        if statement.get("Effect") == "Allow":
            return False  # none of ours; the check would look for cross-account principals
    for statement in statements:
        principal = statement.get("Principal")
        principals = [principal] if isinstance(principal, str) else principal.get("AWS", [])
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resource = statement.get("Resource", "*")
        condition = statement.get("Condition", {})
        if (
            statement.get("Effect") == "Deny"
            and "*" in principals
            and any(a in ("*", "secretsmanager:*") for a in actions)
            and (resource == "*" or "*" in resource)
            and set(condition) == {"StringNotEquals"}
        ):
            keys = {k.lower(): v for k, v in condition["StringNotEquals"].items()}
            values = keys.get("aws:principalarn")
            values = [values] if isinstance(values, str) else values
            if set(keys) == {"aws:principalarn"} and all(re.match(pattern, v) for v in values):
                return True
    return False


# --- building and comparing ----------------------------------------------------------------------------------


def test_deny_all_but_is_the_one_statement_prowler_passes() -> None:
    policy = sp.deny_all_but([ESO, ADMIN, ESO])
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyOutsidePlatformPrincipals",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalArn": [ESO, ADMIN]}},
            }
        ],
    }
    assert prowler_passes(policy)
    # with a path (SSO, CI) still a role ARN for Prowler; the account root is not
    assert prowler_passes(sp.deny_all_but([SSO, CI]))
    assert not prowler_passes(sp.deny_all_but([ESO, f"arn:aws:iam::{ACCOUNT}:root"]))


def test_policy_text_round_trips() -> None:
    policy = sp.deny_all_but([ESO])
    assert json.loads(sp.policy_text(policy)) == policy


def test_normalize_makes_equivalent_shapes_equal() -> None:
    wanted = sp.deny_all_but([ESO, ADMIN])
    # As AWS could return it: JSON text, a lone statement object, Principal {"AWS": "*"}, lists in another order,
    # the condition key in another case, whitespace.
    answer = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Resource": ["*"],
                "Condition": {"StringNotEquals": {"aws:principalarn": [ADMIN, ESO]}},
                "Principal": {"AWS": "*"},
                "Action": ["secretsmanager:*"],
                "Effect": "Deny",
                "Sid": "DenyOutsidePlatformPrincipals",
            },
        },
        indent=2,
    )
    assert sp.policies_equal(answer, wanted)
    assert sp.normalize_policy(answer) == sp.normalize_policy(wanted)
    # one principal: a string and a one-item list are the same
    assert sp.policies_equal(
        {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": ["s:*"], "Condition": {"Bool": {"k": True}}}]},
        {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s:*", "Condition": {"Bool": {"k": "true"}}}]},
    )
    # statement order does not matter
    a = {"Effect": "Deny", "Principal": "*", "Action": "a:*"}
    b = {"Effect": "Deny", "Principal": "*", "Action": "b:*"}
    assert sp.policies_equal({"Statement": [a, b]}, {"Statement": [b, a]})


def test_normalize_keeps_real_differences() -> None:
    assert not sp.policies_equal(sp.deny_all_but([ESO, ADMIN]), sp.deny_all_but([ESO]))
    assert not sp.policies_equal(sp.deny_all_but([ESO]), None)
    # ARNs are compared as text: case matters (StringNotEquals is case-sensitive)
    assert not sp.policies_equal(sp.deny_all_but([ESO]), sp.deny_all_but([ESO.upper()]))
    assert sp.normalize_policy(None) is None
    assert sp.normalize_policy("") is None
    with pytest.raises(ValueError):
        sp.normalize_policy("[]")


def test_plan_policy() -> None:
    wanted = sp.deny_all_but([ESO])
    assert sp.plan_policy(None, wanted, purge=False) == "put"
    assert sp.plan_policy(json.dumps(wanted), wanted, purge=False) is None
    assert sp.plan_policy(json.dumps(sp.deny_all_but([ADMIN])), wanted, purge=True) == "put"
    # no policy wanted: delete only with purge, and only when there is one
    assert sp.plan_policy(json.dumps(wanted), None, purge=False) is None
    assert sp.plan_policy(json.dumps(wanted), None, purge=True) == "delete"
    assert sp.plan_policy(None, None, purge=True) is None


def test_substitution_keeps_policy_variables() -> None:
    context = {"partition": "aws-cn", "account_id": ACCOUNT}
    assert sp.substitute("arn:{partition}:iam::{account_id}:role/x", context) == f"arn:aws-cn:iam::{ACCOUNT}:role/x"
    assert sp.substitute("${aws:username}/{other}", context) == "${aws:username}/{other}"
    assert sp.substitute_any({"a": ["{account_id}"]}, context) == {"a": [ACCOUNT]}


# --- the caller ----------------------------------------------------------------------------------------------


def test_assumed_role_is_its_role_arn_with_path() -> None:
    asked = []

    def role_arn(name: str) -> str:
        asked.append(name)
        return SSO

    arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_Admin_0123abcd/alice@example.com"
    assert sp.caller_principal(arn, role_arn) == (SSO, "role")
    assert asked == ["AWSReservedSSO_Admin_0123abcd"]
    assert sp.caller_problem(SSO, "role", "opt") is None


def test_users_root_and_federated_callers() -> None:
    def never(name: str) -> str:
        raise AssertionError("no GetRole for a non-role caller")

    user = f"arn:aws:iam::{ACCOUNT}:user/ops/alice"
    assert sp.caller_principal(user, never) == (user, "user")
    # moto's answer for unknown credentials: read as the IAM user
    assert sp.caller_principal(f"arn:aws:sts::{ACCOUNT}:user/moto", never) == (
        f"arn:aws:iam::{ACCOUNT}:user/moto",
        "user",
    )
    root = f"arn:aws:iam::{ACCOUNT}:root"
    assert sp.caller_principal(root, never) == (root, "root")
    federated = f"arn:aws:sts::{ACCOUNT}:federated-user/bob"
    assert sp.caller_principal(federated, never) == (federated, "federated-user")

    problem = sp.caller_problem(root, "root", "resource_policy_principals", "platform_secrets_allowed_principal_arns")
    assert problem.startswith("resource_policy_principals: ")
    assert "account root user" in problem and "platform_secrets_allowed_principal_arns" in problem
    assert "federated user" in sp.caller_problem(federated, "federated-user", "o")


# --- lock-out check ------------------------------------------------------------------------------------------


def test_lockout_when_the_caller_is_not_exempted() -> None:
    problems = sp.lockout_problems(sp.deny_all_but([ESO]), CI, "resource_policy")
    assert len(problems) == 1
    assert problems[0].startswith("resource_policy: statement DenyOutsidePlatformPrincipals denies")
    assert CI in problems[0]
    assert sp.lockout_problems(sp.deny_all_but([ESO, CI]), CI, "resource_policy") == []


@pytest.mark.parametrize(
    ("statement", "locked"),
    [
        # no condition: everyone denied
        ({"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*"}, True),
        # "*" action covers the module's
        ({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*"}, True),
        # a Deny of an action the module never calls (GetSecretValue)
        ({"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}, False),
        # a Deny naming someone else
        ({"Effect": "Deny", "Principal": {"AWS": ESO}, "Action": "secretsmanager:*", "Resource": "*"}, False),
        # a Deny naming the caller
        ({"Effect": "Deny", "Principal": {"AWS": [CI]}, "Action": "secretsmanager:Put*", "Resource": "*"}, True),
        # ArnNotLike with a pattern that covers the caller: exempt
        (
            {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
             "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci/*"}}},
            False,
        ),
        # conditioned on another key: not judged
        (
            {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}},
            False,
        ),
        # Prowler's IfExists + Null variant: the Null condition is false for an IAM caller
        (
            {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
             "Condition": {
                 "StringNotEqualsIfExists": {"aws:PrincipalArn": [ESO], "aws:PrincipalServiceName": ["x"]},
                 "Null": {"aws:PrincipalArn": "true", "aws:PrincipalServiceName": "true"}}},
            False,
        ),
        # an Allow never locks out
        ({"Effect": "Allow", "Principal": {"AWS": ESO}, "Action": "secretsmanager:*", "Resource": "*"}, False),
    ],
)
def test_lockout_statements(statement: dict, locked: bool) -> None:
    problems = sp.lockout_problems({"Version": "2012-10-17", "Statement": [statement]}, CI, "resource_policy")
    assert bool(problems) is locked


# --- inputs --------------------------------------------------------------------------------------------------


def test_principal_arn_problems() -> None:
    good = [ESO, SSO, CI, "arn:{partition}:iam::{account_id}:role/break-glass", f"arn:aws:iam::{ACCOUNT}:user/ops/a"]
    assert sp.principal_arn_problems(good, "platform_secrets_allowed_principal_arns") == []
    assert sp.principal_arn_problems(None, "x") == []
    bad = [
        f"arn:aws:iam::{ACCOUNT}:role/ci-*",
        f"arn:aws:iam::{ACCOUNT}:root",
        "arn:aws:iam::12345:role/short-account",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s",
        "deployer",
        42,
    ]
    problems = sp.principal_arn_problems(bad, "platform_secrets_allowed_principal_arns")
    assert [p.split(":", 1)[0] for p in problems] == [
        f"platform_secrets_allowed_principal_arns[{i}]" for i in range(len(bad))
    ]
    assert "no wildcard" in problems[0]
    assert "account root" in problems[1]
    assert sp.principal_arn_problems("arn", "x") == ["x: must be a list of IAM role or user ARNs (got str)"]
    # after substitution the placeholders are refused
    assert sp.principal_arn_problems(["arn:{partition}:iam::{account_id}:role/x"], "o", templates=False)


def test_document_problems() -> None:
    assert sp.document_problems(sp.deny_all_but([ESO]), "resource_policy") == []
    assert sp.document_problems([], "resource_policy") == [
        "resource_policy: must be a policy document (a dict with Version and Statement)"
    ]
    assert sp.document_problems({"Version": "2012-10-17"}, "rp") == ["rp: has no Statement"]
    assert sp.document_problems({"Statement": [{"Effect": "deny"}, "x"]}, "rp") == [
        "rp.Statement[0].Effect: must be Allow or Deny",
        "rp.Statement[1]: must be a dict",
    ]


POD_IDENTITIES = [
    {"suffix": "alb-controller", "namespace": "kube-system", "service_account": "aws-load-balancer-controller",
     "managed_policies": ["ElasticLoadBalancingFullAccess"],
     "statements": [{"actions": ["ec2:DescribeVpcs"], "resources": ["*"]}]},
    {"suffix": "external-secrets", "namespace": "external-secrets", "service_account": "external-secrets",
     "statements": [
         {"actions": ["secretsmanager:GetSecretValue"], "resources": ["secret:{secret_prefix}/*", "rds_secrets"]},
         {"actions": ["kms:Decrypt"], "resources": ["kms_key"]}]},
    {"suffix": "cert-manager", "enabled": False, "namespace": "cert-manager", "service_account": "cert-manager",
     "statements": [{"actions": ["secretsmanager:GetSecretValue"], "resources": ["secret:x/*"]}]},
    {"name": "exact-reader", "namespace": "apps", "service_account": "reader",
     "statements": [{"actions": ["kms:Decrypt"], "resources": ["secret:{secret_prefix}/app/*"]}]},
    {"suffix": "rotator", "namespace": "apps", "service_account": "rotator",
     "managed_policies": ["SecretsManagerReadWrite"]},
    {"suffix": "denied", "namespace": "apps", "service_account": "denied",
     "statements": [{"effect": "Deny", "actions": ["secretsmanager:*"], "resources": ["secret:x/*"]},
                    {"actions": ["s3:GetObject"], "resources": ["bucket:files"]}]},
    "not-an-entry",
]
EKS_ACCESS = [
    {"suffix": "admin", "policy": "AmazonEKSClusterAdminPolicy"},
    {"suffix": "developer", "policy": "AmazonEKSEditPolicy", "namespaces": ["wealist-prod"]},
    {"name": "platform-owners", "policy": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"},
    {"suffix": "readonly", "policy": "AmazonEKSViewPolicy"},
]


def test_platform_principals_are_the_roles_the_compute_layer_makes() -> None:
    allowed = ["arn:{partition}:iam::{account_id}:role/break-glass", CI]
    principals = sp.platform_principals(POD_IDENTITIES, EKS_ACCESS, allowed, "wealist-prod")
    role = "arn:{partition}:iam::{account_id}:role"
    assert principals == sorted([
        CI,
        f"{role}/break-glass",
        f"{role}/platform-owners",
        f"{role}/pod-identity/exact-reader",
        f"{role}/pod-identity/wealist-prod-external-secrets-pod-identity",
        f"{role}/pod-identity/wealist-prod-rotator-pod-identity",
        f"{role}/wealist-prod-eks-admin",
    ])
    # every one is a principal Prowler accepts once substituted
    context = {"partition": "aws", "account_id": ACCOUNT}
    assert prowler_passes(sp.deny_all_but([sp.substitute(p, context) for p in principals]))
    # other paths (aws_eks_pod_identity_role_path, aws_eks_access_role_path)
    moved = sp.platform_principals(POD_IDENTITIES[1:2], EKS_ACCESS[:1], [], "p", "/pi/", "/eks/")
    assert moved == [f"{role}/eks/p-eks-admin", f"{role}/pi/p-external-secrets-pod-identity"]
    assert sp.platform_principals(None, None, None, "p") == []


def test_adding_a_pod_identity_changes_the_policy() -> None:
    before = sp.platform_principals(POD_IDENTITIES, EKS_ACCESS, [], "wealist-prod")
    extra = {"suffix": "board-service", "namespace": "wealist-prod", "service_account": "board-service",
             "statements": [{"actions": ["secretsmanager:GetSecretValue"], "resources": ["secret:{secret_prefix}/*"]}]}
    after = sp.platform_principals([*POD_IDENTITIES, extra], EKS_ACCESS, [], "wealist-prod")
    assert sorted(set(after) - set(before)) == [
        "arn:{partition}:iam::{account_id}:role/pod-identity/wealist-prod-board-service-pod-identity"
    ]
    assert not sp.policies_equal(sp.deny_all_but(before), sp.deny_all_but(after))


def test_policy_input_problems() -> None:
    assert sp.policy_input_problems([CI], enabled=True, principals=[CI]) == []
    problems = sp.policy_input_problems(
        ["arn:aws:iam::*:role/x"], enabled="yes", pod_identity_role_path="pod-identity", access_role_path="/"
    )
    assert problems[0] == "aws_secrets_resource_policy: must be true or false (got 'yes')"
    assert problems[1].startswith("platform_secrets_allowed_principal_arns[0]: ")
    assert problems[2].startswith("aws_secrets_pod_identity_role_path: 'pod-identity' must be an IAM path")
    # Secrets Manager's 20,480 characters: 250 roles of ~90 characters do not fit
    many = [f"arn:aws:iam::{ACCOUNT}:role/pod-identity/" + f"r{i:03d}-" + "x" * 40 for i in range(250)]
    size = sp.policy_input_problems(many, principals=many)
    assert len(size) == 1 and "over Secrets Manager's 20480" in size[0]


def test_filters() -> None:
    filters = FilterModule().filters()
    assert set(filters) == {"secrets_policy_principals", "secrets_policy_problems"}
    principals = filters["secrets_policy_principals"](
        {"pod_identities": POD_IDENTITIES[:2], "eks_access": EKS_ACCESS[:1], "allowed": [CI]}, "wealist-prod"
    )
    assert principals == sorted([
        CI,
        "arn:{partition}:iam::{account_id}:role/pod-identity/wealist-prod-external-secrets-pod-identity",
        "arn:{partition}:iam::{account_id}:role/wealist-prod-eks-admin",
    ])
    problems = filters["secrets_policy_problems"](
        {"pod_identities": [], "eks_access": [], "allowed": ["nope"]}, "p", enabled=True
    )
    assert len(problems) == 1 and problems[0].startswith("platform_secrets_allowed_principal_arns[0]: 'nope'")
