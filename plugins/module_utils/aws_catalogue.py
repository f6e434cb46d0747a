# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""The inventory values that AWS's own catalogue decides, compared with what AWS's read calls answer: zones of the
region, RDS / Aurora engine versions, orderable instance classes and storage types, parameter group families, log
exports, parameter names and values, PostgreSQL extensions, ElastiCache engine versions, node types and cache
parameters. Used by the module ``aws_catalogue_preflight``. Pure: no boto3, no Ansible; every AWS answer comes
through one ``read(what, *key)`` callable (:class:`Reads` memoises it, so each call is made once per run).

Reads (``what``, key -> answer, as the AWS API returns it):

* ``zones`` -> [zone name] (ec2 DescribeAvailabilityZones)
* ``rds_engine_versions``, engine -> [DBEngineVersion] (rds DescribeDBEngineVersions Engine=...)
* ``rds_orderable``, engine, version -> [OrderableDBInstanceOption] (rds DescribeOrderableDBInstanceOptions)
* ``rds_default_parameters``, family -> [Parameter] (rds DescribeEngineDefaultParameters)
* ``rds_default_cluster_parameters``, family -> [Parameter] (rds DescribeEngineDefaultClusterParameters)
* ``cache_engine_versions``, engine -> [CacheEngineVersion] (elasticache DescribeCacheEngineVersions)
* ``cache_node_type``, node type -> [ReservedCacheNodesOffering] (elasticache DescribeReservedCacheNodesOfferings
  CacheNodeType=...: no read call lists the node types themselves; a node type with no offering in the region
  is one ElastiCache does not have there)
* ``cache_default_parameters``, family -> [Parameter] (elasticache DescribeEngineDefaultParameters, the
  node-type-specific ones included)

Every problem is one line that starts with the inventory variable, the entry's index and name and the field
(``platform_rds_instances[0] (postgres).instance_class``), then the value and what AWS allows.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

#: Variable names used in the messages, by input; the module's ``labels`` option overrides them.
LABELS: dict[str, str] = {
    "region": "platform_region",
    "azs": "platform_azs",
    "rds_instances": "platform_rds_instances",
    "aurora_clusters": "platform_aurora_clusters",
    "elasticache": "platform_redis_groups",
    # role inputs that supply what an entry leaves out
    "rds_engine": "aws_rds_engine",
    "rds_storage_type": "aws_rds_storage_type",
    "rds_parameters": "aws_rds_parameters",
    "rds_log_exports": "aws_rds_cloudwatch_logs_exports",
    "elasticache_engine": "aws_elasticache_engine",
    "elasticache_parameters": "aws_elasticache_parameters",
}
#: What the roles use when neither the entry nor the defaults say (aws_rds, aws_aurora, aws_elasticache).
RDS_ENGINE = "postgres"
AURORA_ENGINE = "aurora-postgresql"
CACHE_ENGINE = "redis"
#: How many allowed values a message lists before "..." (the closest ones first).
SHOWN = 12

Read = Callable[..., Any]


class Reads:
    """``read(what, *key)`` over ``fetchers[what](*key)``, each (what, key) fetched once; ``calls`` in order."""

    def __init__(self, fetchers: Mapping[str, Callable[..., Any]]) -> None:
        self._fetchers = fetchers
        self._memo: dict[tuple[Any, ...], Any] = {}
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, what: str, *key: Any) -> Any:
        index = (what, *key)
        if index not in self._memo:
            self.calls.append(index)
            self._memo[index] = self._fetchers[what](*key)
        return self._memo[index]


# --- small helpers -------------------------------------------------------------------------------------------------
def is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def entry_where(label: str, index: int, entry: Mapping[str, Any]) -> str:
    """``platform_rds_instances[0] (postgres)``: the list, the index and the entry's suffix or name."""
    key = entry.get("suffix") or entry.get("name")
    return f"{label}[{index}] ({key})" if key else f"{label}[{index}]"


def field_path(where: str, field: str, entry: Mapping[str, Any], role_input: str) -> str:
    """The entry's field, or the role input that supplies it when the entry leaves it out."""
    if entry.get(field) is not None:
        return f"{where}.{field}"
    return f"{role_input} (used by {where}, which leaves {field} out)"


def version_key(version: Any) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", str(version)))


