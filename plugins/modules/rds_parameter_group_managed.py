#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: rds_parameter_group_managed
short_description: Manage an RDS DB parameter group or DB cluster parameter group, per-parameter apply method
version_added: 0.1.0
description:
  - Creates, converges or deletes a DB parameter group (O(kind=instance)) or a DB cluster parameter
    group (O(kind=cluster)) and the parameters set in it.
  - "Why not M(amazon.aws.rds_instance_param_group) / M(amazon.aws.rds_cluster_param_group): they apply
    every parameter with one apply method (C(immediate) fails for static parameters such as
    C(shared_preload_libraries), C(pending-reboot) delays dynamic ones), and they validate the wanted
    parameters against the engine default catalog, so they cannot run against a backend without one
    (moto 5.2.5 also answers C(DescribeDBParameterGroups) for a missing group with an empty list, which
    makes M(amazon.aws.rds_instance_param_group) crash with C(list index out of range))."
  - Parameters are compared with what RDS reports (C(Source=user) first; the full list only when a
    parameter must change and its C(ApplyType) is needed). Only differing parameters are sent, in
    batches of 20; each with C(immediate) when its C(ApplyType) is C(dynamic) and C(pending-reboot)
    when it is C(static) or unknown (O(apply_method=auto)).
  - Values are compared as RDS stores them - strings; C(true)/C(false) become C(1)/C(0), lists are
    joined with commas.
  - With O(purge_parameters=true), user-set parameters that are not in O(parameters) are reset to the
    engine default.
  - The family and the description cannot be changed in place; a difference is reported in RV(drift).
  - Check mode reads only; C(--diff) shows before/after of the managed parameters and tags.
options:
  name:
    description: Name of the parameter group.
    type: str
    required: true
  kind:
    description: C(instance) - DB parameter group; C(cluster) - DB cluster parameter group (Aurora).
    type: str
    choices: [instance, cluster]
    default: instance
  family:
    description: Parameter group family (C(postgres17), C(aurora-postgresql16), C(aurora-mysql8.0)). Needed to create.
    type: str
  description:
    description: Description (set on create; defaults to the name).
    type: str
  parameters:
    description: Parameter name to value. Omitted = parameters not managed.
    type: dict
  apply_method:
    description: C(auto) (by ApplyType), or one method for every parameter.
    type: str
    choices: [auto, immediate, pending-reboot]
    default: auto
  purge_parameters:
    description: Reset user-set parameters not listed in O(parameters).
    type: bool
    default: false
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
notes:
  - "IAM actions: C(rds:DescribeDBParameterGroups), C(rds:DescribeDBParameters), C(rds:CreateDBParameterGroup),
    C(rds:ModifyDBParameterGroup), C(rds:ResetDBParameterGroup), C(rds:DeleteDBParameterGroup) (the
    C(DBClusterParameterGroup) equivalents for O(kind=cluster)), C(rds:ListTagsForResource),
    C(rds:AddTagsToResource), C(rds:RemoveTagsFromResource)."
  - A DB instance picks up C(pending-reboot) values at its next reboot; on creation it starts with them.
    M(cloudops.eks_platform.rds_instance_managed) reports C(pending_reboot) and can reboot.
author:
  - cloudops platform team
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: PostgreSQL 17 parameters (static ones pending-reboot, dynamic ones immediate)
  cloudops.eks_platform.rds_parameter_group_managed:
    name: wealist-prod-postgres17
    family: postgres17
    description: wealist-prod PostgreSQL 17 parameters
    parameters:
      shared_preload_libraries: pg_stat_statements
      log_statement: ddl
      log_min_duration_statement: 1000
    tags:
      Project: wealist

- name: Aurora MySQL cluster parameters
  cloudops.eks_platform.rds_parameter_group_managed:
    name: point-prod-aurora-mysql
    kind: cluster
    family: aurora-mysql8.0
    parameters:
      time_zone: Asia/Seoul
"""

RETURN = r"""
parameter_group:
  description: The group as RDS describes it, snake_cased, with tags (empty when absent or not yet created).
  returned: always
  type: dict
changed_parameters:
  description: Names of the parameters that were (or would be) set or reset.
  returned: always
  type: list
  elements: str
pending_reboot_parameters:
  description: Names of the changed parameters applied with C(pending-reboot).
  returned: always
  type: list
  elements: str
drift:
  description: Settings that differ but cannot be changed in place (C(family), C(description)).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils import rds_parameter_group
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import optional, state_option, tag_options
from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_managed import RDSContext


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            kind=dict(type="str", default="instance", choices=["instance", "cluster"]),
            **optional("str", "family", "description"),
            parameters=dict(type="dict"),
            apply_method=dict(type="str", default="auto", choices=["auto", "immediate", "pending-reboot"]),
            purge_parameters=dict(type="bool", default=False),
            state=state_option(),
            **tag_options(),
        ),
        supports_check_mode=True,
    )
    ctx = RDSContext(module, timeout=0)
    if module.params["state"] == "absent":
        module.exit_json(**rds_parameter_group.absent(ctx, module.params))
    module.exit_json(**rds_parameter_group.present(ctx, module.params))


if __name__ == "__main__":
    main()
