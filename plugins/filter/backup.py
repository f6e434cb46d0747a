# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""AWS Backup plans of the data layer (role aws_backup): specs, input checks, selection ARNs and the plans that
differ from AWS, from ``module_utils/backup_plans.py``."""

from __future__ import annotations

from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.backup_plans import (
    aws_cron_problems,
    backup_plan_specs,
    backup_plans_differing,
    backup_plans_problems,
    backup_resource_arns,
)

DOCUMENTATION = r"""
name: backup_plan_specs
short_description: AWS Backup plan entries - derived names and rules, input checks, selection ARNs
description:
  - C(backup_plan_specs(defaults, context)) - each C(platform_backup_plans) entry with its final name (plan, rule
    and selection), its settings (the entry's, else C(defaults)), the identifiers of the RDS instances and Aurora
    clusters it selects and C(rules), the C(rules) option of C(amazon.aws.backup_plan).
  - C(backup_plans_problems(defaults, context)) - every problem of the list before any AWS call, naming
    C(platform_backup_plans[<index>].<field>) or the role input a left-out setting comes from.
  - C(backup_resource_arns(partition, region, account)) - the ARNs a spec's selection lists.
  - C(backup_plans_differing(existing, tags)) - the names of the specs that C(amazon.aws.backup_plan) would change
    (C(existing) = the C(backup_plans) of C(amazon.aws.backup_plan_info)).
  - C(aws_backup_cron_problems) - what is wrong with one C(cron(...)) schedule.
positional: defaults
options:
  _input:
    description: The list of entries (or one spec for C(backup_resource_arns), the specs for C(backup_plans_differing)).
    type: raw
    required: true
"""

EXAMPLES = r"""
specs: >-
  {{ platform_backup_plans | cloudops.eks_platform.backup_plan_specs(
       {'schedule': 'cron(0 17 * * ? *)', 'timezone': 'Etc/UTC', 'retention_days': 35,
        'start_window_minutes': 60, 'completion_window_minutes': 1440},
       {'platform_name': 'shop-prod', 'vault_name': 'shop-prod-backup',
        'rds_instance_names': {'postgres': 'shop-prod-postgres'}, 'aurora_cluster_names': {}}) }}
arns: "{{ specs[0] | cloudops.eks_platform.backup_resource_arns('aws', 'eu-west-1', '123456789012') }}"
"""

RETURN = r"""
_value:
  description: The specs (list of dicts), the problems (list of str, empty when valid), the ARNs or the plan names.
  type: list
"""


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "backup_plan_specs": backup_plan_specs,
            "backup_plans_problems": backup_plans_problems,
            "backup_resource_arns": backup_resource_arns,
            "backup_plans_differing": backup_plans_differing,
            "aws_backup_cron_problems": aws_cron_problems,
        }
