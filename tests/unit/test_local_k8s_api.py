"""API semantics of the local Kubernetes stand-in (issue 12, points 2-4), over HTTPS with the token."""

from __future__ import annotations

import http.client
import json
import ssl
import time
import urllib.request

import pytest

from local_backend.kubernetes import register_controller, unregister_controller
from local_backend.kubernetes.server import Running
from local_backend.kubernetes.testing import Client

CM = "/api/v1/namespaces/default/configmaps"
DEP = "/apis/apps/v1/namespaces/default/deployments"


@pytest.fixture(scope="module")
def k8s(tmp_path_factory):
    running = Running(tmp_path_factory.mktemp("k8s"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def c(k8s):
    return Client(k8s)


def deployment(name, image="nginx:1", replicas=1, **meta):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, **meta},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
        },
    }


def test_token_required_and_tls_verified_against_generated_ca(k8s):
    assert Client(k8s, token="").call("GET", "/api/v1/namespaces")[0] == 401
    assert Client(k8s, token="wrong").call("GET", "/api/v1/namespaces")[0] == 401
    assert Client(k8s).call("GET", "/api/v1/namespaces")[0] == 200
    assert (k8s.kubeconfig.stat().st_mode & 0o777) == 0o600
    with pytest.raises(urllib.error.URLError):  # the system trust store does not know our CA
        urllib.request.urlopen(k8s.url + "/version", timeout=5)  # noqa: S310


def test_discovery_and_openapi(c):
    assert c.call("GET", "/api")[1]["versions"] == ["v1"]
    groups = {g["name"] for g in c.call("GET", "/apis")[1]["groups"]}
    assert {"apps", "batch", "apiextensions.k8s.io", "rbac.authorization.k8s.io"} <= groups
    assert "gateway.networking.k8s.io" not in groups  # CRDs, not built in
    core = {r["name"]: r for r in c.call("GET", "/api/v1")[1]["resources"]}
    assert core["namespaces"]["namespaced"] is False and core["configmaps"]["namespaced"] is True
    assert "deployments/status" in {r["name"] for r in c.call("GET", "/apis/apps/v1")[1]["resources"]}
    v3 = c.call("GET", "/openapi/v3")[1]["paths"]
    doc = c.call("GET", v3["apis/apps/v1"]["serverRelativeURL"])[1]
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}
    assert "io.k8s.api.apps.v1.Deployment" in doc["components"]["schemas"]
    assert "io.k8s.api.core.v1.PodSpec" in c.call("GET", "/openapi/v2")[1]["definitions"]


def test_namespaces_create_get_list_with_selectors(c):
    status, ns, _ = c.call("POST", "/api/v1/namespaces", {"metadata": {"name": "sel", "labels": {"team": "a"}}})
    assert status == 201 and ns["status"]["phase"] == "Active"
    assert c.call("GET", "/api/v1/namespaces/sel")[1]["metadata"]["labels"]["kubernetes.io/metadata.name"] == "sel"
    for name, tier in (("a", "web"), ("b", "db"), ("c", "web")):
        body = {"metadata": {"name": name, "labels": {"tier": tier}}, "data": {"k": name}}
        assert c.call("POST", "/api/v1/namespaces/sel/configmaps", body)[0] == 201
    assert c.call("POST", "/api/v1/namespaces/sel/configmaps", {"metadata": {"name": "a"}})[0] == 409
    assert c.call("POST", "/api/v1/namespaces/nope/configmaps", {"metadata": {"name": "a"}})[0] == 404

    def names(query):
        body = c.call("GET", "/api/v1/namespaces/sel/configmaps?" + query)[1]
        assert body["kind"] == "ConfigMapList"
        return [i["metadata"]["name"] for i in body["items"]]

    assert names("labelSelector=tier%3Dweb") == ["a", "c"]
    assert names("labelSelector=tier%20notin%20(web)") == ["b"]
    assert names("fieldSelector=metadata.name%3Db") == ["b"]
    assert names("fieldSelector=metadata.name!%3Db&labelSelector=tier") == ["a", "c"]
    assert c.call("GET", "/api/v1/namespaces/sel/configmaps/zzz")[0] == 404


