"""The stand-in charts' CRDs are what the pinned packages yield (tests/charts/sources.yml, build.py)."""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
import sys
from pathlib import Path

import pytest
import yaml

from local_backend.kubernetes import charts

ROOT = Path(__file__).resolve().parents[2]
CHARTS = ROOT / "tests" / "charts"
GATEWAY_API = CHARTS / "release-files" / "gateway-api-v1.2.0-standard-install.yaml"
spec = importlib.util.spec_from_file_location("chart_build", CHARTS / "build.py")
build = importlib.util.module_from_spec(spec)
sys.modules["chart_build"] = build
spec.loader.exec_module(build)


@pytest.fixture(scope="module")
def derived() -> dict[Path, str]:
    return build.derive()


def committed_files() -> dict[Path, str]:
    paths = [*CHARTS.glob("*/files/crds/*.yaml"), *CHARTS.glob("release-files/*.yaml")]
    return {path.relative_to(CHARTS): path.read_text() for path in paths}


@functools.cache
def _documents(path: Path) -> tuple[dict, ...]:
    """The CRDs of one committed file, parsed once per session (read-only use; libyaml when present)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(doc for doc in yaml.load_all(path.read_text(), Loader=loader) if doc)


def crd(kind: str, group: str) -> dict:
    paths = [*CHARTS.glob(f"*/files/crds/{group}.yaml")] or [GATEWAY_API]
    for path in paths:
        for doc in _documents(path):
            if doc["spec"]["names"]["kind"] == kind:
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
    committed = committed_files()
    assert sorted(committed) == sorted(derived)
    stale = [str(path) for path, text in derived.items() if committed[path] != text]
    assert not stale, f"run `python tests/charts/build.py`: {stale}"


def test_a_changed_pin_changes_the_output(derived):
    sources = build.load_sources()
    changed = copy.deepcopy(sources)
    del changed["crd_groups"]["external-secrets.io"]["keep_only"]
    # only the changed group is derived again (the others are not what this test is about)
    changed["crd_groups"] = {"external-secrets.io": changed["crd_groups"]["external-secrets.io"]}
    other = build.derive(changed)
    key = Path("external-secrets/files/crds/external-secrets.io.yaml")
    assert other[key] != derived[key]
    assert other[key].count("akeylessGWApiURL") > derived[key].count("akeylessGWApiURL") == 0


def test_recorded_upstream_versions_match_the_pins():
    sources = build.load_sources()
    for name, pin in sources["packages"].items():
        files = build.read_package(build.package_tarball(name, pin))
        assert build.recorded_upstream(files) == pin["upstream_version"], name


def relation(upstream: str | None, pinned: str) -> str:
    """How a package's recorded upstream version relates to the version it stands in for."""
    if upstream is None:
        return "untagged"
    got, want = (version.removeprefix("v").split(".") for version in (upstream, pinned))
    if got == want:
        return "exact"
    return "same-minor" if got[:2] == want[:2] else "other-minor"


def inventory_values(name: str) -> set:
    return {yaml.safe_load(path.read_text())[name] for path in ROOT.glob("inventories/*/group_vars/all/main.yml")}


def test_each_package_states_what_it_stands_in_for_and_how_close_it_is():
    """Fails when a chart/app pin, the Gateway API pin or a package's upstream moves without sources.yml."""
    sources = build.load_sources()
    stood_for = {}
    for name, pin in sources["packages"].items():
        target = pin["stands_for"]
        if "chart" in target:
            chart = sources["charts"][target["chart"]]
            assert target["app_version"] == chart["app_version"], name
            pinned = target["app_version"]
        else:
            assert inventory_values("platform_gateway_api_version") == {target["release"]}, name
            pinned = target["release"]
        assert pin["match"] == relation(pin["upstream_version"], pinned), (name, pin["upstream_version"], pinned)
        stood_for[name] = (pin["upstream_version"], pinned, pin["match"])
    # what was reachable on npm when these were pinned (sources.yml says why each one was taken)
    assert stood_for == {
        "istio": ("1.29.2", "1.28.2", "other-minor"),
        "argo-cd": ("v2.10.8", "v2.10.0", "same-minor"),
        "external-secrets": (None, "v1.2.0", "untagged"),
        "gateway-api": (None, "v1.2.0", "untagged"),
    }
    groups = {conf["package"] for conf in sources["crd_groups"].values()}
    assert groups == set(sources["packages"])  # every pinned package feeds a CRD group


