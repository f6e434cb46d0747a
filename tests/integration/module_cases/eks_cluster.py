"""Four-run cases of eks_cluster.

``eks_cluster``: a new cluster ``modtest-eks`` (not the base cluster) with every managed setting - version 1.34,
the cluster role, both subnets, a public and private endpoint restricted to 203.0.113.0/24, the five log types,
secrets encryption with the prerequisites' key, authentication mode API_AND_CONFIG_MAP, tags.

``eks_cluster_upgrade``: a 1.33 cluster made here with boto3 (CONFIG_MAP, public endpoint only, no logs, a stale
tag), upgraded to 1.34 with its endpoint, logging and authentication mode changed: one UpdateClusterConfig per
kind of change, then UpdateClusterVersion, each recorded by the emulator as an update whose type is read back.

Expected values are written from the options below and the EKS API reference (DescribeCluster shapes:
``logging.clusterLogging`` enabled/disabled setups, ``encryptionConfig`` with ``provider.keyArn``, update types).
"""

from __future__ import annotations

import json
from typing import Any

from . import TAGS, Case, P

CLUSTER = f"{P}-eks"
UPGRADED = f"{P}-eks-upgrade"
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


def prerequisites(b: Any, pre: dict) -> dict:
    # A role of its own: the families' prerequisites run by file name, eks_common's (the shared roles) after this.
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    role = b.client("iam").create_role(RoleName=f"{UPGRADED}-role", AssumeRolePolicyDocument=json.dumps(trust))
    b.client("eks").create_cluster(
        name=UPGRADED,
        version="1.33",
        roleArn=role["Role"]["Arn"],
        resourcesVpcConfig={"subnetIds": pre["subnets"], "endpointPublicAccess": True, "endpointPrivateAccess": False},
        tags={**TAGS, "Stale": "yes"},
    )
    return {"eks_upgrade_role_arn": role["Role"]["Arn"]}


def read(b: Any, name: str) -> dict | None:
    eks = b.client("eks")
    try:
        c = eks.describe_cluster(name=name)["cluster"]
    except eks.exceptions.ResourceNotFoundException:
        return None
    vpc = c["resourcesVpcConfig"]
    updates = [eks.describe_update(name=name, updateId=u)["update"] for u in eks.list_updates(name=name)["updateIds"]]
    return {
        "status": c["status"],
        "version": c["version"],
        "role": c["roleArn"],
        "subnets": sorted(vpc["subnetIds"]),
        "endpoint": (vpc["endpointPublicAccess"], vpc["endpointPrivateAccess"], sorted(vpc["publicAccessCidrs"])),
        "logs": sorted(t for s in c["logging"]["clusterLogging"] if s["enabled"] for t in s["types"]),
        "encryption": c.get("encryptionConfig", []),
        "access": (
            c["accessConfig"]["authenticationMode"],
            c["accessConfig"]["bootstrapClusterCreatorAdminPermissions"],
        ),
        "updates": sorted((u["type"], u["status"]) for u in updates),
        "deletion_protection": c.get("deletionProtection", False),
        "tags": eks.list_tags_for_resource(resourceArn=c["arn"])["tags"],
    }


CASES = [
    Case(
        id="eks_cluster",
        module="eks_cluster",
        args=lambda pre: {
            "name": CLUSTER,
            "version": "1.34",
            "role_arn": pre["eks_cluster_role_arn"],
            "subnets": pre["subnets"],
            "endpoint_public_access": True,
            "endpoint_private_access": True,
            "public_access_cidrs": ["203.0.113.0/24"],
            "logging": LOG_TYPES,
            "encryption_key_arn": pre["key_arn"],
            "authentication_mode": "API_AND_CONFIG_MAP",
            "bootstrap_cluster_creator_admin_permissions": True,
            "tags": TAGS,
        },
        read=lambda b, pre: read(b, CLUSTER),
        before=lambda pre: None,
        after=lambda pre: {
            "status": "ACTIVE",
            "version": "1.34",
            "role": pre["eks_cluster_role_arn"],
            "subnets": sorted(pre["subnets"]),
            "endpoint": (True, True, ["203.0.113.0/24"]),
            "logs": sorted(LOG_TYPES),
            "encryption": [{"resources": ["secrets"], "provider": {"keyArn": pre["key_arn"]}}],
            "access": ("API_AND_CONFIG_MAP", True),
            "updates": [],  # everything set by CreateCluster
            "deletion_protection": False,
            "tags": TAGS,
        },
    ),
    Case(
        id="eks_cluster_upgrade",
        module="eks_cluster",
        args=lambda pre: {
            "name": UPGRADED,
            "version": "1.34",
            "endpoint_private_access": True,
            "logging": ["api", "audit"],
            "authentication_mode": "API_AND_CONFIG_MAP",
            "deletion_protection": True,
            "tags": TAGS,
        },
        read=lambda b, pre: read(b, UPGRADED),
        before=lambda pre: {
            "status": "ACTIVE",
            "version": "1.33",
            "role": pre["eks_upgrade_role_arn"],
            "subnets": sorted(pre["subnets"]),
            "endpoint": (True, False, ["0.0.0.0/0"]),  # the API's defaults
            "logs": [],
            "encryption": [],
            "access": ("CONFIG_MAP", True),  # CreateAccessConfigRequest defaults
            "updates": [],
            "deletion_protection": False,
            "tags": {**TAGS, "Stale": "yes"},
        },
        after=lambda pre: {
            "status": "ACTIVE",
            "version": "1.34",
            "role": pre["eks_upgrade_role_arn"],
            "subnets": sorted(pre["subnets"]),
            "endpoint": (True, True, ["0.0.0.0/0"]),
            "logs": ["api", "audit"],
            "encryption": [],
            "access": ("API_AND_CONFIG_MAP", True),
            "updates": [
                ("AccessConfigUpdate", "Successful"),
                ("DeletionProtectionUpdate", "Successful"),
                ("EndpointAccessUpdate", "Successful"),
                ("LoggingUpdate", "Successful"),
                ("VersionUpdate", "Successful"),
            ],
            "deletion_protection": True,
            "tags": TAGS,
        },
    ),
]
