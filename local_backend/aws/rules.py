"""AWS refusals moto 5.2.5 does not make: the backend answers with AWS's error code where AWS refuses a value.

Checked with boto3 against the backend before this module (moto accepted every one of these):

1. Tags: a key starting with ``aws:`` (any case), a key over 128 or a value over 256 characters, on every call that
   sets tags: EC2 (``CreateTags``, ``TagSpecification`` of ``CreateVpc``/``RunInstances``/...) and RDS, ElastiCache
   -> ``InvalidParameterValue``; KMS (``CreateKey``, ``TagResource``) -> ``TagException``; S3 ``PutBucketTagging``
   -> ``InvalidTag`` (moto refused only the prefix); Secrets Manager, CloudWatch Logs -> ``InvalidParameterException``;
   EKS -> ``InvalidParameterException`` (Create*), ``BadRequestException`` (``TagResource``); ECR ->
   ``InvalidTagParameterException``; IAM -> ``InvalidInput``; AWS Backup -> ``InvalidParameterValueException``.
2. CloudWatch Logs ``PutRetentionPolicy`` with a ``retentionInDays`` the service does not offer ->
   ``InvalidParameterException`` (``CreateLogGroup`` takes no retention).
3. S3 ``PutBucketLifecycleConfiguration``: expiration days not positive, transition days negative, STANDARD_IA /
   ONEZONE_IA before 30 days (current and noncurrent), a transition less than 30 days after one to STANDARD_IA /
   ONEZONE_IA, expiration not after the last transition -> ``InvalidArgument``; one storage class twice in a rule
   -> ``InvalidRequest``.
4. ElastiCache ``PreferredMaintenanceWindow`` malformed or shorter than 60 minutes (Create/Modify ReplicationGroup /
   CacheCluster), ``Port`` outside 1-65535, a ``CreateCacheCluster`` zone of another region ->
   ``InvalidParameterValue``; ``AuthTokenUpdateStrategy`` ROTATE / SET without ``AuthToken``, an ``EngineVersion``
   the catalogue does not list (``6.x`` / ``7`` match their minors) -> ``InvalidParameterCombination``. (Rules that
   need the group's state - parameter group family, AUTH without TLS, failover on one node - are in
   ``elasticache.py``.)
5. EC2 ``CreateSubnet`` in a zone of another region -> ``InvalidParameterValue`` (moto refused only unknown zones of
   its own region).
6. RDS: ``CreateDBInstance`` with io1 / io2 storage and no ``Iops`` -> ``InvalidParameterCombination``; ``Port`` /
   ``DBPortNumber`` outside 1150-65535 -> ``InvalidParameterValue``; log exports the engine does not have
   (``EnableCloudwatchLogsExports``, ``CloudwatchLogsExportConfiguration``) -> ``InvalidParameterCombination``; a
   parameter group of another family than the engine version's (``CreateDBInstance``, ``ModifyDBInstance``,
   ``CreateDBCluster``) -> ``InvalidParameterCombination``; ``ModifyDBParameterGroup`` /
   ``ModifyDBClusterParameterGroup`` with a parameter name the PostgreSQL family does not have ->
   ``InvalidParameterValue``; a DB cluster parameter group that does not exist (``CreateDBCluster``,
   ``ModifyDBCluster``) -> ``DBClusterParameterGroupNotFound``, one of another family in ``ModifyDBCluster`` ->
   ``InvalidParameterCombination``; ``ModifyDBInstance`` / ``ModifyDBCluster`` ``EngineVersion`` that the catalogue
   does not list, lower than the current one, a new major without ``AllowMajorVersionUpgrade``, or (instances) a
   new major while a custom parameter group of the old family stays -> ``InvalidParameterCombination`` with AWS's
   messages. (A zone of another region in ``CreateDBInstance`` is refused by ``rds.py``.)

Stateless rules are checked on the request before moto sees it (:func:`refusal`, called by ``server.py``; the
request log records the call with ``"refused": <code>``); rules that need moto's state (the family of a parameter
group, the engine of an instance) wrap moto's RDS backend (:func:`install`). The rules follow
``plugins/module_utils/aws_rules.py`` (the same table, with the AWS documentation of each).

The PostgreSQL parameter names: ``postgres_parameters.txt`` (PostgreSQL 15's, from ``postgres --describe-config``)
plus :data:`POSTGRES_EXTRA_PARAMETERS` (the names 13, 14, 16 and 17 add or drop, and RDS's own ``rds.*``) and any
name under an extension's prefix (:data:`POSTGRES_EXTENSION_PREFIXES`). MySQL / MariaDB families are not checked.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree

from . import faults
from .requests import _read_body

# ------------------------------------------------------------------------------------------------ tables
TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256
#: service (SigV4 signing name) -> the error code AWS answers an invalid tag with.
TAG_ERROR_CODES = {
    "ec2": "InvalidParameterValue",
    "rds": "InvalidParameterValue",
    "elasticache": "InvalidParameterValue",
    "s3": "InvalidTag",
    "kms": "TagException",
    "secretsmanager": "InvalidParameterException",
    "logs": "InvalidParameterException",
    "eks": "InvalidParameterException",
    "ecr": "InvalidTagParameterException",
    "iam": "InvalidInput",
    "backup": "InvalidParameterValueException",
    "autoscaling": "ValidationError",
}
#: Operations that answer an invalid tag with another code than their service's creates.
TAG_ERROR_CODES_BY_OPERATION = {("eks", "TagResource"): "BadRequestException"}
#: JSON body members that hold tags (a {key: value} dict or a list of {Key|TagKey, Value|TagValue}).
JSON_TAG_MEMBERS = ("Tags", "tags", "BackupVaultTags", "BackupPlanTags")

LOG_RETENTION_DAYS = frozenset({1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                                2922, 3288, 3653})

S3_MIN_TRANSITION_DAYS = {"STANDARD_IA": 30, "ONEZONE_IA": 30}
S3_MIN_DAYS_IN_CLASS = {"STANDARD_IA": 30, "ONEZONE_IA": 30}

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAINTENANCE_WINDOW = re.compile(r"^([a-z]{3}):([01]\d|2[0-3]):([0-5]\d)-([a-z]{3}):([01]\d|2[0-3]):([0-5]\d)$")
ELASTICACHE_MIN_WINDOW = 60

RDS_PORTS = (1150, 65535)
#: engine -> the log types it exports to CloudWatch Logs (DescribeDBEngineVersions ExportableLogTypes).
EXPORTABLE_LOG_TYPES = {
    "postgres": {"postgresql", "upgrade", "iam-db-auth-error"},
    "aurora-postgresql": {"postgresql", "instance", "iam-db-auth-error"},
    "mysql": {"audit", "error", "general", "slowquery", "iam-db-auth-error"},
    "mariadb": {"audit", "error", "general", "slowquery", "iam-db-auth-error"},
    "aurora-mysql": {"audit", "error", "general", "slowquery", "instance", "iam-db-auth-error"},
}
PIOPS_STORAGE = ("io1", "io2")

#: PostgreSQL parameter names of other major versions than 15, and RDS's own.
POSTGRES_EXTRA_PARAMETERS = frozenset({
    # 13 / 14 only
    "operator_precedence_warning", "vacuum_cleanup_index_scale_factor", "stats_temp_directory",
    # 16
    "createrole_self_grant", "debug_io_direct", "debug_logical_replication_streaming", "debug_parallel_query",
    "gss_accept_delegation", "icu_validation_level", "reserved_connections", "scram_iterations",
    "send_abort_for_crash", "send_abort_for_kill", "vacuum_buffer_usage_limit",
    # 17
    "allow_alter_system", "commit_timestamp_buffers", "enable_group_by_reordering", "event_triggers",
    "io_combine_limit", "max_notify_queue_pages", "multixact_member_buffers", "multixact_offset_buffers",
    "notify_buffers", "serializable_buffers", "subtransaction_buffers", "summarize_wal", "sync_replicated_slots",
    "synchronized_standby_slots", "trace_connection_negotiation", "transaction_buffers", "transaction_timeout",
    "wal_summary_keep_time",
    # RDS
    "rds.force_ssl", "rds.logical_replication", "rds.log_retention_period", "rds.rds_superuser_reserved_connections",
    "rds.restrict_password_commands", "rds.allowed_extensions", "rds.accepted_password_auth_method",
    "rds.adaptive_autovacuum", "rds.custom_dns_resolution", "rds.enable_plan_management",
    "rds.force_admin_logging_level", "rds.force_autovacuum_logging_level", "rds.enable_pgactive",
    "rds.enable_memory_management", "rds.pg_stat_ramdisk_size", "rds.superuser_variables",
    "rds.allowed_delegated_extensions", "rds.extensions", "rds.babelfish_status", "rds.log_connections",
    "rds.default_scripts",
    "ssl_max_protocol_version", "ssl_min_protocol_version",
})
#: Extensions' parameters (placeholders: any name under the prefix).
POSTGRES_EXTENSION_PREFIXES = ("pg_stat_statements.", "auto_explain.", "pgaudit.", "pg_hint_plan.", "pglogical.",
                               "cron.", "pg_partman_bgw.", "apg_plan_mgmt.", "pg_similarity.", "pgtle.", "plrust.",
                               "pg_transport.", "aurora_", "babelfishpg_", "pg_bigm.", "orafce.", "pgactive.")


@functools.cache
def postgres_parameters() -> frozenset[str]:
    path = Path(__file__).with_name("postgres_parameters.txt")
    names = {line.strip().lower() for line in path.read_text().splitlines() if line.strip() and line[0] != "#"}
    return frozenset(names | POSTGRES_EXTRA_PARAMETERS)


def postgres_parameter_known(name: str) -> bool:
    lowered = name.strip().lower()
    return lowered in postgres_parameters() or lowered.startswith(POSTGRES_EXTENSION_PREFIXES)


def parameter_group_family(engine: str | None, version: str | None) -> str | None:
    """The parameter group family of an engine version (postgres 17.7 -> postgres17, aurora-mysql
    8.0.mysql_aurora.3.08.0 -> aurora-mysql8.0, mysql 8.0.35 -> mysql8.0); None when unknown."""
    if not engine or not version:
        return None
    parts = re.findall(r"\d+", str(version))
    if not parts:
        return None
    if engine in ("postgres", "aurora-postgresql"):
        return f"{engine}{parts[0]}" if int(parts[0]) >= 10 else f"{engine}{'.'.join(parts[:2])}"
    if engine in ("mysql", "aurora-mysql", "mariadb") and len(parts) >= 2:
        return f"{engine}{parts[0]}.{parts[1]}"
    return None


# ----------------------------------------------------------------------------------------- the refusal
class Refusal(Exception):
    """An AWS error: code and message (HTTP 400)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _body(environ: dict[str, Any]) -> bytes:
    return _read_body(environ)  # the request log's reader: the body is put back for moto


