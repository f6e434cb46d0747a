"""ElastiCache replication-group fidelity for moto 5.2.5. Gaps covered (each checked with boto3):

1. Cache parameter groups are not implemented (Create/Describe/Modify/Reset/Delete CacheParameterGroup,
   DescribeCacheParameters answer HTTP 500). Added, with a small per-family parameter catalog
   (redis7/valkey7/valkey8: maxmemory-policy default volatile-lru, ...), tags on the parametergroup ARN.
2. Replication-group member clusters are ids only: DescribeCacheClusters(CacheClusterId=<member>) says
   CacheClusterNotFound, so EngineVersion, CacheParameterGroup, CacheSubnetGroupName, SecurityGroups and
   PreferredMaintenanceWindow (which AWS reports only on the member clusters) cannot be read. Member
   CacheCluster objects are now created, kept in sync on modify and removed on delete.
3. NumCacheClusters is ignored when cluster mode is disabled (always one node unless ReplicasPerNodeGroup).
4. ModifyReplicationGroup ignores SnapshotWindow, PreferredMaintenanceWindow, SecurityGroupIds,
   CacheParameterGroupName, EngineVersion, AutoMinorVersionUpgrade, AuthToken.
5. DeleteReplicationGroup only sets status "deleting" forever (never NotFound; the name can never be
   reused); FinalSnapshotIdentifier is ignored. Now: removed, final snapshot taken.
6. IncreaseReplicaCount / DecreaseReplicaCount, ModifyCacheSubnetGroup, DeleteCacheSubnetGroup: HTTP 500.
7. Automatic failover / Multi-AZ with a single node are accepted (AWS: InvalidParameterCombination).
8. KmsKeyId is echoed as sent (an alias stays an alias); AWS reports the key ARN.
9. DescribeCacheClusters leaves out ``CacheNodes``, ``CacheSecurityGroups``, ``SecurityGroups`` and
   ``CacheParameterGroup`` (``community.aws.elasticache`` fails with KeyError 'CacheNodes' and then
   'CacheSecurityGroups'), and ``NumCacheNodes`` is set only when ``Engine`` is passed explicitly. Each
   cache cluster now reports its nodes (``0001``...) with endpoint, status and AZ - AWS only includes the
   list with ``ShowCacheNodeInfo=true``, here it is always present -, ``CacheSecurityGroups`` (``[]`` in a
   VPC), ``SecurityGroups`` (from the requested ids), ``CacheParameterGroup``; ``NumCacheNodes`` defaults to 1.
10. Zones: moto places every node it is not told about in ``us-east-1a`` / ``us-east-1b`` whatever the region
    (always in cluster mode, and for replicas added later), and the member cache clusters report no
    ``PreferredAvailabilityZone`` (their nodes say ``<region>a``). Now a node goes to the zone asked for
    (``PreferredCacheClusterAZs``, ``NodeGroupConfiguration``), else round robin over the zones of the cache
    subnet group's subnets (or ``<region>a/b/c``), and its member cache cluster reports that zone. A requested
    zone outside the region is refused (InvalidParameterValue), as AWS does.
11. Pending and transitional states (moto applies every ModifyReplicationGroup at once and never reports
    ``PendingModifiedValues``). With ``ApplyImmediately=false`` a change of ``CacheNodeType``, ``EngineVersion``
    and ``Engine`` (and ``CacheParameterGroupName`` sent with an engine version: the family switch of a major
    upgrade) is held: the member cache clusters report it in ``PendingModifiedValues`` (``EngineVersion``,
    ``CacheNodeType``, as AWS does) while the group keeps its values and stays ``available``; it is applied when
    the group's maintenance window next opens on the latency clock (``POST /_local/clock {"advance": S}``; the
    emulated wall time is the real UTC time at the first use plus the clock's progress) - a window open at the time
    of the request counts from its next start. ``ApplyImmediately=true`` applies the request and anything pending.
    An applied change (now or at the window) reports ``modifying`` for the ``elasticache_replication_group``
    latency seconds x scale (none with latency off: it is ``available`` again at once), an AUTH token change also
    ``PendingModifiedValues.AuthTokenStatus`` ``ROTATING`` / ``SETTING`` meanwhile. The tokens are kept:
    ``ROTATE`` adds the new one beside the newest old one (two valid), ``SET`` replaces them (:func:`auth_tokens`).
12. Combinations AWS refuses and moto accepted, on Create/ModifyReplicationGroup: a parameter group that does not
    exist (CacheParameterGroupNotFound) or whose family is not the engine version's (InvalidParameterCombination),
    ``AuthToken`` on a group without in-transit encryption (InvalidParameterValue), automatic failover / Multi-AZ
    turned on for a group of one node (InvalidParameterCombination); DeleteCacheParameterGroup of a group a
    cluster uses or has pending (InvalidCacheParameterGroupState). ``AuthTokenUpdateStrategy`` without
    ``AuthToken`` is refused by ``rules.py`` (stateless).
13. Secrets Manager ListSecretVersionIds reports every version's ``CreatedDate`` as the time of the call (moto), so
    a version always looks newer than a replication group's ``AuthTokenLastModifiedDate`` - which is how
    ``elasticache_replication_group`` detects a rotated AUTH token. Each version now reports when it was made (the
    ``createdate`` GetSecretValue already reports). Patched here, beside the ElastiCache side that reads it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from . import latency

PARAMETER_CATALOG: dict[str, list[dict[str, Any]]] = {
    "redis7": [
        {
            "ParameterName": "maxmemory-policy",
            "ParameterValue": "volatile-lru",
            "DataType": "string",
            "AllowedValues": "volatile-lru,allkeys-lru,volatile-lfu,allkeys-lfu,volatile-random,allkeys-random,"
            "volatile-ttl,noeviction",
            "ChangeType": "immediate",
        },
        {
            "ParameterName": "maxmemory-samples",
            "ParameterValue": "3",
            "DataType": "integer",
            "AllowedValues": "1-",
            "ChangeType": "immediate",
        },
        {
            "ParameterName": "timeout",
            "ParameterValue": "0",
            "DataType": "integer",
            "AllowedValues": "0,20-",
            "ChangeType": "immediate",
        },
        {
            "ParameterName": "tcp-keepalive",
            "ParameterValue": "300",
            "DataType": "integer",
            "AllowedValues": "0-",
            "ChangeType": "immediate",
        },
        {
            "ParameterName": "notify-keyspace-events",
            "ParameterValue": "",
            "DataType": "string",
            "AllowedValues": None,
            "ChangeType": "immediate",
        },
        {
            "ParameterName": "reserved-memory-percent",
            "ParameterValue": "25",
            "DataType": "integer",
            "AllowedValues": "0-100",
            "ChangeType": "immediate",
        },
        {
            "ParameterName": "activedefrag",
            "ParameterValue": "no",
            "DataType": "string",
            "AllowedValues": "yes,no",
            "ChangeType": "immediate",
        },
        {
            "ParameterName": "cluster-enabled",
            "ParameterValue": "no",
            "DataType": "string",
            "AllowedValues": "yes,no",
            "ChangeType": "requires-reboot",
        },
    ],
}
PARAMETER_CATALOG["valkey7"] = PARAMETER_CATALOG["redis7"]
PARAMETER_CATALOG["valkey8"] = PARAMETER_CATALOG["redis7"]
PARAMETER_CATALOG["redis6.x"] = PARAMETER_CATALOG["redis7"]


class CacheParameterGroup:
    def __init__(
        self, account_id: str, region: str, name: str, family: str, description: str, is_default: bool = False
    ):
        self.cache_parameter_group_name = name
        self.cache_parameter_group_family = family
        self.description = description
        self.is_global = False
        self.arn = f"arn:aws:elasticache:{region}:{account_id}:parametergroup:{name}"
        self.values: dict[str, str] = {}
        if name.endswith(".cluster.on"):
            self.values["cluster-enabled"] = "yes"
        self.is_default = is_default

    def parameters(self, source: str | None) -> list[dict[str, Any]]:
        out = []
        for p in PARAMETER_CATALOG.get(self.cache_parameter_group_family, []):
            item = dict(p)
            if item.get("AllowedValues") is None:
                item.pop("AllowedValues")
            user = p["ParameterName"] in self.values
            if user:
                item["ParameterValue"] = self.values[p["ParameterName"]]
            item["Source"] = "user" if user else "system"
            item["IsModifiable"] = True
            item["MinimumEngineVersion"] = "7.0.0"
            if source and item["Source"] != source:
                continue
            out.append(item)
        return out


# --- pending modifications and the maintenance window (gap 11) -----------------------------------------------
#: ElastiCache's default weekly window when a group has none (AWS picks one per region; this one is fixed).
DEFAULT_MAINTENANCE_WINDOW = "sun:23:00-mon:01:30"
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: (UTC epoch seconds, latency clock) at the first use: the emulated wall time moves with the latency clock.
_wall_base: tuple[float, float] | None = None
PENDING = "_local_backend_pending"
PENDING_DUE = "_local_backend_pending_due"
MODIFYING_UNTIL = "_local_backend_modifying_until"
AUTH_STATUS = "_local_backend_auth_status"
TOKENS = "_local_backend_auth_tokens"
#: ModifyReplicationGroup parameter -> ReplicationGroup attribute, for the changes ApplyImmediately=false defers.
DEFERRED = (("CacheNodeType", "cache_node_type"), ("EngineVersion", "engine_version"), ("Engine", "engine"))
#: What the member cache clusters report of a deferred change (CacheClusterPendingModifiedValues).
MEMBER_PENDING = {"cache_node_type": "CacheNodeType", "engine_version": "EngineVersion"}


def wall_now() -> datetime:
    """Emulated UTC time: the real time at the first call plus how far the latency clock moved since."""
    global _wall_base
    if _wall_base is None:
        _wall_base = (time.time(), latency.now())
    return datetime.fromtimestamp(_wall_base[0] + latency.now() - _wall_base[1], tz=UTC)


def next_window_start(now: datetime, window: str | None) -> datetime:
    """The first start of the weekly window ``ddd:hh:mm-ddd:hh:mm`` strictly after ``now``."""
    day, hour, minute = (window or DEFAULT_MAINTENANCE_WINDOW).lower().split("-")[0].split(":")
    start = now.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
    start += timedelta(days=(_DAYS.index(day) - now.weekday()) % 7)
    if start <= now:
        start += timedelta(days=7)
    return start


def seconds_until_window(window: str | None) -> float:
    """Latency-clock seconds until the window next opens (what a test advances the clock by)."""
    now = wall_now()
    return (next_window_start(now, window) - now).total_seconds()


def auth_tokens(account_id: str, region: str, replication_group_id: str) -> list[str]:
    """The AUTH tokens a replication group accepts (tests: a rotation keeps two, a SET one)."""
    from moto.elasticache.models import elasticache_backends

    group = elasticache_backends[account_id][region].replication_groups[replication_group_id]
    return list(group.__dict__.get(TOKENS) or [])


def start_modifying(rg: Any, since: float | None = None, auth_status: str | None = None) -> None:
    """Report ``modifying`` (and the AUTH token status) for the latency-scaled seconds from ``since``."""
    delay = latency.current().delay("elasticache_replication_group")
    rg.__dict__[MODIFYING_UNTIL] = (latency.now() if since is None else since) + delay
    rg.__dict__[AUTH_STATUS] = auth_status


def is_modifying(rg: Any) -> bool:
    return latency.now() < rg.__dict__.get(MODIFYING_UNTIL, float("-inf"))


def _rg_pending_modified_values(self: Any) -> dict[str, Any]:
    status = self.__dict__.get(AUTH_STATUS)
    return {"AuthTokenStatus": status} if status and is_modifying(self) else {}


def cache_family(engine: str | None, version: str | None) -> str | None:
    """The parameter group family of an engine version, from the catalogue's table (None when unknown)."""
    from .catalogue import CACHE_VERSIONS

    engine = engine or "redis"
    wanted = str(version or "")
    for known, family in CACHE_VERSIONS.get(engine, []):
        if wanted == known or wanted.startswith(known + ".") or known.startswith(wanted + "."):
            return family
    parts = wanted.split(".")
    if parts and parts[0].isdigit():
        major = int(parts[0])
        if engine == "valkey" or major >= 7:
            return f"{engine}{major}"
        if major == 6:
            return "redis6.x"
    return None


