# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Pure network validation for aws_network, usable before any AWS call."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

DOCUMENTATION = r"""
name: network_problems
short_description: List what is wrong with a VPC layout
description:
  - Takes the VPC CIDR, the availability zones and a mapping of tier name to subnet CIDR list and
    returns a list of human-readable problems (empty when the layout is valid). Every message names
    the variable it is about, using the names given in O(names).
  - Checks CIDR syntax, each subnet inside the VPC CIDR, no two subnets overlapping, and that every
    tier has one subnet per availability zone.
positional: vpc_cidr, azs, tiers
options:
  _input:
    description: VPC CIDR.
    type: str
    required: true
  azs:
    description: Availability zones, one subnet per zone and tier.
    type: list
    elements: str
  tiers:
    description: Tier name to list of subnet CIDRs.
    type: dict
  names:
    description: Variable name for C(vpc_cidr), C(azs) and each tier, used in the messages.
    type: dict
"""

EXAMPLES = r"""
problems: "{{ '10.0.0.0/16' | cloudops.eks_platform.network_problems(['a', 'b'], {'private': ['10.0.1.0/24']}) }}"
"""

RETURN = r"""
_value:
  description: Problems found; empty list when the layout is valid.
  type: list
  elements: str
"""


def _net(value: object) -> ipaddress.IPv4Network | None:
    try:
        net = ipaddress.ip_network(str(value), strict=True)
    except ValueError:
        return None
    return net if isinstance(net, ipaddress.IPv4Network) else None


def network_problems(
    vpc_cidr: str,
    azs: Sequence[str],
    tiers: Mapping[str, Sequence[str]],
    names: Mapping[str, str] | None = None,
) -> list[str]:
    names = dict(names or {})
    vpc_name = names.get("vpc_cidr", "vpc_cidr")
    azs_name = names.get("azs", "azs")
    problems: list[str] = []

    vpc = _net(vpc_cidr)
    if vpc is None:
        problems.append(f"{vpc_name}: '{vpc_cidr}' is not a valid IPv4 network CIDR (e.g. 10.0.0.0/16)")
    elif not 16 <= vpc.prefixlen <= 28:
        problems.append(f"{vpc_name}: prefix /{vpc.prefixlen} is outside the /16../28 range AWS allows for a VPC")

    if len(azs) == 0:
        problems.append(f"{azs_name}: at least one availability zone is required")
    if len(set(azs)) != len(azs):
        problems.append(f"{azs_name}: availability zones must be distinct, got {list(azs)}")

    seen: list[tuple[str, ipaddress.IPv4Network]] = []
    for tier, cidrs in tiers.items():
        tier_name = names.get(tier, tier)
        if len(cidrs) != len(azs):
            problems.append(
                f"{tier_name}: {len(cidrs)} subnet(s) for {len(azs)} availability zone(s) in {azs_name}; "
                "each tier needs exactly one subnet per zone"
            )
        for cidr in cidrs:
            net = _net(cidr)
            if net is None:
                problems.append(f"{tier_name}: '{cidr}' is not a valid IPv4 network CIDR")
                continue
            if not 16 <= net.prefixlen <= 28:
                problems.append(f"{tier_name}: {cidr} has prefix /{net.prefixlen}; AWS subnets are /16../28")
            if vpc is not None and not net.subnet_of(vpc):
                problems.append(f"{tier_name}: {cidr} is outside {vpc_name} {vpc_cidr}")
            for other_name, other in seen:
                if net.overlaps(other):
                    problems.append(f"{tier_name}: {cidr} overlaps {other} of {other_name}")
            seen.append((tier_name, net))
    return problems


class FilterModule:
    def filters(self) -> dict:
        return {"network_problems": network_problems}
