"""Shared helpers for the unit tests that drive the in-process local backend with boto3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local_backend.aws.server import start_in_thread

REGION = "ap-northeast-2"


def aws_client(endpoint_url: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="module")
def local_backend_endpoint() -> Iterator[str]:
    """An in-process backend shared by the tests of one module; yields its endpoint URL."""
    handle = start_in_thread(port=0)
    yield handle.endpoint_url
    handle.stop()