def subnet_group_zones(account_id: str, region: str, subnet_group_name: str | None) -> list[str]:
    """Zones of the cache subnet group's subnets (sorted, unique), else ``<region>a/b/c``."""
    zones: list[str] = []
    if subnet_group_name:
        from moto.ec2.models import ec2_backends
        from moto.elasticache.models import elasticache_backends

        group = elasticache_backends[account_id][region].cache_subnet_groups.get(subnet_group_name)
        for subnet_id in getattr(group, "subnet_ids", None) or []:
            try:
                zones.append(ec2_backends[account_id][region].get_subnet(subnet_id).availability_zone)
            except Exception:  # noqa: BLE001 - a subnet deleted meanwhile: ignore it
                continue
    return sorted(set(zones)) or [f"{region}{letter}" for letter in "abc"]


def place_members(node_groups: list[dict[str, Any]], requested: set[str], zones: list[str]) -> None:
    """Give every node that moto placed by default (a zone of another region than ``zones``' that nobody asked
    for) a zone of ``zones``, round robin within each shard starting at the shard's index, so a shard spreads
    over the zones."""
    region = zones[0][:-1]
    for shard, group in enumerate(node_groups):
        for position, member in enumerate(group.get("node_group_members", [])):
            zone = member.get("preferred_availability_zone")
            if zone in requested:
                continue
            if zone is None or not str(zone).startswith(region):
                member["preferred_availability_zone"] = zones[(shard + position) % len(zones)]


