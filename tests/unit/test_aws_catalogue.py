"""Unit tests of the catalogue preflight's compare logic (plugins/module_utils/aws_catalogue.py), against a fake
AWS written by hand in the shapes of the API references (DescribeAvailabilityZones, DescribeDBEngineVersions,
DescribeOrderableDBInstanceOptions, DescribeEngineDefaultParameters, DescribeCacheEngineVersions,
DescribeReservedCacheNodesOfferings), and of playbooks/tasks/preflight.yml's fallbacks (the roles' defaults)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.filter.elasticache import (  # noqa: E402
    redis_parameter_group_family,
)
from ansible_collections.cloudops.eks_platform.plugins.filter.rds import rds_parameter_group_family  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.module_utils import aws_catalogue as cat  # noqa: E402

REGION = "ap-northeast-2"
ZONES = ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"]


def option(engine: str, version: str, cls: str, storage: str, zones: list[str] | None = None) -> dict[str, Any]:
    return {"Engine": engine, "EngineVersion": version, "DBInstanceClass": cls, "StorageType": storage,
            "AvailabilityZones": [{"Name": z} for z in (zones or ZONES)]}


FAKE_AWS: dict[tuple[Any, ...], Any] = {
    ("zones",): ZONES,
    ("rds_engine_versions", "postgres"): [
        {"Engine": "postgres", "EngineVersion": v, "DBParameterGroupFamily": f"postgres{v.split('.')[0]}",
         "ExportableLogTypes": ["postgresql", "upgrade"]} for v in ("16.8", "16.9", "17.6", "17.7")],
    ("rds_engine_versions", "aurora-postgresql"): [
        {"Engine": "aurora-postgresql", "EngineVersion": "16.6", "DBParameterGroupFamily": "aurora-postgresql16",
         "ExportableLogTypes": ["postgresql"]}],
    ("rds_engine_versions", "aurora-mysql"): [
        {"Engine": "aurora-mysql", "EngineVersion": "8.0.mysql_aurora.3.08.0", "DBParameterGroupFamily":
         "aurora-mysql8.0", "ExportableLogTypes": ["audit", "error", "general", "slowquery"]}],
    ("rds_engine_versions", "mysql"): [],
    ("rds_orderable", "postgres", "17.7"): [
        *[option("postgres", "17.7", c, s) for c in ("db.t4g.micro", "db.t4g.small", "db.r7g.large")
          for s in ("gp2", "gp3", "io1")],
        option("postgres", "17.7", "db.m5.large", "gp3", ["ap-northeast-2a", "ap-northeast-2c"]),
    ],
    ("rds_orderable", "aurora-postgresql", "16.6"): [
        option("aurora-postgresql", "16.6", "db.t4g.medium", "aurora"),
        option("aurora-postgresql", "16.6", "db.r6g.large", "aurora", ["ap-northeast-2a", "ap-northeast-2b"])],
    ("rds_orderable", "aurora-mysql", "8.0.mysql_aurora.3.08.0"): [
        option("aurora-mysql", "8.0.mysql_aurora.3.08.0", "db.r6g.large", "aurora")],
    ("rds_default_parameters", "postgres17"): [
        {"ParameterName": "shared_preload_libraries", "DataType": "list",
         "AllowedValues": "auto_explain,pg_cron,pg_stat_statements,pgaudit"},
        {"ParameterName": "log_statement", "DataType": "string", "AllowedValues": "none,ddl,mod,all"},
        {"ParameterName": "log_min_duration_statement", "DataType": "integer", "AllowedValues": "-1-2147483647"},
        {"ParameterName": "max_connections", "DataType": "integer", "AllowedValues": "6-262143"},
        {"ParameterName": "timezone", "DataType": "string"},
        {"ParameterName": "rds.extensions", "DataType": "list", "IsModifiable": False,
         "AllowedValues": "citext, pg_stat_statements, pgcrypto, uuid-ossp, vector"},
    ],
    ("rds_default_cluster_parameters", "aurora-postgresql16"): [
        {"ParameterName": "log_min_duration_statement", "DataType": "integer", "AllowedValues": "-1-2147483647"}],
    ("rds_default_parameters", "aurora-postgresql16"): [
        {"ParameterName": "rds.extensions", "DataType": "list", "ParameterValue": "pg_stat_statements,postgis"}],
    ("rds_default_cluster_parameters", "aurora-mysql8.0"): [
        {"ParameterName": "time_zone", "DataType": "string"},
        {"ParameterName": "require_secure_transport", "DataType": "boolean", "AllowedValues": "OFF,ON"}],
    ("cache_engine_versions", "redis"): [
        {"Engine": "redis", "EngineVersion": v, "CacheParameterGroupFamily": f}
        for v, f in (("6.2", "redis6.x"), ("7.0", "redis7"), ("7.1", "redis7"))],
    ("cache_engine_versions", "valkey"): [
        {"Engine": "valkey", "EngineVersion": "8.0", "CacheParameterGroupFamily": "valkey8"}],
    ("cache_engine_versions", "memcached"): [],
    ("cache_node_type", "cache.t4g.micro"): [{"CacheNodeType": "cache.t4g.micro", "ProductDescription": "redis"}],
    ("cache_node_type", "cache.r7g.large"): [{"CacheNodeType": "cache.r7g.large", "ProductDescription": "redis"}],
    ("cache_node_type", "db.t4g.small"): [],
    ("cache_default_parameters", "redis7"): [
        {"ParameterName": "maxmemory-policy", "DataType": "string",
         "AllowedValues": "volatile-lru,allkeys-lru,noeviction"},
        {"ParameterName": "timeout", "DataType": "integer", "AllowedValues": "0,20-"}],
    ("cache_default_parameters", "valkey8"): [{"ParameterName": "maxmemory-policy", "DataType": "string"}],
}


class FakeAWS:
    """Counts every fetch; answers from FAKE_AWS (a key it does not know is a test bug)."""

    def __init__(self) -> None:
        self.fetched: list[tuple[Any, ...]] = []

    def fetchers(self) -> dict[str, Any]:
        def make(what: str) -> Any:
            def fetch(*key: Any) -> Any:
                self.fetched.append((what, *key))
                return FAKE_AWS[(what, *key)]

            return fetch

        return {what: make(what) for what in {k[0] for k in FAKE_AWS}}


RDS_OK = {"suffix": "postgres", "engine_version": "17.7", "instance_class": "db.t4g.small",
          "parameters": {"shared_preload_libraries": "pg_stat_statements", "log_statement": "ddl",
                         "log_min_duration_statement": 1000},
          "databases": ["board_db"], "extensions": ["pg_stat_statements", "uuid-ossp"]}
AURORA_OK = {"suffix": "pingvas-pg", "engine": "aurora-postgresql", "engine_version": "16.6",
             "instance_class": "db.t4g.medium", "availability_zones": ["ap-northeast-2a", "ap-northeast-2b"],
             "parameters": {"log_min_duration_statement": 1000}, "log_exports": ["postgresql"]}
MYSQL_OK = {"suffix": "point", "engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.08.0",
            "instance_class": "db.r6g.large", "parameters": {"time_zone": "Asia/Seoul"}}
REDIS_OK = {"suffix": "redis", "engine_version": "7.1", "node_type": "cache.t4g.micro"}
RDS_DEFAULTS = {"engine": "postgres", "storage_type": "gp3", "parameters": {},
                "log_exports": ["postgresql", "upgrade"]}
CACHE_DEFAULTS = {"engine": "redis", "parameters": {"maxmemory-policy": "volatile-lru"}}


def run(**inputs: Any) -> tuple[list[str], FakeAWS]:
    fake = FakeAWS()
    reads = cat.Reads(fake.fetchers())
    base = {"region": REGION, "azs": ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"],
            "rds_defaults": RDS_DEFAULTS, "elasticache_defaults": CACHE_DEFAULTS}
    problems = cat.preflight_problems({**base, **inputs}, reads)
    assert fake.fetched == reads.calls  # every fetch went through the memo
    return problems, fake


def test_valid_values_pass_and_each_read_is_made_once():
    second = {**RDS_OK, "suffix": "other", "instance_class": "db.r7g.large"}
    problems, fake = run(rds_instances=[RDS_OK, second], aurora_clusters=[AURORA_OK, MYSQL_OK],
                         elasticache=[REDIS_OK, {**REDIS_OK, "suffix": "cache2", "node_type": "cache.r7g.large"}])
    assert problems == []
    assert fake.fetched == [
        ("zones",),
        ("rds_engine_versions", "postgres"),
        ("rds_orderable", "postgres", "17.7"),
        ("rds_default_parameters", "postgres17"),
        ("rds_engine_versions", "aurora-postgresql"),
        ("rds_orderable", "aurora-postgresql", "16.6"),
        ("rds_default_cluster_parameters", "aurora-postgresql16"),
        ("rds_engine_versions", "aurora-mysql"),
        ("rds_orderable", "aurora-mysql", "8.0.mysql_aurora.3.08.0"),
        ("rds_default_cluster_parameters", "aurora-mysql8.0"),
        ("cache_node_type", "cache.t4g.micro"),
        ("cache_engine_versions", "redis"),
        ("cache_default_parameters", "redis7"),
        ("cache_node_type", "cache.r7g.large"),
    ]


def test_nothing_to_check_makes_no_read():
    problems, fake = run(azs=[], rds_instances=[], aurora_clusters=[], elasticache=[])
    assert (problems, fake.fetched) == ([], [])
    # entries that are not dicts or versions that are not strings are left to the shape checks
    problems, fake = run(azs=[], rds_instances=["postgres", {"suffix": "x", "engine_version": {"a": 1}}])
    assert (problems, fake.fetched) == ([], [])


def test_zones_that_do_not_exist_in_the_region_are_named_wherever_they_are_written():
    problems, _ = run(
        azs=["ap-northeast-2a", "ap-northeast-2e"],
        rds_instances=[{**RDS_OK, "availability_zone": "us-east-1a"}],
        aurora_clusters=[{**AURORA_OK, "availability_zones": ["ap-northeast-2a", "ap-northeast-1c"]}],
        elasticache=[{**REDIS_OK, "preferred_zones": ["ap-northeast-2z"]}],
    )
    zones = "its zones: ap-northeast-2a, ap-northeast-2b, ap-northeast-2c, ap-northeast-2d"
    assert problems == [
        f"platform_azs[1]: ap-northeast-2e is not an availability zone of ap-northeast-2 (platform_region); {zones}",
        "platform_rds_instances[0] (postgres).availability_zone: us-east-1a is not an availability zone of "
        f"ap-northeast-2 (platform_region) (a zone of us-east-1); {zones}",
        "platform_aurora_clusters[0] (pingvas-pg).availability_zones[1]: ap-northeast-1c is not an availability zone "
        f"of ap-northeast-2 (platform_region) (a zone of ap-northeast-1); {zones}",
        "platform_redis_groups[0] (redis).preferred_zones[0]: ap-northeast-2z is not an availability zone of "
        f"ap-northeast-2 (platform_region); {zones}",
    ]


def test_instance_class_storage_type_and_zone_must_be_orderable():
    problems, _ = run(azs=[], rds_instances=[
        {**RDS_OK, "instance_class": "db.t4g.smal", "parameters": None, "extensions": None},
        {"name": "db2", "engine_version": "17.7", "instance_class": "cache.t4g.small"},
        {"name": "db3", "engine_version": "17.7", "instance_class": "db.t4g.micro", "storage_type": "io2"},
        {"name": "db4", "engine_version": "17.7", "instance_class": "db.m5.large",
         "availability_zone": "ap-northeast-2b"},
    ])
    assert problems[0].startswith("platform_rds_instances[0] (postgres).instance_class: db.t4g.smal is not orderable "
                                  "for postgres 17.7 in ap-northeast-2; orderable classes include db.t4g.small, ")
    assert problems[1].startswith("platform_rds_instances[1] (db2).instance_class: cache.t4g.small is not orderable "
                                  "for postgres 17.7 in ap-northeast-2 (cache.* is an ElastiCache node type; RDS "
                                  "classes are db.*); orderable classes include ")
    assert problems[2:] == [
        "platform_rds_instances[2] (db3).storage_type: io2 storage is not orderable with db.t4g.micro for postgres "
        "17.7; storage types: gp2, gp3, io1",
        "platform_rds_instances[3] (db4).availability_zone: db.m5.large (postgres 17.7) is not orderable in "
        "ap-northeast-2b; zones: ap-northeast-2a, ap-northeast-2c",
    ]
    # the storage type an entry leaves out is named by the role input
    problems, _ = run(azs=[], rds_instances=[{"name": "db5", "engine_version": "17.7",
                                              "instance_class": "db.m5.large"}],
                      rds_defaults={**RDS_DEFAULTS, "storage_type": "gp2"})
    assert problems == ["aws_rds_storage_type (used by platform_rds_instances[0] (db5), which leaves storage_type "
                        "out): gp2 storage is not orderable with db.m5.large for postgres 17.7; storage types: gp3"]


def test_aurora_class_must_be_orderable_in_the_members_zones():
    problems, _ = run(azs=[], aurora_clusters=[{**AURORA_OK, "instance_class": "db.r6g.large",
                                                "availability_zones": ["ap-northeast-2a", "ap-northeast-2c"]}])
    assert problems == ["platform_aurora_clusters[0] (pingvas-pg).availability_zones[1]: db.r6g.large "
                        "(aurora-postgresql 16.6) is not orderable in ap-northeast-2c; zones: ap-northeast-2a, "
                        "ap-northeast-2b"]


def test_engine_versions_that_do_not_exist():
    problems, fake = run(azs=[], rds_instances=[{**RDS_OK, "engine_version": "17.9"},
                                                {**RDS_OK, "suffix": "b", "engine_version": "18.1"},
                                                {**RDS_OK, "suffix": "c", "engine": "mysql"}])
    assert problems == [
        "platform_rds_instances[0] (postgres).engine_version: 17.9 is not a postgres version RDS offers in "
        "ap-northeast-2; postgres 17 versions: 17.6, 17.7",
        "platform_rds_instances[1] (b).engine_version: 18.1 is not a postgres version RDS offers in ap-northeast-2; "
        "major versions: 16, 17",
        "platform_rds_instances[2] (c).engine: mysql is not an engine RDS offers in ap-northeast-2",
    ]
    # no class or parameter read for a version that does not exist
    assert [f[0] for f in fake.fetched] == ["rds_engine_versions", "rds_engine_versions"]


def test_log_exports_must_be_exportable_for_the_engine_version():
    problems, _ = run(azs=[], rds_instances=[RDS_OK], rds_defaults={**RDS_DEFAULTS, "log_exports": ["postgresql",
                                                                                                      "slowquery"]},
                      aurora_clusters=[{**AURORA_OK, "log_exports": ["error", "slowquery"]}])
    assert problems == [
        "aws_rds_cloudwatch_logs_exports (used by platform_rds_instances[0] (postgres)): slowquery cannot be exported "
        "by postgres 17.7; exportable: postgresql, upgrade",
        "platform_aurora_clusters[0] (pingvas-pg).log_exports: error, slowquery cannot be exported by "
        "aurora-postgresql 16.6; exportable: postgresql",
    ]


def test_parameter_names_and_values():
    parameters = {"shared_preload_library": "pg_stat_statements", "log_statement": "everything",
                  "log_min_duration_statement": -2, "max_connections": "{DBInstanceClassMemory/9531392}",
                  "timezone": "Asia/Seoul", "rds.extensions": "x"}
    problems, _ = run(azs=[], rds_instances=[{**RDS_OK, "parameters": parameters}])
    assert problems == [
        "platform_rds_instances[0] (postgres).parameters.shared_preload_library: not a parameter of the RDS family "
        "postgres17; did you mean shared_preload_libraries?",
        "platform_rds_instances[0] (postgres).parameters.log_statement: everything is not among the allowed values "
        "(none, ddl, mod, all)",
        "platform_rds_instances[0] (postgres).parameters.log_min_duration_statement: -2 is outside the allowed values "
        "-1-2147483647",
        "platform_rds_instances[0] (postgres).parameters.rds.extensions: cannot be changed (AWS sets it; IsModifiable "
        "false in postgres17)",
    ]
    # a list parameter: each item; the role input named when the entry leaves parameters out
    problems, _ = run(azs=[], rds_instances=[{**RDS_OK, "parameters": None}],
                      rds_defaults={**RDS_DEFAULTS, "parameters": {"shared_preload_libraries": "pg_cron,pg_partman"}})
    assert problems == ["aws_rds_parameters (used by platform_rds_instances[0] (postgres), which leaves parameters "
                        "out).shared_preload_libraries: pg_partman is not among the allowed values (pg_cron, "
                        "auto_explain, pg_stat_statements, pgaudit)"]  # the closest first
    problems, _ = run(azs=[], aurora_clusters=[{**MYSQL_OK, "parameters": {"require_secure_transport": "MAYBE",
                                                                           "time_zone": "Mars/Olympus"}}])
    assert problems == ["platform_aurora_clusters[0] (point).parameters.require_secure_transport: MAYBE is not among "
                        "the allowed values (OFF, ON)"]


def test_extensions_must_be_supported_by_the_version():
    entry = {**RDS_OK, "parameters": None, "extensions": ["pg_stat_statements", "uuid_ossp"],
             "databases": ["a_db", {"name": "b_db", "extensions": ["postgis"]}]}
    problems, _ = run(azs=[], rds_instances=[entry])
    assert len(problems) == 2
    assert problems[0].startswith("platform_rds_instances[0] (postgres).extensions[1]: uuid_ossp is not an extension "
                                  "postgres 17.7 supports (rds.extensions of postgres17); did you mean uuid-ossp?; "
                                  "supported include uuid-ossp, ")
    assert problems[1].startswith("platform_rds_instances[0] (postgres).databases[1] (b_db).extensions[0]: postgis is "
                                  "not an extension postgres 17.7 supports")
    # Aurora: rds.extensions missing from the cluster defaults is read from the family's instance defaults
    problems, fake = run(azs=[], aurora_clusters=[{**AURORA_OK, "databases": ["a_db"],
                                                   "extensions": ["postgis", "vector"]}])
    assert problems[0].startswith("platform_aurora_clusters[0] (pingvas-pg).extensions[1]: vector is not an extension "
                                  "aurora-postgresql 16.6 supports")
    assert len(problems) == 1 and ("rds_default_parameters", "aurora-postgresql16") in fake.fetched


def test_elasticache_node_type_version_family_and_parameters():
    problems, _ = run(azs=[], elasticache=[
        {**REDIS_OK, "node_type": "db.t4g.small"},
        {**REDIS_OK, "suffix": "b", "engine_version": "7.3"},
        {**REDIS_OK, "suffix": "c", "parameter_group_family": "redis6.x"},
        {**REDIS_OK, "suffix": "d", "parameters": {"maxmemory-polcy": "allkeys-lru", "timeout": 5}},
        {**REDIS_OK, "suffix": "e", "engine": "memcached"},
    ])
    assert problems == [
        "platform_redis_groups[0] (redis).node_type: db.t4g.small is not an ElastiCache node type offered in "
        "ap-northeast-2 (db.t4g.small is an RDS instance class; the node type would be cache.t4g.small); node types "
        "are cache.<family>.<size>, e.g. cache.t4g.small, cache.r7g.large (DescribeReservedCacheNodesOfferings lists "
        "none for it)",
        "platform_redis_groups[1] (b).engine_version: 7.3 is not a redis version ElastiCache offers in ap-northeast-2; "
        "versions: 6.2, 7.0, 7.1",
        "platform_redis_groups[2] (c).parameter_group_family: redis6.x does not match redis 7.1, whose family is "
        "redis7",
        "platform_redis_groups[3] (d).parameters.maxmemory-polcy: not a parameter of the ElastiCache family redis7; "
        "did you mean maxmemory-policy?",
        "platform_redis_groups[3] (d).parameters.timeout: 5 is outside the allowed values 0,20-",
        "platform_redis_groups[4] (e).engine: memcached is not an engine ElastiCache offers in ap-northeast-2",
    ]
    problems, _ = run(azs=[], elasticache=[REDIS_OK],
                      elasticache_defaults={"engine": "redis", "parameters": {"maxmemory-policy": "lru"}})
    assert problems == ["aws_elasticache_parameters (used by platform_redis_groups[0] (redis), which leaves parameters "
                        "out).maxmemory-policy: lru is not among the allowed values (volatile-lru, allkeys-lru, "
                        "noeviction)"]
    # the engine left out is named by its role input; valkey's own family
    problems, _ = run(azs=[], elasticache=[{**REDIS_OK, "engine_version": "8.0"}],
                      elasticache_defaults={"engine": "valkey"})
    assert problems == []


def test_labels_rename_the_variables():
    problems, _ = run(azs=["ap-northeast-2e"], labels={"azs": "my_azs", "region": "my_region"})
    assert problems[0].startswith("my_azs[0]: ap-northeast-2e is not an availability zone of ap-northeast-2 "
                                  "(my_region)")


@pytest.mark.parametrize("allowed, value, ok", [
    ("0-100", 50, True), ("0-100", 101, False), ("0,20-", 0, True), ("0,20-", 19, False), ("0,20-", 99999, True),
    ("-1-2147483647", -1, True), ("-1-2147483647", "-2", False), ("1-", "abc", False),
])
def test_integer_allowed_values(allowed, value, ok):
    problem = cat.value_problem({"DataType": "integer", "AllowedValues": allowed}, value)
    assert (problem is None) is ok


@pytest.mark.parametrize("engine, version", [
    ("postgres", "17.7"), ("postgres", "16.10"), ("aurora-postgresql", "16.6"),
    ("aurora-mysql", "8.0.mysql_aurora.3.08.0"),
])
def test_rds_family_is_the_one_the_role_derives(engine, version):
    assert cat.rds_family(engine, version) == rds_parameter_group_family(engine, version)


@pytest.mark.parametrize("engine, version", [("redis", "7.1"), ("redis", "6.2"), ("redis", "5.0.6"), ("valkey", "8.0")])
def test_cache_family_is_the_one_the_role_derives(engine, version):
    assert cat.cache_family(engine, version) == redis_parameter_group_family(engine, version)


def test_preflight_tasks_fallbacks_are_the_roles_defaults():
    # playbooks/tasks/preflight.yml passes `aws_<role>_<x> | default(<value>)`: <value> must be the role's default
    task = yaml.safe_load((ROOT / "playbooks" / "tasks/preflight.yml").read_text())[0]
    args = task["cloudops.eks_platform.aws_catalogue_preflight"]
    role_defaults = {
        role: yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text())
        for role in ("aws_rds", "aws_elasticache")
    }
    checked = 0
    for group in ("rds_defaults", "elasticache_defaults"):
        for expression in args[group].values():
            match = re.fullmatch(r"\{\{ (aws_(rds|elasticache)_\w+) \| default\((.*)\) \}\}", expression)
            assert match, expression
            name, role, fallback = match.group(1), f"aws_{match.group(2)}", ast.literal_eval(match.group(3))
            assert role_defaults[role][name] == fallback, name
            checked += 1
    assert checked == 6
