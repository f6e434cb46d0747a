"""Unit tests of the shared module helpers: KMS key resolution, tag plans and calls, the time budget."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.module_utils import api, kms, tagging, waits  # noqa: E402

KEY_ARN = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY_ARN = "arn:aws:kms:ap-northeast-2:123456789012:key/99999999-12ab-34cd-56ef-1234567890ab"
ALIAS = "alias/wealist-local"


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, check_mode: bool = False, clients: dict[str, Any] | None = None) -> None:
        self.check_mode = check_mode
        self.warnings: list[str] = []
        self.clients = clients or {}

    def client(self, service: str, **_: Any) -> Any:
        return self.clients[service]

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)

    def fail_json(self, **kwargs: Any) -> None:
        raise Failed(kwargs["msg"])

    def fail_json_aws(self, error: Exception, msg: str) -> None:
        raise Failed(msg)


def not_found(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "NotFoundException", "Message": "nope"}}, operation)


class FakeKMS:
    def __init__(self, keys: dict[str, str]) -> None:
        self.keys = keys
        self.calls: list[str] = []

    def describe_key(self, KeyId: str) -> dict[str, Any]:  # noqa: N803 (boto3's name)
        self.calls.append(KeyId)
        if KeyId not in self.keys:
            raise not_found("DescribeKey")
        return {"KeyMetadata": {"Arn": self.keys[KeyId]}}


# --- kms -------------------------------------------------------------------------------------------------
def _never(reference: str) -> str | None:
    raise AssertionError(f"resolve({reference}) should not be needed")


def test_key_matches_without_api_calls() -> None:
    assert kms.key_matches(KEY_ARN, ALIAS, KEY_ARN, _never)
    assert kms.key_matches(ALIAS, ALIAS, KEY_ARN, _never)
    assert kms.key_matches("1234abcd-12ab-34cd-56ef-1234567890ab", ALIAS, KEY_ARN, _never)
    assert not kms.key_matches(OTHER_KEY_ARN, ALIAS, KEY_ARN, _never)
    assert not kms.key_matches("99999999-12ab-34cd-56ef-1234567890ab", ALIAS, KEY_ARN, _never)
    assert kms.key_matches(OTHER_KEY_ARN, None, None, _never)  # kms not managed


def test_key_matches_resolves_aliases_and_default_key() -> None:
    lookups: list[str] = []

    def resolve(reference: str) -> str | None:
        lookups.append(reference)
        return {"alias/other-name-same-key": KEY_ARN, "alias/aws/secretsmanager": OTHER_KEY_ARN}.get(reference)

    default = "alias/aws/secretsmanager"
    assert kms.key_matches("alias/other-name-same-key", KEY_ARN, KEY_ARN, resolve, default)
    assert not kms.key_matches(None, ALIAS, KEY_ARN, resolve, default)
    assert not kms.key_matches("alias/deleted", ALIAS, KEY_ARN, resolve, default)
    assert lookups == ["alias/other-name-same-key", "alias/aws/secretsmanager", "alias/deleted"]


def test_resolver_caches_and_passes_key_arns_through() -> None:
    client = FakeKMS({ALIAS: KEY_ARN})
    resolver = kms.KeyResolver(FakeModule(clients={"kms": client}))
    assert resolver.require(ALIAS, "kms_key_id") == KEY_ARN
    assert resolver.require(ALIAS, "kms_key_id") == KEY_ARN
    assert resolver.require(OTHER_KEY_ARN, "kms_key_id") == OTHER_KEY_ARN
    assert resolver.require(None, "kms_key_id") is None
    assert client.calls == [ALIAS]


def test_missing_key_fails_a_real_run_naming_the_option() -> None:
    resolver = kms.KeyResolver(FakeModule(clients={"kms": FakeKMS({})}))
    with pytest.raises(Failed, match=r"KMS key alias/missing \(master_user_secret_kms_key_id\) not found"):
        resolver.require("alias/missing", "master_user_secret_kms_key_id")


def test_missing_key_in_check_mode_warns_and_keeps_the_reference() -> None:
    module = FakeModule(check_mode=True, clients={"kms": FakeKMS({})})
    resolved = kms.KeyResolver(module).require_all({"kms_key_id": "alias/later", "other": "x"}, ("kms_key_id",))
    assert resolved == {"kms_key_id": "alias/later", "other": "x"}
    assert len(module.warnings) == 1 and "kms_key_id: KMS key alias/later does not exist (yet)" in module.warnings[0]


# --- tagging ---------------------------------------------------------------------------------------------
def test_plan_tags_purge_keeps_aws_tags_and_stringifies() -> None:
    current = [
        {"Key": "A", "Value": "1"},
        {"Key": "Old", "Value": "x"},
        {"Key": "aws:cloudformation:stack", "Value": "s"},
    ]
    plan = tagging.plan_tags(current, {"A": "2", "N": 3}, purge=True)
    assert plan.to_set == {"A": "2", "N": "3"} and plan.to_unset == ["Old"]
    assert plan.after == {"A": "2", "N": "3", "aws:cloudformation:stack": "s"}
    assert plan.changed


def test_plan_tags_unmanaged_and_unchanged() -> None:
    assert not tagging.plan_tags({"A": "1"}, None, purge=True).changed
    kept = tagging.plan_tags({"A": "1", "B": "2"}, {"A": "1"}, purge=False)
    assert not kept.changed and kept.after == {"A": "1", "B": "2"}


class RecordingClient:
    def __init__(self, service: str) -> None:
        self.meta = SimpleNamespace(service_model=SimpleNamespace(service_name=service))
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, method: str) -> Any:
        return lambda **kwargs: self.calls.append((method, kwargs)) or {}


@pytest.mark.parametrize(
    ("service", "unset", "set_"),
    [
        ("ec2", ("delete_tags", {"Resources": ["fl-1"], "Tags": [{"Key": "Old"}]}),
         ("create_tags", {"Resources": ["fl-1"], "Tags": [{"Key": "A", "Value": "2"}]})),
        ("rds", ("remove_tags_from_resource", {"ResourceName": "fl-1", "TagKeys": ["Old"]}),
         ("add_tags_to_resource", {"ResourceName": "fl-1", "Tags": [{"Key": "A", "Value": "2"}]})),
        ("ecr", ("untag_resource", {"resourceArn": "fl-1", "tagKeys": ["Old"]}),
         ("tag_resource", {"resourceArn": "fl-1", "tags": [{"Key": "A", "Value": "2"}]})),
        ("secretsmanager", ("untag_resource", {"SecretId": "fl-1", "TagKeys": ["Old"]}),
         ("tag_resource", {"SecretId": "fl-1", "Tags": [{"Key": "A", "Value": "2"}]})),
        # EKS TagResource takes a map (botocore eks model: TagMap)
        ("eks", ("untag_resource", {"resourceArn": "fl-1", "tagKeys": ["Old"]}),
         ("tag_resource", {"resourceArn": "fl-1", "tags": {"A": "2"}})),
    ],
)
def test_update_tags_uses_each_services_calls(service: str, unset: tuple, set_: tuple) -> None:
    client = RecordingClient(service)
    plan = tagging.plan_tags({"A": "1", "Old": "x"}, {"A": "2"}, purge=True)
    tagging.update_tags(FakeModule(), client, "fl-1", plan)
    assert client.calls == [unset, set_]


def test_update_tags_writes_nothing_in_check_mode() -> None:
    client = RecordingClient("rds")
    tagging.update_tags(FakeModule(check_mode=True), client, "arn", tagging.plan_tags({}, {"A": "1"}, True))
    assert client.calls == []


# --- api -------------------------------------------------------------------------------------------------
def test_describe_turns_not_found_into_none_and_other_errors_into_failures() -> None:
    class Client:
        def describe_thing(self, Name: str) -> dict[str, Any]:  # noqa: N803
            if Name == "missing":
                raise not_found("DescribeThing")
            if Name == "denied":
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "DescribeThing")
            return {"Name": Name}

    module = FakeModule()
    assert api.describe(module, Client(), "describe_thing", "NotFoundException", "thing x", Name="x") == {"Name": "x"}
    assert api.describe(module, Client(), "describe_thing", "NotFoundException", "thing", Name="missing") is None
    with pytest.raises(Failed, match="Failed to describe thing denied"):
        api.describe(module, Client(), "describe_thing", "NotFoundException", "thing denied", Name="denied")


# --- waits -----------------------------------------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_polls_with_backoff_until_ready() -> None:
    clock = FakeClock()
    states = iter(["creating", "creating", "creating", "modifying", "modifying", "available"])
    item = waits.wait_until(FakeModule(), lambda: next(states), lambda s: s == "available",
                            waits.Budget(600, clock), "thing", sleep=clock.sleep)
    assert item == "available"
    # doubling from 2 s, capped at 10 s: a slow resource is seen within 10 s of becoming ready
    assert clock.sleeps == [2.0, 4.0, 8.0, 10.0, 10.0]


def test_one_budget_is_shared_by_every_wait_and_never_overslept() -> None:
    clock = FakeClock()
    budget = waits.Budget(20, clock)
    first = iter(["creating", "creating", "available"])
    waits.wait_until(FakeModule(), lambda: next(first), lambda s: s == "available", budget, "first", sleep=clock.sleep)
    assert budget.remaining() == 14.0
    with pytest.raises(Failed, match=r"Timed out waiting for second \(budget 20 s, wait_timeout\); last status: busy"):
        waits.wait_until(FakeModule(), lambda: "busy", lambda s: False, budget, "second", sleep=clock.sleep)
    assert clock.now == 1020.0  # the last sleep was cut to what was left


def test_wait_fails_at_once_on_a_failed_state() -> None:
    clock = FakeClock()
    with pytest.raises(Failed, match="create-failed"):
        waits.wait_until(FakeModule(), lambda: "create-failed", lambda s: s == "available", waits.Budget(600, clock),
                         "thing", failed=lambda s: {"msg": f"it is {s}"} if s.endswith("failed") else None,
                         sleep=clock.sleep)
    assert clock.sleeps == []
