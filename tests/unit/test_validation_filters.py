"""Unit tests of the ElastiCache and Secrets Manager validation filters (the modules' rules, role names)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.filter.elasticache import (  # noqa: E402
    FilterModule as ElastiCacheFilters,
)
from ansible_collections.cloudops.eks_platform.plugins.filter.elasticache import elasticache_problems  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.filter.secrets import (  # noqa: E402
    FilterModule as SecretsFilters,
)
from ansible_collections.cloudops.eks_platform.plugins.filter.secrets import (  # noqa: E402
    secrets_problems,
    secrets_recovery_window_problems,
)

LOCAL = {
    "name": "wealist-local-redis", "engine": "redis", "num_cache_clusters": "1", "num_node_groups": None,
    "replicas_per_node_group": None, "automatic_failover": None, "multi_az": None, "transit_encryption": True,
    "auth_token_secret_id": "wealist/local/redis/auth-token", "snapshot_window": "00:00-05:00",
    "preferred_maintenance_window": "tue:05:00-tue:09:00", "snapshot_retention_limit": "7", "port": 6379,
    "allowed_cidrs": ["10.0.0.0/16"], "allowed_security_groups": [],
}
NAMES = {"num_cache_clusters": "aws_elasticache_num_cache_clusters (platform_redis_num_cache_clusters)",
         "allowed_cidrs": "aws_elasticache_allowed_cidrs", "transit_encryption": "aws_elasticache_transit_encryption"}


def test_filters_are_registered() -> None:
    assert set(ElastiCacheFilters().filters()) == {
        "elasticache_problems", "redis_group_specs", "redis_groups_problems", "redis_parameter_group_family",
    }
    assert set(SecretsFilters().filters()) == {"secrets_problems", "secrets_recovery_window_problems"}


def test_local_settings_are_valid_and_strings_count_as_numbers() -> None:
    assert elasticache_problems(LOCAL, NAMES) == []


def test_elasticache_problems_name_the_role_variables() -> None:
    problems = elasticache_problems(dict(LOCAL, num_cache_clusters="7", transit_encryption=False), NAMES)
    assert any(p.startswith("aws_elasticache_num_cache_clusters (platform_redis_num_cache_clusters) must be 1 to 6")
               for p in problems)
    assert any(p.startswith("aws_elasticache_transit_encryption must be true") for p in problems)


def test_nothing_may_reach_the_group() -> None:
    problems = elasticache_problems(dict(LOCAL, allowed_cidrs=[]), NAMES)
    assert problems == ["aws_elasticache_allowed_cidrs and allowed_security_groups are both empty: nothing could "
                        "reach the replication group"]
    assert elasticache_problems({k: v for k, v in LOCAL.items() if not k.startswith("allowed")}) == []


def test_secrets_problems_use_full_names_and_never_a_value() -> None:
    definitions = [
        {"name": "app/jwt secret", "kind": "generated"},
        {"name": "db/password", "kind": "generated", "length": 8},
        {"name": "db/password", "kind": "generated"},
        {"name": "redis/url", "kind": "static", "value": None},
        {"name": "api/key", "kind": "placeholder", "value": "hunter2-do-not-print", "length": 20},
    ]
    problems = secrets_problems(definitions, "wealist/prod")
    text = "; ".join(problems)
    assert "'wealist/prod/app/jwt secret'" in text
    assert "length must be 16 to 4096" in text
    assert "listed twice" in text
    assert "kind static needs a value" in text
    assert "length only apply to kind generated" in text
    assert "hunter2" not in text
    assert secrets_problems([{"name": "app/ok", "kind": "generated"}], "wealist/prod") == []


def test_recovery_window_problems() -> None:
    assert secrets_recovery_window_problems(0) == []
    assert secrets_recovery_window_problems("7", "aws_secrets_recovery_window_days") == []
    assert secrets_recovery_window_problems(3, "aws_secrets_recovery_window_days") == [
        "aws_secrets_recovery_window_days must be 0 (delete without recovery) or 7 to 30 days (got 3)"
    ]
    assert secrets_recovery_window_problems("a week", "w") == ["w must be a whole number of days (got 'a week')"]
