"""EKS APIs and fields moto 5.2.5 lacks, served in the shapes of botocore's ``eks`` model.

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
  DescribeAddonConfiguration) from the catalog in ``eks_catalog``; status CREATING/UPDATING -> ACTIVE
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
  correct UpdateNodegroupConfig ``params``; the Auto Scaling group it names exists (``nodegroups``).
* TagResource/UntagResource/ListTagsForResource work on node groups, Fargate profiles, add-ons, access
  entries and pod identity associations, not only clusters.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends
from moto.eks import urls as eks_urls
from moto.eks.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from moto.eks.models import EKSBackend
from moto.eks.responses import EKSResponse
from moto.moto_api._internal import mock_random as random
from moto.utilities.utils import get_partition

from . import eks_catalog, latency, nodegroups

PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):(?P<kind>role|user)/(?:.*/)?(?P<name>[^/]+)$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
ACCESS_ENTRY_TYPES = ("STANDARD", "FARGATE_LINUX", "EC2_LINUX", "EC2_WINDOWS", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX")
AUTHENTICATION_MODES = ("API", "API_AND_CONFIG_MAP", "CONFIG_MAP")
#: Allowed authenticationMode moves (EKS only goes from CONFIG_MAP towards API).
AUTHENTICATION_MODE_MOVES = {
    "CONFIG_MAP": ("API_AND_CONFIG_MAP", "API"),
    "API_AND_CONFIG_MAP": ("API",),
    "API": (),
}
RESERVED_KUBERNETES_PREFIXES = ("system:", "eks:", "aws:", "amazon:", "iam:")
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
NOT_API_MODE_MSG = (
    "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation."
)

#: Paths added to moto.eks.urls.url_paths (regexes, as moto writes them).
URL_PATHS: tuple[str, ...] = (
    "{0}/access-policies$",
    "{0}/addons/supported-versions$",
    "{0}/addons/configuration-schemas$",
    "{0}/clusters/(?P<name>[^/]+)/access-entries$",
    "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)$",
    "{0}/clusters/(?P<name>[^/]+)/pod-identity-associations$",
    "{0}/clusters/(?P<name>[^/]+)/pod-identity-associations/(?P<associationId>[^/]+)$",
    "{0}/clusters/(?P<name>[^/]+)/addons$",
    "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)$",
    "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)/update$",
    "{0}/clusters/(?P<name>[^/]+)/updates$",
    "{0}/clusters/(?P<name>[^/]+)/updates/(?P<updateId>[^/]+)$",
)


# --------------------------------------------------------------------------------------------------
# Errors (botocore's shapes carry clusterName/nodegroupName/addonName/message)


def not_found(message: str, cluster: str | None = None, nodegroup: str | None = None, addon: str | None = None) -> Any:
    return ResourceNotFoundException(
        clusterName=cluster, nodegroupName=nodegroup, fargateProfileName=None, addonName=addon, message=message
    )


def in_use(message: str, cluster: str | None = None, nodegroup: str | None = None, addon: str | None = None) -> Any:
    return ResourceInUseException(clusterName=cluster, nodegroupName=nodegroup, addonName=addon, message=message)


def invalid(message: str, cluster: str | None = None, nodegroup: str | None = None, addon: str | None = None) -> Any:
    return InvalidParameterException(
        clusterName=cluster, nodegroupName=nodegroup, fargateProfileName=None, addonName=addon, message=message
    )


def invalid_request(message: str, cluster: str | None = None, addon: str | None = None) -> Any:
    return InvalidRequestException(clusterName=cluster, nodegroupName=None, addonName=addon, message=message)


# --------------------------------------------------------------------------------------------------
# State kept on moto's Cluster objects (so moto's reset and DeleteCluster drop it with the cluster)


class AccessEntry:
    def __init__(
        self,
        cluster: Any,
        principal_arn: str,
        entry_type: str,
        groups: list[str],
        username: str,
        tags: dict[str, str],
        region: str,
        account_id: str,
    ) -> None:
        match = PRINCIPAL_ARN.match(principal_arn)
        assert match is not None
        self.cluster_name = cluster.name
        self.principal_arn = principal_arn
        self.type = entry_type
        self.kubernetes_groups = groups
        self.username = username
        self.tags = tags
        self.created_at = self.modified_at = utcnow()
        self.arn = (
            f"arn:{get_partition(region)}:eks:{region}:{account_id}:access-entry/{cluster.name}/"
            f"{match['kind']}/{match['account']}/{match['name']}/{random.uuid4()}"
        )
        self.policies: dict[str, dict[str, Any]] = {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "clusterName": self.cluster_name,
            "principalArn": self.principal_arn,
            "kubernetesGroups": list(self.kubernetes_groups),
            "accessEntryArn": self.arn,
            "createdAt": self.created_at,
            "modifiedAt": self.modified_at,
            "tags": dict(self.tags),
            "username": self.username,
            "type": self.type,
        }


class PodIdentityAssociation:
    def __init__(
        self,
        cluster: Any,
        namespace: str,
        service_account: str,
        role_arn: str,
        tags: dict[str, str],
        region: str,
        account_id: str,
        owner_arn: str | None = None,
    ) -> None:
        self.association_id = "a-" + random.get_random_string(17, lower_case=True)
        self.cluster_name = cluster.name
        self.namespace = namespace
        self.service_account = service_account
        self.role_arn = role_arn
        self.tags = tags
        self.owner_arn = owner_arn
        self.arn = (
            f"arn:{get_partition(region)}:eks:{region}:{account_id}:podidentityassociation/"
            f"{cluster.name}/{self.association_id}"
        )
        self.created_at = self.modified_at = utcnow()
        self.disable_session_tags = False
        self.target_role_arn: str | None = None
        self.external_id: str | None = None
        self.policy: str | None = None

    def summary(self) -> dict[str, Any]:
        item = {
            "clusterName": self.cluster_name,
            "namespace": self.namespace,
            "serviceAccount": self.service_account,
            "associationArn": self.arn,
            "associationId": self.association_id,
        }
        if self.owner_arn:
            item["ownerArn"] = self.owner_arn
        return item

    def to_dict(self) -> dict[str, Any]:
        item = self.summary()
        item.update(
            {
                "roleArn": self.role_arn,
                "tags": dict(self.tags),
                "createdAt": self.created_at,
                "modifiedAt": self.modified_at,
                "disableSessionTags": self.disable_session_tags,
            }
        )
        for key, value in (
            ("targetRoleArn", self.target_role_arn),
            ("externalId", self.external_id),
            ("policy", self.policy),
        ):
            if value is not None:
                item[key] = value
        return item


class Addon:
    def __init__(
        self, cluster: Any, name: str, version: str, spec: eks_catalog.AddonSpec, region: str, account_id: str
    ) -> None:
        self.addon_name = name
        self.cluster_name = cluster.name
        self.addon_version = version
        self.namespace = spec.namespace
        self.service_account_role_arn: str | None = None
        self.configuration_values: str | None = None
        self.tags: dict[str, str] = {}
        self.pod_identity_arns: list[str] = []
        self.created_at = self.modified_at = utcnow()
        self.arn = f"arn:{get_partition(region)}:eks:{region}:{account_id}:addon/{cluster.name}/{name}/{random.uuid4()}"
        self.ready_at = time.monotonic() + latency.current().delay("eks_addon")
        self.updated_until = 0.0

    @property
    def status(self) -> str:
        now = time.monotonic()
        if now < self.ready_at:
            return "CREATING"
        if now < self.updated_until:
            return "UPDATING"
        return "ACTIVE"

    def to_dict(self, status: str | None = None) -> dict[str, Any]:
        item: dict[str, Any] = {
            "addonName": self.addon_name,
            "clusterName": self.cluster_name,
            "status": status or self.status,
            "addonVersion": self.addon_version,
            "health": {"issues": []},
            "addonArn": self.arn,
            "createdAt": self.created_at,
            "modifiedAt": self.modified_at,
            "tags": dict(self.tags),
            "publisher": "eks",
            "owner": "aws",
            "podIdentityAssociations": list(self.pod_identity_arns),
        }
        if self.service_account_role_arn:
            item["serviceAccountRoleArn"] = self.service_account_role_arn
        if self.configuration_values:
            item["configurationValues"] = self.configuration_values
        if self.namespace != "kube-system":
            item["namespaceConfig"] = {"namespace": self.namespace}
        return item


class Update:
    def __init__(
        self,
        update_type: str,
        params: list[dict[str, str]],
        seconds: float = 0.0,
        nodegroup: str | None = None,
        addon: str | None = None,
    ) -> None:
        self.id = str(random.uuid4())
        self.type = update_type
        self.params = params
        self.created_at = utcnow()
        self.done_at = time.monotonic() + seconds
        self.nodegroup = nodegroup
        self.addon = addon

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": "InProgress" if time.monotonic() < self.done_at else "Successful",
            "type": self.type,
            "params": self.params,
            "createdAt": self.created_at,
            "errors": [],
        }


class ClusterExtras:
    """Everything this module keeps for one cluster."""

    def __init__(self) -> None:
        self.access_entries: dict[str, AccessEntry] = {}
        self.pod_identity: dict[str, PodIdentityAssociation] = {}
        self.addons: dict[str, Addon] = {}
        self.updates: dict[str, Update] = {}
        self.security_group_id: str | None = None


def extras(cluster: Any) -> ClusterExtras:
    found = cluster.__dict__.get("_local_backend_extras")
    if found is None:
        found = cluster.__dict__["_local_backend_extras"] = ClusterExtras()
    return found


# --------------------------------------------------------------------------------------------------
# Request helpers


def body(resp: EKSResponse) -> dict[str, Any]:
    raw = resp.body
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise invalid(f"Request body is not valid JSON: {exc}") from exc
    return parsed if isinstance(parsed, dict) else {}


def path_param(resp: EKSResponse, name: str) -> str:
    return str(resp.uri_match.get(name, ""))


def query(resp: EKSResponse) -> dict[str, list[str]]:
    return parse_qs(resp.parsed_url.query, keep_blank_values=True)


def query_value(resp: EKSResponse, name: str) -> str | None:
    values = query(resp).get(name)
    return values[0] if values else None


def get_cluster(resp: EKSResponse, name: str | None = None) -> Any:
    return resp.eks_backend.describe_cluster(name=name or path_param(resp, "name"))


def paginate(items: list[Any], resp: EKSResponse) -> tuple[list[Any], str | None]:
    """Index-token pagination for maxResults/nextToken query parameters."""
    try:
        max_results = int(query_value(resp, "maxResults") or 100)
        start = int(query_value(resp, "nextToken") or 0)
    except ValueError as exc:
        raise invalid(f"Invalid pagination parameter: {exc}") from exc
    if not 1 <= max_results <= 100:
        raise invalid("maxResults must be between 1 and 100")
    page = items[start : start + max_results]
    next_token = str(start + max_results) if start + max_results < len(items) else None
    return page, next_token


def authentication_mode(cluster: Any) -> str:
    return str((getattr(cluster, "access_config", None) or {}).get("authenticationMode", "CONFIG_MAP"))


def require_api_mode(cluster: Any) -> None:
    if authentication_mode(cluster) == "CONFIG_MAP":
        raise invalid_request(NOT_API_MODE_MSG, cluster=cluster.name)


def require_active(cluster: Any) -> None:
    if cluster.status != "ACTIVE":
        raise invalid_request(f"Cluster '{cluster.name}' is not in ACTIVE status", cluster=cluster.name)


def check_kubernetes_names(groups: list[str], username: str | None) -> None:
    for group in groups:
        if group.startswith(RESERVED_KUBERNETES_PREFIXES):
            raise invalid(f"The kubernetes group name {group} is invalid, it cannot start with {group.split(':')[0]}:")
    if username and username.startswith(RESERVED_KUBERNETES_PREFIXES):
        raise invalid(f"The username {username} is invalid, it cannot start with {username.split(':')[0]}:")


def check_configuration_values(value: str | None, addon: str) -> None:
    if not value:
        return
    try:
        parsed: Any = json.loads(value)
    except ValueError:
        import yaml

        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            parsed = None
    if not isinstance(parsed, dict):
        raise invalid(
            "ConfigurationValue provided in request is not supported: configuration must be a JSON or YAML object",
            addon=addon,
        )


# --------------------------------------------------------------------------------------------------
# Access entries


def _new_access_entry(
    resp: EKSResponse,
    cluster: Any,
    principal_arn: str,
    entry_type: str,
    groups: list[str] | None,
    username: str | None,
    tags: dict[str, str],
) -> AccessEntry:
    match = PRINCIPAL_ARN.match(principal_arn or "")
    if match is None:
        raise invalid(f"The specified principalArn is invalid: {principal_arn!r} is not an IAM role or user ARN")
    if entry_type not in ACCESS_ENTRY_TYPES:
        raise invalid(f"The specified type {entry_type!r} is invalid; valid types: {', '.join(ACCESS_ENTRY_TYPES)}")
    entry_map = extras(cluster).access_entries
    if principal_arn in entry_map:
        raise in_use("The specified access entry resource is already in use on this cluster.", cluster=cluster.name)
    if entry_type == "STANDARD":
        check_kubernetes_names(groups or [], username)
        if not username:
            if match["kind"] == "role":
                partition = get_partition(resp.region)
                username = f"arn:{partition}:sts::{match['account']}:assumed-role/{match['name']}/{{{{SessionName}}}}"
            else:
                username = principal_arn
    else:
        if groups or username:
            raise invalid(f"kubernetesGroups and username cannot be specified for access entries of type {entry_type}")
        if match["kind"] != "role":
            raise invalid(f"Access entries of type {entry_type} need an IAM role principal")
        if entry_type == "FARGATE_LINUX":
            username, groups = "system:node:{{SessionName}}", ["system:node-proxier", "system:nodes"]
        else:
            username, groups = "system:node:{{EC2PrivateDNSName}}", ["system:nodes"]
    entry = AccessEntry(
        cluster,
        principal_arn,
        entry_type,
        list(groups or []),
        str(username),
        dict(tags),
        resp.region,
        resp.current_account,
    )
    entry_map[principal_arn] = entry
    return entry


def _get_entry(cluster: Any, principal_arn: str) -> AccessEntry:
    entry = extras(cluster).access_entries.get(principal_arn)
    if entry is None:
        raise not_found(
            "The specified principalArn could not be found. You can view your available access entries with "
            "'list-access-entries'.",
            cluster=cluster.name,
        )
    return entry


def create_access_entry(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    require_api_mode(cluster)
    params = body(self)
    entry = _new_access_entry(
        self,
        cluster,
        str(params.get("principalArn") or ""),
        str(params.get("type") or "STANDARD"),
        params.get("kubernetesGroups"),
        params.get("username"),
        params.get("tags") or {},
    )
    return ActionResult({"accessEntry": entry.to_dict()})


def describe_access_entry(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    require_api_mode(cluster)
    return ActionResult({"accessEntry": _get_entry(cluster, path_param(self, "principalArn")).to_dict()})


def list_access_entries(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    require_api_mode(cluster)
    policy = query_value(self, "associatedPolicyArn")
    arns = sorted(
        arn for arn, entry in extras(cluster).access_entries.items() if policy is None or policy in entry.policies
    )
    page, next_token = paginate(arns, self)
    return ActionResult({"accessEntries": page, "nextToken": next_token})


def update_access_entry(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    require_api_mode(cluster)
    entry = _get_entry(cluster, path_param(self, "principalArn"))
    params = body(self)
    groups, username = params.get("kubernetesGroups"), params.get("username")
    if entry.type != "STANDARD" and (groups is not None or username is not None):
        raise invalid(f"kubernetesGroups and username cannot be updated for access entries of type {entry.type}")
    check_kubernetes_names(groups or [], username)
    if groups is not None:
        entry.kubernetes_groups = list(groups)
    if username:
        entry.username = username
    entry.modified_at = utcnow()
    return ActionResult({"accessEntry": entry.to_dict()})


def delete_access_entry(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    require_api_mode(cluster)
    entry = _get_entry(cluster, path_param(self, "principalArn"))
    del extras(cluster).access_entries[entry.principal_arn]
    return EmptyResult()


def _split_policy_path(resp: EKSResponse) -> tuple[str, str | None]:
    """``{principalArn}[/access-policies[/{policyArn}]]`` as matched by the greedy URL label."""
    raw = path_param(resp, "principalArn")
    principal, _, policy = raw.partition("/access-policies")
    return principal, path_param(resp, "policyArn") or policy.lstrip("/") or None


def associate_access_policy(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    require_api_mode(cluster)
    principal, _ = _split_policy_path(self)
    entry = _get_entry(cluster, principal)
    params = body(self)
    policy_arn = str(params.get("policyArn") or "")
    valid = {p["arn"] for p in eks_catalog.access_policies(get_partition(self.region))}
    if policy_arn not in valid:
        raise invalid(f"The specified policyArn is invalid: {policy_arn}", cluster=cluster.name)
    if entry.type != "STANDARD":
        raise invalid("Access policies can only be associated with access entries of type STANDARD")
    scope = params.get("accessScope") or {}
    scope_type = scope.get("type")
    namespaces = list(scope.get("namespaces") or [])
    if scope_type not in ("cluster", "namespace"):
        raise invalid("accessScope.type must be one of [cluster, namespace]")
    if scope_type == "namespace" and not namespaces:
        raise invalid("accessScope of type namespace needs at least one namespace")
    if scope_type == "cluster" and namespaces:
        raise invalid("accessScope of type cluster cannot list namespaces")
    now = utcnow()
    previous = entry.policies.get(policy_arn)
    association = {
        "policyArn": policy_arn,
        "accessScope": {"type": scope_type, "namespaces": namespaces},
        "associatedAt": previous["associatedAt"] if previous else now,
        "modifiedAt": now,
    }
    entry.policies[policy_arn] = association
    return ActionResult(
        {"clusterName": cluster.name, "principalArn": principal, "associatedAccessPolicy": dict(association)}
    )


def disassociate_access_policy(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    require_api_mode(cluster)
    principal, policy_arn = _split_policy_path(self)
    entry = _get_entry(cluster, principal)
    if not policy_arn or policy_arn not in entry.policies:
        raise not_found(f"The specified policy {policy_arn} is not associated with {principal}.", cluster=cluster.name)
    del entry.policies[policy_arn]
    return EmptyResult()


def list_associated_access_policies(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    require_api_mode(cluster)
    principal, _ = _split_policy_path(self)
    entry = _get_entry(cluster, principal)
    items = [dict(entry.policies[arn]) for arn in sorted(entry.policies)]
    page, next_token = paginate(items, self)
    return ActionResult(
        {
            "clusterName": cluster.name,
            "principalArn": principal,
            "associatedAccessPolicies": page,
            "nextToken": next_token,
        }
    )


def list_access_policies(self: EKSResponse) -> ActionResult:
    page, next_token = paginate(eks_catalog.access_policies(get_partition(self.region)), self)
    return ActionResult({"accessPolicies": page, "nextToken": next_token})


# --------------------------------------------------------------------------------------------------
# Pod identity associations


def _new_association(
    resp: EKSResponse,
    cluster: Any,
    namespace: str,
    service_account: str,
    role_arn: str,
    tags: dict[str, str],
    owner_arn: str | None = None,
) -> PodIdentityAssociation:
    if not namespace or not service_account:
        raise invalid("namespace and serviceAccount are required", cluster=cluster.name)
    if not ROLE_ARN.match(role_arn or ""):
        raise invalid(f"roleArn {role_arn!r} is not a valid IAM role ARN", cluster=cluster.name)
    for existing in extras(cluster).pod_identity.values():
        if (existing.namespace, existing.service_account) == (namespace, service_account):
            raise in_use(f"Association already exists: {existing.association_id}", cluster=cluster.name)
    association = PodIdentityAssociation(
        cluster, namespace, service_account, role_arn, dict(tags), resp.region, resp.current_account, owner_arn
    )
    extras(cluster).pod_identity[association.association_id] = association
    return association


def _get_association(cluster: Any, association_id: str) -> PodIdentityAssociation:
    association = extras(cluster).pod_identity.get(association_id)
    if association is None:
        raise not_found(f"Pod identity association {association_id} not found.", cluster=cluster.name)
    return association


def _apply_association_options(association: PodIdentityAssociation, params: dict[str, Any]) -> None:
    target = params.get("targetRoleArn")
    if target is not None:
        if target and not ROLE_ARN.match(target):
            raise invalid(f"targetRoleArn {target!r} is not a valid IAM role ARN")
        association.target_role_arn = target or None
        association.external_id = str(random.uuid4()) if target else None
    if params.get("disableSessionTags") is not None:
        association.disable_session_tags = bool(params["disableSessionTags"])
    if params.get("policy") is not None:
        association.policy = params["policy"] or None


def create_pod_identity_association(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    params = body(self)
    association = _new_association(
        self,
        cluster,
        str(params.get("namespace") or ""),
        str(params.get("serviceAccount") or ""),
        str(params.get("roleArn") or ""),
        params.get("tags") or {},
    )
    _apply_association_options(association, params)
    return ActionResult({"association": association.to_dict()})


def describe_pod_identity_association(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    return ActionResult({"association": _get_association(cluster, path_param(self, "associationId")).to_dict()})


def list_pod_identity_associations(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    namespace, service_account = query_value(self, "namespace"), query_value(self, "serviceAccount")
    items = [
        a.summary()
        for a in sorted(extras(cluster).pod_identity.values(), key=lambda a: (a.namespace, a.service_account))
        if (namespace is None or a.namespace == namespace)
        and (service_account is None or a.service_account == service_account)
    ]
    page, next_token = paginate(items, self)
    return ActionResult({"associations": page, "nextToken": next_token})


def update_pod_identity_association(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    association = _get_association(cluster, path_param(self, "associationId"))
    if association.owner_arn:
        raise invalid_request(f"Association {association.association_id} is owned by {association.owner_arn}")
    params = body(self)
    if params.get("roleArn"):
        if not ROLE_ARN.match(params["roleArn"]):
            raise invalid(f"roleArn {params['roleArn']!r} is not a valid IAM role ARN", cluster=cluster.name)
        association.role_arn = params["roleArn"]
    _apply_association_options(association, params)
    association.modified_at = utcnow()
    return ActionResult({"association": association.to_dict()})


def delete_pod_identity_association(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    association = _get_association(cluster, path_param(self, "associationId"))
    if association.owner_arn:
        raise invalid_request(f"Association {association.association_id} is owned by {association.owner_arn}")
    del extras(cluster).pod_identity[association.association_id]
    return ActionResult({"association": association.to_dict()})


# --------------------------------------------------------------------------------------------------
# Add-ons


def _addon_spec(cluster: Any, name: str) -> eks_catalog.AddonSpec:
    spec = eks_catalog.ADDONS.get(name)
    if spec is None:
        raise invalid(
            f"Addon {name} specified is not supported in {cluster.version} kubernetes version",
            cluster=cluster.name,
            addon=name,
        )
    return spec


def _check_version(cluster: Any, spec: eks_catalog.AddonSpec, version: str) -> None:
    if not spec.supports(version, cluster.version):
        raise invalid(
            f"Addon version specified is not supported: {spec.name} {version} on Kubernetes {cluster.version}",
            cluster=cluster.name,
            addon=spec.name,
        )


def _get_addon(cluster: Any, name: str) -> Addon:
    addon = extras(cluster).addons.get(name)
    if addon is None:
        raise not_found(f"No addon: {name} found in cluster: {cluster.name}", cluster=cluster.name, addon=name)
    return addon


def _addon_associations(resp: EKSResponse, cluster: Any, addon: Addon, items: list[dict[str, Any]]) -> None:
    """Replace the pod identity associations an add-on owns with ``items``."""
    for association_id in [a.association_id for a in extras(cluster).pod_identity.values() if a.owner_arn == addon.arn]:
        del extras(cluster).pod_identity[association_id]
    addon.pod_identity_arns = []
    for item in items:
        association = _new_association(
            resp,
            cluster,
            addon.namespace,
            str(item.get("serviceAccount") or ""),
            str(item.get("roleArn") or ""),
            {},
            owner_arn=addon.arn,
        )
        addon.pod_identity_arns.append(association.arn)


def create_addon(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    params = body(self)
    name = str(params.get("addonName") or "")
    spec = _addon_spec(cluster, name)
    if name in extras(cluster).addons:
        raise in_use("Addon already exists.", cluster=cluster.name, addon=name)
    require_active(cluster)
    version = str(params.get("addonVersion") or spec.default_version(cluster.version))
    _check_version(cluster, spec, version)
    role = params.get("serviceAccountRoleArn")
    if role and not ROLE_ARN.match(role):
        raise invalid(f"serviceAccountRoleArn {role!r} is not a valid IAM role ARN", cluster=cluster.name, addon=name)
    if params.get("resolveConflicts") not in (None, "OVERWRITE", "NONE", "PRESERVE"):
        raise invalid("resolveConflicts must be one of OVERWRITE, NONE, PRESERVE", cluster=cluster.name, addon=name)
    check_configuration_values(params.get("configurationValues"), name)
    addon = Addon(cluster, name, version, spec, self.region, self.current_account)
    namespace = (params.get("namespaceConfig") or {}).get("namespace")
    if namespace:
        addon.namespace = namespace
    addon.service_account_role_arn = role or None
    addon.configuration_values = params.get("configurationValues") or None
    addon.tags = dict(params.get("tags") or {})
    _addon_associations(self, cluster, addon, list(params.get("podIdentityAssociations") or []))
    extras(cluster).addons[name] = addon
    return ActionResult({"addon": addon.to_dict()})


def describe_addon(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    return ActionResult({"addon": _get_addon(cluster, path_param(self, "addonName")).to_dict()})


def list_addons(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    page, next_token = paginate(sorted(extras(cluster).addons), self)
    return ActionResult({"addons": page, "nextToken": next_token})


def update_addon(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    name = path_param(self, "addonName")
    addon = _get_addon(cluster, name)
    if addon.status != "ACTIVE":
        raise in_use(
            f"Addon {name} cannot be updated as it is currently in {addon.status} state",
            cluster=cluster.name,
            addon=name,
        )
    params = body(self)
    spec = _addon_spec(cluster, name)
    update_params: list[dict[str, str]] = []
    if params.get("addonVersion"):
        _check_version(cluster, spec, params["addonVersion"])
        addon.addon_version = params["addonVersion"]
        update_params.append({"type": "AddonVersion", "value": addon.addon_version})
    if params.get("serviceAccountRoleArn") is not None:
        role = params["serviceAccountRoleArn"]
        if role and not ROLE_ARN.match(role):
            raise invalid(
                f"serviceAccountRoleArn {role!r} is not a valid IAM role ARN", cluster=cluster.name, addon=name
            )
        addon.service_account_role_arn = role or None
        update_params.append({"type": "ServiceAccountRoleArn", "value": role})
    if params.get("resolveConflicts") is not None:
        if params["resolveConflicts"] not in ("OVERWRITE", "NONE", "PRESERVE"):
            raise invalid("resolveConflicts must be one of OVERWRITE, NONE, PRESERVE", cluster=cluster.name, addon=name)
        update_params.append({"type": "ResolveConflicts", "value": params["resolveConflicts"]})
    if params.get("configurationValues") is not None:
        check_configuration_values(params["configurationValues"], name)
        addon.configuration_values = params["configurationValues"] or None
        update_params.append({"type": "ConfigurationValues", "value": params["configurationValues"]})
    if params.get("podIdentityAssociations") is not None:
        _addon_associations(self, cluster, addon, list(params["podIdentityAssociations"]))
        update_params.append({"type": "PodIdentityAssociations", "value": json.dumps(addon.pod_identity_arns)})
    seconds = latency.current().delay("eks_addon")
    addon.updated_until = time.monotonic() + seconds
    addon.modified_at = utcnow()
    update = Update("AddonUpdate", update_params, seconds, addon=name)
    extras(cluster).updates[update.id] = update
    return ActionResult({"update": update.to_dict()})


def delete_addon(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    addon = _get_addon(cluster, path_param(self, "addonName"))
    for association_id in [a.association_id for a in extras(cluster).pod_identity.values() if a.owner_arn == addon.arn]:
        del extras(cluster).pod_identity[association_id]
    del extras(cluster).addons[addon.addon_name]
    return ActionResult({"addon": addon.to_dict(status="DELETING")})


def describe_addon_versions(self: EKSResponse) -> ActionResult:
    wanted = query_value(self, "addonName")
    cluster_version = query_value(self, "kubernetesVersion")
    types = set(query(self).get("types", []))
    items = []
    for name in sorted(eks_catalog.ADDONS):
        spec = eks_catalog.ADDONS[name]
        if (wanted and name != wanted) or (types and spec.type not in types):
            continue
        described = spec.describe(cluster_version)
        if described:
            items.append(described)
    page, next_token = paginate(items, self)
    return ActionResult({"addons": page, "nextToken": next_token})


def describe_addon_configuration(self: EKSResponse) -> ActionResult:
    name, version = query_value(self, "addonName") or "", query_value(self, "addonVersion") or ""
    spec = eks_catalog.ADDONS.get(name)
    if spec is None or spec.version(version) is None:
        raise not_found(f"Addon {name} version {version} not found", addon=name)
    result: dict[str, Any] = {
        "addonName": name,
        "addonVersion": version,
        "configurationSchema": eks_catalog.GENERIC_CONFIGURATION_SCHEMA,
    }
    if spec.pod_identity:
        result["podIdentityConfiguration"] = [dict(item) for item in spec.pod_identity]
    return ActionResult(result)


# --------------------------------------------------------------------------------------------------
# Updates


def describe_update(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    update_id = path_param(self, "updateId")
    update = extras(cluster).updates.get(update_id)
    nodegroup, addon = query_value(self, "nodegroupName"), query_value(self, "addonName")
    if update is None or update.nodegroup != nodegroup or update.addon != addon:
        raise not_found(f"No update found for ID: {update_id}", cluster=cluster.name, nodegroup=nodegroup, addon=addon)
    return ActionResult({"update": update.to_dict()})


def list_updates(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    nodegroup, addon = query_value(self, "nodegroupName"), query_value(self, "addonName")
    ids = [u.id for u in extras(cluster).updates.values() if u.nodegroup == nodegroup and u.addon == addon]
    page, next_token = paginate(ids, self)
    return ActionResult({"updateIds": page, "nextToken": next_token})


# --------------------------------------------------------------------------------------------------
# Clusters


def normalise_logging(logging: dict[str, Any] | None, enabled: set[str] | None = None) -> dict[str, Any]:
    """EKS reports logging as one enabled and one disabled entry covering every log type."""
    enabled = set(enabled or ())
    for item in (logging or {}).get("clusterLogging", []):
        types = set(item.get("types") or [])
        if item.get("enabled"):
            enabled |= types
        else:
            enabled -= types
    entries = []
    on = [t for t in LOG_TYPES if t in enabled]
    off = [t for t in LOG_TYPES if t not in enabled]
    if on:
        entries.append({"types": on, "enabled": True})
    if off:
        entries.append({"types": off, "enabled": False})
    return {"clusterLogging": entries}


def enabled_log_types(logging: dict[str, Any] | None) -> set[str]:
    return {t for item in (logging or {}).get("clusterLogging", []) if item.get("enabled") for t in item["types"]}


def _subnets(resp: EKSResponse, subnet_ids: list[str]) -> list[Any]:
    ec2 = ec2_backends[resp.current_account][resp.region]
    found = []
    for subnet_id in subnet_ids:
        try:
            found.extend(ec2.describe_subnets(subnet_ids=[subnet_id]))
        except EC2ClientError:
            continue
    return found


def _validate_vpc_config(resp: EKSResponse, vpc_config: dict[str, Any]) -> list[Any]:
    """Subnets that moto's EC2 knows; EKS rules are enforced when any of the given subnets exist."""
    subnet_ids = list(vpc_config.get("subnetIds") or [])
    found = _subnets(resp, subnet_ids)
    if found:
        missing = sorted(set(subnet_ids) - {s.id for s in found})
        if missing:
            raise invalid(f"The subnet ID '{missing[0]}' does not exist")
        if len({s.vpc_id for s in found}) > 1:
            raise invalid("Subnets specified must be in the same VPC")
        if len({s.availability_zone for s in found}) < 2:
            raise invalid("Subnets specified must be in at least two different AZs")
    return found


