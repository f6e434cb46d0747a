# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Cluster add-on list entries (platform_cluster_addons) of k8s_cluster_addons: validation and the
specs with the discovered values (cluster name, region, VPC id, account) set at their value paths.

Pure functions (no Ansible, no network) so the unit tests import them directly."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

FIELDS = frozenset(
    {
        "name",
        "chart",
        "repository",
        "version",
        "namespace",
        "values",
        "sync_wave",
        "sync_options",
        "available",
        "endpoints",
        "discovered_values",
    }
)
REQUIRED = ("name", "chart", "repository", "version", "namespace")
# What an entry's discovered_values may point a value path at.
DISCOVERED = frozenset({"cluster_name", "region", "vpc_id", "account_id"})
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_SEMVER = re.compile(r"^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
_PATH = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


def addon_problems(entries: Any, variable: str = "platform_cluster_addons") -> list[str]:
    """Every problem of the list, naming ``<variable>[i].<field>``."""
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        return [f"{variable}: must be a list of add-on entries"]
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        where = f"{variable}[{i}]"
        if not isinstance(entry, Mapping):
            out.append(f"{where}: must be a dict")
            continue
        for key in sorted(set(entry) - FIELDS):
            out.append(f"{where}.{key}: unknown field (allowed: {', '.join(sorted(FIELDS))})")
        for key in REQUIRED:
            if not entry.get(key):
                out.append(f"{where}.{key}: missing or empty")
        for key in ("name", "namespace"):
            value = entry.get(key)
            if value and (not isinstance(value, str) or not _LABEL.match(value)):
                out.append(f"{where}.{key}: {value!r} is not a DNS-1123 label")
        name = entry.get("name")
        if isinstance(name, str) and name:
            if name in seen:
                out.append(f"{where}.name: {name!r} is listed twice (also [{seen[name]}])")
            seen.setdefault(name, i)
        version = entry.get("version")
        if version and not _SEMVER.match(str(version)):
            out.append(f"{where}.version: {str(version)!r} is not a semver chart version (like 1.17.0)")
        if "values" in entry and not isinstance(entry["values"], Mapping):
            out.append(f"{where}.values: must be a dict")
        wave = entry.get("sync_wave", 0)
        if not isinstance(wave, int) or isinstance(wave, bool):
            out.append(f"{where}.sync_wave: {wave!r} is not a whole number")
        for key in ("sync_options", "available", "endpoints"):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                out.append(f"{where}.{key}: must be a list of strings")
        discovered = entry.get("discovered_values", {})
        if not isinstance(discovered, Mapping):
            out.append(f"{where}.discovered_values: must be a dict of value path -> one of {sorted(DISCOVERED)}")
            continue
        for path, source in discovered.items():
            if not isinstance(path, str) or not _PATH.match(path):
                out.append(f"{where}.discovered_values: {path!r} is not a dotted value path")
            if source not in DISCOVERED:
                out.append(
                    f"{where}.discovered_values.{path}: {source!r} is not one of {', '.join(sorted(DISCOVERED))}"
                )
    return out


def needs(entries: Sequence[Mapping[str, Any]], source: str) -> bool:
    """Whether any entry takes ``source`` (e.g. vpc_id) from discovery."""
    return any(source in (e.get("discovered_values") or {}).values() for e in entries)


def _set_path(values: dict[str, Any], path: str, value: Any) -> None:
    node = values
    parts = path.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _plain(value: Any) -> Any:
    """A copy made of plain dicts, lists and scalars. Ansible hands filters its own container and string
    types, which carry data tags (origin, trust); a deepcopy of those took seconds for four add-ons."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def addon_specs(entries: Sequence[Mapping[str, Any]], discovered: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The entries with defaults filled in and each discovered value set at its path in ``values``."""
    out = []
    for entry in entries:
        values = _plain(entry.get("values") or {})
        for path, source in (entry.get("discovered_values") or {}).items():
            _set_path(values, path, discovered.get(source, ""))
        out.append(
            {
                "name": entry["name"],
                "chart": entry["chart"],
                "repository": entry["repository"],
                "version": str(entry["version"]),
                "namespace": entry["namespace"],
                "values": values,
                "sync_wave": int(entry.get("sync_wave", 0)),
                "sync_options": list(entry.get("sync_options") or []),
                "available": list(entry.get("available") or []),
                "endpoints": list(entry.get("endpoints") or []),
            }
        )
    return out