def shown(values: Sequence[str], near: str | None = None, limit: int = SHOWN) -> str:
    """Up to ``limit`` of ``values`` (the closest to ``near`` first), then '...' when more exist."""
    values = list(dict.fromkeys(values))
    if near:
        close = difflib.get_close_matches(str(near), values, n=limit, cutoff=0.5)
        values = close + [v for v in values if v not in close]
    head = values[:limit]
    return ", ".join(head) + (", ..." if len(values) > limit else "")


def closest(value: str, values: Sequence[str]) -> str:
    """'; did you mean X?' when one of ``values`` is close to ``value``."""
    match = difflib.get_close_matches(str(value), list(values), n=1, cutoff=0.75)
    return f"; did you mean {match[0]}?" if match else ""


def rds_family(engine: str, version: Any) -> str | None:
    """The parameter group family the roles derive (plugins/filter/rds.py rds_parameter_group_family): aurora-mysql
    '8.0.mysql_aurora.3.08.0' -> aurora-mysql8.0, others <engine><major> (postgres 17.7 -> postgres17)."""
    text = str(version)
    if engine == "aurora-mysql":
        match = re.match(r"^(\d+\.\d+)", text)
        return f"aurora-mysql{match.group(1)}" if match else None
    match = re.match(r"^(\d+)", text)
    return f"{engine}{match.group(1)}" if match else None


def cache_family(engine: str, version: Any) -> str | None:
    """The cache parameter group family the role derives (plugins/filter/elasticache.py): redis/valkey 7+ ->
    <engine><major>, redis 6.x -> redis6.x, redis 5.0.6 -> redis5.0."""
    parts = version_key(version)
    if not parts:
        return None
    if engine == "valkey" or parts[0] >= 7:
        return f"{engine}{parts[0]}"
    if parts[0] == 6:
        return "redis6.x"
    return f"redis{parts[0]}.{parts[1] if len(parts) > 1 else 0}"


# --- parameter values against AllowedValues ------------------------------------------------------------------------
_NUMBER = re.compile(r"^-?\d+$")
_RANGE = re.compile(r"^(-?\d+)-(-?\d+)?$")
_WORD = re.compile(r"^[A-Za-z0-9_.:/+ -]+$")


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if _NUMBER.match(text) else None


def _in_ranges(number: int, allowed: str) -> bool | None:
    """Whether ``number`` is in AWS's ``AllowedValues`` of an integer ('0-100', '0,20-', '-1-2147483647');
    None when the text is not such a list."""
    found = False
    for alternative in (a.strip() for a in allowed.split(",")):
        if _NUMBER.match(alternative):
            found = found or number == int(alternative)
            continue
        match = _RANGE.match(alternative)
        if not match:
            return None
        low, high = int(match.group(1)), match.group(2)
        found = found or (number >= low and (high is None or number <= int(high)))
    return found


def value_problem(parameter: Mapping[str, Any], value: Any) -> str | None:
    """Why ``value`` is not allowed for the parameter AWS describes (None: allowed, or not checkable - formulas
    such as {DBInstanceClassMemory/32768}, free text, patterns)."""
    allowed = parameter.get("AllowedValues")
    kind = str(parameter.get("DataType") or "").lower()
    if not allowed or isinstance(value, (bool, dict, list)) or "{" in str(value):
        return None
    allowed = str(allowed)
    if kind == "integer":
        number = _int(value)
        if number is None:
            return f"{value!r} is not an integer (allowed: {allowed})"
        inside = _in_ranges(number, allowed)
        return None if inside in (None, True) else f"{value} is outside the allowed values {allowed}"
    if kind not in ("string", "list", "boolean"):
        return None
    choices = [a.strip() for a in allowed.split(",")]
    if len(choices) < 2 or not all(_WORD.match(c) for c in choices) or _RANGE.match(allowed.strip()):
        return None
    lowered = {c.lower() for c in choices}
    items = [i.strip() for i in str(value).split(",")] if kind == "list" else [str(value).strip()]
    bad = [i for i in items if i and i.lower() not in lowered]
    if bad:
        return f"{', '.join(bad)} is not among the allowed values ({shown(choices, bad[0])})"
    return None


