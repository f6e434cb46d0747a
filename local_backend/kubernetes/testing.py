"""Helpers for tests of the stand-in: raw HTTPS calls with the token, verified against the generated CA."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from typing import Any

from .server import Running


class Client:
    def __init__(self, running: Running, token: str | None = None) -> None:
        self.url = running.url
        self.token = running.token if token is None else token
        self.ctx = ssl.create_default_context(cafile=str(running.ca_file))

    def call(
        self, method: str, path: str, body: Any = None, ctype: str = "application/json", raw: bool = False
    ) -> tuple[int, Any, dict[str, str]]:
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        headers = {"Content-Type": ctype, "User-Agent": "local-k8s-test/1.0"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=10) as resp:  # noqa: S310
                text = resp.read()
                return resp.status, (text if raw else json.loads(text or b"null")), dict(resp.headers)
        except urllib.error.HTTPError as err:
            text = err.read()
            return err.code, json.loads(text or b"null"), dict(err.headers)
