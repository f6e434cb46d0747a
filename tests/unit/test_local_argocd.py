"""The stand-in's simulated Argo CD application controller (local_backend/kubernetes/argocd.py): deleting an
Application with the resources finalizer prunes what it tracks and completes, only while a ready
application controller runs in its namespace."""

from __future__ import annotations

import pytest

from local_backend.kubernetes import argocd, controllers
from local_backend.kubernetes.server import Running
from local_backend.kubernetes.testing import Client

APPS = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications"
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "applications.argoproj.io"},
    "spec": {
        "group": "argoproj.io",
        "scope": "Namespaced",
        "names": {
            "plural": "applications",
            "singular": "application",
            "kind": "Application",
            "listKind": "ApplicationList",
        },
        "versions": [
            {
                "name": "v1alpha1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            }
        ],
    },
}
CONTROLLER = {
    "apiVersion": "apps/v1",
    "kind": "StatefulSet",
    "metadata": {
        "name": "argocd-application-controller",
        "labels": {"app.kubernetes.io/component": "application-controller"},
    },
    "spec": {
        "replicas": 1,
        "serviceName": "argocd-application-controller",
        "selector": {"matchLabels": {"app": "ctl"}},
        "template": {"metadata": {"labels": {"app": "ctl"}}, "spec": {"containers": [{"name": "c", "image": "x:1"}]}},
    },
}


def application(name: str, finalizer: str = argocd.FINALIZER) -> dict:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "finalizers": [finalizer]},
        "spec": {"project": "default", "destination": {"namespace": "default"}},
    }


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    assert argocd.application in controllers.controllers_for(argocd.GROUP, "Application")  # registered on import
    running = Running(tmp_path_factory.mktemp("k8s-argocd"))
    client = Client(running)
    client.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD)
    client.call("POST", "/api/v1/namespaces", {"metadata": {"name": "argocd"}})
    client.call("POST", "/_local/clock", {"advance": 1})
    yield client
    running.stop()


def tick(c: Client) -> None:
    c.call("POST", "/_local/clock", {"advance": 1})


def test_without_a_controller_the_finalizer_holds_the_application(c):
    c.call("POST", APPS, application("orphaned"))
    assert c.call("DELETE", f"{APPS}/orphaned")[0] == 200
    tick(c)
    status, out, _ = c.call("GET", f"{APPS}/orphaned")
    assert status == 200 and out["metadata"]["deletionTimestamp"]
    assert out["metadata"]["finalizers"] == [argocd.FINALIZER]
    # what platform_teardown_stuck_finalizers=remove does
    c.call("PATCH", f"{APPS}/orphaned", {"metadata": {"finalizers": None}}, "application/merge-patch+json")
    assert c.call("GET", f"{APPS}/orphaned")[0] == 404


def test_a_running_controller_prunes_tracked_objects_then_drops_the_finalizer(c):
    c.call("POST", "/apis/apps/v1/namespaces/argocd/statefulsets", CONTROLLER)
    tick(c)
    tracked = {"name": "tracked", "labels": {argocd.TRACKING_LABEL: "root"}}
    c.call("POST", "/api/v1/namespaces/default/configmaps", {"metadata": tracked})
    c.call("POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "untracked"}})
    c.call("POST", APPS, application("root", argocd.FINALIZER + "/background"))
    c.call("POST", APPS, application("other", "example.com/hold"))

    c.call("PUT", "/_local/faults", {"unready": ["argocd/argocd-application-controller"]})
    try:
        tick(c)
        assert c.call("DELETE", f"{APPS}/root")[0] == 200
        tick(c)
        assert c.call("GET", f"{APPS}/root")[0] == 200  # controller held unready: nothing pruned
        assert c.call("GET", "/api/v1/namespaces/default/configmaps/tracked")[0] == 200
    finally:
        c.call("PUT", "/_local/faults", {"unready": []})
    tick(c)
    tick(c)
    assert c.call("GET", f"{APPS}/root")[0] == 404
    assert c.call("GET", "/api/v1/namespaces/default/configmaps/tracked")[0] == 404
    assert c.call("GET", "/api/v1/namespaces/default/configmaps/untracked")[0] == 200
    # a finalizer that is not Argo CD's is not Argo CD's to remove
    c.call("DELETE", f"{APPS}/other")
    tick(c)
    assert c.call("GET", f"{APPS}/other")[1]["metadata"]["finalizers"] == ["example.com/hold"]
