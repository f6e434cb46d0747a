# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""The node groups of the compute layer (platform_eks_nodegroups) and their scheduled scaling
(platform_scaling_schedules), for the aws_eks_nodegroups role.

Pure functions (no Ansible, no network), unit-tested directly:

* :func:`nodegroups_problems` - every problem of the node group list and of the schedules' node-group
  targets, each naming ``platform_eks_nodegroups[i].<field>`` (or the role input a left-out field falls back
  to, or ``platform_scaling_schedules[i].<field>``). The per-entry rules of the eks_nodegroups module are its
  own (:func:`eks_nodegroups.validate`, imported, the one copy), named with the inventory's paths.
* :func:`nodegroup_specs` - the entries with their final names, the role inputs filled in, the private subnet
  names, every tag (the Cluster Autoscaler auto-discovery tags included) and the Kubernetes version: the entry's,
  else the cluster's (``platform_eks_version``) - a node group without ``version`` follows the cluster.
* :func:`version_problems` - an entry's explicit ``version`` against the cluster's: never above it, at most
  :data:`eks.NODE_SKEW` minor versions below it.
* :func:`module_nodegroups` - the ``nodegroups`` option of cloudops.eks_platform.eks_nodegroups, without the
  sizes of a node group :func:`schedule_windows` finds resized by one of its schedules (not undone).
* :func:`schedule_actions` - the ``nodegroups`` option of cloudops.eks_platform.eks_nodegroup_scheduled_actions:
  one action ``<prefix>-<schedule name>`` per enabled schedule on every node group it targets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks import NODE_SKEW, minors_behind
from ansible_collections.cloudops.eks_platform.plugins.module_utils.list_entries import (
    as_int,
    derived_name,
    duplicate_problems,
    entry_problems,
    field_label,
    naming_field,
    naming_ok,
    refers_to,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.scaling_schedules import schedule_problems
from ansible_collections.cloudops.eks_platform.plugins.modules.eks_nodegroups import AMI_TYPES, CAPACITY_TYPES
from ansible_collections.cloudops.eks_platform.plugins.modules.eks_nodegroups import validate as module_validate

NODEGROUPS_VAR = "platform_eks_nodegroups"
SCHEDULES_VAR = "platform_scaling_schedules"
#: Fields of an entry that fall back to a role input (aws_eks_nodegroups_<field>) when the entry leaves them out.
DEFAULTED = ("capacity_type", "instance_types", "ami_type", "disk_size")
#: Every field of a platform_eks_nodegroups entry besides suffix / name (README of aws_eks_nodegroups).
FIELDS = (
    *DEFAULTED, "state", "min_size", "desired_size", "max_size", "pin_desired_size", "labels", "taints",
    "availability_zones", "tags", "version", "release_version", "max_unavailable", "max_unavailable_percentage",
)  # fmt: skip
INTEGER_FIELDS = ("disk_size", "min_size", "desired_size", "max_size", "max_unavailable", "max_unavailable_percentage")
TAINT_FIELDS = ("key", "value", "effect")
#: The field a schedule entry may add for the node groups (by suffix or name) its actions go on; default all.
SCHEDULE_TARGETS = "nodegroups"
# EKS node group names: a letter or digit, then letters, digits, '-' and '_', at most 63 characters.
NAME_PATTERN = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,62}$")
INSTANCE_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]*\.[a-z0-9]+$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
AUTOSCALER_ENABLED = "k8s.io/cluster-autoscaler/enabled"


