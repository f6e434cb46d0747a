"""Teardown of the platform layer (teardown.yml, tag platform) on its own fresh backend: one converge of
``--tags platform``, then the stuck-finalizer path, then the real teardown; nothing of the layer left (read
back with kubectl/helm), a second teardown changes nothing.

The stand-in runs a simulated Argo CD application controller (local_backend/kubernetes/argocd.py): while
it is ready, deleting the root Application prunes what it tracks and drops the resources finalizer, which
is what the default teardown waits for (test_site's teardown takes that path). Here the controller is held
unready (the stand-in's fault switch: a cluster whose Argo CD is down): the default teardown fails naming
the Application and removes nothing else; with platform_teardown_stuck_finalizers=remove it strips the
finalizer and removes the layer.
"""

from __future__ import annotations

import json

import pytest

from .conftest import _start_backend, _stop_backend, assert_ok, run_playbook
from .test_platform import NS, Platform, _chart_repository

pytestmark = [
    pytest.mark.slow,
]
CONFIRM = ("-e", "platform_teardown_confirm=wealist-local")
TEARDOWN = (*CONFIRM, "--tags", "platform")
REMOVE_STUCK = ("-e", "platform_teardown_finalizer_timeout=0", "-e", "platform_teardown_stuck_finalizers=remove")
ARGOCD_CONTROLLER = "argocd/argocd-application-controller"
LAYER_NAMESPACES = [NS, "istio-system", "external-secrets", "argocd"]


class TeardownPlatform(Platform):
    def play(self, *args: str, playbook: str = "site.yml", timeout: int = 3600):
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
        # Argo CD down: the default teardown waits (bounded), then fails naming the Application
        p.local_api("PUT", "/_local/faults", {"unready": [ARGOCD_CONTROLLER]})
        p.stuck = p.play(*TEARDOWN, "-e", "platform_teardown_finalizer_timeout=3", playbook="teardown.yml")
        p.stuck_app = p.kubectl_json("get", "application", "wealist-apps-local", "-n", "argocd")
        p.stuck_releases = json.loads(p.helm("list", "-A", "-o", "json"))
        # told so, the teardown strips the finalizer and removes the rest (Argo CD still down)
        p.first = p.play(*TEARDOWN, *REMOVE_STUCK, playbook="teardown.yml")
        p.local_api("PUT", "/_local/faults", {"unready": []})
        yield p
    finally:
        _stop_backend(backend)


def test_teardown_with_argo_cd_down_fails_naming_the_application_and_removes_nothing_else(torn_down):
    assert torn_down.stuck.rc != 0
    text = torn_down.stuck.text()
    assert "wealist-apps-local" in text and "platform_teardown_stuck_finalizers" in text, text[-3000:]
    # the delete was asked for and is held by the finalizer; the releases are all still installed
    assert torn_down.stuck_app["metadata"].get("deletionTimestamp")
    assert {r["name"] for r in torn_down.stuck_releases} >= {"argocd", "istiod", "external-secrets"}


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
