# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Pure RDS/Aurora input checks for aws_rds and aws_aurora, usable before any AWS call.

Every function is free of Ansible and boto3 so the unit tests import it directly. The messages name
the variable they are about with the names the caller gives (role variable and the platform_* knob
it is mapped from).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.data_lists import (
    EntryKind,
    database_problems,
    database_specs,
    endpoint_secrets,
    list_problems,
    named_entries,
    resource_names,
    with_defaults,
    zone_problems,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.list_entries import integer_problem
from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_rules import (
    AURORA_ENGINES,
    DAY_MINUTES,
    DB_NAME_MYSQL,
    DB_NAME_PG,
    DEFAULT_PORTS,
    INSTANCE_CLASS,
    INSTANCE_ENGINES,
    MIN_WINDOW_MINUTES,
    RESERVED_USERNAMES,
    STORAGE_RANGES,
    USERNAME,
    WEEK_MINUTES,
    major_version,
    parse_backup_window,
    parse_maintenance_window,
    tls_parameters,
)

DOCUMENTATION = r"""
name: rds_problems
short_description: RDS and Aurora input checks - problems, window overlap, parameter group family, default port
description:
  - C(rds_problems) takes a dict of the instance settings and returns human-readable problems (empty
    list when valid) - engine and engine version, instance class format, storage size and storage
    autoscaling threshold, backup retention, backup/maintenance window format, length and overlap.
  - C(aurora_problems) does the same for a list of Aurora cluster definitions.
  - C(rds_windows_overlap) tells whether a daily backup window (C(hh24:mi-hh24:mi), UTC) and a weekly
    maintenance window (C(ddd:hh24:mi-ddd:hh24:mi), UTC) overlap. Windows that only touch
    (C(03:00-06:00) and C(mon:00:00-mon:03:00)) do not overlap, as in RDS.
  - C(rds_parameter_group_family) derives the parameter group family from engine and version
    (C(postgres) C(17.7) -> C(postgres17), C(aurora-postgresql) C(16.6) -> C(aurora-postgresql16),
    C(aurora-mysql) C(8.0.mysql_aurora.3.08.0) -> C(aurora-mysql8.0)).
positional: settings, names
options:
  _input:
    description: The settings (rds_problems), the cluster list (aurora_problems) or the backup window.
    type: raw
    required: true
  names:
    description: Variable name per setting, used in the messages.
    type: dict
"""

EXAMPLES = r"""
problems: >-
  {{ {'engine': 'postgres', 'engine_version': '17.7', 'allocated_storage': 20}
     | cloudops.eks_platform.rds_problems }}
overlap: "{{ '03:00-06:00' | cloudops.eks_platform.rds_windows_overlap('mon:00:00-mon:03:00') }}"
family: "{{ 'postgres' | cloudops.eks_platform.rds_parameter_group_family('17.7') }}"
"""

RETURN = r"""
_value:
  description: Problems found (empty list when valid), a bool (rds_windows_overlap) or a family name.
  type: raw
"""

def _length(start: int, end: int, period: int) -> int:
    return (end - start) % period


def _intervals(start: int, end: int, period: int) -> list[tuple[int, int]]:
    """Half-open intervals on [0, period) covering a possibly wrapping window."""
    if end > start:
        return [(start, end)]
    return [(start, period), (0, end)]


def rds_windows_overlap(backup_window: str, maintenance_window: str) -> bool:
    """Whether a daily backup window and a weekly maintenance window share at least one minute."""
    b_start, b_end = parse_backup_window(backup_window)
    m_start, m_end = parse_maintenance_window(maintenance_window)
    maint = _intervals(m_start, m_end, WEEK_MINUTES)
    for day in range(7):
        offset = day * DAY_MINUTES
        start = offset + b_start
        end = offset + b_start + _length(b_start, b_end, DAY_MINUTES)
        backup = _intervals(start % WEEK_MINUTES, end % WEEK_MINUTES, WEEK_MINUTES)
        for bs, be in backup:
            for ms, me in maint:
                if bs < me and ms < be:
                    return True
    return False


def window_problems(
    backup_window: str | None, maintenance_window: str | None, names: Mapping[str, str] | None = None
) -> list[str]:
    """Format, minimum length (30 min), maximum length (24 h for maintenance) and overlap."""
    names = dict(names or {})
    b_name = names.get("backup_window", "backup_window")
    m_name = names.get("maintenance_window", "maintenance_window")
    problems: list[str] = []
    backup = maint = None
    if backup_window:
        try:
            backup = parse_backup_window(backup_window)
        except ValueError as exc:
            problems.append(f"{b_name}: {exc}")
        else:
            if _length(*backup, DAY_MINUTES) < MIN_WINDOW_MINUTES:
                problems.append(f"{b_name}: '{backup_window}' must last at least {MIN_WINDOW_MINUTES} minutes")
    if maintenance_window:
        try:
            maint = parse_maintenance_window(maintenance_window)
        except ValueError as exc:
            problems.append(f"{m_name}: {exc}")
        else:
            length = _length(*maint, WEEK_MINUTES)
            if not MIN_WINDOW_MINUTES <= length <= DAY_MINUTES:
                problems.append(f"{m_name}: '{maintenance_window}' must last between {MIN_WINDOW_MINUTES} minutes "
                                "and 24 hours")
    if backup and maint and rds_windows_overlap(backup_window, maintenance_window):
        problems.append(
            f"{b_name} '{backup_window}' overlaps {m_name} '{maintenance_window}': RDS refuses overlapping "
            "backup and maintenance windows (adjacent windows such as 03:00-06:00 and mon:00:00-mon:03:00 are fine)"
        )
    return problems


def _major(engine: str, version: str) -> int | None:
    """Major version: postgres '17.7' -> 17; aurora-mysql '8.0.mysql_aurora.3.08.0' -> 8."""
    if not re.match(r"^\d", str(version)):
        return None
    return major_version(engine, version)[0]


def rds_parameter_group_family(engine: str, version: Any) -> str:
    """Parameter group family of an engine and version (see DOCUMENTATION)."""
    version = str(version)
    if engine == "aurora-mysql":
        match = re.match(r"^(\d+\.\d+)", version)
        if not match:
            raise ValueError(f"cannot derive a parameter group family from {engine} {version}")
        return f"aurora-mysql{match.group(1)}"
    major = _major(engine, version)
    if major is None:
        raise ValueError(f"cannot derive a parameter group family from {engine} {version}")
    return f"{engine}{major}"


def _version_problem(engine: str, version: Any, supported: Mapping[str, Sequence[int]], name: str) -> str | None:
    version = str(version)
    if engine == "aurora-mysql":
        pattern = r"^8\.0\.mysql_aurora\.3\.\d{2}\.\d+$"
        example = "8.0.mysql_aurora.3.08.0"
    else:
        pattern = r"^\d+\.\d+$"
        example = "17.7" if engine == "postgres" else "16.6"
    if not re.match(pattern, version):
        return f"{name}: '{version}' is not a valid {engine} engine version (e.g. {example})"
    major = _major(engine, version)
    allowed = tuple(supported.get(engine, ()))
    if major not in allowed:
        return (f"{name}: {engine} {version} is not supported: major versions "
                f"{', '.join(str(m) for m in allowed)}")
    return None


def _username_problems(username: Any, name: str) -> list[str]:
    """A master user name: a letter, then letters, digits and _ (at most 16), not reserved by the engine."""
    if not username or not USERNAME.match(str(username)):
        return [f"{name}: '{username}' must start with a letter and hold only letters, digits and _ (at most 16)"]
    if str(username).lower() in RESERVED_USERNAMES:
        return [f"{name}: '{username}' is reserved by the engine"]
    return []


def _port_problems(port: Any, name: str) -> list[str]:
    """A port, when given: a whole number, 1150-65535."""
    if port is None:
        return []
    problem = integer_problem(port)
    if problem:
        return [f"{name}: {problem}"]
    if not 1150 <= int(port) <= 65535:
        return [f"{name}: {port} is outside 1150-65535"]
    return []


#: Whole-number settings of a DB instance (the port has its own check, :func:`_port_problems`).
INSTANCE_NUMBERS = (
    "allocated_storage", "max_allocated_storage", "backup_retention_period", "performance_insights_retention_period",
)


def _whole_numbers(settings: Mapping[str, Any], keys: Sequence[str], name: Any) -> tuple[dict[str, int], list[str]]:
    """The settings of ``keys`` that are given and whole numbers, as ints, and one problem per setting that is not
    (``<name>: expected an integer, got '20GB'``); ``name(key)`` names a setting."""
    numbers: dict[str, int] = {}
    problems: list[str] = []
    for key in keys:
        value = settings.get(key)
        if value is None:
            continue
        problem = integer_problem(value)
        if problem:
            problems.append(f"{name(key)}: {problem}")
        else:
            numbers[key] = int(value)
    return numbers, problems


def rds_problems(settings: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[str]:
    """Problems of the settings of a standalone DB instance (empty list = valid).

    Keys read (all optional): engine, engine_version, supported_major_versions, instance_class,
    storage_type, allocated_storage, max_allocated_storage, backup_retention_period, backup_window,
    maintenance_window, db_name, master_username, port, performance_insights_retention_period.
    """
    names = dict(names or {})

    def n(key: str) -> str:
        return names.get(key, key)

    problems: list[str] = []
    engine = settings.get("engine", "postgres")
    supported = dict(INSTANCE_ENGINES)
    if settings.get("supported_major_versions"):
        supported[engine] = tuple(int(m) for m in settings["supported_major_versions"])
    if engine not in supported:
        problems.append(f"{n('engine')}: engine '{engine}' is not supported (one of {', '.join(supported)})")
    elif settings.get("engine_version") is not None:
        problem = _version_problem(engine, settings["engine_version"], supported, n("engine_version"))
        if problem:
            problems.append(problem)

    instance_class = settings.get("instance_class")
    if instance_class is not None and not INSTANCE_CLASS.match(str(instance_class)):
        problems.append(f"{n('instance_class')}: '{instance_class}' is not a DB instance class "
                        "(db.<family>.<size>, e.g. db.t4g.small)")

    storage_type = settings.get("storage_type", "gp3")
    if storage_type not in STORAGE_RANGES:
        problems.append(f"{n('storage_type')}: '{storage_type}' is not one of {', '.join(STORAGE_RANGES)}")
        low, high = STORAGE_RANGES["gp3"]
    else:
        low, high = STORAGE_RANGES[storage_type]
    # max_allocated_storage "" (or 0) means no storage autoscaling
    given = {k: v for k, v in settings.items() if not (k == "max_allocated_storage" and v == "")}
    numbers, number_problems = _whole_numbers(given, INSTANCE_NUMBERS, n)
    problems += number_problems
    allocated = numbers.get("allocated_storage")
    if allocated is not None and not low <= allocated <= high:
        problems.append(f"{n('allocated_storage')}: {allocated} GiB is outside {low}-{high} GiB ({storage_type})")
    max_int = numbers.get("max_allocated_storage")
    if max_int not in (None, 0):
        if max_int > high:
            problems.append(f"{n('max_allocated_storage')}: {max_int} GiB is above the {high} GiB maximum "
                            f"({storage_type})")
        elif allocated is not None:
            if max_int < allocated:
                problems.append(f"{n('max_allocated_storage')}: {max_int} GiB is below "
                                f"{n('allocated_storage')} ({allocated} GiB); use a threshold at least 10 % above "
                                "the allocated storage, or 0 (or the allocated size) for no storage autoscaling")
            elif allocated < max_int < allocated * 1.1:
                problems.append(f"{n('max_allocated_storage')}: {max_int} GiB must be at least 10 % above "
                                f"{n('allocated_storage')} ({allocated} GiB), or equal to it for no autoscaling")

    retention = numbers.get("backup_retention_period")
    if retention is not None and not 0 <= retention <= 35:
        problems.append(f"{n('backup_retention_period')}: {retention} is outside 0-35 days")

    problems += window_problems(settings.get("backup_window"), settings.get("maintenance_window"), names)

    pi = numbers.get("performance_insights_retention_period")
    if pi is not None and not (pi in (7, 731) or (pi % 31 == 0 and 31 <= pi <= 713)):
        problems.append(f"{n('performance_insights_retention_period')}: {pi} days is not 7, 731 or a "
                        "multiple of 31 up to 713")

    db_name = settings.get("db_name")
    if db_name and not DB_NAME_PG.match(str(db_name)):
        problems.append(f"{n('db_name')}: '{db_name}' must start with a letter and hold only letters, digits and "
                        "_ (at most 63)")
    if settings.get("master_username") is not None:
        problems += _username_problems(settings["master_username"], n("master_username"))
    return problems + _port_problems(settings.get("port"), n("port"))


def aurora_problems(
    clusters: Sequence[Mapping[str, Any]],
    names: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
) -> list[str]:
    """Problems of a list of Aurora cluster entries (empty list = valid).

    Each entry: suffix or name (exactly one), engine (aurora-postgresql | aurora-mysql), engine_version,
    instance_class, readers (0-15), availability_zones (one per instance, writer first), database_name,
    master_username, port, backup_window, maintenance_window, backup_retention_period, parameters (dict),
    databases / extensions (per-service databases, PostgreSQL only). ``defaults`` supplies the windows and
    retention when an entry has none. ``names['clusters']`` names the list variable (default
    platform_aurora_clusters). ``context``: platform_name, region, azs (the subnets' zones), secrets
    (platform_secrets: the endpoint secrets that point at a cluster).
    """
    defaults = dict(defaults or {})
    context = dict(context or {})

    def cluster_problems(cluster: Mapping[str, Any], where: str) -> list[str]:
        problems: list[str] = []
        engine = cluster.get("engine")
        if engine not in AURORA_ENGINES:
            problems.append(f"{where}.engine: '{engine}' is not one of {', '.join(AURORA_ENGINES)}")
        elif cluster.get("engine_version") is None:
            problems.append(f"{where}.engine_version is required")
        else:
            problem = _version_problem(engine, cluster["engine_version"], AURORA_ENGINES, f"{where}.engine_version")
            if problem:
                problems.append(problem)
        instance_class = cluster.get("instance_class")
        if not instance_class or not (INSTANCE_CLASS.match(str(instance_class)) or instance_class == "db.serverless"):
            problems.append(f"{where}.instance_class: '{instance_class}' is not a DB instance class "
                            "(db.<family>.<size>, e.g. db.r6g.large)")
        numbers, number_problems = _whole_numbers(
            {"readers": cluster.get("readers", 1),
             "backup_retention_period": cluster.get("backup_retention_period",
                                                    defaults.get("backup_retention_period"))},
            ("readers", "backup_retention_period"), lambda key: f"{where}.{key}")
        problems += number_problems
        readers = numbers.get("readers")
        if readers is not None and not 0 <= readers <= 15:
            problems.append(f"{where}.readers: must be 0-15 (got {readers})")
        zones = cluster.get("availability_zones")
        if zones is not None:
            zone_list = zones if isinstance(zones, Sequence) and not isinstance(zones, (str, bytes)) else None
            if zone_list is not None and readers is not None and len(zone_list) != readers + 1:
                problems.append(f"{where}.availability_zones: {len(zone_list)} zone(s) for {readers + 1} instance(s) "
                                "(one per instance, the writer first)")
            problems += zone_problems(zones, f"{where}.availability_zones", context.get("region"), context.get("azs"))
        db_name = cluster.get("database_name")
        pattern = DB_NAME_MYSQL if engine == "aurora-mysql" else DB_NAME_PG
        if db_name and not pattern.match(str(db_name)):
            problems.append(f"{where}.database_name: '{db_name}' must start with a letter and hold only letters, "
                            "digits and _")
        username = cluster.get("master_username")
        problems += _username_problems(username, f"{where}.master_username")
        problems += _port_problems(cluster.get("port"), f"{where}.port")
        retention = numbers.get("backup_retention_period")
        if retention is not None and not 1 <= retention <= 35:
            problems.append(f"{where}.backup_retention_period: {retention} is outside 1-35 days")
        parameters = cluster.get("parameters", {})
        if not isinstance(parameters, Mapping):
            problems.append(f"{where}.parameters: must be a dict of parameter name to value")
        elif engine in AURORA_ENGINES:
            problems += tls_parameters(str(engine), parameters,
                                       cluster.get("require_tls", defaults.get("require_tls", True)), where)[1]
        problems += window_problems(
            cluster.get("backup_window", defaults.get("backup_window")),
            cluster.get("maintenance_window", defaults.get("maintenance_window")),
            {"backup_window": f"{where}.backup_window", "maintenance_window": f"{where}.maintenance_window"},
        )
        problems += database_problems(cluster, where, str(engine), username)
        return problems

    label = dict(names or {}).get("clusters", "platform_aurora_clusters")
    return list_problems(clusters, AURORA_CLUSTERS, label, context, cluster_problems)


def rds_default_port(engine: str) -> int:
    return DEFAULT_PORTS.get(engine, 5432)


# --- list entries: platform_rds_instances, platform_aurora_clusters, per-service databases ---------------------
#: RDS identifiers (DB instances and clusters): a letter, then letters, digits, single hyphens; no trailing hyphen.
IDENTIFIER = re.compile(r"^(?!.*--)[a-z][a-z0-9-]*(?<!-)$")
IDENTIFIER_RULE = "a letter, then lowercase letters, digits and single hyphens, not ending with a hyphen"
#: Fields of a platform_rds_instances entry that fall back to a role input (aws_rds_<field>) when left out.
INSTANCE_DEFAULTED = (
    "engine", "storage_type", "port", "parameters", "require_tls", "multi_az", "final_snapshot", "deletion_protection",
    "backup_retention_period", "backup_window", "maintenance_window", "allowed_security_group_names",
    "performance_insights_retention_period",
)
INSTANCE_REQUIRED = ("engine_version", "instance_class", "allocated_storage", "master_username")
#: Every field of a platform_rds_instances entry (README of aws_rds).
INSTANCE_FIELDS = (
    "suffix", "name", "engine_version", "instance_class", "allocated_storage", "max_allocated_storage",
    "availability_zone", "db_name", "master_username", "security_group_name", "parameter_group_name",
    "databases", "extensions", *INSTANCE_DEFAULTED,
)
#: Every field of a platform_aurora_clusters entry (README of aws_aurora).
CLUSTER_FIELDS = (
    "suffix", "name", "engine", "engine_version", "instance_class", "readers", "availability_zones",
    "database_name", "master_username", "port", "parameters", "require_tls", "log_exports", "backup_retention_period",
    "backup_window", "maintenance_window", "final_snapshot", "deletion_protection", "databases", "extensions",
)
RDS_INSTANCES = EntryKind(
    source="rds_instance", what="RDS instance entries", pattern=IDENTIFIER, rule=IDENTIFIER_RULE, max_length=63,
    fields=INSTANCE_FIELDS, required=INSTANCE_REQUIRED,
)
AURORA_CLUSTERS = EntryKind(
    source="aurora_cluster", what="cluster definitions", pattern=IDENTIFIER, rule=IDENTIFIER_RULE, max_length=63,
    fields=CLUSTER_FIELDS,
)
INSTANCE_CHECKED = (
    "engine", "engine_version", "instance_class", "storage_type", "allocated_storage", "max_allocated_storage",
    "backup_retention_period", "backup_window", "maintenance_window", "performance_insights_retention_period",
    "db_name", "master_username", "port",
)


def data_resource_names(entries: Any, prefix: str) -> dict[str, str]:
    """Entry (its suffix, else its name) -> full name (<prefix>-<suffix>, or the exact name)."""
    return resource_names(entries, prefix)


def _family(engine: str, version: Any) -> str | None:
    try:
        return rds_parameter_group_family(engine, version)
    except (ValueError, TypeError):
        return None


def rds_instance_specs(instances: Any, names: Mapping[str, str], defaults: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every derived value of each platform_rds_instances entry, for the aws_rds tasks.

    ``names``: entry key -> instance identifier (group_vars platform_rds_instance_names). ``defaults``: the role
    inputs entries fall back to (engine, port, parameters, windows, ...) and ``name`` (the aws_rds_name prefix of
    the descriptions). Security group ``<identifier>-sg`` and parameter group ``<identifier>-<family>`` unless the
    entry names them (``parameter_group_name`` may hold ``{family}``).
    """
    specs: list[dict[str, Any]] = []
    for key, identifier, entry in named_entries(instances, names, str(defaults.get("platform_name", ""))):
        spec = with_defaults(entry, defaults, INSTANCE_DEFAULTED)
        family = _family(spec.get("engine", "postgres"), spec.get("engine_version")) or "unknown"
        pg_name = str(entry.get("parameter_group_name") or f"{identifier}-{{family}}").replace("{family}", family)
        spec.update(
            key=key,
            identifier=identifier,
            family=family,
            security_group=entry.get("security_group_name") or f"{identifier}-sg",
            security_group_description=f"{defaults.get('name', identifier)} RDS PostgreSQL",
            parameter_group=pg_name,
            parameter_group_description=(f"{defaults.get('name', identifier)} {spec.get('engine', 'postgres')} "
                                         f"{str(spec.get('engine_version', '')).split('.')[0]} parameters"),
            max_allocated_storage=int(spec.get("max_allocated_storage") or 0),
            databases=database_specs(entry),
            parameters=tls_parameters(spec.get("engine", "postgres"), spec.get("parameters"),
                                      spec.get("require_tls", True), identifier)[0],
        )
        specs.append(spec)
    return specs


def rds_instances_problems(
    instances: Any, defaults: Mapping[str, Any] | None = None, context: Mapping[str, Any] | None = None
) -> list[str]:
    """Problems of platform_rds_instances (empty list = valid): names, the instance rules of :func:`rds_problems`
    per entry (a setting left out of an entry is named by its role input), zones, databases, and the endpoint
    secrets of platform_secrets that point at an RDS instance.

    ``context``: platform_name, region, azs (the subnets' zones), secrets (platform_secrets), role_names (setting
    -> role input name for settings an entry leaves out), label (default platform_rds_instances).
    """
    defaults = dict(defaults or {})
    context = dict(context or {})
    role_names = dict(context.get("role_names") or {})

    def instance_problems(entry: Mapping[str, Any], where: str) -> list[str]:
        settings = with_defaults(entry, defaults, INSTANCE_DEFAULTED)
        if "supported_major_versions" in defaults:
            settings["supported_major_versions"] = defaults["supported_major_versions"]
        names = {f: (f"{where}.{f}" if f in entry else role_names.get(f, f"{where}.{f}")) for f in INSTANCE_CHECKED}
        problems = rds_problems({k: settings.get(k) for k in INSTANCE_CHECKED if settings.get(k) is not None}
                                | ({"supported_major_versions": settings["supported_major_versions"]}
                                   if "supported_major_versions" in settings else {}), names)
        if entry.get("availability_zone") is not None:
            if entry.get("multi_az"):
                problems.append(f"{where}.availability_zone: a Multi-AZ instance (multi_az: true) is placed by RDS; "
                                "leave the zone out")
            problems += zone_problems([entry["availability_zone"]], f"{where}.availability_zone",
                                      context.get("region"), context.get("azs"))
        for field in ("security_group_name", "parameter_group_name"):
            value = entry.get(field)
            if value is not None and not re.match(r"^[A-Za-z][A-Za-z0-9{}_.-]{0,254}$", str(value)):
                problems.append(f"{where}.{field}: '{value}' is not a valid name")
        problems += tls_parameters(settings.get("engine", "postgres"), settings.get("parameters"),
                                   settings.get("require_tls", True), where)[1]
        return problems + database_problems(entry, where, settings.get("engine", "postgres"),
                                            entry.get("master_username"))

    label = context.get("label", "platform_rds_instances")
    return list_problems(instances, RDS_INSTANCES, label, context, instance_problems)


def aurora_cluster_specs(clusters: Any, names: Mapping[str, str], defaults: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every derived value of each platform_aurora_clusters entry, for the aws_aurora tasks: identifier (from
    ``names``, group_vars platform_aurora_cluster_names), family, port, security group ``<id>-sg``, cluster
    parameter group ``<id>-<family>``, members ``<id>-1`` (writer of a new cluster), ``-2``... each with its zone
    when the entry gives ``availability_zones``."""
    specs: list[dict[str, Any]] = []
    for key, identifier, c in named_entries(clusters, names, str(defaults.get("platform_name", ""))):
        engine = c.get("engine", "aurora-postgresql")
        family = _family(engine, c.get("engine_version")) or "unknown"
        zones = list(c.get("availability_zones") or [])
        members = []
        for n in range(1, int(c.get("readers", 1)) + 2):
            member: dict[str, Any] = {"db_instance_identifier": f"{identifier}-{n}"}
            if len(zones) >= n:
                member["availability_zone"] = zones[n - 1]
            members.append(member)
        specs.append({
            "key": key, "id": identifier, "engine": engine, "engine_version": str(c.get("engine_version")),
            "family": family, "port": int(c.get("port") or rds_default_port(engine)),
            "security_group": f"{identifier}-sg", "parameter_group": f"{identifier}-{family.replace('.', '-')}",
            "parameters": tls_parameters(engine, c.get("parameters") or {},
                                         c.get("require_tls", defaults.get("require_tls", True)), identifier)[0],
            "instance_class": c.get("instance_class"),
            "instances": members, "database_name": c.get("database_name"),
            "master_username": c.get("master_username"),
            "log_exports": list(c.get("log_exports") or defaults.get("log_exports", {}).get(engine, [])),
            "backup_retention_period": int(
                c.get("backup_retention_period", defaults.get("backup_retention_period", 7))),
            "backup_window": c.get("backup_window", defaults.get("backup_window")),
            "maintenance_window": c.get("maintenance_window", defaults.get("maintenance_window")),
            "final_snapshot": bool(c.get("final_snapshot", defaults.get("final_snapshot", False))),
            "deletion_protection": bool(c.get("deletion_protection", defaults.get("deletion_protection", False))),
            "databases": database_specs(c),
        })
    return specs


def database_targets(
    instance_specs: Sequence[Mapping[str, Any]], cluster_specs: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Where aws_databases creates databases: each RDS instance and Aurora PostgreSQL cluster with databases.
    [{kind: instance|cluster, id, owner, databases: [{name, extensions}]}]."""
    targets = [{"kind": "instance", "id": s["identifier"], "owner": s.get("master_username"),
                "databases": list(s["databases"])} for s in instance_specs if s.get("databases")]
    targets += [{"kind": "cluster", "id": s["id"], "owner": s.get("master_username"),
                 "databases": list(s["databases"])} for s in cluster_specs if s.get("databases")]
    return targets


def data_endpoint_secrets(secrets: Any, kind: str, keys: Any, secret_prefix: str) -> list[dict[str, Any]]:
    """The endpoint secrets of platform_secrets whose source (rds_instance, aurora_cluster, redis_group) names one
    of ``keys`` (a list of entry keys or the names mapping): [{name, description, source, endpoint}]."""
    return endpoint_secrets(secrets, kind, list(keys or []), secret_prefix)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "rds_problems": rds_problems,
            "aurora_problems": aurora_problems,
            "rds_windows_overlap": rds_windows_overlap,
            "rds_window_problems": window_problems,
            "rds_parameter_group_family": rds_parameter_group_family,
            "rds_default_port": rds_default_port,
            "data_resource_names": data_resource_names,
            "rds_instance_specs": rds_instance_specs,
            "rds_instances_problems": rds_instances_problems,
            "aurora_cluster_specs": aurora_cluster_specs,
            "database_targets": database_targets,
            "data_endpoint_secrets": data_endpoint_secrets,
        }
