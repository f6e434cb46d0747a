"""kubectl, helm 3/4, kubernetes.core and `local_backend up/down` against the local Kubernetes stand-in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from local_backend.kubernetes import charts
from local_backend.kubernetes.server import Running
from tests.unit.test_local_charts import RELEASE_NAMES, RELEASES, SOURCES

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
# (name, version) of every stand-in chart, read from the charts themselves
CHARTS_IN_TREE = {
    (meta["name"], str(meta["version"]))
    for meta in (yaml.safe_load(p.read_text()) for p in (ROOT / "tests" / "charts").glob("*/Chart.yaml"))
}
TOOLS = ("kubectl", "helm", "helm3")


@pytest.fixture(autouse=True)
def _tools_installed():
    """make setup installs these; a machine without them fails here instead of skipping."""
    missing = [t for t in TOOLS if not (BIN / t).exists()]
    assert not missing, f"{', '.join(missing)} missing from .venv/bin: run make setup"


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


@pytest.fixture(scope="module")
def chart_repo(tmp_path_factory):
    """The local chart repository of tests/charts (what `up` serves), on its own port."""
    server = charts.serve(charts.build_repository(tmp_path_factory.mktemp("charts")))
    yield charts.url(server)
    server.shutdown()


def available(k8s, namespace, name):
    got = json.loads(run(k8s, "kubectl", "get", "deploy", name, "-n", namespace, "-o", "json").stdout)
    return {c["type"]: c["status"] for c in got["status"].get("conditions", [])}.get("Available") == "True"


@pytest.mark.parametrize("helm", ["helm", "helm3"])
def test_helm_wait_installs_istio_and_external_secrets_and_times_out_on_a_stuck_deployment(k8s, chart_repo, helm):
    """--wait of helm 4 (kstatus watches) and helm 3 (ready.go polling) with the values a platform role sets."""
    installed = []
    try:
        for chart in ("base", "istiod", "external-secrets"):
            namespace, values, _ = RELEASES[chart]
            name = RELEASE_NAMES.get(chart, chart)
            cmd = [helm, "upgrade", "--install", name, chart, "--repo", chart_repo, "-n", namespace]
            cmd += ["--version", str(SOURCES[chart]["version"]), "--create-namespace", "--wait", "--timeout", "60s"]
            for value in values:
                cmd += ["--set", value]
            run(k8s, *cmd)
            installed.append((name, namespace))
        # what --wait waited for is there
        crd = run(k8s, "kubectl", "get", "crd", "gateways.networking.istio.io", "-o", "json").stdout
        assert {c["type"]: c["status"] for c in json.loads(crd)["status"]["conditions"]}["Established"] == "True"
        assert available(k8s, "istio-system", "istiod")
        for name in ("external-secrets", "external-secrets-webhook", "external-secrets-cert-controller"):
            assert available(k8s, "external-secrets", name)
        # a new istiod image whose Deployment never becomes ready (fault switch): --wait must time out
        k8s.call(k8s.cluster.faults.__setitem__, "unready", ["istio-system/istiod"])
        namespace, values, _ = RELEASES["istiod"]
        cmd = [helm, "upgrade", "istiod", "istiod", "--repo", chart_repo, "-n", namespace, "--version"]
        cmd += [str(SOURCES["istiod"]["version"]), "--set", "global.tag=1.28.3", "--wait", "--timeout", "3s"]
        for value in values:
            cmd += ["--set", value]
        stuck = run(k8s, *cmd, check=False)
        assert stuck.returncode != 0, stuck.stdout
        assert any(word in stuck.stderr for word in ("timed out", "context deadline exceeded")), stuck.stderr
        assert not available(k8s, "istio-system", "istiod")
    finally:
        k8s.call(k8s.cluster.faults.__setitem__, "unready", [])
        for name, namespace in reversed(installed):  # the next helm major installs the same CRDs
            run(k8s, helm, "uninstall", name, "-n", namespace, check=False)


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


HELM_PLAYBOOK = """
- name: kubernetes.core helm, helm_info and a waited-for CRD
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Install metrics-server from the chart repository, waited for
      kubernetes.core.helm:
        release_name: metrics-server
        chart_ref: metrics-server
        chart_repo_url: "{{ chart_repo }}"
        chart_version: "{{ chart_version }}"
        release_namespace: kube-system
        release_values: {args: [--kubelet-insecure-tls]}
        wait: true
        timeout: 60s
    - name: Read the release
      kubernetes.core.helm_info:
        release_name: metrics-server
        release_namespace: kube-system
      register: release
    - name: A CRD, waited for until Established
      kubernetes.core.k8s:
        wait: true
        wait_condition: {type: Established, status: "True"}
        wait_timeout: 30
        definition:
          apiVersion: apiextensions.k8s.io/v1
          kind: CustomResourceDefinition
          metadata: {name: widgets.example.com}
          spec:
            group: example.com
            scope: Namespaced
            names: {plural: widgets, singular: widget, kind: Widget}
            versions:
              - name: v1
                served: true
                storage: true
                schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
      register: crd
    - name: Check
      ansible.builtin.assert:
        that:
          - release.status.status == 'deployed'
          - release.status.chart == 'metrics-server-' ~ chart_version
          - crd.result.status.conditions | selectattr('type', 'eq', 'Established') | map(attribute='status') | list
            == ['True']
"""


def test_kubernetes_core_helm_wait_helm_info_and_crd_wait(k8s, chart_repo, tmp_path):
    book = tmp_path / "helm.yml"
    book.write_text(HELM_PLAYBOOK)
    cmd = (str(BIN / "ansible-playbook"), "-i", "localhost,", "-e", f"ansible_python_interpreter={sys.executable}")
    cmd += ("-e", f"chart_repo={chart_repo}", "-e", f"chart_version={SOURCES['metrics-server']['version']}")
    first = run(k8s, *cmd, str(book))
    assert "changed=2" in first.stdout and "failed=0" in first.stdout, first.stdout
    assert available(k8s, "kube-system", "metrics-server")
    second = run(k8s, *cmd, str(book))
    assert "changed=0" in second.stdout and "failed=0" in second.stdout, second.stdout


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
        # the chart repository the platform roles read as platform_local_backend.chart_repository_url
        repo_url = info["chart_repository_url"]
        assert f"chart repository serving at {repo_url}" in status.stdout
        with urllib.request.urlopen(f"{repo_url}/index.yaml", timeout=10) as response:  # noqa: S310 - local URL
            index = yaml.safe_load(response.read())
        listed = {(name, entry["version"]) for name, entries in index["entries"].items() for entry in entries}
        assert listed == CHARTS_IN_TREE
        first = index["entries"]["external-secrets"][0]["urls"][0]
        with urllib.request.urlopen(f"{repo_url}/{first}", timeout=10) as response:  # noqa: S310 - local URL
            assert response.read(2) == b"\x1f\x8b"  # a gzip archive
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
    with pytest.raises(urllib.error.URLError):  # stopped with the stand-in's process
        urllib.request.urlopen(f"{repo_url}/index.yaml", timeout=5)  # noqa: S310 - local URL