def _creator_principal(resp: EKSResponse) -> str:
    from moto.sts.models import sts_backends

    partition = get_partition(resp.region)
    _, arn, account = sts_backends[resp.current_account][partition].get_caller_identity(resp.access_key, resp.region)
    match = re.match(r"^arn:[^:]+:sts::\d{12}:assumed-role/(?P<role>[^/]+)/", arn)
    if match:
        return f"arn:{partition}:iam::{account}:role/{match['role']}"
    return arn.replace(":sts::", ":iam::", 1)


def _create_cluster_security_group(resp: EKSResponse, cluster: Any, vpc_id: str) -> str | None:
    ec2 = ec2_backends[resp.current_account][resp.region]
    name = f"eks-cluster-sg-{cluster.name}-{random.randint(1000000000, 9999999999)}"
    try:
        group = ec2.create_security_group(
            name=name,
            description="EKS created security group applied to ENI that is attached to EKS Control Plane master "
            "nodes, as well as any managed workloads.",
            vpc_id=vpc_id,
            tags={"Name": name, "aws:eks:cluster-name": cluster.name, f"kubernetes.io/cluster/{cluster.name}": "owned"},
        )
        ec2.authorize_security_group_ingress(
            group_name_or_id=group.id,
            ip_protocol="-1",
            from_port=None,
            to_port=None,
            ip_ranges=[],  # type: ignore[arg-type]
            source_groups=[{"GroupId": group.id}],
            vpc_id=vpc_id,
        )
    except EC2ClientError:
        return None
    return str(group.id)


