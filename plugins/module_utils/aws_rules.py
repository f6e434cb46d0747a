# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""The AWS rules that no read call can tell, in one table, each with the AWS documentation it comes from.

The catalogue rules (zones of the region, orderable instance classes, parameter names, exportable logs) are read
from AWS itself by the preflight; the rules below are fixed by the service and only documented, so they live
here: tag keys and values, CloudWatch Logs retention, S3 lifecycle rules, the ElastiCache maintenance window,
RDS storage IOPS / throughput and ports. Each ``*_problems`` function returns one line per problem, each naming
the variable path the caller passes in (``platform_s3_buckets[2] (logs).lifecycle_rules[0].transitions[0].days``)
and the rule; an empty list means valid.

Pure functions, no Ansible and no boto3: ``plugins/filter/aws_rules.py`` exposes them to the roles' validation,
``tests/unit/test_aws_rules.py`` tests them, and ``local_backend/aws/rules.py`` (the emulator's refusals) follows
the same table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.list_entries import type_name

#: rule -> (the AWS documentation it comes from, the rule in one line)
RULES: dict[str, tuple[str, str]] = {
    "tags": (
        "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions",
        "at most 50 tags per resource; key 1-128 characters, value 0-256, Unicode letters, digits, spaces and "
        "_ . : / = + - @; the aws: prefix (any case) is reserved for AWS",
    ),
    "log_retention": (
        "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
        "retentionInDays is one of the values CloudWatch Logs offers",
    ),
    "s3_lifecycle": (
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html",
        "expiration days positive; transition days 0 or positive (at least 30 for STANDARD_IA / ONEZONE_IA, current "
        "and noncurrent); an object stays at least 30 days in STANDARD_IA / ONEZONE_IA before its next transition; "
        "expiration after every transition (API_Transition, API_LifecycleExpiration, "
        "API_NoncurrentVersionTransition)",
    ),
    "elasticache_maintenance_window": (
        "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html",
        "PreferredMaintenanceWindow is ddd:hh24:mi-ddd:hh24:mi (UTC); the minimum maintenance window is 60 minutes",
    ),
    "rds_storage": (
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html#USER_PIOPS",
        "io1 / io2 need Iops (1000-256000; io1 at most 50 IOPS per GiB, io2 at most 1000 per GiB); gp3 takes Iops "
        "and StorageThroughput only from 400 GiB (RDS for PostgreSQL / MySQL / MariaDB); gp2 and standard take none",
    ),
    "rds_port": (
        "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
        "Port: 1150-65535 (RDS for PostgreSQL, MySQL, MariaDB; Aurora likewise)",
    ),
    "port": (
        "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html",
        "a TCP port, 1-65535",
    ),
}

# -------------------------------------------------------------------------------------------------- tags
MAX_TAGS = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
RESERVED_TAG_PREFIX = "aws:"
#: Characters allowed besides Unicode letters (L*), separators (Z*) and numbers (N*).
TAG_SYMBOLS = frozenset("_.:/=+-@")


def _bad_tag_characters(text: str) -> list[str]:
    bad = [c for c in text if c not in TAG_SYMBOLS and unicodedata.category(c)[0] not in "LZN"]
    return sorted(set(bad))


def _is_key_value_list(tags: Any) -> bool:
    return (
        isinstance(tags, list)
        and bool(tags)
        and all(isinstance(t, Mapping) and {"key", "value"} >= {str(k).lower() for k in t} for t in tags)
    )


def _tag_label(label: str, key: Any) -> str:
    return f"{label}[{str(key)!r}]"


def tag_problems(tags: Any, label: str, extra: int = 0) -> list[str]:
    """Problems of one tag dict (``{Key: Value}``); ``extra``: tags the role adds on top (Name, Layer, ...), counted
    against the limit of 50. A Key/Value list (the API's shape) is reported as such, never converted."""
    if tags is None:
        return []
    if _is_key_value_list(tags):
        return [
            f"{label}: is a list of Key/Value pairs; write tags as a dict ({{Key: Value}}, e.g. "
            f"{{{tags[0].get('Key', tags[0].get('key'))!s}: ...}})"
        ]
    if not isinstance(tags, Mapping):
        return [f"{label}: must be a dict of tag keys to values (got {type_name(tags)})"]
    problems: list[str] = []
    if len(tags) + extra > MAX_TAGS:
        added = f" plus the {extra} the role adds" if extra else ""
        problems.append(f"{label}: {len(tags)} tags{added}; AWS allows at most {MAX_TAGS} per resource")
    for key, value in tags.items():
        where = _tag_label(label, key)
        text = str(key)
        if not isinstance(key, str):
            problems.append(f"{where}: a tag key is a string (got {type_name(key)}: quote it)")
        elif not 1 <= len(text) <= TAG_KEY_MAX:
            problems.append(f"{where}: a tag key is a string of 1-{TAG_KEY_MAX} characters (got {len(text)})")
        if text.lower().startswith(RESERVED_TAG_PREFIX):
            problems.append(f"{where}: tag keys may not start with aws: (any case), AWS reserves the prefix")
        bad = _bad_tag_characters(text)
        if bad:
            problems.append(
                f"{where}: the key holds {''.join(bad)!r}; tag keys allow letters, digits, spaces and _ . : / = + - @"
            )
        if isinstance(value, (Mapping, list)):
            problems.append(f"{where}: a tag value is a string, not a {type_name(value)}")
            continue
        shown = "" if value is None else str(value)
        if len(shown) > TAG_VALUE_MAX:
            problems.append(f"{where}: the value is {len(shown)} characters long; AWS allows at most {TAG_VALUE_MAX}")
        bad = _bad_tag_characters(shown)
        if bad:
            problems.append(
                f"{where}: the value holds {''.join(bad)!r}; tag values allow letters, digits, spaces and "
                "_ . : / = + - @"
            )
    return problems


def role_tag_problems(role_tags: Any, role_var: str, platform_tags: Any, extra: int = 1) -> list[str]:
    """A role's tags (``aws_s3_tags``: platform_tags plus Layer, or the user's own): the platform_tags part named
    ``platform_tags``, what the role's variable adds or changes named by ``role_var``, and the total with ``extra``
    (Name, added per resource) against the limit of 50."""
    problems = tag_problems(platform_tags, "platform_tags", extra + 1)
    if problems or not isinstance(role_tags, Mapping):
        return problems or tag_problems(role_tags, role_var, extra)
    base = dict(platform_tags or {})
    own = {k: v for k, v in role_tags.items() if k not in base or base[k] != v}
    problems += tag_problems(own, role_var)
    if len(role_tags) + extra > MAX_TAGS:
        problems.append(f"{role_var}: {len(role_tags)} tags plus the {extra} the role adds; AWS allows at most "
                        f"{MAX_TAGS} per resource")
    return problems


def entry_label(var: str, index: int, entry: Any, naming: tuple[str, ...] = ("suffix", "name")) -> str:
    """``platform_s3_buckets[2] (logs)``: the list variable, the index and the entry's suffix or name."""
    name = next((entry[n] for n in naming if isinstance(entry, Mapping) and isinstance(entry.get(n), str)), None)
    return f"{var}[{index}]" + (f" ({name})" if name else "")


def entry_settings(
    entries: Any, var: str, defaults: Mapping[str, Any], default_labels: Mapping[str, str]
) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    """Per dict entry of a list: its label, its settings with ``defaults`` under it, and the label of each setting
    (``<entry label>.<field>`` when the entry gives it, else the role input of ``default_labels``)."""
    out = []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, Mapping):
            continue
        label = entry_label(var, index, entry)
        settings = {**{k: v for k, v in defaults.items() if v is not None}, **dict(entry)}
        names = {**dict(default_labels), **{str(k): f"{label}.{k}" for k in entry}}
        out.append((label, settings, names))
    return out


