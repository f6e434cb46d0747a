# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Pure compare/plan functions of the RDS modules (no boto3, no AnsibleModule).

The modules read a resource once (DescribeDBInstances / DescribeDBClusters), and these functions say
what a Create call must carry and what a Modify call must change. A Modify call carries only the
settings that differ from what RDS reports, where "what RDS reports" is the current value overlaid
with ``PendingModifiedValues`` (a change accepted for the next maintenance window is not sent again).

Rules that make the comparison safe against the real API:

* ``None`` (option not set) means "not managed": never compared, never sent.
* Allocated storage only grows: storage autoscaling (or a manual increase) above the wanted size is
  not a difference; RDS cannot shrink storage.
* Engine versions only go up: a newer minor version (auto minor upgrade) satisfies an older wanted
  one; ``17`` is satisfied by any ``17.x``.
* Settings that RDS cannot change in place (engine, master username, database name, storage
  encryption and its KMS key, the Performance Insights KMS key once set, the KMS key of the
  RDS-managed master secret) are reported as drift, never sent.
* Windows compare case-insensitively (RDS answers ``mon:00:00-mon:03:00`` for ``Mon:00:00-Mon:03:00``).
* Lists of security groups and log exports compare as sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_rules import (  # noqa: F401 (re-exported)
    AVAILABLE,
    CLUSTER_MODIFIABLE,
    INSTANCE_MODIFIABLE,
    major_version,
    version_tuple,
)


@dataclass(frozen=True)
class Field:
    """One managed setting.

    option: module option; create: Create* API key (None = not set on create); modify: Modify* API
    key (None = immutable, a difference is drift); current: path in the Describe answer (dotted, or
    a callable); kind: how to compare; pending: key in PendingModifiedValues; scope: which kind of
    DB instance takes it (``standalone`` instance, cluster ``member``, ``both``; clusters: ``cluster``).
    """

    option: str
    create: str | None
    modify: str | None
    current: str | Callable[[Mapping[str, Any]], Any]
    kind: str = "eq"
    pending: str | None = None
    scope: str = "both"


def _first_param_group(d: Mapping[str, Any]) -> str | None:
    groups = d.get("DBParameterGroups") or []
    return groups[0].get("DBParameterGroupName") if groups else None


def _security_groups(d: Mapping[str, Any]) -> list[str]:
    return [g["VpcSecurityGroupId"] for g in d.get("VpcSecurityGroups") or [] if g.get("Status") != "removing"]


def _subnet_group(d: Mapping[str, Any]) -> str | None:
    group = d.get("DBSubnetGroup")
    if isinstance(group, Mapping):
        return group.get("DBSubnetGroupName")
    return group


def _instance_port(d: Mapping[str, Any]) -> int | None:
    endpoint = d.get("Endpoint") or {}
    return endpoint.get("Port") or d.get("DbInstancePort")


def _master_secret_kms(d: Mapping[str, Any]) -> str | None:
    return (d.get("MasterUserSecret") or {}).get("KmsKeyId")


def _pi_enabled(d: Mapping[str, Any]) -> bool:
    return bool(d.get("PerformanceInsightsEnabled", False))


