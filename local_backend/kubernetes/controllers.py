"""Simulated controllers: where statuses come from.

A controller is ``fn(obj, ctx) -> dict | None``: given a live object it returns the ``status`` the
object should have now (or None for "leave it"). The cluster calls every registered controller for
its kind after each write and on every tick, and stores a changed status through the status
subresource (new ``resourceVersion``, a MODIFIED watch event), like a real controller would.

Readiness is driven by :class:`Clock`, whose time tests move with ``POST /_local/clock`` (never by
waiting): a workload is Available once ``ctx.age`` (seconds since its generation last changed)
reaches ``ctx.delay``. The fault switch (``ctx.faults``, set by ``--unready`` / ``POST /_local/faults``)
keeps a named Deployment (``namespace/name``) unready for ever.

Plug-in point: :func:`register_controller` (in process), or ``--controllers module`` /
``LOCAL_K8S_CONTROLLERS=module[,module]`` whose import registers them in the served process.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Controller = Callable[[dict[str, Any], "Context"], "dict[str, Any] | None"]

_REGISTRY: dict[tuple[str, str], list[Controller]] = {}


def register_controller(kind: str, fn: Controller, group: str = "") -> None:
    """Run ``fn`` for every object of ``kind`` in ``group`` ("" = core)."""
    _REGISTRY.setdefault((group, kind), []).append(fn)


def unregister_controller(kind: str, fn: Controller, group: str = "") -> None:
    fns = _REGISTRY.get((group, kind), [])
    if fn in fns:
        fns.remove(fn)


def controllers_for(group: str, kind: str) -> list[Controller]:
    return list(_REGISTRY.get((group, kind), []))


class Clock:
    """Monotonic seconds plus an offset that tests advance."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Context:
    now: float
    age: float  # seconds since the object's generation last changed
    delay: float  # configured readiness delay
    faults: dict[str, Any]
    cluster: Any  # api.Cluster: get()/put() for controllers that create or read other objects
    extra: dict[str, Any] = field(default_factory=dict)

    def unready(self, obj: dict[str, Any]) -> bool:
        meta = obj.get("metadata", {})
        return f"{meta.get('namespace', '')}/{meta.get('name', '')}" in set(self.faults.get("unready", []))


def _cond(kind: str, status: bool, reason: str, message: str, old: dict[str, Any] | None) -> dict[str, Any]:
    value = "True" if status else "False"
    prev = next((c for c in (old or {}).get("conditions", []) if c.get("type") == kind), None)
    stamp = prev.get("lastTransitionTime") if prev and prev.get("status") == value else _stamp()
    return {
        "type": kind,
        "status": value,
        "reason": reason,
        "message": message,
        "lastTransitionTime": stamp,
        "lastUpdateTime": stamp,
    }


def _stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _ready(obj: dict[str, Any], ctx: Context) -> bool:
    return ctx.age >= ctx.delay


def deployment(obj: dict[str, Any], ctx: Context) -> dict[str, Any]:
    spec, meta, old = obj.get("spec", {}), obj.get("metadata", {}), obj.get("status") or {}
    replicas = spec.get("replicas", 1)
    status: dict[str, Any] = {
        "observedGeneration": meta.get("generation", 1),
        "replicas": replicas,
        "updatedReplicas": replicas,
    }
    if ctx.unready(obj):
        msg = (
            f'fault injected (local stand-in): Deployment "{meta.get("name")}" is kept unready; '
            f"0 of {replicas} replicas available"
        )
        status.update(
            readyReplicas=0,
            availableReplicas=0,
            unavailableReplicas=replicas,
            conditions=[
                _cond("Available", False, "MinimumReplicasUnavailable", msg, old),
                _cond("Progressing", True, "ReplicaSetUpdated", msg, old),
            ],
        )
    elif _ready(obj, ctx) or replicas == 0:
        if replicas:
            status.update(readyReplicas=replicas, availableReplicas=replicas)
        status["conditions"] = [
            _cond("Available", True, "MinimumReplicasAvailable", "Deployment has minimum availability.", old),
            _cond(
                "Progressing",
                True,
                "NewReplicaSetAvailable",
                f'ReplicaSet "{meta.get("name")}-{_hash(obj)}" has successfully progressed.',
                old,
            ),
        ]
    else:
        status.update(
            unavailableReplicas=replicas,
            conditions=[
                _cond(
                    "Available",
                    False,
                    "MinimumReplicasUnavailable",
                    "Deployment does not have minimum availability.",
                    old,
                ),
                _cond(
                    "Progressing",
                    True,
                    "ReplicaSetUpdated",
                    f'ReplicaSet "{meta.get("name")}-{_hash(obj)}" is progressing.',
                    old,
                ),
            ],
        )
    replicaset_for(obj, ctx, status.get("readyReplicas", 0))
    return status


