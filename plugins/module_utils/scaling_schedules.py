# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Scaling schedules: one inventory list (platform_scaling_schedules) drives both the node-group ASG
actions of the compute layer and the workload CronJobs of k8s_scheduled_scaling.

Pure functions (no Ansible, no network) so the unit tests import them directly:

* :func:`cron_problems` checks a five-field cron expression (minute hour day-of-month month
  day-of-week; numbers, ``*``, ranges ``a-b``, lists ``a,b`` and steps ``*/n`` / ``a-b/n``).
* :func:`shift_cron` moves a fixed-time cron (single minute and hour, ``*`` day-of-month and month) by a
  signed number of minutes, carrying into the hour and across midnight into the day-of-week field
  (Sunday 0 wraps to Saturday 6 and back).
* :func:`schedule_problems` validates the list entries, naming ``<variable>[i].<field>``.
* :func:`workload_jobs` derives the workload CronJobs: a node scale-down (``max_size`` 0) gets a
  workload scale-down ``lead`` minutes earlier; a node scale-up gets a restore ``lag`` minutes later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

FIELDS: tuple[tuple[str, int, int], ...] = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 0, 7),
)

# The zone names on disk (a walk of the time zone database, ~20-80 ms): read once per process.
_known_zones = lru_cache(maxsize=1)(available_timezones)
# nodegroups: the node groups (platform_eks_nodegroups suffixes or names) whose Auto Scaling groups get the
# action; checked against the node group list by the compute layer (plugins/filter/eks_nodegroups.py)
ENTRY_FIELDS = frozenset({"name", "cron", "time_zone", "min_size", "max_size", "desired_size", "enabled", "nodegroups"})
REQUIRED_FIELDS = ("name", "cron", "time_zone", "min_size", "max_size", "desired_size")
# CronJob names are at most 52 characters (the controller appends an 11-character suffix to Job names);
# the workload job's name is <entry name>-workloads.
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_JOB_SUFFIX = "-workloads"
_MAX_JOB_NAME = 52
_ITEM = re.compile(r"^(\*|\d+(?:-\d+)?)(?:/(\d+))?$")


def _field_problem(text: str, name: str, low: int, high: int) -> str | None:
    if text == "":
        return f"the {name} field is empty"
    for item in text.split(","):
        match = _ITEM.match(item)
        if not match:
            return f"the {name} field {item!r} is not a number, '*', a range a-b, a list or a step /n"
        base, step = match.group(1), match.group(2)
        if step is not None and int(step) == 0:
            return f"the {name} field {item!r} has a step of 0"
        if base != "*":
            bounds = [int(x) for x in base.split("-")]
            if any(b < low or b > high for b in bounds):
                return f"the {name} field {item!r} is outside {low}-{high}"
            if len(bounds) == 2 and bounds[0] > bounds[1]:
                return f"the {name} field {item!r} is a descending range"
    return None


def cron_problems(cron: Any) -> list[str]:
    """What is wrong with a five-field cron expression ([] when valid)."""
    if not isinstance(cron, str):
        return [f"{cron!r} is not a string"]
    parts = cron.split()
    if len(parts) != 5:
        return [f"{cron!r} has {len(parts)} fields, not 5 (minute hour day-of-month month day-of-week)"]
    out = []
    for text, (name, low, high) in zip(parts, FIELDS, strict=True):
        problem = _field_problem(text, name, low, high)
        if problem:
            out.append(f"{cron!r}: {problem}")
    return out


def _days(text: str) -> list[int]:
    days: set[int] = set()
    for item in text.split(","):
        match = _ITEM.match(item)
        if not match:
            raise ValueError(f"day-of-week {item!r} is not valid")
        base, step = match.group(1), int(match.group(2) or 1)
        low, high = (0, 6) if base == "*" else (int(base.split("-")[0]), int(base.split("-")[-1]))
        days.update(d % 7 for d in range(low, high + 1, step))
    return sorted(days)


def _format_days(days: Sequence[int]) -> str:
    """Sorted day numbers as cron text, consecutive runs of three or more as ranges (1-5, 6,0 stays a list)."""
    if len(days) == 7:
        return "*"
    out: list[str] = []
    run: list[int] = []
    for day in sorted(days):
        if run and day == run[-1] + 1:
            run.append(day)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) >= 3 else ",".join(map(str, run)))
        run = [day]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) >= 3 else ",".join(map(str, run)))
    return ",".join(out)


