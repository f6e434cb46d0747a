"""platform_redis_groups entries (plugins/filter/elasticache.py): the parameter group name carries the family
derived from engine and version, the names it had before are listed for deletion, final_snapshot is a boolean,
the role's entry rules."""

from __future__ import annotations

import sys
from pathlib import Path

_COLLECTIONS = str(Path(__file__).resolve().parents[2] / "collections")
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)

from ansible_collections.cloudops.eks_platform.plugins.filter.elasticache import (  # noqa: E402
    redis_group_specs,
    redis_groups_problems,
)

DEFAULTS = {"platform_name": "shop-prod", "engine": "redis", "transit_encryption": True, "final_snapshot": False,
            "auth_token_secret": "shop/prod/redis/auth-token", "allowed_cidrs": ["10.0.0.0/16"]}
NAMES = {"redis": "shop-prod-redis", "cache": "shop-prod-cache"}


def test_the_parameter_group_name_carries_the_derived_family():
    groups = [
        {"suffix": "redis", "engine_version": "6.2", "node_type": "cache.t4g.small"},
        {"suffix": "cache", "engine": "valkey", "engine_version": "8.0", "node_type": "cache.t4g.small",
         "final_snapshot": True},
    ]
    redis, cache = redis_group_specs(groups, NAMES, DEFAULTS)
    assert (redis["family"], redis["parameter_group"]) == ("redis6.x", "shop-prod-redis-params-redis6-x")
    assert (cache["family"], cache["parameter_group"]) == ("valkey8", "shop-prod-cache-params-valkey8")
    # the unversioned name of older releases and every other family's name are replaced (deleted once unused)
    assert "shop-prod-redis-params" in redis["replaced_parameter_groups"]
    assert "shop-prod-redis-params-redis7" in redis["replaced_parameter_groups"]
    assert redis["parameter_group"] not in redis["replaced_parameter_groups"]
    # final_snapshot: the entry's value, else the role default
    assert (redis["final_snapshot"], cache["final_snapshot"]) == (False, True)


def test_final_snapshot_must_be_a_boolean():
    # (an explicit parameter_group_family that does not fit the version: the catalogue preflight's, with its
    # read of DescribeCacheEngineVersions - tests/bad_inputs/catalogue_elasticache_family_mismatch)
    groups = [{"suffix": "redis", "engine_version": "7.1", "node_type": "cache.t4g.small", "final_snapshot": "yes"}]
    problems = redis_groups_problems(groups, DEFAULTS, {"platform_name": "shop-prod"})
    assert any(p.startswith("platform_redis_groups[0].final_snapshot must be a boolean") for p in problems), problems
    good = [{"suffix": "redis", "engine_version": "7.1", "node_type": "cache.t4g.small", "final_snapshot": True}]
    assert redis_groups_problems(good, DEFAULTS, {"platform_name": "shop-prod"}) == []
