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

RDS ManageMasterUserPassword: moto fills the ``rds!db-...`` / ``rds!cluster-...`` secret with
``{"username": "admin", "password": "P@55w0rd!"}`` for every instance. RDS stores the instance's own
``MasterUsername`` and a random password; so does the fixed backend (:func:`rds_managed_password`).
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

#: RDS-generated passwords avoid '/', '@', '"', "'", '\\' and spaces.
RDS_PASSWORD_ALPHABET = string.ascii_letters + string.digits + "!#$%&()*+,-.:;<=>?[]^_`{|}~"

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


def rds_managed_password(length: int = 28) -> str:
    """A password shaped like the ones RDS generates for ManageMasterUserPassword."""
    while True:
        value = "".join(secrets.choice(RDS_PASSWORD_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in value) and any(c in string.punctuation for c in value):
            return value


def _rds_secret_string(self: Any) -> str:
    username = getattr(self.resource, "master_username", None) or "admin"
    return json.dumps({"username": username, "password": rds_managed_password()})


def _install_kms_key_arn_fix() -> None:
    """moto's ScheduleKeyDeletion / CancelKeyDeletion / EnableKey / DisableKey index the key table with
    the KeyId as given and answer a key ARN (what amazon.aws.kms_key sends) with HTTP 500 (KeyError).
    AWS accepts a key id or a key ARN for all four."""
    from moto.kms.models import KmsBackend

    for name in ("schedule_key_deletion", "cancel_key_deletion", "enable_key", "disable_key"):
        original = getattr(KmsBackend, name)

        def wrapper(self: Any, key_id: str, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            return _original(self, self.get_key_id(key_id), *args, **kwargs)

        setattr(KmsBackend, name, wrapper)


def install() -> None:
    """Apply the fixes once per process (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.ec2.models import tags as ec2_tags
    from moto.elasticache.models import CacheCluster
    from moto.rds.models import MasterUserSecret

    MasterUserSecret._generate_secret_string = _rds_secret_string  # type: ignore[method-assign]

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
    _install_kms_key_arn_fix()
    from local_backend import elasticache, rds

    elasticache.install()
    rds.install()
    _installed = True
