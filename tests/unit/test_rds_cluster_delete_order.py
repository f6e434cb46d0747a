"""Aurora teardown refuses a protected cluster before it touches a member (issue 14, point 1): the module's
delete_cluster used to delete every member instance and only then fail on the cluster's deletion protection,
leaving a protected cluster with no instances."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.module_utils import rds_managed  # noqa: E402


class Refused(Exception):
    pass


class FakeModule:
    def fail_json(self, msg: str, **_: Any) -> None:
        raise Refused(msg)


class FakeContext:
    """What delete_cluster reads; every member deletion is recorded."""

    def __init__(self, protected: bool) -> None:
        self.module = FakeModule()
        self.check_mode = True  # no API call beyond the reads below
        self.protected = protected
        self.members_read = 0

    def cluster(self, ident: str) -> dict[str, Any]:
        return {"DBClusterIdentifier": ident, "Status": "available", "DeletionProtection": self.protected}

    def cluster_members(self, ident: str) -> dict[str, Any]:
        self.members_read += 1
        return {f"{ident}-1": {"DBInstanceIdentifier": f"{ident}-1", "DBInstanceStatus": "available"}}


def test_protected_cluster_refused_before_members(monkeypatch: pytest.MonkeyPatch) -> None:
    deleted: list[str] = []
    monkeypatch.setattr(rds_managed, "delete_instance",
                        lambda _ctx, ident, *_a, **_k: deleted.append(ident) or {"changed": True, "changes": []})
    ctx = FakeContext(protected=True)
    with pytest.raises(Refused, match="db-a has deletion protection on.*nothing was deleted"):
        rds_managed.delete_cluster(ctx, {"db_cluster_identifier": "db-a", "wait": False})
    assert deleted == [] and ctx.members_read == 0


def test_unprotected_cluster_deletes_members(monkeypatch: pytest.MonkeyPatch) -> None:
    deleted: list[str] = []
    monkeypatch.setattr(rds_managed, "delete_instance",
                        lambda _ctx, ident, *_a, **_k: deleted.append(ident) or {"changed": True, "changes": []})
    cases = ((FakeContext(protected=False), {}), (FakeContext(protected=True), {"deletion_protection": False}))
    for ctx, params in cases:
        result = rds_managed.delete_cluster(ctx, {"db_cluster_identifier": "db-a", "wait": False, **params})
        assert result["changed"] and result["changes"] == ["delete"]
    assert deleted == ["db-a-1", "db-a-1"]
