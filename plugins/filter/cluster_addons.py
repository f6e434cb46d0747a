# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Filters over module_utils/cluster_addons.py for k8s_cluster_addons."""

from __future__ import annotations

from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.cluster_addons import (
    addon_problems,
    addon_specs,
    needs,
)

DOCUMENTATION = r"""
name: cluster_addon_problems
short_description: List what is wrong with the cluster add-on entries
description:
  - Returns every problem of C(platform_cluster_addons) (empty when valid), each naming
    C(<variable>[i].<field>). Also provides C(cluster_addon_specs) (the entries with defaults and the
    discovered values set at their value paths) and C(cluster_addons_need) (whether an entry takes a
    discovered value, e.g. C(vpc_id)).
positional: variable
options:
  _input:
    description: The add-on entries.
    type: list
    elements: dict
    required: true
  variable:
    description: How to name the list in the messages.
    type: str
"""

EXAMPLES = r"""
problems: "{{ platform_cluster_addons | cloudops.eks_platform.cluster_addon_problems }}"
specs: "{{ platform_cluster_addons | cloudops.eks_platform.cluster_addon_specs({'vpc_id': 'vpc-1'}) }}"
"""

RETURN = r"""
_value:
  description: The problems, the specs or a boolean.
  type: raw
"""


def cluster_addon_problems(entries: Any, variable: str = "platform_cluster_addons") -> list[str]:
    return addon_problems(entries, variable)


def cluster_addon_specs(entries: Any, discovered: Any) -> list[dict[str, Any]]:
    return addon_specs(entries, discovered)


def cluster_addons_need(entries: Any, source: str) -> bool:
    return needs(entries, source)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "cluster_addon_problems": cluster_addon_problems,
            "cluster_addon_specs": cluster_addon_specs,
            "cluster_addons_need": cluster_addons_need,
        }
