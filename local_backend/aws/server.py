"""The local AWS backend: moto's server app with the project's extensions, in a thread or in the foreground.

``install()`` patches moto once per process (latency mode, then one module per service family: ``eks/``,
``rds``, ``ec2``, ``elasticache``, ``kms``, ``backup``,
``catalogue``, ``rules``); :class:`LocalBackendApp` wraps moto's WSGI application
with the request log and the ``/_local`` endpoints:

* ``GET /_local/health`` -> ``200 {"status": "ok"}``
* ``GET /_local/requests`` -> the request log (JSON list; each entry's ``seconds`` is the time the backend
  spent serving that request); ``DELETE /_local/requests`` clears it
* ``GET /_local/config`` -> the latency configuration
* ``GET /_local/clock`` -> ``{"now", "offset"}`` of the latency clock; ``POST /_local/clock`` with
  ``{"advance": S}`` moves it ``S`` seconds forward (resources in their creating state get there sooner)

moto's own ``/moto-api/reset`` still resets every backend.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from moto.moto_server.threaded_moto_server import ThreadedMotoServer  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server  # noqa: E402

from . import backup, catalogue, ec2, eks, elasticache, faults, kms, latency, rds, rules  # noqa: E402
from .requests import RequestLog, describe_request  # noqa: E402

HEALTH_PATH = "/_local/health"
REQUESTS_PATH = "/_local/requests"
CONFIG_PATH = "/_local/config"
CLOCK_PATH = "/_local/clock"
FAULTS_PATH = "/_local/faults"
PORT_FILE = "backend.port"

_install_lock = threading.Lock()


def install() -> None:
    """Apply every extension to moto (idempotent). Must run before the server handles its first request."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    with _install_lock:
        latency.install()
        eks.install()
        rds.install()
        ec2.install()
        elasticache.install()
        kms.install()
        backup.install()
        catalogue.install()
        rules.install()  # after rds.install(): wraps its RDS backend patches


StartResponse = Callable[..., Any]


