"""The local chart repository: index, helm 3/4 repo add + search + template, and install into the local API."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

from local_backend.kubernetes import charts

ROOT = Path(__file__).resolve().parents[2]
SOURCES = yaml.safe_load((ROOT / "tests" / "charts" / "sources.yml").read_text())["charts"]
BIN = ROOT / ".venv" / "bin"
TOOLS = ("helm", "helm3")
HELMS = [BIN / t for t in TOOLS]


@pytest.fixture(autouse=True)
def _tools_installed():
    """make setup installs these; a machine without them fails here instead of skipping."""
    missing = [t for t in TOOLS if not (BIN / t).exists()]
    assert not missing, f"{', '.join(missing)} missing from .venv/bin: run make setup"

# The values the platform layer sets (wealist-inventory §1.2/§1.3) and what its roles wait for.
RELEASES = {
    "base": ("istio-system", [], {"CustomResourceDefinition": ["gateways.networking.istio.io"]}),
    "istiod": ("istio-system", ["pilot.resources.requests.cpu=250m", "pilot.resources.limits.memory=1Gi"],
               {"Deployment": ["istiod"], "Service": ["istiod"],
                "MutatingWebhookConfiguration": ["istio-sidecar-injector"]}),
    "gateway": ("istio-system", ["name=istio-ingressgateway", "autoscaling.minReplicas=2",
                                 "service.annotations.service\\.beta\\.kubernetes\\.io/aws-load-balancer-type=external"],
                {"Deployment": ["istio-ingressgateway"], "Service": ["istio-ingressgateway"],
                 "HorizontalPodAutoscaler": ["istio-ingressgateway"]}),
    "external-secrets": ("external-secrets", ["installCRDs=true", "crds.conversion.enabled=false",
                                              "serviceAccount.name=external-secrets"],
                         {"Deployment": ["external-secrets", "external-secrets-webhook",
                                         "external-secrets-cert-controller"],
                          "Service": ["external-secrets-webhook"], "ServiceAccount": ["external-secrets"],
                          "ValidatingWebhookConfiguration": ["secretstore-validate", "externalsecret-validate"],
                          "CustomResourceDefinition": ["clustersecretstores.external-secrets.io"]}),
    "argo-cd": ("argocd", ["server.insecure=true", "configs.params.server\\.insecure=true", "dex.enabled=true",
                           "configs.secret.createSecret=false"],
                {"Deployment": ["argocd-server", "argocd-repo-server", "argocd-dex-server"],
                 "StatefulSet": ["argocd-application-controller"], "Service": ["argocd-server"],
                 "CustomResourceDefinition": ["applications.argoproj.io", "appprojects.argoproj.io"]}),
    "aws-load-balancer-controller": ("kube-system", ["clusterName=wealist-prod-eks", "region=ap-northeast-2",
                                                     "vpcId=vpc-0123", "enableWaf=false",
                                                     "serviceAccount.name=aws-load-balancer-controller"],
                                     {"Deployment": ["aws-load-balancer-controller"],
                                      "MutatingWebhookConfiguration": ["aws-load-balancer-webhook"],
                                      "IngressClass": ["alb"]}),
    "cluster-autoscaler": ("kube-system", ["autoDiscovery.clusterName=wealist-prod-eks", "awsRegion=ap-northeast-2",
                                           "rbac.serviceAccount.name=cluster-autoscaler"],
                           {"Deployment": ["cluster-autoscaler-aws-cluster-autoscaler"],
                            "ServiceAccount": ["cluster-autoscaler"]}),
    "metrics-server": ("kube-system", ["args={--kubelet-insecure-tls}"],
                       {"Deployment": ["metrics-server"], "APIService": ["v1beta1.metrics.k8s.io"]}),
    "aws-node-termination-handler": ("kube-system", ["enableSpotInterruptionDraining=true", "deleteLocalData=true"],
                                     {"DaemonSet": ["aws-node-termination-handler"]}),
}


RELEASE_NAMES = {"base": "istio-base", "gateway": "istio-ingressgateway", "argo-cd": "argocd"}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    path = charts.build_repository(tmp_path_factory.mktemp("state"))
    server = charts.serve(path)
    yield path, charts.url(server)
    server.shutdown()


def helm_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELM_", "KUBECONFIG"))}
    env.update(HELM_CONFIG_HOME=str(home / "config"), HELM_CACHE_HOME=str(home / "cache"),
               HELM_DATA_HOME=str(home / "data"))
    return env


def run(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{cmd}: {done.stderr}"
    return done.stdout


def test_index_lists_every_pinned_chart_with_its_digest(repo):
    path, url = repo
    with urllib.request.urlopen(f"{url}/index.yaml", timeout=10) as response:  # noqa: S310 - local URL
        index = yaml.safe_load(response.read())
    got = {name: [e["version"] for e in entries] for name, entries in index["entries"].items()}
    assert got == {name: [str(c["version"])] for name, c in SOURCES.items()}
    for entries in index["entries"].values():
        tgz = path / entries[0]["urls"][0]
        assert hashlib.sha256(tgz.read_bytes()).hexdigest() == entries[0]["digest"]


def test_repository_is_reproducible(repo, tmp_path):
    path, _ = repo
    again = charts.build_repository(tmp_path)
    assert (again / "index.yaml").read_text() == (path / "index.yaml").read_text()


@pytest.mark.parametrize("helm", HELMS, ids=lambda p: p.name)
def test_helm_repo_add_search_and_template(repo, helm, tmp_path):
    _, url = repo
    env = helm_env(tmp_path)
    run([str(helm), "repo", "add", "local", url], env)
    found = yaml.safe_load(run([str(helm), "search", "repo", "local/", "-o", "yaml"], env))
    assert {(e["name"], e["version"]) for e in found} == {(f"local/{n}", str(c["version"])) for n, c in SOURCES.items()}
    # every chart with the first helm; the other major renders the Istio base chart only (time)
    releases = RELEASES if helm == HELMS[0] else {"base": RELEASES["base"]}
    for chart, (namespace, values, expected) in releases.items():
        cmd = [str(helm), "template", RELEASE_NAMES.get(chart, chart), f"local/{chart}",
               "--version", str(SOURCES[chart]["version"]), "-n", namespace]
        for value in values:
            cmd += ["--set", value]
        rendered = [d for d in yaml.load_all(run(cmd, env), Loader=yaml.CSafeLoader) if d]  # libyaml: CRDs are big
        names = {}
        for doc in rendered:
            names.setdefault(doc["kind"], set()).add(doc["metadata"]["name"])
        for kind, wanted in expected.items():
            assert set(wanted) <= names.get(kind, set()), (chart, kind, names.get(kind))


def test_lb_controller_refuses_an_empty_cluster_name(repo, tmp_path):
    _, url = repo
    env = helm_env(tmp_path)
    run([str(HELMS[0]), "repo", "add", "local", url], env)
    done = subprocess.run([str(HELMS[0]), "template", "x", "local/aws-load-balancer-controller"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "clusterName" in done.stderr


@pytest.fixture
def kube_api(tmp_path):
    """A private local Kubernetes API (local_backend.kubernetes), stopped afterwards."""
    state = tmp_path / "k8s"
    proc = subprocess.Popen([sys.executable, "-m", "local_backend.kubernetes", "serve", "--state-dir", str(state)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline()  # "local kubernetes API at ... (kubeconfig ...)" once it listens
        assert "kubeconfig" in line, line
        yield state / "kubeconfig"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_helm_install_istio_base_and_external_secrets_into_the_local_api(repo, kube_api, tmp_path):
    _, url = repo
    helm = str(HELMS[0])
    env = helm_env(tmp_path) | {"KUBECONFIG": str(kube_api)}
    run([helm, "repo", "add", "local", url], env)
    for chart in ("base", "external-secrets"):
        namespace, values, _ = RELEASES[chart]
        cmd = [helm, "install", RELEASE_NAMES.get(chart, chart), f"local/{chart}",
               "--version", str(SOURCES[chart]["version"]), "-n", namespace, "--create-namespace"]
        for value in values:
            cmd += ["--set", value]
        run(cmd, env)
    kubectl = shutil.which("kubectl", path=str(ROOT / ".venv" / "bin")) or shutil.which("kubectl")
    assert kubectl
    resources = run([kubectl, "api-resources", "--api-group=external-secrets.io", "-o", "name"], env)
    assert "clustersecretstores.external-secrets.io" in resources.split()
    resources = run([kubectl, "api-resources", "--api-group=networking.istio.io", "-o", "name"], env)
    assert "virtualservices.networking.istio.io" in resources.split()
    store = ("apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata: {name: aws-secrets-manager}\n"
             "spec: {provider: {aws: {service: SecretsManager, region: ap-northeast-2}}}\n")
    done = subprocess.run([kubectl, "apply", "-f", "-"], input=store, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    listed = yaml.safe_load(run([kubectl, "get", "clustersecretstores", "-o", "yaml"], env))
    assert [item["metadata"]["name"] for item in listed["items"]] == ["aws-secrets-manager"]