def test_update_with_stale_resource_version_conflicts(c):
    _, created, _ = c.call("POST", CM, {"metadata": {"name": "rv"}, "data": {"a": "1"}})
    stale = json.loads(json.dumps(created))
    created["data"]["a"] = "2"
    status, updated, _ = c.call("PUT", f"{CM}/rv", created)
    assert status == 200 and int(updated["metadata"]["resourceVersion"]) > int(stale["metadata"]["resourceVersion"])
    stale["data"]["a"] = "3"
    status, err, _ = c.call("PUT", f"{CM}/rv", stale)
    assert status == 409 and err["reason"] == "Conflict"
    assert c.call("GET", f"{CM}/rv")[1]["data"]["a"] == "2"


def test_merge_json_and_strategic_merge_patch(c):
    assert c.call("POST", DEP, deployment("patchme"))[0] == 201
    sidecar = {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox"}]}}}}
    _, out, _ = c.call("PATCH", f"{DEP}/patchme", sidecar, "application/strategic-merge-patch+json")
    assert [x["name"] for x in out["spec"]["template"]["spec"]["containers"]] == ["main", "side"]
    _, out, _ = c.call("PATCH", f"{DEP}/patchme", sidecar, "application/merge-patch+json")
    assert [x["name"] for x in out["spec"]["template"]["spec"]["containers"]] == ["side"]
    ops = [
        {"op": "replace", "path": "/spec/replicas", "value": 3},
        {"op": "add", "path": "/metadata/labels", "value": {"x": "y"}},
    ]
    _, out, _ = c.call("PATCH", f"{DEP}/patchme", ops, "application/json-patch+json")
    assert out["spec"]["replicas"] == 3 and out["metadata"]["labels"] == {"x": "y"}
    bad = [{"op": "test", "path": "/spec/replicas", "value": 9}]
    assert c.call("PATCH", f"{DEP}/patchme", bad, "application/json-patch+json")[0] == 422
    assert c.call("PATCH", f"{DEP}/nothere", {"a": 1}, "application/merge-patch+json")[0] == 404


def test_server_side_apply_managers_conflicts_and_force(c):
    cfg = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"a": "1", "b": "1"}}
    ssa = "application/apply-patch+yaml"
    status, out, _ = c.call("PATCH", f"{CM}/ssa?fieldManager=alice", json.dumps(cfg), ssa)
    assert status == 201
    assert {m["manager"] for m in out["metadata"]["managedFields"]} == {"alice"}
    bob = {**cfg, "data": {"a": "2"}}
    status, err, _ = c.call("PATCH", f"{CM}/ssa?fieldManager=bob", json.dumps(bob), ssa)
    assert status == 409 and 'conflict with "alice"' in err["message"] and ".data.a" in err["message"]
    status, out, _ = c.call("PATCH", f"{CM}/ssa?fieldManager=bob&force=true", json.dumps(bob), ssa)
    assert status == 200 and out["data"] == {"a": "2", "b": "1"}
    alice = {m["manager"]: m for m in out["metadata"]["managedFields"]}["alice"]
    assert "f:a" not in alice["fieldsV1"]["f:data"] and "f:b" in alice["fieldsV1"]["f:data"]
    # alice stops applying b: it is removed; re-applying the same config changes nothing
    status, out, _ = c.call("PATCH", f"{CM}/ssa?fieldManager=alice", json.dumps({**cfg, "data": {}}), ssa)
    assert out["data"] == {"a": "2"}
    rv = out["metadata"]["resourceVersion"]
    assert c.call("PATCH", f"{CM}/ssa?fieldManager=bob", json.dumps(bob), ssa)[1]["metadata"]["resourceVersion"] == rv
    assert c.call("PATCH", f"{CM}/ssa", json.dumps(bob), ssa)[0] == 422  # fieldManager is required


def test_server_maintained_metadata(c):
    _, out, _ = c.call("POST", DEP, deployment("meta"))
    uid, rv, created = out["metadata"]["uid"], out["metadata"]["resourceVersion"], out["metadata"]["creationTimestamp"]
    assert out["metadata"]["generation"] == 1 and created.endswith("Z")
    _, out, _ = c.call("PATCH", f"{DEP}/meta", {"metadata": {"labels": {"l": "1"}}}, "application/merge-patch+json")
    assert out["metadata"]["generation"] == 1 and out["metadata"]["resourceVersion"] != rv
    _, out, _ = c.call("PATCH", f"{DEP}/meta", {"spec": {"replicas": 2}}, "application/merge-patch+json")
    assert out["metadata"]["generation"] == 2
    assert (out["metadata"]["uid"], out["metadata"]["creationTimestamp"]) == (uid, created)
    # the client cannot set server-owned fields
    _, out, _ = c.call(
        "PATCH", f"{DEP}/meta", {"metadata": {"uid": "x", "generation": 99}}, "application/merge-patch+json"
    )
    assert out["metadata"]["uid"] == uid and out["metadata"]["generation"] == 2


