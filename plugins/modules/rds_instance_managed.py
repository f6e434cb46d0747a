#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: rds_instance_managed
short_description: Manage an RDS DB instance whose master password RDS keeps in Secrets Manager
version_added: 0.1.0
description:
  - Creates, converges or deletes one RDS DB instance - a standalone instance (RDS PostgreSQL) or a
    member of an Aurora cluster (O(db_cluster_identifier)).
  - The master user password is B(always) managed by RDS in AWS Secrets Manager
    (C(ManageMasterUserPassword), secret C(rds!db-...)) encrypted with O(master_user_secret_kms_key_id).
    The module has no password option - no password is ever generated, passed, logged or stored by
    Ansible, and RDS rotates it. An existing instance that does not manage its password yet is
    switched over. Read the secret's ARN from RV(instance.master_user_secret.secret_arn), or copy its
    fields into another secret with M(cloudops.eks_platform.secretsmanager_secret_copy).
  - "Why not M(amazon.aws.rds_instance): it cannot set C(ManageMasterUserPassword) /
    C(MasterUserSecretKmsKeyId) (amazon.aws 11.4), and it re-sends settings on every run in several
    cases. This module reads the instance once (C(DescribeDBInstances)), compares every managed
    setting, and sends one C(ModifyDBInstance) with only the settings that differ."
  - Comparison rules - an option left unset is not managed; the current value is what RDS reports
    overlaid with C(PendingModifiedValues), so a change accepted for the next maintenance window
    (O(apply_immediately=false)) is not sent again; allocated storage only grows (storage autoscaling
    above O(allocated_storage) is not a difference); engine versions only go up (C(17.8) satisfies
    C(17.7), C(17) is satisfied by any C(17.x)); windows compare case-insensitively; security groups and
    log exports compare as sets. Settings RDS cannot change in place (engine, master username, database
    name, storage encryption and its key, the Performance Insights key once set, the KMS key of the
    managed master secret) are reported in RV(drift) with a warning and never sent.
  - KMS keys may be given as key id, key ARN, alias or alias ARN; they are resolved to the key ARN
    (C(kms:DescribeKey), once per reference) because RDS reports ARNs.
  - Parameter group changes of static parameters wait for a reboot - RV(pending_reboot) says so, and
    O(reboot_pending=true) reboots the instance when nothing else is being modified.
  - O(wait) / O(wait_timeout) - one time budget for the whole run. Whatever O(wait) says, a modify
    of an instance in a transitional state (creating, modifying ...) first waits, within the budget,
    for a state in which RDS accepts it.
  - Check mode reads only and reports what would change; with C(--diff), before/after of the managed
    settings and tags (no secret is involved).
