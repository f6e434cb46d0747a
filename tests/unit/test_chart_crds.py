"""The stand-in charts' CRDs are what the pinned packages yield (tests/charts/sources.yml, build.py)."""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

CHARTS = Path(__file__).resolve().parents[1] / "charts"
spec = importlib.util.spec_from_file_location("chart_build", CHARTS / "build.py")
build = importlib.util.module_from_spec(spec)
sys.modules["chart_build"] = build
spec.loader.exec_module(build)


@pytest.fixture(scope="module")
def derived() -> dict[Path, str]:
    return build.derive()


def crd(kind: str, group: str) -> dict:
    for path in (CHARTS).glob(f"*/files/crds/{group}.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["spec"]["names"]["kind"] == kind:
                return doc
    raise AssertionError(f"no CRD for {kind}.{group}")


def schema(kind: str, group: str, version: str) -> dict:
    for entry in crd(kind, group)["spec"]["versions"]:
        if entry["name"] == version:
            return entry["schema"]["openAPIV3Schema"]
    raise AssertionError(f"{kind}.{group} does not serve {version}")


def at(node: dict, dotted: str) -> dict:
    for part in dotted.split("."):
        node = node["items"] if part == "[]" else node["properties"][part]
    return node


def test_committed_crds_equal_what_the_pinned_packages_yield(derived):
    committed = {path.relative_to(CHARTS): path.read_text() for path in CHARTS.glob("*/files/crds/*.yaml")}
    assert sorted(committed) == sorted(derived)
    stale = [str(path) for path, text in derived.items() if committed[path] != text]
    assert not stale, f"run `python tests/charts/build.py`: {stale}"


def test_a_changed_pin_changes_the_output(derived):
    sources = build.load_sources()
    changed = copy.deepcopy(sources)
    del changed["crd_groups"]["external-secrets.io"]["keep_only"]
    other = build.derive(changed)
    key = Path("external-secrets/files/crds/external-secrets.io.yaml")
    assert other[key] != derived[key]
    assert other[key].count("akeylessGWApiURL") > derived[key].count("akeylessGWApiURL") == 0


def test_recorded_upstream_versions_match_the_pins():
    sources = build.load_sources()
    for name, pin in sources["packages"].items():
        files = build.read_package(build.package_tarball(name, pin))
        assert build.recorded_upstream(files) == pin["upstream_version"], name


def test_stand_in_charts_carry_the_pinned_names_and_versions():
    sources = build.load_sources()["charts"]
    found = {}
    for chart_yaml in CHARTS.glob("*/Chart.yaml"):
        meta = yaml.safe_load(chart_yaml.read_text())
        assert meta["name"] == chart_yaml.parent.name
        found[meta["name"]] = (str(meta["version"]), str(meta["appVersion"]))
    assert found == {name: (str(c["version"]), str(c["app_version"])) for name, c in sources.items()}
    # the versions of the weAlist inventory (§1.2/§1.3) for the platform layer
    assert found["base"][0] == found["istiod"][0] == found["gateway"][0] == "1.28.2"
    assert found["external-secrets"][0] == "1.2.0"
    assert found["argo-cd"][0] == "5.55.0"
    assert found["aws-load-balancer-controller"][0] == "1.17.0"
    assert found["cluster-autoscaler"][0] == "9.53.0"
    assert found["metrics-server"][0] == "3.13.0"
    assert found["aws-node-termination-handler"][0] == "0.21.0"


@pytest.mark.parametrize(("kind", "group", "scope", "versions", "storage"), [
    ("Gateway", "networking.istio.io", "Namespaced", {"v1", "v1beta1", "v1alpha3"}, "v1alpha3"),
    ("VirtualService", "networking.istio.io", "Namespaced", {"v1", "v1beta1", "v1alpha3"}, "v1alpha3"),
    ("PeerAuthentication", "security.istio.io", "Namespaced", {"v1", "v1beta1"}, "v1beta1"),
    ("Telemetry", "telemetry.istio.io", "Namespaced", {"v1", "v1alpha1"}, "v1alpha1"),
    ("ClusterSecretStore", "external-secrets.io", "Cluster", {"v1", "v1beta1"}, "v1"),
    ("ExternalSecret", "external-secrets.io", "Namespaced", {"v1", "v1beta1"}, "v1"),
    ("Application", "argoproj.io", "Namespaced", {"v1alpha1"}, "v1alpha1"),
    ("AppProject", "argoproj.io", "Namespaced", {"v1alpha1"}, "v1alpha1"),
])
def test_crd_identity(kind, group, scope, versions, storage):
    doc = crd(kind, group)
    assert doc["spec"]["scope"] == scope
    assert {v["name"] for v in doc["spec"]["versions"]} == versions
    assert [v["name"] for v in doc["spec"]["versions"] if v["storage"]] == [storage]
    assert doc["metadata"]["name"] == f"{doc['spec']['names']['plural']}.{group}"


def test_base_chart_has_the_fourteen_istio_crds():
    names = {doc["metadata"]["name"] for path in CHARTS.glob("base/files/crds/*.yaml")
             for doc in yaml.safe_load_all(path.read_text()) if doc}
    assert names == {
        "wasmplugins.extensions.istio.io", "destinationrules.networking.istio.io", "envoyfilters.networking.istio.io",
        "gateways.networking.istio.io", "proxyconfigs.networking.istio.io", "serviceentries.networking.istio.io",
        "sidecars.networking.istio.io", "virtualservices.networking.istio.io", "workloadentries.networking.istio.io",
        "workloadgroups.networking.istio.io", "authorizationpolicies.security.istio.io",
        "peerauthentications.security.istio.io", "requestauthentications.security.istio.io",
        "telemetries.telemetry.istio.io",
    }


def test_fields_the_roles_set_have_upstream_schemas():
    css = schema("ClusterSecretStore", "external-secrets.io", "v1")
    aws = at(css, "spec.provider.aws")
    assert set(at(aws, "service")["enum"]) == {"SecretsManager", "ParameterStore"}
    assert {"region", "service"} <= set(aws["required"])
    assert at(css, "spec.provider.vault").get("x-kubernetes-preserve-unknown-fields")  # pruned provider
    es = schema("ExternalSecret", "external-secrets.io", "v1")
    assert {"Owner", "Orphan", "Merge", "None"} <= set(at(es, "spec.target.creationPolicy")["enum"])
    assert at(es, "spec.refreshInterval")["type"] == "string"
    assert at(es, "spec.data.[].remoteRef.property")["type"] == "string"
    assert "key" in at(es, "spec.data.[].remoteRef")["required"]
    assert at(es, "spec.target.template.metadata.labels")["additionalProperties"] == {"type": "string"}
    app = schema("Application", "argoproj.io", "v1alpha1")
    assert at(app, "spec.source.repoURL")["type"] == "string"
    assert at(app, "spec.syncPolicy.automated.selfHeal")["type"] == "boolean"
    assert "destination" in at(app, "spec")["required"]
    project = schema("AppProject", "argoproj.io", "v1alpha1")
    assert at(project, "spec.clusterResourceWhitelist.[]")["required"] == ["group", "kind"]
    gateway = schema("Gateway", "networking.istio.io", "v1")
    assert set(at(gateway, "spec.servers.[].port")["required"]) >= {"number", "protocol"}
    peer = schema("PeerAuthentication", "security.istio.io", "v1")
    assert set(at(peer, "spec.mtls.mode")["enum"]) == {"UNSET", "DISABLE", "PERMISSIVE", "STRICT"}


def test_parser_turns_typescript_models_into_structural_schemas():
    text = '''
    import { IRef } from "./Ref.js";
    export interface IThing {
        /** The mode. */
        "mode": "A" | "B";
        "count"?: number;
        "labels"?: { [key: string]: string; };
        "refs"?: Array<IRef>;
        "choice"?: { "common": string; } & ({ "a": string; } | { "b": boolean; });
    }
    '''
    files = {"x/Thing.d.ts": text, "x/Ref.d.ts": 'export interface IRef { "name": string; }\n'}
    pkg = build.Package(files)
    dts = pkg.file("x/Thing.d.ts")
    out = build.strip_markers(pkg.schema(dts, dts.decls["IThing"]))
    assert out["required"] == ["mode"]
    assert out["properties"]["mode"] == {"description": "The mode.", "type": "string", "enum": ["A", "B"]}
    assert out["properties"]["count"] == {"type": "number"}
    assert out["properties"]["labels"] == {"type": "object", "additionalProperties": {"type": "string"}}
    assert out["properties"]["refs"]["items"] == {"type": "object", "properties": {"name": {"type": "string"}},
                                                  "required": ["name"]}
    choice = out["properties"]["choice"]
    assert set(choice["properties"]) == {"a", "b", "common"}
    assert choice["required"] == ["common"]  # oneOf branches are optional
