"""moto 5.2.5 EC2 gap: DescribeTags resource types.

moto reports e.g. ``nat-gateway`` and ``vpc-elastic-ip`` where AWS says ``natgateway`` and ``elastic-ip``, so
a ``resource-type`` filter finds nothing. amazon.aws reads tags that way (``describe_ec2_tags``), so
``ec2_vpc_nat_gateway`` re-tagged and reported changed on every run. The prefix -> type table is corrected
for every type whose AWS name differs. (NAT gateways' ``pending`` state is latency mode: ``latency.py``.)
"""

from __future__ import annotations

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


def install() -> None:
    """Apply the fix once per process (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.ec2.models import tags as ec2_tags

    ec2_tags.EC2_PREFIX_TO_RESOURCE.update(EC2_TAG_RESOURCE_TYPES)
    _installed = True
