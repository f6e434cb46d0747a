"""The local backend's catalogue reads (local_backend/aws/catalogue.py), the ones moto 5.2.5 does not serve or
serves wrongly: DescribeDBEngineVersions, DescribeOrderableDBInstanceOptions, DescribeEngineDefaultParameters /
DescribeEngineDefaultClusterParameters (rds), DescribeCacheEngineVersions, DescribeReservedCacheNodesOfferings,
DescribeEngineDefaultParameters (elasticache); and the preflight module's reads against them: the values of
inventories/local, dev, prod and the examples pass, a bad value does not."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from .conftest import REGION, aws_client

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.module_utils.aws_catalogue import (  # noqa: E402
    Reads,
    preflight_problems,
)
from ansible_collections.cloudops.eks_platform.plugins.modules.aws_catalogue_preflight import fetchers  # noqa: E402


@pytest.fixture(scope="module")
def rds(local_backend_endpoint):
    return aws_client(local_backend_endpoint, "rds")


@pytest.fixture(scope="module")
def ec(local_backend_endpoint):
    return aws_client(local_backend_endpoint, "elasticache")


def everything(client: Any, method: str, **kwargs: Any) -> dict[str, Any]:
    return client.get_paginator(method).paginate(**kwargs).build_full_result()


def test_db_engine_versions_filters_family_logs_and_pages(rds):
    found = rds.describe_db_engine_versions(Engine="postgres", EngineVersion="17.7")["DBEngineVersions"]
    assert [(v["EngineVersion"], v["DBParameterGroupFamily"], v["ExportableLogTypes"]) for v in found] == [
        ("17.7", "postgres17", ["postgresql", "upgrade"])]
    first = rds.describe_db_engine_versions(Engine="postgres", MaxRecords=20)
    assert len(first["DBEngineVersions"]) == 19 and "Marker" not in first  # 13-17, one page of 20
    versions = everything(rds, "describe_db_engine_versions", PaginationConfig={"PageSize": 20})["DBEngineVersions"]
    assert {"16.6", "17.4"} <= {v["EngineVersion"] for v in versions if v["Engine"] == "aurora-postgresql"}
    assert {v["DBParameterGroupFamily"] for v in versions if v["Engine"] == "aurora-mysql"} == {"aurora-mysql8.0"}
    assert {v["Engine"] for v in versions} == {"postgres", "aurora-postgresql", "aurora-mysql"}  # 3 pages of 20
    default = rds.describe_db_engine_versions(Engine="postgres", DefaultOnly=True)["DBEngineVersions"]
    assert [v["EngineVersion"] for v in default] == ["17.7"]
    assert rds.describe_db_engine_versions(Engine="postgres", EngineVersion="17.9")["DBEngineVersions"] == []
    by_family = rds.describe_db_engine_versions(DBParameterGroupFamily="aurora-postgresql16")["DBEngineVersions"]
    assert {v["Engine"] for v in by_family} == {"aurora-postgresql"} and len(by_family) >= 2


def test_orderable_options_are_the_regions_for_postgres_and_aurora(local_backend_endpoint, rds):
    zones = sorted(z["ZoneName"] for z in aws_client(local_backend_endpoint, "ec2")
                   .describe_availability_zones()["AvailabilityZones"])
    options = everything(rds, "describe_orderable_db_instance_options", Engine="postgres", EngineVersion="17.7",
                         DBInstanceClass="db.t4g.small")["OrderableDBInstanceOptions"]
    assert sorted(o["StorageType"] for o in options) == ["gp2", "gp3", "io1", "io2"]
    assert all(sorted(z["Name"] for z in o["AvailabilityZones"]) == zones for o in options)
    assert zones[0].startswith(REGION)  # moto: us-east-1 zones whatever the region
    # before: no option at all for postgres, so every class looked unorderable
    all_classes = everything(rds, "describe_orderable_db_instance_options", Engine="postgres",
                             EngineVersion="17.7")["OrderableDBInstanceOptions"]
    classes = {o["DBInstanceClass"] for o in all_classes}
    assert {"db.t4g.micro", "db.t4g.small", "db.r6g.large", "db.r7g.large", "db.m7g.large"} <= classes
    assert not {"db.t3a.medium", "cache.t4g.small", "db.serverless"} & classes
    aurora = everything(rds, "describe_orderable_db_instance_options", Engine="aurora-postgresql",
                        EngineVersion="16.6")["OrderableDBInstanceOptions"]
    assert {"db.t4g.medium", "db.r6g.large", "db.serverless"} <= {o["DBInstanceClass"] for o in aurora}
    assert "db.t4g.micro" not in {o["DBInstanceClass"] for o in aurora}
    assert {o["StorageType"] for o in aurora} == {"aurora", "aurora-iopt1"}
    # other engines keep moto's answer
    assert rds.describe_orderable_db_instance_options(Engine="neptune")["OrderableDBInstanceOptions"]


def test_engine_default_parameters_of_rds_families(rds):
    params = everything(rds, "describe_engine_default_parameters",
                        DBParameterGroupFamily="postgres17")["EngineDefaults"]["Parameters"]
    by_name = {p["ParameterName"]: p for p in params}
    assert {"shared_preload_libraries", "log_statement", "log_min_duration_statement", "rds.force_ssl"} <= set(by_name)
    assert "pg_stat_statements" in by_name["shared_preload_libraries"]["AllowedValues"].split(",")
    extensions = by_name["rds.extensions"]["AllowedValues"].split(",")
    assert {"pg_stat_statements", "uuid-ossp", "pgcrypto", "vector"} <= set(extensions)
    assert "uuid_ossp" not in extensions and by_name["rds.extensions"]["IsModifiable"] is False
    paged = rds.describe_engine_default_parameters(DBParameterGroupFamily="postgres17", MaxRecords=20)
    assert len(paged["EngineDefaults"]["Parameters"]) == 20 and paged["EngineDefaults"]["Marker"]
    cluster = rds.describe_engine_default_cluster_parameters(DBParameterGroupFamily="aurora-mysql8.0")
    names = {p["ParameterName"] for p in cluster["EngineDefaults"]["Parameters"]}
    assert {"time_zone", "require_secure_transport"} <= names
    with pytest.raises(ClientError) as error:
        rds.describe_engine_default_parameters(DBParameterGroupFamily="postgres99")
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_cache_engine_versions_and_families(ec):
    redis = {v["EngineVersion"]: v["CacheParameterGroupFamily"]
             for v in everything(ec, "describe_cache_engine_versions", Engine="redis")["CacheEngineVersions"]}
    assert (redis["7.1"], redis["6.2"], redis["5.0.6"]) == ("redis7", "redis6.x", "redis5.0")
    assert "7.3" not in redis
    valkey = ec.describe_cache_engine_versions(Engine="valkey", EngineVersion="8.0")["CacheEngineVersions"]
    assert [v["CacheParameterGroupFamily"] for v in valkey] == ["valkey8"]
    default = ec.describe_cache_engine_versions(Engine="redis", DefaultOnly=True)["CacheEngineVersions"]
    assert [v["EngineVersion"] for v in default] == ["7.1"]


def test_reserved_offerings_exist_only_for_elasticache_node_types(ec):
    offers = everything(ec, "describe_reserved_cache_nodes_offerings", CacheNodeType="cache.t4g.small",
                        PaginationConfig={"PageSize": 20})["ReservedCacheNodesOfferings"]
    assert {o["CacheNodeType"] for o in offers} == {"cache.t4g.small"}
    assert {o["ProductDescription"] for o in offers} >= {"redis", "valkey"}
    assert {o["Duration"] for o in offers} == {31536000, 94608000}
    assert len({o["ReservedCacheNodesOfferingId"] for o in offers}) == len(offers)
    ident = offers[0]["ReservedCacheNodesOfferingId"]
    one = ec.describe_reserved_cache_nodes_offerings(ReservedCacheNodesOfferingId=ident)
    assert one["ReservedCacheNodesOfferings"] == [offers[0]]
    for node_type in ("db.t4g.small", "cache.t4g.smal", "t4g.small"):
        assert ec.describe_reserved_cache_nodes_offerings(CacheNodeType=node_type)["ReservedCacheNodesOfferings"] == []
    redis_r7g = ec.describe_reserved_cache_nodes_offerings(CacheNodeType="cache.r7g.large", ProductDescription="redis",
                                                           OfferingType="No Upfront", Duration="31536000")
    assert len(redis_r7g["ReservedCacheNodesOfferings"]) == 1


def test_cache_defaults_are_what_the_parameter_groups_accept(ec):
    defaults = ec.describe_engine_default_parameters(CacheParameterGroupFamily="redis7")["EngineDefaults"]
    names = [p["ParameterName"] for p in defaults["Parameters"]]
    assert "maxmemory-policy" in names and defaults["CacheParameterGroupFamily"] == "redis7"
    ec.create_cache_parameter_group(CacheParameterGroupName="catalogue-pg", CacheParameterGroupFamily="redis7",
                                    Description="x")
    try:
        for p in defaults["Parameters"]:
            value = p.get("ParameterValue") or "yes"
            ec.modify_cache_parameter_group(CacheParameterGroupName="catalogue-pg",
                                            ParameterNameValues=[{"ParameterName": p["ParameterName"],
                                                                  "ParameterValue": value}])
        with pytest.raises(ClientError):
            ec.modify_cache_parameter_group(CacheParameterGroupName="catalogue-pg",
                                            ParameterNameValues=[{"ParameterName": "maxmemory-polcy",
                                                                  "ParameterValue": "allkeys-lru"}])
    finally:
        ec.delete_cache_parameter_group(CacheParameterGroupName="catalogue-pg")
    with pytest.raises(ClientError) as error:
        ec.describe_engine_default_parameters(CacheParameterGroupFamily="redis9")
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"


class FakeModule:
    """What the module's fetchers use of AnsibleAWSModule: client(name)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def client(self, name: str) -> Any:
        return aws_client(self.endpoint, name)


