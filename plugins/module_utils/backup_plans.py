# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""AWS Backup plans of the data layer (``platform_backup_plans``): names, rules and the stores each plan selects,
derived once; the input checks; the ARNs of the selection; which plans differ from what AWS holds. Pure: no boto3,
no Ansible. Used by ``plugins/filter/backup.py`` (role aws_backup).

One entry is one plan ``<platform_name>-<suffix>`` (or exactly ``name``) with one rule of the same name, writing
to the platform's vault, and one resource selection of the same name: the RDS instances and Aurora clusters the
entry names (``rds_instances`` / ``aurora_clusters``, entries of ``platform_rds_instances`` /
``platform_aurora_clusters`` by suffix or name), by default every one of them, by ARN. Every message names the
inventory variable, the entry index and the field (``platform_backup_plans[0].schedule``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ansible_collections.cloudops.eks_platform.plugins.module_utils.data_lists import (
    is_list,
    named_entries,
    naming_problems,
    unknown_field_problems,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.list_entries import as_int

# The zone names on disk (a walk of the time zone database, ~20-80 ms): read once per process.
_known_zones = lru_cache(maxsize=1)(available_timezones)

#: Backup plan, rule and selection names (botocore: 1 to 50 alphanumeric or '-_.' characters).
PLAN_NAME = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")
#: Backup vault names (botocore BackupVaultName: 2 to 50 alphanumeric, '-' or '_').
VAULT_NAME = re.compile(r"^[a-zA-Z0-9\-_]{2,50}$")
#: IAM role names.
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
#: Settings an entry may leave out; the role input ``aws_backup_<field>`` supplies them.
DEFAULTED = ("schedule", "timezone", "retention_days", "start_window_minutes", "completion_window_minutes")
FIELDS = ("suffix", "name", *DEFAULTED, "rds_instances", "aurora_clusters")
#: AWS Backup limits (API reference): retention 1-36500 days, start window 60 minutes to 100 years.
MAX_RETENTION_DAYS = 36500
MIN_START_WINDOW = 60
MAX_WINDOW = 52_560_000

_MONTHS = {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
_WEEKDAYS = {d: i + 1 for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}
_CRON = re.compile(r"^cron\((?P<body>[^()]*)\)$")


def _value(text: str, low: int, high: int, names: Mapping[str, int] | None = None) -> bool:
    if names and text.upper() in names:
        return True
    return text.isdigit() and low <= int(text) <= high


def _items_ok(field: str, low: int, high: int, names: Mapping[str, int] | None = None) -> bool:
    """``*``, a value, ``a-b``, each optionally ``/step``, comma-separated (EventBridge cron fields)."""
    for item in field.split(","):
        base, _, step = item.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            return False
        if base == "*":
            continue
        first, dash, last = base.partition("-")
        if not _value(first, low, high, names) or (dash and not _value(last, low, high, names)):
            return False
    return True


def aws_cron_problems(expression: Any) -> list[str]:
    """What is wrong with an AWS Backup schedule ``cron(minutes hours day-of-month month day-of-week year)`` (the
    EventBridge form AWS Backup takes, in the rule's time zone). AWS Backup runs a rule at most hourly, so the
    minutes field is one value; one of day-of-month and day-of-week must be ``?``."""
    match = _CRON.match(str(expression).strip()) if isinstance(expression, str) else None
    if not match:
        return [f"{expression!r} is not an AWS cron expression: cron(minutes hours day-of-month month day-of-week "
                "year), e.g. cron(0 17 * * ? *) (daily at 17:00)"]
    fields = match.group("body").split()
    if len(fields) != 6:
        return [f"{expression!r} has {len(fields)} fields, AWS cron expressions have 6: minutes hours "
                "day-of-month month day-of-week year (e.g. cron(0 17 * * ? *))"]
    minutes, hours, dom, month, dow, year = fields
    problems: list[str] = []
    if not _value(minutes, 0, 59):
        problems.append(f"{expression!r}: minutes must be one value 0-59 (AWS Backup runs a rule at most hourly), "
                        f"got {minutes!r}")
    if not _items_ok(hours, 0, 23):
        problems.append(f"{expression!r}: hours {hours!r} must be *, 0-23, a range, a list or an increment")
    if (dom == "?") == (dow == "?"):
        problems.append(f"{expression!r}: exactly one of day-of-month and day-of-week must be ? (got {dom!r} and "
                        f"{dow!r})")
    if dom != "?" and not (dom in ("L", "LW") or re.match(r"^([1-9]|[12]\d|3[01])W$", dom)
                           or _items_ok(dom, 1, 31)):
        problems.append(f"{expression!r}: day-of-month {dom!r} must be ?, *, 1-31, L, LW, <day>W, a range or a list")
    if not _items_ok(month, 1, 12, _MONTHS):
        problems.append(f"{expression!r}: month {month!r} must be *, 1-12 or JAN-DEC, a range or a list")
    if dow != "?" and not (re.match(r"^([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5])$", dow.upper())
                           or _items_ok(dow, 1, 7, _WEEKDAYS)):
        problems.append(f"{expression!r}: day-of-week {dow!r} must be ?, *, 1-7 or SUN-SAT, a range, a list, <day>L "
                        "or <day>#<n>")
    if not _items_ok(year, 1970, 2199):
        problems.append(f"{expression!r}: year {year!r} must be * or 1970-2199")
    return problems


def _refs(entry: Mapping[str, Any], field: str, names: Mapping[str, str]) -> list[str]:
    """The identifiers an entry selects from ``names`` (entry key -> identifier): the listed keys, every key when
    the field is left out."""
    keys = entry.get(field)
    if keys is None:
        return list(names.values())
    return [names[str(k)] for k in keys if str(k) in names] if is_list(keys) else []


def backup_plan_specs(plans: Any, defaults: Mapping[str, Any], context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every derived value of each ``platform_backup_plans`` entry, for the aws_backup tasks: ``name`` (plan, rule
    and selection name), the settings (the entry's, else ``defaults``), ``rds_instances`` / ``aurora_clusters``
    (identifiers) and ``rules``, the ``rules`` option of amazon.aws.backup_plan as that module compares it (every
    option it defaults given, so its compare sees exactly this).

    ``context``: platform_name, vault_name, rds_instance_names / aurora_cluster_names (entry key -> identifier,
    group_vars platform_rds_instance_names / platform_aurora_cluster_names)."""
    specs: list[dict[str, Any]] = []
    rds = dict(context.get("rds_instance_names") or {})
    aurora = dict(context.get("aurora_cluster_names") or {})
    for key, name, entry in named_entries(plans, {}, str(context.get("platform_name", ""))):
        settings = {f: entry[f] if entry.get(f) is not None else defaults.get(f) for f in DEFAULTED}
        rule = {
            "rule_name": name,
            "target_backup_vault_name": str(context.get("vault_name", "")),
            "schedule_expression": str(settings["schedule"]).strip(),
            "schedule_expression_timezone": str(settings["timezone"]),
            "start_window_minutes": as_int(settings["start_window_minutes"]),
            "completion_window_minutes": as_int(settings["completion_window_minutes"]),
            "lifecycle": {"delete_after_days": as_int(settings["retention_days"])},
            "enable_continuous_backup": False,
        }
        specs.append({
            "key": key, "name": name, "rule_name": name, "selection_name": name,
            "schedule": rule["schedule_expression"],
            "timezone": rule["schedule_expression_timezone"],
            "retention_days": rule["lifecycle"]["delete_after_days"],
            "start_window_minutes": rule["start_window_minutes"],
            "completion_window_minutes": rule["completion_window_minutes"],
            "rds_instances": _refs(entry, "rds_instances", rds),
            "aurora_clusters": _refs(entry, "aurora_clusters", aurora),
            "rules": [rule],
        })
    return specs


def _int_problem(value: Any, where: str, low: int, high: int, what: str) -> list[str]:
    number = as_int(value)
    if number is None or isinstance(value, float) or not low <= number <= high:
        return [f"{where}: {value!r} must be a whole number of {what} from {low} to {high}"]
    return []


def backup_plans_problems(plans: Any, defaults: Mapping[str, Any] | None = None,
                          context: Mapping[str, Any] | None = None) -> list[str]:
    """Problems of ``platform_backup_plans`` (empty list = valid), before any AWS call: a list of dicts, exactly one
    of suffix / name, the plan name (1-50 of ``[a-zA-Z0-9-_.]``), no two entries with one name, no unknown field,
    the schedule (:func:`aws_cron_problems`), an IANA time zone, retention 1-36500 days, start window 60 minutes or
    more, a completion window of a minute or more, ``rds_instances`` / ``aurora_clusters`` naming entries of their
    lists, and that each plan selects at least one store. Also the vault name and the IAM role name.

    A setting an entry leaves out is checked as the role input it comes from (``role_names``: field -> variable,
    e.g. ``aws_backup_schedule``). ``context``: platform_name, vault_name, role_name, rds_instance_names,
    aurora_cluster_names, role_names, label (default platform_backup_plans), vault_label, role_label.
    """
    defaults = dict(defaults or {})
    context = dict(context or {})
    label = str(context.get("label", "platform_backup_plans"))
    role_names = dict(context.get("role_names") or {})
    problems: list[str] = []
    vault = str(context.get("vault_name", ""))
    if not VAULT_NAME.match(vault):
        problems.append(f"{context.get('vault_label', 'aws_backup_vault_name')}: the vault name {vault!r} must be 2 "
                        "to 50 letters, digits, '-' or '_'")
    role = str(context.get("role_name", ""))
    if not ROLE_NAME.match(role):
        problems.append(f"{context.get('role_label', 'aws_backup_iam_role_name')}: the IAM role name {role!r} must be "
                        "1 to 64 letters, digits or +=,.@_-")
    if plans is None:
        plans = []
    if not is_list(plans):
        return problems + [f"{label}: must be a list of backup plans (dicts with suffix or name)"]
    prefix = str(context.get("platform_name", ""))
    problems += naming_problems(plans, label, prefix, PLAN_NAME, "1 to 50 letters, digits, '-', '_' or '.'", 50)
    stores = {"rds_instances": ("platform_rds_instances", dict(context.get("rds_instance_names") or {})),
              "aurora_clusters": ("platform_aurora_clusters", dict(context.get("aurora_cluster_names") or {}))}
    for index, entry in enumerate(plans):
        if not isinstance(entry, Mapping):
            continue
        where = f"{label}[{index}]"
        problems += unknown_field_problems(entry, where, FIELDS)

        def named(field: str, _entry: Mapping[str, Any] = entry, _where: str = where) -> tuple[Any, str]:
            if _entry.get(field) is not None:
                return _entry[field], f"{_where}.{field}"
            return defaults.get(field), role_names.get(field, f"{_where}.{field}")

        value, name = named("schedule")
        problems += [f"{name}: {p}" for p in aws_cron_problems(value)]
        value, name = named("timezone")
        if not (isinstance(value, str) and value in _known_zones() and _zone_ok(value)):
            problems.append(f"{name}: {value!r} is not an IANA time zone (like Etc/UTC or Asia/Seoul)")
        value, name = named("retention_days")
        problems += _int_problem(value, name, 1, MAX_RETENTION_DAYS, "days")
        value, name = named("start_window_minutes")
        problems += _int_problem(value, name, MIN_START_WINDOW, MAX_WINDOW, "minutes (AWS Backup: at least 60)")
        value, name = named("completion_window_minutes")
        problems += _int_problem(value, name, 1, MAX_WINDOW, "minutes")
        selected = 0
        for field, (target, names) in stores.items():
            keys = entry.get(field)
            if keys is None:
                selected += len(names)
                continue
            if not is_list(keys):
                problems.append(f"{where}.{field}: must be a list of entries of {target} (by suffix or name)")
                continue
            for position, key in enumerate(keys):
                if str(key) not in names:
                    problems.append(f"{where}.{field}[{position}]: '{key}' is not an entry of {target} (entries: "
                                    f"{', '.join(names) or 'none'})")
            selected += len(keys)
        if selected == 0:
            problems.append(f"{where}: selects no RDS instance and no Aurora cluster (platform_rds_instances and "
                            "platform_aurora_clusters are empty, or the entry lists none): remove the plan or name "
                            "the stores it backs up")
    return problems


def _zone_ok(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def backup_resource_arns(spec: Mapping[str, Any], partition: str, region: str, account: str) -> list[str]:
    """The ARNs of the stores a plan's selection names (``arn:<partition>:rds:<region>:<account>:db:<id>`` for
    instances, ``...:cluster:<id>`` for Aurora clusters), sorted: AWS Backup and Prowler's
    ``rds_instance_protected_by_backup_plan`` match a selection's ``Resources`` by these exact ARNs."""
    base = f"arn:{partition}:rds:{region}:{account}"
    return sorted([f"{base}:db:{i}" for i in spec.get("rds_instances") or []]
                  + [f"{base}:cluster:{c}" for c in spec.get("aurora_clusters") or []])


def backup_plans_differing(specs: Sequence[Mapping[str, Any]], existing: Any, tags: Mapping[str, Any]) -> list[str]:
    """Names of the plans of ``specs`` that amazon.aws.backup_plan would change: missing from ``existing`` (the
    ``backup_plans`` of amazon.aws.backup_plan_info), or whose rules (without ``rule_id``), advanced settings or tags
    (``tags`` plus ``Name``: the plan name, as the role tags each plan) differ - the module's own comparison
    (``plan_update_needed`` + its tag compare with purge_tags). The module
    reports every tagged plan as changed in check mode without comparing its tags (amazon.aws 11.4
    ``tag_backup_plan``), so the role reports a plan changed in check mode only when it is listed here."""
    by_name = {p.get("backup_plan_name"): p for p in existing or [] if isinstance(p, Mapping)}
    out: list[str] = []
    for spec in specs:
        plan = by_name.get(spec["name"])
        if plan is None:
            out.append(spec["name"])
            continue
        document = plan.get("backup_plan") or {}
        rules = [{k: v for k, v in rule.items() if k != "rule_id"} for rule in document.get("rules") or []]
        if (json.dumps(rules, sort_keys=True) != json.dumps(spec["rules"], sort_keys=True)
                or (document.get("advanced_backup_settings") or []) != []
                or dict(plan.get("tags") or {}) != {**{str(k): str(v) for k, v in tags.items()}, "Name": spec["name"]}):
            out.append(spec["name"])
    return out
