"""moto 5.2.5 gaps in CreateCluster, UpdateClusterConfig and DeleteCluster.

* ``accessConfig`` is accepted and dropped: kept and returned, default ``{"authenticationMode":
  "CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": true}`` (the API's documented default); in the
  API modes the creator gets an access entry with AmazonEKSClusterAdminPolicy, as EKS does. Also kept:
  ``upgradePolicy`` (default EXTENDED), ``zonalShiftConfig``, ``deletionProtection`` (DeleteCluster refused
  while true), ``computeConfig``, ``storageConfig``.
* ``resourcesVpcConfig`` lacks ``vpcId``/``clusterSecurityGroupId``: completed from the subnets, with a real
  security group ``eks-cluster-sg-<name>-<n>`` in that VPC (deleted with the cluster) and the endpoint
  access defaults; when the subnets exist in EC2, one VPC and >= 2 AZs are required. ``logging`` is
  reported as one enabled and one disabled type list; the version defaults to a current one, not 1.19.
* UpdateClusterConfig returns the cluster (boto3 sees no ``update``), replaces ``resourcesVpcConfig``
  wholesale and ignores ``accessConfig``: replaced by an implementation that changes one kind of setting
  per call like EKS, merges ``resourcesVpcConfig``, rejects no-op changes and backwards
  authentication-mode moves, and returns (and records) an ``update``; refused while another update of the
  cluster is in progress (EKS: ResourceInUseException).
* UpdateClusterVersion is missing (POST /clusters/{name}/updates, the path ListUpdates also uses): served. As
  EKS: one minor version up only (a downgrade, a jump of two minors or more, the same version or a version
  the catalog does not serve are InvalidParameterException), refused unless the cluster is ACTIVE and no
  other update of it is in progress (ResourceInUseException), and while a managed node group is not at the
  cluster's version (InvalidRequestException). It records an ``update`` of type ``VersionUpdate`` with the
  ``Version`` and ``PlatformVersion`` params, InProgress for as long as the cluster took to create under
  latency mode (``eks_cluster`` seconds). Fidelity gap kept: the new version is reported at once and the
  cluster stays ACTIVE (EKS reports UPDATING and the old version until the update is Successful).
* AssociateEncryptionConfig is not served (moto lacks it too): encryption can only be set at creation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends
from moto.eks.models import EKSBackend
from moto.eks.responses import EKSResponse
from moto.moto_api._internal import mock_random as random
from moto.utilities.utils import get_partition

from .. import latency
from . import catalog
from .access import new_access_entry
from .common import (
    AUTHENTICATION_MODES,
    authentication_mode,
    body,
    extras,
    get_cluster,
    in_use,
    invalid,
    invalid_request,
)
from .updates import Update

#: Allowed authenticationMode moves (EKS only goes from CONFIG_MAP towards API).
AUTHENTICATION_MODE_MOVES = {
    "CONFIG_MAP": ("API_AND_CONFIG_MAP", "API"),
    "API_AND_CONFIG_MAP": ("API",),
    "API": (),
}
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


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


def wrap_create_cluster(original: Callable[[EKSResponse], ActionResult]) -> Callable[[EKSResponse], ActionResult]:
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
            cluster.version = catalog.DEFAULT_CLUSTER_VERSION
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
            entry = new_access_entry(self, cluster, _creator_principal(self), "STANDARD", [], None, {})
            now = utcnow()
            arn = catalog.access_policy_arn("AmazonEKSClusterAdminPolicy", get_partition(self.region))
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
    _refuse_while_updating(cluster)
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


def _update_in_progress(cluster: Any) -> Update | None:
    """An update of the cluster itself (not of a node group or add-on) that is still InProgress."""
    for update in extras(cluster).updates.values():
        if update.nodegroup is None and update.addon is None and update.to_dict()["status"] == "InProgress":
            return update
    return None


def _refuse_while_updating(cluster: Any) -> None:
    busy = _update_in_progress(cluster)
    if busy is not None:
        raise in_use(
            f"Cluster {cluster.name} has update {busy.id} ({busy.type}) in progress; wait for it to finish.",
            cluster=cluster.name,
        )


def _minor_step(current: str, wanted: str) -> int | None:
    """Minor versions from ``current`` up to ``wanted`` (negative: a downgrade); None across majors or when
    either is not ``<major>.<minor>``."""
    try:
        cur_major, cur_minor = (int(x) for x in current.split("."))
        want_major, want_minor = (int(x) for x in wanted.split("."))
    except ValueError:
        return None
    return want_minor - cur_minor if cur_major == want_major else None


def update_cluster_version(self: EKSResponse) -> ActionResult:
    """UpdateClusterVersion (moto: absent): one minor up, recorded as a ``VersionUpdate``."""
    cluster = get_cluster(self)
    wanted = str(body(self).get("version") or "")
    if not wanted:
        raise invalid("version is required", cluster=cluster.name)
    if cluster.status != "ACTIVE":
        raise in_use(
            f"Cluster {cluster.name} is currently in {cluster.status} state; wait for ACTIVE.", cluster=cluster.name
        )
    _refuse_while_updating(cluster)
    current = str(cluster.version)
    if wanted not in catalog.KUBERNETES_VERSIONS:
        raise invalid(
            f"Unsupported Kubernetes version {wanted}; supported: {', '.join(catalog.KUBERNETES_VERSIONS)}",
            cluster=cluster.name,
        )
    if _minor_step(current, wanted) != 1:
        raise invalid(f"Unsupported Kubernetes minor version update from {current} to {wanted}", cluster=cluster.name)
    behind = sorted(ng.nodegroup_name for ng in cluster.nodegroups.values() if str(ng.version) != current)
    if behind:
        raise invalid_request(
            f"Nodegroups {', '.join(behind)} must be updated to match cluster version {current} "
            "before updating cluster version",
            cluster=cluster.name,
        )
    cluster.version = wanted
    update = Update(
        "VersionUpdate",
        [{"type": "Version", "value": wanted}, {"type": "PlatformVersion", "value": str(cluster.platformVersion)}],
        latency.current().delay("eks_cluster"),
    )
    extras(cluster).updates[update.id] = update
    return ActionResult({"update": update.to_dict()})


def wrap_delete_cluster(original: Callable[..., Any]) -> Callable[..., Any]:
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


#: Methods added to moto.eks.responses.EKSResponse, named after the operations.
RESPONSE_METHODS: tuple[Callable[[EKSResponse], ActionResult], ...] = (update_cluster_config, update_cluster_version)
