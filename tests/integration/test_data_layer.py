"""The data layer after the foundation: plan, converge, every data tag alone with changed=0, and the
plan on the converged account. RDS and ElastiCache details are asserted in test_data_rds.py, the
elasticache molecule scenario and molecule/default/verify_*.yml."""

from __future__ import annotations

import pytest

from .conftest import assert_ok, run_playbook

pytestmark = pytest.mark.slow


def test_data_layer_after_foundation(backend):
    assert_ok(run_playbook(backend, "--tags", "foundation"))
    backend.clear_requests()
    plan = run_playbook(backend, "--tags", "data", "--check", "--diff")
    assert_ok(plan)
    assert plan.changed > 0
    assert backend.mutating_requests() == [], "the plan wrote to AWS"

    assert_ok(run_playbook(backend, "--tags", "data"))
    for tag in ("data", "rds", "elasticache", "databases", "aurora"):
        assert_ok(run_playbook(backend, "--tags", tag), changed=0)
    backend.clear_requests()
    assert_ok(run_playbook(backend, "--check", "--diff"), changed=0)
    assert backend.mutating_requests() == []
    group = backend.client("elasticache").describe_replication_groups(ReplicationGroupId="wealist-local-redis")
    assert group["ReplicationGroups"][0]["Status"] == "available"
