"""AWS's catalogue reads, for moto 5.2.5 (what ``cloudops.eks_platform.aws_catalogue_preflight`` reads). Gaps:

1. rds DescribeDBEngineVersions: not implemented (HTTP 500). Served from :data:`RDS_VERSIONS` (Engine,
   EngineVersion, DBParameterGroupFamily, DefaultOnly filters; Marker/MaxRecords pages): postgres 13-17,
   aurora-postgresql 13-17, aurora-mysql 3 (8.0), each with AWS's family and exportable log types.
2. rds DescribeOrderableDBInstanceOptions: moto answers only aurora-postgresql / neptune, with 11.x versions and
   us-east-1 zones whatever the region, and nothing for postgres (every class would look unorderable). Served for
   the engines of :data:`RDS_VERSIONS` from :data:`RDS_CLASSES` (db.t3/t4g/m5/m6g/m7g/r5/r6g/r7g sizes, Aurora's
   db.serverless; storage gp2/gp3/io1/io2, Aurora aurora/aurora-iopt1), in every zone of the request's region;
   Engine, EngineVersion, DBInstanceClass, Vpc filters. Other engines keep moto's answer.
3. rds DescribeEngineDefaultParameters / DescribeEngineDefaultClusterParameters: not implemented (HTTP 500).
   Served from :data:`PG_PARAMETERS` (the PostgreSQL families, ``rds.extensions`` listing the extensions RDS
   supports, as the default parameter group does) and :data:`AURORA_MYSQL_PARAMETERS`; a family no version
   has -> InvalidParameterValue.
4. elasticache DescribeCacheEngineVersions: not implemented (HTTP 500). Served from :data:`CACHE_VERSIONS`
   (redis 4.0.10-7.1, valkey 7.2-8.1, memcached 1.6; Engine, EngineVersion, CacheParameterGroupFamily, DefaultOnly).
5. elasticache DescribeReservedCacheNodesOfferings: not implemented (HTTP 500). Offerings of every node type of
   :data:`CACHE_NODE_TYPES` (cache.t3/t4g/m5/m6g/m7g/r5/r6g/r7g) for redis, valkey and memcached, one and three
   years, three offering types; CacheNodeType, ProductDescription, Duration, OfferingType,
   ReservedCacheNodesOfferingId filters. A node type ElastiCache does not have gets no offering (as on AWS).
   Prices are invented (the shape is AWS's).
6. elasticache DescribeEngineDefaultParameters: not implemented (HTTP 500). Served from the cache parameter
   catalog of ``aws/elasticache.py`` (PARAMETER_CATALOG: the one the parameter groups of that file accept), so
   what the preflight accepts is what ModifyCacheParameterGroup accepts; a family no version has ->
   InvalidParameterValue.

Zones (ec2 DescribeAvailabilityZones) need nothing: moto lists the right zones for the regions the inventories
use (ap-northeast-2a-d, us-east-1a-f, ...).

The tables are a realistic subset of AWS's catalogue (values checked against the RDS / ElastiCache user guides'
version and instance class tables), not all of it: a version, class, node type, parameter or extension missing
here is refused by the preflight against this backend even where AWS has it. Add it to the table.
"""

from __future__ import annotations

import hashlib
from typing import Any

# --- RDS -----------------------------------------------------------------------------------------------------------
PG_LOGS = ["postgresql", "upgrade"]
AURORA_PG_LOGS = ["postgresql"]
AURORA_MYSQL_LOGS = ["audit", "error", "general", "slowquery"]

