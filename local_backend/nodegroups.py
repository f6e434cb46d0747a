"""EKS managed node group -> EC2 Auto Scaling group, as the real service does it.

moto gap: a node group reports ``resources.autoScalingGroups[0].name`` but moto never creates that
group, so ``autoscaling.describe_auto_scaling_groups`` finds nothing and
``put_scheduled_update_group_action`` (scheduled scaling of node groups) runs against a name that does
not exist. Here creating a node group also creates, in moto's autoscaling backend of the same
account/region, the group it names (``eks-<nodegroup>-<uuid>``, as EKS names it) with min/max/desired
from ``scalingConfig``, the node group's subnets and the tags EKS puts on it (``eks:cluster-name``,
``eks:nodegroup-name``, the cluster-autoscaler auto-discovery tags). Without a user launch template a
launch template of the same name is created (EKS creates one too). Several instance types or SPOT use
a MixedInstancesPolicy like EKS does. UpdateNodegroupConfig scaling keeps the group in sync;
DeleteNodegroup deletes it (and the launch template it created).
"""

from __future__ import annotations

from typing import Any

from moto.autoscaling.exceptions import AutoscalingClientError
from moto.autoscaling.models import autoscaling_backends
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends

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
