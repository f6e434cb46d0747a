"""moto 5.2.5 RDS gaps filled by the local backend:

1. Backup/maintenance window validation (moto.rds.utils.valid_preferred_maintenance_window) refuses
   windows that only touch (03:00-06:00 with mon:00:00-mon:03:00, the seed's values, accepted by RDS)
   because it tests ``overlap >= 0``, and refuses maintenance windows that cross midnight
   (sun:23:00-mon:02:00 -> "must be less than 24 hours"). Replaced by a check on the weekly minute
   timeline with half-open intervals.
2. Performance Insights is dropped: CreateDBInstance/ModifyDBInstance accept
   EnablePerformanceInsights / PerformanceInsightsKMSKeyId / PerformanceInsightsRetentionPeriod but
   DescribeDBInstances never returns them. Kept and returned (retention 7 by default when enabled).
3. ManageMasterUserPassword: moto fills every ``rds!db-...`` / ``rds!cluster-...`` secret with
   ``{"username": "admin", "password": "P@55w0rd!"}``. RDS stores the instance's own ``MasterUsername`` and a
   random password; so does the fixed backend (:func:`rds_managed_password`).
4. ModifyDBInstance ignores ``DBPortNumber`` (stored as an unused attribute; the port never changes). The
   instance's port now follows it, as RDS moves the instance to the new port.
5. Zones: an Aurora member created without ``AvailabilityZone`` always lands in ``<region>a``, so a writer and its
   readers all share the first zone. RDS spreads them: a member without a zone now goes to the zone of the
   cluster's DB subnet group (else the cluster's zones) that holds the fewest members of the cluster. A zone
   outside the region is refused (InvalidParameterValue), for members and standalone instances alike.

6. Pending modifications: moto applies every ModifyDBInstance / ModifyDBCluster at once, whatever
   ``ApplyImmediately`` says, and never reports ``PendingModifiedValues`` or a transitional status. Now the
   settings RDS defers (:data:`INSTANCE_DEFERRED`, :data:`CLUSTER_DEFERRED`: the API reference of each parameter
   says "applied during the next maintenance window unless ApplyImmediately"; ``BackupRetentionPeriod`` only from
   or to 0) wait in ``PendingModifiedValues`` until the resource's ``PreferredMaintenanceWindow`` next opens on
   the latency clock (``latency.now()``; ``POST /_local/clock`` opens it), then apply; every other setting
   (deletion protection, backup window, security groups, log exports, port ...) applies at once, as on RDS.
   ``ApplyImmediately=true`` applies the request's and the already pending changes; in latency mode they take
   :data:`MODIFY_SECONDS` x scale, during which the status is ``modifying`` (``upgrading`` for an engine version)
   and the new values are still in ``PendingModifiedValues``; with latency off the transition is instant (moto's
   behaviour). A deferred value equal to the current one cancels the pending change. The window is mapped onto
   the clock when the resource's first change is recorded (wall time UTC then, plus the clock's progress): only a window
   start *after* the modification counts, so a change made inside the window waits a week (RDS may apply it in
   the current one). Aurora members report their cluster's engine version (moto), so they follow its upgrade.
   A Modify while an engine upgrade is in progress is refused (``InvalidDBInstanceState`` /
   ``InvalidDBClusterStateFault``), as RDS refuses it while the status is ``upgrading``.

The PostgreSQL server behind instances of engine postgres (``up --postgres``) is ``postgres/bridge.py``.
"""

from __future__ import annotations

import datetime
import json
import re
import secrets
import string
from typing import Any

from . import latency

#: RDS-generated passwords avoid '/', '@', '"', "'", '\\' and spaces.
RDS_PASSWORD_ALPHABET = string.ascii_letters + string.digits + "!#$%&()*+,-.:;<=>?[]^_`{|}~"

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY, _WEEK = 1440, 10080
_BACKUP = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_MAINT = re.compile(r"^([a-z]{3}):([01]\d|2[0-3]):([0-5]\d)-([a-z]{3}):([01]\d|2[0-3]):([0-5]\d)$")


