"""Simulated Argo CD application controller: the part of it a teardown depends on.

A plug-in of the stand-in (``controllers.register_controller``), loaded by default with the simulated
External Secrets Operator (``LOCAL_K8S_CONTROLLERS``, see ``__main__.py``). The stand-in has no Git and
renders nothing, so Applications are never synced; what it does is what the real controller
(argo-cd 2.x) does when an Application with the resources finalizer is deleted:

* an ``Application`` (``argoproj.io``) being deleted with a finalizer
  ``resources-finalizer.argocd.argoproj.io`` (or its ``/foreground`` / ``/background`` forms) has the
  resources it tracks deleted - the objects labelled ``app.kubernetes.io/instance=<application name>``,
  Argo CD's default tracking label - and then the finalizer removed, so the delete completes;
* only while an application controller runs: a StatefulSet or Deployment labelled
  ``app.kubernetes.io/component=application-controller`` in the Application's namespace with a ready
  replica. With none (Argo CD not installed, uninstalled first, or held unready with the fault switch
  ``--unready argocd/argocd-application-controller``) the finalizer stays, as on a cluster whose Argo CD
  is down - the case ``platform_teardown_stuck_finalizers`` is for.
"""

from __future__ import annotations

import copy
from typing import Any

from . import controllers

GROUP = "argoproj.io"
FINALIZER = "resources-finalizer.argocd.argoproj.io"
TRACKING_LABEL = "app.kubernetes.io/instance"
MANAGER = "local-argocd-application-controller"


def _controller_running(ctx: controllers.Context, namespace: str) -> bool:
    cluster = ctx.cluster
    for key in (("apps", "statefulsets"), ("apps", "deployments")):
        rt = cluster.types.get(key)
        if rt is None:
            continue
        for obj in cluster.list(rt, namespace):
            labels = obj["metadata"].get("labels") or {}
            if labels.get("app.kubernetes.io/component") != "application-controller":
                continue
            if obj["metadata"].get("deletionTimestamp"):
                continue
            if int((obj.get("status") or {}).get("readyReplicas") or 0) > 0:
                return True
    return False


def _prune(ctx: controllers.Context, app: str) -> int:
    """Delete what the Application tracks; return how many tracked objects are still there."""
    cluster, left = ctx.cluster, 0
    for key, objs in list(cluster.objects.items()):
        rt = cluster.types.get(key)
        if rt is None:
            continue
        for obj in list(objs.values()):
            if (obj["metadata"].get("labels") or {}).get(TRACKING_LABEL) != app:
                continue
            left += 1
            if not obj["metadata"].get("deletionTimestamp"):
                cluster.delete(rt, obj, rt.versions[0])
    return left


def application(obj: dict[str, Any], ctx: controllers.Context) -> None:
    meta = obj["metadata"]
    ours = [f for f in meta.get("finalizers") or [] if f == FINALIZER or f.startswith(FINALIZER + "/")]
    if not meta.get("deletionTimestamp") or not ours:
        return None
    if not _controller_running(ctx, meta.get("namespace", "")):
        return None
    if _prune(ctx, meta["name"]) and any(f.endswith("/foreground") for f in ours):
        return None  # foreground: wait until the tracked objects are gone
    cluster = ctx.cluster
    rt = cluster.types[(GROUP, "applications")]
    current = cluster.get(rt, meta.get("namespace"), meta["name"])
    if current is None:
        return None
    new = copy.deepcopy(current)
    new["metadata"]["finalizers"] = [f for f in current["metadata"].get("finalizers") or [] if f not in ours]
    cluster.write(rt, new, current, rt.versions[0], MANAGER, "Update", field_validation="Ignore")
    return None


application.handles_deletion = True  # type: ignore[attr-defined]


def install() -> None:
    if application not in controllers.controllers_for(GROUP, "Application"):
        controllers.register_controller("Application", application, GROUP)  # type: ignore[arg-type]


install()
