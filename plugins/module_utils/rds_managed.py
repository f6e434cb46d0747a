# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""AWS side of the RDS modules: thin retried API wrappers, one-budget waits, KMS key resolution,
tags, and the converge routines for a DB instance and an Aurora cluster with its members.

The compare logic lives in :mod:`rds_compare` (pure, unit-tested). Nothing here ever sends a
password: the master user password is always managed by RDS in Secrets Manager
(``ManageMasterUserPassword``) and never read.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import AWS_ERRORS, call, paginate
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import optional, state_option, tag_options
from ansible_collections.cloudops.eks_platform.plugins.module_utils.kms import KeyResolver
from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_compare import (
    AVAILABLE,
    CLUSTER_FIELDS,
    CLUSTER_MODIFIABLE,
    INSTANCE_FIELDS,
    INSTANCE_MODIFIABLE,
    Plan,
    after_view,
    create_params,
    member_plan,
    pending_reboot,
    plan_modify,
    snake_view,
    wanted_options,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import list_tags, plan_tags, update_tags
from ansible_collections.cloudops.eks_platform.plugins.module_utils.waits import Budget, wait_until


def rotation_change(secret: Mapping[str, Any] | None, days: int | None) -> dict[str, Any] | None:
    """The ``RotateSecret`` arguments (without ``SecretId``) that give an RDS-managed master secret a rotation every
    ``days`` days, or None when nothing is to change: ``days`` unset (not managed), no secret, or the secret already
    rotates (``RotationEnabled``) with ``RotationRules.AutomaticallyAfterDays == days`` (DescribeSecret). The
    rotation itself stays RDS's (managed rotation, no Lambda); ``RotateImmediately`` false only sets the schedule."""
    if days is None or not secret:
        return None
    rules = secret.get("RotationRules") or {}
    if secret.get("RotationEnabled") and rules.get("AutomaticallyAfterDays") == days:
        return None
    return {"RotationRules": {"AutomaticallyAfterDays": days}, "RotateImmediately": False}


def rotation_view(secret: Mapping[str, Any] | None) -> dict[str, Any]:
    """The diff view of a secret's rotation schedule."""
    rules = (secret or {}).get("RotationRules") or {}
    return {
        "master_user_secret_rotation_days": rules.get("AutomaticallyAfterDays")
        if (secret or {}).get("RotationEnabled")
        else None
    }


def converge_master_secret_rotation(
    module: Any, secret: Mapping[str, Any] | None, days: int | None, what: str
) -> tuple[bool, dict[str, Any], dict[str, Any]]:
    """Give the RDS-managed master secret (``MasterUserSecret`` of the instance or cluster, snake_cased or not) the
    rotation schedule ``days`` (None: not managed). DescribeSecret first; RotateSecret only when the schedule
    differs, never in check mode. Returns (changed, diff before, diff after). A secret not there yet or still being
    created by RDS (an instance or cluster created in this run) is reported as a change and left for a later call."""
    if days is None:
        return False, {}, {}
    if not 1 <= days <= 1000:  # RotationRules.AutomaticallyAfterDays
        module.fail_json(msg=f"master_user_secret_rotation_days must be from 1 to 1000, got {days}")
    secret = secret or {}
    secret_arn = secret.get("SecretArn") or secret.get("secret_arn")
    status = secret.get("SecretStatus") or secret.get("secret_status")
    if not secret_arn or status == "creating":  # created in this run: planned
        return True, {"master_user_secret_rotation_days": None}, {"master_user_secret_rotation_days": days}
    client = module.client("secretsmanager")
    try:
        secret = call(client, "describe_secret", SecretId=secret_arn)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to describe the master user secret of {what}")
    change = rotation_change(secret, days)
    before = rotation_view(secret)
    if change is None:
        return False, before, before
    if not module.check_mode:
        try:
            call(client, "rotate_secret", SecretId=secret_arn, **change)
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg=f"Failed to set the rotation schedule of the master user secret of {what}")
    return True, before, {"master_user_secret_rotation_days": days}