INSTANCE_FIELDS: tuple[Field, ...] = (
    Field("engine", "Engine", None, "Engine", "lower"),
    Field("engine_version", "EngineVersion", "EngineVersion", "EngineVersion", "version", "EngineVersion",
          "standalone"),
    Field("db_instance_class", "DBInstanceClass", "DBInstanceClass", "DBInstanceClass", "eq", "DBInstanceClass"),
    Field("db_cluster_identifier", "DBClusterIdentifier", None, "DBClusterIdentifier", "eq", None, "member"),
    Field("availability_zone", "AvailabilityZone", None, "AvailabilityZone", "eq"),
    Field("allocated_storage", "AllocatedStorage", "AllocatedStorage", "AllocatedStorage", "grow", "AllocatedStorage",
          "standalone"),
    Field("max_allocated_storage", "MaxAllocatedStorage", "MaxAllocatedStorage", "MaxAllocatedStorage", "max_storage",
          None, "standalone"),
    Field("storage_type", "StorageType", "StorageType", "StorageType", "eq", "StorageType", "standalone"),
    Field("storage_encrypted", "StorageEncrypted", None, "StorageEncrypted", "bool", None, "standalone"),
    Field("kms_key_id", "KmsKeyId", None, "KmsKeyId", "eq", None, "standalone"),
    Field("master_username", "MasterUsername", None, "MasterUsername", "eq", None, "standalone"),
    Field("master_user_secret_kms_key_id", "MasterUserSecretKmsKeyId", None, _master_secret_kms, "eq", None,
          "standalone"),
    Field("db_name", "DBName", None, "DBName", "eq", None, "standalone"),
    Field("port", "Port", "DBPortNumber", _instance_port, "int", "Port", "standalone"),
    Field("multi_az", "MultiAZ", "MultiAZ", "MultiAZ", "bool", "MultiAZ", "standalone"),
    Field("publicly_accessible", "PubliclyAccessible", "PubliclyAccessible", "PubliclyAccessible", "bool"),
    Field("db_subnet_group_name", "DBSubnetGroupName", "DBSubnetGroupName", _subnet_group, "eq", "DBSubnetGroupName",
          "standalone"),
    Field("vpc_security_group_ids", "VpcSecurityGroupIds", "VpcSecurityGroupIds", _security_groups, "set", None,
          "standalone"),
    Field("db_parameter_group_name", "DBParameterGroupName", "DBParameterGroupName", _first_param_group),
    Field("backup_retention_period", "BackupRetentionPeriod", "BackupRetentionPeriod", "BackupRetentionPeriod", "int",
          "BackupRetentionPeriod", "standalone"),
    Field("preferred_backup_window", "PreferredBackupWindow", "PreferredBackupWindow", "PreferredBackupWindow",
          "lower", None, "standalone"),
    Field("preferred_maintenance_window", "PreferredMaintenanceWindow", "PreferredMaintenanceWindow",
          "PreferredMaintenanceWindow", "lower"),
    Field("enable_performance_insights", "EnablePerformanceInsights", "EnablePerformanceInsights", _pi_enabled, "bool"),
    Field("performance_insights_kms_key_id", "PerformanceInsightsKMSKeyId", None, "PerformanceInsightsKMSKeyId", "pi"),
    Field("performance_insights_retention_period", "PerformanceInsightsRetentionPeriod",
          "PerformanceInsightsRetentionPeriod", "PerformanceInsightsRetentionPeriod", "pi_int"),
    Field("enable_cloudwatch_logs_exports", "EnableCloudwatchLogsExports", "CloudwatchLogsExportConfiguration",
          "EnabledCloudwatchLogsExports", "logs", None, "standalone"),
    Field("copy_tags_to_snapshot", "CopyTagsToSnapshot", "CopyTagsToSnapshot", "CopyTagsToSnapshot", "bool", None,
          "standalone"),
    Field("deletion_protection", "DeletionProtection", "DeletionProtection", "DeletionProtection", "bool", None,
          "standalone"),
    Field("auto_minor_version_upgrade", "AutoMinorVersionUpgrade", "AutoMinorVersionUpgrade", "AutoMinorVersionUpgrade",
          "bool"),
    Field("promotion_tier", "PromotionTier", "PromotionTier", "PromotionTier", "int", None, "member"),
)