def _spans(start: int, end: int, period: int) -> list[tuple[int, int]]:
    return [(start, end)] if end > start else [(start, period), (0, end)]


def valid_preferred_maintenance_window(maintenance_window: Any, backup_window: Any) -> str | None:
    """moto's signature and messages; None when valid."""
    if not maintenance_window:
        return None
    m = _MAINT.match(str(maintenance_window).lower())
    if not m or m.group(1) not in _DAYS or m.group(4) not in _DAYS:
        return (
            f"Invalid maintenance window format: {maintenance_window}. Should be specified as a range "
            "ddd:hh24:mi-ddd:hh24:mi (24H Clock UTC). Example: Sun:23:45-Mon:00:15"
        )
    m_start = _DAYS.index(m.group(1)) * _DAY + int(m.group(2)) * 60 + int(m.group(3))
    m_end = _DAYS.index(m.group(4)) * _DAY + int(m.group(5)) * 60 + int(m.group(6))
    length = (m_end - m_start) % _WEEK
    if length < 30:
        return "The maintenance window must be at least 30 minutes."
    if length > _DAY:
        return "Maintenance window must be less than 24 hours."
    if backup_window:
        b = _BACKUP.match(str(backup_window))
        if not b:
            return f"Invalid backup window format: {backup_window}"
        b_start = int(b.group(1)) * 60 + int(b.group(2))
        b_len = (int(b.group(3)) * 60 + int(b.group(4)) - b_start) % _DAY
        for day in range(7):
            start = (day * _DAY + b_start) % _WEEK
            for bs, be in _spans(start, (start + b_len) % _WEEK, _WEEK):
                for ms, me in _spans(m_start, m_end % _WEEK, _WEEK):
                    if bs < me and ms < be:
                        return "The backup window and maintenance window must not overlap."
    return None


def _pi_enabled(self: Any) -> bool:
    return bool(getattr(self, "enable_performance_insights", False))


def _pi_kms(self: Any) -> str | None:
    return self.__dict__.get("_pi_kms_key_id") if _pi_enabled(self) else None


def _set_pi_kms(self: Any, value: str | None) -> None:
    if value is not None:
        self.__dict__["_pi_kms_key_id"] = value


def _pi_retention(self: Any) -> int | None:
    if not _pi_enabled(self):
        return None
    return int(self.__dict__.get("_pi_retention") or 7)


def _set_pi_retention(self: Any, value: Any) -> None:
    if value is not None:
        self.__dict__["_pi_retention"] = int(value)


