"""Start/stop the stand-in as its own process for ``python -m local_backend up/down/status``.

Its own process (not moto's): moto's server is a threaded WSGI app while the stand-in is asyncio
(watch streams stay open for minutes), and a separate PID lets ``down`` stop exactly it.
State: ``DIR/kubernetes.json`` (url, port, pid, kubeconfig, chart_repository_url), ``DIR/kubeconfig``
(0600), ``DIR/kubernetes.log``; the same process serves the local chart repository from ``DIR/charts``.
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

STATE_FILE = "kubernetes.json"
LOG_FILE = "kubernetes.log"
KUBECONFIG = "kubeconfig"
PACKAGE_PARENT = Path(__file__).resolve().parent.parent.parent


class KubernetesStartError(Exception):
    pass


def read(state_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((state_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True
    return b"local_backend.kubernetes" in cmdline and b"serve" in cmdline


def healthy(state: dict[str, Any], state_dir: Path, timeout: float = 2.0) -> bool:
    if not state.get("url"):
        return False
    ctx = ssl.create_default_context(cafile=str(state_dir / "kubernetes-ca.crt"))
    try:
        with urllib.request.urlopen(f"{state['url']}/_local/health", timeout=timeout, context=ctx) as r:  # noqa: S310
            return r.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def spawn(state_dir: Path, extra_args: list[str] | None = None) -> subprocess.Popen[bytes]:
    """Start ``serve`` detached; :func:`wait_ready` then waits for it."""
    for name in (STATE_FILE, KUBECONFIG):
        (state_dir / name).unlink(missing_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_PARENT), env.get("PYTHONPATH")]))
    with open(state_dir / LOG_FILE, "ab") as log:
        return subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "local_backend.kubernetes",
                "serve",
                "--state-dir",
                str(state_dir),
                *(extra_args or []),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=PACKAGE_PARENT,
            env=env,
            start_new_session=True,
            close_fds=True,
        )


def wait_ready(process: subprocess.Popen[bytes], state_dir: Path, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise KubernetesStartError(
                f"the Kubernetes stand-in exited with status {process.returncode}; see {state_dir / LOG_FILE}"
            )
        state = read(state_dir)
        if state.get("pid") == process.pid and healthy(state, state_dir, 1.0):
            return state
        time.sleep(0.05)
    stop_pid(process.pid, 5)
    raise KubernetesStartError(
        f"the Kubernetes stand-in did not answer within {timeout:g} s; see {state_dir / LOG_FILE}"
    )


def stop_pid(pid: int, timeout: float) -> str:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return "not running (already gone)"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return "stopped (SIGTERM)"
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return "stopped (SIGKILL after SIGTERM timeout)"


def stop(state_dir: Path, timeout: float) -> str:
    state = read(state_dir)
    pid = state.get("pid")
    if pid is None:
        result = "not running"
    elif not _alive(int(pid)):
        result = f"not running (stale pid {pid})"
    else:
        result = f"pid {pid}: {stop_pid(int(pid), timeout)}"
    for name in (STATE_FILE, KUBECONFIG, "kubernetes-ca.crt"):
        (state_dir / name).unlink(missing_ok=True)
    return result


def status(state_dir: Path) -> str | None:
    """One line when the stand-in was started from this state dir, else None."""
    state = read(state_dir)
    if not state:
        return None
    pid = state.get("pid")
    if pid is not None and _alive(int(pid)) and healthy(state, state_dir):
        line = f"kubernetes running at {state['url']} (pid {pid}, KUBECONFIG={state_dir / KUBECONFIG})"
        repo = state.get("chart_repository_url")
        if repo:
            line += f"\nchart repository {'serving' if charts_ok(repo) else 'NOT answering'} at {repo}"
        return line
    return f"kubernetes NOT running, was {state.get('url')} (pid {pid})"


def charts_ok(url: str, timeout: float = 2.0) -> bool:
    """True if the chart repository at ``url`` serves its index.yaml."""
    try:
        with urllib.request.urlopen(f"{url}/index.yaml", timeout=timeout) as r:  # noqa: S310 - local URL
            return r.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False
