#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: rds_cluster_managed
short_description: Manage an Aurora DB cluster and its writer/reader instances, master password managed by RDS
version_added: 0.1.0
description:
  - Creates, converges or deletes one Aurora DB cluster (C(aurora-postgresql), C(aurora-mysql)) B(and)
    its member DB instances (O(instances) - the first one listed is the writer of a new cluster, the
    others are readers with increasing promotion tiers). Cluster and members are one unit - members can
    only be created once the cluster is available, and a cluster can only be deleted after its members,
    so one task orders and waits for both with one time budget.
  - The master user password is B(always) managed by RDS in AWS Secrets Manager
    (C(ManageMasterUserPassword), secret C(rds!cluster-...)) encrypted with
    O(master_user_secret_kms_key_id); there is no password option (see
    M(cloudops.eks_platform.rds_instance_managed) for the reasons).
  - "Why not M(amazon.aws.rds_cluster): besides the managed password it cannot set, it reports a change
    on every run when O(vpc_security_group_ids) is given with its default C(purge_security_groups: true)
    (it then always sends C(VpcSecurityGroupIds) in a C(ModifyDBCluster), against any backend), and it
    does not manage the member instances."
  - Compare rules are those of M(cloudops.eks_platform.rds_instance_managed) - unset options are not
    managed, pending modifications count as done, engine versions only go up, security groups and log
    exports compare as sets, immutable settings (engine, database name, master user name, subnet group,
    encryption and its key, the managed secret's key) are reported in RV(drift) and never sent. One
    C(ModifyDBCluster) carries only what differs; each member gets its own minimal C(ModifyDBInstance).
  - Members not listed in O(instances) are deleted only with O(purge_instances=true) (readers first).
  - O(wait) / O(wait_timeout) - one budget for the run (cluster and every member available, or gone).
    Creating members always waits, within the budget, for the cluster to be available.
  - Check mode reads only; C(--diff) shows before/after of the cluster's and members' managed settings.
options:
  db_cluster_identifier:
    description: Identifier of the cluster.
    type: str
    required: true
    aliases: [id]
  state:
    description: C(present) creates or converges cluster and members; C(absent) deletes members, then the cluster.
    type: str
    choices: [present, absent]
    default: present
  engine:
    description: C(aurora-postgresql) or C(aurora-mysql). Needed to create.
    type: str
    choices: [aurora-postgresql, aurora-mysql]
  engine_version:
    description: Engine version (C(16.6), C(8.0.mysql_aurora.3.08.0)); only upgrades are sent.
    type: str
  database_name:
    description: Database created with the cluster (create only).
    type: str
  master_username:
    description: Master user name (create only). Needed to create.
    type: str
    aliases: [username]
  master_user_secret_kms_key_id:
    description: KMS key of the RDS-managed master secret (immutable while RDS manages the password).
    type: str
  port:
    description: Port of the cluster endpoints.
    type: int
  db_subnet_group_name:
    description: DB subnet group (create only).
    type: str
  vpc_security_group_ids:
    description: Security groups, exactly this set.
    type: list
    elements: str
  db_cluster_parameter_group_name:
    description: DB cluster parameter group.
    type: str
  storage_encrypted:
    description: Encrypt the cluster storage (create only).
    type: bool
  kms_key_id:
    description: KMS key of the storage encryption (create only).
    type: str
  storage_type:
    description: C(aurora) (standard) or C(aurora-iopt1) (I/O-Optimized).
    type: str
  backup_retention_period:
    description: Days of automated backups, 1-35.
    type: int
  preferred_backup_window:
    description: Daily backup window C(hh24:mi-hh24:mi) UTC.
    type: str
  preferred_maintenance_window:
    description: Weekly maintenance window C(ddd:hh24:mi-ddd:hh24:mi) UTC, for the cluster and its members.
    type: str
  enable_cloudwatch_logs_exports:
    description: Log types exported to CloudWatch Logs, exactly this set.
    type: list
    elements: str
  copy_tags_to_snapshot:
    description: Copy the cluster tags to its snapshots.
    type: bool
  deletion_protection:
    description:
      - Refuse deletion. With O(state=absent), C(false) turns protection off before deleting; otherwise a
        protected cluster is not deleted and the module fails.
    type: bool
  instances:
    description: Member instances; the first is the writer of a new cluster. Omitted = members not managed.
    type: list
    elements: dict
    suboptions:
      db_instance_identifier:
        description: Identifier of the member.
        type: str
        required: true
      db_instance_class:
        description: Class of this member (default O(instance_class)).
        type: str
      promotion_tier:
        description: Failover priority 0-15 (default the member's position, capped at 15).
        type: int
      availability_zone:
        description: Zone (create only).
        type: str
      db_parameter_group_name:
        description: DB parameter group of this member (default O(db_parameter_group_name)).
        type: str
  instance_class:
    description: Default class of the members (C(db.r6g.large)).
    type: str
  db_parameter_group_name:
    description: Default DB (instance) parameter group of the members.
    type: str
  publicly_accessible:
    description: Members get public DNS names.
    type: bool
  auto_minor_version_upgrade:
    description: Minor upgrades of the members in the maintenance window.
    type: bool
  enable_performance_insights:
    description: Performance Insights on the members.
    type: bool
  performance_insights_kms_key_id:
    description: KMS key of the members' Performance Insights data.
    type: str
  performance_insights_retention_period:
    description: Days of Performance Insights data.
    type: int
  purge_instances:
    description: Delete members that are not listed in O(instances) (readers first).
    type: bool
    default: false
  apply_immediately:
    description:
      - Apply modifications now instead of in the next maintenance window.
      - With C(false), the settings RDS defers (the engine version) wait in
        C(PendingModifiedValues) until the window; a later run counts them as current and sends nothing again
        (changed=0), and the resource stays C(available), so O(wait) does not wait for the window.
        Settings RDS applies at once (deletion protection, backup window, security groups ...) are applied at once
        either way.
    type: bool
    default: false
  reboot_pending:
    description: Reboot members whose parameter group waits for a reboot.
    type: bool
    default: false
  skip_final_snapshot:
    description: With O(state=absent), delete without a final cluster snapshot.
    type: bool
    default: false
  master_user_secret_rotation_days:
    description:
      - Days between rotations of the RDS-managed master user secret of the cluster (C(rds!cluster-...)), set
        through Secrets Manager (C(RotateSecret) with C(RotationRules.AutomaticallyAfterDays), C(RotateImmediately)
        false - the schedule only; RDS rotates, no Lambda). Compared first with C(DescribeSecret)
        (C(RotationEnabled), C(RotationRules.AutomaticallyAfterDays)); unset - the schedule is not managed (RDS's
        default, 7 days).
      - Needs the secret, so the cluster must exist - a run that creates it without O(wait) sets the schedule on
        the next run (the roles call the module again once the cluster is available).
    type: int
  final_snapshot_identifier:
    description: With O(state=absent), name of the final cluster snapshot (default C(<id>-final-<UTC timestamp>)).
    type: str
  wait:
    description: Wait for the cluster and members to be available (present) or gone (absent).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds, one budget for every wait of the run. When it runs out the module fails with one line naming the
        resource, its status, its pending changes and C(wait_timeout); nothing is undone.
    type: int
    default: 3600
notes:
  - "IAM actions: C(rds:DescribeDBClusters), C(rds:CreateDBCluster), C(rds:ModifyDBCluster), C(rds:DeleteDBCluster),
    C(rds:DescribeDBInstances), C(rds:CreateDBInstance), C(rds:ModifyDBInstance), C(rds:DeleteDBInstance),
    C(rds:RebootDBInstance), C(rds:AddTagsToResource), C(rds:RemoveTagsFromResource), C(kms:DescribeKey); for the
    managed password C(secretsmanager:CreateSecret), C(secretsmanager:TagResource), C(kms:CreateGrant),
    C(kms:GenerateDataKey), C(kms:Decrypt) on the key."
  - "With O(master_user_secret_rotation_days): C(secretsmanager:DescribeSecret) and C(secretsmanager:RotateSecret) on
    the C(rds!cluster-...) secret."
  - Members get the module's O(tags) with their own C(Name).
author:
  - cloudops platform team
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Aurora PostgreSQL, one writer and one reader (seed 05)
  cloudops.eks_platform.rds_cluster_managed:
    db_cluster_identifier: pingvas-prod-aurora-pg
    engine: aurora-postgresql
    engine_version: "16.6"
    database_name: pingvas
    master_username: pingvas_admin
    master_user_secret_kms_key_id: alias/pingvas-prod
    storage_encrypted: true
    kms_key_id: alias/pingvas-prod
    db_subnet_group_name: pingvas-prod-db-subnet-group
    vpc_security_group_ids: ["{{ sg_id }}"]
    db_cluster_parameter_group_name: pingvas-prod-aurora-pg
    backup_retention_period: 7
    preferred_backup_window: "03:00-06:00"
    preferred_maintenance_window: "mon:00:00-mon:03:00"
    copy_tags_to_snapshot: true
    deletion_protection: true
    instance_class: db.t4g.medium
    instances:
      - db_instance_identifier: pingvas-prod-aurora-pg-writer
      - db_instance_identifier: pingvas-prod-aurora-pg-reader-1
    tags:
      Project: pingvas
    wait: false
"""

RETURN = r"""
cluster:
  description: The cluster as DescribeDBClusters reports it, snake_cased, tags as a dict (empty when absent).
  returned: always
  type: dict
instances:
  description: The listed members as DescribeDBInstances reports them (snake_cased), in O(instances) order.
  returned: always
  type: list
  elements: dict
changes:
  description: Cluster options that were (or would be) changed; C(create), C(delete), C(tags).
  returned: always
  type: list
  elements: str
instances_changes:
  description: Member identifier to its changes (C(create), C(delete), option names, C(tags), C(reboot)).
  returned: always
  type: dict
drift:
  description: Settings that differ but cannot be changed in place (member ones prefixed with the member id).
  returned: always
  type: list
  elements: str
pending_reboot:
  description: Members whose parameter group waits for a reboot.
  returned: always
  type: list
  elements: str
master_user_secret_arn:
  description: ARN of the RDS-managed master secret (never its value).
  returned: when the cluster exists and RDS manages its password
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import optional, wait_options
from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_managed import (
    KMS_OPTIONS,
    RDSContext,
    converge_master_secret_rotation,
    delete_cluster,
    ensure_cluster,
    final_snapshot,
    rds_common_options,
    warn_drift,
)


def argument_spec() -> dict:
    return dict(
        rds_common_options(),
        db_cluster_identifier=dict(type="str", required=True, aliases=["id"]),
        engine=dict(type="str", choices=["aurora-postgresql", "aurora-mysql"]),
        **optional("str", "database_name", "db_cluster_parameter_group_name", "storage_type", "instance_class"),
        instances=dict(
            type="list",
            elements="dict",
            options=dict(
                db_instance_identifier=dict(type="str", required=True),
                promotion_tier=dict(type="int"),
                **optional("str", "db_instance_class", "availability_zone", "db_parameter_group_name"),
            ),
        ),
        purge_instances=dict(type="bool", default=False),
        **wait_options(3600),
    )


def main() -> None:
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    p = module.params
    ctx = RDSContext(module)
    if p["state"] == "absent":
        params = dict(p, final_snapshot_identifier=final_snapshot(p["db_cluster_identifier"], p))
        result = delete_cluster(ctx, params)
        module.exit_json(drift=[], pending_reboot=[], **result)

    members = p["instances"] or []
    ids = [m["db_instance_identifier"] for m in members]
    if len(set(ids)) != len(ids):
        module.fail_json(msg=f"instances: identifiers must be unique ({', '.join(ids)})")
    current = ctx.cluster(p["db_cluster_identifier"])
    if current is None:
        missing = [o for o in ("engine", "master_username") if not p.get(o)]
        if missing:
            module.fail_json(msg=f"DB cluster {p['db_cluster_identifier']} does not exist; creating it needs "
                             f"{', '.join(missing)}")
    for index, member in enumerate(members):
        if not (member.get("db_instance_class") or p["instance_class"]):
            module.fail_json(msg=f"instances[{index}] ({member['db_instance_identifier']}): no db_instance_class "
                             "and no instance_class")
    result = ensure_cluster(ctx, ctx.resolve_keys(p, KMS_OPTIONS), current)
    warn_drift(module, f"DB cluster {p['db_cluster_identifier']}", result["drift"])
    secret_arn = (result["cluster"].get("master_user_secret") or {}).get("secret_arn")
    if secret_arn:
        result["master_user_secret_arn"] = secret_arn
    rotated, rotation_before, rotation_after = converge_master_secret_rotation(
        module, result["cluster"].get("master_user_secret"), p["master_user_secret_rotation_days"],
        f"DB cluster {p['db_cluster_identifier']}",
    )
    if rotated:
        result["changed"] = True
        result["changes"] = [*(result.get("changes") or []), "master_user_secret_rotation_days"]
    if rotation_before or rotation_after:
        diff = dict(result.get("diff") or {})
        diff["before"] = {**(diff.get("before") or {}), **rotation_before}
        diff["after"] = {**(diff.get("after") or {}), **rotation_after}
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