def test_delete_finalizers_and_propagation(c):
    _, owner, _ = c.call("POST", CM, {"metadata": {"name": "owner", "finalizers": ["example.com/hold"]}})
    ref = [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]}]
    c.call("POST", CM, {"metadata": {"name": "dep-bg", "ownerReferences": ref}})
    status, out, _ = c.call("DELETE", f"{CM}/owner")
    assert status == 200 and out["metadata"]["deletionTimestamp"]
    assert c.call("GET", f"{CM}/owner")[0] == 200  # held by its finalizer
    c.call("PATCH", f"{CM}/owner", {"metadata": {"finalizers": None}}, "application/merge-patch+json")
    assert c.call("GET", f"{CM}/owner")[0] == 404
    assert c.call("GET", f"{CM}/dep-bg")[0] == 404  # background propagation: the dependent went too

    _, owner, _ = c.call("POST", CM, {"metadata": {"name": "owner2"}})
    ref = [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner2", "uid": owner["metadata"]["uid"]}]
    c.call("POST", CM, {"metadata": {"name": "dep-orphan", "ownerReferences": ref}})
    assert c.call("DELETE", f"{CM}/owner2?propagationPolicy=Orphan")[0] == 200
    kept = c.call("GET", f"{CM}/dep-orphan")
    assert kept[0] == 200 and "ownerReferences" not in kept[1]["metadata"]
    assert c.call("DELETE", f"{CM}/owner2")[0] == 404


def test_watch_from_resource_version(k8s, c):
    rv = c.call("GET", CM)[1]["metadata"]["resourceVersion"]
    c.call("POST", CM, {"metadata": {"name": "w1"}})
    c.call("PATCH", f"{CM}/w1", {"data": {"x": "1"}}, "application/merge-patch+json")
    c.call("DELETE", f"{CM}/w1")
    _, raw, _ = c.call(
        "GET", f"{CM}?watch=true&resourceVersion={rv}&timeoutSeconds=1&fieldSelector=metadata.name%3Dw1", raw=True
    )
    events = [json.loads(line) for line in raw.splitlines()]
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert events[1]["object"]["data"] == {"x": "1"}


def test_watch_list_as_helm4_asks_for_it_and_a_closed_watch_ends(k8s, c):
    """helm 4's --wait (kstatus) lists through a watch: initial events, the end bookmark, then changes."""
    c.call("POST", CM, {"metadata": {"name": "wl1", "labels": {"watch": "list"}}})
    conn = http.client.HTTPSConnection(
        "127.0.0.1", k8s.port, context=ssl.create_default_context(cafile=str(k8s.ca_file)), timeout=10
    )
    query = "watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan"
    conn.request("GET", f"{CM}?{query}&labelSelector=watch%3Dlist", headers={"Authorization": f"Bearer {k8s.token}"})
    resp = conn.getresponse()
    assert resp.status == 200
    first, bookmark = json.loads(resp.readline()), json.loads(resp.readline())
    assert (first["type"], first["object"]["metadata"]["name"]) == ("ADDED", "wl1")
    assert bookmark["type"] == "BOOKMARK"
    assert bookmark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert int(bookmark["object"]["metadata"]["resourceVersion"]) >= int(first["object"]["metadata"]["resourceVersion"])
    c.call("PATCH", f"{CM}/wl1", {"data": {"x": "1"}}, "application/merge-patch+json")
    changed = json.loads(resp.readline())
    assert (changed["type"], changed["object"]["data"]) == ("MODIFIED", {"x": "1"})
    assert c.call("GET", "/_local/watches")[1]["active"] >= 1
    conn.close()
    # the server notices the client left and ends the stream (not after timeoutSeconds, 30 min by default)
    deadline = time.monotonic() + 10
    while c.call("GET", "/_local/watches")[1]["active"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert c.call("GET", "/_local/watches")[1]["active"] == 0


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["size"],
                                "properties": {
                                    "size": {"type": "integer"},
                                    "mode": {"type": "string", "enum": ["fast", "slow"]},
                                    "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                                },
                            },
                            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                        },
                    }
                },
            }
        ],
    },
}
W = "/apis/example.com/v1/namespaces/default/widgets"


