"""Injected faults of the local backend (local_backend/aws/faults.py): the next N calls of one operation fail
with the given code, in each protocol's error format, without reaching moto; then the operation works again."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from local_backend.aws.server import BackendHandle, start_in_thread  # noqa: E402
from tests.unit.conftest import aws_client  # noqa: E402


@pytest.fixture(scope="module")
def server() -> Iterator[BackendHandle]:
    handle = start_in_thread()
    yield handle
    handle.stop()


def _http(url: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, method=method, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _arm(server: BackendHandle, **spec: Any) -> tuple[int, Any]:
    return _http(f"{server.endpoint_url}/_local/faults", "POST", spec)


# One call per protocol: json (kms), ec2, query (iam), rest-json (eks), rest-xml (s3).
CALLS = {
    "kms": ("CreateAlias", lambda c: c.create_alias(AliasName="alias/fault-test",
                                                    TargetKeyId=c.create_key()["KeyMetadata"]["KeyId"])),
    "ec2": ("AllocateAddress", lambda c: c.allocate_address(Domain="vpc")),
    "iam": ("CreateRole", lambda c: c.create_role(RoleName="fault-test", AssumeRolePolicyDocument="{}")),
    "eks": ("ListClusters", lambda c: c.list_clusters()),
    "s3": ("ListBuckets", lambda c: c.list_buckets()),
}  # fmt: skip


@pytest.mark.parametrize("service", sorted(CALLS))
def test_an_armed_fault_fails_the_call_once_with_its_code_then_the_call_works(server: BackendHandle, service: str):
    operation, call = CALLS[service]
    client = aws_client(server.endpoint_url, service)
    assert _arm(server, service=service, operation=operation, code="SimulatedCrash", message="lost")[0] == 200
    _http(f"{server.endpoint_url}/_local/requests", "DELETE")
    with pytest.raises(ClientError) as raised:
        call(client)
    assert raised.value.response["Error"]["Code"] == "SimulatedCrash"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    log = _http(f"{server.endpoint_url}/_local/requests")[1]
    assert [e.get("fault") for e in log if e["operation"] == operation] == ["SimulatedCrash"]
    assert _http(f"{server.endpoint_url}/_local/faults")[1] == []  # count 1: used up
    if service == "kms":  # the alias was not made by the failed call; the retry makes it
        assert not [a for a in client.list_aliases()["Aliases"] if a["AliasName"] == "alias/fault-test"]
    call(client)


def test_count_list_and_clear(server: BackendHandle):
    ec2 = aws_client(server.endpoint_url, "ec2")
    status, fault = _arm(server, service="ec2", operation="DescribeVpcs", count=2)
    assert status == 200 and fault["code"] == "InjectedFault" and fault["count"] == 2
    for _ in range(2):
        with pytest.raises(ClientError):
            ec2.describe_vpcs()
    ec2.describe_vpcs()
    _arm(server, service="ec2", operation="DescribeSubnets", count=5)
    assert [(f["operation"], f["count"]) for f in _http(f"{server.endpoint_url}/_local/faults")[1]] == [
        ("DescribeSubnets", 5)
    ]
    assert _http(f"{server.endpoint_url}/_local/faults", "DELETE") == (200, {"cleared": 1})
    ec2.describe_subnets()


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ({"operation": "CreateAlias"}, '"service"'),
        ({"service": "kms", "operation": "CreateAlias", "count": 0}, '"count"'),
        ({"service": "kms", "operation": "CreateAlias", "status": 200}, '"status"'),
    ],
)
def test_a_bad_fault_is_refused_naming_the_field(server: BackendHandle, spec: dict, named: str):
    status, body = _arm(server, **spec)
    assert status == 400 and named in body["error"]
    assert _http(f"{server.endpoint_url}/_local/faults")[1] == []
