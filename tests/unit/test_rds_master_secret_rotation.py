"""The rotation schedule of RDS-managed master user secrets (rds_instance_managed / rds_cluster_managed option
master_user_secret_rotation_days): the pure compare against DescribeSecret's answer (Secrets Manager API reference:
``RotationEnabled``, ``RotationRules.AutomaticallyAfterDays``; RotateSecret's ``RotationRules`` and
``RotateImmediately``), then the calls against the local backend's Secrets Manager (check mode writes nothing, a
second run makes no call)."""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_managed import (  # noqa: E402
    converge_master_secret_rotation,
    rotation_change,
)

from tests.unit.conftest import aws_client  # noqa: E402

WANTED = {"RotationRules": {"AutomaticallyAfterDays": 7}, "RotateImmediately": False}


@pytest.mark.parametrize(
    ("described", "days", "change"),
    [
        # what moto's RDS leaves: rotation off, no rules
        ({"Name": "rds!db-1", "RotationEnabled": False}, 7, WANTED),
        ({"Name": "rds!db-1"}, 7, WANTED),
        # on AWS RDS turns rotation on every 7 days (rate(7 days)): nothing to do for 7, a change for 30
        ({"RotationEnabled": True,
          "RotationRules": {"AutomaticallyAfterDays": 7, "ScheduleExpression": "rate(7 days)"}}, 7, None),
        ({"RotationEnabled": True, "RotationRules": {"AutomaticallyAfterDays": 7}}, 30,
         {"RotationRules": {"AutomaticallyAfterDays": 30}, "RotateImmediately": False}),
        # rules left from an earlier schedule but rotation turned off: turned on again
        ({"RotationEnabled": False, "RotationRules": {"AutomaticallyAfterDays": 7}}, 7, WANTED),
        # not managed / no secret
        ({"RotationEnabled": False}, None, None),
        (None, 7, None),
    ],
)  # fmt: skip
def test_rotation_change(described: dict[str, Any] | None, days: int | None, change: dict[str, Any] | None) -> None:
    assert rotation_change(described, days) == change


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, endpoint_url: str, check_mode: bool = False) -> None:
        self.endpoint_url = endpoint_url
        self.check_mode = check_mode

    def client(self, service: str, **_: Any) -> Any:
        assert service == "secretsmanager"
        return aws_client(self.endpoint_url, service)

    def fail_json(self, msg: str, **_: Any) -> None:
        raise Failed(msg)

    def fail_json_aws(self, error: Exception, msg: str) -> None:
        raise Failed(f"{msg}: {error}")


def test_schedule_is_set_once_check_mode_writes_nothing(local_backend_endpoint: str) -> None:
    sm = aws_client(local_backend_endpoint, "secretsmanager")
    value = json.dumps({"username": "u", "password": secrets.token_urlsafe(16)})  # made at run time
    arn = sm.create_secret(Name="rds!db-rotation-test", SecretString=value)["ARN"]
    secret = {"SecretArn": arn, "SecretStatus": "active", "KmsKeyId": "k"}

    changed, before, after = converge_master_secret_rotation(
        FakeModule(local_backend_endpoint, check_mode=True), secret, 7, "DB instance x"
    )
    assert (changed, before, after) == (
        True,
        {"master_user_secret_rotation_days": None},
        {"master_user_secret_rotation_days": 7},
    )
    assert not sm.describe_secret(SecretId=arn).get("RotationEnabled")  # check mode: no RotateSecret

    assert converge_master_secret_rotation(FakeModule(local_backend_endpoint), secret, 7, "DB instance x")[0] is True
    described = sm.describe_secret(SecretId=arn)
    assert described["RotationEnabled"] is True
    assert described["RotationRules"]["AutomaticallyAfterDays"] == 7
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == value  # value kept

    # converged: no change (and no RotateSecret) on the next run; another period is one change
    assert converge_master_secret_rotation(FakeModule(local_backend_endpoint), secret, 7, "DB instance x") == (
        False,
        {"master_user_secret_rotation_days": 7},
        {"master_user_secret_rotation_days": 7},
    )
    assert converge_master_secret_rotation(FakeModule(local_backend_endpoint), secret, 30, "x")[0] is True
    assert sm.describe_secret(SecretId=arn)["RotationRules"]["AutomaticallyAfterDays"] == 30


def test_unmanaged_unknown_or_creating_secret_and_bad_days(local_backend_endpoint: str) -> None:
    module = FakeModule(local_backend_endpoint)
    assert converge_master_secret_rotation(module, {"SecretArn": "arn:x"}, None, "x") == (False, {}, {})
    # an instance or cluster created in this run: its secret is not there (check mode) or still being created
    for secret in (None, {"secret_arn": "arn:x", "secret_status": "creating"}):
        assert converge_master_secret_rotation(module, secret, 7, "x") == (
            True,
            {"master_user_secret_rotation_days": None},
            {"master_user_secret_rotation_days": 7},
        )
    with pytest.raises(Failed, match="master_user_secret_rotation_days must be from 1 to 1000, got 0"):
        converge_master_secret_rotation(module, {"SecretArn": "arn:x"}, 0, "x")