def _cluster_wrapper(original: Callable[[EKSResponse], ActionResult]) -> Callable[[EKSResponse], ActionResult]:
    def create_cluster(self: EKSResponse) -> ActionResult:
        params = body(self)
        access = dict(params.get("accessConfig") or {})
        mode = access.get("authenticationMode", "CONFIG_MAP")
        if mode not in AUTHENTICATION_MODES:
            raise invalid(f"Unsupported authentication mode {mode}; valid: {', '.join(AUTHENTICATION_MODES)}")
        vpc_config = dict(params.get("resourcesVpcConfig") or {})
        subnets = _validate_vpc_config(self, vpc_config)
        result = original(self)
        cluster = result.result["cluster"]  # type: ignore[index]
        if not params.get("version"):
            cluster.version = eks_catalog.DEFAULT_CLUSTER_VERSION
        cluster.access_config = {
            "bootstrapClusterCreatorAdminPermissions": bool(
                access.get("bootstrapClusterCreatorAdminPermissions", True)
            ),
            "authenticationMode": mode,
        }
        cluster.upgrade_policy = dict(params.get("upgradePolicy") or {"supportType": "EXTENDED"})
        cluster.zonal_shift_config = dict(params.get("zonalShiftConfig") or {"enabled": False})
        cluster.deletion_protection = bool(params.get("deletionProtection", False))
        cluster.health = {"issues": []}
        for key in ("computeConfig", "storageConfig"):
            if params.get(key) is not None:
                setattr(cluster, re.sub(r"([A-Z])", r"_\1", key).lower(), params[key])
        network = dict(cluster.kubernetes_network_config or {})
        network.setdefault("serviceIpv4Cidr", "172.20.0.0/16")
        network.setdefault("ipFamily", "ipv4")
        network.setdefault("elasticLoadBalancing", {"enabled": False})
        cluster.kubernetes_network_config = network
        cluster.logging = normalise_logging(params.get("logging"))
        vpc_config.setdefault("subnetIds", [])
        vpc_config.setdefault("securityGroupIds", [])
        vpc_config.setdefault("endpointPublicAccess", True)
        vpc_config.setdefault("endpointPrivateAccess", False)
        vpc_config.setdefault("publicAccessCidrs", ["0.0.0.0/0"] if vpc_config["endpointPublicAccess"] else [])
        if subnets:
            vpc_config["vpcId"] = subnets[0].vpc_id
            group_id = _create_cluster_security_group(self, cluster, subnets[0].vpc_id)
            if group_id:
                vpc_config["clusterSecurityGroupId"] = group_id
                extras(cluster).security_group_id = group_id
        cluster.resources_vpc_config = vpc_config
        if mode != "CONFIG_MAP" and cluster.access_config["bootstrapClusterCreatorAdminPermissions"]:
            entry = _new_access_entry(self, cluster, _creator_principal(self), "STANDARD", [], None, {})
            now = utcnow()
            arn = eks_catalog.access_policy_arn("AmazonEKSClusterAdminPolicy", get_partition(self.region))
            entry.policies[arn] = {
                "policyArn": arn,
                "accessScope": {"type": "cluster", "namespaces": []},
                "associatedAt": now,
                "modifiedAt": now,
            }
        return result

    return create_cluster


