# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Filters over module_utils/eks_pod_identity_inputs.py for the aws_eks_pod_identity role (and the add-on pod
identity roles of aws_eks_addons)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_pod_identity_inputs import (
    associations,
    needs,
    pod_identity_problems,
    pod_identity_specs,
    pod_identity_teardown,
)

DOCUMENTATION = r"""
name: pod_identities_problems
short_description: List what is wrong with the EKS Pod Identity entries, before any AWS call
description:
  - Returns every problem of C(platform_eks_pod_identities) (empty when valid), each naming
    C(<variable>[i].<field>) - suffix or name, namespace and service account (Kubernetes names, one association
    per pair), managed policies (names or ARNs), statements (actions, resources, conditions), the role name, the
    inline policy's size.
  - A statement resource is C(*), an ARN or a placeholder (C(secret:<pattern>), C(rds_secrets), C(ssm:<path>),
    C(bucket:<platform_s3_buckets entry>), C(kms_key), C(cluster), C(cluster_nodegroups)), with C({field})
    substitutions (C(partition), C(region), C(account_id), C(platform_name), C(secret_prefix), C(cluster_name)).
    C(*) is refused for s3, secretsmanager, kms, ssm and eks actions (their ARNs are known), except the
    account-level ones IAM only allows on C(*).
  - Also provides C(pod_identity_specs) (each entry's IAM role - name, ARN, trust policy, tags, managed policy
    ARNs, the inline policy with every placeholder resolved - and its association),
    C(pod_identity_associations) (the C(associations) option of C(cloudops.eks_platform.eks_pod_identity_associations))
    C(pod_identities_need) (whether an enabled entry uses a placeholder, e.g. C(kms_key)) and C(pod_identity_teardown)
    (the associations and role names teardown removes).
positional: context, variable
options:
  _input:
    description: The entries.
    type: list
    elements: dict
    required: true
  context:
    description: platform_name (or name_prefix), region, secret_prefix, cluster_name, buckets (platform_s3_buckets),
      bucket_prefix. The specs also take partition, account_id, kms_key_arn, role_path, policy_name, tags.
    type: dict
    required: true
  variable:
    description: How to name the list in the messages.
    type: str
    default: platform_eks_pod_identities
"""

EXAMPLES = r"""
problems: >-
  {{ platform_eks_pod_identities | cloudops.eks_platform.pod_identities_problems(
       {'platform_name': 'shop-prod', 'region': 'eu-west-1', 'secret_prefix': 'shop/prod',
        'cluster_name': 'shop-prod-eks', 'buckets': platform_s3_buckets}) }}
"""

RETURN = r"""
_value:
  description: The problems (empty list when valid), the specs, the associations or a boolean.
  type: raw
"""


def pod_identities_problems(
    entries: Any, context: Mapping[str, Any], variable: str = "platform_eks_pod_identities"
) -> list[str]:
    return pod_identity_problems(entries, context, variable)


def pod_identity_specs_filter(entries: Sequence[Mapping[str, Any]], context: Mapping[str, Any]) -> list[dict]:
    return pod_identity_specs(entries, context)


def pod_identity_associations(specs: Sequence[Mapping[str, Any]]) -> list[dict]:
    return associations(specs)


def pod_identities_need(entries: Any, kind: str) -> bool:
    return needs(entries, kind)


def pod_identity_teardown_filter(entries: Sequence[Mapping[str, Any]], prefix: str) -> dict:
    return pod_identity_teardown(entries, prefix)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "pod_identities_problems": pod_identities_problems,
            "pod_identity_specs": pod_identity_specs_filter,
            "pod_identity_associations": pod_identity_associations,
            "pod_identities_need": pod_identities_need,
            "pod_identity_teardown": pod_identity_teardown_filter,
        }
