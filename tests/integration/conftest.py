"""Harness for the integration tests: a fresh local backend per test (or module) and ansible-playbook
runs against it with inventories/local semantics. Results are read from the task_timings callback's
JSON (play recap per host), so the assertions do not parse human output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from local_backend.aws.requests import mutating  # noqa: E402


@dataclass
class Backend:
    state_dir: Path
    info: dict = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return self.info["endpoint_url"]

    def requests(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.endpoint}/_local/requests", timeout=10) as resp:
            return json.load(resp)

    def clear_requests(self) -> None:
        req = urllib.request.Request(f"{self.endpoint}/_local/requests", method="DELETE")
        urllib.request.urlopen(req, timeout=10).close()

    def mutating_requests(self) -> list[dict]:
        return mutating(self.requests())

    def arm_fault(self, service: str, operation: str, count: int = 1, code: str = "InjectedFault") -> None:
        """The next `count` calls of `operation` fail with `code` (local_backend/aws/faults.py)."""
        body = json.dumps({"service": service, "operation": operation, "count": count, "code": code}).encode()
        req = urllib.request.Request(
            f"{self.endpoint}/_local/faults", data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        urllib.request.urlopen(req, timeout=10).close()

    def client(self, service: str):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.info["region"],
            aws_access_key_id=self.info["aws_access_key_id"],
            aws_secret_access_key=self.info["aws_secret_access_key"],
        )


@dataclass
class Run:
    rc: int
    output: str
    recap: dict

    @property
    def changed(self) -> int:
        return sum(h["changed"] for h in self.recap.values())

    @property
    def failures(self) -> int:
        return sum(h["failures"] + h["unreachable"] for h in self.recap.values())

    def text(self) -> str:
        """Output with whitespace collapsed, for substring checks on wrapped messages."""
        return re.sub(r"\s+", " ", self.output)


def _start_backend(state_dir: Path, postgres: bool = True) -> Backend:
    subprocess.run(
        [sys.executable, "-m", "local_backend", "up", "--state-dir", str(state_dir)]
        + (["--postgres"] if postgres else ["--no-postgres"]),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads((state_dir / "backend.json").read_text())
    return Backend(state_dir=state_dir, info=info)


def _stop_backend(backend: Backend) -> None:
    subprocess.run(
        [sys.executable, "-m", "local_backend", "down", "--state-dir", str(backend.state_dir)],
        cwd=ROOT,
        check=False,
        capture_output=True,
    )


@pytest.fixture
def backend(tmp_path):
    """A fresh, empty backend for one test."""
    b = _start_backend(tmp_path / "backend")
    yield b
    _stop_backend(b)


@pytest.fixture(scope="module")
def module_backend(tmp_path_factory):
    """One backend shared by the tests of a module (they must not depend on each other's order)."""
    b = _start_backend(tmp_path_factory.mktemp("backend"))
    yield b
    _stop_backend(b)


def run_playbook(
    backend: Backend,
    *args: str,
    playbook: str = "site.yml",
    inventories: tuple[str, ...] = ("inventories/local",),
    env: dict | None = None,
    timeout: int = 3600,  # a safety net against a hung run, never a speed check (CI shares the machine)
    tmp: Path | None = None,
) -> Run:
    timings = (tmp or backend.state_dir) / f"timings-{os.getpid()}-{len(args)}-{abs(hash(args))}.json"
    full_env = {
        **os.environ,
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "LOCAL_BACKEND_DIR": str(backend.state_dir),
        "CLOUDOPS_TIMINGS_FILE": str(timings),
        **(env or {}),
    }
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        full_env.pop(var, None)
    cmd = [str(VENV_BIN / "ansible-playbook"), playbook]
    for inv in inventories:
        cmd += ["-i", inv]
    cmd += list(args)
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout)
    if os.environ.get("CLOUDOPS_TEST_RUNLOG"):  # where the suite's time goes: one line per playbook run
        with open(os.environ["CLOUDOPS_TEST_RUNLOG"], "a", encoding="utf-8") as log:
            log.write(f"{time.monotonic() - started:.1f}\t{os.environ.get('PYTEST_CURRENT_TEST', '?')}\t"
                      f"{playbook} {' '.join(args)}\n")
    recap = {}
    if timings.exists():
        recap = json.loads(timings.read_text())["recap"]
        timings.unlink()
    return Run(rc=proc.returncode, output=proc.stdout + proc.stderr, recap=recap)


def assert_ok(run: Run, changed: int | None = None) -> None:
    tail = run.output[-6000:]
    assert run.rc == 0 and run.failures == 0, f"playbook failed (rc={run.rc}):\n{tail}"
    if changed is not None:
        assert run.changed == changed, f"expected changed={changed}, got {run.changed}:\n{tail}"