def _endpoint_update(current: dict[str, Any], requested: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    params: list[dict[str, str]] = []
    kind = "EndpointAccessUpdate"
    for key, param in (
        ("endpointPublicAccess", "EndpointPublicAccess"),
        ("endpointPrivateAccess", "EndpointPrivateAccess"),
    ):
        if key in requested and requested[key] != current.get(key):
            params.append({"type": param, "value": json.dumps(requested[key])})
    if "publicAccessCidrs" in requested and sorted(requested["publicAccessCidrs"]) != sorted(
        current.get("publicAccessCidrs", [])
    ):
        params.append({"type": "PublicAccessCidrs", "value": json.dumps(requested["publicAccessCidrs"])})
    for key, param in (("subnetIds", "Subnets"), ("securityGroupIds", "SecurityGroups")):
        if key in requested and sorted(requested[key]) != sorted(current.get(key, [])):
            params.append({"type": param, "value": json.dumps(requested[key])})
            kind = "VpcConfigUpdate"
    return kind, params


def update_cluster_config(self: EKSResponse) -> ActionResult:
    """Replaces moto's: one kind of change per call, returns (and records) an ``update``."""
    cluster = get_cluster(self)
    params = body(self)
    kinds = [
        k
        for k in (
            "resourcesVpcConfig",
            "logging",
            "accessConfig",
            "upgradePolicy",
            "zonalShiftConfig",
            "kubernetesNetworkConfig",
            "remoteNetworkConfig",
            "computeConfig",
            "storageConfig",
            "deletionProtection",
            "controlPlaneScalingConfig",
        )
        if params.get(k) is not None
    ]
    if not kinds:
        raise invalid("No update parameters were provided.", cluster=cluster.name)
    if len(kinds) > 1 and not set(kinds) <= {"computeConfig", "storageConfig", "kubernetesNetworkConfig"}:
        raise invalid("Only one type of update can be allowed.", cluster=cluster.name)
    if cluster.status != "ACTIVE":
        raise in_use(
            f"Cluster {cluster.name} is currently in {cluster.status} state; wait for ACTIVE.", cluster=cluster.name
        )
    kind = kinds[0]
    requested = params[kind]
    update_params: list[dict[str, str]]
    if kind == "accessConfig":
        current = authentication_mode(cluster)
        wanted = requested.get("authenticationMode", current)
        if wanted not in AUTHENTICATION_MODES:
            raise invalid(f"Unsupported authentication mode {wanted}", cluster=cluster.name)
        if wanted == current:
            raise invalid(
                f"No changes needed: the cluster already uses authentication mode {current}.", cluster=cluster.name
            )
        if wanted not in AUTHENTICATION_MODE_MOVES[current]:
            raise invalid(f"Unsupported authentication mode update from {current} to {wanted}", cluster=cluster.name)
        cluster.access_config = {**cluster.access_config, "authenticationMode": wanted}
        update_type, update_params = "AccessConfigUpdate", [{"type": "AuthenticationMode", "value": wanted}]
    elif kind == "logging":
        new = normalise_logging(requested, enabled_log_types(cluster.logging))
        if new == normalise_logging(cluster.logging):
            raise invalid("No changes needed for the logging config provided", cluster=cluster.name)
        cluster.logging = new
        update_type, update_params = "LoggingUpdate", [{"type": "ClusterLogging", "value": json.dumps(new)}]
    elif kind == "resourcesVpcConfig":
        current_vpc = dict(cluster.resources_vpc_config or {})
        update_type, update_params = _endpoint_update(current_vpc, requested)
        if not update_params:
            raise invalid(
                "Cluster is already at the desired configuration with the resourcesVpcConfig provided",
                cluster=cluster.name,
            )
        if requested.get("subnetIds"):
            _validate_vpc_config(self, requested)
        current_vpc.update(requested)
        if current_vpc.get("endpointPublicAccess") is False and not current_vpc.get("endpointPrivateAccess"):
            raise invalid("The cluster endpoint must be public, private or both", cluster=cluster.name)
        cluster.resources_vpc_config = current_vpc
    elif kind == "deletionProtection":
        cluster.deletion_protection = bool(requested)
        update_type, update_params = (
            "DeletionProtectionUpdate",
            [{"type": "DeletionProtection", "value": json.dumps(bool(requested))}],
        )
    else:
        attribute = re.sub(r"([A-Z])", r"_\1", kind).lower()
        setattr(cluster, attribute, {**(getattr(cluster, attribute, None) or {}), **requested})
        update_type = {
            "upgradePolicy": "UpgradePolicyUpdate",
            "zonalShiftConfig": "ZonalShiftConfigUpdate",
            "remoteNetworkConfig": "RemoteNetworkConfigUpdate",
            "controlPlaneScalingConfig": "ControlPlaneScalingConfigUpdate",
        }.get(kind, "AutoModeUpdate")
        update_params = [{"type": kind[0].upper() + kind[1:], "value": json.dumps(requested)}]
        if kind == "upgradePolicy":
            update_params = [{"type": "UpgradePolicy", "value": json.dumps(requested)}]
    update = Update(update_type, update_params)
    extras(cluster).updates[update.id] = update
    return ActionResult({"update": update.to_dict()})


def _delete_cluster_wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_cluster(self: EKSBackend, name: str) -> Any:
        cluster = self.clusters.get(name)
        if cluster is not None and getattr(cluster, "deletion_protection", False):
            raise invalid_request(f"Cluster {name} has deletion protection enabled", cluster=name)
        result = original(self, name)
        result.status = "DELETING"
        group_id = extras(result).security_group_id
        if group_id:
            try:
                ec2_backends[self.account_id][self.region_name].delete_security_group(group_id=group_id)
            except EC2ClientError:
                pass
        return result

    return delete_cluster


# --------------------------------------------------------------------------------------------------
# Node groups


def _version_tuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in str(version).split("."))
    except ValueError:
        return (0,)


