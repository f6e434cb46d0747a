"""Read-only boto3 calls for the verify playbooks, where no *_info module exists (ECR repositories and
their lifecycle policies and tags, Secrets Manager metadata, DB and cache subnet groups, DB and cache
parameter values). Verify never reads state through a role's own module in check mode.

    python aws_read.py '<connection JSON>' '[{"service": "ecr", "call": "describe_repositories",
                                             "args": {...}}, ...]'

The connection is platform_aws_connection (region, and profile or endpoint_url/access_key/secret_key).
Only describe_*/list_*/get_* calls are allowed, never get_secret_value (values are read with no_log by
the secretsmanager_secret lookup). Prints one JSON list: each call's response without
ResponseMetadata, all pages merged for paginated calls, or {"error": code} when AWS refuses it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import boto3
from botocore.exceptions import ClientError

READ_PREFIXES = ("describe_", "list_", "get_")
FORBIDDEN = {"get_secret_value"}


def _session(conn: dict[str, Any]) -> tuple[boto3.session.Session, dict[str, Any]]:
    session = boto3.session.Session(profile_name=conn.get("profile") or None, region_name=conn["region"])
    kwargs: dict[str, Any] = {}
    if conn.get("endpoint_url"):
        kwargs["endpoint_url"] = conn["endpoint_url"]
    if conn.get("access_key"):
        kwargs["aws_access_key_id"] = conn["access_key"]
        kwargs["aws_secret_access_key"] = conn["secret_key"]
    return session, kwargs


def _call(client: Any, name: str, args: dict[str, Any]) -> Any:
    if client.can_paginate(name):
        merged: dict[str, Any] = {}
        for page in client.get_paginator(name).paginate(**args):
            for key, value in page.items():
                if isinstance(value, list):
                    merged.setdefault(key, []).extend(value)
                elif key != "ResponseMetadata":
                    merged.setdefault(key, value)
        return merged
    response = getattr(client, name)(**args)
    response.pop("ResponseMetadata", None)
    return response


def main(argv: list[str]) -> int:
    conn, calls = json.loads(argv[1]), json.loads(argv[2])
    session, kwargs = _session(conn)
    out = []
    for spec in calls:
        name = spec["call"]
        if not name.startswith(READ_PREFIXES) or name in FORBIDDEN:
            print(f"aws_read.py: {name} is not a read-only call", file=sys.stderr)
            return 2
        client = session.client(spec["service"], **kwargs)
        try:
            out.append(_call(client, name, spec.get("args") or {}))
        except ClientError as err:
            out.append({"error": err.response.get("Error", {}).get("Code", "unknown")})
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