def rds_common_options() -> dict[str, Any]:
    """Argument spec entries that rds_instance_managed and rds_cluster_managed share (same type, same default);
    each module adds its own ``wait_options`` (the default ``wait_timeout`` differs)."""
    return dict(
        state=state_option(),
        master_username=dict(type="str", aliases=["username"]),
        **optional("str", "engine_version", "master_user_secret_kms_key_id", "kms_key_id", "db_subnet_group_name"),
        **optional("str", "preferred_backup_window", "preferred_maintenance_window", "db_parameter_group_name"),
        **optional("str", "performance_insights_kms_key_id", "final_snapshot_identifier"),
        **optional("int", "port", "backup_retention_period", "performance_insights_retention_period"),
        **optional("bool", "storage_encrypted", "copy_tags_to_snapshot", "deletion_protection", "publicly_accessible"),
        **optional("bool", "auto_minor_version_upgrade", "enable_performance_insights"),
        vpc_security_group_ids=dict(type="list", elements="str"),
        enable_cloudwatch_logs_exports=dict(type="list", elements="str"),
        apply_immediately=dict(type="bool", default=False),
        reboot_pending=dict(type="bool", default=False),
        skip_final_snapshot=dict(type="bool", default=False),
        master_user_secret_rotation_days=dict(type="int"),
        **tag_options(),
    )


#: A wait with less than this many seconds of its budget left fails now (no sleep that cannot end in time).
EXPIRY_MARGIN = 0.5


def status_line(resource: Mapping[str, Any] | None, status_key: str) -> str:
    """How a waited resource stands, for a timeout message: its status and the changes it has pending."""
    if resource is None:
        return "it was not found"
    line = f"its status is still {resource.get(status_key) or '?'}"
    pending = {k: v for k, v in (resource.get("PendingModifiedValues") or {}).items() if v not in (None, {}, [])}
    if pending:
        line += " (pending: " + ", ".join(f"{k}={v}" for k, v in sorted(pending.items())) + ")"
    return line