def _check_scaling(scaling: dict[str, Any], nodegroup: str | None = None) -> None:
    low, high, desired = scaling.get("minSize"), scaling.get("maxSize"), scaling.get("desiredSize")
    if high is not None and high < 1:
        raise invalid("Maximum capacity must be at least 1", nodegroup=nodegroup)
    if low is not None and high is not None and low > high:
        raise invalid(f"Minimum capacity {low} can't be greater than maximum capacity {high}", nodegroup=nodegroup)
    if desired is not None and high is not None and desired > high:
        raise invalid(f"Desired capacity {desired} can't be greater than max size {high}", nodegroup=nodegroup)
    if desired is not None and low is not None and desired < low:
        raise invalid(f"Desired capacity {desired} can't be lower than min size {low}", nodegroup=nodegroup)


def _nodegroup_wrapper(original: Callable[[EKSResponse], ActionResult]) -> Callable[[EKSResponse], ActionResult]:
    def create_nodegroup(self: EKSResponse) -> ActionResult:
        params = body(self)
        _check_scaling(params.get("scalingConfig") or {}, params.get("nodegroupName"))
        result = original(self)
        nodegroup = result.result["nodegroup"]  # type: ignore[index]
        cluster = get_cluster(self, nodegroup.cluster_name)
        nodegroup.scaling_config = dict(nodegroup.scaling_config)
        nodegroup.update_config = dict(params.get("updateConfig") or {"maxUnavailable": 1})
        if params.get("nodeRepairConfig") is not None:
            nodegroup.node_repair_config = params["nodeRepairConfig"]
        if not params.get("version"):
            nodegroup.version = cluster.version
        if not params.get("releaseVersion"):
            nodegroup.release_version = f"{nodegroup.version}.0-20251101"
        if not params.get("amiType"):
            modern = _version_tuple(nodegroup.version) >= (1, 30)
            nodegroup.ami_type = "AL2023_x86_64_STANDARD" if modern else "AL2_x86_64"
        if not params.get("remoteAccess"):
            nodegroup.remote_access = None
        if params.get("launchTemplate") and not params.get("diskSize"):
            nodegroup.disk_size = None
        else:
            nodegroup.disk_size = int(nodegroup.disk_size)
        nodegroup.resources["autoScalingGroups"] = [{"name": f"eks-{nodegroup.nodegroup_name}-{nodegroup.uuid}"}]
        nodegroups.create_for(nodegroup, self.current_account, self.region)
        if authentication_mode(cluster) != "CONFIG_MAP" and nodegroup.node_role not in extras(cluster).access_entries:
            if PRINCIPAL_ARN.match(nodegroup.node_role or "") and ":role/" in nodegroup.node_role:
                _new_access_entry(self, cluster, nodegroup.node_role, "EC2_LINUX", None, None, {})
        return result

    return create_nodegroup