CLUSTER_FIELDS: tuple[Field, ...] = (
    Field("engine", "Engine", None, "Engine", "lower", scope="cluster"),
    Field("engine_version", "EngineVersion", "EngineVersion", "EngineVersion", "version", "EngineVersion", "cluster"),
    Field("database_name", "DatabaseName", None, "DatabaseName", "eq", None, "cluster"),
    Field("master_username", "MasterUsername", None, "MasterUsername", "eq", None, "cluster"),
    Field("master_user_secret_kms_key_id", "MasterUserSecretKmsKeyId", None, _master_secret_kms, "eq", None, "cluster"),
    Field("port", "Port", "Port", "Port", "int", None, "cluster"),
    Field("db_subnet_group_name", "DBSubnetGroupName", None, _subnet_group, "eq", None, "cluster"),
    Field("vpc_security_group_ids", "VpcSecurityGroupIds", "VpcSecurityGroupIds", _security_groups, "set", None,
          "cluster"),
    Field("db_cluster_parameter_group_name", "DBClusterParameterGroupName", "DBClusterParameterGroupName",
          "DBClusterParameterGroup", "eq", None, "cluster"),
    Field("storage_encrypted", "StorageEncrypted", None, "StorageEncrypted", "bool", None, "cluster"),
    Field("kms_key_id", "KmsKeyId", None, "KmsKeyId", "eq", None, "cluster"),
    Field("storage_type", "StorageType", "StorageType", "StorageType", "eq", "StorageType", "cluster"),
    Field("backup_retention_period", "BackupRetentionPeriod", "BackupRetentionPeriod", "BackupRetentionPeriod", "int",
          "BackupRetentionPeriod", "cluster"),
    Field("preferred_backup_window", "PreferredBackupWindow", "PreferredBackupWindow", "PreferredBackupWindow",
          "lower", None, "cluster"),
    Field("preferred_maintenance_window", "PreferredMaintenanceWindow", "PreferredMaintenanceWindow",
          "PreferredMaintenanceWindow", "lower", None, "cluster"),
    Field("enable_cloudwatch_logs_exports", "EnableCloudwatchLogsExports", "CloudwatchLogsExportConfiguration",
          "EnabledCloudwatchLogsExports", "logs", None, "cluster"),
    Field("copy_tags_to_snapshot", "CopyTagsToSnapshot", "CopyTagsToSnapshot", "CopyTagsToSnapshot", "bool", None,
          "cluster"),
    Field("deletion_protection", "DeletionProtection", "DeletionProtection", "DeletionProtection", "bool", None,
          "cluster"),
)

#: Instance options that belong to the cluster when the instance is an Aurora cluster member.
MEMBER_FORBIDDEN = tuple(f.option for f in INSTANCE_FIELDS if f.scope == "standalone")


def read(current: Mapping[str, Any], path: str | Callable[[Mapping[str, Any]], Any]) -> Any:
    if callable(path):
        return path(current)
    value: Any = current
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def version_satisfied(current: Any, wanted: Any) -> bool:
    """True when ``current`` is ``wanted`` or newer on wanted's components (no downgrade is ever asked)."""
    cur, want = version_tuple(current), version_tuple(wanted)
    if not want:
        return True
    return cur[: len(want)] >= want


def is_major_upgrade(current: Any, wanted: Any, engine: str = "") -> bool:
    cur, want = major_version(engine, current), major_version(engine, wanted)
    return bool(cur and want) and cur != want


def logs_configuration(current: Iterable[str], wanted: Iterable[str]) -> dict[str, list[str]] | None:
    """CloudwatchLogsExportConfiguration turning ``current`` into ``wanted`` (None when equal)."""
    cur, want = set(current or []), set(wanted or [])
    if cur == want:
        return None
    config: dict[str, list[str]] = {}
    if want - cur:
        config["EnableLogTypes"] = sorted(want - cur)
    if cur - want:
        config["DisableLogTypes"] = sorted(cur - want)
    return config


def effective_current(current: Mapping[str, Any], fields: Iterable[Field]) -> dict[str, Any]:
    """Current value of every field, with PendingModifiedValues applied over it (snake option names)."""
    pending = current.get("PendingModifiedValues") or {}
    values: dict[str, Any] = {}
    for field in fields:
        value = read(current, field.current)
        if field.pending and field.pending in pending:
            value = pending[field.pending]
        if field.kind == "logs":
            exports = set(value or [])
            logs_pending = pending.get("PendingCloudwatchLogsExports") or {}
            exports |= set(logs_pending.get("LogTypesToEnable") or [])
            exports -= set(logs_pending.get("LogTypesToDisable") or [])
            value = sorted(exports)
        values[field.option] = value
    return values


