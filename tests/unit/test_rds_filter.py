"""Unit tests of the RDS/Aurora validation filters (pure functions, no AWS)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.filter.rds import (  # noqa: E402
    FilterModule,
    aurora_problems,
    parse_backup_window,
    parse_maintenance_window,
    rds_parameter_group_family,
    rds_problems,
    rds_windows_overlap,
    window_problems,
)

NAMES = {
    "engine_version": "aws_rds_engine_version (platform_rds_engine_version)",
    "allocated_storage": "aws_rds_allocated_storage (platform_rds_allocated_storage)",
    "max_allocated_storage": "aws_rds_max_allocated_storage (platform_rds_max_allocated_storage)",
    "instance_class": "aws_rds_instance_class (platform_rds_instance_class)",
    "backup_window": "aws_rds_backup_window",
    "maintenance_window": "aws_rds_maintenance_window",
}
GOOD = {
    "engine": "postgres",
    "engine_version": "17.7",
    "instance_class": "db.t4g.small",
    "storage_type": "gp3",
    "allocated_storage": 20,
    "max_allocated_storage": 100,
    "backup_retention_period": 7,
    "backup_window": "03:00-06:00",
    "maintenance_window": "mon:00:00-mon:03:00",
    "performance_insights_retention_period": 7,
    "db_name": "wealist",
    "master_username": "wealist_admin",
    "port": 5432,
}


def test_filters_are_registered():
    assert {"rds_problems", "aurora_problems", "rds_windows_overlap", "rds_parameter_group_family"} <= set(
        FilterModule().filters()
    )


@pytest.mark.parametrize(
    ("backup", "maintenance", "overlap"),
    [
        ("03:00-06:00", "mon:00:00-mon:03:00", False),  # the seed's windows only touch
        ("03:00-06:00", "Mon:00:00-Mon:03:00", False),  # case-insensitive days
        ("03:00-06:00", "mon:02:59-mon:03:30", True),
        ("03:00-06:00", "tue:05:59-tue:06:30", True),
        ("03:00-06:00", "wed:06:00-wed:07:00", False),  # touches at the end
        ("03:00-06:00", "sun:23:00-mon:02:00", False),  # maintenance across midnight and the week's end
        ("23:30-00:30", "mon:00:00-mon:01:00", True),  # backup across midnight
        ("23:30-00:30", "sun:23:00-sun:23:30", False),
        ("23:30-00:30", "sun:23:00-sun:23:31", True),
        ("22:00-23:00", "sun:22:30-mon:00:30", True),
    ],
)
def test_windows_overlap(backup, maintenance, overlap):
    assert rds_windows_overlap(backup, maintenance) is overlap


def test_window_parsing():
    assert parse_backup_window("03:00-06:00") == (180, 360)
    assert parse_maintenance_window("Tue:01:30-tue:02:00") == (1440 + 90, 1440 + 120)
    for bad in ("3:00-6:00", "03:00-24:00", "03:00"):
        with pytest.raises(ValueError):
            parse_backup_window(bad)
    for bad in ("mon:00:00-mon:3:00", "xyz:00:00-mon:03:00", "mon 00:00-mon 03:00"):
        with pytest.raises(ValueError):
            parse_maintenance_window(bad)


def test_window_problems_name_the_variables():
    names = {"backup_window": "aws_rds_backup_window", "maintenance_window": "aws_rds_maintenance_window"}
    assert window_problems("03:00-06:00", "mon:00:00-mon:03:00", names) == []
    (overlap,) = window_problems("03:00-06:00", "mon:05:00-mon:07:00", names)
    assert "aws_rds_backup_window" in overlap and "aws_rds_maintenance_window" in overlap and "overlaps" in overlap
    (short,) = window_problems("03:00-03:20", None, names)
    assert short.startswith("aws_rds_backup_window") and "30 minutes" in short
    (long,) = window_problems(None, "mon:00:00-tue:01:00", names)
    assert long.startswith("aws_rds_maintenance_window") and "24 hours" in long
    (fmt,) = window_problems("3-6", None, names)
    assert fmt.startswith("aws_rds_backup_window")


def test_good_settings_have_no_problem():
    assert rds_problems(GOOD, NAMES) == []


@pytest.mark.parametrize(
    ("override", "expect"),
    [
        ({"engine_version": "16.4", "supported_major_versions": [17]},
         "aws_rds_engine_version (platform_rds_engine_version)"),
        ({"engine_version": "9.6"}, "major versions 13, 14, 15, 16, 17"),
        ({"engine_version": "17"}, "is not a valid postgres engine version"),
        ({"allocated_storage": 10},
         "aws_rds_allocated_storage (platform_rds_allocated_storage): 10 GiB is outside 20-65536"),
        ({"allocated_storage": 70000, "max_allocated_storage": 0}, "outside 20-65536"),
        ({"max_allocated_storage": 15},
         "aws_rds_max_allocated_storage (platform_rds_max_allocated_storage): 15 GiB is below"),
        ({"max_allocated_storage": 21}, "at least 10 % above"),
        ({"max_allocated_storage": 70000}, "above the 65536 GiB maximum"),
        ({"instance_class": "t4g.small"}, "aws_rds_instance_class (platform_rds_instance_class): 't4g.small'"),
        ({"instance_class": "db.t4g"}, "is not a DB instance class"),
        ({"backup_window": "02:00-04:00"}, "aws_rds_backup_window '02:00-04:00' overlaps aws_rds_maintenance_window"),
        ({"backup_retention_period": 40}, "outside 0-35 days"),
        ({"performance_insights_retention_period": 30}, "is not 7, 731 or a multiple of 31"),
        ({"master_username": "admin"}, "reserved"),
        ({"master_username": "1abc"}, "must start with a letter"),
        ({"db_name": "we-alist"}, "must start with a letter"),
        ({"engine": "mysql"}, "engine 'mysql' is not supported"),
        ({"storage_type": "sc1"}, "'sc1' is not one of"),
        ({"port": 80}, "outside 1150-65535"),
    ],
)
def test_each_rule_names_its_variable(override, expect):
    problems = rds_problems({**GOOD, **override}, NAMES)
    assert any(expect in p for p in problems), problems


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("allocated_storage", "20GB", "'20GB'"),
        ("max_allocated_storage", "100 GiB", "'100 GiB'"),
        ("max_allocated_storage", 150.5, "150.5"),
        ("backup_retention_period", "seven", "'seven'"),
        ("performance_insights_retention_period", True, "true"),
        ("port", "5432/tcp", "'5432/tcp'"),
    ],
)
def test_a_number_that_is_not_a_whole_number_is_named_as_such(field, value, shown):
    # not "20GB GiB is outside 20-65536 GiB": the one line says what was expected and what was written
    names = {**NAMES, "port": "aws_rds_port", "backup_retention_period": "aws_rds_backup_retention_period",
             "performance_insights_retention_period": "aws_rds_performance_insights_retention_period"}
    problems = rds_problems({**GOOD, field: value}, names)
    assert problems == [f"{names[field]}: expected an integer, got {shown}"]


def test_whole_numbers_written_as_strings_are_numbers():
    assert rds_problems({**GOOD, "allocated_storage": "20", "max_allocated_storage": "100", "port": "5432",
                         "backup_retention_period": "7"}, NAMES) == []
    assert rds_problems({**GOOD, "max_allocated_storage": ""}, NAMES) == []


def test_aurora_numbers_that_are_not_whole_numbers():
    bad = [{**AURORA[0], "readers": "two"}, {**AURORA[1], "port": "3306a", "backup_retention_period": "7d"}]
    assert aurora_problems(bad, {"clusters": "platform_aurora_clusters"}, None, {"platform_name": "p"}) == [
        "platform_aurora_clusters[0].readers: expected an integer, got 'two'",
        "platform_aurora_clusters[1].backup_retention_period: expected an integer, got '7d'",
        "platform_aurora_clusters[1].port: expected an integer, got '3306a'",
    ]


def test_autoscaling_off_is_allowed():
    assert rds_problems({**GOOD, "max_allocated_storage": 0}, NAMES) == []
    assert rds_problems({**GOOD, "max_allocated_storage": 20}, NAMES) == []
    assert rds_problems({**GOOD, "max_allocated_storage": 22}, NAMES) == []


@pytest.mark.parametrize(
    ("engine", "version", "family"),
    [
        ("postgres", "17.7", "postgres17"),
        ("postgres", 16.4, "postgres16"),
        ("aurora-postgresql", "16.6", "aurora-postgresql16"),
        ("aurora-mysql", "8.0.mysql_aurora.3.08.0", "aurora-mysql8.0"),
    ],
)
def test_parameter_group_family(engine, version, family):
    assert rds_parameter_group_family(engine, version) == family


def test_parameter_group_family_refuses_garbage():
    with pytest.raises(ValueError):
        rds_parameter_group_family("postgres", "latest")


AURORA = [
    {"suffix": "pingvas-pg", "engine": "aurora-postgresql", "engine_version": "16.6", "instance_class": "db.t4g.medium",
     "readers": 1, "database_name": "pingvas", "master_username": "pingvas_admin"},
    {"suffix": "point-mysql", "engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.08.0",
     "instance_class": "db.r6g.large", "readers": 1, "database_name": "point", "master_username": "point_admin"},
]


def test_aurora_definitions():
    names = {"clusters": "platform_aurora_clusters"}
    context = {"platform_name": "pingvas-prod", "region": "ap-northeast-2",
               "azs": ["ap-northeast-2a", "ap-northeast-2c"]}
    assert aurora_problems(AURORA, names, None, context) == []
    assert aurora_problems([], names) == []
    assert aurora_problems(None, names) == []
    bad = [
        {**AURORA[0], "engine": "aurora"},
        {**AURORA[1], "engine_version": "5.7.12"},
        {**AURORA[0], "suffix": "Bad_Name"},
        {**AURORA[0], "suffix": "r16", "readers": 16},
        {**AURORA[0], "suffix": "cls", "instance_class": "r6g.large"},
        {**AURORA[0], "suffix": "win", "backup_window": "00:00-02:00", "maintenance_window": "mon:01:00-mon:02:00"},
        {**AURORA[0], "suffix": "win", "master_username": "root"},
        {**AURORA[0], "suffix": "zones", "availability_zones": ["ap-northeast-2a", "ap-northeast-2b"]},
        {**AURORA[0], "suffix": "one-zone", "availability_zones": ["ap-northeast-2a"]},
        {**AURORA[1], "suffix": "mysql-dbs", "databases": ["a_db"]},
    ]
    problems = aurora_problems(bad, names, None, context)
    assert all(p.startswith("platform_aurora_clusters[") for p in problems), problems
    text = "\n".join(problems)
    expected = (
        "platform_aurora_clusters[0].engine: 'aurora' is not one of",
        "platform_aurora_clusters[1].engine_version: '5.7.12' is not a valid aurora-mysql",
        "platform_aurora_clusters[2].suffix: the name 'pingvas-prod-Bad_Name' must be",
        "platform_aurora_clusters[3].readers: must be 0-15",
        "platform_aurora_clusters[4].instance_class: 'r6g.large'",
        "platform_aurora_clusters[5].backup_window '00:00-02:00' overlaps",
        "platform_aurora_clusters[6].suffix: the name 'pingvas-prod-win' is already used by "
        "platform_aurora_clusters[5]",
        "platform_aurora_clusters[6].master_username: 'root' is reserved",
        # platform_azs of the context are 2a and 2c: 2b has no subnet.
        "platform_aurora_clusters[7].availability_zones[1]: 'ap-northeast-2b' is not one of the subnets' zones",
        "platform_aurora_clusters[8].availability_zones: 1 zone(s) for 2 instance(s)",
        "platform_aurora_clusters[9].databases: per-service databases are created in PostgreSQL engines only",
    )
    for expect in expected:
        assert expect in text, (expect, problems)
    assert aurora_problems("nope", names) == ["platform_aurora_clusters: must be a list of cluster definitions"]
