# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""List entries of the data layer (platform_rds_instances, platform_aurora_clusters, platform_redis_groups):
naming (``suffix`` or exact ``name``), duplicate names, zones, the per-service databases of an entry and the
endpoint secrets of platform_secrets that point at an entry. Pure: no boto3, no Ansible. Used by the filters
``plugins/filter/rds.py`` and ``plugins/filter/elasticache.py``.

Every message names the inventory variable, the entry index and the field (``platform_redis_groups[1].suffix``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Unquoted PostgreSQL identifiers (per-service databases; lowercase, at most 63 bytes).
DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
#: Extension names as in pg_available_extensions (uuid-ossp has a hyphen).
EXTENSION_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
#: Availability zone names: <region><letter> (ap-northeast-2a); Local/Wavelength zones are not used here.
ZONE = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)([a-z])$")
#: Endpoint secret sources, by the list they point into.
SOURCE_KINDS = {"rds_instance": "platform_rds_instances", "aurora_cluster": "platform_aurora_clusters",
                "redis_group": "platform_redis_groups"}


def is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def entry_key(entry: Any) -> str | None:
    """How other entries refer to this one: its ``suffix``, else its ``name``."""
    if not isinstance(entry, Mapping):
        return None
    for key in ("suffix", "name"):
        if entry.get(key):
            return str(entry[key])
    return None


def full_name(entry: Mapping[str, Any], prefix: str) -> str | None:
    """``<prefix>-<suffix>``, or the exact ``name``."""
    if entry.get("suffix"):
        return f"{prefix}-{entry['suffix']}"
    if entry.get("name"):
        return str(entry["name"])
    return None


def resource_names(entries: Any, prefix: str) -> dict[str, str]:
    """Entry key (suffix or name) -> full resource name, for every entry that has one (never raises: bad entries
    are reported by :func:`naming_problems`)."""
    out: dict[str, str] = {}
    if not is_list(entries):
        return out
    for entry in entries:
        key = entry_key(entry)
        if key is not None:
            out.setdefault(key, full_name(entry, prefix) or key)
    return out


def with_defaults(entry: Mapping[str, Any], defaults: Mapping[str, Any], defaulted: Sequence[str]) -> dict[str, Any]:
    """The entry's settings (a None value counts as left out) over the role inputs ``defaults`` of the fields
    in ``defaulted``."""
    settings = {k: defaults[k] for k in defaulted if k in defaults}
    settings.update({k: v for k, v in entry.items() if v is not None})
    return settings


def named_entries(entries: Any, names: Mapping[str, str], prefix: str) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(key, resource name, entry) of each entry that has a key (suffix or name): the name given in ``names``
    (group_vars platform_*_names), else ``<prefix>-<suffix>`` or the exact ``name``."""
    for entry in entries if is_list(entries) else []:
        key = entry_key(entry)
        if key is not None:
            yield key, names.get(key) or full_name(entry, prefix) or key, entry


def naming_problems(entries: Sequence[Any], label: str, prefix: str, pattern: re.Pattern[str], rule: str,
                    max_length: int) -> list[str]:
    """Each entry gives exactly one of suffix / name; the full name follows ``pattern``; no two entries share a
    full name (nor a key other entries refer to them by)."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    keys: dict[str, int] = {}
    for index, entry in enumerate(entries):
        where = f"{label}[{index}]"
        if not isinstance(entry, Mapping):
            problems.append(f"{where}: must be a dict (suffix or name, and the settings)")
            continue
        given = [k for k in ("suffix", "name") if entry.get(k) not in (None, "")]
        if len(given) != 1:
            problems.append(f"{where}.suffix / {where}.name: give exactly one of them (suffix: the name is "
                            f"{prefix}-<suffix>; name: the exact name), got {' and '.join(given) or 'neither'}")
            continue
        field = given[0]
        name = full_name(entry, prefix) or ""
        if len(name) > max_length or not pattern.match(name):
            problems.append(f"{where}.{field}: the name '{name}' must be {rule} (at most {max_length} characters)")
        key = str(entry[field])
        if name in seen:
            problems.append(f"{where}.{field}: the name '{name}' is already used by {label}[{seen[name]}]")
        elif key in keys:
            problems.append(f"{where}.{field}: '{key}' is how {label}[{keys[key]}] is referred to already")
        seen.setdefault(name, index)
        keys.setdefault(key, index)
    return problems


