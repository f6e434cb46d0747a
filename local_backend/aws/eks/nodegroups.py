"""moto 5.2.5 gaps in managed node groups.

* The Auto Scaling group a node group names is never created: a node group reports
  ``resources.autoScalingGroups[0].name`` but ``autoscaling.describe_auto_scaling_groups`` finds nothing and
  ``put_scheduled_update_group_action`` (scheduled scaling of node groups) runs against a name that does not
  exist. Creating a node group now also creates, in moto's autoscaling backend of the same account/region,
  the group it names (``eks-<nodegroup>-<uuid>``, as EKS names it) with min/max/desired from
  ``scalingConfig``, the node group's subnets and the tags EKS puts on it (``eks:cluster-name``,
  ``eks:nodegroup-name``, the cluster-autoscaler auto-discovery tags). Without a user launch template a
  launch template of the same name is created (EKS creates one too). Several instance types or SPOT use a
  MixedInstancesPolicy like EKS does. UpdateNodegroupConfig scaling keeps the group in sync;
  DeleteNodegroup deletes it (and the launch template it created).
* ``updateConfig`` is missing (``community.aws.eks_nodegroup`` fails with KeyError 'updateConfig') and the
  request's is dropped: kept, default ``{"maxUnavailable": 1}``. Also: the version follows the cluster, AMI
  type AL2023 from 1.30, no invented ``remoteAccess``, scaling sizes validated, correct
  UpdateNodegroupConfig ``params`` (recorded as an ``update``), updates refused unless ACTIVE; a node role
  gets an EC2_LINUX access entry in the API authentication modes.
* UpdateNodegroupVersion answers 404. Served: ``version`` defaults to the cluster's, a version above the
  cluster's or below the node group's is refused (InvalidParameterException), ``releaseVersion`` defaults
  to the latest one of that version (``<version>.0-20251101``, as at creation); the node group takes the
  new version and release version and the call returns (and records) a ``VersionUpdate`` with
  ``Version`` / ``ReleaseVersion`` params, ``InProgress`` for the ``eks_nodegroup`` latency seconds (a
  rolling node replacement), ``Successful`` after. While an update of a node group is in progress, a
  further UpdateNodegroupConfig/Version of it is refused (ResourceInUseException), like EKS.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.autoscaling.exceptions import AutoscalingClientError
from moto.autoscaling.models import autoscaling_backends
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends
from moto.eks.models import EKSBackend
from moto.eks.responses import EKSResponse

from .. import latency
from .access import new_access_entry
from .common import PRINCIPAL_ARN, authentication_mode, body, extras, get_cluster, in_use, invalid, path_param
from .updates import Update

#: Paths added to moto.eks.urls.url_paths (regexes, as moto writes them).
URL_PATHS: tuple[str, ...] = ("{0}/clusters/(?P<name>[^/]+)/node-groups/(?P<nodegroupName>[^/]+)/update-version$",)

#: Attribute on the moto Nodegroup naming the launch template the backend created for it.
CREATED_LAUNCH_TEMPLATE = "_local_backend_launch_template"


def asg_name(nodegroup: Any) -> str:
    return str(nodegroup.resources["autoScalingGroups"][0]["name"])


def _existing_subnets(ec2: Any, subnet_ids: list[str] | None) -> list[Any]:
    found: list[Any] = []
    for subnet_id in subnet_ids or []:
        try:
            found.extend(ec2.describe_subnets(subnet_ids=[subnet_id]))
        except EC2ClientError:
            continue
    return found


def _launch_template_spec(ec2: Any, nodegroup: Any, name: str, tags: dict[str, str]) -> dict[str, Any]:
    """The user's launch template if it resolves, else one created for the node group."""
    user_template = nodegroup.launch_template or {}
    template = None
    try:
        if user_template.get("id"):
            template = ec2.get_launch_template(user_template["id"])
        elif user_template.get("name"):
            template = ec2.get_launch_template_by_name(user_template["name"])
    except EC2ClientError:
        template = None
    if template is not None:
        return {"LaunchTemplateId": template.id, "Version": str(user_template.get("version") or "$Default")}
    instance_types = list(nodegroup.instance_types or ["t3.medium"])
    data: dict[str, Any] = {
        "InstanceType": instance_types[0],
        "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}],
    }
    template = ec2.create_launch_template(
        name, "EKS managed node group launch template", data, {"launch-template": tags}
    )
    setattr(nodegroup, CREATED_LAUNCH_TEMPLATE, template.id)
    return {"LaunchTemplateId": template.id, "Version": "1"}