def shift_cron(cron: str, minutes: int) -> str:
    """``cron`` moved by ``minutes`` (negative = earlier). Raises ValueError when it cannot be shifted."""
    problems = cron_problems(cron)
    if problems:
        raise ValueError("; ".join(problems))
    minute, hour, dom, month, dow = cron.split()
    if not (minute.isdigit() and hour.isdigit()):
        raise ValueError(f"{cron!r}: only a fixed time (single minute and hour) can be shifted")
    if dom != "*" or month != "*":
        raise ValueError(f"{cron!r}: only day-of-month and month '*' can be shifted (days move by day-of-week)")
    total = int(hour) * 60 + int(minute) + int(minutes)
    day_shift, in_day = divmod(total, 24 * 60)
    if dow == "*":
        days_text = "*"
    else:
        days_text = _format_days(sorted({(d + day_shift) % 7 for d in _days(dow)}))
    return f"{in_day % 60} {in_day // 60} * * {days_text}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def schedule_problems(schedules: Any, variable: str = "platform_scaling_schedules") -> list[str]:
    """Every problem of the schedule list, each naming ``<variable>[i].<field>``."""
    if not isinstance(schedules, Sequence) or isinstance(schedules, str):
        return [f"{variable}: must be a list of schedule entries"]
    out: list[str] = []
    seen: dict[str, int] = {}
    zones = _known_zones()
    for i, entry in enumerate(schedules):
        where = f"{variable}[{i}]"
        if not isinstance(entry, Mapping):
            out.append(f"{where}: must be a dict")
            continue
        for key in sorted(set(entry) - ENTRY_FIELDS):
            out.append(f"{where}.{key}: unknown field (allowed: {', '.join(sorted(ENTRY_FIELDS))})")
        for key in REQUIRED_FIELDS:
            if key not in entry:
                out.append(f"{where}.{key}: missing")
        name = entry.get("name")
        if "name" in entry:
            if not isinstance(name, str) or not _NAME.match(name) or len(name) + len(_JOB_SUFFIX) > _MAX_JOB_NAME:
                out.append(
                    f"{where}.name: {name!r} is not a DNS-1123 label of at most "
                    f"{_MAX_JOB_NAME - len(_JOB_SUFFIX)} characters"
                )
            elif name in seen:
                out.append(f"{where}.name: {name!r} is listed twice (also [{seen[name]}])")
            else:
                seen[name] = i
        if "cron" in entry:
            for problem in cron_problems(entry["cron"]):
                out.append(f"{where}.cron: {problem}")
        if "time_zone" in entry:
            zone = entry["time_zone"]
            known = isinstance(zone, str) and zone in zones
            if known:
                try:
                    ZoneInfo(zone)
                except (ZoneInfoNotFoundError, ValueError):
                    known = False
            if not known:
                out.append(f"{where}.time_zone: {zone!r} is not an IANA time zone (like Asia/Seoul)")
        sizes = {k: entry.get(k) for k in ("min_size", "max_size", "desired_size") if k in entry}
        for key, value in sizes.items():
            if not _is_int(value) or value < 0:
                out.append(f"{where}.{key}: {value!r} is not a whole number >= 0")
        if len(sizes) == 3 and all(_is_int(v) and v >= 0 for v in sizes.values()):
            if not sizes["min_size"] <= sizes["desired_size"] <= sizes["max_size"]:
                out.append(f"{where}: min_size <= desired_size <= max_size does not hold ({sizes})")
        if "enabled" in entry and not isinstance(entry["enabled"], bool):
            out.append(f"{where}.enabled: {entry['enabled']!r} is not a boolean")
    return out


def workload_jobs(schedules: Sequence[Mapping[str, Any]], lead: int, lag: int) -> list[dict[str, Any]]:
    """The workload CronJobs of the enabled schedules (call after :func:`schedule_problems` is empty).

    A schedule with ``max_size`` 0 scales the nodes away: its workload job scales down ``lead`` minutes
    before it. Any other schedule brings nodes back: its job restores the recorded replicas ``lag``
    minutes after it. Every job keeps the schedule's time zone.
    """
    jobs = []
    for entry in schedules:
        if not entry.get("enabled", True):
            continue
        down = int(entry["max_size"]) == 0
        jobs.append(
            {
                "name": f"{entry['name']}{_JOB_SUFFIX}",
                "schedule": entry["name"],
                "action": "down" if down else "up",
                "cron": shift_cron(entry["cron"], -int(lead) if down else int(lag)),
                "node_cron": entry["cron"],
                "time_zone": entry["time_zone"],
            }
        )
    return jobs