def requested_zones(kwargs: dict[str, Any]) -> list[str]:
    zones = list(kwargs.get("preferred_cache_cluster_azs") or [])
    for config in kwargs.get("node_group_configuration") or []:
        if config.get("PrimaryAvailabilityZone"):
            zones.append(config["PrimaryAvailabilityZone"])
        zones += list(config.get("ReplicaAvailabilityZones") or [])
    return zones


def _cache_nodes(self: Any) -> list[dict[str, Any]]:
    region = self.arn.split(":")[3]
    az = self.preferred_availability_zone or f"{region}a"
    return [
        {
            "CacheNodeId": f"{index:04d}",
            "CacheNodeStatus": self.cache_cluster_status,
            "CacheNodeCreateTime": self.cache_cluster_create_time,
            "Endpoint": {
                "Address": f"{self.cache_cluster_id}.local.{index:04d}.{region}.cache.amazonaws.com",
                "Port": self.port,
            },
            "ParameterGroupStatus": "in-sync",
            "CustomerAvailabilityZone": az,
        }
        for index in range(1, int(getattr(self, "num_cache_nodes", None) or 1) + 1)
    ]


def _cache_security_groups(self: Any) -> list[dict[str, str]]:
    return [{"CacheSecurityGroupName": name, "Status": "active"} for name in self.cache_security_group_names]


