"""Small moto fidelity fixes outside EKS.

EC2 DescribeTags resource types: moto reports e.g. ``nat-gateway`` and ``vpc-elastic-ip`` where AWS says
``natgateway`` and ``elastic-ip``, so a ``resource-type`` filter finds nothing. amazon.aws reads tags that
way (``describe_ec2_tags``), so ``ec2_vpc_nat_gateway`` re-tagged and reported changed on every run.
The prefix -> type table is corrected for every type whose AWS name differs.

ElastiCache: moto 5.2.5 leaves these out of DescribeCacheClusters, so ``community.aws.elasticache`` fails
with KeyError 'CacheNodes' and then 'CacheSecurityGroups':

* ``CacheNodes``: each cache cluster reports its nodes (``0001``...) with endpoint, status and AZ. AWS only
  includes the list when ``ShowCacheNodeInfo=true``; here it is always present.
* ``CacheSecurityGroups`` (``[]`` in a VPC), ``SecurityGroups`` (from the requested ids) and
  ``CacheParameterGroup``.
* ``NumCacheNodes``: moto sets it only when ``Engine`` is passed explicitly; it now defaults to 1.
"""

from __future__ import annotations

from typing import Any

#: EC2 id prefix -> the DescribeTags ResourceType AWS reports (where moto's differs).
EC2_TAG_RESOURCE_TYPES = {
    "nat": "natgateway",
    "eipalloc": "elastic-ip",
    "h": "dedicated-host",
    "fl": "vpc-flow-log",
    "sir": "spot-instances-request",
    "pl": "prefix-list",
    "uuid4": "reserved-instances",
}

_installed = False


def _cache_nodes(self: Any) -> list[dict[str, Any]]:
    region = self.arn.split(":")[3]
    az = self.preferred_availability_zone or f"{region}a"
    return [
        {
            "CacheNodeId": f"{index:04d}",
            "CacheNodeStatus": self.cache_cluster_status,
            "CacheNodeCreateTime": self.cache_cluster_create_time,
            "Endpoint": {
                "Address": f"{self.cache_cluster_id}.local.{index:04d}.{region}.cache.amazonaws.com",
                "Port": self.port,
            },
            "ParameterGroupStatus": "in-sync",
            "CustomerAvailabilityZone": az,
        }
        for index in range(1, int(getattr(self, "num_cache_nodes", None) or 1) + 1)
    ]


def _cache_security_groups(self: Any) -> list[dict[str, str]]:
    return [{"CacheSecurityGroupName": name, "Status": "active"} for name in self.cache_security_group_names]


def _security_groups(self: Any) -> list[dict[str, str]]:
    return [{"SecurityGroupId": group_id, "Status": "active"} for group_id in self.security_group_ids]


def _cache_parameter_group(self: Any) -> dict[str, Any]:
    name = self.cache_parameter_group_name or f"default.{self.engine}{str(self.engine_version or '7')[:1]}"
    return {"CacheParameterGroupName": name, "ParameterApplyStatus": "in-sync", "CacheNodeIdsToReboot": []}


def install() -> None:
    """Apply the fixes once per process (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.ec2.models import tags as ec2_tags
    from moto.elasticache.models import CacheCluster

    ec2_tags.EC2_PREFIX_TO_RESOURCE.update(EC2_TAG_RESOURCE_TYPES)

    original_init = CacheCluster.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if getattr(self, "num_cache_nodes", None) is None:
            self.num_cache_nodes = 1

    CacheCluster.__init__ = __init__  # type: ignore[method-assign]
    CacheCluster.cache_nodes = property(_cache_nodes)  # type: ignore[attr-defined]
    CacheCluster.cache_security_groups = property(_cache_security_groups)  # type: ignore[attr-defined]
    CacheCluster.security_groups = property(_security_groups)  # type: ignore[attr-defined]
    CacheCluster.cache_parameter_group = property(_cache_parameter_group)  # type: ignore[attr-defined]
    _installed = True