def _same(kind: str, current: Any, wanted: Any, state: Mapping[str, Any]) -> bool:
    if kind == "lower":
        return str(current or "").lower() == str(wanted).lower()
    if kind == "bool":
        return bool(current) == bool(wanted)
    if kind in ("int", "pi_int"):
        if kind == "pi_int" and not state.get("enable_performance_insights"):
            return True
        try:
            return current is not None and int(current) == int(wanted)
        except (TypeError, ValueError):
            return False
    if kind == "set":
        return set(current or []) == set(wanted or [])
    if kind == "logs":
        return set(current or []) == set(wanted or [])
    if kind == "grow":
        try:
            return current is not None and int(current) >= int(wanted)
        except (TypeError, ValueError):
            return False
    if kind == "version":
        return version_satisfied(current, wanted)
    if kind == "max_storage":
        # 0 or the allocated size = no storage autoscaling, which RDS reports as no MaxAllocatedStorage.
        allocated = int(state.get("allocated_storage") or 0)
        want_off = int(wanted) == 0 or int(wanted) <= allocated
        if not current:
            return want_off
        return int(current) == int(wanted) or (want_off and int(current) <= allocated)
    if kind == "pi":
        if not state.get("enable_performance_insights"):
            return True
        return current is None or current == wanted
    return current == wanted


@dataclass
class Plan:
    """What a converge would do: ``create`` params or ``modify`` params, changed option names, drift."""

    create: dict[str, Any] | None = None
    modify: dict[str, Any] | None = None
    changed: list[str] | None = None
    drift: list[str] | None = None


def wanted_options(params: Mapping[str, Any], fields: Iterable[Field], scope: str) -> dict[str, Any]:
    """The managed options (not None) of ``params`` that apply to ``scope``."""
    out: dict[str, Any] = {}
    for field in fields:
        if field.scope not in ("both", scope):
            continue
        value = params.get(field.option)
        if value is not None:
            out[field.option] = value
    return out


def create_params(wanted: Mapping[str, Any], fields: Iterable[Field]) -> dict[str, Any]:
    """Create* API parameters for the wanted options (disabled autoscaling and PI extras left out)."""
    out: dict[str, Any] = {}
    for field in fields:
        if field.option not in wanted or field.create is None:
            continue
        value = wanted[field.option]
        if field.kind == "max_storage" and (int(value) == 0 or int(value) <= int(wanted.get("allocated_storage") or 0)):
            continue
        if field.kind in ("pi", "pi_int") and not wanted.get("enable_performance_insights"):
            continue
        if field.kind == "logs":
            value = sorted(set(value))
        if field.kind == "set":
            value = sorted(set(value))
        out[field.create] = value
    return out


def plan_modify(
    current: Mapping[str, Any], wanted: Mapping[str, Any], fields: Iterable[Field], engine: str = ""
) -> Plan:
    """Compare and return the Modify* parameters of only what differs, plus drift on immutable settings."""
    fields = tuple(fields)
    state = effective_current(current, fields)
    # Storage and PI comparisons need the effective state of their companions.
    context = dict(state)
    context["enable_performance_insights"] = wanted.get("enable_performance_insights", state.get(
        "enable_performance_insights"))
    context["allocated_storage"] = max(int(state.get("allocated_storage") or 0),
                                       int(wanted.get("allocated_storage") or 0))
    modify: dict[str, Any] = {}
    changed: list[str] = []
    drift: list[str] = []
    for field in fields:
        if field.option not in wanted:
            continue
        want = wanted[field.option]
        have = state.get(field.option)
        if _same(field.kind, have, want, context):
            continue
        if field.modify is None:
            drift.append(field.option)
            continue
        changed.append(field.option)
        if field.kind == "logs":
            config = logs_configuration(have or [], want)
            if config:
                modify[field.modify] = config
        elif field.kind == "set":
            modify[field.modify] = sorted(set(want))
        elif field.kind == "max_storage":
            allocated = int(context.get("allocated_storage") or 0)
            modify[field.modify] = allocated if int(want) == 0 else int(want)
        elif field.kind == "version":
            modify[field.modify] = want
            if is_major_upgrade(have, want, engine):
                modify["AllowMajorVersionUpgrade"] = True
        else:
            modify[field.modify] = want
    # Turning PI on: the wanted key (immutable afterwards) and retention are part of the same change.
    if modify.get("EnablePerformanceInsights"):
        for field in fields:
            if field.kind in ("pi", "pi_int") and field.option in wanted:
                api = field.create if field.kind == "pi" else field.modify
                modify.setdefault(api, wanted[field.option])
    return Plan(modify=modify or None, changed=changed, drift=drift)