def unknown_field_problems(entry: Mapping[str, Any], where: str, known: Sequence[str]) -> list[str]:
    """Fields the kind does not have (typos): each named, with the fields allowed."""
    unknown = sorted(str(k) for k in entry if k not in known)
    return [f"{where}.{field}: unknown field (fields: {', '.join(sorted(known))})" for field in unknown]


def zone_problems(zones: Any, where: str, region: str | None, subnet_zones: Sequence[str] | None) -> list[str]:
    """Zones must be a list of zone names of ``region``, each one a zone the subnets are in (``platform_azs``)."""
    if zones is None:
        return []
    if not is_list(zones):
        return [f"{where}: must be a list of availability zones"]
    problems: list[str] = []
    allowed = list(subnet_zones or [])
    for position, zone in enumerate(zones):
        match = ZONE.match(str(zone))
        if not match:
            problems.append(f"{where}[{position}]: '{zone}' is not an availability zone name "
                            f"(e.g. {region or 'us-east-1'}a)")
        elif region and match.group(1) != region:
            problems.append(f"{where}[{position}]: '{zone}' is not in the region {region} (platform_region)")
        elif allowed and zone not in allowed:
            problems.append(f"{where}[{position}]: '{zone}' is not one of the subnets' zones "
                            f"{', '.join(allowed)} (platform_azs)")
    return problems


def database_specs(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The entry's per-service databases as [{name, extensions}]: ``databases`` holds names (with the entry's
    ``extensions`` for each) or dicts {name, extensions}."""
    common = list(entry.get("extensions") or [])
    out = []
    for item in entry.get("databases") or []:
        if isinstance(item, Mapping):
            out.append({"name": item.get("name"), "extensions": list(item.get("extensions", common) or [])})
        else:
            out.append({"name": item, "extensions": common})
    return out


def database_problems(entry: Mapping[str, Any], where: str, engine: str, master_username: Any) -> list[str]:
    """Per-service databases of an entry: PostgreSQL engines only, unquoted identifiers, each once."""
    databases = entry.get("databases")
    problems: list[str] = []
    if databases is None:
        if entry.get("extensions"):
            problems.append(f"{where}.extensions: given without {where}.databases")
        return problems
    if not is_list(databases):
        return [f"{where}.databases: must be a list of database names or of {{name, extensions}}"]
    if databases and "postgres" not in engine:
        return [f"{where}.databases: per-service databases are created in PostgreSQL engines only ({engine})"]
    extensions = entry.get("extensions")
    if extensions is not None and not is_list(extensions):
        problems.append(f"{where}.extensions: must be a list of extension names")
    seen: set[str] = set()
    for position, spec in enumerate(database_specs(entry) if not problems else []):
        name, exts = spec["name"], spec["extensions"]
        if not DATABASE_NAME.match(str(name or "")):
            problems.append(f"{where}.databases[{position}]: '{name}' must be a lowercase unquoted PostgreSQL "
                            "identifier (^[a-z_][a-z0-9_]{0,62}$: letters a-z, digits, '_'; no '-', no capitals)")
        elif name in seen:
            problems.append(f"{where}.databases[{position}]: '{name}' is listed twice")
        seen.add(str(name))
        bad = [e for e in exts if not EXTENSION_NAME.match(str(e))]
        if bad:
            problems.append(f"{where}.databases[{position}] ({name}): extensions {bad} are not extension names "
                            "(e.g. uuid-ossp)")
    if databases and (not master_username or not DATABASE_NAME.match(str(master_username))):
        problems.append(f"{where}.master_username: '{master_username}' owns the databases and must match "
                        "^[a-z_][a-z0-9_]{0,62}$")
    return problems


def secret_full_name(secret: Mapping[str, Any], secret_prefix: str) -> str | None:
    """A platform_secrets entry's name: ``<prefix>/<suffix>``, or the exact ``name``."""
    if secret.get("suffix"):
        return f"{secret_prefix}/{secret['suffix']}"
    if secret.get("name"):
        return str(secret["name"])
    return None


