"""Pending modifications in the RDS modules: a change waiting for the maintenance window counts as current (no
second Modify), a different wanted value replaces it, and a wait whose budget runs out fails with one line naming
the resource, its status, its pending changes and the budget's variable."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_compare import (  # noqa: E402
    CLUSTER_FIELDS,
    INSTANCE_FIELDS,
    plan_modify,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_managed import RDSContext  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.module_utils.waits import Budget  # noqa: E402

STANDALONE = tuple(f for f in INSTANCE_FIELDS if f.scope in ("both", "standalone"))


def _instance(**extra: Any) -> dict[str, Any]:
    return {"DBInstanceIdentifier": "db1", "DBInstanceStatus": "available", "Engine": "postgres",
            "EngineVersion": "16.6", "DBInstanceClass": "db.t4g.micro", "AllocatedStorage": 20,
            "PendingModifiedValues": {}, **extra}


def test_a_pending_change_equal_to_the_wanted_value_is_not_sent_again() -> None:
    wanted = {"db_instance_class": "db.t4g.small", "engine_version": "17.7"}
    pending = _instance(PendingModifiedValues={"DBInstanceClass": "db.t4g.small", "EngineVersion": "17.7"})
    assert plan_modify(pending, wanted, STANDALONE, "postgres").modify is None
    # without the pending values the same wanted state is a change, a major upgrade at that
    assert plan_modify(_instance(), wanted, STANDALONE, "postgres").modify == {
        "DBInstanceClass": "db.t4g.small", "EngineVersion": "17.7", "AllowMajorVersionUpgrade": True}


def test_a_pending_change_to_another_value_is_replaced() -> None:
    pending = _instance(PendingModifiedValues={"DBInstanceClass": "db.t4g.medium"})
    assert plan_modify(pending, {"db_instance_class": "db.t4g.small"}, STANDALONE).modify == {
        "DBInstanceClass": "db.t4g.small"}


def test_a_pending_cluster_engine_upgrade_counts_as_current() -> None:
    cluster = {"DBClusterIdentifier": "c1", "Status": "available", "Engine": "aurora-postgresql",
               "EngineVersion": "16.6", "PendingModifiedValues": {"EngineVersion": "16.8"}}
    assert plan_modify(cluster, {"engine_version": "16.8"}, CLUSTER_FIELDS, "aurora-postgresql").modify is None
    assert plan_modify(dict(cluster, PendingModifiedValues=None), {"engine_version": "16.8"}, CLUSTER_FIELDS,
                       "aurora-postgresql").modify == {"EngineVersion": "16.8"}


class _Failed(Exception):
    pass


class _Module:
    check_mode = False
    params: dict[str, Any] = {"wait_timeout": 0}

    def client(self, _service: str) -> object:
        return object()

    def fail_json(self, **kwargs: Any) -> None:
        raise _Failed(kwargs["msg"])


def test_budget_expiry_names_the_resource_its_status_pending_changes_and_the_variable(monkeypatch) -> None:
    ctx = RDSContext(_Module(), timeout=0, budget_name="aws_rds_wait_timeout")
    ctx.budget = Budget(0)
    modifying = _instance(DBInstanceStatus="modifying", PendingModifiedValues={"DBInstanceClass": "db.t4g.small"})
    monkeypatch.setattr(ctx, "instance", lambda _ident: modifying)
    with pytest.raises(_Failed) as failed:
        ctx.wait_instance("db1")
    assert str(failed.value) == (
        "Timed out after 0 s (aws_rds_wait_timeout) waiting for DB instance db1 to be available: its status is still "
        "modifying (pending: DBInstanceClass=db.t4g.small). Nothing was undone: RDS goes on with the change; run "
        "again to wait for it, or raise aws_rds_wait_timeout.")
    monkeypatch.setattr(ctx, "cluster", lambda _ident: None)
    with pytest.raises(_Failed) as failed:
        ctx.wait_cluster("c1")
    assert "DB cluster c1 to be available: it was not found" in str(failed.value)


def test_a_budget_left_does_not_fail() -> None:
    ctx = RDSContext(_Module(), timeout=60)
    assert ctx.expiry("DB instance db1 to be available", "DBInstanceStatus")(_instance()) is None
