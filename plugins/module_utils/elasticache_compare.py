# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Pure compare code of the ``elasticache_replication_group`` module (no boto3, no AnsibleModule); the AWS
side is :mod:`elasticache`.

* :func:`validate` checks the module options and their cross-field rules before any API call;
* :func:`auth_token_problem` checks an AUTH token's form without ever echoing it;
* :func:`wanted_settings` reduces the options to the settings to compare, with the automatic
  failover / Multi-AZ defaults (on when there is more than one node, off otherwise);
* :func:`described_settings` reduces a DescribeReplicationGroups answer (plus one member cluster from
  DescribeCacheClusters, where AWS reports engine version, parameter group, subnet group, security
  groups and maintenance window) to the same keys, pending modifications applied;
* :func:`plan_changes` compares both and says what to call: ModifyReplicationGroup with only the
  changed fields, Increase/DecreaseReplicaCount, or a failure for what the API cannot change in place;
* :func:`parameter_changes` does the same for the parameters of a custom cache parameter group.

No function here ever receives or returns an AUTH token value: settings only say whether AUTH is on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict as _snake

ENGINES = ("redis", "valkey")
#: ReplicationGroupId: 1-40 characters, a letter first, letters/digits/hyphens, no "--", no trailing "-".
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
NAME_MAX = 40
#: Cluster mode disabled: one primary and up to five replicas.
MAX_CACHE_CLUSTERS = 6
MAX_REPLICAS = 5
MAX_NODE_GROUPS = 500
MAX_SNAPSHOT_RETENTION = 35
_HHMM = r"(?:[01]\d|2[0-3]):[0-5]\d"
_DAY = r"(?:sun|mon|tue|wed|thu|fri|sat)"
SNAPSHOT_WINDOW = re.compile(rf"^{_HHMM}-{_HHMM}$")
MAINTENANCE_WINDOW = re.compile(rf"^{_DAY}:{_HHMM}-{_DAY}:{_HHMM}$", re.IGNORECASE)
#: ElastiCache AUTH tokens: 16-128 printable ASCII characters; the only special characters allowed
#: are ! & # $ ^ < > -
AUTH_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9!&#$^<>-]{16,128}$")

#: How a setting is changed: ``modify`` (ModifyReplicationGroup field ``api``), ``replicas``
#: (Increase/DecreaseReplicaCount), ``auth`` (AuthToken with strategy ROTATE), ``fixed`` (the API
#: cannot change it in place), ``shards`` (online resharding; not done by this module).
#: ``member``: AWS reports the value on the member cache clusters, not on the replication group.


@dataclass(frozen=True)
class Setting:
    key: str
    how: str
    api: str | None = None
    member: bool = False
    why: str = ""


SETTINGS: tuple[Setting, ...] = (
    Setting("description", "modify", "ReplicationGroupDescription"),
    Setting("engine", "modify", "Engine"),
    Setting("engine_version", "modify", "EngineVersion", member=True),
    Setting("node_type", "modify", "CacheNodeType"),
    Setting("cluster_mode", "fixed", why="switching cluster mode needs a migration (ClusterMode compatible)"),
    Setting("num_cache_clusters", "replicas"),
    Setting(
        "num_node_groups",
        "shards",
        why="changing the shard count is online resharding (ModifyReplicationGroupShardConfiguration), "
        "which this module does not do",
    ),
    Setting("replicas_per_node_group", "replicas"),
    Setting("automatic_failover", "modify", "AutomaticFailoverEnabled"),
    Setting("multi_az", "modify", "MultiAZEnabled"),
    Setting(
        "transit_encryption",
        "fixed",
        why="in-transit encryption changes need a two-step migration (TransitEncryptionMode preferred, then "
        "required), which this module does not do",
    ),
    Setting("at_rest_encryption", "fixed", why="encryption at rest can only be chosen at creation"),
    Setting("kms_key_id", "fixed", why="the at-rest KMS key can only be chosen at creation"),
    Setting("auth_token_enabled", "auth"),
    Setting("cache_parameter_group_name", "modify", "CacheParameterGroupName", member=True),
    Setting("cache_subnet_group_name", "fixed", member=True, why="the subnet group can only be chosen at creation"),
    Setting("security_group_ids", "modify", "SecurityGroupIds", member=True),
    Setting("snapshot_retention_limit", "modify", "SnapshotRetentionLimit"),
    Setting("snapshot_window", "modify", "SnapshotWindow"),
    Setting("preferred_maintenance_window", "modify", "PreferredMaintenanceWindow", member=True),
    Setting("port", "fixed", why="the port can only be chosen at creation"),
    Setting("auto_minor_version_upgrade", "modify", "AutoMinorVersionUpgrade"),
)
SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}
MEMBER_KEYS = tuple(s.key for s in SETTINGS if s.member)


