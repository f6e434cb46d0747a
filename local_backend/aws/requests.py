"""Request log: which AWS operations reached the local backend, in order.

moto keeps no record of the calls it served, so a test cannot prove that a role rejected bad input
*before* it changed anything. This module fills that gap: a WSGI middleware (see ``server.py``) calls
:func:`describe_request` for every AWS request and appends ``{"service", "operation", "method",
"path", "seconds"}`` to a :class:`RequestLog`, exposed at ``GET /_local/requests`` and cleared with
``DELETE /_local/requests``; ``seconds`` is the time the backend spent serving the request (describing
it plus moto's handling; ``None`` while it is still being served), so a benchmark can tell the time a run
spends inside AWS calls from its own overhead (:func:`served_seconds`). :func:`mutating` picks the calls
that would change something.

Operation names are resolved the way AWS itself routes them: the ``Action`` parameter for query
protocols (ec2, rds, iam, autoscaling, ...), the ``X-Amz-Target`` header for JSON protocols, the path of
smithy-rpc-v2-cbor requests (cloudwatch), and for REST protocols (s3, eks, route53, ...) the method and
path matched against botocore's service model through moto's own router (which also handles S3
virtual-hosted-style requests).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs

#: Operation-name prefixes of calls that change state.
MUTATING_PREFIXES: tuple[str, ...] = (
    "Create",
    "Put",
    "Modify",
    "Update",
    "Delete",
    "Associate",
    "Disassociate",
    "Attach",
    "Detach",
    "Authorize",
    "Revoke",
    "Allocate",
    "Release",
    "Tag",
    "Untag",
    "Enable",
    "Disable",
    "Replace",
    "Register",
    "Deregister",
    "Set",
    "Run",
    "Start",
    "Stop",
    "Reboot",
    "Restore",
    "Schedule",
    "Generate",
    "Terminate",
    "Add",
    "Remove",
    "Apply",
    "Import",
    "Upload",
    "Copy",
    "Complete",
    "Abort",
    "Batch",
    "Cancel",
    "Change",
    "Rotate",
    "Reset",
    "Promote",
    "Failover",
    "Reject",
    "Accept",
    "Assign",
    "Unassign",
    "Upgrade",
    "Purge",
    "Increase",
    "Decrease",
    "Resize",
    "Suspend",
    "Resume",
    "Execute",
    "Invoke",
    "Publish",
    "Send",
    "Lock",
    "Unlock",
    "Move",
    "Switchover",
    "Admin",
)

#: Operation-name prefixes of calls that only read, checked before :data:`MUTATING_PREFIXES`.
READ_ONLY_PREFIXES: tuple[str, ...] = (
    "Get",
    "Describe",
    "List",
    "Head",
    "Search",
    "Lookup",
    "Select",
    "Query",
    "Scan",
    "BatchGet",
    "BatchDescribe",
    "BatchCheck",
    "Check",
    "Validate",
    "Verify",
    "Estimate",
    "Preview",
    "Test",
    "Simulate",
    "AdminGet",
    "AdminList",
)

#: Operations that match a mutating prefix but change nothing.
NON_MUTATING: frozenset[str] = frozenset(
    {
        "GenerateRandom",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateMac",
        "GenerateDbAuthToken",
        "GenerateCredentialReport",
        "GenerateServiceLastAccessedDetails",
        "GenerateOrganizationsAccessReport",
        "SendHeartbeat",
        "StartQuery",
        "StopQuery",
    }
)

_CBOR_PATH = re.compile(r"^/service/[^/]+/operation/(?P<op>[^/?]+)")

#: SigV4 signing name -> botocore service models that may carry it (first match wins for REST routing).
SIGNING_NAME_MODELS: dict[str, tuple[str, ...]] = {
    "s3": ("s3", "s3control"),
    "elasticloadbalancing": ("elbv2", "elb"),
    "elasticfilesystem": ("efs",),
    "monitoring": ("cloudwatch",),
    "email": ("sesv2", "ses"),
    "states": ("stepfunctions",),
    "es": ("opensearch", "es"),
    "apigateway": ("apigateway", "apigatewayv2"),
    "execute-api": ("apigatewaymanagementapi",),
    "elasticmapreduce": ("emr",),
    "eks": ("eks",),
}


def is_mutating(operation: str | None) -> bool:
    """True if an operation name looks like a call that changes state."""
    if not operation or operation in NON_MUTATING:
        return False
    if operation.startswith(READ_ONLY_PREFIXES):
        return False
    return operation.startswith(MUTATING_PREFIXES)


def mutating(ops: Iterable[Mapping[str, Any] | str]) -> list[Any]:
    """Return the entries of ``ops`` (request-log dicts or bare operation names) that mutate state.

    ``GenerateRandom``/``GenerateDataKey*`` and other read-only calls with a mutating-looking prefix are
    excluded (see :data:`NON_MUTATING`); ``Get*``/``Describe*``/``List*``/``Head*`` never count.
    """
    result: list[Any] = []
    for op in ops:
        name = op if isinstance(op, str) else op.get("operation")
        if is_mutating(name):
            result.append(op)
    return result


def served_seconds(entries: Iterable[Mapping[str, Any]]) -> float:
    """Sum of the ``seconds`` the backend spent serving the logged requests (entries without one count 0)."""
    return sum(float(e.get("seconds") or 0.0) for e in entries)


class RequestLog:
    """Thread-safe, in-memory, ordered list of the AWS requests a server received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def append(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            return count


def service_from_authorization(authorization: str | None) -> str | None:
    """The service of a SigV4 ``Authorization`` header's credential scope (``.../region/SERVICE/aws4_request``)."""
    if not authorization or "Credential=" not in authorization:
        return None
    credential = authorization.split("Credential=", 1)[1].split(",", 1)[0]
    parts = credential.split("/")
    if len(parts) < 5:
        return None
    return parts[3]


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back so the wrapped application can read it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _rest_operation(service: str, environ: dict[str, Any]) -> str | None:
    """Resolve a REST request to its operation through botocore's model (moto's router)."""
    from moto.core.request import Request
    from moto.core.routing import get_service_router
    from werkzeug.exceptions import NotFound

    for model_name in SIGNING_NAME_MODELS.get(service, (service,)):
        request = Request(dict(environ))
        try:
            operation, _ = get_service_router(model_name).match(request)
        except (NotFound, NotImplementedError):
            continue
        except Exception:  # noqa: BLE001 - unknown services/models must never break the request itself
            continue
        return str(operation.name)
    return None


def describe_request(environ: dict[str, Any]) -> dict[str, Any]:
    """Build the log entry ``{"service", "operation", "method", "path"}`` for one WSGI request.

    Reads (and restores) the body only for form-encoded requests, where query protocols carry ``Action``.
    """
    method = str(environ.get("REQUEST_METHOD", "GET"))
    path = str(environ.get("PATH_INFO", ""))
    service = service_from_authorization(environ.get("HTTP_AUTHORIZATION"))
    operation: str | None = None

    query = parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
    if query.get("Action"):
        operation = query["Action"][0]
        if service is None and query.get("X-Amz-Credential"):
            parts = query["X-Amz-Credential"][0].split("/")
            service = parts[3] if len(parts) >= 5 else None
    target = environ.get("HTTP_X_AMZ_TARGET")
    content_type = str(environ.get("CONTENT_TYPE", ""))
    if operation is None and target:
        operation = str(target).rsplit(".", 1)[-1]
    if operation is None and content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(_read_body(environ).decode("utf-8", "replace"), keep_blank_values=True)
        if form.get("Action"):
            operation = form["Action"][0]
    if operation is None:
        match = _CBOR_PATH.match(path)
        if match:
            operation = match.group("op")
    if operation is None and service:
        operation = _rest_operation(service, environ)
    return {"service": service, "operation": operation, "method": method, "path": path}
