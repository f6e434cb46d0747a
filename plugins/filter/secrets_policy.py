# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""The resource policy of the aws_secrets role's secrets: which principals it exempts, and the input checks,
from ``module_utils/secret_policy.py``. ARNs only, never a secret value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.secret_policy import (
    ADMIN_ACCESS_POLICIES,
    platform_principals,
    policy_input_problems,
)

DOCUMENTATION = r"""
name: secrets_policy_principals
short_description: The principals the platform's secret policy exempts, and its input checks
description:
  - C(secrets_policy_principals(name_prefix, pod_identity_role_path, access_role_path, admin_policies)) takes the
    sources C({pod_identities, eks_access, allowed}) (C(platform_eks_pod_identities), C(platform_eks_access),
    C(platform_secrets_allowed_principal_arns)) and returns the sorted ARN templates (C({partition}),
    C({account_id})) of the roles aws_eks_pod_identity makes for entries that use Secrets Manager, of the roles
    aws_eks_access makes for entries with a cluster admin policy, and the allowed ARNs as given.
  - C(secrets_policy_problems(name_prefix, enabled=..., pod_identity_role_path=..., access_role_path=...)) returns
    the problems (empty when valid) of the same inputs, naming C(platform_secrets_allowed_principal_arns[i]).
positional: name_prefix
options:
  _input:
    description: The sources, a dict with C(pod_identities), C(eks_access) and C(allowed) (lists).
    type: dict
    required: true
  name_prefix:
    description: The prefix of the compute roles' names (C(platform_name)).
    type: str
"""

EXAMPLES = r"""
principals: >-
  {{ {'pod_identities': platform_eks_pod_identities, 'eks_access': platform_eks_access,
      'allowed': platform_secrets_allowed_principal_arns}
     | cloudops.eks_platform.secrets_policy_principals(platform_name) }}
"""

RETURN = r"""
_value:
  description: The principal ARN templates (list of str), or the problems (list of str, empty when valid).
  type: list
  elements: str
"""


def _principals(sources: Mapping[str, Any], name_prefix: str, pod_identity_role_path: str, access_role_path: str,
                admin_policies: Sequence[str] | None) -> list[str]:
    sources = sources if isinstance(sources, Mapping) else {}
    return platform_principals(
        sources.get("pod_identities"),
        sources.get("eks_access"),
        sources.get("allowed"),
        str(name_prefix),
        str(pod_identity_role_path),
        str(access_role_path),
        tuple(admin_policies) if admin_policies else ADMIN_ACCESS_POLICIES,
    )


def secrets_policy_principals(
    sources: Mapping[str, Any],
    name_prefix: str,
    pod_identity_role_path: str = "/pod-identity/",
    access_role_path: str = "/",
    admin_policies: Sequence[str] | None = None,
) -> list[str]:
    return _principals(sources, name_prefix, pod_identity_role_path, access_role_path, admin_policies)


def secrets_policy_problems(
    sources: Mapping[str, Any],
    name_prefix: str,
    enabled: Any = True,
    pod_identity_role_path: Any = "/pod-identity/",
    access_role_path: Any = "/",
    admin_policies: Sequence[str] | None = None,
) -> list[str]:
    allowed = sources.get("allowed") if isinstance(sources, Mapping) else None
    return policy_input_problems(
        allowed,
        enabled=enabled,
        principals=_principals(sources, name_prefix, str(pod_identity_role_path), str(access_role_path),
                               admin_policies),
        pod_identity_role_path=pod_identity_role_path,
        access_role_path=access_role_path,
    )


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "secrets_policy_principals": secrets_policy_principals,
            "secrets_policy_problems": secrets_policy_problems,
        }