options:
  db_instance_identifier:
    description: Identifier of the DB instance.
    type: str
    required: true
    aliases: [id]
  state:
    description: C(present) creates or converges, C(absent) deletes.
    type: str
    choices: [present, absent]
    default: present
  engine:
    description: Engine (C(postgres); C(aurora-postgresql) / C(aurora-mysql) for cluster members). Needed to create.
    type: str
  engine_version:
    description:
      - Engine version; only upgrades are sent (with C(AllowMajorVersionUpgrade) across majors). Standalone only.
    type: str
  db_instance_class:
    description: Instance class (C(db.t4g.small)). Needed to create.
    type: str
    aliases: [instance_class]
  allocated_storage:
    description: Storage in GiB (standalone). Needed to create. Never shrunk.
    type: int
  max_allocated_storage:
    description: Storage autoscaling threshold in GiB; C(0) (or O(allocated_storage)) = no autoscaling. Standalone only.
    type: int
  storage_type:
    description: Storage type (standalone).
    type: str
    choices: [gp2, gp3, io1, io2, standard]
  storage_encrypted:
    description: Encrypt the storage (set on create only).
    type: bool
  kms_key_id:
    description: KMS key of the storage encryption (set on create only).
    type: str
  master_username:
    description: Master user name (standalone; set on create only). Needed to create.
    type: str
    aliases: [username]
  master_user_secret_kms_key_id:
    description:
      - KMS key of the RDS-managed master secret. Omitted = the AWS managed key C(aws/secretsmanager).
      - RDS cannot change it while it manages the password; a different key is reported as drift.
    type: str
  db_name:
    description: Name of the database created with the instance (standalone; create only).
    type: str
  port:
    description: Port (standalone).
    type: int
  multi_az:
    description: Standby in another zone (standalone).
    type: bool
  publicly_accessible:
    description: Public DNS name resolving to a public IP.
    type: bool
  db_subnet_group_name:
    description: DB subnet group (standalone).
    type: str
  vpc_security_group_ids:
    description: Security groups, exactly this set (standalone; members use the cluster's).
    type: list
    elements: str
  db_parameter_group_name:
    description: DB parameter group.
    type: str
  backup_retention_period:
    description: Days of automated backups, 0-35 (standalone).
    type: int
  preferred_backup_window:
    description: Daily backup window C(hh24:mi-hh24:mi) UTC (standalone).
    type: str
  preferred_maintenance_window:
    description: Weekly maintenance window C(ddd:hh24:mi-ddd:hh24:mi) UTC.
    type: str
  enable_performance_insights:
    description: Performance Insights.
    type: bool
  performance_insights_kms_key_id:
    description:
      - KMS key of Performance Insights data (sent when Performance Insights is turned on; immutable afterwards).
    type: str
  performance_insights_retention_period:
    description: Days of Performance Insights data (7, 31 x months, 731).
    type: int
  enable_cloudwatch_logs_exports:
    description: Log types exported to CloudWatch Logs, exactly this set (standalone).
    type: list
    elements: str
  copy_tags_to_snapshot:
    description: Copy the instance tags to its snapshots (standalone).
    type: bool
  deletion_protection:
    description:
      - Refuse deletion (standalone). With O(state=absent), C(false) turns protection off before deleting;
        otherwise a protected instance is not deleted and the module fails.
    type: bool
  auto_minor_version_upgrade:
    description: Apply minor engine upgrades in the maintenance window.
    type: bool
  db_cluster_identifier:
    description:
      - Make the instance a member of this Aurora cluster. Cluster-level options (storage, backups, master
        user, security groups, log exports, deletion protection ...) are then refused here.
    type: str
  promotion_tier:
    description: Failover priority of a cluster member, 0-15.
    type: int
  availability_zone:
    description: Zone (create only).
    type: str
  apply_immediately:
    description:
      - Apply modifications now instead of in the next maintenance window.
      - With C(false), the settings RDS defers (class, storage, engine version, Multi-AZ, subnet group) wait in
        C(PendingModifiedValues) until the window; a later run counts them as current and sends nothing again
        (changed=0), and the resource stays C(available), so O(wait) does not wait for the window.
        Settings RDS applies at once (deletion protection, backup window, security groups ...) are applied at once
        either way.
    type: bool
    default: false
  reboot_pending:
    description: Reboot the instance when its parameter group waits for a reboot (C(pending-reboot)).
    type: bool
    default: false
  skip_final_snapshot:
    description: With O(state=absent), delete without a final snapshot.
    type: bool
    default: false
  master_user_secret_rotation_days:
    description:
      - Days between rotations of the RDS-managed master user secret (C(rds!...)), set through Secrets Manager
        (C(RotateSecret) with C(RotationRules.AutomaticallyAfterDays), C(RotateImmediately) false - the schedule
        only; RDS rotates, no Lambda). Compared first with C(DescribeSecret) (C(RotationEnabled),
        C(RotationRules.AutomaticallyAfterDays)); unset - the schedule is not managed (RDS's default, 7 days).
      - Ignored for a member of an Aurora cluster (the cluster's secret rotates).
      - Needs the secret, so the instance must exist - a run that creates it without O(wait) sets the schedule on
        the next run (the roles call the module again once the instance is available).
    type: int
  final_snapshot_identifier:
    description: With O(state=absent), name of the final snapshot (default C(<id>-final-<UTC timestamp>)).
    type: str
  wait:
    description: Wait for the instance to be available (present) or gone (absent).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds, one budget for every wait of the run. When it runs out the module fails with one line naming the
        resource, its status, its pending changes and C(wait_timeout); nothing is undone.
    type: int
    default: 1800
notes:
  - "IAM actions: C(rds:DescribeDBInstances), C(rds:CreateDBInstance), C(rds:ModifyDBInstance),
    C(rds:DeleteDBInstance), C(rds:RebootDBInstance), C(rds:AddTagsToResource),
    C(rds:RemoveTagsFromResource), C(kms:DescribeKey); with managed passwords also
    C(secretsmanager:CreateSecret), C(secretsmanager:TagResource), C(kms:CreateGrant) and
    C(kms:GenerateDataKey) / C(kms:Decrypt) on the key (RDS creates the secret on the caller's behalf)."
  - "With O(master_user_secret_rotation_days): C(secretsmanager:DescribeSecret) and C(secretsmanager:RotateSecret) on
    the C(rds!...) secret."
  - The module never calls C(RotateMasterUserPassword) and never sends C(MasterUserPassword).
author:
  - cloudops platform team
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: RDS PostgreSQL with the master password managed by RDS (KMS-encrypted secret)
  cloudops.eks_platform.rds_instance_managed:
    db_instance_identifier: wealist-prod-postgres
    engine: postgres
    engine_version: "17.7"
    db_instance_class: db.t4g.small
    allocated_storage: 20
    max_allocated_storage: 100
    storage_type: gp3
    storage_encrypted: true
    kms_key_id: alias/wealist-prod
    master_username: wealist_admin
    master_user_secret_kms_key_id: alias/wealist-prod
    db_name: wealist
    db_subnet_group_name: wealist-prod-db-subnet-group
    vpc_security_group_ids: ["{{ sg_id }}"]
    db_parameter_group_name: wealist-prod-postgres17
    backup_retention_period: 7
    preferred_backup_window: "03:00-06:00"
    preferred_maintenance_window: "mon:00:00-mon:03:00"
    enable_performance_insights: true
    performance_insights_kms_key_id: alias/wealist-prod
    performance_insights_retention_period: 7
    enable_cloudwatch_logs_exports: [postgresql, upgrade]
    copy_tags_to_snapshot: true
    deletion_protection: true
    publicly_accessible: false
    multi_az: false
    tags:
      Project: wealist
    wait: false

- name: Delete it with a final snapshot (turning deletion protection off first)
  cloudops.eks_platform.rds_instance_managed:
    db_instance_identifier: wealist-prod-postgres
    state: absent
    deletion_protection: false
    final_snapshot_identifier: wealist-prod-postgres-final
"""

RETURN = r"""
instance:
  description: The DB instance as DescribeDBInstances reports it, snake_cased, tags as a dict (empty when absent or
    in check mode before creation).
  returned: always
  type: dict
  sample:
    db_instance_identifier: wealist-prod-postgres
    db_instance_status: available
    master_user_secret: {"secret_arn": "arn:aws:secretsmanager:...:secret:rds!db-...", "secret_status": "active"}
changes:
  description: Options that were (or in check mode would be) changed; C(create), C(delete), C(tags), C(reboot).
  returned: always
  type: list
  elements: str
drift:
  description: Options that differ but cannot be changed in place (reported, never sent).
  returned: always
  type: list
  elements: str
pending_reboot:
  description: Whether the instance's parameter group waits for a reboot.
  returned: always
  type: bool
master_user_secret_arn:
  description: ARN of the RDS-managed master secret (never its value).
  returned: when the instance exists and RDS manages its password
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import optional, wait_options
from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_compare import MEMBER_FORBIDDEN
from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_managed import (
    KMS_OPTIONS,
    RDSContext,
    converge_master_secret_rotation,
    delete_instance,
    describe_result,
    ensure_instance,
    final_snapshot,
    rds_common_options,
    warn_drift,
)

CREATE_REQUIRED_STANDALONE = ("engine", "db_instance_class", "allocated_storage", "master_username")
CREATE_REQUIRED_MEMBER = ("engine", "db_instance_class")


def argument_spec() -> dict:
    return dict(
        rds_common_options(),
        db_instance_identifier=dict(type="str", required=True, aliases=["id"]),
        db_instance_class=dict(type="str", aliases=["instance_class"]),
        storage_type=dict(type="str", choices=["gp2", "gp3", "io1", "io2", "standard"]),
        **optional("str", "engine", "db_name", "db_cluster_identifier", "availability_zone"),
        **optional("int", "allocated_storage", "max_allocated_storage", "promotion_tier"),
        multi_az=dict(type="bool"),
        **wait_options(1800),
    )


def check_scope(module: AnsibleAWSModule, member: bool) -> None:
    """Cluster-level options on a member, or member-only options on a standalone instance, fail."""
    p = module.params
    if member:
        refused = [o for o in MEMBER_FORBIDDEN if p.get(o) is not None]
        if refused:
            module.fail_json(msg=f"{', '.join(refused)} belong to the Aurora cluster {p['db_cluster_identifier']}, "
                             "not to its member instances (set them with rds_cluster_managed)")
    elif p["promotion_tier"] is not None:
        module.fail_json(msg="promotion_tier only applies to Aurora cluster members (db_cluster_identifier)")


def ensure_absent(ctx: RDSContext, current: dict | None, member: bool) -> None:
    p, module = ctx.module.params, ctx.module
    ident = p["db_instance_identifier"]
    report = delete_instance(ctx, ident, current, final_snapshot(ident, p), p["skip_final_snapshot"],
                             p["deletion_protection"] is False, member=member)
    if report["deleted"] and p["wait"] and not module.check_mode:
        ctx.wait_instance_gone(ident)
    module.exit_json(
        changed=report["changed"], changes=report["changes"], drift=[], pending_reboot=False, instance={},
        diff={"before": {"db_instance_identifier": ident, "exists": current is not None}, "after": {}},
    )


def main() -> None:
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    p = module.params
    ident = p["db_instance_identifier"]
    member = p["db_cluster_identifier"] is not None
    scope = "member" if member else "standalone"
    check_scope(module, member)
    ctx = RDSContext(module)
    current = ctx.instance(ident)
    tags = None
    if p["tags"] is not None:
        tags = dict(p["tags"])
        tags.setdefault("Name", ident)
    if p["state"] == "absent":
        ensure_absent(ctx, current, member)

    if current is None:
        required = CREATE_REQUIRED_MEMBER if member else CREATE_REQUIRED_STANDALONE
        missing = [o for o in required if p.get(o) is None]
        if missing:
            module.fail_json(msg=f"DB instance {ident} does not exist; creating it needs {', '.join(missing)}")
    params = ctx.resolve_keys(p, KMS_OPTIONS)
    report = ensure_instance(
        ctx, ident, params, scope, tags, p["purge_tags"], p["apply_immediately"],
        reboot_pending=p["reboot_pending"], current=current,
    )
    warn_drift(module, f"DB instance {ident}", report["drift"])
    instance = report.get("instance") or {}
    if p["wait"] and not module.check_mode:
        instance = ctx.wait_instance(ident)
    elif report["changed"] and not module.check_mode:
        instance = ctx.instance(ident) or instance
    result = describe_result(instance)
    extra = {}
    secret_arn = (instance.get("MasterUserSecret") or {}).get("SecretArn")
    if secret_arn:
        extra["master_user_secret_arn"] = secret_arn
    before, after = report.get("before", {}), report.get("after", {})
    if not member:  # a member's password is its cluster's
        rotated, rotation_before, rotation_after = converge_master_secret_rotation(
            module, instance.get("MasterUserSecret"), p["master_user_secret_rotation_days"], f"DB instance {ident}"
        )
        before, after = {**before, **rotation_before}, {**after, **rotation_after}
        if rotated:
            report["changed"] = True
            report["changes"] = [*report["changes"], "master_user_secret_rotation_days"]
    module.exit_json(
        changed=report["changed"], changes=report["changes"], drift=report["drift"],
        pending_reboot=report["pending_reboot"], instance=result,
        diff={"before": before, "after": after}, **extra,
    )


if __name__ == "__main__":
    main()