#: engine -> [(version, family, exportable log types)]; the last of each engine is its default.
RDS_VERSIONS: dict[str, list[tuple[str, str, list[str]]]] = {
    "postgres": [
        *[(v, "postgres13", PG_LOGS) for v in ("13.20", "13.21", "13.22")],
        *[(v, "postgres14", PG_LOGS) for v in ("14.17", "14.18", "14.19")],
        *[(v, "postgres15", PG_LOGS) for v in ("15.12", "15.13", "15.14")],
        *[(v, "postgres16", PG_LOGS) for v in ("16.4", "16.6", "16.8", "16.9", "16.10")],
        *[(v, "postgres17", PG_LOGS) for v in ("17.2", "17.4", "17.5", "17.6", "17.7")],
    ],
    "aurora-postgresql": [
        *[(v, "aurora-postgresql13", AURORA_PG_LOGS) for v in ("13.18", "13.20")],
        *[(v, "aurora-postgresql14", AURORA_PG_LOGS) for v in ("14.15", "14.17")],
        *[(v, "aurora-postgresql15", AURORA_PG_LOGS) for v in ("15.10", "15.12")],
        *[(v, "aurora-postgresql16", AURORA_PG_LOGS) for v in ("16.4", "16.6", "16.8", "16.9")],
        *[(v, "aurora-postgresql17", AURORA_PG_LOGS) for v in ("17.4", "17.5")],
    ],
    "aurora-mysql": [
        (f"8.0.mysql_aurora.{v}", "aurora-mysql8.0", AURORA_MYSQL_LOGS)
        for v in ("3.04.3", "3.05.2", "3.08.0", "3.08.2", "3.09.0", "3.10.0")
    ],
}
ENGINE_DESCRIPTIONS = {"postgres": "PostgreSQL", "aurora-postgresql": "Aurora (PostgreSQL)",
                       "aurora-mysql": "Aurora MySQL"}

_SIZES_BURST = ("micro", "small", "medium", "large", "xlarge", "2xlarge")
_SIZES = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
_INSTANCE = [f"db.{f}.{s}" for f in ("t3", "t4g") for s in _SIZES_BURST]
_INSTANCE += [f"db.{f}.{s}" for f in ("m5", "m6g", "m7g", "r5", "r6g", "r7g") for s in _SIZES]
_AURORA = [f"db.{f}.{s}" for f in ("t3", "t4g") for s in ("medium", "large")]
_AURORA += [f"db.{f}.{s}" for f in ("r5", "r6g", "r7g") for s in _SIZES] + ["db.serverless"]
#: engine -> (instance classes, storage types)
RDS_CLASSES: dict[str, tuple[list[str], list[str]]] = {
    "postgres": (_INSTANCE, ["gp2", "gp3", "io1", "io2"]),
    "aurora-postgresql": (_AURORA, ["aurora", "aurora-iopt1"]),
    "aurora-mysql": (_AURORA, ["aurora", "aurora-iopt1"]),
}

#: The extensions RDS for PostgreSQL / Aurora PostgreSQL support (rds.extensions of the default parameter group;
#: https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-extensions.html), a subset.
PG_EXTENSIONS = sorted({
    "address_standardizer", "address_standardizer_data_us", "amcheck", "aws_commons", "aws_lambda", "aws_s3",
    "bloom", "btree_gin", "btree_gist", "citext", "cube", "dblink", "dict_int", "dict_xsyn", "earthdistance",
    "fuzzystrmatch", "hll", "hstore", "hstore_plperl", "insert_username", "intagg", "intarray", "ip4r", "isn",
    "jsonb_plperl", "lo", "ltree", "moddatetime", "orafce", "pageinspect", "pg_bigm", "pg_buffercache", "pg_cron",
    "pg_freespacemap", "pg_hint_plan", "pg_partman", "pg_prewarm", "pg_proctab", "pg_repack", "pg_similarity",
    "pg_stat_statements", "pg_tle", "pg_trgm", "pg_visibility", "pgaudit", "pgcrypto", "pglogical", "pgrouting",
    "pgrowlocks", "pgstattuple", "plperl", "plpgsql", "plrust", "pltcl", "postgis", "postgis_raster",
    "postgis_tiger_geocoder", "postgis_topology", "postgres_fdw", "prefix", "rdkit", "rds_tools", "refint", "seg",
    "sslinfo", "tablefunc", "tcn", "tds_fdw", "tsm_system_rows", "tsm_system_time", "unaccent", "uuid-ossp", "vector",
})
_PRELOAD = ("auto_explain,orafce,pg_bigm,pg_cron,pg_hint_plan,pg_partman_bgw,pg_prewarm,pg_similarity,"
            "pg_stat_statements,pg_tle,pg_transport,pgaudit,pglogical,plprofiler")
