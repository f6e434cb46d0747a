# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""The foundation layer's list entries (S3 buckets, secrets, ECR repositories, VPC endpoints): final
names derived once and input checks, from ``module_utils/foundation_lists.py``. Names only, never a
secret value."""

from __future__ import annotations

from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.foundation_lists import (
    ecr_repository_problems,
    ecr_repository_specs,
    endpoint_secrets,
    s3_bucket_drift,
    s3_bucket_problems,
    s3_bucket_specs,
    secret_problems,
    secret_specs,
    vpc_endpoint_problems,
    vpc_endpoint_specs,
)

DOCUMENTATION = r"""
name: s3_bucket_specs
short_description: Foundation list entries - derived names, defaults and input checks
description:
  - Every foundation resource kind is a list of entries that give either C(suffix) (the name is derived
    from the naming pattern) or C(name) (the exact name). These filters derive the final names once and
    list the problems of a list before any AWS call, naming the inventory variable, the entry and the field
    (C(platform_s3_buckets[1].lifecycle_rules[0].expiration_days)).
  - C(s3_bucket_specs(prefix, account_id)), C(s3_bucket_problems(prefix, var)), C(s3_bucket_drift(spec, key_arn, tags)).
  - C(secret_specs(prefix)), C(secret_problems(prefix, var, sources)), C(endpoint_secrets(prefix, source_kind)).
  - C(ecr_repository_specs(pattern, project, environment)),
    C(ecr_repository_problems(pattern, project, environment, var, pattern_var)).
  - C(vpc_endpoint_specs(name_prefix, region)), C(vpc_endpoint_problems(name_prefix, region, var)).
positional: prefix
options:
  _input:
    description: The list (or, for C(s3_bucket_drift), one bucket of C(amazon.aws.s3_bucket_info)).
    type: raw
    required: true
"""

EXAMPLES = r"""
buckets: "{{ platform_s3_buckets | cloudops.eks_platform.s3_bucket_specs(platform_name, '123456789012') }}"
problems: "{{ platform_secrets | cloudops.eks_platform.secret_problems(platform_secret_prefix, 'platform_secrets',
              {'rds_instance': platform_rds_instances | default([])}) }}"
rds_endpoint_secrets: >-
  {{ platform_secrets | cloudops.eks_platform.endpoint_secrets(platform_secret_prefix, 'rds_instance') }}
"""

RETURN = r"""
_value:
  description: The specs (list of dicts), the problems (list of str, empty when valid) or the drift (list of str).
  type: list
"""


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "s3_bucket_specs": s3_bucket_specs,
            "s3_bucket_problems": s3_bucket_problems,
            "s3_bucket_drift": s3_bucket_drift,
            "secret_specs": secret_specs,
            "secret_problems": secret_problems,
            "endpoint_secrets": endpoint_secrets,
            "ecr_repository_specs": ecr_repository_specs,
            "ecr_repository_problems": ecr_repository_problems,
            "vpc_endpoint_specs": vpc_endpoint_specs,
            "vpc_endpoint_problems": vpc_endpoint_problems,
        }
