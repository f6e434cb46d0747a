# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Filters of the aws_eks and aws_eks_access roles over module_utils/eks_inputs.py (pure): the input checks
run by their tasks/validate.yml before any AWS call, and the values their tasks derive (node security group
rules, access entry specs, the eks_access_entries entries)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_inputs import (
    LOG_TYPES,
    access_entries,
    access_problems,
    access_specs,
    cluster_problems,
    effective_public_cidrs,
    node_rule_problems,
    path_problems,
    role_arn,
    security_group_rules,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.list_entries import type_name

DOCUMENTATION = r"""
name: eks_cluster_problems
short_description: Input checks and derived values of the aws_eks and aws_eks_access roles
description:
  - C(eks_cluster_problems) takes the aws_eks settings (cluster_name, version, endpoint_public_access,
    endpoint_private_access, public_access_cidrs, public_endpoint_open_to_world, logging, authentication_mode,
    cluster_role_name, node_security_group_rules) and returns every problem (empty list when valid), each naming
    the role variable and the inventory variable it comes from - e.g. a public endpoint open to 0.0.0.0/0
    without C(platform_eks_public_endpoint_open_to_world), an unquoted version C(1.30).
  - C(eks_node_rule_problems) - the problems of the node security group rule entries alone, each naming
    C(platform_eks_node_security_group_rules[<index>].<field>).
  - C(eks_public_cidrs) - the CIDRs the public endpoint is open to (EKS's default 0.0.0.0/0 when the list is empty).
  - C(eks_node_security_group_rules) - C(rules) and C(rules_egress) for amazon.aws.ec2_security_group from the
    rule entries, the peers C(cluster) / C(self) resolved to security group ids.
  - C(eks_access_problems), C(eks_access_specs), C(eks_access_module_entries), C(eks_access_role_arn) - the
    entries of C(platform_eks_access) checked, with their derived IAM names, and turned into the entries of
    cloudops.eks_platform.eks_access_entries.
positional: labels
options:
  _input:
    description: The settings (a dict) or the entries (a list).
    type: raw
    required: true
  labels:
    description: How each setting is named in the messages (default C(aws_eks_<setting> (from platform_...))).
    type: dict
"""

EXAMPLES = r"""
problems: >-
  {{ {'cluster_name': 'shop-prod-eks', 'version': '1.34', 'public_access_cidrs': ['0.0.0.0/0']}
     | cloudops.eks_platform.eks_cluster_problems }}
rules: "{{ platform_eks_node_security_group_rules | cloudops.eks_platform.eks_node_security_group_rules('sg-0123') }}"
access: "{{ platform_eks_access | cloudops.eks_platform.eks_access_problems('shop-prod') }}"
"""

RETURN = r"""
_value:
  description: The problems (a list of strings, empty when valid) or the derived value.
  type: raw
"""


def eks_cluster_problems(settings: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> list[str]:
    if not isinstance(settings, Mapping):
        return [f"the aws_eks settings must be a dict, got {type_name(settings)}"]
    return cluster_problems(settings, labels)


def eks_node_rule_problems(rules: Any, label: str = "platform_eks_node_security_group_rules") -> list[str]:
    return node_rule_problems(rules, label)


def eks_public_cidrs(settings: Mapping[str, Any]) -> list[str]:
    return effective_public_cidrs(settings)


def eks_log_types(types: Any) -> list[str]:
    """The log types in EKS's order (how eks_cluster and DescribeCluster report them)."""
    return [t for t in LOG_TYPES if t in (types or [])]


def eks_node_security_group_rules(rules: Any, cluster_group_id: str, self_group_id: str | None = None) -> dict:
    return security_group_rules(rules, cluster_group_id, self_group_id)


def eks_access_problems(entries: Any, platform_name: str, label: str = "platform_eks_access",
                        group_path: Any = "/", role_path: Any = "/") -> list[str]:
    return (access_problems(entries, str(platform_name), label)
            + path_problems(group_path, "aws_eks_access_group_path")
            + path_problems(role_path, "aws_eks_access_role_path"))


def eks_access_specs(entries: Any, platform_name: str) -> list[dict[str, Any]]:
    return access_specs(entries, str(platform_name))


def eks_access_module_entries(specs: Any, caller_arn: str, account: str, role_path: str,
                              state: str = "present") -> list[dict[str, Any]]:
    return access_entries(specs or [], str(caller_arn), str(account), str(role_path), str(state))


def eks_access_role_arn(name: str, caller_arn: str, account: str, role_path: str) -> str:
    return role_arn(str(caller_arn), str(account), str(role_path), str(name))


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "eks_cluster_problems": eks_cluster_problems,
            "eks_node_rule_problems": eks_node_rule_problems,
            "eks_public_cidrs": eks_public_cidrs,
            "eks_log_types": eks_log_types,
            "eks_node_security_group_rules": eks_node_security_group_rules,
            "eks_access_problems": eks_access_problems,
            "eks_access_specs": eks_access_specs,
            "eks_access_module_entries": eks_access_module_entries,
            "eks_access_role_arn": eks_access_role_arn,
        }
