"""Static EKS data the local backend serves: access policies and a representative add-on catalog.

The add-on catalog is not a copy of AWS's (which changes weekly); it holds the add-ons the project
installs with a few versions each, newest first, including the versions pinned by the reference
inventory (vpc-cni v1.21.1-eksbuild.1, coredns v1.12.4-eksbuild.1, kube-proxy v1.34.1-eksbuild.2,
aws-ebs-csi-driver v1.54.0-eksbuild.1, eks-pod-identity-agent v1.3.10-eksbuild.2). For a cluster
version, the default add-on version is the newest compatible one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Kubernetes versions the catalog knows; add-on compatibility is only enforced for these.
KUBERNETES_VERSIONS: tuple[str, ...] = ("1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "1.34")

#: What EKS uses when CreateCluster has no ``version`` (moto's default is 1.19).
DEFAULT_CLUSTER_VERSION = "1.33"

ACCESS_POLICY_NAMES: tuple[str, ...] = (
    "AmazonEKSAdminPolicy",
    "AmazonEKSAdminViewPolicy",
    "AmazonEKSAutoNodePolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSClusterInsightsPolicy",
    "AmazonEKSComputePolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSHybridPolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingPolicy",
    "AmazonEKSViewPolicy",
    "AmazonEMRJobPolicy",
)


def access_policy_arn(name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:eks::aws:cluster-access-policy/{name}"


def access_policies(partition: str = "aws") -> list[dict[str, str]]:
    """ListAccessPolicies items, sorted by name like the real API."""
    return [{"name": name, "arn": access_policy_arn(name, partition)} for name in sorted(ACCESS_POLICY_NAMES)]


_ALL = KUBERNETES_VERSIONS


@dataclass(frozen=True)
class AddonVersion:
    version: str
    cluster_versions: tuple[str, ...]


@dataclass(frozen=True)
class AddonSpec:
    name: str
    type: str
    versions: tuple[AddonVersion, ...]
    requires_iam_permissions: bool = False
    namespace: str = "kube-system"
    pod_identity: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def version(self, version: str) -> AddonVersion | None:
        return next((v for v in self.versions if v.version == version), None)

    def default_version(self, cluster_version: str) -> str:
        for candidate in self.versions:
            if cluster_version in candidate.cluster_versions:
                return candidate.version
        return self.versions[0].version

    def supports(self, version: str, cluster_version: str) -> bool:
        found = self.version(version)
        if found is None:
            return False
        return cluster_version not in KUBERNETES_VERSIONS or cluster_version in found.cluster_versions

    def describe(self, cluster_version: str | None) -> dict[str, Any] | None:
        """One DescribeAddonVersions ``addons`` item (None if no version fits ``cluster_version``)."""
        versions = [v for v in self.versions if cluster_version is None or cluster_version in v.cluster_versions]
        if not versions:
            return None
        items = []
        for ver in versions:
            cvs = [cv for cv in ver.cluster_versions if cluster_version is None or cv == cluster_version]
            items.append(
                {
                    "addonVersion": ver.version,
                    "architecture": ["amd64", "arm64"],
                    "computeTypes": ["ec2", "hybrid"],
                    "compatibilities": [
                        {
                            "clusterVersion": cv,
                            "platformVersions": ["*"],
                            "defaultVersion": self.default_version(cv) == ver.version,
                        }
                        for cv in cvs
                    ],
                    "requiresConfiguration": False,
                    "requiresIamPermissions": self.requires_iam_permissions,
                }
            )
        return {
            "addonName": self.name,
            "type": self.type,
            "addonVersions": items,
            "publisher": "eks",
            "owner": "aws",
            "defaultNamespace": self.namespace,
        }


def _v(version: str, *cluster_versions: str) -> AddonVersion:
    return AddonVersion(version, tuple(cluster_versions) or _ALL)


ADDONS: dict[str, AddonSpec] = {
    spec.name: spec
    for spec in (
        AddonSpec(
            "vpc-cni",
            "networking",
            (
                _v("v1.21.1-eksbuild.1"),
                _v("v1.20.4-eksbuild.2"),
                _v("v1.19.6-eksbuild.7", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"),
                _v("v1.18.5-eksbuild.1", "1.28", "1.29", "1.30", "1.31"),
            ),
            requires_iam_permissions=True,
            pod_identity=(
                {
                    "serviceAccount": "aws-node",
                    "recommendedManagedPolicies": ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"],
                },
            ),
        ),
        AddonSpec(
            "coredns",
            "networking",
            (
                _v("v1.12.4-eksbuild.1", "1.34"),
                _v("v1.12.3-eksbuild.1", "1.33", "1.34"),
                _v("v1.12.2-eksbuild.4", "1.33"),
                _v("v1.11.4-eksbuild.14", "1.29", "1.30", "1.31", "1.32"),
                _v("v1.11.3-eksbuild.2", "1.29", "1.30", "1.31"),
                _v("v1.10.1-eksbuild.18", "1.28"),
            ),
        ),
        AddonSpec(
            "kube-proxy",
            "networking",
            (
                _v("v1.34.1-eksbuild.2", "1.34"),
                _v("v1.34.0-eksbuild.4", "1.34"),
                _v("v1.33.5-eksbuild.2", "1.33"),
                _v("v1.33.3-eksbuild.6", "1.33"),
                _v("v1.32.9-eksbuild.2", "1.32"),
                _v("v1.31.13-eksbuild.2", "1.31"),
                _v("v1.30.14-eksbuild.12", "1.30"),
                _v("v1.29.15-eksbuild.19", "1.29"),
                _v("v1.28.15-eksbuild.34", "1.28"),
            ),
        ),
        AddonSpec(
            "aws-ebs-csi-driver",
            "storage",
            (
                _v("v1.54.0-eksbuild.1"),
                _v("v1.53.0-eksbuild.1"),
                _v("v1.48.0-eksbuild.2"),
                _v("v1.45.0-eksbuild.2"),
            ),
            requires_iam_permissions=True,
            pod_identity=(
                {
                    "serviceAccount": "ebs-csi-controller-sa",
                    "recommendedManagedPolicies": ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"],
                },
            ),
        ),
        AddonSpec(
            "aws-efs-csi-driver",
            "storage",
            (_v("v2.1.15-eksbuild.1"), _v("v2.1.10-eksbuild.1")),
            requires_iam_permissions=True,
            pod_identity=(
                {
                    "serviceAccount": "efs-csi-controller-sa",
                    "recommendedManagedPolicies": ["arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"],
                },
            ),
        ),
        AddonSpec(
            "eks-pod-identity-agent",
            "security",
            (_v("v1.3.10-eksbuild.2"), _v("v1.3.9-eksbuild.5"), _v("v1.3.8-eksbuild.2")),
        ),
        AddonSpec("snapshot-controller", "storage", (_v("v8.3.0-eksbuild.1"), _v("v8.2.0-eksbuild.1"))),
        AddonSpec("metrics-server", "observability", (_v("v0.8.0-eksbuild.2"), _v("v0.7.2-eksbuild.4"))),
        AddonSpec(
            "amazon-cloudwatch-observability",
            "observability",
            (_v("v4.6.0-eksbuild.1"), _v("v4.3.0-eksbuild.1")),
            requires_iam_permissions=True,
            namespace="amazon-cloudwatch",
        ),
    )
}

#: JSON schema served by DescribeAddonConfiguration (the local backend does not validate against it).
GENERIC_CONFIGURATION_SCHEMA = (
    '{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":true,"properties":{}}'
)
