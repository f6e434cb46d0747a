"""The list-entry rules of the data layer (plugins/module_utils/data_lists.py and the filters of
plugins/filter/rds.py / elasticache.py): naming, duplicates, zones, databases, endpoint secret sources, and
the names each entry derives. Expected values come from the naming pattern of docs/ROLE_CONVENTIONS.md, the
AWS API reference (parameter group families, PreferredCacheClusterAZs, NodeGroupConfiguration) and the
names an account built before the list layout holds (tests/bad_inputs for the messages)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.filter.elasticache import (  # noqa: E402
    redis_group_specs,
    redis_groups_problems,
    redis_parameter_group_family,
)
from ansible_collections.cloudops.eks_platform.plugins.filter.rds import (  # noqa: E402
    aurora_cluster_specs,
    aurora_problems,
    data_resource_names,
    database_targets,
    rds_instance_specs,
    rds_instances_problems,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.data_lists import (  # noqa: E402
    endpoint_secrets,
    endpoint_source_problems,
    zone_problems,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.elasticache_compare import placement_arguments  # noqa: E402

REGION = "ap-northeast-2"
AZS = [f"{REGION}a", f"{REGION}b", f"{REGION}c"]
CONTEXT = {"platform_name": "wealist-prod", "region": REGION, "azs": AZS}
# The weAlist entry of inventories/prod (the values of the reference inventory).
WEALIST_RDS = {
    "suffix": "postgres",
    "engine_version": "17.7",
    "instance_class": "db.t4g.small",
    "allocated_storage": 20,
    "max_allocated_storage": 100,
    "multi_az": False,
    "db_name": "wealist",
    "master_username": "wealist_admin",
    "security_group_name": "wealist-prod-rds-sg",
    "parameter_group_name": "wealist-prod-{family}",
    "databases": ["board_db", "user_db"],
    "extensions": ["pg_stat_statements", "uuid-ossp"],
}
ROLE_NAMES = {"backup_window": "aws_rds_backup_window", "maintenance_window": "aws_rds_maintenance_window"}
RDS_DEFAULTS = {
    "platform_name": "wealist-prod",
    "name": "wealist-prod",
    "engine": "postgres",
    "port": 5432,
    "backup_window": "03:00-06:00",
    "maintenance_window": "mon:00:00-mon:03:00",
    "parameters": {},
}
REDIS = {"suffix": "redis", "engine_version": "7.1", "node_type": "cache.t4g.small", "num_cache_clusters": 1}
REDIS_DEFAULTS = {
    "engine": "redis",
    "transit_encryption": True,
    "auth_token_secret": "wealist/prod/redis/auth-token",
    "allowed_cidrs": ["10.0.0.0/16"],
    "parameters": {"maxmemory-policy": "volatile-lru"},
}


def test_names_come_from_the_suffix_or_are_exact():
    entries = [{"suffix": "postgres"}, {"name": "legacy-db"}, {"suffix": "x", "name": "y"}, {}]
    assert data_resource_names(entries, "wealist-prod") == {
        "postgres": "wealist-prod-postgres",
        "x": "wealist-prod-x",
        "legacy-db": "legacy-db",
    }
    assert data_resource_names(None, "p") == {}


def test_the_wealist_instance_keeps_the_names_of_the_single_instance_layout():
    names = data_resource_names([WEALIST_RDS], "wealist-prod")
    spec = rds_instance_specs([WEALIST_RDS], names, RDS_DEFAULTS)[0]
    assert spec["identifier"] == "wealist-prod-postgres"
    assert spec["security_group"] == "wealist-prod-rds-sg"
    assert spec["parameter_group"] == "wealist-prod-postgres17"
    assert spec["security_group_description"] == "wealist-prod RDS PostgreSQL"
    assert spec["parameter_group_description"] == "wealist-prod postgres 17 parameters"
    assert spec["databases"] == [
        {"name": "board_db", "extensions": ["pg_stat_statements", "uuid-ossp"]},
        {"name": "user_db", "extensions": ["pg_stat_statements", "uuid-ossp"]},
    ]
    bare = {k: v for k, v in WEALIST_RDS.items() if k not in ("security_group_name", "parameter_group_name")}
    spec = rds_instance_specs([bare], names, RDS_DEFAULTS)[0]
    assert (spec["security_group"], spec["parameter_group"]) == (
        "wealist-prod-postgres-sg",
        "wealist-prod-postgres-postgres17",
    )


def test_the_wealist_entry_is_valid_and_an_empty_list_too():
    assert rds_instances_problems([WEALIST_RDS], RDS_DEFAULTS, CONTEXT) == []
    assert rds_instances_problems([], RDS_DEFAULTS, CONTEXT) == []
    assert rds_instances_problems(None, RDS_DEFAULTS, CONTEXT) == []


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (
            [WEALIST_RDS, WEALIST_RDS],
            "platform_rds_instances[1].suffix: the name 'wealist-prod-postgres' is already used by "
            "platform_rds_instances[0]",
        ),
        (
            [{**WEALIST_RDS, "name": "db"}],
            "platform_rds_instances[0].suffix / platform_rds_instances[0].name: give exactly one",
        ),
        ([{**WEALIST_RDS, "suffix": None}], "got neither"),
        ([{**WEALIST_RDS, "instance_class": "t4g.small"}], "platform_rds_instances[0].instance_class: 't4g.small'"),
        (
            [{k: v for k, v in WEALIST_RDS.items() if k != "instance_class"}],
            "platform_rds_instances[0].instance_class is required",
        ),
        ([{**WEALIST_RDS, "databases": ["board-db"]}], "platform_rds_instances[0].databases[0]: 'board-db'"),
        (
            [{**WEALIST_RDS, "databases": ["a_db", "a_db"]}],
            "platform_rds_instances[0].databases[1]: 'a_db' is listed twice",
        ),
        (
            [{**WEALIST_RDS, "availability_zone": "us-east-1a"}],
            "platform_rds_instances[0].availability_zone[0]: 'us-east-1a' is not in the region ap-northeast-2",
        ),
        (
            [{**WEALIST_RDS, "multi_az": True, "availability_zone": f"{REGION}a"}],
            "platform_rds_instances[0].availability_zone: a Multi-AZ instance",
        ),
    ],
)
def test_each_instance_rule_names_the_entry_and_field(entries, expected):
    problems = rds_instances_problems(entries, RDS_DEFAULTS, CONTEXT)
    assert any(expected in p for p in problems), problems


def test_a_setting_left_out_of_the_entry_is_named_by_its_role_input():
    defaults = {**RDS_DEFAULTS, "backup_window": "23:30-01:00"}
    problems = rds_instances_problems([WEALIST_RDS], defaults, {**CONTEXT, "role_names": ROLE_NAMES})
    assert any(
        p.startswith("aws_rds_backup_window '23:30-01:00' overlaps aws_rds_maintenance_window") for p in problems
    )
    entry = {**WEALIST_RDS, "backup_window": "23:30-01:00"}
    problems = rds_instances_problems([entry], RDS_DEFAULTS, {**CONTEXT, "role_names": ROLE_NAMES})
    assert any(p.startswith("platform_rds_instances[0].backup_window '23:30-01:00' overlaps") for p in problems)


@pytest.mark.parametrize(
    ("zones", "expected"),
    [
        ([f"{REGION}a", f"{REGION}c"], None),
        ([f"{REGION}d"], f"z[0]: '{REGION}d' is not one of the subnets' zones"),
        (["us-west-2a"], "z[0]: 'us-west-2a' is not in the region ap-northeast-2"),
        (["nowhere"], "z[0]: 'nowhere' is not an availability zone name"),
        ("ap-northeast-2a", "z: must be a list"),
    ],
)
def test_zones(zones, expected):
    problems = zone_problems(zones, "z", REGION, AZS)
    assert problems == [] if expected is None else any(expected in p for p in problems)


SECRETS = [
    {
        "suffix": "database/endpoint",
        "description": "PostgreSQL connection",
        "kind": "endpoint",
        "source": {"rds_instance": "postgres"},
    },
    {"suffix": "redis/endpoint", "kind": "endpoint", "source": {"redis_group": "redis"}},
    {"name": "pingvas/prod/db-reader", "kind": "endpoint", "source": {"aurora_cluster": "pg", "endpoint": "reader"}},
    {"suffix": "app/jwt-secret", "kind": "generated"},
]


def test_endpoint_secrets_are_found_by_the_entry_they_name():
    assert endpoint_secrets(SECRETS, "rds_instance", ["postgres"], "wealist/prod") == [
        {
            "name": "wealist/prod/database/endpoint",
            "description": "PostgreSQL connection",
            "source": "postgres",
            "endpoint": "writer",
        }
    ]
    assert endpoint_secrets(SECRETS, "aurora_cluster", ["pg"], "wealist/prod")[0]["name"] == "pingvas/prod/db-reader"
    assert endpoint_secrets(SECRETS, "aurora_cluster", ["pg"], "x")[0]["endpoint"] == "reader"
    assert endpoint_secrets(SECRETS, "redis_group", [], "x") == []


def test_an_endpoint_secret_pointing_at_no_entry_is_named():
    assert endpoint_source_problems(SECRETS, "rds_instance", ["postgres"]) == []
    assert endpoint_source_problems(SECRETS, "redis_group", ["cache"]) == [
        "platform_secrets[1].source.redis_group: 'redis' is not an entry of platform_redis_groups (entries: cache)"
    ]
    problems = rds_instances_problems([], RDS_DEFAULTS, {**CONTEXT, "secrets": SECRETS})
    assert problems == [
        "platform_secrets[0].source.rds_instance: 'postgres' is not an entry of platform_rds_instances (entries: none)"
    ]


@pytest.mark.parametrize(
    ("engine", "version", "family"),
    [
        ("redis", "7.1", "redis7"),
        ("redis", "6.2", "redis6.x"),
        ("redis", "5.0.6", "redis5.0"),
        ("valkey", "8.0", "valkey8"),
        ("valkey", "7.2", "valkey7"),
    ],
)
def test_cache_parameter_group_family(engine, version, family):
    # Families as listed by DescribeCacheEngineVersions (ElastiCache API reference).
    assert redis_parameter_group_family(engine, version) == family


def test_redis_entries_derive_their_names_and_cluster_mode_parameters():
    groups = [
        REDIS,
        {
            "suffix": "point",
            "engine_version": "7.1",
            "node_type": "cache.r7g.large",
            "num_node_groups": 2,
            "replicas_per_node_group": 1,
            "preferred_zones": [f"{REGION}a", f"{REGION}c"],
        },
    ]
    specs = redis_group_specs(groups, data_resource_names(groups, "wealist-prod"), REDIS_DEFAULTS)
    assert [(s["name"], s["parameter_group"], s["subnet_group"], s["security_group"]) for s in specs] == [
        ("wealist-prod-redis", "wealist-prod-redis-params-redis7",
         "wealist-prod-redis-subnet", "wealist-prod-redis-sg"),
        ("wealist-prod-point", "wealist-prod-point-params-redis7",
         "wealist-prod-point-subnet", "wealist-prod-point-sg"),
    ]
    assert specs[0]["parameters"] == {"maxmemory-policy": "volatile-lru"}
    assert specs[0]["num_cache_clusters"] == 1 and specs[0]["num_node_groups"] is None
    # A cluster mode group needs cluster-enabled=yes in its parameter group (ElastiCache user guide).
    assert specs[1]["parameters"] == {"maxmemory-policy": "volatile-lru", "cluster-enabled": "yes"}
    assert (specs[1]["num_node_groups"], specs[1]["replicas_per_node_group"]) == (2, 1)
    assert redis_groups_problems(groups, REDIS_DEFAULTS, CONTEXT) == []


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            {
                **REDIS,
                "num_cache_clusters": None,
                "num_node_groups": 2,
                "replicas_per_node_group": 1,
                "automatic_failover": False,
            },
            "platform_redis_groups[0].automatic_failover is false but cluster mode has replicas",
        ),
        (
            {**REDIS, "num_cache_clusters": 2, "preferred_zones": [f"{REGION}a"]},
            "platform_redis_groups[0].preferred_zones: 1 zone(s) for platform_redis_groups[0].num_cache_clusters 2",
        ),
        (
            {**REDIS, "num_cache_clusters": 2, "preferred_zones": [f"{REGION}a", "us-east-1a"]},
            "platform_redis_groups[0].preferred_zones[1]: 'us-east-1a' is not in the region",
        ),
        ({**REDIS, "num_cache_clusters": 0}, "platform_redis_groups[0].num_cache_clusters must be 1 to 6"),
        ({**REDIS, "suffix": "a" * 40}, "platform_redis_groups[0].suffix: the name"),
        ({k: v for k, v in REDIS.items() if k != "node_type"}, "platform_redis_groups[0].node_type is required"),
    ],
)
def test_each_redis_rule_names_the_entry_and_field(entry, expected):
    problems = redis_groups_problems([entry], REDIS_DEFAULTS, CONTEXT)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({**REDIS, "num_cache_clusters": "two"},
         ["platform_redis_groups[0].num_cache_clusters: expected an integer, got 'two'"]),
        ({**REDIS, "num_cache_clusters": 1.5},
         ["platform_redis_groups[0].num_cache_clusters: expected an integer, got 1.5"]),
        ({**REDIS, "port": "6379/tcp", "snapshot_retention_limit": True},
         ["platform_redis_groups[0].snapshot_retention_limit: expected an integer, got true",
          "platform_redis_groups[0].port: expected an integer, got '6379/tcp'"]),
        ({**REDIS, "num_cache_clusters": None, "num_node_groups": "three", "replicas_per_node_group": "1 each"},
         ["platform_redis_groups[0].num_node_groups: expected an integer, got 'three'",
          "platform_redis_groups[0].replicas_per_node_group: expected an integer, got '1 each'"]),
    ],
)
def test_a_redis_number_that_is_not_a_whole_number_is_named_not_compared(entry, expected):
    # once a line each, instead of "'<=' not supported between instances of 'int' and 'str'"
    assert sorted(redis_groups_problems([entry], REDIS_DEFAULTS, CONTEXT)) == sorted(expected)


def test_redis_numbers_written_as_strings_are_numbers():
    assert redis_groups_problems([{**REDIS, "num_cache_clusters": "1", "port": "6379"}], REDIS_DEFAULTS, CONTEXT) == []


def test_redis_duplicates_and_role_defaults_are_named():
    problems = redis_groups_problems([REDIS, {**REDIS}], REDIS_DEFAULTS, CONTEXT)
    assert (
        "platform_redis_groups[1].suffix: the name 'wealist-prod-redis' is already used by platform_redis_groups[0]"
        in problems
    )
    defaults = {**REDIS_DEFAULTS, "snapshot_window": "5am"}
    problems = redis_groups_problems(
        [REDIS], defaults, {**CONTEXT, "role_names": {"snapshot_window": "aws_elasticache_snapshot_window"}}
    )
    assert any(p.startswith("aws_elasticache_snapshot_window must be hh:mm-hh:mm") for p in problems), problems


def test_placement_spreads_every_shard_over_the_zones():
    zones = [f"{REGION}a", f"{REGION}b", f"{REGION}c"]
    wanted = {
        "cluster_mode": "enabled",
        "num_node_groups": 2,
        "replicas_per_node_group": 1,
        "preferred_availability_zones": zones,
    }
    assert placement_arguments(wanted) == {
        "NodeGroupConfiguration": [
            {
                "NodeGroupId": "0001",
                "PrimaryAvailabilityZone": zones[0],
                "ReplicaCount": 1,
                "ReplicaAvailabilityZones": [zones[1]],
            },
            {
                "NodeGroupId": "0002",
                "PrimaryAvailabilityZone": zones[1],
                "ReplicaCount": 1,
                "ReplicaAvailabilityZones": [zones[2]],
            },
        ]
    }
    assert placement_arguments({"cluster_mode": "disabled", "preferred_availability_zones": zones[:2]}) == {
        "PreferredCacheClusterAZs": zones[:2]
    }
    assert placement_arguments({"cluster_mode": "disabled"}) == {}


def test_aurora_members_get_their_zone_and_databases_find_their_target():
    clusters = [
        {
            "suffix": "pingvas-pg",
            "engine": "aurora-postgresql",
            "engine_version": "16.6",
            "instance_class": "db.t4g.medium",
            "readers": 1,
            "master_username": "pingvas_admin",
            "availability_zones": [f"{REGION}a", f"{REGION}c"],
            "databases": [{"name": "app_db", "extensions": []}],
        }
    ]
    specs = aurora_cluster_specs(clusters, data_resource_names(clusters, "pingvas-prod"), {})
    assert specs[0]["id"] == "pingvas-prod-pingvas-pg"
    assert specs[0]["instances"] == [
        {"db_instance_identifier": "pingvas-prod-pingvas-pg-1", "availability_zone": f"{REGION}a"},
        {"db_instance_identifier": "pingvas-prod-pingvas-pg-2", "availability_zone": f"{REGION}c"},
    ]
    assert specs[0]["parameter_group"] == "pingvas-prod-pingvas-pg-aurora-postgresql16"
    instances = rds_instance_specs([WEALIST_RDS], data_resource_names([WEALIST_RDS], "wealist-prod"), {})
    targets = database_targets(instances, specs)
    assert [(t["kind"], t["id"], t["owner"]) for t in targets] == [
        ("instance", "wealist-prod-postgres", "wealist_admin"),
        ("cluster", "pingvas-prod-pingvas-pg", "pingvas_admin"),
    ]


def test_a_typo_in_an_entry_is_named():
    problems = rds_instances_problems([{**WEALIST_RDS, "instance_clas": "db.t4g.small"}], RDS_DEFAULTS, CONTEXT)
    assert any(p.startswith("platform_rds_instances[0].instance_clas: unknown field") for p in problems), problems
    problems = redis_groups_problems([{**REDIS, "preferred_zone": [f"{REGION}a"]}], REDIS_DEFAULTS, CONTEXT)
    assert any(p.startswith("platform_redis_groups[0].preferred_zone: unknown field") for p in problems), problems


def test_parameter_groups_require_tls_unless_the_entry_says_otherwise():
    names = data_resource_names([WEALIST_RDS], "wealist-prod")
    with_params = {**WEALIST_RDS, "parameters": {"log_statement": "ddl"}}
    spec = rds_instance_specs([with_params], names, RDS_DEFAULTS)[0]
    assert spec["parameters"] == {"rds.force_ssl": "1", "log_statement": "ddl"}
    # the role default off (aws_rds_require_tls: false), or the entry off: the parameters as written
    assert rds_instance_specs([with_params], names, {**RDS_DEFAULTS, "require_tls": False})[0]["parameters"] == {
        "log_statement": "ddl"
    }
    off = {**with_params, "require_tls": False}
    assert rds_instance_specs([off], names, RDS_DEFAULTS)[0]["parameters"] == {"log_statement": "ddl"}
    # an explicit rds.force_ssl=1 stays as written; 0 with require_tls on is refused, naming both fields
    explicit = {**WEALIST_RDS, "parameters": {"rds.force_ssl": 1}}
    assert rds_instance_specs([explicit], names, RDS_DEFAULTS)[0]["parameters"] == {"rds.force_ssl": 1}
    assert rds_instances_problems([explicit], RDS_DEFAULTS, CONTEXT) == []
    problems = rds_instances_problems([{**WEALIST_RDS, "parameters": {"rds.force_ssl": "0"}}], RDS_DEFAULTS, CONTEXT)
    assert len(problems) == 1, problems
    assert problems[0].startswith("platform_rds_instances[0].parameters: rds.force_ssl=0")
    assert "platform_rds_instances[0].require_tls" in problems[0]
    assert rds_instances_problems([{**WEALIST_RDS, "parameters": {"rds.force_ssl": 0}, "require_tls": False}],
                                  RDS_DEFAULTS, CONTEXT) == []
    problems = rds_instances_problems([{**WEALIST_RDS, "require_tls": "sometimes"}], RDS_DEFAULTS, CONTEXT)
    assert any(p.startswith("platform_rds_instances[0].require_tls: must be true or false") for p in problems)


def test_aurora_cluster_parameter_groups_require_tls_per_engine():
    pg = {"suffix": "pg", "engine": "aurora-postgresql", "engine_version": "16.6", "instance_class": "db.r6g.large",
          "master_username": "app_admin"}
    my = {**pg, "suffix": "my", "engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.08.0"}
    specs = aurora_cluster_specs([pg, my], data_resource_names([pg, my], "p"), {})
    assert [s["parameters"] for s in specs] == [{"rds.force_ssl": "1"}, {"require_secure_transport": "ON"}]
    specs = aurora_cluster_specs([{**my, "require_tls": False}], data_resource_names([my], "p"), {})
    assert specs[0]["parameters"] == {}
    problems = aurora_problems([{**my, "parameters": {"require_secure_transport": "OFF"}}], None, {}, CONTEXT)
    assert len(problems) == 1 and "platform_aurora_clusters[0].parameters: require_secure_transport=OFF" in problems[0]


def test_require_tls_given_on_the_command_line_as_a_word_is_a_boolean():
    names = data_resource_names([WEALIST_RDS], "wealist-prod")
    assert rds_instance_specs([WEALIST_RDS], names, {**RDS_DEFAULTS, "require_tls": "false"})[0]["parameters"] == {}
    assert rds_instance_specs([WEALIST_RDS], names, {**RDS_DEFAULTS, "require_tls": "True"})[0]["parameters"] == {
        "rds.force_ssl": "1"
    }