def _security_groups(self: Any) -> list[dict[str, str]]:
    return [{"SecurityGroupId": group_id, "Status": "active"} for group_id in self.security_group_ids]


def _cache_parameter_group(self: Any) -> dict[str, Any]:
    name = self.cache_parameter_group_name or f"default.{self.engine}{str(self.engine_version or '7')[:1]}"
    return {"CacheParameterGroupName": name, "ParameterApplyStatus": "in-sync", "CacheNodeIdsToReboot": []}


_installed = False


def install() -> None:  # noqa: C901 - one patch set
    global _installed
    if _installed:
        return
    _installed = True
    import re

    from moto.core.responses import ActionResult, EmptyResult
    from moto.core.utils import utcnow
    from moto.elasticache import exceptions as exc
    from moto.elasticache.models import CacheCluster, CacheSubnetGroup, ElastiCacheBackend, ReplicationGroup
    from moto.elasticache.responses import ElastiCacheResponse

    # -- cache cluster fields (gap 9) ---------------------------------------------------------------
    original_cluster_init = CacheCluster.__init__

    def cluster_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_cluster_init(self, *args, **kwargs)
        if getattr(self, "num_cache_nodes", None) is None:
            self.num_cache_nodes = 1

    CacheCluster.__init__ = cluster_init  # type: ignore[method-assign]
    CacheCluster.cache_nodes = property(_cache_nodes)  # type: ignore[attr-defined]
    CacheCluster.cache_security_groups = property(_cache_security_groups)  # type: ignore[attr-defined]
    CacheCluster.security_groups = property(_security_groups)  # type: ignore[attr-defined]
    CacheCluster.cache_parameter_group = property(_cache_parameter_group)  # type: ignore[attr-defined]

    class CacheParameterGroupNotFound(exc.ElastiCacheException):
        code = "CacheParameterGroupNotFound"

    class CacheParameterGroupAlreadyExists(exc.ElastiCacheException):
        code = "CacheParameterGroupAlreadyExists"

    class InvalidParameterCombination(exc.ElastiCacheException):
        code = "InvalidParameterCombination"

    class InvalidParameterValue(exc.ElastiCacheException):
        code = "InvalidParameterValue"

    class InvalidReplicationGroupState(exc.ElastiCacheException):
        code = "InvalidReplicationGroupState"

    class InvalidCacheParameterGroupState(exc.ElastiCacheException):
        code = "InvalidCacheParameterGroupState"

    # -- Secrets Manager version dates (gap 13) --------------------------------------------------------------
    import json

    from moto.secretsmanager.models import SecretsManagerBackend

    original_versions = SecretsManagerBackend.list_secret_version_ids

    def list_secret_version_ids(self: Any, secret_id: str, *args: Any, **kwargs: Any) -> str:
        answer = json.loads(original_versions(self, secret_id, *args, **kwargs))
        versions = self.secrets[secret_id].versions if secret_id in self.secrets else {}
        for item in answer.get("Versions") or []:
            made = (versions.get(item.get("VersionId")) or {}).get("createdate")
            if made is not None:
                item["CreatedDate"] = made
        return json.dumps(answer)

    SecretsManagerBackend.list_secret_version_ids = list_secret_version_ids  # type: ignore[method-assign]

    # -- pending values and modifying (gap 11) ----------------------------------------------------------
    ReplicationGroup.status = latency.BusyStatus(  # type: ignore[attr-defined]
        ReplicationGroup.__dict__.get("status"), lambda rg: "modifying" if is_modifying(rg) else None
    )
    ReplicationGroup.pending_modified_values = property(_rg_pending_modified_values)  # type: ignore[attr-defined]

    def _apply_due(backend: Any) -> None:
        """Apply every held change whose maintenance window has opened on the latency clock."""
        for rg in list(backend.replication_groups.values()):
            pending = rg.__dict__.get(PENDING)
            if pending and latency.now() >= rg.__dict__.get(PENDING_DUE, float("inf")):
                for attr, value in pending.items():
                    setattr(rg, attr, value)
                rg.__dict__.pop(PENDING, None)
                start_modifying(rg, since=rg.__dict__.pop(PENDING_DUE))
                _sync_members(backend, rg)

    def _parameter_group_check(backend: Any, name: str | None, engine: str | None, version: str | None) -> None:
        if not name:
            return
        group = backend.cache_parameter_groups.get(name)
        if group is None:
            raise CacheParameterGroupNotFound(f"CacheParameterGroup {name} not found.")
        wanted = cache_family(engine, version)
        if wanted and group.cache_parameter_group_family != wanted:
            raise InvalidParameterCombination(
                f"The parameter group {name} of family {group.cache_parameter_group_family} cannot be used with "
                f"{engine or 'redis'} {version}: it needs a parameter group of family {wanted}."
            )

    # -- parameter groups -------------------------------------------------------------------------
    original_backend_init = ElastiCacheBackend.__init__

    def backend_init(self: Any, region_name: str, account_id: str) -> None:
        original_backend_init(self, region_name, account_id)
        self.arn_regex = re.compile(
            r"^arn:aws:elasticache:.*:[0-9]*:(cluster|snapshot|subnetgroup|replicationgroup|user|parametergroup):.*$"
        )
        self.cache_parameter_groups = {}
        for family in PARAMETER_CATALOG:
            for suffix in ("", ".cluster.on"):
                name = f"default.{family}{suffix}"
                self.cache_parameter_groups[name] = CacheParameterGroup(
                    account_id, region_name, name, family, f"Default parameter group for {family}", True
                )

    ElastiCacheBackend.__init__ = backend_init  # type: ignore[method-assign]

    def _pg(backend: Any, name: str) -> CacheParameterGroup:
        if name not in backend.cache_parameter_groups:
            raise CacheParameterGroupNotFound(f"CacheParameterGroup {name} not found.")
        return backend.cache_parameter_groups[name]

    def create_cache_parameter_group(self: Any) -> ActionResult:
        b = self.elasticache_backend
        name = self._get_param("CacheParameterGroupName")
        family = self._get_param("CacheParameterGroupFamily")
        if name in b.cache_parameter_groups:
            raise CacheParameterGroupAlreadyExists(f"Parameter group {name} already exists.")
        if family not in PARAMETER_CATALOG:
            raise InvalidParameterValue(f"Unknown cache parameter group family {family}.")
        group = CacheParameterGroup(b.account_id, b.region_name, name, family, self._get_param("Description") or "")
        b.cache_parameter_groups[name] = group
        tags = self._get_param("Tags", [])
        if tags:
            b.tagging_service.tag_resource(group.arn, tags)
        return ActionResult({"CacheParameterGroup": group})

    def describe_cache_parameter_groups(self: Any) -> ActionResult:
        b = self.elasticache_backend
        name = self._get_param("CacheParameterGroupName")
        groups = [_pg(b, name)] if name else list(b.cache_parameter_groups.values())
        return ActionResult({"CacheParameterGroups": groups})

    def describe_cache_parameters(self: Any) -> ActionResult:
        group = _pg(self.elasticache_backend, self._get_param("CacheParameterGroupName"))
        return ActionResult({"Parameters": group.parameters(self._get_param("Source"))})

    def modify_cache_parameter_group(self: Any) -> ActionResult:
        group = _pg(self.elasticache_backend, self._get_param("CacheParameterGroupName"))
        if group.is_default:
            raise InvalidParameterValue("Default parameter groups cannot be modified.")
        known = {p["ParameterName"]: p for p in PARAMETER_CATALOG[group.cache_parameter_group_family]}
        for item in self._get_param("ParameterNameValues", []):
            pname, value = item["ParameterName"], item.get("ParameterValue", "")
            if pname not in known:
                raise InvalidParameterValue(f"Unknown parameter {pname}.")
            allowed = known[pname].get("AllowedValues")
            if allowed and known[pname]["DataType"] == "string" and value not in allowed.split(","):
                raise InvalidParameterValue(f"Invalid value {value} for parameter {pname}.")
            if value == known[pname]["ParameterValue"]:
                group.values.pop(pname, None)
            else:
                group.values[pname] = value
        return ActionResult({"CacheParameterGroupName": group.cache_parameter_group_name})

    def reset_cache_parameter_group(self: Any) -> ActionResult:
        group = _pg(self.elasticache_backend, self._get_param("CacheParameterGroupName"))
        if self._get_bool_param("ResetAllParameters"):
            group.values.clear()
        for item in self._get_param("ParameterNameValues", []):
            group.values.pop(item["ParameterName"], None)
        return ActionResult({"CacheParameterGroupName": group.cache_parameter_group_name})

    def delete_cache_parameter_group(self: Any) -> EmptyResult:
        b = self.elasticache_backend
        group = _pg(b, self._get_param("CacheParameterGroupName"))
        if group.is_default:
            raise InvalidParameterValue("Default parameter groups cannot be deleted.")
        name = group.cache_parameter_group_name
        users = [rg.replication_group_id for rg in b.replication_groups.values()
                 if rg.cache_parameter_group_name == name
                 or (rg.__dict__.get(PENDING) or {}).get("cache_parameter_group_name") == name]
        if users:
            raise InvalidCacheParameterGroupState(f"Parameter group {name} is in use by {', '.join(users)}.")
        del b.cache_parameter_groups[name]
        return EmptyResult()

    # -- subnet groups --------------------------------------------------------------------------------
    def modify_cache_subnet_group(self: Any) -> ActionResult:
        b = self.elasticache_backend
        name = self._get_param("CacheSubnetGroupName")
        old = b.describe_cache_subnet_groups(name)[0]
        new = CacheSubnetGroup(
            b.account_id,
            b.region_name,
            name,
            self._get_param("CacheSubnetGroupDescription") or old.cache_subnet_group_description,
            self._get_param("SubnetIds", []) or old.subnet_ids,
            old.tags,
        )
        b.cache_subnet_groups[name] = new
        return ActionResult({"CacheSubnetGroup": new})

    def delete_cache_subnet_group(self: Any) -> EmptyResult:
        b = self.elasticache_backend
        name = self._get_param("CacheSubnetGroupName")
        b.describe_cache_subnet_groups(name)
        del b.cache_subnet_groups[name]
        return EmptyResult()

    # -- replication groups -----------------------------------------------------------------------------
    original_rg_init = ReplicationGroup.__init__

    def rg_init(self: Any, *args: Any, **kwargs: Any) -> None:
        n = kwargs.get("num_cache_clusters")
        if (kwargs.get("cluster_mode") or "disabled") != "enabled" and n and not kwargs.get("replicas_per_node_group"):
            kwargs["replicas_per_node_group"] = int(n) - 1
        original_rg_init(self, *args, **kwargs)

    ReplicationGroup.__init__ = rg_init  # type: ignore[method-assign]

    def _sync_members(backend: Any, rg: Any) -> None:
        for cid in list(backend.cache_clusters):
            cluster = backend.cache_clusters[cid]
            if (
                getattr(cluster, "replication_group_id", None) == rg.replication_group_id
                and cid not in rg.member_clusters
            ):
                del backend.cache_clusters[cid]
        zones_by_member = {
            m["cache_cluster_id"]: m.get("preferred_availability_zone")
            for group in rg.node_groups
            for m in group.get("node_group_members", [])
        }
        for cid in rg.member_clusters:
            cluster = backend.cache_clusters.get(cid)
            if cluster is None:
                cluster = CacheCluster(
                    account_id=backend.account_id,
                    region_name=backend.region_name,
                    cache_cluster_id=cid,
                    cache_node_type=rg.cache_node_type,
                    replication_group_id=rg.replication_group_id,
                    az_mode=None,
                    preferred_availability_zone=None,
                    num_cache_nodes=1,
                    engine="redis",
                    engine_version=None,
                    cache_parameter_group_name=None,
                    cache_subnet_group_name=None,
                    transit_encryption_enabled=None,
                    network_type=None,
                    ip_discovery=None,
                    snapshot_name=None,
                    preferred_maintenance_window=None,
                    port=rg.port,
                    notification_topic_arn=None,
                    auto_minor_version_upgrade=None,
                    snapshot_retention_limit=None,
                    snapshot_window=None,
                    auth_token=None,
                    outpost_mode=None,
                    preferred_outpost_arn=None,
                    preferred_availability_zones=None,
                    cache_security_group_names=None,
                    security_group_ids=None,
                    tags=None,
                    snapshot_arns=None,
                    preferred_outpost_arns=None,
                    log_delivery_configurations=[],
                    cache_node_ids_to_remove=None,
                    cache_node_ids_to_reboot=None,
                )
                backend.cache_clusters[cid] = cluster
            cluster.engine = rg.engine
            cluster.engine_version = rg.engine_version
            cluster.cache_node_type = rg.cache_node_type
            cluster.cache_parameter_group_name = rg.cache_parameter_group_name
            cluster.cache_subnet_group_name = rg.cache_subnet_group_name
            cluster.security_group_ids = list(rg.security_group_ids or [])
            cluster.preferred_maintenance_window = rg.preferred_maintenance_window
            cluster.snapshot_retention_limit = rg.snapshot_retention_limit
            cluster.snapshot_window = rg.snapshot_window
            cluster.auto_minor_version_upgrade = rg.auto_minor_version_upgrade
            cluster.transit_encryption_enabled = rg.transit_encryption_enabled
            cluster.at_rest_encryption_enabled = rg.at_rest_encryption_enabled
            cluster.auth_token_enabled = rg.auth_token_enabled
            cluster.replication_group_log_delivery_enabled = False
            cluster.preferred_availability_zone = zones_by_member.get(cid)
            pending = rg.__dict__.get(PENDING) or {}
            cluster.pending_modified_values = {
                MEMBER_PENDING[attr]: value for attr, value in pending.items() if attr in MEMBER_PENDING
            }

    original_create = ElastiCacheBackend.create_replication_group

    def create_replication_group(self: Any, **kwargs: Any) -> Any:
        n_nodes = (
            (kwargs.get("num_cache_clusters") or 1)
            if (kwargs.get("cluster_mode") or "disabled") != "enabled"
            else (1 + (kwargs.get("replicas_per_node_group") or 0))
        )
        if (
            kwargs.get("automatic_failover_enabled")
            and n_nodes < 2
            and (kwargs.get("cluster_mode") or "disabled") != "enabled"
        ):
            raise InvalidParameterCombination("Automatic failover requires at least 2 cache clusters.")
        if kwargs.get("multi_az_enabled") and (n_nodes < 2 or not kwargs.get("automatic_failover_enabled")):
            raise InvalidParameterCombination("Multi-AZ requires automatic failover and at least one replica.")
        if kwargs.get("auth_token") and not kwargs.get("transit_encryption_enabled"):
            raise InvalidParameterValue("AuthToken requires TransitEncryptionEnabled.")
        _parameter_group_check(self, kwargs.get("cache_parameter_group_name"), kwargs.get("engine"),
                               kwargs.get("engine_version"))
        key = kwargs.get("kms_key_id")
        if key and not key.startswith("arn:aws:kms:"):
            from moto.kms.models import kms_backends

            kms = kms_backends[self.account_id][self.region_name]
            try:
                kwargs["kms_key_id"] = kms.describe_key(key).arn
            except Exception as e:  # noqa: BLE001 - scratch
                raise InvalidParameterValue(f"KMS key {key} not found.") from e
        asked = requested_zones(kwargs)
        wrong = [z for z in asked if not str(z).startswith(self.region_name)]
        if wrong:
            raise InvalidParameterValue(
                f"Invalid availability zone(s) {', '.join(wrong)}: not in the region {self.region_name}."
            )
        rg = original_create(self, **kwargs)
        place_members(rg.node_groups, set(asked),
                      subnet_group_zones(self.account_id, self.region_name, kwargs.get("cache_subnet_group_name")))
        rg.__dict__[TOKENS] = [kwargs["auth_token"]] if kwargs.get("auth_token") else []
        _sync_members(self, rg)
        return rg

    ElastiCacheBackend.create_replication_group = create_replication_group  # type: ignore[method-assign]

    original_modify_response = ElastiCacheResponse.modify_replication_group

    def _node_count(rg: Any) -> int:
        """Nodes per shard (cluster mode) or in all (cluster mode disabled)."""
        if rg.cluster_mode == "enabled":
            return min((len(ng.get("node_group_members") or []) for ng in rg.node_groups), default=1)
        return len(rg.member_clusters)

    def modify_replication_group(self: Any) -> ActionResult:  # noqa: C901 - one request's rules and effects
        b = self.elasticache_backend
        rg_id = self._get_param("ReplicationGroupId")
        if rg_id not in b.replication_groups:
            raise exc.ReplicationGroupNotFound(rg_id)
        _apply_due(b)
        rg = b.replication_groups[rg_id]
        if rg.status != "available":
            raise InvalidReplicationGroupState(f"Replication group {rg_id} is not in available state ({rg.status}).")
        immediately = bool(self._get_bool_param("ApplyImmediately"))
        token = self._get_param("AuthToken")
        strategy = self._get_param("AuthTokenUpdateStrategy")
        # -- refusals (gap 12), before any change
        if token and not rg.transit_encryption_enabled:
            raise InvalidParameterValue("The AUTH token can only be set on a replication group with in-transit "
                                        "encryption enabled.")
        failover = self._get_bool_param("AutomaticFailoverEnabled")
        multi_az = self._get_bool_param("MultiAZEnabled")
        if (failover or multi_az) and _node_count(rg) < 2:
            raise InvalidParameterCombination(
                "Automatic failover and Multi-AZ need at least one replica: the replication group has one node.")
        failover_after = failover if failover is not None else rg.automatic_failover == "enabled"
        if multi_az and not failover_after:
            raise InvalidParameterCombination("Multi-AZ requires automatic failover.")
        version = self._get_param("EngineVersion") or rg.engine_version
        engine = self._get_param("Engine") or rg.engine
        _parameter_group_check(b, self._get_param("CacheParameterGroupName"), engine, version)
        # -- what is held for the maintenance window
        held = {attr: self._get_param(param) for param, attr in DEFERRED if self._get_param(param) is not None}
        if held and self._get_param("EngineVersion") is not None and self._get_param("CacheParameterGroupName"):
            held["cache_parameter_group_name"] = self._get_param("CacheParameterGroupName")
        before = {attr: getattr(rg, attr) for attr in held}
        result = original_modify_response(self)
        for param, attr in (
            ("SnapshotWindow", "snapshot_window"),
            ("PreferredMaintenanceWindow", "preferred_maintenance_window"),
            ("CacheParameterGroupName", "cache_parameter_group_name"),
            ("EngineVersion", "engine_version"),
        ):
            value = self._get_param(param)
            if value is not None:
                setattr(rg, attr, value)
        sgs = self._get_param("SecurityGroupIds")
        if sgs is not None:
            rg.security_group_ids = sgs
        amvu = self._get_bool_param("AutoMinorVersionUpgrade")
        if amvu is not None:
            rg.auto_minor_version_upgrade = amvu
        changed_now = True
        if held and not immediately:
            for attr, value in before.items():
                setattr(rg, attr, value)
            rg.__dict__[PENDING] = dict(rg.__dict__.get(PENDING) or {}, **held)
            rg.__dict__[PENDING_DUE] = latency.now() + seconds_until_window(rg.preferred_maintenance_window)
            changed_now = bool(set(self.querystring) - {"Action", "Version", "ReplicationGroupId", "ApplyImmediately",
                                                          *(param for param, _ in DEFERRED), "CacheParameterGroupName"})
        elif immediately and rg.__dict__.get(PENDING):
            for attr, value in rg.__dict__.pop(PENDING).items():
                if attr not in held:
                    setattr(rg, attr, value)
            rg.__dict__.pop(PENDING_DUE, None)
        auth_status = None
        if token:
            tokens = list(rg.__dict__.get(TOKENS) or [])
            rg.__dict__[TOKENS] = [token] if strategy == "SET" or not tokens else [tokens[-1], token]
            rg.auth_token_enabled = True
            rg.auth_token_last_modified_date = utcnow()
            auth_status = "SETTING" if strategy == "SET" else "ROTATING"
        if changed_now:
            start_modifying(rg, auth_status=auth_status)
        _sync_members(b, rg)
        return result

    def describing(original: Any) -> Any:
        def describe(self: Any) -> Any:
            _apply_due(self.elasticache_backend)
            return original(self)

        return describe

    ElastiCacheResponse.describe_replication_groups = describing(  # type: ignore[method-assign]
        ElastiCacheResponse.describe_replication_groups)
    ElastiCacheResponse.describe_cache_clusters = describing(  # type: ignore[method-assign]
        ElastiCacheResponse.describe_cache_clusters)

    ElastiCacheResponse.modify_replication_group = modify_replication_group  # type: ignore[method-assign]

    def delete_replication_group(self: Any) -> ActionResult:
        b = self.elasticache_backend
        rg_id = self._get_param("ReplicationGroupId")
        if rg_id not in b.replication_groups:
            raise exc.ReplicationGroupNotFound(rg_id)
        final = self._get_param("FinalSnapshotIdentifier")
        if final:
            b.create_snapshot(
                snapshot_name=final, replication_group_id=rg_id, cache_cluster_id=None, kms_key_id=None, tags=[]
            )
        rg = b.replication_groups.pop(rg_id)
        rg.status = "deleting"
        rg.member_clusters = []
        _sync_members(b, rg)
        return ActionResult({"ReplicationGroup": rg})

    def _change_replicas(self: Any, delta_sign: int) -> ActionResult:
        b = self.elasticache_backend
        rg_id = self._get_param("ReplicationGroupId")
        if rg_id not in b.replication_groups:
            raise exc.ReplicationGroupNotFound(rg_id)
        rg = b.replication_groups[rg_id]
        if rg.status != "available":
            raise InvalidReplicationGroupState(f"Replication group {rg_id} is not in available state ({rg.status}).")
        new = self._get_int_param("NewReplicaCount")
        if new is None:
            raise InvalidParameterValue("NewReplicaCount is required.")
        for ng in rg.node_groups:
            members = ng["node_group_members"]
            current = len(members) - 1
            if (new - current) * delta_sign <= 0:
                raise InvalidParameterValue(f"NewReplicaCount {new} does not change the replica count {current}.")
            if new < 1 and rg.automatic_failover == "enabled":
                raise InvalidReplicationGroupState("Automatic failover needs at least one replica.")
            while len(members) - 1 > new:
                gone = members.pop()
                rg.member_clusters.remove(gone["cache_cluster_id"])
            while len(members) - 1 < new:
                primary = members[0]
                idx = len(members) + 1
                if rg.cluster_mode == "enabled":
                    cid = f"{rg_id}-{ng['node_group_id']}-{idx:0>3}"
                    member = {
                        "cache_cluster_id": cid,
                        "cache_node_id": ng["node_group_id"],
                        "preferred_availability_zone": "us-east-1b",
                    }
                else:
                    cid = f"{rg_id}-{idx:0>3}"
                    address = primary["read_endpoint"]["address"].replace(primary["cache_cluster_id"], cid, 1)
                    member = {
                        "cache_cluster_id": cid,
                        "cache_node_id": ng["node_group_id"],
                        "read_endpoint": {"address": address, "port": rg.port},
                        "preferred_availability_zone": "us-east-1b",
                        "current_role": "replica",
                    }
                members.append(member)
                rg.member_clusters.append(cid)
        zones = subnet_group_zones(b.account_id, b.region_name, rg.cache_subnet_group_name)
        place_members(rg.node_groups, set(), zones)
        start_modifying(rg)
        _sync_members(b, rg)
        return ActionResult({"ReplicationGroup": rg})

    def increase_replica_count(self: Any) -> ActionResult:
        return _change_replicas(self, 1)

    def decrease_replica_count(self: Any) -> ActionResult:
        return _change_replicas(self, -1)

    for fn in (
        create_cache_parameter_group,
        describe_cache_parameter_groups,
        describe_cache_parameters,
        modify_cache_parameter_group,
        reset_cache_parameter_group,
        delete_cache_parameter_group,
        modify_cache_subnet_group,
        delete_cache_subnet_group,
        delete_replication_group,
        increase_replica_count,
        decrease_replica_count,
    ):
        setattr(ElastiCacheResponse, fn.__name__, fn)