def rds_managed_password(length: int = 28) -> str:
    """A password shaped like the ones RDS generates for ManageMasterUserPassword."""
    while True:
        value = "".join(secrets.choice(RDS_PASSWORD_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in value) and any(c in string.punctuation for c in value):
            return value


def _rds_secret_string(self: Any) -> str:
    username = getattr(self.resource, "master_username", None) or "admin"
    return json.dumps({"username": username, "password": rds_managed_password()})


def member_zone(zones: list[str], taken: list[str]) -> str:
    """The first of ``zones`` holding the fewest of the cluster's members (their zones: ``taken``)."""
    return min(zones, key=lambda zone: (taken.count(zone), zones.index(zone)))


def _subnet_zone(subnet: Any) -> str | None:
    """A subnet group member's zone: moto keeps EC2 Subnet objects, or plain dicts for some callers."""
    if isinstance(subnet, dict):
        zone = subnet.get("availability_zone") or subnet.get("AvailabilityZone") or subnet.get("SubnetAvailabilityZone")
        return zone.get("Name") if isinstance(zone, dict) else zone
    return getattr(subnet, "availability_zone", None)


def _cluster_zones(backend: Any, cluster: Any) -> list[str]:
    group = backend.subnet_groups.get(getattr(cluster, "db_subnet_group_name", None) or "")
    zones = sorted({_subnet_zone(subnet) for subnet in getattr(group, "subnets", None) or []} - {None})
    return zones or list(getattr(cluster, "availability_zones", None) or [f"{backend.region_name}a"])


# ------------------------------------------------------------------------------------ pending modifications
#: ModifyDBInstance settings (moto's snake_case kwargs) RDS applies in the next maintenance window unless
#: ApplyImmediately, with their PendingModifiedValues member. BackupRetentionPeriod: only from or to 0.
INSTANCE_DEFERRED = {
    "db_instance_class": "DBInstanceClass",
    "allocated_storage": "AllocatedStorage",
    "engine_version": "EngineVersion",
    "multi_az": "MultiAZ",
    "storage_type": "StorageType",
    "iops": "Iops",
    "storage_throughput": "StorageThroughput",
    "db_subnet_group_name": "DBSubnetGroupName",
    "ca_certificate_identifier": "CACertificateIdentifier",
    "backup_retention_period": "BackupRetentionPeriod",
}
#: ModifyDBCluster settings deferred the same way (ClusterPendingModifiedValues): the engine version of every cluster;
#: storage of a Multi-AZ DB cluster (engines other than aurora-*).
CLUSTER_DEFERRED = {"engine_version": "EngineVersion"}
MULTI_AZ_CLUSTER_DEFERRED = {"allocated_storage": "AllocatedStorage", "iops": "Iops", "storage_type": "StorageType"}
#: Seconds a modification in progress reports ``modifying`` / ``upgrading`` (x the latency scale; 0 without latency).
MODIFY_SECONDS = {"instance": 600.0, "cluster": 300.0}
#: The window assumed for a cluster created without one (moto leaves it empty; RDS picks one).
DEFAULT_WINDOW = "sun:05:00-sun:05:30"
PENDING = "_local_backend_pending"


def next_window_start(window: str | None, after: datetime.datetime) -> datetime.datetime:
    """The first start of the weekly ``window`` (``ddd:hh24:mi-ddd:hh24:mi``, UTC) strictly after ``after``."""
    m = _MAINT.match(str(window or DEFAULT_WINDOW).lower()) or _MAINT.match(DEFAULT_WINDOW)
    assert m is not None
    minute = _DAYS.index(m.group(1)) * _DAY + int(m.group(2)) * 60 + int(m.group(3))
    week = (after - datetime.timedelta(days=after.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    start = week + datetime.timedelta(minutes=minute)
    while start <= after:
        start += datetime.timedelta(days=7)
    return start


def _entry_start(obj: Any, entry: dict[str, Any]) -> float:
    """Clock time (latency.now()) at which a pending change starts to apply."""
    if entry.get("at") is not None:
        return float(entry["at"])
    since_clock, since_wall = entry["since"]
    opens = next_window_start(getattr(obj, "preferred_maintenance_window", None), since_wall)
    return since_clock + (opens - since_wall).total_seconds()


def _due(obj: Any) -> dict[str, Any]:
    """Remove and return the pending changes of ``obj`` whose time has come ({snake field: value})."""
    pending = obj.__dict__.get(PENDING) or {}
    now = latency.now()
    due = {k: e["value"] for k, e in pending.items() if now >= _entry_start(obj, e) + e["delay"]}
    for key in due:
        pending.pop(key)
    return due


def in_progress(obj: Any) -> str | None:
    """``upgrading`` / ``modifying`` while a started change has not finished, else None."""
    now = latency.now()
    phase = None
    for key, entry in (obj.__dict__.get(PENDING) or {}).items():
        start = _entry_start(obj, entry)
        if start <= now < start + entry["delay"]:
            if key == "engine_version":
                return "upgrading"
            phase = "modifying"
    return phase


def pending_values(obj: Any, api: dict[str, str]) -> dict[str, Any]:
    return {api[k]: e["value"] for k, e in (obj.__dict__.get(PENDING) or {}).items() if k in api}


def defer(obj: Any, kwargs: dict[str, Any], deferred: dict[str, str], kind: str, apply_now: bool) -> dict[str, Any]:
    """Record the deferred settings of a Modify call on ``obj``; return what moto must apply at once.

    ``kwargs``: moto's (snake_case) Modify arguments. Deferred settings wait for the window, or with
    ``apply_now`` (ApplyImmediately) start now and take :data:`MODIFY_SECONDS` x scale; with no delay they are
    handed to moto at once, with the already pending ones."""
    pending = obj.__dict__.setdefault(PENDING, {})
    delay = MODIFY_SECONDS[kind] * max(0.0, latency.current().scale)
    now = latency.now()
    # wall time (UTC) of the clock, fixed per resource when its first change is recorded
    anchor_clock, anchor_wall = obj.__dict__.setdefault(f"{PENDING}_anchor", (now, datetime.datetime.now(datetime.UTC)))
    wall = anchor_wall + datetime.timedelta(seconds=now - anchor_clock)
    out = dict(kwargs)
    for key in deferred:
        if key not in kwargs or kwargs[key] is None:
            continue
        value = kwargs[key]
        if key == "backup_retention_period":
            current = int(getattr(obj, key, 0) or 0)
            if (current == 0) == (int(value) == 0):
                continue  # non-zero to non-zero: applied at once
        if not apply_now and str(getattr(obj, key, None)) == str(value):
            pending.pop(key, None)  # asking for the current value again cancels the pending change
            out.pop(key)
            continue
        if apply_now and delay <= 0:
            pending.pop(key, None)
            continue  # moto applies it
        out.pop(key)
        pending[key] = {"value": value, "at": now if apply_now else None, "since": (now, wall), "delay": delay}
    if apply_now:
        for key, entry in list(pending.items()):
            if delay <= 0:
                out.setdefault(key, entry["value"])
                pending.pop(key)
            elif entry["at"] is None:
                entry.update(at=now, delay=delay)
    return out


def _install_pending(models: Any) -> None:
    instance_cls, cluster_cls, backend_cls = models.DBInstance, models.DBCluster, models.RDSBackend
    if getattr(backend_cls, "_cloudops_pending", False):
        return
    original_update = instance_cls.update

    def settle_instance(database: Any) -> None:
        due = _due(database)
        if due:
            original_update(database, **due)

    def settle_cluster(cluster: Any) -> None:
        due = _due(cluster)
        for key, value in due.items():  # members read EngineVersion from their cluster (moto)
            setattr(cluster, key, value)

    instance_cls.pending_modified_values = property(lambda self: pending_values(self, INSTANCE_DEFERRED))
    cluster_cls.pending_modified_values = property(
        lambda self: pending_values(self, {**CLUSTER_DEFERRED, **MULTI_AZ_CLUSTER_DEFERRED}) or None
    )
    for cls in (instance_cls, cluster_cls):  # the status descriptors latency.install() put there (it runs first)
        if hasattr(cls.__dict__.get("status"), "__set__"):
            cls.status = latency.BusyStatus(cls.__dict__["status"], in_progress)

    original_describe = backend_cls.describe_db_instances

    def describe_db_instances(self: Any, *args: Any, **kwargs: Any) -> Any:
        found = original_describe(self, *args, **kwargs)
        for database in found:
            settle_instance(database)
        return found

    original_describe_clusters = backend_cls.describe_db_clusters

    def describe_db_clusters(self: Any, *args: Any, **kwargs: Any) -> Any:
        found = original_describe_clusters(self, *args, **kwargs)
        for cluster in found:
            settle_cluster(cluster)
        return found

    original_modify = backend_cls.modify_db_instance

    def modify_db_instance(self: Any, db_instance_identifier: str, db_kwargs: Any) -> Any:
        database = self.databases.get(db_instance_identifier)
        if database is not None:
            settle_instance(database)
            if in_progress(database) == "upgrading":  # "You can't modify a DB instance when it is being upgraded."
                raise models.RDSClientError("InvalidDBInstanceState", "Database instance is not in available state.")
            apply_now = bool(db_kwargs.get("apply_immediately"))
            db_kwargs = defer(database, db_kwargs, INSTANCE_DEFERRED, "instance", apply_now)
        return original_modify(self, db_instance_identifier, db_kwargs)

    original_modify_cluster = backend_cls.modify_db_cluster

    def modify_db_cluster(self: Any, kwargs: Any) -> Any:
        cluster = self.clusters.get(kwargs.get("db_cluster_identifier") or "")
        if cluster is not None:
            settle_cluster(cluster)
            if in_progress(cluster) == "upgrading":
                raise models.RDSClientError("InvalidDBClusterStateFault", "DB cluster is not in available state.")
            deferred = dict(CLUSTER_DEFERRED)
            if not str(cluster.engine).startswith("aurora"):
                deferred.update(MULTI_AZ_CLUSTER_DEFERRED)
            kwargs = defer(cluster, kwargs, deferred, "cluster", bool(kwargs.get("apply_immediately")))
        return original_modify_cluster(self, kwargs)

    backend_cls.describe_db_instances = describe_db_instances
    backend_cls.describe_db_clusters = describe_db_clusters
    backend_cls.modify_db_instance = modify_db_instance
    backend_cls.modify_db_cluster = modify_db_cluster
    backend_cls._cloudops_pending = True


def install() -> None:
    import moto.rds.models as models
    import moto.rds.utils as utils

    models.MasterUserSecret._generate_secret_string = _rds_secret_string  # type: ignore[method-assign]
    _install_pending(models)

    utils.valid_preferred_maintenance_window = valid_preferred_maintenance_window
    models.valid_preferred_maintenance_window = valid_preferred_maintenance_window
    cls = models.DBInstance
    if getattr(cls, "_cloudops_pi", False):
        return
    original_init = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.enable_performance_insights = bool(kwargs.get("enable_performance_insights") or False)
        _set_pi_kms(self, kwargs.get("performance_insights_kms_key_id"))
        _set_pi_retention(self, kwargs.get("performance_insights_retention_period"))

    cls.__init__ = __init__

    original_modify = models.RDSBackend.modify_db_instance

    def modify_db_instance(self: Any, db_instance_identifier: str, db_kwargs: dict[str, Any]) -> Any:
        database = original_modify(self, db_instance_identifier, db_kwargs)
        if db_kwargs.get("db_port_number") is not None:
            database.port = int(db_kwargs["db_port_number"])
        return database

    models.RDSBackend.modify_db_instance = modify_db_instance

    original_create = models.RDSBackend.create_db_instance

    def create_db_instance(self: Any, db_kwargs: dict[str, Any]) -> Any:
        zone = db_kwargs.get("availability_zone")
        if zone and not str(zone).startswith(self.region_name):
            raise models.InvalidParameterValue(
                f"Availability zone {zone} is not in the region {self.region_name}."
            )
        cluster = self.clusters.get(db_kwargs.get("db_cluster_identifier") or "")
        if not zone and cluster is not None:
            taken = [
                d.availability_zone
                for d in self.databases.values()
                if getattr(d, "db_cluster_identifier", None) == cluster.db_cluster_identifier
            ]
            db_kwargs = {**db_kwargs, "availability_zone": member_zone(_cluster_zones(self, cluster), taken)}
        return original_create(self, db_kwargs)

    models.RDSBackend.create_db_instance = create_db_instance
    cls.performance_insights_enabled = property(_pi_enabled)
    cls.performance_insights_kms_key_id = property(_pi_kms, _set_pi_kms)
    cls.performance_insights_retention_period = property(_pi_retention, _set_pi_retention)
    cls._cloudops_pi = True
