# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""The foundation layer's resource lists: S3 buckets, Secrets Manager secrets, ECR repositories and
VPC endpoints. For each kind: ``*_specs`` derives the final names and fills the defaults ONCE (the
roles loop over the result), ``*_problems`` lists what is wrong before any AWS call, naming the
inventory variable, the entry and the field (``platform_s3_buckets[0].lifecycle_rules[1].expiration_days``).

Pure functions, no Ansible and no boto3: ``plugins/filter/foundation_lists.py`` exposes them to the
roles and ``tests/unit/test_foundation_lists.py`` tests them.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.list_entries import (
    as_int,
    derived_name,
    duplicate_problems,
    entry_problems,
    field_label,
    integer_problem,
    is_text,
    naming_field,
    naming_ok,
    refers_to,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.secrets import (
    PLACEHOLDER,
    validate_specs,
)

# --------------------------------------------------------------------------------------------- S3
#: Stand-in for the account id while validating (same length, known only at run time).
ACCOUNT_STAND_IN = "000000000000"
S3_ENCRYPTIONS = {"kms": "aws:kms", "s3": "AES256"}
#: Storage classes a lifecycle transition may target (PutBucketLifecycleConfiguration).
S3_STORAGE_CLASSES = ("standard_ia", "onezone_ia", "intelligent_tiering", "glacier_ir", "glacier", "deep_archive")
S3_CORS_METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD")
S3_CORS_DEFAULTS = {
    "methods": ["GET", "PUT", "POST", "DELETE", "HEAD"],
    "headers": ["*"],
    "expose_headers": ["ETag", "Content-Length", "Content-Type"],
    "max_age": 3600,
}
S3_BUCKET_FIELDS = ("encryption", "versioning", "lifecycle_rules", "cors", "tags")
S3_RULE_FIELDS = ("id", "transitions", "expiration_days", "noncurrent_expiration_days", "noncurrent_transitions")
S3_CORS_FIELDS = ("origins", "methods", "headers", "expose_headers", "max_age")
#: Lowercase letters, digits, dots and hyphens, 3-63 long, starting and ending with a letter or digit,
#: no '..', '.-' or '-.', not an IPv4 address, no reserved prefix (xn--, sthree-) or suffix (-s3alias, --ol-s3).
S3_BUCKET_NAME = re.compile(
    r"^(?!xn--|sthree-)(?!.*(\.\.|\.-|-\.))(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?<!-s3alias)(?<!--ol-s3)$"
)
S3_ORIGIN = re.compile(r"^(https?://[^/\s]+|\*)$")


def s3_bucket_name(entry: Mapping[str, Any], prefix: str, account_id: str) -> str:
    """``name`` as given, or ``<prefix>-<suffix>-<account id>``."""
    return derived_name(entry, lambda suffix: f"{prefix}-{suffix}-{account_id}")


def _transitions(items: Any) -> list[dict[str, Any]]:
    return [
        {"transition_days": int(item["days"]), "storage_class": str(item["storage_class"]).lower()}
        for item in items or []
    ]


def s3_bucket_specs(buckets: Sequence[Mapping[str, Any]], prefix: str, account_id: str) -> list[dict[str, Any]]:
    """What the role applies per bucket: final name, SSE algorithm, versioning, lifecycle rules in the
    s3_lifecycle module's shape, the s3_cors rule (None = CORS not managed) and the bucket's own tags."""
    specs = []
    for entry in buckets or []:
        cors = entry.get("cors")
        rule = None
        if cors:
            merged = {**S3_CORS_DEFAULTS, **{k: v for k, v in cors.items() if v is not None}}
            rule = {
                "allowed_origins": list(merged["origins"]),
                "allowed_methods": [str(m).upper() for m in merged["methods"]],
                "allowed_headers": list(merged["headers"]),
                "expose_headers": list(merged["expose_headers"]),
                "max_age_seconds": int(merged["max_age"]),
            }
        specs.append(
            {
                "name": s3_bucket_name(entry, prefix, account_id),
                "encryption": S3_ENCRYPTIONS[str(entry.get("encryption") or "kms")],
                "versioning": bool(entry.get("versioning", False)),
                "lifecycle_rules": [
                    {
                        "id": str(r["id"]),
                        "transitions": _transitions(r.get("transitions")),
                        "noncurrent_transitions": _transitions(r.get("noncurrent_transitions")),
                        "expiration_days": r.get("expiration_days"),
                        "noncurrent_expiration_days": r.get("noncurrent_expiration_days"),
                    }
                    for r in entry.get("lifecycle_rules") or []
                ],
                "cors": rule,
                "tags": dict(entry.get("tags") or {}),
            }
        )
    return specs


# The lifecycle checks here are the shapes only (fields, whole numbers, storage class names, duplicates, rule ids, a
# rule without action); what S3 accepts of the numbers (days 0 or more, STANDARD_IA after 30 days, expiration after
# every transition, ...) is aws_rules.s3_lifecycle_problems, the one table of S3's rules, checked by the aws_s3 role
# beside these.


def _transition_problems(items: Any, label: str) -> list[str]:
    if items is None:
        return []
    if not isinstance(items, list):
        return [f"{label}: must be a list of {{days, storage_class}}"]
    problems: list[str] = []
    classes: set[str] = set()
    for t_index, item in enumerate(items):
        t_label = f"{label}[{t_index}]"
        if not isinstance(item, Mapping):
            problems.append(f"{t_label}: must be a dict {{days, storage_class}}")
            continue
        for field in sorted(set(map(str, item)) - {"days", "storage_class"}):
            problems.append(f"{t_label}.{field}: unknown field (allowed: days, storage_class)")
        if item.get("days") is None:
            problems.append(f"{t_label}.days: required (a whole number of days)")
        elif integer_problem(item["days"]):
            problems.append(f"{t_label}.days: {integer_problem(item['days'])}")
        storage = str(item.get("storage_class") or "").lower()
        if storage not in S3_STORAGE_CLASSES:
            problems.append(
                f"{t_label}.storage_class: must be one of {', '.join(S3_STORAGE_CLASSES)} "
                f"(got {item.get('storage_class')!r})"
            )
        elif storage in classes:
            problems.append(f"{t_label}.storage_class: {storage} is listed twice in the rule")
        else:
            classes.add(storage)
    return problems


def _rule_problems(rule: Any, label: str, seen_ids: set[str]) -> list[str]:
    if not isinstance(rule, Mapping):
        return [f"{label}: must be a dict (id, transitions, expiration_days, ...)"]
    problems = [
        f"{label}.{field}: unknown field (allowed: {', '.join(S3_RULE_FIELDS)})"
        for field in sorted(set(map(str, rule)) - set(S3_RULE_FIELDS))
    ]
    rule_id = rule.get("id")
    if not is_text(rule_id) or len(str(rule_id)) > 255:
        problems.append(f"{label}.id: every rule needs an id of 1-255 characters")
    elif rule_id in seen_ids:
        problems.append(f"{label}.id: {rule_id!r} is used by another rule of the bucket")
    else:
        seen_ids.add(str(rule_id))
    problems += _transition_problems(rule.get("transitions"), f"{label}.transitions")
    problems += _transition_problems(rule.get("noncurrent_transitions"), f"{label}.noncurrent_transitions")
    for field in ("expiration_days", "noncurrent_expiration_days"):
        problem = integer_problem(rule.get(field)) if rule.get(field) is not None else None
        if problem:
            problems.append(f"{label}.{field}: {problem}")
    if not any(
        rule.get(f) for f in ("transitions", "noncurrent_transitions", "expiration_days", "noncurrent_expiration_days")
    ):
        problems.append(
            f"{label}: the rule has no action (transitions, expiration_days, noncurrent_expiration_days "
            "or noncurrent_transitions)"
        )
    return problems


def _cors_problems(cors: Any, label: str) -> list[str]:
    if not isinstance(cors, Mapping):
        return [f"{label}: must be a dict with origins (and optionally methods, headers, expose_headers, max_age)"]
    problems = [
        f"{label}.{field}: unknown field (allowed: {', '.join(S3_CORS_FIELDS)})"
        for field in sorted(set(map(str, cors)) - set(S3_CORS_FIELDS))
    ]
    origins = cors.get("origins")
    if not isinstance(origins, list) or not origins:
        problems.append(f"{label}.origins: list at least one origin such as https://example.com (scheme and host)")
    else:
        bad = [o for o in origins if not isinstance(o, str) or not S3_ORIGIN.match(o)]
        if bad:
            problems.append(f"{label}.origins: {bad} are not origins (scheme and host, no path, or '*')")
    methods = cors.get("methods")
    if methods is not None:
        bad = [m for m in methods or [None] if str(m).upper() not in S3_CORS_METHODS]
        if bad:
            problems.append(f"{label}.methods: must be some of {', '.join(S3_CORS_METHODS)} (got {bad})")
    max_age = cors.get("max_age")
    seconds = as_int(max_age)
    if max_age is not None and (seconds is None or seconds < 0):
        problems.append(f"{label}.max_age: must be a whole number of seconds")
    return problems


def s3_bucket_problems(buckets: Any, prefix: str, var: str = "platform_s3_buckets") -> list[str]:
    """Every problem of the bucket list (empty = valid), before any AWS call."""
    if buckets is None:
        return []
    if not isinstance(buckets, list):
        return [f"{var}: must be a list of bucket entries (empty list = no bucket)"]
    problems: list[str] = []
    named: list[tuple[int, str, str]] = []
    for index, entry in enumerate(buckets):
        found = entry_problems(entry, var, index, S3_BUCKET_FIELDS)
        problems += found
        if not isinstance(entry, Mapping):
            continue
        if naming_ok(entry):
            field = naming_field(entry)
            name = s3_bucket_name(entry, prefix, ACCOUNT_STAND_IN)
            if not S3_BUCKET_NAME.match(name):
                problems.append(
                    f"{field_label(var, index, field)}: gives the bucket name {name!r} (account id shown as "
                    f"{ACCOUNT_STAND_IN}), not a valid S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', "
                    "starting and ending with a letter or digit, no '..', not an IP address"
                    + (
                        " (the prefix is platform_name = <platform_project>-<platform_environment>)"
                        if field == "suffix"
                        else ""
                    )
                )
            named.append((index, field, name))
        encryption = entry.get("encryption")
        if encryption is not None and encryption not in S3_ENCRYPTIONS:
            problems.append(
                f"{field_label(var, index, 'encryption')}: must be kms (SSE-KMS with the platform key) "
                f"or s3 (SSE-S3, AES256); got {encryption!r}"
            )
        if entry.get("versioning") is not None and not isinstance(entry.get("versioning"), bool):
            problems.append(f"{field_label(var, index, 'versioning')}: must be true or false")
        rules = entry.get("lifecycle_rules")
        if rules is not None and not isinstance(rules, list):
            problems.append(f"{field_label(var, index, 'lifecycle_rules')}: must be a list of rules")
        else:
            seen_ids: set[str] = set()
            for r_index, rule in enumerate(rules or []):
                problems += _rule_problems(rule, f"{field_label(var, index, 'lifecycle_rules')}[{r_index}]", seen_ids)
        if entry.get("cors") is not None:
            problems += _cors_problems(entry.get("cors"), field_label(var, index, "cors"))
        if entry.get("tags") is not None and not isinstance(entry.get("tags"), Mapping):
            problems.append(f"{field_label(var, index, 'tags')}: must be a dict")
    return problems + duplicate_problems(named, var)


def s3_bucket_drift(
    current: Mapping[str, Any] | None, spec: Mapping[str, Any], key_arn: str, base_tags: Mapping[str, Any]
) -> list[str]:
    """Settings a real run would change on a bucket (check-mode preview). ``current`` is one bucket of
    amazon.aws.s3_bucket_info with every bucket_facts flag on; ``spec`` one :func:`s3_bucket_specs` entry."""
    c = current or {}
    drift: list[str] = []
    if ((c.get("bucket_versioning") or {}).get("Status") == "Enabled") != spec["versioning"]:
        drift.append("versioning")
    sse = ((c.get("bucket_encryption") or {}).get("Rules") or [{}])[0]
    default = sse.get("ApplyServerSideEncryptionByDefault") or {}
    if default.get("SSEAlgorithm") != spec["encryption"] or (
        spec["encryption"] == "aws:kms"
        and (default.get("KMSMasterKeyID") != key_arn or not sse.get("BucketKeyEnabled"))
    ):
        drift.append("encryption")
    if len([v for v in (c.get("public_access_block") or {}).values() if v]) != 4:
        drift.append("public access block")
    ownership = ((c.get("bucket_ownership_controls") or {}).get("Rules") or [{}])[0].get("ObjectOwnership")
    if ownership != "BucketOwnerEnforced":
        drift.append("ownership controls")
    statements = (c.get("bucket_policy") or {}).get("Statement") or []
    if len([s for s in statements if s.get("Sid") == "DenyInsecureTransport" and s.get("Effect") == "Deny"]) != 1:
        drift.append("policy")
    if (c.get("bucket_tagging") or {}) != {**base_tags, **spec["tags"], "Name": spec["name"]}:
        drift.append("tags")
    current_rules = {r.get("ID"): r for r in (c.get("bucket_lifecycle_configuration") or {}).get("Rules") or []}
    for rule in spec["lifecycle_rules"]:
        cr = current_rules.get(rule["id"]) or {}
        wanted_t = [(t["transition_days"], t["storage_class"].upper()) for t in rule["transitions"]]
        wanted_nt = [(t["transition_days"], t["storage_class"].upper()) for t in rule["noncurrent_transitions"]]
        if (
            cr.get("Status") != "Enabled"
            or (cr.get("Expiration") or {}).get("Days") != rule["expiration_days"]
            or (cr.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays") != rule["noncurrent_expiration_days"]
            or [(t.get("Days"), t.get("StorageClass")) for t in cr.get("Transitions") or []] != wanted_t
            or [(t.get("NoncurrentDays"), t.get("StorageClass")) for t in cr.get("NoncurrentVersionTransitions") or []]
            != wanted_nt
        ):
            drift.append(f"lifecycle rule {rule['id']}")
    if spec["cors"] is not None:
        cc = (c.get("bucket_cors") or {}).get("CORSRules") or []
        want = spec["cors"]
        if (
            len(cc) != 1
            or any(
                sorted(cc[0].get(key) or []) != sorted(want[ours])
                for key, ours in (
                    ("AllowedOrigins", "allowed_origins"),
                    ("AllowedMethods", "allowed_methods"),
                    ("AllowedHeaders", "allowed_headers"),
                    ("ExposeHeaders", "expose_headers"),
                )
            )
            or cc[0].get("MaxAgeSeconds") != want["max_age_seconds"]
        ):
            drift.append("cors")
    return drift


# ---------------------------------------------------------------------------------------- Secrets
SECRET_KINDS = ("generated", "placeholder", "static", "endpoint")
SECRET_FIELDS = (
    "description",
    "kind",
    "length",
    "special",
    "encoding",
    "json_key",
    "json_fields",
    "value",
    "source",
    "tags",
)
#: Source kinds of an endpoint secret -> the inventory list its entry must be in.
ENDPOINT_SOURCES = {
    "rds_instance": "platform_rds_instances",
    "aurora_cluster": "platform_aurora_clusters",
    "redis_group": "platform_redis_groups",
}
AURORA_ENDPOINTS = ("writer", "reader")
#: The value an endpoint secret is created with, until the data layer fills it in.
ENDPOINT_PLACEHOLDER_KEYS = {
    "rds_instance": ("host", "username", "password"),
    "aurora_cluster": ("host", "username", "password"),
    "redis_group": ("host",),
}


def secret_name(entry: Mapping[str, Any], prefix: str) -> str:
    """``name`` as given, or ``<prefix>/<suffix>``."""
    return derived_name(entry, lambda suffix: f"{prefix}/{suffix}" if prefix else suffix)


def endpoint_source(entry: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """(source kind, entry reference, aurora endpoint) of a valid endpoint secret."""
    source = entry["source"]
    kind = next(k for k in ENDPOINT_SOURCES if source.get(k) is not None)
    return kind, str(source[kind]), (str(source.get("endpoint") or "writer") if kind == "aurora_cluster" else None)


def secret_specs(entries: Sequence[Mapping[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """The secretsmanager_secrets module's ``secrets`` option: full names, Name tag (plus the entry's
    tags), kind ``endpoint`` created as a placeholder whose keys fit its source."""
    specs = []
    for entry in entries or []:
        name = secret_name(entry, prefix)
        spec = {k: v for k, v in entry.items() if k in SECRET_FIELDS and k not in ("source", "tags") and v is not None}
        spec["name"] = name
        spec["tags"] = {**dict(entry.get("tags") or {}), "Name": name}
        if entry.get("kind") == "endpoint":
            spec["kind"] = "placeholder"
            if entry.get("value") is None:
                keys = ENDPOINT_PLACEHOLDER_KEYS[endpoint_source(entry)[0]]
                spec["value"] = {key: PLACEHOLDER for key in keys}
        specs.append(spec)
    return specs


def endpoint_secrets(
    entries: Sequence[Mapping[str, Any]], prefix: str, source_kind: str | None = None
) -> list[dict[str, Any]]:
    """The endpoint secrets (full name, description, source kind, entry reference, aurora endpoint), for
    the data roles that fill them: ``platform_secrets | endpoint_secrets(platform_secret_prefix, 'rds_instance')``."""
    out = []
    for entry in entries or []:
        if not isinstance(entry, Mapping) or entry.get("kind") != "endpoint":
            continue
        kind, reference, endpoint = endpoint_source(entry)
        if source_kind is None or kind == source_kind:
            out.append(
                {
                    "name": secret_name(entry, prefix),
                    "description": entry.get("description"),
                    "source_kind": kind,
                    "source": reference,
                    "endpoint": endpoint,
                }
            )
    return out


def _source_problems(entry: Mapping[str, Any], label: str, sources: Mapping[str, Any]) -> list[str]:
    source = entry.get("source")
    kinds = ", ".join(ENDPOINT_SOURCES)
    if not isinstance(source, Mapping):
        return [f"{label}: kind endpoint needs source: {{<one of {kinds}>: <entry suffix or name>}}"]
    problems = [
        f"{label}.{field}: unknown field (allowed: {kinds}, endpoint)"
        for field in sorted(set(map(str, source)) - set(ENDPOINT_SOURCES) - {"endpoint"})
    ]
    given = [k for k in ENDPOINT_SOURCES if source.get(k) is not None]
    if len(given) != 1:
        return problems + [f"{label}: give exactly one of {kinds} (got {', '.join(given) or 'none'})"]
    kind = given[0]
    reference = source[kind]
    entries = sources.get(kind) or []
    if not any(refers_to(e, reference) for e in entries):
        known = [e.get("suffix") or e.get("name") for e in entries if isinstance(e, Mapping)]
        problems.append(
            f"{label}.{kind}: {reference!r} is not an entry of {ENDPOINT_SOURCES[kind]} "
            f"(by suffix or name; the inventory has {known or 'none'})"
        )
    if kind == "aurora_cluster":
        if source.get("endpoint") is not None and source.get("endpoint") not in AURORA_ENDPOINTS:
            problems.append(f"{label}.endpoint: must be writer or reader (got {source.get('endpoint')!r})")
    elif source.get("endpoint") is not None:
        problems.append(f"{label}.endpoint: only an aurora_cluster source has writer/reader endpoints")
    return problems


def secret_problems(
    entries: Any, prefix: str, var: str = "platform_secrets", sources: Mapping[str, Any] | None = None
) -> list[str]:
    """Every problem of the secret list, never a value. ``sources`` maps each source kind
    (rds_instance, aurora_cluster, redis_group) to the inventory's list of that kind."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        return [f"{var}: must be a list of secret entries (empty list = no secret)"]
    sources = sources or {}
    problems: list[str] = []
    named: list[tuple[int, str, str]] = []
    valid: list[tuple[int, Mapping[str, Any]]] = []
    for index, entry in enumerate(entries):
        found = entry_problems(entry, var, index, SECRET_FIELDS)
        problems += found
        if not isinstance(entry, Mapping):
            continue
        named_ok = naming_ok(entry)
        if named_ok:
            named.append((index, naming_field(entry), secret_name(entry, prefix)))
        kind = entry.get("kind")
        if kind not in SECRET_KINDS:
            problems.append(
                f"{field_label(var, index, 'kind')}: must be one of {', '.join(SECRET_KINDS)} (got {kind!r})"
            )
            continue
        if kind == "endpoint":
            source_found = _source_problems(entry, field_label(var, index, "source"), sources)
            problems += source_found
            if source_found:
                continue
        elif entry.get("source") is not None:
            problems.append(f"{field_label(var, index, 'source')}: only kind endpoint takes a source")
        if named_ok:
            valid.append((index, entry))
    # The module's own rules (name characters, generated lengths, options per kind) on the final specs.
    specs = secret_specs([entry for _, entry in valid], prefix)
    for problem in validate_specs(specs):
        problems.append(re.sub(r"^secrets\[(\d+)\]", lambda m: field_label(var, valid[int(m.group(1))][0]), problem))
    duplicates = duplicate_problems(named, var)
    return problems + duplicates


# -------------------------------------------------------------------------------------------- ECR
ECR_DEFAULT_PATTERN = "{project}/{environment}/{service}"
ECR_PATTERN_FIELDS = ("project", "environment", "service", "platform_name")
ECR_FIELDS = ("image_tag_mutability", "scan_on_push", "max_image_count")
#: CreateRepository's name rule, with its 2-256 length limit.
ECR_NAME = re.compile(r"^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")


def _ecr_entry(entry: Any) -> Any:
    return {"service": entry} if isinstance(entry, str) else entry


def ecr_repository_name(entry: Mapping[str, Any], pattern: str, project: str, environment: str) -> str:
    return derived_name(
        entry,
        lambda service: pattern.format(
            project=project, environment=environment, service=service, platform_name=f"{project}-{environment}"
        ),
        naming=("service", "name"),
    )


def ecr_repository_specs(entries: Sequence[Any], pattern: str, project: str, environment: str) -> list[dict[str, Any]]:
    """Per repository: final name and the entry's own settings (None = the role's default)."""
    out = []
    for raw in entries or []:
        entry = _ecr_entry(raw)
        out.append(
            {
                "name": ecr_repository_name(entry, pattern, project, environment),
                **{field: entry.get(field) for field in ECR_FIELDS},
            }
        )
    return out


def ecr_pattern_problems(pattern: Any, var: str = "platform_ecr_name_pattern") -> list[str]:
    if not isinstance(pattern, str) or not pattern:
        return [f"{var}: must be a string such as {ECR_DEFAULT_PATTERN}"]
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
    except ValueError as exc:
        return [f"{var}: {pattern!r} is not a valid pattern ({exc})"]
    unknown = [f for f in fields if f not in ECR_PATTERN_FIELDS]
    if unknown:
        return [
            f"{var}: unknown placeholder(s) {unknown} in {pattern!r} (allowed: "
            + ", ".join("{" + f + "}" for f in ECR_PATTERN_FIELDS)
            + ")"
        ]
    if "service" not in fields:
        return [f"{var}: {pattern!r} must contain {{service}} (one repository per service)"]
    return []


def ecr_repository_problems(
    entries: Any,
    pattern: Any,
    project: str,
    environment: str,
    var: str = "platform_ecr_repositories",
    pattern_var: str = "platform_ecr_name_pattern",
) -> list[str]:
    """Every problem of the repository list and the name pattern (empty = valid)."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        return [f"{var}: must be a list of service names or entries (empty list = no repository)"]
    pattern_problems = ecr_pattern_problems(pattern, pattern_var)
    problems = list(pattern_problems)
    named: list[tuple[int, str, str]] = []
    for index, raw in enumerate(entries):
        entry = _ecr_entry(raw)
        found = entry_problems(entry, var, index, ECR_FIELDS, naming=("service", "name"))
        problems += found
        if not isinstance(entry, Mapping):
            continue
        if not pattern_problems and naming_ok(entry, ("service", "name")):
            field = "name" if entry.get("name") is not None else "service"
            name = ecr_repository_name(entry, str(pattern), project, environment)
            label = field_label(var, index) if isinstance(raw, str) else field_label(var, index, field)
            if not ECR_NAME.match(name):
                problems.append(
                    f"{label}: gives the repository name {name!r}, not a valid ECR name: 2-256 lowercase letters and "
                    "digits separated by single '.', '_', '-' or '/' (no capitals, no leading or trailing separator)"
                )
            named.append((index, "" if isinstance(raw, str) else field, name))
        mutability = entry.get("image_tag_mutability")
        if mutability is not None and str(mutability).lower() not in ("mutable", "immutable"):
            problems.append(f"{field_label(var, index, 'image_tag_mutability')}: must be mutable or immutable")
        count = entry.get("max_image_count")
        if count is not None and not (as_int(count) is not None and 1 <= int(count) <= 10000):
            problems.append(f"{field_label(var, index, 'max_image_count')}: must be 1 to 10000")
        if entry.get("scan_on_push") is not None and not isinstance(entry.get("scan_on_push"), bool):
            problems.append(f"{field_label(var, index, 'scan_on_push')}: must be true or false")
    return problems + duplicate_problems(named, var)


# ------------------------------------------------------------------------------------ VPC endpoints
VPC_ENDPOINT_FIELDS = ("service", "type", "name", "tags")
GATEWAY_SERVICES = ("s3", "dynamodb")
VPC_ENDPOINT_TYPES = ("gateway", "interface")
SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")


def vpc_endpoint_service_name(service: str, region: str) -> str:
    """``s3`` -> ``com.amazonaws.<region>.s3``; a full service name (``com.amazonaws.``, ``aws.``) as given."""
    if service.startswith(("com.amazonaws.", "aws.")):
        return service
    return f"com.amazonaws.{region}.{service}"


def vpc_endpoint_specs(entries: Sequence[Mapping[str, Any]], name_prefix: str, region: str) -> list[dict[str, Any]]:
    """Per endpoint: Name tag (``<name_prefix>-<service>-endpoint``, dots as '-', unless ``name``), full
    service name, type (Gateway / Interface; default gateway for s3 and dynamodb), tags."""
    out = []
    for entry in entries or []:
        service = str(entry["service"])
        kind = str(entry.get("type") or ("gateway" if service in GATEWAY_SERVICES else "interface"))
        short = service.split(f".{region}.", 1)[-1] if service.startswith(("com.amazonaws.", "aws.")) else service
        name = entry.get("name") or f"{name_prefix}-{short.replace('.', '-')}-endpoint"
        out.append(
            {
                "name": str(name),
                "service": service,
                "service_name": vpc_endpoint_service_name(service, region),
                "type": kind.capitalize(),
                "tags": dict(entry.get("tags") or {}),
            }
        )
    return out


def vpc_endpoint_problems(
    entries: Any, name_prefix: str, region: str, var: str = "platform_vpc_endpoints"
) -> list[str]:
    if entries is None:
        return []
    if not isinstance(entries, list):
        return [f"{var}: must be a list of endpoint entries (empty list = no endpoint)"]
    problems: list[str] = []
    named: list[tuple[int, str, str]] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            problems.append(f"{field_label(var, index)}: each entry must be a dict {{service, type}}")
            continue
        problems += [
            f"{field_label(var, index, f)}: unknown field (allowed: {', '.join(VPC_ENDPOINT_FIELDS)})"
            for f in sorted(set(map(str, entry)) - set(VPC_ENDPOINT_FIELDS))
        ]
        service = entry.get("service")
        if not isinstance(service, str) or not SERVICE.match(service):
            problems.append(
                f"{field_label(var, index, 'service')}: give the service (s3, dynamodb, ecr.api, ...) "
                f"or its full name (got {service!r})"
            )
            continue
        kind = entry.get("type")
        if kind is not None and kind not in VPC_ENDPOINT_TYPES:
            problems.append(f"{field_label(var, index, 'type')}: must be gateway or interface (got {kind!r})")
            continue
        short = service.split(f".{region}.", 1)[-1] if service.startswith(("com.amazonaws.", "aws.")) else service
        if kind == "gateway" and short not in GATEWAY_SERVICES:
            problems.append(
                f"{field_label(var, index, 'type')}: gateway endpoints exist only for "
                f"{', '.join(GATEWAY_SERVICES)} (got {service}); use type interface"
            )
        if entry.get("name") is not None and not is_text(entry.get("name")):
            problems.append(f"{field_label(var, index, 'name')}: must be a non-empty string")
            continue
        spec = vpc_endpoint_specs([entry], name_prefix, region)[0]
        named.append((index, "name" if entry.get("name") else "service", spec["name"]))
    return problems + duplicate_problems(named, var)