def entries_tag_problems(
    entries: Any,
    var: str,
    base: Any = None,
    field: str = "tags",
    extra: int = 1,
    naming: tuple[str, ...] = ("suffix", "name"),
) -> list[str]:
    """The ``tags`` of each entry of a list (``platform_s3_buckets[0] (files).tags``), and the entry's tags with
    ``base`` (platform_tags and the Layer tag) against the limit of 50, ``extra`` more (Name) added by the role."""
    if not isinstance(entries, list):
        return []
    base_count = len(base) if isinstance(base, Mapping) else 0
    problems: list[str] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or entry.get(field) is None:
            continue
        label = f"{entry_label(var, index, entry, naming)}.{field}"
        tags = entry[field]
        extra_here = extra + len(set(base or {}) - set(tags)) if isinstance(tags, Mapping) else extra + base_count
        problems += tag_problems(tags, label, extra_here)
    return problems


# ---------------------------------------------------------------------------------------- CloudWatch Logs
#: The retentionInDays values PutRetentionPolicy accepts (and the console offers).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)


def _whole(value: Any) -> int | None:
    """A whole number (an int, a float without a fraction, or a string of digits with an optional sign); None
    otherwise (booleans too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
        return int(value)
    return None


def log_retention_problems(days: Any, label: str) -> list[str]:
    """Problems of a CloudWatch Logs retention in days (None: never expire, allowed)."""
    if days is None:
        return []
    value = _whole(days)
    if value is None or value not in LOG_RETENTION_DAYS:
        return [f"{label}: {days!r} days is not a retention CloudWatch Logs offers; use one of "
                f"{', '.join(map(str, LOG_RETENTION_DAYS))}"]
    return []


# ------------------------------------------------------------------------------------------- S3 lifecycle
S3_TRANSITION_CLASSES = ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")
#: Storage classes an object (current or noncurrent) may enter only after this many days.
S3_MIN_TRANSITION_DAYS = {"STANDARD_IA": 30, "ONEZONE_IA": 30}
#: Days an object stays in these classes before its next transition.
S3_MIN_DAYS_IN_CLASS = {"STANDARD_IA": 30, "ONEZONE_IA": 30}


def _transitions_problems(items: Any, label: str, noncurrent: bool) -> tuple[list[str], list[int]]:
    if not isinstance(items, list):
        return [], []
    problems: list[str] = []
    found: list[tuple[int, str, str]] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        where = f"{label}[{index}].days"
        days = _whole(item.get("days"))
        storage = str(item.get("storage_class") or "").upper()
        if days is None:
            continue  # not a whole number: a shape, reported by the bucket checks (foundation_lists)
        if days < (1 if noncurrent else 0):
            problems.append(f"{where}: {days} days; S3 needs {'a positive number' if noncurrent else '0 or more'}")
            continue
        minimum = S3_MIN_TRANSITION_DAYS.get(storage, 0)
        if days < minimum:
            kind = "noncurrent objects" if noncurrent else "objects"
            problems.append(f"{where}: {days} days; S3 moves {kind} to {storage} only after at least {minimum} days")
            continue
        found.append((days, storage, where))
    ordered = sorted(found)
    for (days, storage, _), (later, later_storage, where) in zip(ordered, ordered[1:], strict=False):
        stay = S3_MIN_DAYS_IN_CLASS.get(storage, 0)
        if later - days < stay:
            problems.append(f"{where}: {later} days; objects must stay {stay} days in {storage} (from day {days}) "
                            f"before S3 moves them to {later_storage}: use at least {days + stay}")
    return problems, [d for d, _, _ in found]


def s3_lifecycle_problems(rules: Any, label: str) -> list[str]:
    """Problems of lifecycle rules in the inventory's shape ({id, transitions: [{days, storage_class}],
    expiration_days, noncurrent_transitions, noncurrent_expiration_days}) against what PutBucketLifecycleConfiguration
    accepts. Shapes (unknown fields, storage class names, a value that is not a whole number) are the bucket
    checks' business (foundation_lists.s3_bucket_problems): this is the only place of S3's rules on the numbers."""
    if not isinstance(rules, list):
        return []
    problems: list[str] = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        where = f"{label}[{index}]"
        for field, transitions, noncurrent in (
            ("expiration_days", "transitions", False),
            ("noncurrent_expiration_days", "noncurrent_transitions", True),
        ):
            found, days = _transitions_problems(rule.get(transitions), f"{where}.{transitions}", noncurrent)
            problems += found
            if rule.get(field) is None:
                continue
            expiration = _whole(rule.get(field))
            if expiration is None:
                continue  # not a whole number: a shape, reported by the bucket checks (foundation_lists)
            if expiration < 1:
                problems.append(f"{where}.{field}: {expiration}; S3 needs a positive whole number of days")
            elif days and expiration <= max(days):
                problems.append(f"{where}.{field}: {expiration} days is not after the last of {where}.{transitions} "
                                f"({max(days)} days); S3 needs the expiration after every transition")
    return problems


# ------------------------------------------------------------------------------ ElastiCache maintenance window
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAINTENANCE_WINDOW = re.compile(r"^([a-z]{3}):([01]\d|2[0-3]):([0-5]\d)-([a-z]{3}):([01]\d|2[0-3]):([0-5]\d)$")
ELASTICACHE_MIN_WINDOW_MINUTES = 60
WEEK_MINUTES = 7 * 24 * 60


def window_minutes(window: str) -> int | None:
    """Length of a ``ddd:hh24:mi-ddd:hh24:mi`` window in minutes (across the week's end), None if malformed."""
    match = MAINTENANCE_WINDOW.match(str(window).strip().lower())
    if not match or match.group(1) not in DAYS or match.group(4) not in DAYS:
        return None
    d1, h1, m1, d2, h2, m2 = match.groups()
    start = DAYS.index(d1) * 1440 + int(h1) * 60 + int(m1)
    end = DAYS.index(d2) * 1440 + int(h2) * 60 + int(m2)
    return (end - start) % WEEK_MINUTES


def elasticache_maintenance_window_problems(window: Any, label: str) -> list[str]:
    if window is None:
        return []
    minutes = window_minutes(window) if isinstance(window, str) else None
    if minutes is None:
        return [f"{label}: {window!r} is not ddd:hh24:mi-ddd:hh24:mi (UTC, ddd one of {', '.join(DAYS)}), "
                "e.g. tue:05:00-tue:09:00"]
    if minutes < ELASTICACHE_MIN_WINDOW_MINUTES:
        return [f"{label}: {window} lasts {minutes} minutes; ElastiCache needs a maintenance window of at least "
                f"{ELASTICACHE_MIN_WINDOW_MINUTES} minutes"]
    return []


# ------------------------------------------------------------------------------------------- RDS storage
#: storage type -> (min, max) Iops and the highest Iops per GiB (RDS for PostgreSQL / MySQL / MariaDB).
PIOPS = {"io1": (1000, 256000, 50), "io2": (1000, 256000, 1000)}
#: gp3 takes Iops / StorageThroughput only from this size (GiB), within these ranges.
GP3_THRESHOLD_GIB = 400
GP3_IOPS = (12000, 64000)
GP3_THROUGHPUT = (500, 4000)


def rds_storage_problems(settings: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """Problems of storage_type / allocated_storage / iops / storage_throughput of one DB instance. ``names``: the
    label of each of those settings (the entry field, or the role input it falls back to); a setting without a
    label cannot be given by the user (its absence is reported with what to do instead)."""
    storage_type = str(settings.get("storage_type") or "gp3")
    size = _whole(settings.get("allocated_storage"))
    iops = _whole(settings.get("iops")) if settings.get("iops") is not None else None
    throughput = settings.get("storage_throughput")
    label = names.get("storage_type", "storage_type")
    problems: list[str] = []
    if storage_type in PIOPS:
        low, high, ratio = PIOPS[storage_type]
        if iops is None:
            if "iops" in names:
                problems.append(f"{names['iops']}: {storage_type} storage ({label}) needs provisioned IOPS")
            else:
                problems.append(f"{label}: {storage_type} storage needs provisioned IOPS (Iops), which these "
                                "entries do not set: use gp3 (or gp2)")
        elif not low <= iops <= high:
            problems.append(f"{names.get('iops', 'iops')}: {iops} is outside {low}-{high} ({storage_type})")
        elif size is not None and iops > size * ratio:
            problems.append(f"{names.get('iops', 'iops')}: {iops} IOPS on {size} GiB is above {ratio} IOPS per GiB "
                            f"({storage_type})")
    elif storage_type == "gp3":
        for key, (low, high) in (("iops", GP3_IOPS), ("storage_throughput", GP3_THROUGHPUT)):
            value = settings.get(key)
            if value is None:
                continue
            if size is not None and size < GP3_THRESHOLD_GIB:
                problems.append(f"{names.get(key, key)}: gp3 takes it only from {GP3_THRESHOLD_GIB} GiB "
                                f"({size} GiB below that get 3000 IOPS and 125 MiB/s)")
            elif _whole(value) is None or not low <= int(value) <= high:
                problems.append(f"{names.get(key, key)}: {value} is outside {low}-{high} (gp3)")
    elif iops is not None or throughput is not None:
        key = "iops" if iops is not None else "storage_throughput"
        problems.append(f"{names.get(key, key)}: {storage_type} storage takes no {key}")
    return problems


# ------------------------------------------------------------------------------------------------- ports
PORT_RANGES = {"rds": (1150, 65535), "aurora": (1150, 65535), "elasticache": (1, 65535), "tcp": (1, 65535)}
PORT_SERVICES = {"rds": "RDS", "aurora": "Aurora", "elasticache": "ElastiCache", "tcp": "TCP"}


def port_problems(port: Any, label: str, service: str = "tcp") -> list[str]:
    if port is None:
        return []
    low, high = PORT_RANGES[service]
    value = _whole(port)
    if value is None or not low <= value <= high:
        return [f"{label}: {port!r} is not a port {PORT_SERVICES[service]} accepts ({low}-{high})"]
    return []