def autoscaler_tags(cluster_name: str) -> dict[str, str]:
    """The tags Cluster Autoscaler's auto-discovery looks for (``--node-group-auto-discovery=asg:tag=...``)."""
    return {AUTOSCALER_ENABLED: "true", f"k8s.io/cluster-autoscaler/{cluster_name}": "owned"}


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _settings(entry: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The entry over the role inputs of the defaulted fields (a None or '' value counts as left out)."""
    settings = {field: defaults.get(field) for field in DEFAULTED}
    settings.update({k: v for k, v in entry.items() if v is not None})
    return {k: (None if v == "" else v) for k, v in settings.items()}


def _where(entry: Mapping[str, Any], path: str, field: str, role_names: Mapping[str, str]) -> str:
    """The name of ``field`` in messages: the entry's path, or the role input when the entry leaves it out."""
    if entry.get(field) is None and field in role_names:
        return role_names[field]
    return f"{path}.{field}"


def _type_problems(path: str, entry: Mapping[str, Any], settings: Mapping[str, Any], role_names) -> list[str]:
    problems = []
    for field in INTEGER_FIELDS:
        value = settings.get(field)
        if value is not None and (as_int(value) is None or isinstance(value, float)):
            problems.append(f"{_where(entry, path, field, role_names)}: {value!r} is not a whole number")
    if settings.get("pin_desired_size") is not None and not isinstance(settings["pin_desired_size"], bool):
        problems.append(f"{path}.pin_desired_size: {settings['pin_desired_size']!r} is not a boolean")
    for field in ("version", "release_version"):
        if settings.get(field) is not None and not isinstance(settings[field], str):
            problems.append(f'{path}.{field}: {settings[field]!r} must be a string (quote it in YAML: "1.34")')
    return problems


def _choice_problems(path: str, entry: Mapping[str, Any], settings: Mapping[str, Any], role_names) -> list[str]:
    problems = []
    capacity = settings.get("capacity_type")
    if capacity is not None and capacity not in CAPACITY_TYPES:
        problems.append(f"{_where(entry, path, 'capacity_type', role_names)}: {capacity!r} is not one of "
                        f"{', '.join(CAPACITY_TYPES)}")  # fmt: skip
    ami = settings.get("ami_type")
    if ami is not None and ami not in AMI_TYPES:
        problems.append(
            f"{_where(entry, path, 'ami_type', role_names)}: {ami!r} is not an EKS AMI type (one of "
            f"{', '.join(AMI_TYPES)}; leave it out for EKS's default of the Kubernetes version)"
        )
    elif ami == "CUSTOM":
        problems.append(f"{_where(entry, path, 'ami_type', role_names)}: CUSTOM needs a launch template, which this "
                        "role does not manage")  # fmt: skip
    types = settings.get("instance_types")
    where = _where(entry, path, "instance_types", role_names)
    if types is not None:
        if not _is_list(types) or not types:
            problems.append(f"{where}: must be a non-empty list of instance types (like t3.large)")
        else:
            for j, kind in enumerate(types):
                if not isinstance(kind, str) or not INSTANCE_TYPE.match(kind):
                    problems.append(f"{where}[{j}]: {kind!r} is not an EC2 instance type (like t3.large)")
            if len(set(map(str, types))) != len(types):
                problems.append(f"{where}: an instance type is listed twice")
    disk = as_int(settings.get("disk_size"))
    if disk is not None and disk < 1:
        problems.append(f"{_where(entry, path, 'disk_size', role_names)}: must be at least 1 GiB, got {disk}")
    return problems


def _structure_problems(path: str, entry: Mapping[str, Any]) -> list[str]:
    """Labels are a dict and taints a list of dicts (the module's rules then check their contents)."""
    problems = []
    if entry.get("labels") is not None and not isinstance(entry["labels"], Mapping):
        problems.append(f"{path}.labels: must be a dict of label key -> value")
    taints = entry.get("taints")
    if taints is not None and not _is_list(taints):
        problems.append(f"{path}.taints: must be a list of {{key, value, effect}}")
    elif taints is not None:
        problems += [f"{path}.taints[{j}]: must be a dict {{key, value, effect}}"
                     for j, taint in enumerate(taints) if not isinstance(taint, Mapping)]  # fmt: skip
    return problems


def _shape_problems(path: str, entry: Mapping[str, Any], azs: Sequence[str]) -> list[str]:
    """Taint fields, zones and tags."""
    problems = []
    for j, taint in enumerate(entry.get("taints") or [] if _is_list(entry.get("taints")) else []):
        for field in sorted(str(k) for k in (taint if isinstance(taint, Mapping) else {}) if k not in TAINT_FIELDS):
            problems.append(f"{path}.taints[{j}].{field}: unknown field (allowed: {', '.join(TAINT_FIELDS)})")
    zones = entry.get("availability_zones")
    if zones is not None:
        if not _is_list(zones) or not zones:
            problems.append(f"{path}.availability_zones: must be a non-empty list of zones among {', '.join(azs)}")
        else:
            for zone in zones:
                if zone not in azs:
                    problems.append(f"{path}.availability_zones: {zone!r} is not one of the platform's zones "
                                    f"{', '.join(azs)} (platform_azs)")  # fmt: skip
            if len(set(map(str, zones))) != len(zones):
                problems.append(f"{path}.availability_zones: a zone is listed twice")
    tags = entry.get("tags")
    if tags is not None:
        if not isinstance(tags, Mapping):
            problems.append(f"{path}.tags: must be a dict of tag key -> value")
        else:
            for key, value in tags.items():
                if not isinstance(key, str) or not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
                    problems.append(f"{path}.tags: key {key!r} must be 1 to 128 characters, not starting with aws:")
                if isinstance(value, (Mapping, list)) or len(str(value)) > 256:
                    problems.append(f"{path}.tags[{key!r}]: the value must be a string of at most 256 characters")
    return problems


def _size_problems(path: str, entry: Mapping[str, Any]) -> list[str]:
    return [f"{path}.{field}: required (the node group's {field.replace('_', ' ')})"
            for field in ("min_size", "max_size") if entry.get(field) is None]  # fmt: skip


def version_problems(path: str, version: Any, cluster_version: Any) -> list[str]:
    """An entry's explicit ``version`` against the cluster's (``platform_eks_version``; '' = not set: nothing to
    compare): not above it (a node group never runs a newer Kubernetes than its control plane), not more than
    :data:`NODE_SKEW` minor versions below it (the skew EKS and Kubernetes allow a kubelet)."""
    behind = minors_behind(str(version), str(cluster_version or ""))
    if not cluster_version or behind is None or 0 <= behind <= NODE_SKEW:
        return []
    if behind < 0:
        return [
            f"{path}.version: {version} is above the cluster's version {cluster_version} (platform_eks_version): a "
            "node group cannot run a newer Kubernetes than its control plane - leave version out to follow the cluster"
        ]
    return [
        f"{path}.version: {version} is {behind} minor versions below the cluster's {cluster_version} "
        f"(platform_eks_version); EKS allows a node group at most {NODE_SKEW} behind - raise it, or leave version "
        "out to follow the cluster"
    ]


def _module_entry_problems(path: str, settings: Mapping[str, Any]) -> list[str]:
    """The eks_nodegroups module's own rules on one well-typed entry, its ``nodegroups[0]`` renamed ``path``."""
    params: dict[str, Any] = {"name": "x"}
    for field in ("min_size", "desired_size", "max_size", "max_unavailable", "max_unavailable_percentage"):
        if settings.get(field) is not None:
            params[field] = as_int(settings[field])
    for field in ("pin_desired_size", "labels", "taints", "version"):
        if settings.get(field) is not None:
            params[field] = settings[field]
    problems = module_validate([params])
    return [problem.replace("nodegroups[0]", path, 1) for problem in problems]


def nodegroups_problems(
    entries: Any, defaults: Mapping[str, Any] | None = None, context: Mapping[str, Any] | None = None
) -> list[str]:
    """Problems of platform_eks_nodegroups and of the schedules' node-group targets (empty = valid).

    ``defaults``: the role inputs of the fields an entry may leave out (capacity_type, instance_types, ami_type,
    disk_size). ``context``: platform_name, cluster_name, cluster_version (platform_eks_version: an entry's version
    is checked against it), azs, node_role_name, schedules (platform_scaling_schedules), role_names (field -> role
    input, for messages), label / schedules_label (the variables' names).
    """
    defaults, context = dict(defaults or {}), dict(context or {})
    label = context.get("label", NODEGROUPS_VAR)
    role_names = dict(context.get("role_names") or {})
    azs = list(context.get("azs") or [])
    platform_name = str(context.get("platform_name") or "")
    if entries is None:
        entries = []
    if not _is_list(entries):
        return [f"{label}: must be a list of node group entries"]
    # the role inputs of the defaulted fields themselves, named as such ('' / [] = EKS's default)
    given = {field: defaults.get(field) or None for field in DEFAULTED}
    problems = _type_problems("", {}, given, role_names) + _choice_problems("", {}, given, role_names)
    role_name = str(context.get("node_role_name") or "")
    if "node_role_name" in context and not ROLE_NAME.match(role_name):
        problems.append(f"{role_names.get('node_role_name', 'node_role_name')}: {role_name!r} is not an IAM role name "
                        "(1 to 64 of letters, digits and +=,.@_-)")  # fmt: skip
    named = []
    for i, entry in enumerate(entries):
        path = field_label(label, i)
        problems += entry_problems(entry, label, i, FIELDS)
        if not isinstance(entry, Mapping):
            continue
        if naming_ok(entry):
            name = derived_name(entry, lambda suffix: f"{platform_name}-{suffix}")
            named.append((i, naming_field(entry), name))
            if not NAME_PATTERN.match(name):
                problems.append(f"{field_label(label, i, naming_field(entry))}: the node group name {name!r} must be "
                                "1 to 63 letters, digits, '-' and '_', starting with a letter or digit")  # fmt: skip
        state = entry.get("state", "present")
        if state not in ("present", "absent"):
            problems.append(f"{path}.state: {state!r} is not present or absent")
        if state == "absent":
            continue
        settings = _settings(entry, defaults)
        blocking = _type_problems(path, entry, settings, role_names) + _structure_problems(path, entry)
        problems += blocking + _shape_problems(path, entry, azs) + _size_problems(path, entry)
        problems += [p for p in _choice_problems(path, entry, settings, role_names) if p.startswith(path)]
        if not blocking:
            problems += _module_entry_problems(path, settings)
            if isinstance(settings.get("version"), str):
                problems += version_problems(path, settings["version"], context.get("cluster_version"))
    problems += duplicate_problems(named, label)
    problems += schedule_target_problems(
        context.get("schedules"), entries, context.get("schedules_label", SCHEDULES_VAR)
    )
    return problems


def schedule_target_problems(schedules: Any, entries: Any, label: str = SCHEDULES_VAR) -> list[str]:
    """The schedule list's own rules (scaling_schedules.schedule_problems, the one copy) with the node-group
    field this role adds (``nodegroups``: suffixes or names of platform_eks_nodegroups entries) checked here."""
    if schedules is None:
        return []
    if not _is_list(schedules):
        return [f"{label}: must be a list of schedule entries"]
    stripped = [{k: v for k, v in s.items() if k != SCHEDULE_TARGETS} if isinstance(s, Mapping) else s
                for s in schedules]  # fmt: skip
    problems = schedule_problems(stripped, label)
    entries = entries if _is_list(entries) else []
    for i, schedule in enumerate(schedules):
        if not isinstance(schedule, Mapping) or schedule.get(SCHEDULE_TARGETS) is None:
            continue
        targets = schedule[SCHEDULE_TARGETS]
        where = f"{label}[{i}].{SCHEDULE_TARGETS}"
        if not _is_list(targets) or not targets:
            problems.append(f"{where}: must be a non-empty list of node group suffixes or names (leave it out for all)")
            continue
        for target in targets:
            if not any(refers_to(entry, target) for entry in entries):
                known = dict.fromkeys(str(e.get("suffix") or e.get("name")) for e in entries if isinstance(e, Mapping))
                problems.append(f"{where}: {target!r} is not a node group of {NODEGROUPS_VAR} (suffix or name: "
                                f"{', '.join(known) or 'none'})")  # fmt: skip
    return problems


# --- specs and module options (call after nodegroups_problems is empty) --------------------------------------


def _subnet_name(network_name: str, zone: str) -> str:
    return f"{network_name}-private-{zone}"


def nodegroup_specs(
    entries: Any, defaults: Mapping[str, Any] | None = None, context: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """One spec per entry: ``name`` (``<platform_name>-<suffix>`` or the exact name), ``key`` (what schedules
    refer to it by), ``state``, the settings with the role inputs filled in (sizes as ints, ``desired_size``
    ``min_size`` when left out, ``labels`` {} and ``taints`` [] when left out: the entry describes all of them),
    ``availability_zones`` / ``subnet_names`` (default: every zone), ``tags`` (the node group's own: Name, the
    entry's tags, the Cluster Autoscaler tags).

    ``version``: the entry's, else ``cluster_version`` of the context (the cluster's, platform_eks_version: a node
    group without a version follows the cluster, upgraded in place after it), else None (not managed).

    ``context``: platform_name, cluster_name, cluster_version, azs, network_name (subnets
    ``<network_name>-private-<az>``)."""
    defaults, context = dict(defaults or {}), dict(context or {})
    platform_name = str(context.get("platform_name") or "")
    network_name = str(context.get("network_name") or platform_name)
    azs = list(context.get("azs") or [])
    specs = []
    for entry in entries or []:
        name = derived_name(entry, lambda suffix: f"{platform_name}-{suffix}")
        spec: dict[str, Any] = {
            "name": name,
            "key": entry.get("suffix") if entry.get("suffix") is not None else entry.get("name"),
            "state": entry.get("state", "present"),
        }
        if spec["state"] == "absent":
            specs.append(spec)
            continue
        settings = _settings(entry, defaults)
        zones = list(entry.get("availability_zones") or azs)
        low = as_int(settings.get("min_size"))
        desired = as_int(settings.get("desired_size"))
        spec.update(
            capacity_type=settings.get("capacity_type"),
            instance_types=list(settings["instance_types"]) if settings.get("instance_types") else None,
            ami_type=settings.get("ami_type"),
            disk_size=as_int(settings.get("disk_size")),
            min_size=low,
            desired_size=desired if desired is not None else low,
            max_size=as_int(settings.get("max_size")),
            pin_desired_size=bool(settings.get("pin_desired_size", False)),
            labels={str(k): str(v) for k, v in (entry.get("labels") or {}).items()},
            taints=[{k: str(v) for k, v in t.items() if v is not None} for t in entry.get("taints") or []],
            availability_zones=zones,
            subnet_names=[_subnet_name(network_name, zone) for zone in zones],
            tags={"Name": name, **{str(k): str(v) for k, v in (entry.get("tags") or {}).items()},
                  **autoscaler_tags(str(context.get("cluster_name") or ""))},
            version=settings.get("version") or str(context.get("cluster_version") or "") or None,
            release_version=settings.get("release_version"),
            max_unavailable=as_int(settings.get("max_unavailable")),
            max_unavailable_percentage=as_int(settings.get("max_unavailable_percentage")),
        )  # fmt: skip
        specs.append(spec)
    return specs


_MODULE_OPTIONAL = (
    "capacity_type", "instance_types", "ami_type", "disk_size", "version", "release_version", "max_unavailable",
    "max_unavailable_percentage",
)  # fmt: skip


def schedule_windows(specs: Sequence[Mapping[str, Any]], current: Any, schedules: Any) -> dict[str, str]:
    """Node groups inside a schedule's window: name -> the schedule whose min / max sizes EKS reports for it now.

    ``current`` is the ``nodegroups`` result of eks_nodegroup_scheduled_actions (``scaling_config`` as EKS reports
    it). A node group that exists, whose min / max are not the entry's but are those of an enabled schedule
    targeting it, was resized by that schedule's action on its Auto Scaling group: the run leaves its sizes to it
    (the next action puts them back) instead of undoing it - re-running the playbook at night must not start the
    nodes the night's scale-down stopped."""
    scaling = {
        view.get("name"): view.get("scaling_config") or {}
        for view in current or []
        if isinstance(view, Mapping) and view.get("status")
    }
    windows: dict[str, str] = {}
    for spec in specs:
        if spec["state"] == "absent" or spec["name"] not in scaling:
            continue
        have = (as_int(scaling[spec["name"]].get("min_size")), as_int(scaling[spec["name"]].get("max_size")))
        if have == (spec["min_size"], spec["max_size"]):
            continue
        for schedule in schedules or []:
            sizes = (as_int(schedule.get("min_size")), as_int(schedule.get("max_size")))
            if schedule.get("enabled", True) and _targets(schedule, spec) and have == sizes:
                windows[spec["name"]] = str(schedule["name"])
                break
    return windows


def module_nodegroups(
    specs: Sequence[Mapping[str, Any]],
    subnets: Any,
    node_role_arn: str | None,
    windows: Mapping[str, str] | None = None,
) -> list[dict]:
    """The ``nodegroups`` option of cloudops.eks_platform.eks_nodegroups. ``subnets`` are the private subnets as
    amazon.aws.ec2_vpc_subnet_info returns them (``id``, ``tags.Name``); each node group gets those of its zones.
    A node group of ``windows`` (:func:`schedule_windows`) gets no sizes: the module leaves its scaling alone."""
    ids = {str((s.get("tags") or {}).get("Name")): s.get("id") or s.get("subnet_id") for s in subnets or []}
    windows = windows or {}
    out: list[dict[str, Any]] = []
    for spec in specs:
        if spec["state"] == "absent":
            out.append({"name": spec["name"], "state": "absent"})
            continue
        entry: dict[str, Any] = {
            "name": spec["name"],
            "state": "present",
            "node_role_arn": node_role_arn or None,
            "subnets": [ids[name] for name in spec["subnet_names"] if ids.get(name)],
            "min_size": spec["min_size"],
            "desired_size": spec["desired_size"],
            "max_size": spec["max_size"],
            "pin_desired_size": spec["pin_desired_size"],
            "labels": spec["labels"],
            "taints": spec["taints"],
            "tags": spec["tags"],
        }
        if spec["name"] in windows:
            entry.update(min_size=None, desired_size=None, max_size=None, pin_desired_size=False)
            entry = {key: value for key, value in entry.items() if value is not None}
        entry.update({key: spec[key] for key in _MODULE_OPTIONAL if spec.get(key) is not None})
        out.append(entry)
    return out


def _targets(schedule: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    targets = schedule.get(SCHEDULE_TARGETS)
    return targets is None or spec["key"] in targets


def schedule_actions(
    specs: Sequence[Mapping[str, Any]], schedules: Any, prefix: str, teardown: bool = False
) -> list[dict[str, Any]]:
    """The ``nodegroups`` option of cloudops.eks_platform.eks_nodegroup_scheduled_actions: every node group of
    ``specs`` that should exist, each with one action ``<prefix>-<schedule name>`` per enabled schedule that
    targets it (its ``nodegroups``, default every node group). A disabled or removed schedule is not listed, so
    the module's purge (prefix ``<prefix>-``) deletes its action. ``teardown``: every node group, no action."""
    out = []
    for spec in specs:
        if teardown:
            out.append({"name": spec["name"], "actions": []})
            continue
        if spec["state"] == "absent":
            continue  # its Auto Scaling group goes with it
        actions = [
            {
                "name": f"{prefix}-{schedule['name']}",
                "recurrence": schedule["cron"],
                "time_zone": schedule["time_zone"],
                "min_size": as_int(schedule["min_size"]),
                "max_size": as_int(schedule["max_size"]),
                "desired_capacity": as_int(schedule["desired_size"]),
            }
            for schedule in schedules or []
            if schedule.get("enabled", True) and _targets(schedule, spec)
        ]
        out.append({"name": spec["name"], "actions": actions})
    return out