def _update_nodegroup_wrapper(original: Callable[[EKSResponse], ActionResult]) -> Callable[[EKSResponse], ActionResult]:
    def update_nodegroup_config(self: EKSResponse) -> ActionResult:
        params = body(self)
        cluster = get_cluster(self)
        name = path_param(self, "nodegroupName")
        nodegroup = self.eks_backend.describe_nodegroup(cluster_name=cluster.name, nodegroup_name=name)
        if nodegroup.status != "ACTIVE":
            raise in_use(
                f"Nodegroup cannot be updated as it is currently not in Active State ({nodegroup.status})",
                cluster=cluster.name,
                nodegroup=name,
            )
        scaling = params.get("scalingConfig") or {}
        _check_scaling({**nodegroup.scaling_config, **scaling}, name)
        result = original(self)
        update_params: list[dict[str, str]] = []
        for key, param in (("minSize", "MinSize"), ("maxSize", "MaxSize"), ("desiredSize", "DesiredSize")):
            if key in scaling:
                update_params.append({"type": param, "value": str(scaling[key])})
        labels, taints = params.get("labels") or {}, params.get("taints") or {}
        for source, key, param in (
            (labels, "addOrUpdateLabels", "LabelsToAdd"),
            (labels, "removeLabels", "LabelsToRemove"),
            (taints, "addOrUpdateTaints", "TaintsToAdd"),
            (taints, "removeTaints", "TaintsToRemove"),
        ):
            if source.get(key):
                update_params.append({"type": param, "value": json.dumps(source[key])})
        update_config = params.get("updateConfig") or {}
        for key, param in (
            ("maxUnavailable", "MaxUnavailable"),
            ("maxUnavailablePercentage", "MaxUnavailablePercentage"),
            ("updateStrategy", "UpdateStrategy"),
        ):
            if key in update_config:
                update_params.append({"type": param, "value": str(update_config[key])})
        if params.get("nodeRepairConfig") is not None:
            update_params.append({"type": "NodeRepairConfig", "value": json.dumps(params["nodeRepairConfig"])})
        if scaling:
            nodegroups.sync_scaling(nodegroup, self.current_account, self.region)
        update = Update("ConfigUpdate", update_params, nodegroup=name)
        extras(cluster).updates[update.id] = update
        result.result["update"] = update.to_dict()  # type: ignore[index]
        return result

    return update_nodegroup_config