INVENTORIES = ["local", "dev", "prod", "examples/pingvas", "examples/point_service"]
ROLE_DEFAULTS = {
    "rds_defaults": {"engine": "postgres", "storage_type": "gp3", "parameters": {},
                     "log_exports": ["postgresql", "upgrade"]},
    "elasticache_defaults": {"engine": "redis", "parameters": {"maxmemory-policy": "volatile-lru"}},
}


def inventory_inputs(name: str) -> dict[str, Any]:
    values = yaml.safe_load((ROOT / "inventories" / name / "group_vars" / "all" / "main.yml").read_text())
    assert values["platform_region"] == REGION
    return {"region": values["platform_region"], "azs": values["platform_azs"],
            "rds_instances": values.get("platform_rds_instances", []),
            "aurora_clusters": values.get("platform_aurora_clusters", []),
            "elasticache": values.get("platform_redis_groups", []), **ROLE_DEFAULTS}


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_the_inventories_pass_the_preflight_against_the_backend(local_backend_endpoint, inventory):
    reads = Reads(fetchers(FakeModule(local_backend_endpoint)))
    assert preflight_problems(inventory_inputs(inventory), reads) == []
    assert ("zones",) in reads.calls and len(reads.calls) == len(set(reads.calls))


def test_the_test_suites_aurora_clusters_pass_and_a_bad_value_does_not(local_backend_endpoint):
    extra = yaml.safe_load((ROOT / "tests" / "integration" / "files" / "aurora_clusters.yml").read_text())
    inputs = {**inventory_inputs("local"), **{"aurora_clusters": extra["platform_aurora_clusters"]}}
    assert preflight_problems(inputs, Reads(fetchers(FakeModule(local_backend_endpoint)))) == []
    inputs["rds_instances"] = [{**inputs["rds_instances"][0], "instance_class": "db.t4g.smal"}]
    problems = preflight_problems(inputs, Reads(fetchers(FakeModule(local_backend_endpoint))))
    assert len(problems) == 1
    assert problems[0].startswith("platform_rds_instances[0] (postgres).instance_class: db.t4g.smal is not orderable")
