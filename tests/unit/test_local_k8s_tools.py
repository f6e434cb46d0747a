"""kubectl, helm 3/4, kubernetes.core and `local_backend up/down` against the local Kubernetes stand-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local_backend.kubernetes.server import Running

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
pytestmark = pytest.mark.skipif(
    not (BIN / "kubectl").exists() or not (BIN / "helm").exists(),
    reason="make setup installs kubectl/helm into .venv/bin",
)


@pytest.fixture(scope="module")
def k8s(tmp_path_factory):
    running = Running(tmp_path_factory.mktemp("k8s-tools"))
    yield running
    running.stop()


def run(k8s, *cmd, check=True):
    env = dict(
        os.environ,
        KUBECONFIG=str(k8s.kubeconfig),
        HOME=str(k8s.state_dir),
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, cwd=ROOT, check=False)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_kubectl_get_and_apply(k8s, tmp_path):
    assert "kube-system" in run(k8s, "kubectl", "get", "ns", "-o", "name").stdout
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kc, namespace: default}\ndata: {a: '1'}\n")
    assert "created" in run(k8s, "kubectl", "apply", "-f", str(manifest)).stdout
    assert "unchanged" in run(k8s, "kubectl", "apply", "-f", str(manifest)).stdout
    manifest.write_text(manifest.read_text().replace("a: '1'", "a: '2'"))
    assert "serverside-applied" in run(k8s, "kubectl", "apply", "--server-side", "-f", str(manifest)).stdout
    assert run(k8s, "kubectl", "get", "cm", "kc", "-o", "jsonpath={.data.a}").stdout == "2"
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\ndata: {a: '1'}\nsurprise: 1\n")
    proc = run(k8s, "kubectl", "apply", "-f", str(bad), check=False)
    assert proc.returncode != 0 and "surprise" in proc.stderr


@pytest.mark.parametrize("helm", ["helm", "helm3"])
def test_helm_install_wait_upgrade_list(k8s, tmp_path, helm):
    if not (BIN / helm).exists():
        pytest.skip(f"{helm} not installed")
    chart = tmp_path / "tiny"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: tiny\nversion: 0.1.0\n")
    (chart / "templates" / "all.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: '{{ .Release.Name }}'}\ndata: {k: '{{ .Values.k }}'}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: '{{ .Release.Name }}'}\nspec:\n"
        "  selector: {matchLabels: {app: t}}\n  template:\n    metadata: {labels: {app: t}}\n"
        "    spec: {containers: [{name: c, image: busybox}]}\n"
    )
    release = f"r-{helm}"
    run(k8s, helm, "install", release, str(chart), "-n", "default", "--set", "k=1", "--wait", "--timeout", "30s")
    run(k8s, helm, "upgrade", release, str(chart), "-n", "default", "--set", "k=2", "--wait", "--timeout", "30s")
    releases = json.loads(run(k8s, helm, "list", "-A", "-o", "json").stdout)
    mine = {r["name"]: r for r in releases}[release]
    assert (mine["status"], mine["revision"]) == ("deployed", "2")
    assert run(k8s, "kubectl", "get", "cm", release, "-o", "jsonpath={.data.k}").stdout == "2"
    run(k8s, helm, "uninstall", release, "-n", "default")
    assert run(k8s, "kubectl", "get", "deploy", release, check=False).returncode != 0


PLAYBOOK = """
- name: Kubernetes stand-in smoke
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Namespace
      kubernetes.core.k8s:
        definition: {apiVersion: v1, kind: Namespace, metadata: {name: play}}
    - name: Deployment, waited for
      kubernetes.core.k8s:
        wait: true
        wait_timeout: 30
        definition:
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: app, namespace: play}
          spec:
            replicas: 2
            selector: {matchLabels: {app: app}}
            template:
              metadata: {labels: {app: app}}
              spec: {containers: [{name: c, image: nginx}]}
    - name: Read it back
      kubernetes.core.k8s_info: {kind: Deployment, namespace: play, name: app}
      register: dep
    - name: Check
      ansible.builtin.assert:
        that: dep.resources[0].status.availableReplicas == 2
"""

GATE = """
- name: Readiness gate
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Stuck deployment
      kubernetes.core.k8s:
        wait: true
        wait_timeout: 2
        wait_sleep: 1
        definition:
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: stuck, namespace: play}
          spec:
            selector: {matchLabels: {app: s}}
            template:
              metadata: {labels: {app: s}}
              spec: {containers: [{name: c, image: nginx}]}
"""


def test_kubernetes_core_k8s_and_k8s_info(k8s, tmp_path):
    book = tmp_path / "play.yml"
    book.write_text(PLAYBOOK)
    cmd = (
        str(BIN / "ansible-playbook"),
        "-i",
        "localhost,",
        "-e",
        f"ansible_python_interpreter={sys.executable}",
        str(book),
    )
    first = run(k8s, *cmd)
    assert "changed=2" in first.stdout, first.stdout
    second = run(k8s, *cmd)
    assert "changed=0" in second.stdout and "failed=0" in second.stdout, second.stdout
    # fault switch: the readiness gate times out with a clear message
    k8s.call(k8s.cluster.faults.__setitem__, "unready", ["play/stuck"])
    gate = tmp_path / "gate.yml"
    gate.write_text(GATE)
    proc = run(
        k8s,
        str(BIN / "ansible-playbook"),
        "-i",
        "localhost,",
        "-e",
        f"ansible_python_interpreter={sys.executable}",
        str(gate),
        check=False,
    )
    assert proc.returncode != 0 and "Deployment" in proc.stdout and "timed out" in proc.stdout.lower(), proc.stdout


def test_cli_up_writes_kubeconfig_and_down_stops_it(tmp_path):
    state = tmp_path / "be"
    py = str(BIN / "python")
    up = subprocess.run(
        [py, "-m", "local_backend", "up", "--state-dir", str(state)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=90,
        check=False,
    )
    try:
        assert up.returncode == 0, up.stderr
        info = json.loads((state / "backend.json").read_text())
        kubeconfig = Path(info["kubeconfig"])
        assert (kubeconfig.stat().st_mode & 0o777) == 0o600
        assert f"export KUBECONFIG={kubeconfig}" in (state / "backend.env").read_text()
        status = subprocess.run(
            [py, "-m", "local_backend", "status", "--state-dir", str(state)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=30,
            check=False,
        )
        assert "kubernetes running at " + info["kubernetes_url"] in status.stdout
        env = dict(os.environ, KUBECONFIG=str(kubeconfig), HOME=str(tmp_path))
        got = subprocess.run(
            [str(BIN / "kubectl"), "get", "ns", "default", "-o", "name"],
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
            check=False,
        )
        assert got.stdout.strip() == "namespace/default", got.stderr
    finally:
        down = subprocess.run(
            [py, "-m", "local_backend", "down", "--state-dir", str(state)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
            check=False,
        )
    assert f"kubernetes pid {info['kubernetes_pid']}: stopped" in down.stdout
    with pytest.raises(ProcessLookupError):
        os.kill(int(info["kubernetes_pid"]), 0)
    assert not (state / "kubeconfig").exists()
