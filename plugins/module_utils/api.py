# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""How every module of this collection calls AWS: through :func:`call` and :func:`paginate`, both retried
with amazon.aws's ``AWSRetry.jittered_backoff`` (throttling and transient errors), and :func:`describe`,
which turns the service's not-found error into ``None``. A failure ends the module with
``fail_json_aws`` and a message that says what was being done, never a value read from AWS.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

AWS_ERRORS: tuple[type[Exception], ...] = ()
try:
    AWS_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except NameError:  # botocore missing: AnsibleAWSModule reports it
    pass


@AWSRetry.jittered_backoff()
def call(client: Any, method: str, **kwargs: Any) -> dict[str, Any]:
    """One API call, retried on throttling and transient errors."""
    return getattr(client, method)(**kwargs)


@AWSRetry.jittered_backoff()
def paginate(client: Any, method: str, **kwargs: Any) -> dict[str, Any]:
    """Every page of a paginated call, merged (``build_full_result``), retried as a whole."""
    return client.get_paginator(method).paginate(**kwargs).build_full_result()


def call_or_fail(module: Any, client: Any, method: str, what: str, **kwargs: Any) -> dict[str, Any]:
    """:func:`call`; an AWS error fails the module with ``Failed to <what>``."""
    try:
        return call(client, method, **kwargs)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to {what}")
    return {}


def describe(
    module: Any, client: Any, method: str, not_found: str | list[str], what: str, **kwargs: Any
) -> dict[str, Any] | None:
    """:func:`call` for a read whose ``not_found`` error code(s) mean the resource is absent (None)."""
    try:
        return call(client, method, **kwargs)
    except is_boto3_error_code(not_found):
        return None
    except AWS_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe {what}")
    return None


def exit_with(module: Any, changed: bool, diff: dict[str, Any] | None = None, **results: Any) -> None:
    """End the module: ``changed``, the named results, and ``diff`` only when Ansible runs with --diff."""
    output: dict[str, Any] = {"changed": changed, **results}
    if module._diff and diff is not None:
        output["diff"] = diff
    module.exit_json(**output)
