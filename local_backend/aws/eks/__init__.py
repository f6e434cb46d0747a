"""EKS APIs and fields moto 5.2.5 lacks, served in the shapes of botocore's ``eks`` model. One module per
API family: ``access`` (access entries and policies), ``pod_identity``, ``addons`` (+ the ``catalog``),
``updates``, ``clusters``, ``nodegroups`` (+ their Auto Scaling groups), ``tags``; ``common`` holds the
errors, request helpers and the per-cluster state.

moto routes REST paths to operations through botocore's service model, so adding a method named
after the operation to ``moto.eks.responses.EKSResponse`` and the path to ``moto.eks.urls.url_paths``
(before the server creates its EKS app) is enough for boto3 to be served. Errors are moto's EKS
exceptions, i.e. botocore's error shapes: ``ResourceNotFoundException`` (404),
``ResourceInUseException`` (409), ``InvalidParameterException`` / ``InvalidRequestException`` (400).

Fidelity gaps covered (all 404 or silently dropped in moto 5.2.5):

* Access entries (Create/Describe/List/Update/DeleteAccessEntry), access-policy associations
  (Associate/DisassociateAccessPolicy, ListAssociatedAccessPolicies) and ListAccessPolicies. As in EKS
  they need authenticationMode API or API_AND_CONFIG_MAP; creating a cluster with
  ``bootstrapClusterCreatorAdminPermissions`` (default true) in those modes creates the creator's entry
  with AmazonEKSClusterAdminPolicy, and a managed node group's role gets an EC2_LINUX entry.
* Pod identity associations (Create/Describe/List/Update/DeletePodIdentityAssociation).
* Add-ons (Create/Describe/List/Update/DeleteAddon, DescribeAddonVersions,
  DescribeAddonConfiguration) from the catalog in ``catalog``; status CREATING/UPDATING -> ACTIVE
  under latency mode; add-on pod identity associations.
* DescribeUpdate / ListUpdates for the updates of UpdateClusterConfig, UpdateNodegroupConfig and
  UpdateAddon.
* Cluster ``accessConfig`` (moto accepts it on CreateCluster and drops it; default authenticationMode
  CONFIG_MAP as the API documents), ``upgradePolicy``, ``zonalShiftConfig``, ``deletionProtection``;
  UpdateClusterConfig returns an ``update`` (moto returns the cluster, so boto3 sees no update), changes
  one kind of setting per call like EKS, merges ``resourcesVpcConfig`` instead of replacing it, and
  rejects no-op changes and backwards authentication-mode moves.
* ``resourcesVpcConfig`` completed like EKS does: ``vpcId``, ``clusterSecurityGroupId`` (a real security
  group ``eks-cluster-sg-<name>-<n>`` in that VPC), endpoint access defaults; ``logging`` normalised to
  enabled and disabled type lists; Kubernetes version defaults to a current one instead of 1.19.
* Node groups: ``updateConfig`` defaults to ``{"maxUnavailable": 1}`` (moto omits it and drops the
  request's, so ``community.aws.eks_nodegroup`` fails with KeyError 'updateConfig'), version follows
  the cluster, AL2023 AMI default from 1.30, no phantom ``remoteAccess``, scaling sizes validated,
  correct UpdateNodegroupConfig ``params``; the Auto Scaling group it names exists; UpdateNodegroupVersion
  (moto: 404) within the cluster's version, recorded as an ``update``.
* TagResource/UntagResource/ListTagsForResource work on node groups, Fargate profiles, add-ons, access
  entries and pod identity associations, not only clusters.
"""

from __future__ import annotations

from moto.eks import urls as eks_urls
from moto.eks.models import EKSBackend
from moto.eks.responses import EKSResponse

from . import access, addons, clusters, nodegroups, pod_identity, tags, updates

_installed = False


def install() -> None:
    """Register the extra EKS operations and wrappers once per process, before the server starts."""
    global _installed
    if _installed:
        return
    for family in (access, pod_identity, addons, updates, nodegroups):
        for path in family.URL_PATHS:
            eks_urls.url_paths.setdefault(path, eks_urls.response.dispatch)
    for family in (access, pod_identity, addons, updates, clusters, nodegroups):
        for method in family.RESPONSE_METHODS:
            setattr(EKSResponse, method.__name__, method)
    EKSResponse.create_cluster = clusters.wrap_create_cluster(EKSResponse.create_cluster)  # type: ignore[method-assign]
    EKSBackend.delete_cluster = clusters.wrap_delete_cluster(EKSBackend.delete_cluster)  # type: ignore[method-assign]
    EKSResponse.create_nodegroup = nodegroups.wrap_create_nodegroup(EKSResponse.create_nodegroup)  # type: ignore[method-assign]
    EKSResponse.update_nodegroup_config = nodegroups.wrap_update_nodegroup_config(  # type: ignore[method-assign]
        EKSResponse.update_nodegroup_config
    )
    EKSBackend.delete_nodegroup = nodegroups.wrap_delete_nodegroup(  # type: ignore[method-assign]
        EKSBackend.delete_nodegroup
    )
    EKSBackend.tag_resource = tags.tag_resource  # type: ignore[method-assign]
    EKSBackend.untag_resource = tags.untag_resource  # type: ignore[method-assign]
    EKSBackend.list_tags_for_resource = tags.list_tags_for_resource  # type: ignore[method-assign]
    _installed = True
