# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""ElastiCache input checks for the aws_elasticache role: the module's own rules
(:func:`elasticache_compare.validate`, the one copy of them), named with the role's variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.data_lists import (
    EntryKind,
    is_list,
    list_problems,
    named_entries,
    with_defaults,
    zone_problems,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.elasticache_compare import (
    NAME_MAX,
    NAME_PATTERN,
    parameter_group_family,
    parameter_group_name,
    replaced_parameter_group_names,
    validate,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.list_entries import integer_problem

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
  {{ {'name': 'shop-prod-redis', 'num_cache_clusters': 1, 'multi_az': true}
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
    problems: list[str] = []
    params: dict[str, Any] = {}
    for key, value in settings.items():
        if key in INTEGER_OPTIONS and value is not None:
            problem = integer_problem(value)
            if problem:
                # named here and left out of the module's rules, which compare numbers
                problems.append(f"{names.get(key, key)}: {problem}")
                continue
            value = int(value)
        params[key] = value
    problems += validate(params, names)
    if "allowed_cidrs" in params and not params.get("allowed_cidrs") and not params.get("allowed_security_groups"):
        problems.append(
            f"{names.get('allowed_cidrs', 'allowed_cidrs')} and "
            f"{names.get('allowed_security_groups', 'allowed_security_groups')} are both empty: nothing could reach "
            "the replication group"
        )
    return problems


# --- list entries: platform_redis_groups ---------------------------------------------------------------------
#: Settings of a platform_redis_groups entry, by entry field -> module option.
ENTRY_OPTIONS = {
    "engine": "engine", "engine_version": "engine_version", "node_type": "node_type",
    "num_cache_clusters": "num_cache_clusters", "num_node_groups": "num_node_groups",
    "replicas_per_node_group": "replicas_per_node_group", "automatic_failover": "automatic_failover",
    "multi_az": "multi_az", "preferred_zones": "preferred_availability_zones", "port": "port",
    "transit_encryption": "transit_encryption", "auth_token_secret": "auth_token_secret_id",
    "snapshot_window": "snapshot_window", "maintenance_window": "preferred_maintenance_window",
    "snapshot_retention_limit": "snapshot_retention_limit", "allowed_cidrs": "allowed_cidrs",
    "allowed_security_groups": "allowed_security_groups",
}
#: Entry fields that fall back to a role input (aws_elasticache_<field>) when the entry leaves them out.
GROUP_DEFAULTED = (
    "engine", "port", "transit_encryption", "at_rest_encryption", "auth_token_secret", "snapshot_window",
    "maintenance_window", "snapshot_retention_limit", "auto_minor_version_upgrade", "allowed_cidrs",
    "allowed_security_groups", "parameters", "description", "final_snapshot",
)

#: Every field of a platform_redis_groups entry (README of aws_elasticache).
GROUP_FIELDS = (
    "suffix", "name", "engine_version", "node_type", "num_cache_clusters", "num_node_groups",
    "replicas_per_node_group", "preferred_zones", "automatic_failover", "multi_az", "parameter_group_family",
    "final_snapshot_identifier", *GROUP_DEFAULTED,
)


def redis_parameter_group_family(engine: str, version: Any) -> str:
    """Parameter group family of an engine version (the module's own derivation,
    :func:`elasticache_compare.parameter_group_family`): redis 7.1 -> redis7, redis 6.2 -> redis6.x,
    redis 5.0.6 -> redis5.0, valkey 8.0 -> valkey8 (cluster mode uses the same family, with cluster-enabled)."""
    return parameter_group_family(engine, version)


REDIS_GROUPS = EntryKind(
    source="redis_group", what="replication group entries", pattern=NAME_PATTERN,
    rule="lowercase letters, digits and single hyphens, starting with a letter", max_length=NAME_MAX,
    fields=GROUP_FIELDS, required=("engine_version", "node_type"),
)


def redis_group_specs(groups: Any, names: Mapping[str, str], defaults: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every derived value of each platform_redis_groups entry, for the aws_elasticache tasks: the replication
    group id (from ``names``, group_vars platform_redis_group_names), ``<id>-params`` / ``-subnet`` / ``-sg``, the
    parameter group family (derived from engine and version unless given), the parameters (with
    cluster-enabled: yes in cluster mode), the settings an entry leaves out taken from ``defaults``."""
    specs: list[dict[str, Any]] = []
    for key, name, entry in named_entries(groups, names, str(defaults.get("platform_name", ""))):
        spec = with_defaults(entry, defaults, GROUP_DEFAULTED)
        cluster_mode = entry.get("num_node_groups") is not None
        engine = spec.get("engine", "redis")
        try:
            family = entry.get("parameter_group_family") or redis_parameter_group_family(
                engine, entry.get("engine_version"))
        except ValueError:
            family = "unknown"
        parameters = dict(spec.get("parameters") or {})
        if cluster_mode:
            parameters.setdefault("cluster-enabled", "yes")
        # The parameter group name carries the family (<id>-params-redis7), so a major upgrade gets a new group;
        # the names it had before (<id>-params of older releases, other families) are deleted once unused.
        spec.update(
            key=key, name=name, cluster_mode=cluster_mode, family=family, parameters=parameters,
            description=spec.get("description") or name,
            parameter_group=parameter_group_name(f"{name}-params", family),
            replaced_parameter_groups=replaced_parameter_group_names(f"{name}-params", family),
            subnet_group=f"{name}-subnet", security_group=f"{name}-sg",
            num_cache_clusters=None if cluster_mode else int(entry.get("num_cache_clusters", 1)),
            num_node_groups=int(entry["num_node_groups"]) if cluster_mode else None,
            replicas_per_node_group=int(entry.get("replicas_per_node_group", 0)) if cluster_mode else None,
            automatic_failover=entry.get("automatic_failover"),
            multi_az=entry.get("multi_az"),
            preferred_zones=list(entry.get("preferred_zones") or []),
        )
        specs.append(spec)
    return specs


def redis_groups_problems(
    groups: Any, defaults: Mapping[str, Any] | None = None, context: Mapping[str, Any] | None = None
) -> list[str]:
    """Problems of platform_redis_groups (empty list = valid): names (suffix or name, no duplicates), the
    elasticache_replication_group module's own rules per entry (named platform_redis_groups[i].<field>, or the
    role input for a setting the entry leaves out), the preferred zones (in the region and among the subnets'
    zones), and the endpoint secrets of platform_secrets that point at a group.

    ``context``: platform_name, region, azs, secrets (platform_secrets), role_names (entry field -> role input),
    label (default platform_redis_groups).
    """
    defaults = dict(defaults or {})
    context = dict(context or {})
    role_names = dict(context.get("role_names") or {})

    def group_problems(entry: Mapping[str, Any], where: str) -> list[str]:
        settings = with_defaults(entry, defaults, GROUP_DEFAULTED)
        cluster_mode = entry.get("num_node_groups") is not None
        params: dict[str, Any] = {"name": "x"}
        names: dict[str, str] = {}
        for field, option in ENTRY_OPTIONS.items():
            names[option] = f"{where}.{field}" if field in entry else role_names.get(field, f"{where}.{field}")
            if settings.get(field) is not None:
                params[option] = settings[field]
        if cluster_mode:
            params.pop("num_cache_clusters", None)
            params.setdefault("replicas_per_node_group", 0)
        else:
            params.setdefault("num_cache_clusters", 1)
        params["transit_encryption"] = bool(params.get("transit_encryption", False))
        zones = params.pop("preferred_availability_zones", None)
        problems = elasticache_problems(params, names)
        if zones is not None:
            problems += zone_problems(zones, f"{where}.preferred_zones", context.get("region"), context.get("azs"))
            nodes = _number(params.get("num_cache_clusters"))
            if is_list(zones) and not cluster_mode and isinstance(nodes, int) and len(zones) != nodes:
                problems.append(f"{where}.preferred_zones: {len(zones)} zone(s) for {names['num_cache_clusters']} "
                                f"{nodes}: give one zone per node (the primary first)")
        # (the role default aws_elasticache_final_snapshot is typed by meta/argument_specs.yml)
        final = entry.get("final_snapshot")
        if final is not None and not isinstance(final, bool):
            problems.append(f"{where}.final_snapshot must be a boolean (true / false), got {final!r}")
        if entry.get("parameter_group_family") is None and entry.get("engine_version") is not None:
            try:
                redis_parameter_group_family(str(settings.get("engine", "redis")), entry["engine_version"])
            except ValueError as exc:
                problems.append(f"{where}.engine_version: {exc}")
        return problems

    return list_problems(groups, REDIS_GROUPS, context.get("label", "platform_redis_groups"), context, group_problems)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "elasticache_problems": elasticache_problems,
            "redis_group_specs": redis_group_specs,
            "redis_groups_problems": redis_groups_problems,
            "redis_parameter_group_family": redis_parameter_group_family,
        }
