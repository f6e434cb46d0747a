"""moto 5.2.5 gap: add-ons answer 404.

Create/Describe/List/Update/DeleteAddon, DescribeAddonVersions and DescribeAddonConfiguration from the
representative catalog in ``catalog``. Unknown add-on/version or a version incompatible with the cluster
-> InvalidParameterException; ``configurationValues`` must be a JSON/YAML object; ``podIdentityAssociations``
create associations owned by the add-on. Status CREATING (and UPDATING after UpdateAddon) -> ACTIVE under
latency mode (``eks_addon`` seconds, read from the latency clock); UpdateAddon records an ``update``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.eks.responses import EKSResponse
from moto.moto_api._internal import mock_random as random
from moto.utilities.utils import get_partition

from .. import latency
from . import catalog
from .common import (
    ROLE_ARN,
    body,
    extras,
    get_cluster,
    in_use,
    invalid,
    not_found,
    paginate,
    path_param,
    query,
    query_value,
    require_active,
)
from .pod_identity import new_association
from .updates import Update

#: Paths added to moto.eks.urls.url_paths (regexes, as moto writes them).
URL_PATHS: tuple[str, ...] = (
    "{0}/addons/supported-versions$",
    "{0}/addons/configuration-schemas$",
    "{0}/clusters/(?P<name>[^/]+)/addons$",
    "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)$",
    "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)/update$",
)


class Addon:
    def __init__(
        self, cluster: Any, name: str, version: str, spec: catalog.AddonSpec, region: str, account_id: str
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
        self.ready_at = latency.now() + latency.current().delay("eks_addon")
        self.updated_until = 0.0

    @property
    def status(self) -> str:
        now = latency.now()
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


def _addon_spec(cluster: Any, name: str) -> catalog.AddonSpec:
    spec = catalog.ADDONS.get(name)
    if spec is None:
        raise invalid(
            f"Addon {name} specified is not supported in {cluster.version} kubernetes version",
            cluster=cluster.name,
            addon=name,
        )
    return spec


def _check_version(cluster: Any, spec: catalog.AddonSpec, version: str) -> None:
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
        association = new_association(
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
    addon.updated_until = latency.now() + seconds
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
    for name in sorted(catalog.ADDONS):
        spec = catalog.ADDONS[name]
        if (wanted and name != wanted) or (types and spec.type not in types):
            continue
        described = spec.describe(cluster_version)
        if described:
            items.append(described)
    page, next_token = paginate(items, self)
    return ActionResult({"addons": page, "nextToken": next_token})


def describe_addon_configuration(self: EKSResponse) -> ActionResult:
    name, version = query_value(self, "addonName") or "", query_value(self, "addonVersion") or ""
    spec = catalog.ADDONS.get(name)
    if spec is None or spec.version(version) is None:
        raise not_found(f"Addon {name} version {version} not found", addon=name)
    result: dict[str, Any] = {
        "addonName": name,
        "addonVersion": version,
        "configurationSchema": catalog.GENERIC_CONFIGURATION_SCHEMA,
    }
    if spec.pod_identity:
        result["podIdentityConfiguration"] = [dict(item) for item in spec.pod_identity]
    return ActionResult(result)


#: Methods added to moto.eks.responses.EKSResponse, named after the operations.
RESPONSE_METHODS: tuple[Callable[[EKSResponse], ActionResult], ...] = (
    create_addon,
    describe_addon,
    list_addons,
    update_addon,
    delete_addon,
    describe_addon_versions,
    describe_addon_configuration,
)