def parameter_problems(
    path: str, parameters: Any, defaults: Sequence[Mapping[str, Any]], family: str, service: str
) -> list[str]:
    """Each parameter name exists in the family's defaults and its value is allowed."""
    if not isinstance(parameters, Mapping) or not parameters:
        return []
    known = {str(p.get("ParameterName")): p for p in defaults if p.get("ParameterName")}
    problems: list[str] = []
    for name, value in parameters.items():
        if str(name) not in known:
            problems.append(f"{path}.{name}: not a parameter of the {service} family {family}"
                            f"{closest(str(name), list(known)) or ' (' + str(len(known)) + ' parameters known)'}")
            continue
        if known[str(name)].get("IsModifiable") is False:
            problems.append(f"{path}.{name}: cannot be changed (AWS sets it; IsModifiable false in {family})")
            continue
        problem = value_problem(known[str(name)], value)
        if problem:
            problems.append(f"{path}.{name}: {problem}")
    return problems


# --- zones ---------------------------------------------------------------------------------------------------------
def zone_refs(inputs: Mapping[str, Any], labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """(path, zone) of every zone written in the inventory: platform_azs and the zones of the data entries."""
    refs: list[tuple[str, str]] = []
    azs = inputs.get("azs")
    if is_list(azs):
        refs += [(f"{labels['azs']}[{i}]", str(z)) for i, z in enumerate(azs) if isinstance(z, str)]
    for key, field in (("rds_instances", "availability_zone"), ("aurora_clusters", "availability_zones"),
                       ("elasticache", "preferred_zones")):
        entries = inputs.get(key)
        for index, entry in enumerate(entries if is_list(entries) else []):
            if not isinstance(entry, Mapping) or entry.get(field) is None:
                continue
            where = entry_where(labels[key], index, entry)
            value = entry[field]
            if isinstance(value, str) and field == "availability_zone":
                refs.append((f"{where}.{field}", value))
            elif is_list(value):
                refs += [(f"{where}.{field}[{i}]", str(z)) for i, z in enumerate(value) if isinstance(z, str)]
    return refs


def zone_problems(inputs: Mapping[str, Any], read: Read, labels: Mapping[str, str]) -> list[str]:
    refs = zone_refs(inputs, labels)
    if not refs:
        return []
    region = str(inputs.get("region"))
    zones = sorted(read("zones"))
    problems = []
    for path, zone in refs:
        if zone not in zones:
            other = re.match(r"^([a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$", zone)
            hint = (f" (a zone of {other.group(1)})" if other and other.group(1) != region else "")
            problems.append(f"{path}: {zone} is not an availability zone of {region} ({labels['region']}){hint}; "
                            f"its zones: {', '.join(zones)}")
    return problems


# --- RDS and Aurora ------------------------------------------------------------------------------------------------
def _versions_text(engine: str, version: str, versions: Sequence[str]) -> str:
    ordered = sorted(set(versions), key=version_key)
    major = version_key(version)[:1]
    same = [v for v in ordered if version_key(v)[:1] == major] if major else []
    if same:
        return f"{engine} {major[0]} versions: {', '.join(same)}"
    majors = sorted({version_key(v)[0] for v in ordered if version_key(v)})
    return f"major versions: {', '.join(str(m) for m in majors)}"


def _engine_version(
    where: str, engine: str, engine_path: str, version: Any, region: str, read: Read, service: str = "RDS"
) -> tuple[dict[str, Any] | None, list[str]]:
    """The DBEngineVersion of ``engine`` ``version``, or the problem saying it does not exist."""
    versions = read("rds_engine_versions", engine) or []
    if not versions:
        return None, [f"{engine_path}: {engine} is not an engine {service} offers in {region}"]
    for item in versions:
        if str(item.get("EngineVersion")) == str(version):
            return dict(item), []
    listed = [str(v.get("EngineVersion")) for v in versions]
    return None, [f"{where}.engine_version: {version} is not a {engine} version {service} offers in {region}; "
                  f"{_versions_text(engine, str(version), listed)}"]


def _class_problems(
    where: str, entry: Mapping[str, Any], engine: str, version: str, region: str, read: Read,
    storage: tuple[str, str] | None, zones: Sequence[tuple[str, str]],
) -> list[str]:
    """The instance class is orderable for engine + version (and the storage type, and in the zones)."""
    instance_class = entry.get("instance_class")
    if not isinstance(instance_class, str) or not instance_class:
        return []
    options = read("rds_orderable", engine, version) or []
    classes = sorted({str(o.get("DBInstanceClass")) for o in options}, key=_class_order)
    mine = [o for o in options if o.get("DBInstanceClass") == instance_class]
    if not mine:
        hint = ""
        if instance_class.startswith("cache."):
            hint = " (cache.* is an ElastiCache node type; RDS classes are db.*)"
        if not classes:
            return [f"{where}.instance_class: {instance_class} is not orderable for {engine} {version} in {region}: "
                    "RDS offers no instance class for it"]
        return [f"{where}.instance_class: {instance_class} is not orderable for {engine} {version} in {region}{hint}; "
                f"orderable classes include {shown(classes, instance_class)}"]
    problems = []
    if storage is not None:
        path, storage_type = storage
        types = sorted({str(o.get("StorageType")) for o in mine if o.get("StorageType")})
        if types and storage_type not in types:
            problems.append(f"{path}: {storage_type} storage is not orderable with {instance_class} for {engine} "
                            f"{version}; storage types: {', '.join(types)}")
    offered = sorted({str(z.get("Name")) for o in mine for z in (o.get("AvailabilityZones") or []) if z.get("Name")})
    for path, zone in zones:
        if offered and zone.startswith(region) and zone not in offered:
            problems.append(f"{path}: {instance_class} ({engine} {version}) is not orderable in {zone}; zones: "
                            f"{', '.join(offered)}")
    return problems


def _class_order(name: str) -> tuple[Any, ...]:
    """db.t4g.micro < db.t4g.small < db.t4g.medium < db.t4g.large < db.t4g.xlarge < db.t4g.2xlarge."""
    parts = name.split(".")
    size = parts[-1] if len(parts) > 2 else ""
    sizes = ["nano", "micro", "small", "medium", "large", "xlarge"]
    number = version_key(size)
    rank = sizes.index(size) if size in sizes else len(sizes) + (number[0] if number else 0)
    return (".".join(parts[:-1]), rank, name)


def extension_refs(where: str, entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(path, extension) of the entry's ``extensions`` and of its ``databases`` given as {name, extensions}."""
    refs: list[tuple[str, str]] = []
    common = entry.get("extensions")
    if is_list(common):
        refs += [(f"{where}.extensions[{i}]", str(e)) for i, e in enumerate(common)]
    databases = entry.get("databases")
    for position, item in enumerate(databases if is_list(databases) else []):
        if isinstance(item, Mapping) and is_list(item.get("extensions")):
            label = f"{where}.databases[{position}] ({item.get('name')})"
            refs += [(f"{label}.extensions[{i}]", str(e)) for i, e in enumerate(item["extensions"])]
    return refs


def supported_extensions(defaults: Sequence[Mapping[str, Any]]) -> list[str] | None:
    """The extensions the engine version supports: the ``rds.extensions`` parameter of its default parameter
    group (AllowedValues, else its value; RDS documents the list there). None when the family has no such
    parameter."""
    for parameter in defaults:
        if parameter.get("ParameterName") == "rds.extensions":
            text = parameter.get("AllowedValues") or parameter.get("ParameterValue") or ""
            return sorted({e.strip() for e in str(text).split(",") if e.strip()})
    return None


def _extension_problems(
    refs: Sequence[tuple[str, str]], engine: str, version: str, family: str, defaults: Sequence[Mapping[str, Any]],
    read: Read, cluster: bool,
) -> list[str]:
    if not refs:
        return []
    supported = supported_extensions(defaults)
    if supported is None and cluster:  # Aurora: the instance-level defaults of the same family
        supported = supported_extensions(read("rds_default_parameters", family) or [])
    if supported is None:
        return []
    return [f"{path}: {ext} is not an extension {engine} {version} supports (rds.extensions of {family})"
            f"{closest(ext, supported)}; supported include {shown(supported, ext)}"
            for path, ext in refs if ext not in supported]


def rds_instance_problems(
    where: str, entry: Mapping[str, Any], defaults: Mapping[str, Any], region: str, read: Read,
    labels: Mapping[str, str],
) -> list[str]:
    """One platform_rds_instances entry against RDS's catalogue."""
    engine = str(entry.get("engine") or defaults.get("engine") or RDS_ENGINE)
    version = entry.get("engine_version")
    if version is None or isinstance(version, (dict, list, bool)):
        return []  # the shape checks report it
    version = str(version)
    found, problems = _engine_version(where, engine, field_path(where, "engine", entry, labels["rds_engine"]),
                                      version, region, read)
    if found is None:
        return problems
    family, derived = _family_check(where, engine, version, found, problems)
    storage_type = entry.get("storage_type") or defaults.get("storage_type")
    storage = None
    if isinstance(storage_type, str) and storage_type:
        storage = (field_path(where, "storage_type", entry, labels["rds_storage_type"]), storage_type)
    zone = entry.get("availability_zone")
    zones = [(f"{where}.availability_zone", zone)] if isinstance(zone, str) else []
    problems += _class_problems(where, entry, engine, version, region, read, storage, zones)
    problems += _export_problems(f"{labels['rds_log_exports']} (used by {where})", defaults.get("log_exports"),
                                 found, engine, version)
    parameters = entry.get("parameters") if entry.get("parameters") is not None else defaults.get("parameters")
    refs = extension_refs(where, entry) if "postgres" in engine else []
    if (isinstance(parameters, Mapping) and parameters) or refs:
        family = family or derived or ""
        params = read("rds_default_parameters", family) or []
        path = (f"{where}.parameters" if entry.get("parameters") is not None
                else f"{labels['rds_parameters']} (used by {where}, which leaves parameters out)")
        problems += parameter_problems(path, parameters, params, family, "RDS")
        problems += _extension_problems(refs, engine, version, family, params, read, cluster=False)
    return problems


def _family_check(where: str, engine: str, version: str, found: Mapping[str, Any],
                  problems: list[str]) -> tuple[str, str | None]:
    """The family AWS reports for the version and the one the role derives; a line in ``problems`` when they differ."""
    family = str(found.get("DBParameterGroupFamily") or "")
    derived = rds_family(engine, version)
    if family and derived and family != derived:
        problems.append(f"{where}.engine_version: {engine} {version} belongs to the parameter group family {family}, "
                        f"not {derived} (the family the role derives)")
    return family, derived


def _export_problems(path: str, exports: Any, found: Mapping[str, Any], engine: str, version: str) -> list[str]:
    """The log types of ``exports`` the engine version cannot export (DescribeDBEngineVersions ExportableLogTypes)."""
    if not is_list(exports):
        return []
    exportable = [str(t) for t in found.get("ExportableLogTypes") or []]
    bad = [str(e) for e in exports if str(e) not in exportable]
    if not bad:
        return []
    return [f"{path}: {', '.join(bad)} cannot be exported by {engine} {version}; "
            f"exportable: {', '.join(exportable) or 'none'}"]


def aurora_cluster_problems(
    where: str, entry: Mapping[str, Any], region: str, read: Read, labels: Mapping[str, str]
) -> list[str]:
    """One platform_aurora_clusters entry against RDS's catalogue (cluster parameters, the members' class)."""
    engine = str(entry.get("engine") or AURORA_ENGINE)
    version = entry.get("engine_version")
    if version is None or isinstance(version, (dict, list, bool)):
        return []
    version = str(version)
    found, problems = _engine_version(where, engine, f"{where}.engine", version, region, read, "Aurora")
    if found is None:
        return problems
    family, derived = _family_check(where, engine, version, found, problems)
    zones = entry.get("availability_zones")
    refs = [(f"{where}.availability_zones[{i}]", str(z)) for i, z in enumerate(zones)] if is_list(zones) else []
    problems += _class_problems(where, entry, engine, version, region, read, None, refs)
    problems += _export_problems(f"{where}.log_exports", entry.get("log_exports"), found, engine, version)
    parameters = entry.get("parameters")
    ext_refs = extension_refs(where, entry) if "postgres" in engine else []
    if (isinstance(parameters, Mapping) and parameters) or ext_refs:
        family = family or derived or ""
        params = read("rds_default_cluster_parameters", family) or []
        problems += parameter_problems(f"{where}.parameters", parameters, params, family, "Aurora cluster")
        problems += _extension_problems(ext_refs, engine, version, family, params, read, cluster=True)
    return problems


# --- ElastiCache -----------------------------------------------------------------------------------------------------
def _cache_version(versions: Sequence[Mapping[str, Any]], version: str) -> dict[str, Any] | None:
    """The CacheEngineVersion that ``version`` names: exactly, or 7.1 for 7.1.0 / 6.x for 6.2."""
    for item in versions:
        if str(item.get("EngineVersion")) == version:
            return dict(item)
    for item in versions:
        listed = str(item.get("EngineVersion"))
        if listed.startswith(version + ".") or (version.endswith(".x") and listed.startswith(version[:-1])):
            return dict(item)
    return None


def cache_group_problems(
    where: str, entry: Mapping[str, Any], defaults: Mapping[str, Any], region: str, read: Read,
    labels: Mapping[str, str],
) -> list[str]:
    """One platform_redis_groups entry against ElastiCache's catalogue."""
    problems: list[str] = []
    engine = str(entry.get("engine") or defaults.get("engine") or CACHE_ENGINE)
    engine_path = field_path(where, "engine", entry, labels["elasticache_engine"])
    node_type = entry.get("node_type")
    if isinstance(node_type, str) and node_type:
        if not read("cache_node_type", node_type):
            hint = ""
            if node_type.startswith("db."):
                hint = f" ({node_type} is an RDS instance class; the node type would be cache.{node_type[3:]})"
            problems.append(f"{where}.node_type: {node_type} is not an ElastiCache node type offered in {region}"
                            f"{hint}; node types are cache.<family>.<size>, e.g. cache.t4g.small, cache.r7g.large "
                            "(DescribeReservedCacheNodesOfferings lists none for it)")
    version = entry.get("engine_version")
    if version is None or isinstance(version, (dict, list, bool)):
        return problems
    version = str(version)
    versions = read("cache_engine_versions", engine) or []
    if not versions:
        return problems + [f"{engine_path}: {engine} is not an engine ElastiCache offers in {region}"]
    found = _cache_version(versions, version)
    if found is None:
        listed = sorted({str(v.get("EngineVersion")) for v in versions}, key=version_key)
        return problems + [f"{where}.engine_version: {version} is not a {engine} version ElastiCache offers in "
                           f"{region}; versions: {', '.join(listed)}"]
    family = str(found.get("CacheParameterGroupFamily") or "")
    given = entry.get("parameter_group_family")
    if given is not None and family and str(given) != family:
        problems.append(f"{where}.parameter_group_family: {given} does not match {engine} {version}, whose family is "
                        f"{family}")
    elif given is None and family and cache_family(engine, version) != family:
        problems.append(f"{where}.engine_version: {engine} {version} belongs to the parameter group family {family}, "
                        f"not {cache_family(engine, version)} (the family the role derives); set "
                        f"{where}.parameter_group_family: {family}")
    parameters = entry.get("parameters") if entry.get("parameters") is not None else defaults.get("parameters")
    if isinstance(parameters, Mapping) and parameters and family:
        path = (f"{where}.parameters" if entry.get("parameters") is not None
                else f"{labels['elasticache_parameters']} (used by {where}, which leaves parameters out)")
        problems += parameter_problems(path, parameters, read("cache_default_parameters", family) or [], family,
                                       "ElastiCache")
    return problems


# --- the whole preflight -------------------------------------------------------------------------------------------
def preflight_problems(inputs: Mapping[str, Any], read: Read) -> list[str]:
    """Every problem of the inventory values AWS's catalogue decides (empty list: none). ``inputs``: region, azs,
    rds_instances, rds_defaults (engine, storage_type, parameters, log_exports), aurora_clusters, elasticache,
    elasticache_defaults (engine, parameters), labels (variable names, over :data:`LABELS`). Entries that are
    not dicts are skipped (the shape checks of validate_roles report them). No read is made for empty lists."""
    labels = {**LABELS, **dict(inputs.get("labels") or {})}
    region = str(inputs.get("region") or "")
    problems = zone_problems(inputs, read, labels)
    rds_defaults = dict(inputs.get("rds_defaults") or {})
    cache_defaults = dict(inputs.get("elasticache_defaults") or {})
    for key, check in (
        ("rds_instances", lambda w, e: rds_instance_problems(w, e, rds_defaults, region, read, labels)),
        ("aurora_clusters", lambda w, e: aurora_cluster_problems(w, e, region, read, labels)),
        ("elasticache", lambda w, e: cache_group_problems(w, e, cache_defaults, region, read, labels)),
    ):
        entries = inputs.get(key)
        for index, entry in enumerate(entries if is_list(entries) else []):
            if isinstance(entry, Mapping):
                problems += check(entry_where(labels[key], index, entry), entry)
    return problems