class RDSContext:
    """Clients, check mode, the run's time budget and KMS resolver for one module run. ``budget_name``: the
    variable the budget comes from, named when it runs out (the module option, or the role variable)."""

    def __init__(self, module, timeout: int | None = None, budget_name: str = "wait_timeout") -> None:
        self.module = module
        self.client = module.client("rds")
        self.keys = KeyResolver(module)
        self.budget = Budget(timeout if timeout is not None else module.params.get("wait_timeout") or 0)
        self.budget_name = budget_name
        self.check_mode = module.check_mode

    def expiry(self, what: str, status_key: str) -> Callable[[Any], dict[str, Any] | None]:
        """``wait_until``'s ``failed`` hook: once the budget is spent, fail naming the resource (``what``: ``DB
        instance X to be available``), its status and pending changes, and the budget's variable."""

        def failed(resource: Any) -> dict[str, Any] | None:
            if self.budget.remaining() > EXPIRY_MARGIN:
                return None
            return {"msg": (
                f"Timed out after {self.budget.total} s ({self.budget_name}) waiting for {what}: "
                f"{status_line(resource, status_key)}. Nothing was undone: RDS goes on with the change; run again "
                f"to wait for it, or raise {self.budget_name}."
            )}

        return failed

    def fail(self, error: Exception, msg: str) -> None:
        self.module.fail_json_aws(error, msg=msg)

    def resolve_keys(self, params: dict[str, Any], options: tuple[str, ...]) -> dict[str, Any]:
        """``params`` with its KMS key options resolved to key ARNs (what RDS reports)."""
        return self.keys.require_all(params, options)

    # reads ----------------------------------------------------------------------------------------
    def instance(self, identifier: str) -> dict[str, Any] | None:
        try:
            found = paginate(self.client, "describe_db_instances", DBInstanceIdentifier=identifier)["DBInstances"]
        except is_boto3_error_code("DBInstanceNotFound"):
            return None
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.fail(e, f"Failed to describe DB instance {identifier}")
        return found[0] if found else None

    def cluster_members(self, cluster_id: str) -> dict[str, dict[str, Any]]:
        try:
            found = paginate(
                self.client, "describe_db_instances", Filters=[{"Name": "db-cluster-id", "Values": [cluster_id]}]
            )["DBInstances"]
        except AWS_ERRORS as e:
            self.fail(e, f"Failed to describe the DB instances of cluster {cluster_id}")
        return {i["DBInstanceIdentifier"]: i for i in found if i.get("DBClusterIdentifier") == cluster_id}

    def cluster(self, identifier: str) -> dict[str, Any] | None:
        try:
            found = call(self.client, "describe_db_clusters", DBClusterIdentifier=identifier)["DBClusters"]
        except is_boto3_error_code("DBClusterNotFoundFault"):
            return None
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.fail(e, f"Failed to describe DB cluster {identifier}")
        return found[0] if found else None

    def tags(self, arn: str) -> dict[str, str]:
        return list_tags(self.module, self.client, arn)

    # writes ---------------------------------------------------------------------------------------
    def call(self, method: str, what: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return call(self.client, method, **kwargs)
        except AWS_ERRORS as e:
            self.fail(e, f"Failed to {what}")
        return {}

    def converge_tags(
        self, arn: str, current: list[dict[str, str]] | dict[str, str] | None, wanted: dict[str, str] | None,
        purge: bool,
    ) -> tuple[bool, dict[str, str], dict[str, str]]:
        plan = plan_tags(current, wanted, purge)
        update_tags(self.module, self.client, arn, plan)
        return plan.changed, plan.before, plan.after

    # waits ----------------------------------------------------------------------------------------
    def _wait(
        self, read: Callable[[str], dict[str, Any] | None], what: str, identifier: str, status_key: str,
        statuses: frozenset[str] | None,
    ) -> Any:
        """Poll ``read(identifier)`` until its ``status_key`` is one of ``statuses``, or until it is gone
        (``statuses`` None), within the run's budget; ``what`` (``DB instance``) names it in a timeout."""
        if statuses is None:
            goal = f"{what} {identifier} to be deleted"
            return wait_until(
                self.module, lambda: read(identifier), lambda r: r is None, self.budget,
                goal, lambda r: "gone" if r is None else r.get(status_key, "?"),
                failed=self.expiry(goal, status_key),
            )
        goal = f"{what} {identifier} to be {'/'.join(sorted(statuses))}"
        return wait_until(
            self.module, lambda: read(identifier), lambda r: r is not None and r.get(status_key) in statuses,
            self.budget, goal, lambda r: "not found" if r is None else r.get(status_key, "?"),
            failed=self.expiry(goal, status_key),
        )

    def wait_instance(self, identifier: str, statuses: frozenset[str] = frozenset({AVAILABLE})) -> dict[str, Any]:
        return self._wait(self.instance, "DB instance", identifier, "DBInstanceStatus", statuses)

    def wait_instance_gone(self, identifier: str) -> None:
        self._wait(self.instance, "DB instance", identifier, "DBInstanceStatus", None)

    def wait_cluster(self, identifier: str, statuses: frozenset[str] = frozenset({AVAILABLE})) -> dict[str, Any]:
        return self._wait(self.cluster, "DB cluster", identifier, "Status", statuses)

    def wait_cluster_gone(self, identifier: str) -> None:
        self._wait(self.cluster, "DB cluster", identifier, "Status", None)


def describe_result(resource: Mapping[str, Any] | None) -> dict[str, Any]:
    """A Describe answer as a snake_cased result with tags as a dict (empty when absent)."""
    if not resource:
        return {}
    result = camel_dict_to_snake_dict(dict(resource), ignore_list=["TagList"])
    result.pop("tag_list", None)
    result["tags"] = boto3_tag_list_to_ansible_dict(resource.get("TagList") or [])
    return result


KMS_OPTIONS = ("kms_key_id", "master_user_secret_kms_key_id", "performance_insights_kms_key_id")


def final_snapshot(identifier: str, params: Mapping[str, Any]) -> str | None:
    """The final snapshot of a deletion: ``final_snapshot_identifier``, else ``<identifier>-final-<UTC time>``
    unless ``skip_final_snapshot``."""
    if params["final_snapshot_identifier"] or params["skip_final_snapshot"]:
        return params["final_snapshot_identifier"]
    return f"{identifier}-final-{datetime.datetime.now(datetime.UTC):%Y%m%d%H%M%S}"


def warn_drift(module: Any, what: str, drift: list[str]) -> None:
    """Warn about settings that differ but cannot be changed in place (reported in ``drift``, never sent)."""
    if drift:
        module.warn(f"{what}: {', '.join(drift)} differ but cannot be changed in place (left as they are)")


def _master_secret_changes(current: Mapping[str, Any], wanted: Mapping[str, Any], plan: Plan) -> None:
    """Turn on ManageMasterUserPassword when RDS does not manage the password yet (never off)."""
    if current.get("MasterUserSecret"):
        return
    plan.modify = dict(plan.modify or {})
    plan.modify["ManageMasterUserPassword"] = True
    if wanted.get("master_user_secret_kms_key_id"):
        plan.modify["MasterUserSecretKmsKeyId"] = wanted["master_user_secret_kms_key_id"]
    plan.changed = list(plan.changed or []) + ["manage_master_user_password"]
    plan.drift = [d for d in plan.drift or [] if d != "master_user_secret_kms_key_id"]


def ensure_instance(
    ctx: RDSContext,
    identifier: str,
    params: Mapping[str, Any],
    scope: str,
    tags: dict[str, str] | None,
    purge_tags: bool,
    apply_immediately: bool,
    reboot_pending: bool = False,
    current: dict[str, Any] | None = None,
    engine: str = "",
) -> dict[str, Any]:
    """Create or converge one DB instance (``scope`` standalone or member). Returns a report dict."""
    fields = tuple(f for f in INSTANCE_FIELDS if f.scope in ("both", scope))
    wanted = wanted_options(params, fields, scope)
    report: dict[str, Any] = {
        "identifier": identifier, "changed": False, "created": False, "changes": [], "drift": [],
        "pending_reboot": False, "rebooted": False,
    }
    if current is None:
        current = ctx.instance(identifier)
    if current is None:
        create = create_params(wanted, fields)
        create["DBInstanceIdentifier"] = identifier
        if scope == "standalone":
            create["ManageMasterUserPassword"] = True
        if tags:
            create["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        report.update(changed=True, created=True, changes=["create"], before={},
                      after=dict(wanted, tags=tags or {}))
        if not ctx.check_mode:
            created = ctx.call("create_db_instance", f"create DB instance {identifier}", **create)
            report["instance"] = created.get("DBInstance", {})
        return report

    status = current.get("DBInstanceStatus")
    if status == "deleting":
        ctx.module.fail_json(msg=f"DB instance {identifier} is being deleted; run again once it is gone")
    before = snake_view(current, fields)
    plan = plan_modify(current, wanted, fields, engine or current.get("Engine", ""))
    if scope == "standalone":
        _master_secret_changes(current, wanted, plan)
    report["drift"] = plan.drift or []
    after = after_view(before, wanted, plan)
    if plan.modify:
        report["changed"] = True
        report["changes"] = plan.changed or []
        if not ctx.check_mode:
            if status not in INSTANCE_MODIFIABLE:
                current = ctx.wait_instance(identifier, INSTANCE_MODIFIABLE)
            modified = ctx.call(
                "modify_db_instance", f"modify DB instance {identifier}",
                DBInstanceIdentifier=identifier, ApplyImmediately=apply_immediately, **plan.modify,
            )
            current = modified.get("DBInstance", current)
    tag_changed, tags_before, tags_after = ctx.converge_tags(
        current["DBInstanceArn"], current.get("TagList"), tags, purge_tags
    )
    if tag_changed:
        report["changed"] = True
        report["changes"] = report["changes"] + ["tags"]
    before["tags"], after["tags"] = tags_before, tags_after
    report["before"], report["after"] = before, after
    report["pending_reboot"] = pending_reboot(current)
    if report["pending_reboot"] and reboot_pending and not plan.modify:
        report.update(changed=True, rebooted=True)
        report["changes"] = report["changes"] + ["reboot"]
        if not ctx.check_mode:
            if current.get("DBInstanceStatus") not in INSTANCE_MODIFIABLE:
                current = ctx.wait_instance(identifier, INSTANCE_MODIFIABLE)
            ctx.call("reboot_db_instance", f"reboot DB instance {identifier}", DBInstanceIdentifier=identifier)
    report["instance"] = current
    return report


def delete_instance(
    ctx: RDSContext,
    identifier: str,
    current: dict[str, Any] | None,
    final_snapshot: str | None,
    skip_final_snapshot: bool,
    disable_deletion_protection: bool,
    member: bool = False,
) -> dict[str, Any]:
    report: dict[str, Any] = {"identifier": identifier, "changed": False, "deleted": False, "changes": []}
    if current is None or current.get("DBInstanceStatus") == "deleting":
        return report
    if current.get("DeletionProtection"):
        if not disable_deletion_protection:
            ctx.module.fail_json(
                msg=f"DB instance {identifier} has deletion protection on; set deletion_protection: false with "
                "state: absent to turn it off and delete"
            )
        if not ctx.check_mode:
            ctx.call("modify_db_instance", f"turn off deletion protection of {identifier}",
                     DBInstanceIdentifier=identifier, DeletionProtection=False, ApplyImmediately=True)
    report.update(changed=True, deleted=True, changes=["delete"])
    if ctx.check_mode:
        return report
    if current.get("DBInstanceStatus") not in INSTANCE_MODIFIABLE | {"stopped", "failed", "incompatible-parameters"}:
        ctx.wait_instance(identifier, INSTANCE_MODIFIABLE | {"stopped"})
    kwargs: dict[str, Any] = {"DBInstanceIdentifier": identifier}
    if not member:
        if skip_final_snapshot or not final_snapshot:
            kwargs["SkipFinalSnapshot"] = True
        else:
            kwargs["FinalDBSnapshotIdentifier"] = final_snapshot
    try:
        call(ctx.client, "delete_db_instance", **kwargs)
    except is_boto3_error_code("DBInstanceNotFound"):
        pass
    except AWS_ERRORS as e:  # pylint: disable=duplicate-except
        ctx.fail(e, f"Failed to delete DB instance {identifier}")
    return report


def cluster_member_params(params: Mapping[str, Any], member: Mapping[str, Any], index: int) -> dict[str, Any]:
    """Settings of one cluster member: the member's own over the module's instance-level options."""
    out = {
        "engine": params["engine"],
        "db_cluster_identifier": params["db_cluster_identifier"],
        "db_instance_class": member.get("db_instance_class") or params.get("instance_class"),
        "promotion_tier": member.get("promotion_tier") if member.get("promotion_tier") is not None else min(index, 15),
        "availability_zone": member.get("availability_zone"),
        "db_parameter_group_name": member.get("db_parameter_group_name") or params.get("db_parameter_group_name"),
        "publicly_accessible": params.get("publicly_accessible"),
        "auto_minor_version_upgrade": params.get("auto_minor_version_upgrade"),
        "preferred_maintenance_window": params.get("preferred_maintenance_window"),
        "enable_performance_insights": params.get("enable_performance_insights"),
        "performance_insights_kms_key_id": params.get("performance_insights_kms_key_id"),
        "performance_insights_retention_period": params.get("performance_insights_retention_period"),
    }
    return {k: v for k, v in out.items() if v is not None}


def ensure_cluster(ctx: RDSContext, params: Mapping[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """Create or converge an Aurora cluster (``current``: its Describe answer or None) and its member
    instances. Returns the module result."""
    cluster_id = params["db_cluster_identifier"]
    tags = dict(params["tags"]) if params.get("tags") is not None else None
    if tags is not None:
        tags.setdefault("Name", cluster_id)
    wanted = wanted_options(params, CLUSTER_FIELDS, "cluster")
    engine = params.get("engine") or (current or {}).get("Engine", "")
    params = dict(params, engine=engine)
    result: dict[str, Any] = {"changed": False, "changes": [], "drift": [], "instances_changes": {}}
    diff_before: dict[str, Any] = {"cluster": {}, "instances": {}}
    diff_after: dict[str, Any] = {"cluster": {}, "instances": {}}
    if current is None:
        create = create_params(wanted, CLUSTER_FIELDS)
        create.update(DBClusterIdentifier=cluster_id, ManageMasterUserPassword=True)
        if tags:
            create["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        result.update(changed=True, changes=["create"])
        diff_after["cluster"] = dict(wanted, tags=tags or {})
        if not ctx.check_mode:
            current = ctx.call("create_db_cluster", f"create DB cluster {cluster_id}", **create).get("DBCluster")
    else:
        if current.get("Status") == "deleting":
            ctx.module.fail_json(msg=f"DB cluster {cluster_id} is being deleted; run again once it is gone")
        before = snake_view(current, CLUSTER_FIELDS)
        plan = plan_modify(current, wanted, CLUSTER_FIELDS, engine)
        _master_secret_changes(current, wanted, plan)
        result["drift"] = plan.drift or []
        after = after_view(before, wanted, plan)
        if plan.modify:
            result.update(changed=True, changes=plan.changed or [])
            if not ctx.check_mode:
                if current.get("Status") not in CLUSTER_MODIFIABLE:
                    current = ctx.wait_cluster(cluster_id, CLUSTER_MODIFIABLE)
                current = ctx.call(
                    "modify_db_cluster", f"modify DB cluster {cluster_id}", DBClusterIdentifier=cluster_id,
                    ApplyImmediately=params["apply_immediately"], **plan.modify,
                ).get("DBCluster", current)
        tag_changed, tags_before, tags_after = ctx.converge_tags(
            current["DBClusterArn"], current.get("TagList"), tags, params["purge_tags"]
        )
        if tag_changed:
            result["changed"] = True
            result["changes"] = result["changes"] + ["tags"]
        before["tags"], after["tags"] = tags_before, tags_after
        diff_before["cluster"], diff_after["cluster"] = before, after

    # Members: the first listed is the writer when the cluster has none yet.
    members = params.get("instances") or []
    existing = ctx.cluster_members(cluster_id) if current is not None else {}
    wanted_ids = [m["db_instance_identifier"] for m in members]
    to_create, _to_keep, to_delete = member_plan(wanted_ids, existing, params["purge_instances"])
    cluster_ready = current is not None and current.get("Status") == AVAILABLE
    member_reports = []
    for index, member in enumerate(members):
        ident = member["db_instance_identifier"]
        member_params = ctx.resolve_keys(cluster_member_params(params, member, index), KMS_OPTIONS)
        member_tags = None
        if tags is not None:
            member_tags = dict(tags)
            member_tags["Name"] = ident
        if ident in to_create and not ctx.check_mode and not cluster_ready:
            # RDS accepts new members only once the cluster is available: wait within the budget.
            current = ctx.wait_cluster(cluster_id)
            cluster_ready = True
        report = ensure_instance(
            ctx, ident, member_params, "member", member_tags, params["purge_tags"], params["apply_immediately"],
            reboot_pending=params.get("reboot_pending", False), current=existing.get(ident), engine=engine,
        )
        member_reports.append(report)
        if report["changed"]:
            result["changed"] = True
            result["instances_changes"][ident] = report["changes"]
        if report["drift"]:
            result["drift"] = result["drift"] + [f"{ident}.{d}" for d in report["drift"]]
        diff_before["instances"][ident] = report.get("before", {})
        diff_after["instances"][ident] = report.get("after", {})
    for ident in to_delete:
        report = delete_instance(ctx, ident, existing[ident], None, True, False, member=True)
        result["changed"] = True
        result["instances_changes"][ident] = report["changes"]
        diff_before["instances"][ident] = {"exists": True}

    if params["wait"] and not ctx.check_mode and current is not None:
        current = ctx.wait_cluster(cluster_id)
        for ident in wanted_ids:
            ctx.wait_instance(ident)
        for ident in to_delete:
            ctx.wait_instance_gone(ident)
    if not ctx.check_mode and current is not None and (result["changed"] or params["wait"]):
        current = ctx.cluster(cluster_id) or current
        existing = ctx.cluster_members(cluster_id)
    result["cluster"] = describe_result(current)
    result["instances"] = [
        describe_result(existing.get(r["identifier"]) or r.get("instance")) for r in member_reports
    ]
    result["pending_reboot"] = sorted(r["identifier"] for r in member_reports if r["pending_reboot"])
    result["diff"] = {"before": diff_before, "after": diff_after}
    return result


def delete_cluster(ctx: RDSContext, params: Mapping[str, Any]) -> dict[str, Any]:
    cluster_id = params["db_cluster_identifier"]
    result: dict[str, Any] = {"changed": False, "changes": [], "instances_changes": {}}
    current = ctx.cluster(cluster_id)
    if current is None:
        result.update(cluster={}, instances=[], diff={"before": {}, "after": {}})
        return result
    # The cluster's protection is checked before any member is touched: a refusal after the members are
    # gone would leave a protected cluster with no instances.
    if (current.get("Status") != "deleting" and current.get("DeletionProtection")
            and params.get("deletion_protection") is not False):
        ctx.module.fail_json(
            msg=f"DB cluster {cluster_id} has deletion protection on; set deletion_protection: false with "
            "state: absent to turn it off and delete (nothing was deleted)"
        )
    existing = ctx.cluster_members(cluster_id)
    for ident, member in existing.items():
        report = delete_instance(ctx, ident, member, None, True, False, member=True)
        if report["changed"]:
            result["changed"] = True
            result["instances_changes"][ident] = report["changes"]
    if current.get("Status") != "deleting":
        result["changed"] = True
        result["changes"] = ["delete"]
        if not ctx.check_mode:
            if current.get("DeletionProtection"):
                ctx.call("modify_db_cluster", f"turn off deletion protection of {cluster_id}",
                         DBClusterIdentifier=cluster_id, DeletionProtection=False, ApplyImmediately=True)
            kwargs: dict[str, Any] = {"DBClusterIdentifier": cluster_id}
            if params.get("skip_final_snapshot") or not params.get("final_snapshot_identifier"):
                kwargs["SkipFinalSnapshot"] = True
            else:
                kwargs["FinalDBSnapshotIdentifier"] = params["final_snapshot_identifier"]
            for attempt in (1, 2):
                try:
                    call(ctx.client, "delete_db_cluster", **kwargs)
                    break
                except is_boto3_error_code("DBClusterNotFoundFault"):
                    break
                except is_boto3_error_code("InvalidDBClusterStateFault") as e:  # pylint: disable=duplicate-except
                    # Members still deleting: wait for them within the budget, then try once more.
                    if attempt == 2:
                        ctx.fail(e, f"Failed to delete DB cluster {cluster_id}")
                    for ident in existing:
                        ctx.wait_instance_gone(ident)
                except AWS_ERRORS as e:  # pylint: disable=duplicate-except
                    ctx.fail(e, f"Failed to delete DB cluster {cluster_id}")
    if params["wait"] and not ctx.check_mode:
        ctx.wait_cluster_gone(cluster_id)
    result.update(
        cluster={}, instances=[],
        diff={"before": {"cluster": snake_view(current, CLUSTER_FIELDS), "instances": sorted(existing)},
              "after": {}},
    )
    return result