def replicaset_for(obj: dict[str, Any], ctx: Context, ready: int) -> None:
    """The Deployment's current ReplicaSet (owned, template + pod-template-hash), others scaled to 0:
    helm 3's --wait looks for it."""
    cluster = ctx.cluster
    rt = cluster.types[("apps", "replicasets")]
    meta, spec = obj["metadata"], obj.get("spec", {})
    digest = _hash(obj)
    name = f"{meta['name']}-{digest}"
    owner = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    for other in cluster.list(rt, meta.get("namespace")):
        refs = other["metadata"].get("ownerReferences") or []
        if other["metadata"]["name"] != name and any(r.get("uid") == meta["uid"] for r in refs):
            if other.get("spec", {}).get("replicas") != 0:
                new = {**other, "spec": {**other["spec"], "replicas": 0}}
                cluster.write(rt, new, other, "v1", "local-deployment-controller", "Update", field_validation="Ignore")
                cur = cluster.get(rt, meta.get("namespace"), other["metadata"]["name"])
                cluster.write(
                    rt,
                    {**cur, "status": {"replicas": 0, "observedGeneration": cur["metadata"].get("generation", 1)}},
                    cur,
                    "v1",
                    "local-deployment-controller",
                    "Update",
                    "status",
                    field_validation="Ignore",
                )
    replicas = spec.get("replicas", 1)
    template = json.loads(json.dumps(spec.get("template") or {}))
    template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = digest
    selector = json.loads(json.dumps(spec.get("selector") or {}))
    selector.setdefault("matchLabels", {})["pod-template-hash"] = digest
    want = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": meta.get("namespace"),
            "ownerReferences": [owner],
            "labels": dict(template["metadata"]["labels"]),
            "annotations": {"deployment.kubernetes.io/revision": "1"},
        },
        "spec": {"replicas": replicas, "selector": selector, "template": template},
    }
    current = cluster.get(rt, meta.get("namespace"), name)
    if current is None:
        cluster.write(rt, want, None, "v1", "local-deployment-controller", "Update", field_validation="Ignore")
    elif current.get("spec", {}).get("replicas") != replicas:
        cluster.write(
            rt,
            {**current, "spec": {**current["spec"], "replicas": replicas}},
            current,
            "v1",
            "local-deployment-controller",
            "Update",
            field_validation="Ignore",
        )
    current = cluster.get(rt, meta.get("namespace"), name)
    status = {
        "replicas": replicas,
        "fullyLabeledReplicas": replicas,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "observedGeneration": current["metadata"].get("generation", 1),
    }
    if current.get("status") != status:
        cluster.write(
            rt,
            {**current, "status": status},
            current,
            "v1",
            "local-deployment-controller",
            "Update",
            "status",
            field_validation="Ignore",
        )


def statefulset(obj: dict[str, Any], ctx: Context) -> dict[str, Any]:
    spec, meta = obj.get("spec", {}), obj.get("metadata", {})
    replicas = spec.get("replicas", 1)
    revision = f"{meta.get('name')}-{_hash(obj)}"
    status: dict[str, Any] = {
        "observedGeneration": meta.get("generation", 1),
        "replicas": replicas,
        "currentRevision": revision,
        "updateRevision": revision,
        "collisionCount": 0,
    }
    if _ready(obj, ctx) and not ctx.unready(obj):
        status.update(
            readyReplicas=replicas, currentReplicas=replicas, updatedReplicas=replicas, availableReplicas=replicas
        )
    else:
        status.update(readyReplicas=0, currentReplicas=replicas, updatedReplicas=replicas, availableReplicas=0)
    return status


def daemonset(obj: dict[str, Any], ctx: Context) -> dict[str, Any]:
    nodes = int(ctx.extra.get("nodes", 1))
    ready = nodes if _ready(obj, ctx) and not ctx.unready(obj) else 0
    status = {
        "observedGeneration": obj.get("metadata", {}).get("generation", 1),
        "desiredNumberScheduled": nodes,
        "currentNumberScheduled": nodes,
        "updatedNumberScheduled": nodes,
        "numberMisscheduled": 0,
        "numberReady": ready,
        "numberAvailable": ready,
    }
    if nodes - ready:
        status["numberUnavailable"] = nodes - ready
    return status


def job(obj: dict[str, Any], ctx: Context) -> dict[str, Any] | None:
    old = obj.get("status") or {}
    if any(c.get("type") == "Complete" for c in old.get("conditions", [])):
        return None
    if not _ready(obj, ctx):
        return {"active": 1, "startTime": old.get("startTime") or _stamp(), "ready": 0}
    done = obj.get("spec", {}).get("completions", 1) or 1
    now = _stamp()
    return {
        "startTime": old.get("startTime") or now,
        "completionTime": now,
        "succeeded": done,
        "ready": 0,
        "conditions": [
            _cond("SuccessCriteriaMet", True, "CompletionsReached", "Reached expected number of succeeded pods", None),
            _cond("Complete", True, "CompletionsReached", "Reached expected number of succeeded pods", None),
        ],
    }


def service(obj: dict[str, Any], ctx: Context) -> dict[str, Any] | None:
    if obj.get("spec", {}).get("type") != "LoadBalancer":
        return {"loadBalancer": {}} if (obj.get("status") or {}).get("loadBalancer") else None
    if not _ready(obj, ctx):
        return None
    meta = obj.get("metadata", {})
    region = ctx.extra.get("region", "ap-northeast-2")
    prefix = f"k8s-{meta.get('namespace', 'default')[:8]}-{meta.get('name', '')[:8]}"
    host = f"{prefix}-{_hash(obj, meta=True)}.elb.{region}.amazonaws.com"
    return {"loadBalancer": {"ingress": [{"hostname": host}]}}


def _hash(obj: dict[str, Any], meta: bool = False) -> str:
    basis = repr(obj.get("metadata", {}).get("uid")) if meta else repr(obj.get("spec", {}).get("template"))
    return hashlib.sha256(basis.encode()).hexdigest()[:10]


def install_builtin() -> None:
    for group, kind, fn in (
        ("apps", "Deployment", deployment),
        ("apps", "StatefulSet", statefulset),
        ("apps", "DaemonSet", daemonset),
        ("batch", "Job", job),
        ("", "Service", service),
    ):
        if fn not in _REGISTRY.get((group, kind), []):
            register_controller(kind, fn, group)
