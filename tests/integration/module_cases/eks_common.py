"""What the EKS cases share: the IAM roles a cluster and a node group need and a base cluster made with boto3
(``modtest-base``, authentication mode API_AND_CONFIG_MAP, in the prerequisites' two subnets), which the
access-entry, pod-identity, add-on and node-group cases work on. The eks_cluster case makes a cluster of its
own. No case of its own here; ``ORDER = 0`` makes its prerequisites run before theirs."""

from __future__ import annotations

import json
from typing import Any

from . import TAGS, Case, P

CASES: list[Case] = []
ORDER = 0  # its prerequisites first: the other EKS families use them
BASE_CLUSTER = f"{P}-base"
K8S_VERSION = "1.34"  # the newest version the emulator serves (its add-on catalog pins versions for it)


def _trust(service: str, actions: tuple[str, ...] = ("sts:AssumeRole",)) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": list(actions)}],
        }
    )


def prerequisites(b: Any, pre: dict) -> dict:
    iam, eks = b.client("iam"), b.client("eks")
    cluster_role = iam.create_role(RoleName=f"{P}-eks-cluster", AssumeRolePolicyDocument=_trust("eks.amazonaws.com"))
    node_role = iam.create_role(RoleName=f"{P}-eks-node", AssumeRolePolicyDocument=_trust("ec2.amazonaws.com"))
    pod_role = iam.create_role(
        RoleName=f"{P}-pod-identity",
        AssumeRolePolicyDocument=_trust("pods.eks.amazonaws.com", ("sts:AssumeRole", "sts:TagSession")),
    )
    cluster = eks.create_cluster(
        name=BASE_CLUSTER,
        version=K8S_VERSION,
        roleArn=cluster_role["Role"]["Arn"],
        resourcesVpcConfig={"subnetIds": pre["subnets"]},
        accessConfig={"authenticationMode": "API_AND_CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": True},
        tags=TAGS,
    )["cluster"]
    return {
        "eks_cluster_role_arn": cluster_role["Role"]["Arn"],
        "eks_node_role_arn": node_role["Role"]["Arn"],
        "eks_pod_role_arn": pod_role["Role"]["Arn"],
        "eks_base_cluster": BASE_CLUSTER,
        "eks_base_cluster_arn": cluster["arn"],
    }