def test_relation_of_versions():
    assert relation("1.28.2", "1.28.2") == relation("v2.10.0", "v2.10.0") == "exact"
    assert relation("v2.10.8", "v2.10.0") == "same-minor"
    assert relation("1.29.2", "1.28.2") == relation("v2.14.11", "v2.10.0") == "other-minor"
    assert relation(None, "v1.2.0") == "untagged"


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
    # Gateway API v1.2.0 standard-install.yaml
    ("GatewayClass", "gateway.networking.k8s.io", "Cluster", {"v1", "v1beta1"}, "v1"),
    ("Gateway", "gateway.networking.k8s.io", "Namespaced", {"v1", "v1beta1"}, "v1"),
    ("HTTPRoute", "gateway.networking.k8s.io", "Namespaced", {"v1", "v1beta1"}, "v1"),
    ("GRPCRoute", "gateway.networking.k8s.io", "Namespaced", {"v1"}, "v1"),
    ("ReferenceGrant", "gateway.networking.k8s.io", "Namespaced", {"v1beta1"}, "v1beta1"),
])
def test_crd_identity(kind, group, scope, versions, storage):
    doc = crd(kind, group)
    assert doc["spec"]["scope"] == scope
    assert {v["name"] for v in doc["spec"]["versions"]} == versions
    assert [v["name"] for v in doc["spec"]["versions"] if v["storage"]] == [storage]
    assert doc["metadata"]["name"] == f"{doc['spec']['names']['plural']}.{group}"


def test_base_chart_has_the_fourteen_istio_crds():
    names = {doc["metadata"]["name"] for path in CHARTS.glob("base/files/crds/*.yaml") for doc in _documents(path)}
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


def test_free_form_values_are_kept_as_upstream_does():
    """Upstream marks these `type: object` + `x-kubernetes-preserve-unknown-fields: true`: values survive."""
    preserved = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    app = schema("Application", "argoproj.io", "v1alpha1")
    for path in ("spec.source.helm.valuesObject", "spec.sources.[].helm.valuesObject",
                 "operation.sync.source.helm.valuesObject", "operation.sync.sources.[].helm.valuesObject"):
        node = at(app, path)
        assert {key: node[key] for key in preserved if key in node} == preserved, path
    appset = schema("ApplicationSet", "argoproj.io", "v1alpha1")
    assert at(appset, "spec.template.spec.source.helm.valuesObject")["x-kubernetes-preserve-unknown-fields"] is True
    wasm = schema("WasmPlugin", "extensions.istio.io", "v1alpha1")
    assert at(wasm, "spec.pluginConfig")["x-kubernetes-preserve-unknown-fields"] is True
    envoy = schema("EnvoyFilter", "networking.istio.io", "v1alpha3")
    assert at(envoy, "spec.configPatches.[].patch.value")["x-kubernetes-preserve-unknown-fields"] is True
    # and a field with a schema of its own stays closed
    assert "x-kubernetes-preserve-unknown-fields" not in at(app, "spec.source.helm")


def test_empty_object_rule_depends_on_the_generator():
    text = 'export interface IThing { "free"?: {}; "empty"?: {}; "named": { "a": string; }; }\n'
    for generated_by, expected in (
        ("crd-generate", {"type": "object", "x-kubernetes-preserve-unknown-fields": True}),
        ("go-generate", {"type": "object"}),
    ):
        meta = json.dumps({generated_by: {"input": []}})
        pkg = build.Package({"x/Thing.d.ts": text, "package.json": meta})
        assert pkg.generated_by == generated_by
        dts = pkg.file("x/Thing.d.ts")
        out = build.strip_markers(pkg.schema(dts, dts.decls["IThing"]))
        assert out["properties"]["free"] == out["properties"]["empty"] == expected, generated_by
        assert out["properties"]["named"]["properties"] == {"a": {"type": "string"}}