def widget(name, **spec):
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}, "spec": spec}


def test_crd_is_served_and_established(c):
    assert c.call("GET", W)[0] == 404
    status, crd, _ = c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD)
    assert status == 201
    got = c.call("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")[1]
    assert {x["type"]: x["status"] for x in got["status"]["conditions"]}["Established"] == "True"
    assert "example.com" in {g["name"] for g in c.call("GET", "/apis")[1]["groups"]}
    res = {r["name"]: r for r in c.call("GET", "/apis/example.com/v1")[1]["resources"]}
    assert res["widgets"]["kind"] == "Widget" and res["widgets"]["namespaced"] and "widgets/status" in res
    status, out, _ = c.call("POST", W, widget("ok", size=1, mode="fast", extra={"any": {"thing": 1}}))
    assert status == 201 and out["spec"]["extra"] == {"any": {"thing": 1}}
    assert c.call("GET", W)[1]["kind"] == "WidgetList"
    # strategic merge is refused for custom resources, like a real server
    assert c.call("PATCH", f"{W}/ok", {"spec": {"size": 2}}, "application/strategic-merge-patch+json")[0] == 415


@pytest.mark.parametrize(
    ("spec", "field", "reason"),
    [
        ({"size": "big"}, "spec.size", "FieldValueInvalid"),
        ({"mode": "fast"}, "spec.size", "FieldValueRequired"),
        ({"size": 1, "mode": "warp"}, "spec.mode", "FieldValueNotSupported"),
    ],
)
def test_custom_resources_checked_against_schema(c, spec, field, reason):
    c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD)
    status, err, _ = c.call("POST", W, widget("bad", **spec))
    assert status == 422 and err["reason"] == "Invalid"
    assert (field, reason) in {(x["field"], x["reason"]) for x in err["details"]["causes"]}


def test_unknown_fields_per_field_validation(c):
    c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD)
    status, err, _ = c.call("POST", f"{W}?fieldValidation=Strict", widget("u1", size=1, colour="red"))
    assert status == 400 and 'unknown field "spec.colour"' in err["message"]
    status, out, headers = c.call("POST", f"{W}?fieldValidation=Warn", widget("u2", size=1, colour="red"))
    assert (
        status == 201
        and "colour" not in out["spec"]
        and 'unknown field \\"spec.colour\\"' not in headers.get("Warning", "")
        and "spec.colour" in headers.get("Warning", "")
    )
    status, out, headers = c.call("POST", f"{W}?fieldValidation=Ignore", widget("u3", size=1, colour="red"))
    assert status == 201 and "colour" not in out["spec"] and "Warning" not in headers


def test_builtin_kinds_validated_with_kubernetes_validate(c):
    bad = deployment("badtype")
    bad["spec"]["replicas"] = "three"
    status, err, _ = c.call("POST", DEP, bad)
    assert status == 422 and "spec.replicas" in err["message"]
    typo = deployment("typo")
    typo["spec"]["template"]["spec"]["containers"][0]["imagePullPolice"] = "Always"
    status, err, _ = c.call("POST", f"{DEP}?fieldValidation=Strict", typo)
    assert status == 400 and "imagePullPolice" in err["message"]


def test_readiness_follows_the_controllable_clock(k8s, c):
    k8s.call(setattr, k8s.cluster, "ready_delay", 30.0)
    try:
        c.call("POST", DEP, deployment("slow"))
        st = c.call("GET", f"{DEP}/slow")[1]["status"]
        assert st["unavailableReplicas"] == 1 and "availableReplicas" not in st
        c.call("POST", "/_local/clock", {"advance": 31})
        st = c.call("GET", f"{DEP}/slow")[1]["status"]
        assert st["availableReplicas"] == 1 and st["observedGeneration"] == 1
        assert {x["type"]: x["status"] for x in st["conditions"]}["Available"] == "True"
    finally:
        k8s.call(setattr, k8s.cluster, "ready_delay", 0.0)


