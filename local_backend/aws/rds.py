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

The PostgreSQL server behind instances of engine postgres (``up --postgres``) is ``postgres/bridge.py``.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from typing import Any

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


def install() -> None:
    import moto.rds.models as models
    import moto.rds.utils as utils

    models.MasterUserSecret._generate_secret_string = _rds_secret_string  # type: ignore[method-assign]

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