def cluster_mode_of(params: Mapping[str, Any]) -> str | None:
    """``enabled`` with num_node_groups, ``disabled`` with num_cache_clusters, None when neither is given."""
    if params.get("num_node_groups") is not None:
        return "enabled"
    if params.get("num_cache_clusters") is not None:
        return "disabled"
    return None


def validate(params: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[str]:
    """Every problem of the options (empty list = valid). Each message names the option as ``names`` calls
    it (the module: the option itself; the aws_elasticache role: its variable and the platform_* knob)."""
    names = names or {}

    def n(option: str) -> str:
        return names.get(option, option)

    problems: list[str] = []
    name = params.get("name") or ""
    if len(name) > NAME_MAX or not NAME_PATTERN.match(name.lower()):
        problems.append(
            f"{n('name')} must be 1-{NAME_MAX} lower-case letters, digits and single hyphens starting with a letter, "
            f"got {name!r}"
        )
    if params.get("state", "present") != "present":
        return problems

    engine = params.get("engine")
    if engine is not None and engine not in ENGINES:
        problems.append(f"{n('engine')} must be {' or '.join(ENGINES)}, got {engine!r}")

    nodes = params.get("num_cache_clusters")
    shards = params.get("num_node_groups")
    replicas = params.get("replicas_per_node_group")
    failover = params.get("automatic_failover")
    multi_az = params.get("multi_az")
    if nodes is not None and shards is not None:
        problems.append(
            f"{n('num_cache_clusters')} (cluster mode disabled) and {n('num_node_groups')} (cluster mode enabled) "
            "exclude each other"
        )
    if replicas is not None and nodes is not None:
        problems.append(
            f"{n('replicas_per_node_group')} is for cluster mode ({n('num_node_groups')}); use "
            f"{n('num_cache_clusters')} alone"
        )
    if nodes is not None:
        if not 1 <= nodes <= MAX_CACHE_CLUSTERS:
            problems.append(
                f"{n('num_cache_clusters')} must be 1 to {MAX_CACHE_CLUSTERS} cache nodes (one primary and up to "
                f"{MAX_REPLICAS} replicas), got {nodes}"
            )
        elif nodes == 1 and multi_az:
            problems.append(
                f"{n('multi_az')} is true but {n('num_cache_clusters')} is 1: {n('multi_az')} needs at least 2 cache "
                f"nodes (a replica in another zone); raise the node count or leave {n('multi_az')} unset (automatic)"
            )
        elif nodes == 1 and failover:
            problems.append(
                f"{n('automatic_failover')} is true but {n('num_cache_clusters')} is 1: {n('automatic_failover')} "
                "needs at least 2 cache nodes; raise the node count or leave it unset (automatic)"
            )
    if shards is not None:
        if not 1 <= shards <= MAX_NODE_GROUPS:
            problems.append(f"{n('num_node_groups')} must be 1 to {MAX_NODE_GROUPS} shards, got {shards}")
        if (replicas or 0) == 0 and failover and shards == 1:
            problems.append(
                f"{n('automatic_failover')} is true but cluster mode has one shard ({n('num_node_groups')} 1) and no "
                f"replicas ({n('replicas_per_node_group')} 0): {n('automatic_failover')} with cluster mode needs a "
                f"replica to promote; set {n('replicas_per_node_group')} to 1 or more"
            )
        if (replicas or 0) >= 1 and failover is False:
            problems.append(
                f"{n('automatic_failover')} is false but cluster mode has replicas ({n('replicas_per_node_group')} "
                f"{replicas}): a cluster mode group with replicas needs {n('automatic_failover')} on; leave it unset "
                "(automatic) or set it to true"
            )
        if (replicas or 0) == 0 and multi_az:
            problems.append(
                f"{n('multi_az')} is true but {n('replicas_per_node_group')} is 0: {n('multi_az')} with cluster mode "
                "needs a replica in every shard"
            )
    if replicas is not None and not 0 <= replicas <= MAX_REPLICAS:
        problems.append(f"{n('replicas_per_node_group')} must be 0 to {MAX_REPLICAS}, got {replicas}")
    if multi_az and failover is False:
        problems.append(f"{n('multi_az')} needs {n('automatic_failover')}, which is false")

    token, secret = params.get("auth_token"), params.get("auth_token_secret_id")
    if token is not None and secret is not None:
        problems.append(f"{n('auth_token')} and {n('auth_token_secret_id')} exclude each other")
    if (token is not None or secret is not None) and params.get("transit_encryption") is not True:
        auth = n("auth_token") if token is not None else n("auth_token_secret_id")
        problems.append(
            f"{n('transit_encryption')} must be true: the AUTH token ({auth}) needs {n('transit_encryption')}: true"
        )
    if token is not None:
        problem = auth_token_problem(token)
        if problem:
            problems.append(f"{n('auth_token')}: {problem}")
    zones = params.get("preferred_availability_zones")
    if zones and nodes is not None and len(zones) != nodes:
        problems.append(
            f"{n('preferred_availability_zones')}: {len(zones)} zone(s) for {n('num_cache_clusters')} {nodes}: "
            "give one zone per node (the primary first)"
        )
    if params.get("kms_key_id") and params.get("at_rest_encryption") is not True:
        problems.append(f"{n('kms_key_id')} needs {n('at_rest_encryption')}: true")

    window = params.get("snapshot_window")
    if window is not None and not SNAPSHOT_WINDOW.match(window):
        problems.append(f"{n('snapshot_window')} must be hh:mm-hh:mm (UTC), got {window!r}")
    window = params.get("preferred_maintenance_window")
    if window is not None and not MAINTENANCE_WINDOW.match(window):
        problems.append(f"{n('preferred_maintenance_window')} must be ddd:hh:mm-ddd:hh:mm (UTC), got {window!r}")
    retention = params.get("snapshot_retention_limit")
    if retention is not None and not 0 <= retention <= MAX_SNAPSHOT_RETENTION:
        problems.append(
            f"{n('snapshot_retention_limit')} must be 0 to {MAX_SNAPSHOT_RETENTION} days, got {retention}"
        )
    port = params.get("port")
    if port is not None and not 1 <= port <= 65535:
        problems.append(f"{n('port')} must be 1 to 65535, got {port}")

    group = params.get("parameter_group")
    if group is not None:
        if not params.get("cache_parameter_group_name"):
            problems.append("parameter_group needs cache_parameter_group_name (the name of the group it manages)")
        elif params["cache_parameter_group_name"].startswith("default."):
            problems.append("parameter_group cannot manage a default.* parameter group; name a custom one")
        for pname, value in (group.get("parameters") or {}).items():
            if isinstance(value, (dict, list)):
                problems.append(f"parameter_group.parameters.{pname}: a string, number or boolean")
        family, version = group.get("family"), params.get("engine_version")
        if family and version:
            try:
                derived = parameter_group_family(params.get("engine") or "redis", version)
            except ValueError:
                derived = None
            if derived and derived != family:
                problems.append(
                    f"parameter_group.family {family} does not fit {params.get('engine') or 'redis'} {version} "
                    f"(its family is {derived}); leave family unset to derive it"
                )
    grace = params.get("auth_token_rotation_grace")
    if grace is not None and grace < 0:
        problems.append(f"{n('auth_token_rotation_grace')} must be 0 or more seconds, got {grace}")
    return problems


def auth_token_problem(token: str) -> str | None:
    """Why an AUTH token is not acceptable to ElastiCache (never quotes the token), or None."""
    if not 16 <= len(token) <= 128:
        return f"must be 16 to 128 characters long (is {len(token)})"
    if not AUTH_TOKEN_PATTERN.match(token):
        return "may only hold letters, digits and ! & # $ ^ < > -"
    return None


def wanted_settings(params: Mapping[str, Any], creating: bool = False) -> dict[str, Any]:
    """The settings the caller manages (None options are left out), with failover/Multi-AZ defaults.

    Automatic failover and Multi-AZ default to on when the group has more than one node (cluster mode
    enabled: more than one node in all, resp. a replica in every shard) and off otherwise; the default
    is only applied when the node counts are known (given, or the creation defaults).
    """
    p = dict(params)
    mode = cluster_mode_of(p)
    if creating:
        if mode is None:
            p["num_cache_clusters"] = 1
            mode = "disabled"
        if mode == "enabled" and p.get("replicas_per_node_group") is None:
            p["replicas_per_node_group"] = 0
    wanted: dict[str, Any] = {}
    for key in (
        "description",
        "engine",
        "engine_version",
        "node_type",
        "num_cache_clusters",
        "num_node_groups",
        "replicas_per_node_group",
        "transit_encryption",
        "at_rest_encryption",
        "kms_key_id",
        "cache_parameter_group_name",
        "cache_subnet_group_name",
        "snapshot_retention_limit",
        "snapshot_window",
        "preferred_maintenance_window",
        "port",
        "auto_minor_version_upgrade",
    ):
        if p.get(key) is not None:
            wanted[key] = p[key]
    if mode is not None:
        wanted["cluster_mode"] = mode
    if p.get("security_group_ids") is not None:
        wanted["security_group_ids"] = sorted(set(p["security_group_ids"]))
    if p.get("auth_token") is not None or p.get("auth_token_secret_id") is not None:
        wanted["auth_token_enabled"] = True
    if creating and p.get("preferred_availability_zones"):
        # Placement is chosen at creation only (not compared afterwards: AWS moves nodes on failover).
        wanted["preferred_availability_zones"] = list(p["preferred_availability_zones"])

    many_nodes: bool | None = None
    replica_in_every_shard: bool | None = None
    if mode == "disabled":
        many_nodes = replica_in_every_shard = p["num_cache_clusters"] > 1
    elif mode == "enabled" and p.get("replicas_per_node_group") is not None:
        replica_in_every_shard = p["replicas_per_node_group"] >= 1
        many_nodes = p["num_node_groups"] * (1 + p["replicas_per_node_group"]) > 1
    failover = p.get("automatic_failover")
    if failover is None:
        failover = many_nodes
    multi_az = p.get("multi_az")
    if multi_az is None and replica_in_every_shard is not None:
        multi_az = bool(replica_in_every_shard and failover)
    if failover is not None:
        wanted["automatic_failover"] = failover
    if multi_az is not None:
        wanted["multi_az"] = multi_az
    return wanted


def _enabled(value: Any) -> bool | None:
    if value is None:
        return None
    return str(value).lower() in ("enabled", "enabling")


def described_settings(group: Mapping[str, Any], member: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The compared settings of a described replication group (member-level ones None without ``member``).

    Pending modifications (ApplyImmediately false) count as the current value, so a change waiting for
    the maintenance window is not requested again.
    """
    node_groups = list(group.get("NodeGroups") or [])
    cluster = bool(group.get("ClusterEnabled"))
    pending = group.get("PendingModifiedValues") or {}
    member = member or {}
    member_pending = member.get("PendingModifiedValues") or {}
    if cluster:
        endpoint = group.get("ConfigurationEndpoint") or {}
    else:
        endpoint = (node_groups[0].get("PrimaryEndpoint") if node_groups else None) or {}
    settings: dict[str, Any] = {
        "description": group.get("Description"),
        "engine": group.get("Engine") or member.get("Engine"),
        "node_type": member_pending.get("CacheNodeType") or group.get("CacheNodeType"),
        "cluster_mode": "enabled" if cluster else "disabled",
        "num_cache_clusters": None if cluster else len(group.get("MemberClusters") or []),
        "num_node_groups": len(node_groups) if cluster else None,
        "replicas_per_node_group": (
            min(len(ng.get("NodeGroupMembers") or []) - 1 for ng in node_groups) if cluster and node_groups else None
        ),
        "automatic_failover": _enabled(pending.get("AutomaticFailoverStatus") or group.get("AutomaticFailover")),
        "multi_az": _enabled(group.get("MultiAZ")),
        "transit_encryption": bool(group.get("TransitEncryptionEnabled")),
        "at_rest_encryption": bool(group.get("AtRestEncryptionEnabled")),
        "kms_key_id": group.get("KmsKeyId"),
        "auth_token_enabled": (
            bool(group.get("AuthTokenEnabled")) or pending.get("AuthTokenStatus") in ("SETTING", "ROTATING")
        ),
        "snapshot_retention_limit": group.get("SnapshotRetentionLimit"),
        "snapshot_window": group.get("SnapshotWindow"),
        "port": endpoint.get("Port"),
        "auto_minor_version_upgrade": group.get("AutoMinorVersionUpgrade"),
        "engine_version": None,
        "cache_parameter_group_name": None,
        "cache_subnet_group_name": None,
        "security_group_ids": None,
        "preferred_maintenance_window": None,
    }
    if member:
        settings["engine_version"] = member_pending.get("EngineVersion") or member.get("EngineVersion")
        # A deferred engine upgrade carries its parameter group switch (one ModifyReplicationGroup): the member
        # reports the old group until the maintenance window.
        settings["engine_version_pending"] = bool(member_pending.get("EngineVersion"))
        parameter_group = member.get("CacheParameterGroup") or {}
        settings["cache_parameter_group_name"] = parameter_group.get("CacheParameterGroupName")
        settings["cache_subnet_group_name"] = member.get("CacheSubnetGroupName")
        settings["security_group_ids"] = sorted(
            sg["SecurityGroupId"] for sg in member.get("SecurityGroups") or [] if sg.get("SecurityGroupId")
        )
        settings["preferred_maintenance_window"] = member.get("PreferredMaintenanceWindow")
    return settings


def version_tuple(version: str) -> tuple[int, ...]:
    """``7.1.0`` -> (7, 1, 0); non-numeric parts stop the tuple (``6.x`` -> (6,))."""
    out: list[int] = []
    for part in str(version).split("."):
        if not part.isdigit():
            break
        out.append(int(part))
    return tuple(out)


def version_matches(wanted: str, current: str | None) -> bool:
    """Whether a running version is what a (partial) wanted version asks for, the way ElastiCache reports it:
    AWS picks the patch release, so ``7.1`` matches ``7.1`` and ``7.1.0``, ``6.2`` matches ``6.2.6``, ``7``
    matches every ``7.x.y``, and ``6.x`` (a wildcard part) every ``6.*``. ``6.2`` does not match ``6.0.5``."""
    if current is None:
        return False
    if current == wanted:
        return True
    want_parts = str(wanted).split(".")
    have_parts = str(current).split(".")
    if len(want_parts) > len(have_parts):
        return False
    for want, have in zip(want_parts, have_parts, strict=False):
        if want.lower() == "x":
            return True
        if want != have:
            return False
    return True


#: Cache parameter group families of AWS (CreateCacheParameterGroup, valid values).
FAMILIES = ("redis2.6", "redis2.8", "redis3.2", "redis4.0", "redis5.0", "redis6.x", "redis7", "valkey7", "valkey8")


def parameter_group_family(engine: str, version: Any) -> str:
    """Parameter group family of an engine version: redis 7.1 -> redis7, redis 6.2 / 6.x -> redis6.x,
    redis 5.0.6 -> redis5.0, valkey 7.2 -> valkey7, valkey 8.0 -> valkey8 (cluster mode uses the same family,
    with cluster-enabled). ValueError when no family can be derived."""
    parts = [int(p) for p in re.findall(r"\d+", str(version or ""))]
    if not parts:
        raise ValueError(f"cannot derive a parameter group family from {engine} {version}")
    if engine == "valkey" or parts[0] >= 7:
        return f"{engine}{parts[0]}"
    if parts[0] == 6:
        return "redis6.x"
    return f"redis{parts[0]}.{parts[1] if len(parts) > 1 else 0}"


def family_slug(family: str) -> str:
    """The family as a parameter group name part (names allow letters, digits and hyphens): redis6.x -> redis6-x."""
    return re.sub(r"[^a-z0-9]+", "-", family.lower()).strip("-")


def parameter_group_name(base: str, family: str) -> str:
    """Name of the custom parameter group of one family: ``<base>-<family>`` (``wealist-prod-redis-params-redis7``),
    so a major upgrade (another family) gets a new group beside the one in use."""
    return f"{base}-{family_slug(family)}"


def replaced_parameter_group_names(base: str, family: str) -> list[str]:
    """The names this group's parameter group had before: ``<base>`` (unversioned, older releases) and
    ``<base>-<family>`` of every other family."""
    return [base] + [parameter_group_name(base, f) for f in FAMILIES if f != family]


def kms_matches(wanted: str, current: str | None) -> bool:
    """A key ARN matches the same ARN or its bare key id."""
    if not current:
        return False
    if wanted == current:
        return True
    return wanted.rsplit("key/", 1)[-1] == current.rsplit("key/", 1)[-1] and ("key/" in wanted or "key/" in current)


def settings_equal(key: str, wanted: Any, current: Any) -> bool:
    if key == "engine_version":
        return version_matches(str(wanted), current)
    if key == "kms_key_id":
        return kms_matches(str(wanted), current)
    if key == "preferred_maintenance_window":
        return current is not None and str(wanted).lower() == str(current).lower()
    if key == "security_group_ids":
        return current is not None and sorted(set(wanted)) == sorted(set(current))
    return wanted == current


#: Tag on the replication group while an AUTH token rotation is unfinished: ``<VersionId>:rotating:<epoch>``, the
#: Secrets Manager VersionId of the token applied with ROTATE and when (an identifier and a time, no token
#: material). Removed by the SET that finishes the rotation.
AUTH_TOKEN_TAG = "cloudops:auth-token-version"
ROTATING = ":rotating:"
#: Secrets Manager version dates have whole seconds (rounded): a version made up to this long after the token was
#: set counts as that token.
DATE_SLACK = timedelta(seconds=1)


@dataclass(frozen=True)
class AuthRotation:
    """What to do about the AUTH token: ``strategy`` ROTATE / SET (None: nothing) and the tag to write (``""``:
    remove it; None: leave it)."""

    strategy: str | None = None
    tag: str | None = None
    reason: str = ""


def auth_rotation(version_id: str | None, tag_value: str | None, token_status: str | None, now: float,
                  grace: float = 0, version_created: Any = None, token_modified: Any = None) -> AuthRotation:
    """Detect a rotated AUTH token without reading the cluster's token (AWS never returns it).

    ``version_id``: the AWSCURRENT VersionId of the token's secret; ``version_created``: when that version was
    made; ``token_modified``: the group's ``AuthTokenLastModifiedDate``; ``tag_value``: the group's
    :data:`AUTH_TOKEN_TAG` (only there while a rotation is unfinished); ``token_status``:
    ``PendingModifiedValues.AuthTokenStatus`` (``ROTATING`` / ``SETTING`` while AWS applies a change: wait).

    * No rotation going on: a secret version made after the token was last set is a rotated secret -> ROTATE
      (AWS keeps the old and the new token valid, so clients move over at their pace), tagged with its VersionId.
    * A rotation going on (tag): the secret moved on again -> ROTATE to the newest; else, once ``grace`` seconds
      have passed -> SET with the same token (AWS drops the old one), which finishes it; the tag is removed.
    """
    if not version_id or token_status:
        return AuthRotation()
    rotating = f"{version_id}{ROTATING}{int(now)}"
    if tag_value:
        applied, _, since = tag_value.partition(ROTATING)
        if applied != version_id:
            return AuthRotation("ROTATE", rotating, "the secret holds a newer token")
        started = int(since) if since.isdigit() else 0
        if now - started >= grace:
            return AuthRotation("SET", "", "the rotation is complete: drop the previous token")
        return AuthRotation()
    if version_created is None or token_modified is None or version_created - token_modified <= DATE_SLACK:
        return AuthRotation()
    return AuthRotation("ROTATE", rotating, "the secret holds a token newer than the group's")


@dataclass
class Plan:
    """What to call to go from the described settings to the wanted ones."""

    changed: list[str] = field(default_factory=list)
    modify: dict[str, Any] = field(default_factory=dict)
    #: NewReplicaCount for IncreaseReplicaCount / DecreaseReplicaCount (replicas per shard).
    replica_count: int | None = None
    replica_direction: str | None = None
    enable_auth: bool = False
    #: AuthTokenUpdateStrategy of a token change (ROTATE / SET, see :func:`auth_rotation`) and the tag to write.
    auth_strategy: str | None = None
    auth_tag: str | None = None
    impossible: list[str] = field(default_factory=list)
    #: Member-level settings that could not be compared (no member cluster could be read).
    unverified: list[str] = field(default_factory=list)

    @property
    def needs_change(self) -> bool:
        return bool(self.modify or self.replica_count is not None or self.enable_auth or self.auth_strategy)

    def failover_settled(self) -> dict[str, str]:
        """The AutomaticFailover / MultiAZ values the group must report before the replicas are decreased
        (the failover change in effect, not only the status available)."""
        out: dict[str, str] = {}
        for api, key in (("AutomaticFailoverEnabled", "AutomaticFailover"), ("MultiAZEnabled", "MultiAZ")):
            if api in self.modify:
                out[key] = "enabled" if self.modify[api] else "disabled"
        return out


def plan_changes(wanted: Mapping[str, Any], current: Mapping[str, Any]) -> Plan:
    """Compare wanted and described settings; only differing settings end up in the plan."""
    plan = Plan()
    for setting in SETTINGS:
        key = setting.key
        if key not in wanted:
            continue
        want, have = wanted[key], current.get(key)
        if setting.member and have is None:
            plan.unverified.append(key)
            continue
        if key in ("cache_parameter_group_name", "engine") and current.get("engine_version_pending") and (
            settings_equal("engine_version", wanted.get("engine_version"), current.get("engine_version"))
            or "engine_version" not in wanted
        ):
            continue  # switched together with the pending engine version (not requested again)
        if have is None and key in ("num_cache_clusters", "num_node_groups", "replicas_per_node_group", "port"):
            # Counts of the other cluster mode (reported through cluster_mode), or no endpoint yet.
            continue
        if settings_equal(key, want, have):
            continue
        plan.changed.append(key)
        if key == "engine":
            if have == "redis" and want == "valkey":
                plan.modify["Engine"] = want
            else:
                plan.impossible.append(f"engine: {have} cannot be changed to {want} in place (only redis to valkey)")
        elif key == "engine_version":
            engine_changes = "Engine" in plan.modify
            if not engine_changes and version_tuple(want) < version_tuple(have)[: len(version_tuple(want))]:
                plan.impossible.append(f"engine_version: {have} cannot be downgraded to {want}")
            else:
                plan.modify["EngineVersion"] = want
        elif setting.how == "modify":
            plan.modify[setting.api] = list(want) if key == "security_group_ids" else want
        elif setting.how == "replicas":
            new_count = want - 1 if key == "num_cache_clusters" else want
            plan.replica_count = new_count
            plan.replica_direction = "increase" if want > have else "decrease"
        elif setting.how == "auth":
            if want and not have:
                plan.enable_auth = True
            else:
                plan.impossible.append("auth_token: turning AUTH off is not done by this module")
        else:
            plan.impossible.append(f"{key}: {have!r} -> {want!r}: {setting.why}")
    if "Engine" in plan.modify and "EngineVersion" not in plan.modify:
        plan.impossible.append("engine: changing redis to valkey needs engine_version (for example 7.2 or 8.0)")
    return plan


def diff_view(wanted: Mapping[str, Any], current: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """before/after of the compared settings (``before`` empty when the group does not exist)."""
    if current is None:
        return {}, dict(sorted(wanted.items()))
    before = {key: current.get(key) for key in sorted(wanted)}
    after = dict(before)
    for key, value in wanted.items():
        if not settings_equal(key, value, current.get(key)):
            after[key] = value
    return before, after


def parameter_value(value: Any) -> str:
    """The string ElastiCache stores for a parameter value (booleans as yes/no)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def parameter_changes(
    wanted: Mapping[str, Any], described: list[Mapping[str, Any]]
) -> tuple[dict[str, str], list[str], dict[str, str | None]]:
    """(parameters to set, problems, current values of the wanted names) of a cache parameter group.

    ``described`` is DescribeCacheParameters' ``Parameters`` (all pages). Only the named parameters are
    managed; the others keep their values.
    """
    by_name = {p["ParameterName"]: p for p in described}
    changes: dict[str, str] = {}
    problems: list[str] = []
    current: dict[str, str | None] = {}
    for name in sorted(wanted):
        value = parameter_value(wanted[name])
        param = by_name.get(name)
        if param is None:
            problems.append(f"parameter_group.parameters: {name} is not a parameter of this family")
            continue
        current[name] = param.get("ParameterValue")
        if param.get("ParameterValue") == value:
            continue
        if param.get("IsModifiable") is False:
            problems.append(f"parameter_group.parameters: {name} is not modifiable")
            continue
        allowed = param.get("AllowedValues")
        if allowed and param.get("DataType") == "string" and "," in allowed and value not in allowed.split(","):
            problems.append(f"parameter_group.parameters: {name} must be one of {allowed} (got {value!r})")
            continue
        changes[name] = value
    return changes, problems, current


def endpoint_of(group: Mapping[str, Any]) -> dict[str, Any]:
    """The address clients connect to: primary endpoint (cluster mode disabled) or configuration endpoint."""
    if group.get("ClusterEnabled"):
        endpoint = group.get("ConfigurationEndpoint") or {}
    else:
        node_groups = group.get("NodeGroups") or []
        endpoint = (node_groups[0].get("PrimaryEndpoint") if node_groups else None) or {}
    return {"address": endpoint.get("Address"), "port": endpoint.get("Port")}


#: ModifyCacheParameterGroup accepts at most 20 parameters per call.
PARAMETERS_PER_CALL = 20
FAILED_STATES = ("create-failed",)

#: CreateReplicationGroup argument for each wanted setting (when set).
CREATE_ARGS = (
    ("Engine", "engine"),
    ("EngineVersion", "engine_version"),
    ("AutomaticFailoverEnabled", "automatic_failover"),
    ("MultiAZEnabled", "multi_az"),
    ("TransitEncryptionEnabled", "transit_encryption"),
    ("AtRestEncryptionEnabled", "at_rest_encryption"),
    ("KmsKeyId", "kms_key_id"),
    ("CacheParameterGroupName", "cache_parameter_group_name"),
    ("CacheSubnetGroupName", "cache_subnet_group_name"),
    ("SecurityGroupIds", "security_group_ids"),
    ("SnapshotRetentionLimit", "snapshot_retention_limit"),
    ("SnapshotWindow", "snapshot_window"),
    ("PreferredMaintenanceWindow", "preferred_maintenance_window"),
    ("Port", "port"),
    ("AutoMinorVersionUpgrade", "auto_minor_version_upgrade"),
)


def create_arguments(name: str, description: str | None, node_type: str, wanted: Mapping[str, Any]) -> dict[str, Any]:
    """CreateReplicationGroup arguments (without AuthToken and Tags) for the wanted settings."""
    kwargs: dict[str, Any] = {
        "ReplicationGroupId": name,
        "ReplicationGroupDescription": description or name,
        "CacheNodeType": node_type,
    }
    if wanted["cluster_mode"] == "enabled":
        kwargs.update(
            NumNodeGroups=wanted["num_node_groups"],
            ReplicasPerNodeGroup=wanted["replicas_per_node_group"],
            ClusterMode="enabled",
        )
    else:
        kwargs["NumCacheClusters"] = wanted["num_cache_clusters"]
    kwargs.update(placement_arguments(wanted))
    for api, key in CREATE_ARGS:
        if wanted.get(key) is not None:
            kwargs[api] = wanted[key]
    return kwargs


def placement_arguments(wanted: Mapping[str, Any]) -> dict[str, Any]:
    """Where the nodes go, from the preferred zones: cluster mode disabled - PreferredCacheClusterAZs (one zone per
    node, the primary first); cluster mode enabled - NodeGroupConfiguration, shard i's primary in zone i (round
    robin) and its replicas in the zones that follow, so every shard spreads over the zones."""
    zones = list(wanted.get("preferred_availability_zones") or [])
    if not zones:
        return {}
    if wanted.get("cluster_mode") != "enabled":
        return {"PreferredCacheClusterAZs": zones}
    replicas = int(wanted.get("replicas_per_node_group") or 0)
    shards = []
    for shard in range(int(wanted["num_node_groups"])):
        config: dict[str, Any] = {
            "NodeGroupId": f"{shard + 1:04d}",
            "PrimaryAvailabilityZone": zones[shard % len(zones)],
            "ReplicaCount": replicas,
        }
        if replicas:
            config["ReplicaAvailabilityZones"] = [zones[(shard + r) % len(zones)] for r in range(1, replicas + 1)]
        shards.append(config)
    return {"NodeGroupConfiguration": shards}


def plan_steps(plan: Plan) -> list[str]:
    """Order of the calls: replica count up before the modification (failover needs the replicas), down after
    (once the failover / Multi-AZ change is in effect); an AUTH token rotation last, on its own."""
    steps: list[str] = []
    if plan.replica_direction == "increase":
        steps.append("replicas")
    if plan.modify or plan.enable_auth:
        steps.append("modify")
    if plan.replica_direction == "decrease":
        steps.append("replicas")
    if plan.auth_strategy:
        steps.append("auth")
    return steps


def failover_in_effect(group: Mapping[str, Any] | None, expected: Mapping[str, str]) -> bool:
    """Whether a described group is available with the expected AutomaticFailover / MultiAZ values in effect
    (nothing pending): what DecreaseReplicaCount needs after a failover change."""
    if not group or group.get("Status") != "available":
        return False
    if (group.get("PendingModifiedValues") or {}).get("AutomaticFailoverStatus"):
        return False
    return all(str(group.get(key) or "").lower() == value for key, value in expected.items())


def result_view(
    group: Mapping[str, Any] | None, member: Mapping[str, Any] | None = None, tags: dict[str, str] | None = None
) -> dict[str, Any]:
    """The module's ``replication_group`` result: the Describe answer snake_cased, plus endpoints and settings."""
    if not group:
        return {}
    result = _snake(dict(group))
    result["endpoint"] = endpoint_of(group)
    primary = (group.get("NodeGroups") or [{}])[0].get("PrimaryEndpoint") or {}
    result["primary_endpoint"] = {"address": primary.get("Address"), "port": primary.get("Port")}
    result["settings"] = described_settings(group, member)
    if tags is not None:
        result["tags"] = tags
    return result


def settings_for_diff(settings: dict[str, Any], member_read: bool) -> dict[str, Any]:
    if member_read:
        return settings
    return {k: v for k, v in settings.items() if k not in MEMBER_KEYS}
