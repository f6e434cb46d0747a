# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""ElastiCache input checks for the aws_elasticache role: the module's own rules
(:func:`elasticache_compare.validate`, the one copy of them), named with the role's variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.elasticache_compare import validate

DOCUMENTATION = r"""
name: elasticache_problems
short_description: ElastiCache replication group input checks - the module's rules, before any AWS call
description:
  - Takes the replication group settings, keyed by the option names of
    C(cloudops.eks_platform.elasticache_replication_group), and returns human-readable problems (empty list when
    valid) - name, engine, node and shard counts, failover / Multi-AZ against the node counts, TLS for AUTH,
    snapshot and maintenance windows, retention, port.
  - With C(allowed_cidrs) and C(allowed_security_groups) in the input, also that something may reach the group.
  - Whole-number settings given as strings (inventory values) are read as numbers.
positional: names
options:
  _input:
    description: The settings, by module option name.
    type: dict
    required: true
  names:
    description: Variable name per option, used in the messages (default the option name).
    type: dict
"""

EXAMPLES = r"""
problems: >-
  {{ {'name': 'wealist-prod-redis', 'num_cache_clusters': 1, 'multi_az': true}
     | cloudops.eks_platform.elasticache_problems({'multi_az': 'aws_elasticache_multi_az'}) }}
"""

RETURN = r"""
_value:
  description: Problems found (empty list when valid).
  type: list
  elements: str
"""

INTEGER_OPTIONS = (
    "num_cache_clusters", "num_node_groups", "replicas_per_node_group", "snapshot_retention_limit", "port",
)


def _number(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def elasticache_problems(settings: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[str]:
    names = names or {}
    params = {k: (_number(v) if k in INTEGER_OPTIONS else v) for k, v in settings.items()}
    problems = validate(params, names)
    if "allowed_cidrs" in params and not params.get("allowed_cidrs") and not params.get("allowed_security_groups"):
        problems.append(
            f"{names.get('allowed_cidrs', 'allowed_cidrs')} and "
            f"{names.get('allowed_security_groups', 'allowed_security_groups')} are both empty: nothing could reach "
            "the replication group"
        )
    return problems


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"elasticache_problems": elasticache_problems}
