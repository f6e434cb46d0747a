"""Teardown of the platform layer (teardown.yml, tag platform) on its own fresh backend: one converge of
``--tags platform``, one teardown, nothing of the layer left (read back with kubectl/helm), a second
teardown changes nothing.

No Argo CD controller runs on the stand-in, so nothing prunes the root Application and drops its resources
finalizer: the teardown is told so explicitly (platform_teardown_finalizer_timeout=0,
platform_teardown_stuck_finalizers=remove). The default (wait, then fail naming the Application) is what a
real cluster whose Argo CD is down gets.
"""

from __future__ import annotations

import json

import pytest

from .conftest import VENV_BIN, _start_backend, _stop_backend, assert_ok, run_playbook
from .test_platform import NS, Platform, _chart_repository

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (VENV_BIN / "helm").exists(), reason="make setup installs helm/kubectl into .venv/bin"),
]
TEARDOWN = (
    "-e",
    "platform_teardown_confirm=wealist-local",
    "-e",
    "platform_teardown_finalizer_timeout=0",
    "-e",
    "platform_teardown_stuck_finalizers=remove",
    "--tags",
    "platform",
)
LAYER_NAMESPACES = [NS, "istio-system", "external-secrets", "argocd"]


class TeardownPlatform(Platform):
    def play(self, *args: str, playbook: str = "site.yml", timeout: int = 900):
        env = {"PATH": self.env()["PATH"], "HOME": str(self.tmp)}
        return run_playbook(self.backend, *args, playbook=playbook, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def torn_down(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("platform-teardown")
    backend = _start_backend(tmp / "backend", postgres=False)
    try:
        _chart_repository(backend)
        p = TeardownPlatform(backend, tmp)
        assert_ok(p.play("--tags", "kms,secrets"))
        ec2 = backend.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "wealist-local-vpc"}])
        assert_ok(p.play("--tags", "platform"))
        # what the teardown must remove: the gateway's LoadBalancer Service, the root Application
        assert p.kubectl_json("get", "service", "istio-ingressgateway", "-n", "istio-system")["spec"]["type"] == (
            "LoadBalancer"
        )
        p.kubectl_json("get", "application", "wealist-apps-local", "-n", "argocd")
        p.first = p.play(*TEARDOWN, playbook="teardown.yml")
        yield p
    finally:
        _stop_backend(backend)


def test_teardown_leaves_nothing_of_the_layer(torn_down):
    assert_ok(torn_down.first)
    assert json.loads(torn_down.helm("list", "-A", "-o", "json")) == []
    names = {n["metadata"]["name"] for n in torn_down.kubectl_json("get", "namespaces")["items"]}
    assert names.isdisjoint(LAYER_NAMESPACES), names & set(LAYER_NAMESPACES)
    services = torn_down.kubectl_json("get", "services", "-A")["items"]
    assert [s["metadata"]["name"] for s in services if s["spec"].get("type") == "LoadBalancer"] == []
    crds = {c["metadata"]["name"] for c in torn_down.kubectl_json("get", "crd")["items"]}
    leftover = sorted(
        c
        for c in crds
        if c.endswith((".istio.io", ".gateway.networking.k8s.io", ".argoproj.io", ".external-secrets.io"))
    )
    assert leftover == []
    jobs = torn_down.kubectl_json(
        "get",
        "cronjob,configmap,serviceaccount",
        "-n",
        "kube-system",
        "-l",
        "app.kubernetes.io/component=workload-scaling",
    )["items"]
    assert jobs == []


def test_second_teardown_changes_nothing(torn_down):
    assert_ok(torn_down.play(*TEARDOWN, playbook="teardown.yml"), changed=0)


def test_unreachable_cluster_fails_naming_the_kubeconfig(torn_down, tmp_path):
    bad = tmp_path / "kubeconfig"
    bad.write_text(
        "apiVersion: v1\nkind: Config\nclusters: [{name: x, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: x, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]\n"
        "current-context: x\n"
    )
    run = torn_down.play(*TEARDOWN, "-e", f"platform_kubeconfig={bad}", playbook="teardown.yml")
    assert run.rc != 0 and "platform_kubeconfig" in run.text()
    skipped = torn_down.play(
        *TEARDOWN,
        "-e",
        f"platform_kubeconfig={bad}",
        "-e",
        "platform_teardown_skip_kubernetes=true",
        playbook="teardown.yml",
    )
    assert_ok(skipped, changed=0)