def _region(environ: dict[str, Any]) -> str | None:
    auth = str(environ.get("HTTP_AUTHORIZATION") or "")
    if "Credential=" not in auth:
        return None
    parts = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    return parts[2] if len(parts) >= 5 else None


def _form(environ: dict[str, Any]) -> dict[str, str]:
    params = {k: v[0] for k, v in parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True).items()}
    if str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        body = parse_qs(_body(environ).decode("utf-8", "replace"), keep_blank_values=True)
        params.update({k: v[0] for k, v in body.items()})
    return params


def _json(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(_body(environ) or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _xml(environ: dict[str, Any]) -> ElementTree.Element | None:
    body = _body(environ)
    if not body:
        return None
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 - a request body of the local test client
    except ElementTree.ParseError:
        return None
    for element in root.iter():  # drop the namespace: {http://s3.amazonaws.com/doc/2006-03-01/}Rule -> Rule
        element.tag = element.tag.rsplit("}", 1)[-1]
    return root


def _members(params: dict[str, str], prefix: str) -> list[str]:
    """Values of a query-protocol list (``Prefix.1``, ``Prefix.member.1``, ``Prefix.<Name>.1``)."""
    pattern = re.compile(rf"^{re.escape(prefix)}(\.[A-Za-z]+)?\.\d+$")
    return [v for k, v in sorted(params.items()) if pattern.match(k)]


# ------------------------------------------------------------------------------------------------ tags
def _tags_of_form(params: dict[str, str]) -> list[tuple[str, str]]:
    tags = []
    for name, key in params.items():
        segments = name.split(".")
        if segments[-1] == "Key" and any(s.startswith("Tag") for s in segments[:-1]):
            tags.append((key, params.get(name[: -len("Key")] + "Value", "")))
    return tags


def _tags_of_json(body: dict[str, Any]) -> list[tuple[str, str]]:
    tags: list[tuple[str, str]] = []
    for member in JSON_TAG_MEMBERS:
        value = body.get(member)
        if isinstance(value, dict):
            tags += [(str(k), "" if v is None else str(v)) for k, v in value.items()]
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    key = item.get("Key", item.get("TagKey", item.get("key")))
                    val = item.get("Value", item.get("TagValue", item.get("value")))
                    tags.append((str(key), "" if val is None else str(val)))
    return tags


def _tags_of_xml(root: ElementTree.Element | None) -> list[tuple[str, str]]:
    if root is None:
        return []
    return [(t.findtext("Key") or "", t.findtext("Value") or "") for t in root.iter("Tag")]


def tag_problem(tags: Iterable[tuple[str, str]]) -> str | None:
    for key, value in tags:
        if key.lower().startswith("aws:"):
            return f"Tag keys starting with 'aws:' are reserved for internal use: {key}"
        if not 1 <= len(key) <= TAG_KEY_MAX:
            return f"Tag key must be 1-{TAG_KEY_MAX} characters long: {key[:40]}..."
        if len(value) > TAG_VALUE_MAX:
            return f"Tag value exceeds the maximum length of {TAG_VALUE_MAX} characters (key {key})"
    return None


def _tag_refusal(service: str, operation: str, tags: list[tuple[str, str]]) -> None:
    problem = tag_problem(tags)
    if problem is not None:
        default = TAG_ERROR_CODES.get(service, "ValidationException")
        code = TAG_ERROR_CODES_BY_OPERATION.get((service, operation), default)
        raise Refusal(code, problem)


def _sets_tags(operation: str) -> bool:
    return not operation.startswith(("Describe", "List", "Get", "Untag", "Remove", "Delete"))


# ------------------------------------------------------------------------------------------ per service
def _window_minutes(window: str) -> int | None:
    match = MAINTENANCE_WINDOW.match(window.strip().lower())
    if not match or match.group(1) not in DAYS or match.group(4) not in DAYS:
        return None
    d1, h1, m1, d2, h2, m2 = match.groups()
    start = DAYS.index(d1) * 1440 + int(h1) * 60 + int(m1)
    end = DAYS.index(d2) * 1440 + int(h2) * 60 + int(m2)
    return (end - start) % (7 * 1440)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


ZONE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$")


def _elasticache(operation: str, params: dict[str, str], region: str | None) -> None:
    from .catalogue import CACHE_NODE_TYPES

    node_type = params.get("CacheNodeType")
    if node_type and operation in ("CreateReplicationGroup", "CreateCacheCluster", "ModifyReplicationGroup",
                                   "ModifyCacheCluster") and node_type not in CACHE_NODE_TYPES:
        raise Refusal("InvalidParameterValue", f"Invalid CacheNodeType: {node_type}")
    window = params.get("PreferredMaintenanceWindow")
    if window and operation in ("CreateReplicationGroup", "ModifyReplicationGroup", "CreateCacheCluster",
                                "ModifyCacheCluster"):
        minutes = _window_minutes(window)
        if minutes is None:
            raise Refusal("InvalidParameterValue", f"Invalid maintenance window format: {window}. Should be specified "
                          "as a range ddd:hh24:mi-ddd:hh24:mi (24H Clock UTC).")
        if minutes < ELASTICACHE_MIN_WINDOW:
            raise Refusal("InvalidParameterValue", "The maintenance window must be at least 60 minutes.")
    strategy = params.get("AuthTokenUpdateStrategy")
    if strategy in ("ROTATE", "SET") and not params.get("AuthToken") and operation in (
            "ModifyReplicationGroup", "ModifyCacheCluster"):
        raise Refusal("InvalidParameterCombination", f"AuthTokenUpdateStrategy {strategy} requires an AuthToken.")
    version = params.get("EngineVersion")
    if version and operation in ("CreateReplicationGroup", "CreateCacheCluster", "ModifyReplicationGroup",
                                 "ModifyCacheCluster"):
        from .catalogue import CACHE_VERSIONS

        engine = params.get("Engine")
        known = [v for e, versions in CACHE_VERSIONS.items() if engine in (None, e) for v, _ in versions]
        wanted = version.lower().replace(".x", "")
        if not any(v == wanted or v.startswith(wanted + ".") or wanted.startswith(v + ".") for v in known):
            raise Refusal("InvalidParameterCombination", f"Cannot find version {version} for "
                          f"{engine or 'this engine'}.")
    port = params.get("Port")
    if port is not None and operation in ("CreateReplicationGroup", "CreateCacheCluster"):
        if not 1 <= (_int(port) or 0) <= 65535:
            raise Refusal("InvalidParameterValue", f"Invalid port {port}: it must be 1-65535.")
    if operation in ("CreateCacheCluster", "CreateReplicationGroup") and region:
        # PreferredAvailabilityZone(s), PreferredCacheClusterAZs, NodeGroupConfiguration's Primary/Replica zones
        zones = [v for k, v in params.items() if ("AvailabilityZone" in k or "AZs" in k) and ZONE.match(v or "")]
        wrong = [z for z in zones if z and not z.startswith(region)]
        if wrong:
            raise Refusal("InvalidParameterValue", f"Invalid availability zone(s) {', '.join(wrong)}: not in the "
                          f"region {region}.")


def _known_db_classes() -> set[str]:
    from .catalogue import RDS_CLASSES

    return {c for classes, _storage in RDS_CLASSES.values() for c in classes}


def _engine_catalogue(operation: str, engine: str, version: str | None, db_class: str | None) -> None:
    """An engine version the catalogue does not list, or a class the engine does not offer (catalogue.py: what the
    preflight reads; engines outside it are left to moto)."""
    from .catalogue import RDS_CLASSES, RDS_VERSIONS

    if engine not in RDS_VERSIONS:
        return
    versions = [row[0] for row in RDS_VERSIONS[engine]]
    # a major version alone ("17") is accepted: RDS picks that major's default minor version
    if version and version not in versions and not any(v.startswith(f"{version}.") for v in versions):
        raise Refusal("InvalidParameterCombination", f"Cannot find version {version} for {engine}")
    classes = RDS_CLASSES.get(engine, ([], []))[0]
    if operation == "CreateDBInstance" and db_class and classes and db_class not in classes:
        raise Refusal("InvalidParameterCombination", f"RDS does not support creating a DB instance with the following "
                      f"combination: DBInstanceClass={db_class}, Engine={engine}, EngineVersion={version or ''}.")


def _rds(operation: str, params: dict[str, str]) -> None:
    db_class = params.get("DBInstanceClass") if operation in ("CreateDBInstance", "ModifyDBInstance") else None
    if db_class and db_class not in _known_db_classes():
        # a class of no engine at all (a typo, an EC2 or ElastiCache type): what AWS answers for a class it does not
        # offer for the engine (catalogue.py's classes; per engine and version the preflight reads them)
        raise Refusal("InvalidParameterCombination", f"RDS does not support creating a DB instance with the following "
                      f"combination: DBInstanceClass={db_class}, Engine={params.get('Engine', '')}, "
                      f"EngineVersion={params.get('EngineVersion', '')}.")
    engine = params.get("Engine")
    if operation in ("CreateDBInstance", "CreateDBCluster") and engine:
        _engine_catalogue(operation, engine, params.get("EngineVersion"), db_class)
    if operation == "CreateDBInstance":
        storage = params.get("StorageType")
        if storage in PIOPS_STORAGE and not params.get("Iops"):
            raise Refusal("InvalidParameterCombination", f"You must specify Iops for {storage} storage.")
    port = params.get("Port") if operation in ("CreateDBInstance", "CreateDBCluster") else None
    if operation in ("ModifyDBInstance", "ModifyDBCluster"):
        port = params.get("DBPortNumber") or params.get("Port")
    if port is not None:
        low, high = RDS_PORTS
        if not low <= (_int(port) or 0) <= high:
            raise Refusal("InvalidParameterValue", f"Invalid port {port}: the port must be {low}-{high}.")
    if operation in ("CreateDBInstance", "CreateDBCluster") and params.get("Engine"):
        _log_exports(params["Engine"], params.get("EngineVersion"), _members(params, "EnableCloudwatchLogsExports"))


def _log_exports(engine: str, version: Any, log_types: Iterable[str]) -> None:
    allowed = EXPORTABLE_LOG_TYPES.get(engine)
    wrong = sorted(set(log_types) - allowed) if allowed is not None else []
    if wrong:
        raise Refusal("InvalidParameterCombination", f"You cannot use the log types '{', '.join(wrong)}' with engine "
                      f"{engine} {version or ''}".rstrip() + ". For supported log types, see the documentation.")


def _lifecycle(root: ElementTree.Element | None) -> None:
    if root is None:
        return
    for rule in root.iter("Rule"):
        where = f"for filter '(prefix={rule.findtext('Filter/Prefix') or rule.findtext('Prefix') or ''})'"
        for kind, tag, day_field in (("current", "Transition", "Days"),
                                     ("noncurrent", "NoncurrentVersionTransition", "NoncurrentDays")):
            seen: set[str] = set()
            found: list[tuple[int, str]] = []
            for transition in rule.findall(tag):
                storage = transition.findtext("StorageClass") or ""
                if storage in seen:
                    raise Refusal("InvalidRequest", f"'StorageClass' must be different for '{tag}' actions in same "
                                  "'Rule'.")
                seen.add(storage)
                value = _int(transition.findtext(day_field))
                if value is None:
                    continue
                if value < (0 if kind == "current" else 1):
                    raise Refusal("InvalidArgument", f"'{day_field}' in {tag} action must be "
                                  f"{'nonnegative' if kind == 'current' else 'a positive integer'}")
                minimum = S3_MIN_TRANSITION_DAYS.get(storage, 0)
                if value < minimum:
                    raise Refusal("InvalidArgument", f"'{day_field}' in {tag} action must be greater than or equal "
                                  f"to {minimum} for storageClass '{storage}'")
                found.append((value, storage))
            found.sort()
            for (first, first_class), (later, later_class) in zip(found, found[1:], strict=False):
                stay = S3_MIN_DAYS_IN_CLASS.get(first_class, 0)
                if later - first < stay:
                    raise Refusal("InvalidArgument", f"'{day_field}' in the {tag} action for StorageClass "
                                  f"'{later_class}' {where} must be {stay} days more than {where} in the {tag} "
                                  f"action for StorageClass '{first_class}'")
            expiration_tag = "Expiration" if kind == "current" else "NoncurrentVersionExpiration"
            expiration = _int(rule.findtext(f"{expiration_tag}/{day_field}"))
            if expiration is not None:
                if expiration < 1:
                    raise Refusal("InvalidArgument", f"'{day_field}' for {expiration_tag} action must be a positive "
                                  "integer")
                if found and expiration <= found[-1][0]:
                    raise Refusal("InvalidArgument", f"'{day_field}' in the {expiration_tag} action {where} must be "
                                  f"greater than '{day_field}' in the {tag} action")


def check(service: str | None, operation: str | None, environ: dict[str, Any]) -> None:
    """Raise :class:`Refusal` when AWS would refuse this request (stateless rules)."""
    if not service or not operation:
        return
    protocol = faults.protocol_of(service)
    if protocol in ("query", "ec2"):
        params = _form(environ)
        if _sets_tags(operation):
            _tag_refusal(service, operation, _tags_of_form(params))
        region = _region(environ)
        if service == "elasticache":
            _elasticache(operation, params, region)
        elif service == "rds":
            _rds(operation, params)
        elif service == "ec2" and operation == "CreateSubnet" and region:
            zone = params.get("AvailabilityZone")
            if zone and not zone.startswith(region):
                raise Refusal("InvalidParameterValue", f"Value ({zone}) for parameter availabilityZone is invalid. "
                              f"Subnets can currently only be created in the availability zones of {region}.")
    elif protocol in ("json", "rest-json"):
        if operation == "PutRetentionPolicy" or _sets_tags(operation):
            body = _json(environ)
            if _sets_tags(operation):
                _tag_refusal(service, operation, _tags_of_json(body))
            if service == "logs" and operation == "PutRetentionPolicy":
                days = body.get("retentionInDays")
                if _int(days) not in LOG_RETENTION_DAYS:
                    raise Refusal("InvalidParameterException", f"1 validation error detected: Value '{days}' at "
                                  "'retentionInDays' failed to satisfy constraint: Member must satisfy enum value "
                                  f"set: [{', '.join(map(str, sorted(LOG_RETENTION_DAYS)))}]")
    elif service == "s3" and operation in ("PutBucketTagging", "PutBucketLifecycleConfiguration"):
        root = _xml(environ)
        if operation == "PutBucketTagging":
            _tag_refusal(service, operation, _tags_of_xml(root))
        else:
            _lifecycle(root)


def refusal(entry: dict[str, Any], environ: dict[str, Any]) -> Refusal | None:
    """The refusal of this request (``entry``: its request-log entry), or None: never breaks the request."""
    try:
        check(entry.get("service"), entry.get("operation"), environ)
    except Refusal as refused:
        return refused
    except Exception:  # noqa: BLE001 - a rule that cannot read the request lets moto answer it
        return None
    return None


def respond(refused: Refusal, service: str, start_response: Any) -> Iterable[bytes]:
    """Answer with the refusal in the service's error format (HTTP 400)."""
    headers, body = faults.error_response(service, refused.code, refused.message)
    start_response("400 Bad Request", [*headers.items(), ("Content-Length", str(len(body)))])
    return [body]


# ------------------------------------------------------------------------- rules on moto's state (RDS)
_installed = False


def install() -> None:
    """Wrap moto's RDS backend with the rules that need its state (after ``rds.install()``)."""
    global _installed
    if _installed:
        return
    _installed = True
    import moto.rds.models as models
    from moto.rds.exceptions import InvalidParameterCombination, InvalidParameterValue

    def family_check(backend: Any, group_name: Any, engine: Any, version: Any, cluster: bool = False) -> None:
        groups = backend.db_cluster_parameter_groups if cluster else backend.db_parameter_groups
        group = groups.get(group_name) if group_name else None
        wanted = parameter_group_family(engine, version)
        have = getattr(group, "family", None) or getattr(group, "db_parameter_group_family", None)  # cluster groups
        if group is not None and wanted and have and have != wanted:
            raise InvalidParameterCombination(
                f"The parameter group {group_name} with DBParameterGroupFamily {have} can't be used for this "
                f"instance. Use a parameter group with DBParameterGroupFamily {wanted}."
            )

    def cluster_group_exists(backend: Any, group_name: Any) -> None:
        if group_name and not str(group_name).startswith("default.") and \
                group_name not in backend.db_cluster_parameter_groups:
            raise models.RDSClientError("DBClusterParameterGroupNotFound",
                                        f"DBClusterParameterGroup not found: {group_name}")

    def upgrade_check(resource: Any, kwargs: Any, backend: Any = None) -> None:
        """ModifyDBInstance / ModifyDBCluster ``EngineVersion``: a version the catalogue has, no downgrade, a new
        major only with AllowMajorVersionUpgrade and (instances) a parameter group of the new family when the
        current one is custom. ``backend``: the instance's, for its parameter groups (None for a cluster)."""
        wanted, engine = kwargs.get("engine_version"), str(getattr(resource, "engine", "") or "")
        current = str(getattr(resource, "engine_version", "") or "")
        if not wanted or not current or str(wanted) == current:
            return
        from .catalogue import RDS_VERSIONS

        versions = [row[0] for row in RDS_VERSIONS.get(engine, [])]
        if versions and wanted not in versions and not any(v.startswith(f"{wanted}.") for v in versions):
            raise InvalidParameterCombination(f"Cannot find upgrade path from {current} to {wanted}.")
        have_t, want_t = (tuple(int(p) for p in re.findall(r"\d+", v)) for v in (current, str(wanted)))
        if want_t < have_t[: len(want_t)]:
            raise InvalidParameterCombination(f"Cannot upgrade {engine} from {current} to {wanted}")
        old_family, new_family = parameter_group_family(engine, current), parameter_group_family(engine, wanted)
        if not old_family or old_family == new_family:
            return
        if not kwargs.get("allow_major_version_upgrade"):
            raise InvalidParameterCombination("The AllowMajorVersionUpgrade flag must be present when upgrading to "
                                              "a new major version.")
        group = str(getattr(resource, "db_parameter_group_name", None) or "")
        if backend is not None and group and not group.startswith("default.") and \
                not kwargs.get("db_parameter_group_name"):
            raise InvalidParameterCombination(f"The current DB instance parameter group {group} is custom. You must "
                                              "explicitly specify a new DB instance parameter group, either default "
                                              "or custom, for the engine version upgrade.")

    def names_check(family: Any, parameters: Iterable[dict[str, Any]]) -> None:
        if not str(family or "").startswith(("postgres", "aurora-postgresql")):
            return
        for parameter in parameters:
            name = str(parameter.get("ParameterName") or "")
            if not postgres_parameter_known(name):
                raise InvalidParameterValue(f"Could not find parameter with name: {name}")

    original_create = models.RDSBackend.create_db_instance

    def create_db_instance(self: Any, db_kwargs: dict[str, Any]) -> Any:
        family_check(self, db_kwargs.get("db_parameter_group_name"), db_kwargs.get("engine"),
                     db_kwargs.get("engine_version"))
        return original_create(self, db_kwargs)

    original_modify = models.RDSBackend.modify_db_instance

    def modify_db_instance(self: Any, db_instance_identifier: str, db_kwargs: dict[str, Any]) -> Any:
        database = self.databases.get(db_instance_identifier)
        if database is not None:
            if not getattr(database, "db_cluster_identifier", None):
                upgrade_check(database, db_kwargs, self)
            version = db_kwargs.get("engine_version") or database.engine_version
            family_check(self, db_kwargs.get("db_parameter_group_name"), database.engine, version)
            config = db_kwargs.get("cloudwatch_logs_export_configuration") or {}
            enable = config.get("EnableLogTypes") if hasattr(config, "get") else None  # moto: an XFormedDict
            try:
                _log_exports(database.engine, version, enable or [])
            except Refusal as refused:
                raise InvalidParameterCombination(refused.message) from None
        return original_modify(self, db_instance_identifier, db_kwargs)

    original_cluster = models.RDSBackend.create_db_cluster

    def create_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        cluster_group_exists(self, kwargs.get("db_cluster_parameter_group_name"))
        family_check(self, kwargs.get("db_cluster_parameter_group_name"), kwargs.get("engine"),
                     kwargs.get("engine_version"), cluster=True)
        return original_cluster(self, kwargs)

    original_modify_cluster = models.RDSBackend.modify_db_cluster

    def modify_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        cluster = self.clusters.get(kwargs.get("db_cluster_identifier") or "")
        if cluster is not None:
            upgrade_check(cluster, kwargs)
            cluster_group_exists(self, kwargs.get("db_cluster_parameter_group_name"))
            family_check(self, kwargs.get("db_cluster_parameter_group_name"), cluster.engine,
                         kwargs.get("engine_version") or cluster.engine_version, cluster=True)
        return original_modify_cluster(self, kwargs)

    def names_checked(original: Any, groups: str) -> Any:
        """ModifyDB(Cluster)ParameterGroup with the parameter names checked against the group's family."""

        def modify(self: Any, name: str, parameters: Iterable[dict[str, Any]]) -> Any:
            parameters = list(parameters)
            names_check(getattr(getattr(self, groups).get(name), "family", None), parameters)
            return original(self, name, parameters)

        return modify

    modify_db_parameter_group = names_checked(models.RDSBackend.modify_db_parameter_group, "db_parameter_groups")
    modify_db_cluster_parameter_group = names_checked(models.RDSBackend.modify_db_cluster_parameter_group,
                                                      "db_cluster_parameter_groups")

    models.RDSBackend.create_db_instance = create_db_instance  # type: ignore[method-assign]
    models.RDSBackend.modify_db_instance = modify_db_instance  # type: ignore[method-assign]
    models.RDSBackend.create_db_cluster = create_db_cluster  # type: ignore[method-assign]
    models.RDSBackend.modify_db_cluster = modify_db_cluster  # type: ignore[method-assign]
    models.RDSBackend.modify_db_parameter_group = modify_db_parameter_group  # type: ignore[method-assign]
    models.RDSBackend.modify_db_cluster_parameter_group = modify_db_cluster_parameter_group  # type: ignore[method-assign]