_INT = "integer"


def _p(name: str, kind: str, allowed: str | None, value: str | None = None, apply: str = "dynamic",
       modifiable: bool = True, description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"ParameterName": name, "Description": description or name, "Source": "engine-default",
                           "ApplyType": apply, "DataType": kind, "IsModifiable": modifiable,
                           "ApplyMethod": "pending-reboot", "SupportedEngineModes": ["provisioned"]}
    if allowed is not None:
        out["AllowedValues"] = allowed
    if value is not None:
        out["ParameterValue"] = value
    return out


#: The PostgreSQL parameters (instance and Aurora cluster defaults), a subset of AWS's ~350.
PG_PARAMETERS: list[dict[str, Any]] = [
    _p("autovacuum", "boolean", "0,1", "1"),
    _p("autovacuum_max_workers", _INT, "1-262143", apply="static"),
    _p("autovacuum_naptime", _INT, "1-2147483"),
    _p("client_encoding", "string", None, "UTF8"),
    _p("default_transaction_isolation", "string", "serializable,repeatable read,read committed,read uncommitted"),
    _p("effective_cache_size", _INT, "1-2147483647", "{DBInstanceClassMemory/16384}"),
    _p("idle_in_transaction_session_timeout", _INT, "0-2147483647"),
    _p("lock_timeout", _INT, "0-2147483647"),
    _p("log_connections", "boolean", "0,1"),
    _p("log_disconnections", "boolean", "0,1"),
    _p("log_error_verbosity", "string", "terse,default,verbose"),
    _p("log_lock_waits", "boolean", "0,1"),
    _p("log_min_duration_statement", _INT, "-1-2147483647"),
    _p("log_min_error_statement", "string", "debug5,debug4,debug3,debug2,debug1,info,notice,warning,error,log,fatal,"
                                            "panic"),
    _p("log_min_messages", "string", "debug5,debug4,debug3,debug2,debug1,info,notice,warning,error,log,fatal,panic"),
    _p("log_statement", "string", "none,ddl,mod,all"),
    _p("log_temp_files", _INT, "-1-2147483647"),
    _p("maintenance_work_mem", _INT, "1024-2147483647", "GREATEST({DBInstanceClassMemory/63963136*1024},65536)"),
    _p("max_connections", _INT, "6-262143", "LEAST({DBInstanceClassMemory/9531392},5000)", "static"),
    _p("password_encryption", "string", "md5,scram-sha-256", "scram-sha-256"),
    _p("pg_stat_statements.max", _INT, "100-2147483647", apply="static"),
    _p("pg_stat_statements.track", "string", "none,top,all"),
    _p("random_page_cost", "float", "0-2147483647"),
    _p("rds.allowed_extensions", "string", None, "*"),
    _p("rds.extensions", "list", ",".join(PG_EXTENSIONS), ",".join(PG_EXTENSIONS), modifiable=False,
       description="List of extensions available to the user"),
    _p("rds.force_ssl", "boolean", "0,1", "1"),
    _p("rds.log_retention_period", _INT, "1440-10080", "4320"),
    _p("search_path", "string", None),
    _p("shared_preload_libraries", "list", _PRELOAD, "pg_stat_statements", "static"),
    _p("ssl_min_protocol_version", "string", "TLSv1,TLSv1.1,TLSv1.2,TLSv1.3", "TLSv1.2"),
    _p("statement_timeout", _INT, "0-2147483647"),
    _p("timezone", "string", None, "UTC"),
    _p("track_io_timing", "boolean", "0,1", "1"),
    _p("work_mem", _INT, "64-2147483647"),
]
#: Aurora MySQL 3 cluster parameters, a subset (time_zone: its AWS list of zones is not reproduced).
AURORA_MYSQL_PARAMETERS: list[dict[str, Any]] = [
    _p("binlog_format", "string", "ROW,STATEMENT,MIXED,OFF", "OFF", "static"),
    _p("character_set_server", "string", "big5,dec8,cp850,hp8,koi8r,latin1,latin2,swe7,ascii,ujis,sjis,hebrew,"
                                         "tis620,euckr,koi8u,gb2312,greek,cp1250,gbk,latin5,armscii8,utf8,utf8mb3,"
                                         "ucs2,cp866,keybcs2,macce,macroman,cp852,latin7,utf8mb4,cp1251,utf16,"
                                         "cp1256,cp1257,utf32,binary,geostd8,cp932,eucjpms"),
    _p("collation_server", "string", None),
    _p("innodb_lock_wait_timeout", _INT, "1-1073741824"),
    _p("long_query_time", "float", "0-31536000"),
    _p("max_connections", _INT, "1-100000", "GREATEST({log(DBInstanceClassMemory/805306368)*45},"
                                            "{log(DBInstanceClassMemory/8187281408)*1000})"),
    _p("require_secure_transport", "boolean", "OFF,ON", "OFF"),
    _p("server_audit_events", "list", "CONNECT,QUERY,QUERY_DCL,QUERY_DDL,QUERY_DML,TABLE"),
    _p("server_audit_logging", "boolean", "0,1", "0"),
    _p("slow_query_log", "boolean", "0,1"),
    _p("time_zone", "string", None),
    _p("tls_version", "list", "TLSv1.2,TLSv1.3", "TLSv1.2,TLSv1.3", "static"),
]