class LocalBackendApp:
    """WSGI middleware: ``/_local`` endpoints, request log, then moto's domain dispatcher."""

    def __init__(self, log: RequestLog | None = None) -> None:
        self.log = log or RequestLog()
        self.faults = faults.FaultTable()
        self.moto_app = DomainDispatcherApplication(create_backend_app)

    @staticmethod
    def _json(start_response: StartResponse, status: str, payload: Any) -> Iterable[bytes]:
        data = json.dumps(payload, default=str).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def _advance_clock(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            payload = json.loads(environ["wsgi.input"].read(length) or b"{}") if length > 0 else {}
            seconds = float(payload["advance"])
            offset = latency.advance(seconds)
        except (KeyError, TypeError, ValueError) as exc:
            message = f'POST {CLOCK_PATH} needs a JSON body {{"advance": SECONDS >= 0}}: {exc!r}'
            return self._json(start_response, "400 Bad Request", {"error": message})
        return self._json(start_response, "200 OK", {"now": latency.now(), "offset": offset})

    def _arm_fault(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            fault = self.faults.arm(json.loads(environ["wsgi.input"].read(length) or b"{}") if length > 0 else {})
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            message = f"POST {FAULTS_PATH}: {exc}; see local_backend/aws/faults.py"
            return self._json(start_response, "400 Bad Request", {"error": message})
        return self._json(start_response, "200 OK", fault)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        method = str(environ.get("REQUEST_METHOD", "GET"))
        if path.startswith("/_local/"):
            if path == HEALTH_PATH and method in ("GET", "HEAD"):
                return self._json(start_response, "200 OK", {"status": "ok"})
            if path == REQUESTS_PATH and method == "GET":
                return self._json(start_response, "200 OK", self.log.entries())
            if path == REQUESTS_PATH and method == "DELETE":
                return self._json(start_response, "200 OK", {"cleared": self.log.clear()})
            if path == CONFIG_PATH and method == "GET":
                return self._json(start_response, "200 OK", {"latency": latency.current().as_dict()})
            if path == CLOCK_PATH and method == "GET":
                return self._json(start_response, "200 OK", {"now": latency.now(), "offset": latency.offset()})
            if path == CLOCK_PATH and method == "POST":
                return self._advance_clock(environ, start_response)
            if path == FAULTS_PATH and method == "GET":
                return self._json(start_response, "200 OK", self.faults.armed())
            if path == FAULTS_PATH and method == "POST":
                return self._arm_fault(environ, start_response)
            if path == FAULTS_PATH and method == "DELETE":
                return self._json(start_response, "200 OK", {"cleared": self.faults.clear()})
            return self._json(start_response, "404 Not Found", {"error": f"no such endpoint: {method} {path}"})
        if not path.startswith("/moto-api") and path != "/favicon.ico":
            started = time.perf_counter()
            try:
                entry = describe_request(environ)
            except Exception as exc:  # noqa: BLE001 - the log must never break the request it describes
                entry = {"service": None, "operation": None, "method": method, "path": path, "error": repr(exc)}
            entry["seconds"] = None  # set below; the key exists from the start so a concurrent GET can dump the entry
            fault = self.faults.take(entry.get("service"), entry.get("operation"))
            if fault is not None:
                entry["fault"] = fault["code"]
                entry["seconds"] = round(time.perf_counter() - started, 6)
                self.log.append(entry)
                return faults.respond(fault, start_response)
            refused = rules.refusal(entry, environ)  # what AWS refuses and moto accepts: rules.py
            if refused is not None:
                entry["refused"] = refused.code
                entry["seconds"] = round(time.perf_counter() - started, 6)
                self.log.append(entry)
                return rules.respond(refused, str(entry.get("service")), start_response)
            self.log.append(entry)
            try:
                return self.moto_app(environ, start_response)
            finally:
                entry["seconds"] = round(time.perf_counter() - started, 6)
        return self.moto_app(environ, start_response)


class LocalBackendServer(ThreadedMotoServer):
    """moto's ThreadedMotoServer serving :class:`LocalBackendApp` instead of the bare moto app."""

    def __init__(self, ip_address: str = "127.0.0.1", port: int = 0, app: LocalBackendApp | None = None) -> None:
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self.app = app or LocalBackendApp()

    def _server_entry(self) -> None:
        self._server = make_server(self._ip_address, self._port, self.app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()

    def stop(self) -> None:
        super().stop()
        if self._server is not None:
            self._server.server_close()


@dataclass
class BackendHandle:
    """What :func:`start_in_thread` returns."""

    server: LocalBackendServer
    host: str
    port: int
    previous_latency: latency.LatencyConfig
    previous_clock: Callable[[], float] | None = None
    stopped: bool = field(default=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> RequestLog:
        return self.server.app.log

    def stop(self) -> None:
        """Stop the server and restore the latency configuration (and clock) active before it started."""
        if not self.stopped:
            self.server.stop()
            latency.set_config(self.previous_latency)
            if self.previous_clock is not None:
                latency.set_clock(self.previous_clock)
            self.stopped = True


def start_in_thread(
    port: int = 0,
    latency_scale: float = 0.0,
    latency_seconds: str | dict[str, float] | None = None,
    host: str = "127.0.0.1",
    clock: Callable[[], float] | None = None,
) -> BackendHandle:
    """Run the extended moto server in a daemon thread of this process (for pytest).

    ``latency_seconds`` defaults to env ``LOCAL_BACKEND_LATENCY_SECONDS``. ``clock`` (e.g. a
    ``latency.ManualClock``) replaces the latency clock until ``stop()``. moto's backends are
    process-global, so servers started in one process share state, the latency configuration and clock.
    """
    install()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    previous = latency.set_config(latency.config_from(scale=latency_scale, seconds=latency_seconds))
    previous_clock = latency.set_clock(clock) if clock is not None else None
    server = LocalBackendServer(ip_address=host, port=port)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return BackendHandle(
        server=server, host=bound_host, port=bound_port, previous_latency=previous, previous_clock=previous_clock
    )


def serve(
    host: str,
    port: int,
    state_dir: Path | None,
    latency_scale: float | None,
    postgres_port: int | None = None,
    postgres_data_dir: Path | None = None,
) -> int:
    """Foreground server (what ``python -m local_backend up`` launches). Stops on SIGTERM/SIGINT.

    With ``postgres_port``/``postgres_data_dir`` (``up --postgres``), RDS PostgreSQL instances are served by
    that local PostgreSQL server (see ``local_backend/postgres/bridge.py``)."""
    install()
    if postgres_port is not None and postgres_data_dir is not None:
        from ..postgres import bridge

        bridge.install_bridge(postgres_port, postgres_data_dir)
    config = latency.config_from(scale=latency_scale)
    latency.set_config(config)
    server: BaseWSGIServer = make_server(host, port, LocalBackendApp(), True, request_handler=MotoRequestHandler)
    bound_port = server.server_address[1]

    def stop(signum: int, _frame: Any) -> None:
        print(f"local_backend: signal {signum}, shutting down", flush=True)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
        tmp = state_dir / f".{PORT_FILE}.tmp"
        tmp.write_text(f"{bound_port}\n")
        tmp.replace(state_dir / PORT_FILE)
    bridge = f", RDS postgres -> 127.0.0.1:{postgres_port}" if postgres_port is not None else ""
    print(
        f"local_backend: serving moto on http://{host}:{bound_port} (pid {os.getpid()}, latency {config.as_dict()}"
        f"{bridge})",
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