def _delete_nodegroup_wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_nodegroup(self: EKSBackend, cluster_name: str, nodegroup_name: str) -> Any:
        result = original(self, cluster_name=cluster_name, nodegroup_name=nodegroup_name)
        nodegroups.delete_for(result, self.account_id, self.region_name)
        result.status = "DELETING"
        return result

    return delete_nodegroup


# --------------------------------------------------------------------------------------------------
# Tags on every EKS resource with an ARN


def _taggable(backend: EKSBackend, arn: str) -> Any:
    for cluster in backend.clusters.values():
        if cluster.arn == arn:
            return cluster
        for nodegroup in cluster.nodegroups.values():
            if nodegroup.arn == arn:
                return nodegroup
        for profile in cluster.fargate_profiles.values():
            if profile.fargate_profile_arn == arn:
                return profile
        extra = extras(cluster)
        for item in (*extra.addons.values(), *extra.access_entries.values(), *extra.pod_identity.values()):
            if item.arn == arn:
                return item
    raise not_found("Resource was not found")


def tag_resource(self: EKSBackend, resource_arn: str, tags: dict[str, str]) -> None:
    _taggable(self, resource_arn).tags.update(tags or {})


def untag_resource(self: EKSBackend, resource_arn: str, tag_keys: list[str]) -> None:
    target = _taggable(self, resource_arn)
    for key in [tag_keys] if isinstance(tag_keys, str) else tag_keys or []:
        target.tags.pop(key, None)


