# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""The AWS rules no read call can tell (``module_utils/aws_rules.py``, one table with the documentation of each),
for the roles' validation: each filter returns the list of problems, one line each naming the variable path given."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.aws_rules import (
    elasticache_maintenance_window_problems,
    entries_tag_problems,
    entry_label,
    entry_settings,
    log_retention_problems,
    port_problems,
    rds_storage_problems,
    role_tag_problems,
    s3_lifecycle_problems,
    tag_problems,
    window_minutes,
)

DOCUMENTATION = r"""
name: aws_tag_problems
short_description: AWS rules without a read call (tags, log retention, S3 lifecycle, windows, storage, ports)
description:
  - Each filter returns a list of problems (empty when valid), one line each, naming the variable path given.
  - C(aws_tag_problems(label, extra=0)) - a tag dict; key 1-128 and value 0-256 characters, no C(aws:) prefix,
    letters, digits, spaces and C(_ . / = + - @) and colons, at most 50 tags (C(extra) the role adds); a Key/Value list
    is reported as such.
  - C(aws_role_tag_problems(role_var, platform_tags, extra=1)) - a role's tags (platform_tags plus Layer); the
    platform_tags part named C(platform_tags), what the role variable adds named by C(role_var).
  - C(aws_entries_tag_problems(var, base, field='tags')) - the tags of each entry of a list.
  - C(aws_log_retention_problems(label)) - a CloudWatch Logs retention among the values AWS offers.
  - C(aws_s3_lifecycle_problems(label)) - lifecycle rules in the inventory's shape, as S3 accepts them.
  - C(aws_s3_buckets_lifecycle_problems(var)) - the lifecycle rules of every bucket entry.
  - C(aws_elasticache_window_problems(label)) - ddd:hh24:mi-ddd:hh24:mi, at least 60 minutes.
  - C(aws_rds_storage_problems(names)) - io1/io2 need IOPS, gp3 IOPS/throughput rules.
  - C(aws_port_problems(label, service)) - C(rds) / C(aurora) 1150-65535, C(elasticache) / C(tcp) 1-65535.
  - C(aws_entries_storage_problems(var, defaults, default_labels)), C(aws_entries_port_problems(var, service,
    default, default_label)), C(aws_entries_window_problems(var, default, default_label, check_format=false)) -
    the same per entry of a list, a setting the entry leaves out taken from the role input that supplies it (and
    named by it).
  - The rules and the AWS documentation they come from are in C(plugins/module_utils/aws_rules.py) (C(RULES)).
positional: label
options:
  _input:
    description: The value to check.
    type: raw
    required: true
  label:
    description: The variable path named in the messages (C(platform_tags), C(platform_s3_buckets[0].tags)).
    type: str
    required: true
"""

EXAMPLES = r"""
tag_problems: "{{ platform_tags | cloudops.eks_platform.aws_tag_problems('platform_tags') }}"
retention_problems: >-
  {{ aws_network_flow_logs_retention_days
     | cloudops.eks_platform.aws_log_retention_problems('aws_network_flow_logs_retention_days') }}
"""

RETURN = r"""
_value:
  description: The problems, one line each (empty when valid).
  type: list
  elements: str
"""


def aws_tag_problems(tags: Any, label: str, extra: int = 0) -> list[str]:
    return tag_problems(tags, label, int(extra))


def aws_role_tag_problems(role_tags: Any, role_var: str, platform_tags: Any = None, extra: int = 1) -> list[str]:
    return role_tag_problems(role_tags, role_var, platform_tags, int(extra))


def aws_entries_tag_problems(entries: Any, var: str, base: Any = None, field: str = "tags") -> list[str]:
    return entries_tag_problems(entries, var, base, field)


def aws_log_retention_problems(days: Any, label: str) -> list[str]:
    return log_retention_problems(days, label)


def aws_s3_lifecycle_problems(rules: Any, label: str) -> list[str]:
    return s3_lifecycle_problems(rules, label)


def aws_s3_buckets_lifecycle_problems(buckets: Any, var: str) -> list[str]:
    """The lifecycle rules of each bucket entry, named ``<var>[i] (<suffix or name>).lifecycle_rules``."""
    problems: list[str] = []
    for index, entry in enumerate(buckets if isinstance(buckets, list) else []):
        if not isinstance(entry, Mapping):
            continue
        label = f"{entry_label(var, index, entry)}.lifecycle_rules"
        problems += s3_lifecycle_problems(entry.get("lifecycle_rules"), label)
    return problems


def aws_elasticache_window_problems(window: Any, label: str) -> list[str]:
    return elasticache_maintenance_window_problems(window, label)


def aws_rds_storage_problems(settings: Any, names: Any = None) -> list[str]:
    if not isinstance(settings, Mapping):
        return []
    return rds_storage_problems(settings, dict(names or {}))


def aws_port_problems(port: Any, label: str, service: str = "tcp") -> list[str]:
    return port_problems(port, label, service)


def aws_entries_storage_problems(entries: Any, var: str, defaults: Any = None, default_labels: Any = None) -> list[str]:
    """:func:`rds_storage_problems` per entry (storage_type, allocated_storage, iops, storage_throughput), a setting
    the entry leaves out taken from ``defaults`` and named by ``default_labels`` (the role input)."""
    problems: list[str] = []
    for _, settings, names in entry_settings(entries, var, dict(defaults or {}), dict(default_labels or {})):
        problems += rds_storage_problems(settings, names)
    return problems


def aws_entries_port_problems(
    entries: Any, var: str, service: str, default: Any = None, default_label: str = ""
) -> list[str]:
    """The ``port`` of each entry (else ``default``, named ``default_label``) within the service's range."""
    problems: list[str] = []
    for _, settings, names in entry_settings(entries, var, {"port": default}, {"port": default_label or "port"}):
        problems += port_problems(settings.get("port"), names["port"], service)
    return problems


def aws_entries_window_problems(
    entries: Any, var: str, default: Any = None, default_label: str = "", check_format: bool = False
) -> list[str]:
    """The length of the ElastiCache ``maintenance_window`` of each entry (else ``default``, named ``default_label``);
    its format too with ``check_format`` (aws_elasticache's entry checks report a malformed window already)."""
    problems: list[str] = []
    defaults, labels = {"maintenance_window": default}, {"maintenance_window": default_label or "maintenance_window"}
    for _, settings, names in entry_settings(entries, var, defaults, labels):
        window = settings.get("maintenance_window")
        if not check_format and (not isinstance(window, str) or window_minutes(window) is None):
            continue
        problems += elasticache_maintenance_window_problems(window, names["maintenance_window"])
    return problems


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "aws_tag_problems": aws_tag_problems,
            "aws_role_tag_problems": aws_role_tag_problems,
            "aws_entries_tag_problems": aws_entries_tag_problems,
            "aws_log_retention_problems": aws_log_retention_problems,
            "aws_s3_lifecycle_problems": aws_s3_lifecycle_problems,
            "aws_s3_buckets_lifecycle_problems": aws_s3_buckets_lifecycle_problems,
            "aws_elasticache_window_problems": aws_elasticache_window_problems,
            "aws_rds_storage_problems": aws_rds_storage_problems,
            "aws_port_problems": aws_port_problems,
            "aws_entries_storage_problems": aws_entries_storage_problems,
            "aws_entries_port_problems": aws_entries_port_problems,
            "aws_entries_window_problems": aws_entries_window_problems,
        }
