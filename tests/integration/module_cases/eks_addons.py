"""eks_addons on the base cluster (Kubernetes 1.34).

Before the runs (made with boto3): kube-proxy v1.34.0-eksbuild.4 with its configuration values written as YAML
and two tags (one stale, one with an old value). The case asks for vpc-cni v1.21.1-eksbuild.1 (created) with the
prefix-delegation settings as configuration values, a pod identity association for its ``aws-node`` service
account and a tag of its own; kube-proxy v1.34.1-eksbuild.2 (updated: UpdateAddon and its ``update``) with the
same configuration as a dict - equal once parsed, so it is not sent again and its YAML text stays as it is - and
the common tags (stale tag purged); metrics-server absent (never made: nothing to do).
"""

from __future__ import annotations

from typing import Any

import yaml

from . import TAGS, Case

CNI_ENV = {
    "POD_SECURITY_GROUP_ENFORCING_MODE": "standard",
    "ENABLE_PREFIX_DELEGATION": "true",
    "WARM_PREFIX_TARGET": "1",
}
KUBE_PROXY_YAML = "resources:\n  requests:\n    cpu: 100m\n    memory: 50Mi\n"
NAMES = ("vpc-cni", "kube-proxy", "metrics-server")


def prerequisites(b: Any, pre: dict) -> dict:
    b.client("eks").create_addon(
        clusterName=pre["eks_base_cluster"],
        addonName="kube-proxy",
        addonVersion="v1.34.0-eksbuild.4",
        configurationValues=KUBE_PROXY_YAML,
        resolveConflicts="OVERWRITE",
        tags={"Stale": "yes", "Project": "old"},
    )
    return {}


def _args(pre: dict) -> dict:
    return {
        "cluster_name": pre["eks_base_cluster"],
        "tags": TAGS,
        "wait_timeout": 120,
        "addons": [
            {
                "name": "vpc-cni",
                "version": "v1.21.1-eksbuild.1",
                "resolve_conflicts": "OVERWRITE",
                "configuration_values": {"env": CNI_ENV},
                "pod_identity_associations": [{"service_account": "aws-node", "role_arn": pre["eks_pod_role_arn"]}],
                "tags": {"Component": "vpc-cni"},
            },
            {
                "name": "kube-proxy",
                "version": "v1.34.1-eksbuild.2",
                "configuration_values": {"resources": {"requests": {"memory": "50Mi", "cpu": "100m"}}},
            },
            {"name": "metrics-server", "state": "absent"},
        ],
    }


def _read(b: Any, pre: dict) -> dict:
    """DescribeAddon (+ DescribePodIdentityAssociation of its associations, ListTagsForResource) of each add-on,
    None when it does not exist; and kube-proxy's configuration text as EKS holds it."""
    eks, cluster = b.client("eks"), pre["eks_base_cluster"]
    state: dict[str, Any] = {}
    for name in NAMES:
        try:
            addon = eks.describe_addon(clusterName=cluster, addonName=name)["addon"]
        except eks.exceptions.ResourceNotFoundException:
            state[name] = None
            continue
        associations = []
        for arn in addon.get("podIdentityAssociations", []):
            found = eks.describe_pod_identity_association(clusterName=cluster, associationId=arn.rsplit("/", 1)[-1])
            a = found["association"]
            associations.append(
                {"namespace": a["namespace"], "service_account": a["serviceAccount"], "role_arn": a["roleArn"]}
            )
        text = addon.get("configurationValues")
        state[name] = {
            "version": addon["addonVersion"],
            "status": addon["status"],
            "configuration_values": yaml.safe_load(text) if text else None,  # JSON or YAML (YAML reads both)
            "service_account_role_arn": addon.get("serviceAccountRoleArn"),
            "pod_identity_associations": associations,
            "tags": eks.list_tags_for_resource(resourceArn=addon["addonArn"])["tags"],
        }
        if name == "kube-proxy":
            state["kube-proxy configuration text"] = text
    return state


def _kube_proxy(version: str, tags: dict) -> dict:
    return {
        "version": version,
        "status": "ACTIVE",
        "configuration_values": {"resources": {"requests": {"cpu": "100m", "memory": "50Mi"}}},
        "service_account_role_arn": None,
        "pod_identity_associations": [],
        "tags": tags,
    }


def _after(pre: dict) -> dict:
    return {
        "vpc-cni": {
            "version": "v1.21.1-eksbuild.1",
            "status": "ACTIVE",
            "configuration_values": {
                "env": {
                    "POD_SECURITY_GROUP_ENFORCING_MODE": "standard",
                    "ENABLE_PREFIX_DELEGATION": "true",
                    "WARM_PREFIX_TARGET": "1",
                }
            },
            "service_account_role_arn": None,
            # the add-on's own association, in its namespace (DescribeAddonVersions defaultNamespace)
            "pod_identity_associations": [
                {"namespace": "kube-system", "service_account": "aws-node", "role_arn": pre["eks_pod_role_arn"]}
            ],
            "tags": {"Project": "modtest", "Environment": "test", "Component": "vpc-cni"},
        },
        "kube-proxy": _kube_proxy("v1.34.1-eksbuild.2", {"Project": "modtest", "Environment": "test"}),
        "kube-proxy configuration text": "resources:\n  requests:\n    cpu: 100m\n    memory: 50Mi\n",
        "metrics-server": None,
    }


CASES = [
    Case(
        id="eks_addons",
        module="eks_addons",
        args=_args,
        read=_read,
        before=lambda pre: {
            "vpc-cni": None,
            "kube-proxy": _kube_proxy("v1.34.0-eksbuild.4", {"Stale": "yes", "Project": "old"}),
            "kube-proxy configuration text": "resources:\n  requests:\n    cpu: 100m\n    memory: 50Mi\n",
            "metrics-server": None,
        },
        after=_after,
    ),
]
