"""Four-run case of eks_access_entries on the base cluster (``pre["eks_base_cluster"]``): an admin role with
AmazonEKSClusterAdminPolicy on the cluster and a developer role with AmazonEKSEditPolicy in two namespaces and a
Kubernetes group (the shape of the wealist inventory §1.2), both tagged. Neither entry exists before check1.
The read covers only the two principals this case manages (other cases and the cluster creator's bootstrap
entry live on the same cluster)."""

from __future__ import annotations

import json
from typing import Any

from . import TAGS, Case, P

ROLES = {"admin": f"{P}-eks-admin", "developer": f"{P}-eks-developer"}
POLICY = "arn:aws:eks::aws:cluster-access-policy/"


def prerequisites(b: Any, pre: dict) -> dict:
    iam = b.client("iam")
    account = b.client("sts").get_caller_identity()["Account"]
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    arns = {
        key: iam.create_role(RoleName=name, Path="/eks-access/", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        for key, name in ROLES.items()
    }
    return {"eks_access_admin_arn": arns["admin"], "eks_access_developer_arn": arns["developer"]}


def args(pre: dict) -> dict:
    return {
        "cluster_name": pre["eks_base_cluster"],
        "tags": TAGS,
        "entries": [
            {
                "principal_arn": pre["eks_access_admin_arn"],
                "policies": [{"policy": "AmazonEKSClusterAdminPolicy", "access_scope": {"type": "cluster"}}],
            },
            {
                "principal_arn": pre["eks_access_developer_arn"],
                "kubernetes_groups": [f"{P}-devs"],
                "policies": [
                    {
                        "policy": f"{POLICY}AmazonEKSEditPolicy",
                        "access_scope": {"type": "namespace", "namespaces": ["team-a", "argocd"]},
                    }
                ],
                "tags": {"Team": "developers"},
            },
        ],
    }


def read(b: Any, pre: dict) -> dict:
    """principal ARN → type, groups, username, tags and {policy ARN: (scope type, namespaces)}, for the
    principals of this case that have an entry."""
    eks, cluster = b.client("eks"), pre["eks_base_cluster"]
    managed = {pre["eks_access_admin_arn"], pre["eks_access_developer_arn"]}
    state = {}
    for arn in eks.list_access_entries(clusterName=cluster)["accessEntries"]:
        if arn not in managed:
            continue
        entry = eks.describe_access_entry(clusterName=cluster, principalArn=arn)["accessEntry"]
        policies = eks.list_associated_access_policies(clusterName=cluster, principalArn=arn)
        state[arn] = {
            "type": entry["type"],
            "kubernetes_groups": sorted(entry.get("kubernetesGroups") or []),
            "username": entry["username"],
            "tags": entry.get("tags") or {},
            "policies": {
                p["policyArn"]: (p["accessScope"]["type"], sorted(p["accessScope"].get("namespaces") or []))
                for p in policies["associatedAccessPolicies"]
            },
        }
    return state


def _default_username(role_arn: str) -> str:
    """The username EKS gives a role's STANDARD entry when none is set (EKS User Guide, "Creating access
    entries"): the assumed-role ARN with a {{SessionName}} placeholder, without the role's path."""
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    return f"arn:aws:sts::{account}:assumed-role/{name}/{{{{SessionName}}}}"


def after(pre: dict) -> dict:
    admin, developer = pre["eks_access_admin_arn"], pre["eks_access_developer_arn"]
    return {
        admin: {
            "type": "STANDARD",
            "kubernetes_groups": [],
            "username": _default_username(admin),
            "tags": TAGS,
            "policies": {f"{POLICY}AmazonEKSClusterAdminPolicy": ("cluster", [])},
        },
        developer: {
            "type": "STANDARD",
            "kubernetes_groups": [f"{P}-devs"],
            "username": _default_username(developer),
            "tags": {**TAGS, "Team": "developers"},
            "policies": {f"{POLICY}AmazonEKSEditPolicy": ("namespace", ["argocd", "team-a"])},
        },
    }


CASES = [
    Case(
        id="eks_access_entries",
        module="eks_access_entries",
        args=args,
        read=read,
        before=lambda pre: {},
        after=after,
    )
]