def rds_families() -> dict[str, str]:
    """Family -> engine, for every family of :data:`RDS_VERSIONS`."""
    return {family: engine for engine, rows in RDS_VERSIONS.items() for _, family, _ in rows}


def rds_engine_versions(engine: str | None = None, version: str | None = None, family: str | None = None,
                        default_only: bool = False) -> list[dict[str, Any]]:
    """DBEngineVersion items of the catalogue, filtered as DescribeDBEngineVersions filters them."""
    out = []
    for name, rows in RDS_VERSIONS.items():
        if engine and name != engine:
            continue
        for position, (ver, fam, logs) in enumerate(rows):
            if (version and ver != version) or (family and fam != family):
                continue
            if default_only and position != len(rows) - 1:
                continue
            out.append({
                "Engine": name, "EngineVersion": ver, "DBParameterGroupFamily": fam,
                "DBEngineDescription": ENGINE_DESCRIPTIONS.get(name, name),
                "DBEngineVersionDescription": f"{ENGINE_DESCRIPTIONS.get(name, name)} {ver}",
                "ExportableLogTypes": list(logs), "SupportsLogExportsToCloudwatchLogs": True,
                "SupportsReadReplica": True, "Status": "available", "SupportedEngineModes": ["provisioned"],
                "SupportsParallelQuery": False, "SupportsGlobalDatabases": name.startswith("aurora"),
                "SupportsBabelfish": False, "SupportsCertificateRotationWithoutRestart": True,
            })
    return out


def orderable_options(engine: str, version: str | None, instance_class: str | None, zones: list[str]
                      ) -> list[dict[str, Any]]:
    """OrderableDBInstanceOption items: every class x storage type of the engine, in ``zones``."""
    if engine not in RDS_CLASSES:
        return []
    classes, storages = RDS_CLASSES[engine]
    out = []
    for ver, _, _ in RDS_VERSIONS[engine]:
        if version and ver != version:
            continue
        for cls in classes:
            if instance_class and cls != instance_class:
                continue
            for storage in storages:
                option: dict[str, Any] = {
                    "Engine": engine, "EngineVersion": ver, "DBInstanceClass": cls,
                    "LicenseModel": "general-public-license" if engine == "aurora-mysql" else "postgresql-license",
                    "AvailabilityZones": [{"Name": z} for z in zones], "MultiAZCapable": True,
                    "ReadReplicaCapable": True, "Vpc": True, "SupportsStorageEncryption": True,
                    "StorageType": storage, "SupportsIops": storage in ("io1", "io2"),
                    "SupportsEnhancedMonitoring": True, "SupportsIAMDatabaseAuthentication": True,
                    "SupportsPerformanceInsights": True, "SupportedEngineModes": ["provisioned"],
                    "SupportsStorageAutoscaling": not engine.startswith("aurora"),
                }
                if cls == "db.serverless":
                    option["SupportedEngineModes"] = ["provisioned"]
                if not engine.startswith("aurora"):
                    option.update(MinStorageSize=100 if storage in ("io1", "io2") else 20, MaxStorageSize=65536)
                out.append(option)
    return out


