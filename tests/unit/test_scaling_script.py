"""The workload scaling script the CronJobs of k8s_scheduled_scaling run
(roles/k8s_scheduled_scaling/files/scale-workloads.sh), run with bash and the pinned .venv/bin/kubectl
against the local Kubernetes stand-in: down records and zeroes, a second down keeps the record, up
restores exactly the recorded counts; workloads outside the listed namespaces are never touched."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from local_backend.kubernetes.server import Running

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
SCRIPT = ROOT / "roles" / "k8s_scheduled_scaling" / "files" / "scale-workloads.sh"
ANNOTATION = "scaling.cloudops.io/recorded-replicas"
TOOLS = ("kubectl",)


@pytest.fixture(autouse=True)
def _tools_installed():
    """make setup installs these; a machine without them fails here instead of skipping."""
    missing = [t for t in TOOLS if not (BIN / t).exists()]
    assert not missing, f"{', '.join(missing)} missing from .venv/bin: run make setup"


def _workload(kind: str, name: str, namespace: str, replicas: int) -> dict:
    labels = {"app": name}
    obj = {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "registry.example.test/app:1"}]},
            },
        },
    }
    if kind == "StatefulSet":
        obj["spec"]["serviceName"] = name
    return obj


@pytest.fixture(scope="module")
def k8s(tmp_path_factory):
    running = Running(tmp_path_factory.mktemp("scaling-script"))
    env = {
        **os.environ,
        "KUBECONFIG": str(running.kubeconfig),
        "HOME": str(running.state_dir),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in ("apps", "data", "other")]
    workloads = [
        _workload("Deployment", "api", "apps", 3),
        _workload("Deployment", "worker", "apps", 1),
        _workload("Deployment", "off", "apps", 0),
        _workload("StatefulSet", "db", "data", 2),
        _workload("Deployment", "elsewhere", "other", 2),
    ]
    for part, items in (("namespaces", namespaces), ("workloads", workloads)):
        manifest = running.state_dir / f"{part}.yaml"
        manifest.write_text("\n---\n".join(json.dumps(item) for item in items))
        proc = subprocess.run(["kubectl", "apply", "-f", str(manifest)], env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    yield running, env
    running.stop()


def scale(k8s, action: str, namespaces: str = "apps data") -> subprocess.CompletedProcess:
    _, env = k8s
    proc = subprocess.run(
        ["bash", str(SCRIPT), action],
        env={**env, "NAMESPACES": namespaces},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def state(k8s) -> dict[str, tuple[int, str | None]]:
    _, env = k8s
    out = {}
    for kind in ("deployment", "statefulset"):
        proc = subprocess.run(
            ["kubectl", "get", kind, "-A", "-o", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        for item in json.loads(proc.stdout)["items"]:
            meta = item["metadata"]
            out[f"{meta['namespace']}/{meta['name']}"] = (
                item["spec"]["replicas"],
                (meta.get("annotations") or {}).get(ANNOTATION),
            )
    return out


def test_down_records_and_zeroes_second_down_keeps_record_up_restores_exactly(k8s):
    before = state(k8s)
    assert before == {
        "apps/api": (3, None),
        "apps/worker": (1, None),
        "apps/off": (0, None),
        "data/db": (2, None),
        "other/elsewhere": (2, None),
    }

    scale(k8s, "down")
    after_down = state(k8s)
    assert after_down == {
        "apps/api": (0, "3"),
        "apps/worker": (0, "1"),
        "apps/off": (0, None),  # was 0 on purpose: no record, so up leaves it off
        "data/db": (0, "2"),
        "other/elsewhere": (2, None),  # not a listed namespace
    }

    second = scale(k8s, "down")
    assert state(k8s) == after_down, "a second scale-down overwrote the record"
    assert "already 0, record 3 kept" in second.stdout

    scale(k8s, "up")
    assert state(k8s) == before

    # up again with no record: nothing changes
    scale(k8s, "up")
    assert state(k8s) == before


def test_usage_errors_fail():
    proc = subprocess.run(["bash", str(SCRIPT), "sideways"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "usage" in proc.stderr
    proc = subprocess.run(
        ["bash", str(SCRIPT), "down"], env={"PATH": os.environ.get("PATH", "")}, capture_output=True, text=True
    )
    assert proc.returncode == 2 and "NAMESPACES" in proc.stderr