def create_for(nodegroup: Any, account_id: str, region: str) -> Any:
    """Create the Auto Scaling group ``nodegroup`` names (idempotent: an existing group is returned)."""
    autoscaling = autoscaling_backends[account_id][region]
    ec2 = ec2_backends[account_id][region]
    name = asg_name(nodegroup)
    if name in autoscaling.autoscaling_groups:
        return autoscaling.autoscaling_groups[name]
    cluster = nodegroup.cluster_name
    tags = {
        "eks:cluster-name": cluster,
        "eks:nodegroup-name": nodegroup.nodegroup_name,
        "k8s.io/cluster-autoscaler/enabled": "true",
        f"k8s.io/cluster-autoscaler/{cluster}": "owned",
        f"kubernetes.io/cluster/{cluster}": "owned",
    }
    template = _launch_template_spec(ec2, nodegroup, name, tags)
    instance_types = list(nodegroup.instance_types or [])
    mixed: dict[str, Any] | None = None
    if len(instance_types) > 1 or nodegroup.capacity_type == "SPOT":
        mixed = {
            "LaunchTemplate": {
                "LaunchTemplateSpecification": template,
                "Overrides": [{"InstanceType": t} for t in instance_types],
            },
            "InstancesDistribution": {
                "OnDemandAllocationStrategy": "prioritized",
                "OnDemandBaseCapacity": 0,
                "OnDemandPercentageAboveBaseCapacity": 0 if nodegroup.capacity_type == "SPOT" else 100,
                "SpotAllocationStrategy": "capacity-optimized",
            },
        }
    subnets = _existing_subnets(ec2, nodegroup.subnets)
    scaling = nodegroup.scaling_config
    return autoscaling.create_auto_scaling_group(
        name=name,
        availability_zones=[] if subnets else [f"{region}a"],
        desired_capacity=scaling.get("desiredSize"),
        max_size=scaling.get("maxSize"),
        min_size=scaling.get("minSize"),
        launch_config_name=None,  # type: ignore[arg-type]
        launch_template=None if mixed else template,  # type: ignore[arg-type]
        vpc_zone_identifier=",".join(s.id for s in subnets) or None,
        default_cooldown=None,
        health_check_period=15,
        health_check_type="EC2",
        load_balancers=[],
        target_group_arns=[],
        placement_group=None,
        termination_policies=["AllocationStrategy", "OldestLaunchTemplate", "OldestInstance"],
        tags=[{"Key": k, "Value": v, "PropagateAtLaunch": True} for k, v in tags.items()],
        capacity_rebalance=nodegroup.capacity_type == "SPOT",
        mixed_instances_policy=mixed,
    )


def sync_scaling(nodegroup: Any, account_id: str, region: str) -> None:
    """Copy the node group's scalingConfig onto its Auto Scaling group (recreating a missing group)."""
    autoscaling = autoscaling_backends[account_id][region]
    group = autoscaling.autoscaling_groups.get(asg_name(nodegroup))
    if group is None:
        create_for(nodegroup, account_id, region)
        return
    scaling = nodegroup.scaling_config
    group.min_size = scaling.get("minSize", group.min_size)
    group.max_size = scaling.get("maxSize", group.max_size)
    group.set_desired_capacity(scaling.get("desiredSize", group.desired_capacity))


def delete_for(nodegroup: Any, account_id: str, region: str) -> None:
    """Delete the node group's Auto Scaling group and the launch template created for it, if present."""
    autoscaling = autoscaling_backends[account_id][region]
    try:
        autoscaling.delete_auto_scaling_group(asg_name(nodegroup))
    except AutoscalingClientError:
        pass
    template_id = getattr(nodegroup, CREATED_LAUNCH_TEMPLATE, None)
    if template_id:
        try:
            ec2_backends[account_id][region].delete_launch_template(None, template_id)
        except EC2ClientError:
            pass


