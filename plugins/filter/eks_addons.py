# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Filters over module_utils/eks_addon_inputs.py for the aws_eks_addons role."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_addon_inputs import (
    addon_pins,
    addon_problems,
    addon_specs,
    addon_teardown,
    addons_need,
    phase_addons,
    phase_roles,
    phases,
)

DOCUMENTATION = r"""
name: eks_addons_problems
short_description: List what is wrong with the EKS managed add-on entries, before any AWS call
description:
  - Returns every problem of C(platform_eks_addons) (empty when valid), each naming C(<variable>[i].<field>) -
    unknown fields, add-on names listed twice, the version (C(v<major>.<minor>.<patch>-eksbuild.<n>)) or the
    C(versions) pins per Kubernetes minor version (one for the cluster's target version, C(platform_eks_version)),
    C(configuration_values) (a dict; C(env) values strings), C(resolve_conflicts), C(after_nodes) (never false for
    an add-on whose pods need nodes), C(service_account_role_arn) or C(pod_identity) (not both; its statements
    checked like C(platform_eks_pod_identities) entries; the C(eks-pod-identity-agent) add-on must be listed).
  - Also provides C(eks_addon_specs) (per entry its phase, its pod identity role and the entry of the
    C(cloudops.eks_platform.eks_addons) module's C(addons) option), C(eks_addons_phase) (the module entries of one
    phase; with C(update_late) the before_nodes call also lists the after_nodes add-ons with C(create=false)),
    C(eks_addon_pins) (the version each entry uses for a Kubernetes version, with the variable path it comes
    from), C(eks_addon_roles) (the pod identity roles of some phases), C(eks_addon_phases) (C(all) -> both phases)
    C(eks_addons_need) (whether a pod identity of the selected phases uses a placeholder, e.g. C(kms_key)) and
    C(eks_addon_teardown) (the add-ons and role names teardown removes).
positional: context, variable
options:
  _input:
    description: The add-on entries.
    type: list
    elements: dict
    required: true
  context:
    description: node_dependent (add-on names that need nodes), kubernetes_version (the cluster's target version,
      which picks among C(versions)), and what pod_identities_problems takes for the pod identity roles
      (platform_name, region, secret_prefix, cluster_name, buckets, bucket_prefix).
    type: dict
    required: true
  variable:
    description: How to name the list in the messages.
    type: str
    default: platform_eks_addons
"""

EXAMPLES = r"""
problems: >-
  {{ platform_eks_addons | cloudops.eks_platform.eks_addons_problems(
       {'node_dependent': ['coredns'], 'platform_name': 'shop-prod', 'region': 'eu-west-1',
        'secret_prefix': 'shop/prod', 'cluster_name': 'shop-prod-eks', 'buckets': []}) }}
before_nodes: "{{ specs | cloudops.eks_platform.eks_addons_phase('before_nodes') }}"
"""

RETURN = r"""
_value:
  description: The problems (empty list when valid), the specs, module entries, roles, phases or a boolean.
  type: raw
"""


def eks_addons_problems(entries: Any, context: Mapping[str, Any], variable: str = "platform_eks_addons") -> list[str]:
    return addon_problems(entries, context, variable)


def eks_addon_specs(entries: Sequence[Mapping[str, Any]], context: Mapping[str, Any]) -> list[dict]:
    return addon_specs(entries, context)


def eks_addons_phase(specs: Sequence[Mapping[str, Any]], phase: str, update_late: bool = False) -> list[dict]:
    return phase_addons(specs, phase, bool(update_late))


def eks_addon_pins(entries: Any, kubernetes_version: Any, variable: str = "platform_eks_addons") -> list[dict]:
    return addon_pins(entries, kubernetes_version, variable)


def eks_addon_roles(specs: Sequence[Mapping[str, Any]], selected: Sequence[str]) -> list[dict]:
    return phase_roles(specs, selected)


def eks_addon_phases(phase: str) -> list[str]:
    return phases(phase)


def eks_addons_need(
    entries: Any, kind: str, selected: Sequence[str] | None = None, node_dependent: Sequence[str] = ()
) -> bool:
    return addons_need(entries, kind, selected, node_dependent)


def eks_addon_teardown(
    entries: Sequence[Mapping[str, Any]], prefix: str, selected: Sequence[str], node_dependent: Sequence[str] = ()
) -> dict:
    return addon_teardown(entries, prefix, selected, node_dependent)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "eks_addons_problems": eks_addons_problems,
            "eks_addon_specs": eks_addon_specs,
            "eks_addons_phase": eks_addons_phase,
            "eks_addon_pins": eks_addon_pins,
            "eks_addon_roles": eks_addon_roles,
            "eks_addon_phases": eks_addon_phases,
            "eks_addons_need": eks_addons_need,
            "eks_addon_teardown": eks_addon_teardown,
        }