def rds_default_parameters(family: str) -> list[dict[str, Any]] | None:
    """The family's default parameters (None: no such family)."""
    engine = rds_families().get(family)
    if engine is None:
        return None
    if engine == "aurora-mysql":
        return [dict(p) for p in AURORA_MYSQL_PARAMETERS]
    return [dict(p) for p in PG_PARAMETERS] + _pg_other_parameters()


def _pg_other_parameters() -> list[dict[str, Any]]:
    """Every other PostgreSQL parameter name (rules.py's list, from ``postgres --describe-config``), without allowed
    values: the preflight then accepts what ModifyDBParameterGroup accepts here (rules.py), not only the subset."""
    from .rules import postgres_parameters

    known = {p["ParameterName"] for p in PG_PARAMETERS}
    return [_p(name, "string", None) for name in sorted(postgres_parameters()) if name not in known]


# --- ElastiCache ---------------------------------------------------------------------------------------------------
#: engine -> [(version, family)]; the last of each engine is its default.
CACHE_VERSIONS: dict[str, list[tuple[str, str]]] = {
    "redis": [("4.0.10", "redis4.0"), ("5.0.6", "redis5.0"), ("6.0", "redis6.x"), ("6.2", "redis6.x"),
              ("7.0", "redis7"), ("7.1", "redis7")],
    "valkey": [("7.2", "valkey7"), ("8.0", "valkey8"), ("8.1", "valkey8")],
    "memcached": [("1.6.17", "memcached1.6"), ("1.6.22", "memcached1.6")],
}
CACHE_DESCRIPTIONS = {"redis": "Redis", "valkey": "Valkey", "memcached": "memcached"}
_CACHE_SIZES = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
CACHE_NODE_TYPES: list[str] = [f"cache.{f}.{s}" for f in ("t3", "t4g") for s in ("micro", "small", "medium")]
CACHE_NODE_TYPES += [f"cache.{f}.{s}" for f in ("m5", "m6g", "m7g", "r5", "r6g", "r7g") for s in _CACHE_SIZES]
OFFERING_TYPES = ("No Upfront", "Partial Upfront", "All Upfront")
DURATIONS = (31536000, 94608000)


def cache_families() -> set[str]:
    return {family for rows in CACHE_VERSIONS.values() for _, family in rows}


def cache_engine_versions(engine: str | None = None, version: str | None = None, family: str | None = None,
                          default_only: bool = False) -> list[dict[str, Any]]:
    out = []
    for name, rows in CACHE_VERSIONS.items():
        if engine and name != engine:
            continue
        for position, (ver, fam) in enumerate(rows):
            if (version and ver != version) or (family and fam != family):
                continue
            if default_only and position != len(rows) - 1:
                continue
            out.append({"Engine": name, "EngineVersion": ver, "CacheParameterGroupFamily": fam,
                        "CacheEngineDescription": CACHE_DESCRIPTIONS[name],
                        "CacheEngineVersionDescription": f"{CACHE_DESCRIPTIONS[name]} {ver}"})
    return out


def _hourly(node_type: str) -> float:
    """An invented hourly price growing with the size (the shape matters here, not the price)."""
    size = node_type.rsplit(".", 1)[-1]
    base = {"micro": 0.016, "small": 0.032, "medium": 0.065, "large": 0.15, "xlarge": 0.3}.get(size)
    if base is None:
        base = 0.3 * int(size.replace("xlarge", "") or 1)
    return round(base * (1.3 if node_type.split(".")[1].startswith("r") else 1.0), 4)