def test_workload_statuses_from_simulated_controllers(c):
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db"},
        "spec": {
            "replicas": 2,
            "serviceName": "db",
            "selector": {"matchLabels": {"a": "db"}},
            "template": {"metadata": {"labels": {"a": "db"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}},
        },
    }
    c.call("POST", "/apis/apps/v1/namespaces/default/statefulsets", sts)
    st = c.call("GET", "/apis/apps/v1/namespaces/default/statefulsets/db")[1]["status"]
    assert st["readyReplicas"] == 2 and st["currentRevision"] == st["updateRevision"]
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "once"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}},
    }
    c.call("POST", "/apis/batch/v1/namespaces/default/jobs", job)
    got = c.call("GET", "/apis/batch/v1/namespaces/default/jobs/once")[1]
    assert {x["type"]: x["status"] for x in got["status"]["conditions"]}["Complete"] == "True"
    # the API server's defaults (helm --wait-for-jobs reads backoffLimit and completions)
    assert (got["spec"]["backoffLimit"], got["spec"]["completions"], got["spec"]["parallelism"]) == (6, 1, 1)
    svc = {"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}
    c.call("POST", "/api/v1/namespaces/default/services", svc)
    out = c.call("GET", "/api/v1/namespaces/default/services/lb")[1]
    assert out["status"]["loadBalancer"]["ingress"][0]["hostname"].endswith(".elb.ap-northeast-2.amazonaws.com")
    assert out["spec"]["clusterIP"] and out["spec"]["ports"][0]["nodePort"]


def test_fault_switch_keeps_a_deployment_unready(c):
    c.call("PUT", "/_local/faults", {"unready": ["default/stuck"]})
    try:
        c.call("POST", DEP, deployment("stuck"))
        c.call("POST", "/_local/clock", {"advance": 3600})
        st = c.call("GET", f"{DEP}/stuck")[1]["status"]
        avail = {x["type"]: x for x in st["conditions"]}["Available"]
        assert avail["status"] == "False" and "fault injected" in avail["message"]
    finally:
        c.call("PUT", "/_local/faults", {"unready": []})
    c.call("POST", "/_local/clock", {"advance": 1})
    assert c.call("GET", f"{DEP}/stuck")[1]["status"]["availableReplicas"] == 1


def test_namespace_terminates_with_its_content(c):
    c.call("POST", "/api/v1/namespaces", {"metadata": {"name": "doomed"}})
    c.call("POST", "/api/v1/namespaces/doomed/configmaps", {"metadata": {"name": "x"}})
    status, out, _ = c.call("DELETE", "/api/v1/namespaces/doomed")
    assert status == 200 and out["status"]["phase"] == "Terminating"
    c.call("POST", "/_local/clock", {"advance": 1})
    assert c.call("GET", "/api/v1/namespaces/doomed/configmaps/x")[0] == 404
    assert c.call("GET", "/api/v1/namespaces/doomed")[0] == 404


def test_plugin_controller_for_a_custom_kind(c):
    crd = json.loads(json.dumps(CRD).replace("widget", "store").replace("Widget", "Store"))
    c.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)

    def ready(obj, ctx):
        return {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "Valid",
                    "message": f"store of size {obj['spec']['size']} validated",
                }
            ]
        }

    register_controller("Store", ready, group="example.com")
    try:
        body = {"apiVersion": "example.com/v1", "kind": "Store", "metadata": {"name": "s"}, "spec": {"size": 4}}
        c.call("POST", "/apis/example.com/v1/namespaces/default/stores", body)
        st = c.call("GET", "/apis/example.com/v1/namespaces/default/stores/s")[1]["status"]
        assert st["conditions"][0]["message"] == "store of size 4 validated"
    finally:
        unregister_controller("Store", ready, group="example.com")


def test_request_log_tells_reads_from_writes(c):
    c.call("DELETE", "/_local/requests")
    c.call("GET", CM)
    c.call("GET", f"{CM}/rv")
    log = c.call("GET", "/_local/requests")[1]["requests"]
    assert len(log) == 2 and not any(r["mutating"] for r in log)
    c.call("POST", CM, {"metadata": {"name": "logged"}})
    c.call("POST", f"{CM}?dryRun=All", {"metadata": {"name": "dry"}})
    log = c.call("GET", "/_local/requests")[1]["requests"]
    assert [r["method"] for r in log if r["mutating"]] == ["POST"]
    assert c.call("GET", f"{CM}/dry")[0] == 404