def snake_view(current: Mapping[str, Any] | None, fields: Iterable[Field]) -> dict[str, Any]:
    """The managed settings of a described resource under the module's option names (for diff/results)."""
    if not current:
        return {}
    view = effective_current(current, fields)
    return {k: (sorted(v) if isinstance(v, list) else v) for k, v in view.items() if v is not None}


def after_view(before: Mapping[str, Any], wanted: Mapping[str, Any], plan: Plan) -> dict[str, Any]:
    """What the settings are expected to be after ``plan`` (diff ``after``)."""
    after = dict(before)
    for option in plan.changed or []:
        value = wanted[option]
        after[option] = sorted(set(value)) if isinstance(value, list) else value
    return after


def parameter_changes(
    current: Mapping[str, Mapping[str, Any]], wanted: Mapping[str, Any], apply_method: str = "auto"
) -> list[dict[str, str]]:
    """ModifyDB(Cluster)ParameterGroup ``Parameters`` for the wanted values that differ.

    ``current``: parameter name -> the Describe*Parameters entry (ParameterValue, ApplyType,
    IsModifiable ...). ``apply_method``: ``immediate``, ``pending-reboot`` or ``auto`` (immediate for
    ApplyType dynamic, pending-reboot for static or unknown).
    """
    out: list[dict[str, str]] = []
    for name in sorted(wanted):
        value = normalize_parameter_value(wanted[name])
        entry = current.get(name) or {}
        if entry.get("ParameterValue") is not None and str(entry["ParameterValue"]) == value:
            continue
        method = apply_method
        if method == "auto":
            method = "immediate" if entry.get("ApplyType") == "dynamic" else "pending-reboot"
        out.append({"ParameterName": name, "ParameterValue": value, "ApplyMethod": method})
    return out


def normalize_parameter_value(value: Any) -> str:
    """RDS stores parameter values as strings; booleans are 1/0."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def pending_reboot(current: Mapping[str, Any]) -> bool:
    """Whether a DB instance waits for a reboot to apply its parameter group."""
    return any(g.get("ParameterApplyStatus") == "pending-reboot" for g in current.get("DBParameterGroups") or [])


def member_plan(
    wanted_ids: list[str], existing: Mapping[str, Mapping[str, Any]], purge: bool
) -> tuple[list[str], list[str], list[str]]:
    """(to create, to keep, to delete) cluster member identifiers; deletions keep the writer last."""
    to_create = [i for i in wanted_ids if i not in existing]
    to_keep = [i for i in wanted_ids if i in existing]
    to_delete: list[str] = []
    if purge:
        extra = [i for i in existing if i not in wanted_ids]
        to_delete = sorted(extra, key=lambda i: (bool(existing[i].get("IsClusterWriter")), i))
    return to_create, to_keep, to_delete


#: ModifyDB(Cluster)ParameterGroup and ResetDB(Cluster)ParameterGroup take at most 20 parameters a call.
PARAMETER_BATCH = 20


def batches(items: list[Any], size: int = PARAMETER_BATCH) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def user_parameters(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Parameters set by the user (entries without Source count as user-set, as moto reports them)."""
    return {e["ParameterName"]: e for e in entries if e.get("Source", "user") == "user"}


def parameter_resets(
    user_set: Mapping[str, Mapping[str, Any]], wanted: Mapping[str, Any], apply_method: str
) -> list[dict[str, str]]:
    """ResetDB(Cluster)ParameterGroup entries for user-set parameters not wanted."""
    out = []
    for name in sorted(set(user_set) - set(wanted)):
        method = apply_method
        if method == "auto":
            method = "immediate" if user_set[name].get("ApplyType") == "dynamic" else "pending-reboot"
        out.append({"ParameterName": name, "ApplyMethod": method})
    return out
