"""Injected faults: make the next N calls of one AWS operation fail, to test what a crash leaves behind.

A real run can die between two calls that belong together (CreateKey then CreateAlias, AllocateAddress then
CreateNatGateway, a create then its tags): the worker is killed, the network drops, the credentials expire.
The next run must find what the first call made and adopt it instead of making a second one. moto cannot
show that, so the local backend can be told to refuse a given operation:

``POST /_local/faults`` with ``{"service": "kms", "operation": "CreateAlias", "count": 1}`` (optional
``"code"``, default ``InjectedFault``; ``"message"``; ``"status"``, default 400) arms a fault: the next
``count`` requests of that operation are answered with that error, in the service's own error format (so
botocore raises ``ClientError`` with that code), without reaching moto. The request log records them with
``"fault": <code>``. ``GET /_local/faults`` lists the armed faults with the count left, ``DELETE
/_local/faults`` disarms all. ``service`` is the SigV4 signing name the request log shows (``kms``, ``ec2``,
``elasticloadbalancing``, ...). A 4xx is used by default because botocore retries 5xx responses: a retried
call would hide the failure.
"""

from __future__ import annotations

import functools
import json
import threading
import uuid
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

#: Signing names whose operations live in another botocore model (the protocol is read from the first).
MODEL_OF_SIGNING_NAME = {"elasticloadbalancing": "elbv2", "monitoring": "cloudwatch", "email": "ses"}


@functools.lru_cache(maxsize=64)
def protocol_of(service: str) -> str:
    """The protocol of a service's botocore model (``query``, ``ec2``, ``json``, ``rest-json``, ``rest-xml``)."""
    import botocore.session

    model = MODEL_OF_SIGNING_NAME.get(service, service)
    try:
        return str(botocore.session.get_session().get_service_model(model).protocol)
    except Exception:  # noqa: BLE001 - an unknown service gets the JSON error shape
        return "json"


def error_response(service: str, code: str, message: str) -> tuple[dict[str, str], bytes]:
    """Headers and body of an AWS error in the service's protocol, as botocore parses it."""
    protocol = protocol_of(service)
    request_id = str(uuid.uuid4())
    code_x, message_x = escape(code), escape(message)
    if protocol == "ec2":
        body = (f"<Response><Errors><Error><Code>{code_x}</Code><Message>{message_x}</Message></Error></Errors>"
                f"<RequestID>{request_id}</RequestID></Response>")
        return {"Content-Type": "text/xml"}, body.encode()
    if protocol == "query":
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code_x}</Code><Message>{message_x}</Message>"
                f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>")
        return {"Content-Type": "text/xml"}, body.encode()
    if protocol == "rest-xml":
        body = f"<Error><Code>{code_x}</Code><Message>{message_x}</Message><RequestId>{request_id}</RequestId></Error>"
        return {"Content-Type": "application/xml"}, body.encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code, "x-amzn-RequestId": request_id}
    return headers, json.dumps({"__type": code, "message": message}).encode()


class FaultTable:
    """Thread-safe armed faults: (service, operation) -> {count, code, message, status}."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[tuple[str, str], dict[str, Any]] = {}

    def arm(self, spec: Any) -> dict[str, Any]:
        """Arm one fault from a request body; ValueError names what is wrong."""
        if not isinstance(spec, dict):
            raise ValueError("the body must be a JSON object")
        service, operation = spec.get("service"), spec.get("operation")
        if not isinstance(service, str) or not service or not isinstance(operation, str) or not operation:
            raise ValueError('"service" (signing name, e.g. kms) and "operation" (e.g. CreateAlias) are required')
        count = spec.get("count", 1)
        status = spec.get("status", 400)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError(f'"count" must be an integer >= 1 (got {count!r})')
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise ValueError(f'"status" must be an HTTP error status 400-599 (got {status!r})')
        fault = {
            "service": service,
            "operation": operation,
            "count": count,
            "code": str(spec.get("code") or "InjectedFault"),
            "message": str(spec.get("message") or f"fault injected by the local backend into {operation}"),
            "status": status,
        }
        with self._lock:
            self._faults[(service, operation)] = fault
        return dict(fault)

    def take(self, service: str | None, operation: str | None) -> dict[str, Any] | None:
        """The fault for this request (its count decremented), or None."""
        if not service or not operation:
            return None
        with self._lock:
            fault = self._faults.get((service, operation))
            if fault is None:
                return None
            fault["count"] -= 1
            if fault["count"] <= 0:
                del self._faults[(service, operation)]
            return dict(fault)

    def armed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(f) for f in self._faults.values()]

    def clear(self) -> int:
        with self._lock:
            count = len(self._faults)
            self._faults.clear()
            return count


REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 500: "Internal Server Error",
           503: "Service Unavailable"}


def respond(fault: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Answer a request with the fault's error."""
    headers, body = error_response(fault["service"], fault["code"], fault["message"])
    status = int(fault["status"])
    start_response(f"{status} {REASONS.get(status, 'Error')}",
                   [*headers.items(), ("Content-Length", str(len(body)))])
    return [body]