def endpoint_secrets(secrets: Any, kind: str, keys: Sequence[str], secret_prefix: str) -> list[dict[str, Any]]:
    """The endpoint secrets of platform_secrets whose source is of ``kind`` (rds_instance, aurora_cluster,
    redis_group) and names one of ``keys``: [{name, description, source, endpoint}]."""
    out: list[dict[str, Any]] = []
    if not is_list(secrets):
        return out
    for secret in secrets:
        if not isinstance(secret, Mapping) or secret.get("kind") != "endpoint":
            continue
        source = secret.get("source")
        if not isinstance(source, Mapping) or source.get(kind) is None or str(source[kind]) not in keys:
            continue
        name = secret_full_name(secret, secret_prefix)
        if name:
            out.append({"name": name, "description": secret.get("description"), "source": str(source[kind]),
                        "endpoint": source.get("endpoint", "writer")})
    return out


def endpoint_source_problems(
    secrets: Any, kind: str, keys: Sequence[str], label: str = "platform_secrets"
) -> list[str]:
    """Endpoint secrets whose ``source.<kind>`` names no entry of the list of that kind."""
    problems: list[str] = []
    if not is_list(secrets):
        return problems
    target = SOURCE_KINDS[kind]
    for index, secret in enumerate(secrets):
        if not isinstance(secret, Mapping) or secret.get("kind") != "endpoint":
            continue
        source = secret.get("source")
        if not isinstance(source, Mapping) or source.get(kind) is None:
            continue
        if str(source[kind]) not in keys:
            problems.append(f"{label}[{index}].source.{kind}: '{source[kind]}' is not an entry of {target} "
                            f"(entries: {', '.join(keys) or 'none'})")
        if kind == "aurora_cluster" and source.get("endpoint", "writer") not in ("writer", "reader"):
            problems.append(f"{label}[{index}].source.endpoint: must be writer or reader, "
                            f"got {source.get('endpoint')!r}")
    return problems


@dataclass(frozen=True)
class EntryKind:
    """What :func:`list_problems` checks the same way for each data-layer list."""

    source: str  #: how an endpoint secret's source names an entry of the list (a key of SOURCE_KINDS)
    what: str  #: what the list holds, for "must be a list of ..."
    pattern: re.Pattern[str]  #: full resource names
    rule: str  #: ``pattern`` in words
    max_length: int
    fields: Sequence[str]  #: every field of an entry
    required: Sequence[str] = ()  #: fields an entry must give itself


def list_problems(
    entries: Any, kind: EntryKind, label: str, context: Mapping[str, Any],
    entry_problems: Callable[[Mapping[str, Any], str], list[str]],
) -> list[str]:
    """Problems of a data-layer list named ``label`` (None counts as empty), in this order: not a list; names
    (:func:`naming_problems`); for each dict entry its unknown fields, the required fields it leaves out, then
    ``entry_problems(entry, where)`` (the kind's own rules, ``where`` = ``<label>[<index>]``); last the endpoint
    secrets of ``context['secrets']`` whose source names no entry. ``context``: platform_name, secrets."""
    if entries is None:
        entries = []
    if not is_list(entries):
        return [f"{label}: must be a list of {kind.what}"]
    prefix = str(context.get("platform_name", ""))
    problems = naming_problems(entries, label, prefix, kind.pattern, kind.rule, kind.max_length)
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue
        where = f"{label}[{index}]"
        problems += unknown_field_problems(entry, where, kind.fields)
        problems += [f"{where}.{field} is required" for field in kind.required if entry.get(field) in (None, "")]
        problems += entry_problems(entry, where)
    keys = list(resource_names(entries, prefix))
    return problems + endpoint_source_problems(context.get("secrets"), kind.source, keys)