def test_gateway_api_standard_channel_rule_drops_experimental_fields():
    text = '''
    export interface IRule {
        /**
         * Name of the rule.
         */
        "name"?: string;
        /**
         * Retry policy.
         *
         * <gateway:experimental>
         */
        "retry"?: { "attempts"?: number; };
        /**
         * Timeouts.
         * <gateway:experimental:description>
         * Only in experimental.
         * </gateway:experimental:description>
         */
        "timeouts"?: { "request"?: string; };
    }
    '''
    files = {"x/Rule.d.ts": text, "package.json": json.dumps({"go-generate": {"input": []}})}
    for channel, fields in ((None, {"name", "retry", "timeouts"}), ("standard", {"name", "timeouts"})):
        pkg = build.Package(files, channel=channel)
        dts = pkg.file("x/Rule.d.ts")
        out = build.gateway_descriptions(pkg.schema(dts, dts.decls["IRule"]))
        assert set(out["properties"]) == fields, channel
    assert out["properties"]["timeouts"]["description"] == "Timeouts."


def test_gateway_api_release_file_is_v1_2_0_standard_channel():
    docs = list(_documents(GATEWAY_API))
    assert {doc["metadata"]["name"] for doc in docs} == {
        "gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io",
        "httproutes.gateway.networking.k8s.io", "grpcroutes.gateway.networking.k8s.io",
        "referencegrants.gateway.networking.k8s.io",
    }
    pinned = inventory_values("platform_gateway_api_version")
    for doc in docs:
        annotations = doc["metadata"]["annotations"]
        assert annotations["gateway.networking.k8s.io/bundle-version"] in pinned
        assert annotations["gateway.networking.k8s.io/channel"] == "standard"
        assert doc["spec"]["names"]["categories"] == ["gateway-api"]
    assert crd("Gateway", "gateway.networking.k8s.io")["spec"]["names"]["shortNames"] == ["gtw"]
    gateway = schema("Gateway", "gateway.networking.k8s.io", "v1")
    assert set(at(gateway, "spec")["required"]) == {"gatewayClassName", "listeners"}
    assert {"name", "port", "protocol"} <= set(at(gateway, "spec.listeners.[]")["required"])
    assert "labels" in at(gateway, "spec.infrastructure")["properties"]  # standard since v1.2.0
    assert "defaultScope" not in at(gateway, "spec")["properties"]  # experimental
    route = schema("HTTPRoute", "gateway.networking.k8s.io", "v1")
    rule = at(route, "spec.rules.[]")
    assert {"matches", "filters", "backendRefs", "timeouts"} <= set(rule["properties"])
    assert not {"retry", "sessionPersistence"} & set(rule["properties"])  # experimental in every release
    assert at(route, "spec.parentRefs.[]")["required"] == ["name"]
    assert at(route, "spec.rules.[].backendRefs.[].weight")["type"] == "number"
    assert schema("HTTPRoute", "gateway.networking.k8s.io", "v1beta1") == route
    grant = schema("ReferenceGrant", "gateway.networking.k8s.io", "v1beta1")
    assert set(at(grant, "spec")["required"]) == {"from", "to"}
    assert "<gateway:" not in GATEWAY_API.read_text()


def test_release_file_served_at_the_upstream_path(tmp_path):
    published = charts.publish_release_files(tmp_path)
    target = tmp_path / "gateway-api" / "releases" / "download" / "v1.2.0" / "standard-install.yaml"
    assert published == [target]
    assert target.read_text() == GATEWAY_API.read_text()


def test_interfaces_that_extend_others_carry_their_fields():
    """go-generate writes a Go embedded struct as `extends`; external bases (TypeMeta) add nothing."""
    spec_ts = '''
    import { ICommon } from "./Common.js";
    import { TypeMeta } from "@kubernetes-models/base";
    export interface ISpec extends ICommon, TypeMeta { "rules"?: Array<string>; }
    '''
    common_ts = 'export interface ICommon { "parentRefs": Array<string>; "rules"?: number; }\n'
    files = {"x/Spec.d.ts": spec_ts, "x/Common.d.ts": common_ts, "x/Root.d.ts": (
        'import { ISpec } from "./Spec.js";\nexport interface IRoot { "spec": ISpec; }\n')}
    pkg = build.Package(files)
    dts = pkg.file("x/Root.d.ts")
    out = pkg.schema(dts, dts.decls["IRoot"])["properties"]["spec"]
    assert out["properties"] == {"parentRefs": {"type": "array", "items": {"type": "string"}},
                                 "rules": {"type": "array", "items": {"type": "string"}}}  # own field wins
    assert out["required"] == ["parentRefs"]
