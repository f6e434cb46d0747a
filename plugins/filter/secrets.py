# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Secrets Manager input checks for the aws_secrets role: the module's own rules
(:func:`secrets.validate_specs`, the one copy of them). Names only, never a value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.secrets import (
    validate_recovery_window,
    validate_specs,
)

DOCUMENTATION = r"""
name: secrets_problems
short_description: Secret definition checks - the secretsmanager_secrets module's rules, before any AWS call
description:
  - Takes the secret definitions (names relative to O(prefix)) and returns human-readable problems (empty list
    when valid) - name characters and length of the full name, names listed twice, generated lengths, options
    that do not fit the kind. Messages name secrets, never a value.
  - C(secrets_recovery_window_problems) checks a recovery window (0, or 7 to 30 days).
positional: prefix
options:
  _input:
    description: The definitions (C(secretsmanager_secrets) O(secrets) entries with relative names).
    type: list
    elements: dict
    required: true
  prefix:
    description: Prefix joined to every name with C(/).
    type: str
"""

EXAMPLES = r"""
problems: "{{ aws_secrets_definitions | cloudops.eks_platform.secrets_problems(aws_secrets_prefix) }}"
window: "{{ 7 | cloudops.eks_platform.secrets_recovery_window_problems('aws_secrets_recovery_window_days') }}"
"""

RETURN = r"""
_value:
  description: Problems found (empty list when valid).
  type: list
  elements: str
"""


def secrets_problems(definitions: Sequence[Mapping[str, Any]], prefix: str = "") -> list[str]:
    specs = [dict(d, name=f"{prefix}/{d.get('name')}" if prefix else d.get("name")) for d in definitions]
    return validate_specs(specs)


def secrets_recovery_window_problems(days: Any, name: str = "recovery_window") -> list[str]:
    try:
        number = int(days)
    except (TypeError, ValueError):
        return [f"{name} must be a whole number of days (got {days!r})"]
    return [p.replace("recovery_window", name, 1) for p in validate_recovery_window(number)]


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "secrets_problems": secrets_problems,
            "secrets_recovery_window_problems": secrets_recovery_window_problems,
        }
