"""Shared by the EKS extensions: botocore-shaped errors, request parsing, pagination and the state this
package keeps on moto's ``Cluster`` objects (so moto's reset and DeleteCluster drop it with the cluster)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from moto.eks.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from moto.eks.responses import EKSResponse

if TYPE_CHECKING:
    from .access import AccessEntry
    from .addons import Addon
    from .pod_identity import PodIdentityAssociation
    from .updates import Update

PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):(?P<kind>role|user)/(?:.*/)?(?P<name>[^/]+)$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
AUTHENTICATION_MODES = ("API", "API_AND_CONFIG_MAP", "CONFIG_MAP")


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
# State kept on moto's Cluster objects


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


def require_active(cluster: Any) -> None:
    if cluster.status != "ACTIVE":
        raise invalid_request(f"Cluster '{cluster.name}' is not in ACTIVE status", cluster=cluster.name)
