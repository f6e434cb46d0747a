"""Four-run case of eks_pod_identity_associations on the base cluster (module_cases/eks_common.py).

Before the runs (made with boto3): kube-system/cluster-autoscaler associated with the wrong role and a stale tag,
cert-manager/cert-manager (the inventory's orphan association, listed with state=absent) and
modtest-stale/leftover (not listed: deleted by purge_associations). The module then creates
external-secrets/external-secrets, moves cluster-autoscaler to its role in place and converges the tags.
The read takes every association not owned by an add-on (an add-on case may own some on the same cluster; this
module never touches those), each described and its tags listed - never through the module.
"""

from __future__ import annotations

import json
from typing import Any

from . import TAGS, Case, P

SECOND_ROLE = f"{P}-pod-identity-eso"
CA, ESO = "kube-system/cluster-autoscaler", "external-secrets/external-secrets"
CERT_MANAGER, STALE = "cert-manager/cert-manager", f"{P}-stale/leftover"


def prerequisites(b: Any, pre: dict) -> dict:
    iam, eks = b.client("iam"), b.client("eks")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
    }
    second = iam.create_role(RoleName=SECOND_ROLE, Path="/pod-identity/", AssumeRolePolicyDocument=json.dumps(trust))
    second_arn = second["Role"]["Arn"]
    cluster = pre["eks_base_cluster"]
    for key, role, tags in (
        (CA, second_arn, {"Stale": "yes", "Project": "old"}),
        (CERT_MANAGER, pre["eks_pod_role_arn"], None),
        (STALE, second_arn, {"Stale": "yes"}),
    ):
        namespace, account = key.split("/")
        kwargs = {"tags": tags} if tags else {}
        eks.create_pod_identity_association(
            clusterName=cluster, namespace=namespace, serviceAccount=account, roleArn=role, **kwargs
        )
    return {"eks_pod_role2_arn": second_arn}


def _args(pre: dict) -> dict:
    return {
        "cluster_name": pre["eks_base_cluster"],
        "tags": TAGS,
        "purge_associations": True,
        "associations": [
            {
                "namespace": "kube-system",
                "service_account": "cluster-autoscaler",
                "role_arn": pre["eks_pod_role_arn"],
                "tags": {"Component": "cluster-autoscaler"},
            },
            {
                "namespace": "external-secrets",
                "service_account": "external-secrets",
                "role_arn": pre["eks_pod_role2_arn"],
                "tags": {"Component": "external-secrets", "Project": "wealist"},
            },
            {"namespace": "cert-manager", "service_account": "cert-manager", "state": "absent"},
        ],
    }


def _read(b: Any, pre: dict) -> dict:
    """``namespace/service_account`` → role (DescribePodIdentityAssociation) and tags (ListTagsForResource), of
    every association of the cluster that no add-on owns."""
    eks, cluster = b.client("eks"), pre["eks_base_cluster"]
    pages = eks.get_paginator("list_pod_identity_associations").paginate(clusterName=cluster)
    state = {}
    for summary in (s for page in pages for s in page["associations"] if not s.get("ownerArn")):
        found = eks.describe_pod_identity_association(clusterName=cluster, associationId=summary["associationId"])
        association = found["association"]
        state[f"{association['namespace']}/{association['serviceAccount']}"] = {
            "role_arn": association["roleArn"],
            "tags": eks.list_tags_for_resource(resourceArn=summary["associationArn"])["tags"],
        }
    return state


CASES = [
    Case(
        id="eks_pod_identity_associations",
        module="eks_pod_identity_associations",
        args=_args,
        read=_read,
        before=lambda pre: {
            CERT_MANAGER: {"role_arn": pre["eks_pod_role_arn"], "tags": {}},
            CA: {"role_arn": pre["eks_pod_role2_arn"], "tags": {"Stale": "yes", "Project": "old"}},
            STALE: {"role_arn": pre["eks_pod_role2_arn"], "tags": {"Stale": "yes"}},
        },
        after=lambda pre: {
            CA: {
                "role_arn": pre["eks_pod_role_arn"],
                "tags": {"Project": "modtest", "Environment": "test", "Component": "cluster-autoscaler"},
            },
            ESO: {
                "role_arn": pre["eks_pod_role2_arn"],
                "tags": {"Project": "wealist", "Environment": "test", "Component": "external-secrets"},
            },
        },
    ),
]
