#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: eks_cluster_info
short_description: Read an EKS cluster, its node groups' versions and the add-on versions EKS offers for a version
version_added: 0.1.0
description:
  - Reads one EKS cluster by name (C(DescribeCluster)); a cluster that does not exist is not an error
    (RV(exists) false, RV(cluster) empty).
  - With O(nodegroups), also the cluster's managed node groups (C(ListNodegroups), C(DescribeNodegroup)) with
    their Kubernetes and AMI release versions - EKS upgrades the control plane only while every node group runs
    its version.
  - With O(addon_versions), the versions of those add-ons that C(DescribeAddonVersions) lists as compatible with
    O(kubernetes_version) (default the cluster's version), to check pinned add-on versions before a cluster
    upgrade.
  - Only reads; never changes anything (C(changed) is always false, also in check mode).
options:
  name:
    description: Name of the cluster.
    type: str
    required: true
  nodegroups:
    description: Also list the cluster's managed node groups and their versions (RV(nodegroups)).
    type: bool
    default: false
  addon_versions:
    description: Add-on names whose versions compatible with O(kubernetes_version) are returned in RV(addon_versions).
    type: list
    elements: str
    default: []
  kubernetes_version:
    description:
      - The Kubernetes version (C(<major>.<minor>)) O(addon_versions) are looked up for. Omitted - the cluster's
        version, or every version when the cluster does not exist.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - "IAM actions: C(eks:DescribeCluster), and with the options C(eks:ListNodegroups), C(eks:DescribeNodegroup),
    C(eks:DescribeAddonVersions)."
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: Read the cluster and its node groups' versions before raising its version
  cloudops.eks_platform.eks_cluster_info:
    name: wealist-prod-eks
    nodegroups: true
    addon_versions: [vpc-cni, kube-proxy, coredns]
    kubernetes_version: "1.35"
  register: eks_now

- name: Refuse a jump of two minor versions
  ansible.builtin.assert:
    that: not eks_now.exists or eks_now.cluster.version in ['1.34', '1.35']
"""

RETURN = r"""
exists:
  description: Whether the cluster exists.
  returned: always
  type: bool
cluster:
  description: The cluster as DescribeCluster returns it, snake_cased, C(tags) as a dict; empty when it does not exist.
  returned: always
  type: dict
  sample: {"name": "wealist-prod-eks", "version": "1.34", "status": "ACTIVE", "platform_version": "eks.8"}
nodegroups:
  description: The cluster's managed node groups by name (empty without O(nodegroups) or without the cluster).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "wealist-prod-spot", "version": "1.34", "release_version": "1.34.2-20251112", "status": "ACTIVE"}]
addon_versions:
  description: Add-on name to its versions compatible with O(kubernetes_version), newest first as EKS lists them
    (empty list - none, or an add-on EKS does not know).
  returned: always
  type: dict
  sample: {"kube-proxy": ["v1.34.1-eksbuild.2", "v1.34.0-eksbuild.4"]}
kubernetes_version:
  description: The Kubernetes version RV(addon_versions) are for (null - every version).
  returned: always
  type: str
"""

from typing import Any

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import AWS_ERRORS, paginate
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks import (
    compatible_versions,
    describe_cluster,
    describe_nodegroup,
    parse_version,
)


# --- pure --------------------------------------------------------------------------------------------------------
def cluster_view(cluster: dict[str, Any] | None) -> dict[str, Any]:
    """DescribeCluster's ``cluster`` snake_cased with the tags as they are ({} when absent)."""
    if not cluster:
        return {}
    view = camel_dict_to_snake_dict(cluster, ignore_list=["tags"])
    view["tags"] = dict(cluster.get("tags") or {})
    return view


def nodegroup_version(name: str, nodegroup: dict[str, Any] | None) -> dict[str, Any]:
    """One item of ``nodegroups``: name, Kubernetes version, AMI release version, status (None when gone)."""
    ng = nodegroup or {}
    return {
        "name": name,
        "version": ng.get("version"),
        "release_version": ng.get("releaseVersion"),
        "status": ng.get("status"),
    }


def lookup_version(requested: str | None, cluster: dict[str, Any] | None) -> str | None:
    """The Kubernetes version the add-on versions are read for: the requested one, else the cluster's."""
    return requested or (cluster or {}).get("version")


# --- the run -------------------------------------------------------------------------------------------------------
def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            nodegroups=dict(type="bool", default=False),
            addon_versions=dict(type="list", elements="str", default=[]),
            kubernetes_version=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["kubernetes_version"] is not None and parse_version(p["kubernetes_version"]) is None:
        wrong = p["kubernetes_version"]
        module.fail_json(msg=f'kubernetes_version must be <major>.<minor>, e.g. "1.34"; got {wrong!r}')
    client = module.client("eks")
    cluster = describe_cluster(module, client, p["name"])
    groups = []
    try:
        if cluster and p["nodegroups"]:
            names = paginate(client, "list_nodegroups", clusterName=p["name"]).get("nodegroups") or []
            groups = [nodegroup_version(n, describe_nodegroup(module, client, p["name"], n)) for n in sorted(names)]
        version = lookup_version(p["kubernetes_version"], cluster)
        addons = {}
        for addon in p["addon_versions"]:
            kwargs = {"addonName": addon, **({"kubernetesVersion": version} if version else {})}
            addons[addon] = compatible_versions(paginate(client, "describe_addon_versions", **kwargs).get("addons", []),
                                                version)  # fmt: skip
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to read the node groups or add-on versions of EKS cluster {p['name']}")
    module.exit_json(
        changed=False, exists=cluster is not None, cluster=cluster_view(cluster), nodegroups=groups,
        addon_versions=addons, kubernetes_version=version,
    )  # fmt: skip


if __name__ == "__main__":
    main()
