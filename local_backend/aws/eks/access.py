"""moto 5.2.5 gap: access entries and access policies answer 404.

Create/Describe/List/Update/DeleteAccessEntry, Associate/DisassociateAccessPolicy,
ListAssociatedAccessPolicies and ListAccessPolicies (the real ``arn:aws:eks::aws:cluster-access-policy/...``
ARNs from ``catalog``). As in EKS they need authenticationMode API or API_AND_CONFIG_MAP; STANDARD entries
get EKS's default username, node types get their fixed username and groups, ``system:``/``eks:``/...
group and user names are refused. The cluster creator's entry and a node role's EC2_LINUX entry are
made by ``clusters`` and ``nodegroups`` through :func:`new_access_entry`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.eks.responses import EKSResponse
from moto.moto_api._internal import mock_random as random
from moto.utilities.utils import get_partition

from . import catalog
from .common import (
    PRINCIPAL_ARN,
    authentication_mode,
    body,
    extras,
    get_cluster,
    in_use,
    invalid,
    invalid_request,
    not_found,
    paginate,
    path_param,
    query_value,
)

ACCESS_ENTRY_TYPES = ("STANDARD", "FARGATE_LINUX", "EC2_LINUX", "EC2_WINDOWS", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX")
RESERVED_KUBERNETES_PREFIXES = ("system:", "eks:", "aws:", "amazon:", "iam:")
NOT_API_MODE_MSG = (
    "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation."
)


#: Paths added to moto.eks.urls.url_paths (regexes, as moto writes them).
URL_PATHS: tuple[str, ...] = (
    "{0}/access-policies$",
    "{0}/clusters/(?P<name>[^/]+)/access-entries$",
    "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)$",
)


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


def require_api_mode(cluster: Any) -> None:
    if authentication_mode(cluster) == "CONFIG_MAP":
        raise invalid_request(NOT_API_MODE_MSG, cluster=cluster.name)


def check_kubernetes_names(groups: list[str], username: str | None) -> None:
    for group in groups:
        if group.startswith(RESERVED_KUBERNETES_PREFIXES):
            raise invalid(f"The kubernetes group name {group} is invalid, it cannot start with {group.split(':')[0]}:")
    if username and username.startswith(RESERVED_KUBERNETES_PREFIXES):
        raise invalid(f"The username {username} is invalid, it cannot start with {username.split(':')[0]}:")


def new_access_entry(
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
    entry = new_access_entry(
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
    valid = {p["arn"] for p in catalog.access_policies(get_partition(self.region))}
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
    page, next_token = paginate(catalog.access_policies(get_partition(self.region)), self)
    return ActionResult({"accessPolicies": page, "nextToken": next_token})


#: Methods added to moto.eks.responses.EKSResponse, named after the operations.
RESPONSE_METHODS: tuple[Callable[[EKSResponse], ActionResult], ...] = (
    create_access_entry,
    describe_access_entry,
    list_access_entries,
    update_access_entry,
    delete_access_entry,
    associate_access_policy,
    disassociate_access_policy,
    list_associated_access_policies,
    list_access_policies,
)