def list_tags_for_resource(self: EKSBackend, resource_arn: str) -> dict[str, str]:
    return dict(_taggable(self, resource_arn).tags)


# --------------------------------------------------------------------------------------------------

RESPONSE_METHODS: dict[str, Callable[[EKSResponse], ActionResult]] = {
    fn.__name__: fn
    for fn in (
        create_access_entry,
        describe_access_entry,
        list_access_entries,
        update_access_entry,
        delete_access_entry,
        associate_access_policy,
        disassociate_access_policy,
        list_associated_access_policies,
        list_access_policies,
        create_pod_identity_association,
        describe_pod_identity_association,
        list_pod_identity_associations,
        update_pod_identity_association,
        delete_pod_identity_association,
        create_addon,
        describe_addon,
        list_addons,
        update_addon,
        delete_addon,
        describe_addon_versions,
        describe_addon_configuration,
        describe_update,
        list_updates,
        update_cluster_config,
    )
}

_installed = False


def install() -> None:
    """Register the extra EKS operations and wrappers once per process, before the server starts."""
    global _installed
    if _installed:
        return
    for path in URL_PATHS:
        eks_urls.url_paths.setdefault(path, eks_urls.response.dispatch)
    for name, method in RESPONSE_METHODS.items():
        setattr(EKSResponse, name, method)
    EKSResponse.create_cluster = _cluster_wrapper(EKSResponse.create_cluster)  # type: ignore[method-assign]
    EKSResponse.create_nodegroup = _nodegroup_wrapper(EKSResponse.create_nodegroup)  # type: ignore[method-assign]
    EKSResponse.update_nodegroup_config = _update_nodegroup_wrapper(  # type: ignore[method-assign]
        EKSResponse.update_nodegroup_config
    )
    EKSBackend.delete_nodegroup = _delete_nodegroup_wrapper(EKSBackend.delete_nodegroup)  # type: ignore[method-assign]
    EKSBackend.delete_cluster = _delete_cluster_wrapper(EKSBackend.delete_cluster)  # type: ignore[method-assign]
    EKSBackend.tag_resource = tag_resource  # type: ignore[method-assign]
    EKSBackend.untag_resource = untag_resource  # type: ignore[method-assign]
    EKSBackend.list_tags_for_resource = list_tags_for_resource  # type: ignore[method-assign]
    _installed = True