# --------------------------------------------------------------------------------------------------
# CreateNodegroup / UpdateNodegroupConfig / DeleteNodegroup


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


def wrap_create_nodegroup(original: Callable[[EKSResponse], ActionResult]) -> Callable[[EKSResponse], ActionResult]:
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
        create_for(nodegroup, self.current_account, self.region)
        if authentication_mode(cluster) != "CONFIG_MAP" and nodegroup.node_role not in extras(cluster).access_entries:
            if PRINCIPAL_ARN.match(nodegroup.node_role or "") and ":role/" in nodegroup.node_role:
                new_access_entry(self, cluster, nodegroup.node_role, "EC2_LINUX", None, None, {})
        return result

    return create_nodegroup


def _require_updatable(cluster: Any, nodegroup: Any) -> None:
    """EKS refuses an update of a node group that is not ACTIVE or has an update in progress."""
    name = nodegroup.nodegroup_name
    if nodegroup.status != "ACTIVE":
        raise in_use(
            f"Nodegroup cannot be updated as it is currently not in Active State ({nodegroup.status})",
            cluster=cluster.name,
            nodegroup=name,
        )
    for update in extras(cluster).updates.values():
        if update.nodegroup == name and update.to_dict()["status"] == "InProgress":
            raise in_use(
                f"Nodegroup {name} has an update in progress ({update.id})", cluster=cluster.name, nodegroup=name
            )


def wrap_update_nodegroup_config(
    original: Callable[[EKSResponse], ActionResult],
) -> Callable[[EKSResponse], ActionResult]:
    def update_nodegroup_config(self: EKSResponse) -> ActionResult:
        params = body(self)
        cluster = get_cluster(self)
        name = path_param(self, "nodegroupName")
        nodegroup = self.eks_backend.describe_nodegroup(cluster_name=cluster.name, nodegroup_name=name)
        _require_updatable(cluster, nodegroup)
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
            sync_scaling(nodegroup, self.current_account, self.region)
        update = Update("ConfigUpdate", update_params, nodegroup=name)
        extras(cluster).updates[update.id] = update
        result.result["update"] = update.to_dict()  # type: ignore[index]
        return result

    return update_nodegroup_config


def update_nodegroup_version(self: EKSResponse) -> ActionResult:
    """UpdateNodegroupVersion: to the cluster's version (default) or the node group's own, never above the
    cluster's nor back; records a ``VersionUpdate`` that takes the ``eks_nodegroup`` latency seconds."""
    params = body(self)
    cluster = get_cluster(self)
    name = path_param(self, "nodegroupName")
    nodegroup = self.eks_backend.describe_nodegroup(cluster_name=cluster.name, nodegroup_name=name)
    _require_updatable(cluster, nodegroup)
    version = str(params.get("version") or cluster.version)
    if _version_tuple(version) > _version_tuple(cluster.version):
        raise invalid(
            f"Requested Kubernetes version {version} is greater than the cluster's version {cluster.version}",
            cluster=cluster.name,
            nodegroup=name,
        )
    if _version_tuple(version) < _version_tuple(nodegroup.version):
        raise invalid(
            f"Requested Kubernetes version {version} is lower than the node group's version {nodegroup.version}",
            cluster=cluster.name,
            nodegroup=name,
        )
    release = str(params.get("releaseVersion") or f"{version}.0-20251101")
    nodegroup.version, nodegroup.release_version = version, release
    nodegroup.modified_at = utcnow()
    update_params = [{"type": "Version", "value": version}, {"type": "ReleaseVersion", "value": release}]
    update = Update("VersionUpdate", update_params, latency.current().delay("eks_nodegroup"), nodegroup=name)
    extras(cluster).updates[update.id] = update
    return ActionResult({"update": update.to_dict()})


#: Methods added to moto.eks.responses.EKSResponse, named after the operations.
RESPONSE_METHODS: tuple[Callable[[EKSResponse], ActionResult], ...] = (update_nodegroup_version,)


def wrap_delete_nodegroup(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_nodegroup(self: EKSBackend, cluster_name: str, nodegroup_name: str) -> Any:
        result = original(self, cluster_name=cluster_name, nodegroup_name=nodegroup_name)
        delete_for(result, self.account_id, self.region_name)
        result.status = "DELETING"
        return result

    return delete_nodegroup