def reserved_offerings(node_type: str | None = None, product: str | None = None, duration: str | None = None,
                       offering_type: str | None = None, offering_id: str | None = None) -> list[dict[str, Any]]:
    out = []
    for nt in CACHE_NODE_TYPES:
        if node_type and nt != node_type:
            continue
        for prod in CACHE_VERSIONS:
            if product and prod != product:
                continue
            for seconds in DURATIONS:
                if duration and str(duration) not in (str(seconds), str(seconds // 31536000)):
                    continue
                for kind in OFFERING_TYPES:
                    if offering_type and kind != offering_type:
                        continue
                    ident = hashlib.sha1(f"{nt}/{prod}/{seconds}/{kind}".encode()).hexdigest()
                    ident = f"{ident[:8]}-{ident[8:12]}-{ident[12:16]}-{ident[16:20]}-{ident[20:32]}"
                    if offering_id and ident != offering_id:
                        continue
                    hourly = _hourly(nt) * (0.6 if seconds == DURATIONS[0] else 0.4)
                    upfront = {"No Upfront": 0.0, "Partial Upfront": 0.5, "All Upfront": 1.0}[kind]
                    hours = seconds / 3600
                    out.append({
                        "ReservedCacheNodesOfferingId": ident, "CacheNodeType": nt, "Duration": seconds,
                        "FixedPrice": round(hourly * hours * upfront, 2), "UsagePrice": 0.0,
                        "ProductDescription": prod, "OfferingType": kind,
                        "RecurringCharges": ([] if kind == "All Upfront" else
                                             [{"RecurringChargeAmount": round(hourly * (1 - upfront), 4),
                                               "RecurringChargeFrequency": "Hourly"}]),
                    })
    return out


def cache_default_parameters(family: str) -> list[dict[str, Any]] | None:
    """The cache family's defaults from aws/elasticache.py's PARAMETER_CATALOG (None: no such family)."""
    from .elasticache import PARAMETER_CATALOG

    if family not in cache_families():
        return None
    out = []
    for parameter in PARAMETER_CATALOG.get(family, []):
        item = {k: v for k, v in parameter.items() if v is not None}
        item.update(Source="system", IsModifiable=True, MinimumEngineVersion="7.0.0",
                    Description=item.get("Description", parameter["ParameterName"]))
        out.append(item)
    return out


# --- wiring --------------------------------------------------------------------------------------------------------
def page(items: list[Any], marker: Any, max_records: Any, maximum: int = 100) -> tuple[list[Any], str | None]:
    """One page: ``Marker`` is the offset (as a string), ``MaxRecords`` 20..maximum (default 100)."""
    start = int(marker) if str(marker or "").isdigit() else 0
    size = min(max(int(max_records or 100), 20), maximum)
    chunk = items[start:start + size]
    return chunk, (str(start + size) if start + size < len(items) else None)


def _zones(region: str) -> list[str]:
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend

    found = RegionsAndZonesBackend.zones.get(region) or []
    return sorted(z.name for z in found if getattr(z, "zone_type", "availability-zone") == "availability-zone")


_installed = False


def install() -> None:  # noqa: C901 - one patch set
    global _installed
    if _installed:
        return
    _installed = True
    from moto.core.responses import ActionResult
    from moto.elasticache import exceptions as cache_exc
    from moto.elasticache.responses import ElastiCacheResponse
    from moto.rds.exceptions import InvalidParameterValue
    from moto.rds.responses import RDSResponse

    class CacheInvalidParameterValue(cache_exc.ElastiCacheException):
        code = "InvalidParameterValue"

    def _bool(self: Any, name: str) -> bool:
        return str(self._get_param(name) or "").lower() == "true"

    # rds ------------------------------------------------------------------------------------------------------
    def describe_db_engine_versions(self: Any) -> ActionResult:
        items = rds_engine_versions(self._get_param("Engine"), self._get_param("EngineVersion"),
                                    self._get_param("DBParameterGroupFamily"), _bool(self, "DefaultOnly"))
        chunk, marker = page(items, self._get_param("Marker"), self._get_param("MaxRecords"))
        return ActionResult({"DBEngineVersions": chunk, **({"Marker": marker} if marker else {})})

    moto_orderable = RDSResponse.describe_orderable_db_instance_options

    def describe_orderable_db_instance_options(self: Any) -> ActionResult:
        engine = self._get_param("Engine")
        if engine not in RDS_CLASSES:
            return moto_orderable(self)
        items = orderable_options(engine, self._get_param("EngineVersion"), self._get_param("DBInstanceClass"),
                                  _zones(self.region))
        vpc = self._get_param("Vpc")
        if vpc is not None and str(vpc).lower() == "false":
            items = []  # EC2-Classic is gone: every option is a VPC one
        chunk, marker = page(items, self._get_param("Marker"), self._get_param("MaxRecords"), 1000)
        return ActionResult({"OrderableDBInstanceOptions": chunk, **({"Marker": marker} if marker else {})})

    def _engine_defaults(self: Any) -> ActionResult:
        family = self._get_param("DBParameterGroupFamily")
        items = rds_default_parameters(family)
        if items is None:
            raise InvalidParameterValue(f"Invalid DB parameter group family: {family}")
        chunk, marker = page(items, self._get_param("Marker"), self._get_param("MaxRecords"))
        defaults: dict[str, Any] = {"DBParameterGroupFamily": family, "Parameters": chunk}
        if marker:
            defaults["Marker"] = marker
        return ActionResult({"EngineDefaults": defaults})

    RDSResponse.describe_db_engine_versions = describe_db_engine_versions  # type: ignore[attr-defined]
    RDSResponse.describe_orderable_db_instance_options = describe_orderable_db_instance_options  # type: ignore
    RDSResponse.describe_engine_default_parameters = _engine_defaults  # type: ignore[attr-defined]
    RDSResponse.describe_engine_default_cluster_parameters = _engine_defaults  # type: ignore[attr-defined]

    # elasticache ----------------------------------------------------------------------------------------------
    def describe_cache_engine_versions(self: Any) -> ActionResult:
        items = cache_engine_versions(self._get_param("Engine"), self._get_param("EngineVersion"),
                                      self._get_param("CacheParameterGroupFamily"), _bool(self, "DefaultOnly"))
        chunk, marker = page(items, self._get_param("Marker"), self._get_param("MaxRecords"))
        return ActionResult({"CacheEngineVersions": chunk, **({"Marker": marker} if marker else {})})

    def describe_reserved_cache_nodes_offerings(self: Any) -> ActionResult:
        items = reserved_offerings(self._get_param("CacheNodeType"), self._get_param("ProductDescription"),
                                   self._get_param("Duration"), self._get_param("OfferingType"),
                                   self._get_param("ReservedCacheNodesOfferingId"))
        chunk, marker = page(items, self._get_param("Marker"), self._get_param("MaxRecords"))
        return ActionResult({"ReservedCacheNodesOfferings": chunk, **({"Marker": marker} if marker else {})})

    def describe_engine_default_parameters(self: Any) -> ActionResult:
        family = self._get_param("CacheParameterGroupFamily")
        items = cache_default_parameters(family)
        if items is None:
            raise CacheInvalidParameterValue(f"The parameter CacheParameterGroupFamily {family} is not a valid "
                                             "cache parameter group family.")
        chunk, marker = page(items, self._get_param("Marker"), self._get_param("MaxRecords"))
        defaults: dict[str, Any] = {"CacheParameterGroupFamily": family, "Parameters": chunk,
                                    "CacheNodeTypeSpecificParameters": []}
        if marker:
            defaults["Marker"] = marker
        return ActionResult({"EngineDefaults": defaults})

    ElastiCacheResponse.describe_cache_engine_versions = describe_cache_engine_versions  # type: ignore
    ElastiCacheResponse.describe_reserved_cache_nodes_offerings = describe_reserved_cache_nodes_offerings  # type: ignore
    ElastiCacheResponse.describe_engine_default_parameters = describe_engine_default_parameters  # type: ignore
