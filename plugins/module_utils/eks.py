# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""What every EKS module of this collection shares: reads that turn ``ResourceNotFoundException`` into
``None``, the waits for a cluster / node group / add-on status and for an ``update`` (UpdateClusterConfig,
UpdateClusterVersion, UpdateNodegroupConfig/Version, UpdateAddon) to finish, and Kubernetes version
arithmetic (one minor at a time). Calls go through :mod:`api` (retried), waits through :mod:`waits` (one
budget per run, no fixed sleep), tags through :mod:`tagging` (service ``eks``: a tag map, not a list).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import call_or_fail, describe
from ansible_collections.cloudops.eks_platform.plugins.module_utils.waits import Budget, wait_until

NOT_FOUND = "ResourceNotFoundException"
#: Statuses after which a resource will not become ACTIVE by waiting.
FAILED_STATUSES = ("FAILED", "CREATE_FAILED", "DELETE_FAILED", "DEGRADED")
_VERSION = re.compile(r"^(\d+)\.(\d+)$")


# --- versions (pure) ---------------------------------------------------------------------------------------
def parse_version(version: str | None) -> tuple[int, int] | None:
    """``"1.34"`` → ``(1, 34)``; ``None`` or anything else that is not ``<major>.<minor>`` → ``None``."""
    match = _VERSION.match(str(version or "").strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def version_step(current: str | None, wanted: str | None) -> str:
    """How ``current`` gets to ``wanted``: ``same``, ``upgrade`` (exactly one minor up), ``downgrade``,
    ``jump`` (more than one minor up: EKS upgrades one minor at a time) or ``invalid`` (not ``x.y``)."""
    cur, want = parse_version(current), parse_version(wanted)
    if cur is None or want is None:
        return "invalid"
    if cur == want:
        return "same"
    if want < cur:
        return "downgrade"
    if want[0] == cur[0] and want[1] == cur[1] + 1:
        return "upgrade"
    return "jump"


#: How many minor versions a node group's kubelet may be behind the control plane (Kubernetes version skew policy
#: from 1.28 on, which EKS follows: a node group may run up to three minors older than its cluster).
NODE_SKEW = 3


def minors_behind(node: str | None, cluster: str | None) -> int | None:
    """How many minor versions ``node`` is below ``cluster`` (negative: above); None when either is not ``x.y`` or
    the majors differ."""
    have, top = parse_version(node), parse_version(cluster)
    if have is None or top is None or have[0] != top[0]:
        return None
    return top[1] - have[1]


def upgrade_problems(
    cluster_name: str,
    current: str | None,
    target: str | None,
    nodegroups: list[dict[str, Any]] | None = None,
    variable: str = "platform_eks_version",
) -> list[str]:
    """What stops the cluster ``cluster_name`` (running ``current``; None: it does not exist) from reaching
    ``target`` in this run, each naming ``variable``: a downgrade, a jump of more than one minor version (EKS
    upgrades one at a time), and - for a one-minor upgrade - the node groups (``{name, version}`` as EKS reports
    them) not at ``current`` (EKS refuses UpdateClusterVersion while one is behind). Empty when the cluster is
    absent, ``target`` is empty (not managed) or the versions are the same."""
    if current is None or not target or str(current) == str(target):
        return []
    step = version_step(current, target)
    if step == "downgrade":
        return [
            f"{variable}: EKS cluster {cluster_name} runs Kubernetes {current} and cannot be downgraded to {target} "
            f"(set {variable} back to {current}, or delete and re-create the cluster)"
        ]
    if step == "jump":
        cur = parse_version(current)
        following = f"{cur[0]}.{cur[1] + 1}" if cur else "the next minor version"
        return [
            f"{variable}: EKS cluster {cluster_name} runs Kubernetes {current}, and {target} is more than one minor "
            f"version above it: EKS upgrades one minor version at a time - set {variable} to {following}, run, then "
            "raise it again"
        ]
    if step == "invalid":
        return [f"{variable}: cannot compare the version {current!r} of EKS cluster {cluster_name} with {target!r}"]
    behind = sorted(
        f"{group.get('name')} ({group.get('version')})"
        for group in nodegroups or []
        if group.get("version") and str(group.get("version")) != str(current)
    )
    if behind:
        return [
            f"{variable}: EKS upgrades cluster {cluster_name} from {current} to {target} only when every node group "
            f"runs {current}; behind: {', '.join(behind)} - upgrade them to {current} first "
            "(platform_eks_nodegroups[].version)"
        ]
    return []


def planned_cluster_version(
    name: str, running: str | None, expected: str | None, check_mode: bool, option: str = "cluster_version"
) -> tuple[str | None, str | None, str | None]:
    """The Kubernetes version a module plans its node groups / add-ons with, from the version the cluster
    ``name`` runs (None: it does not exist, check mode) and the one the caller expects (``option``, normally set by
    an earlier task of the same run): ``(version, warning, failure)``.

    Nothing expected, or the same: the running version. Check mode, the cluster at another version (the earlier
    task only planned its upgrade): the expected one, with a warning. A real run with the cluster at another
    version: a failure naming ``option`` (the cluster must be upgraded first)."""
    if not expected or running is None:
        return (expected or running), None, None
    if str(running) == str(expected):
        return running, None, None
    if check_mode:
        return expected, (
            f"EKS cluster {name} runs Kubernetes {running}: planning for {expected} ({option}), the version an "
            "earlier task of this run upgrades it to"
        ), None  # fmt: skip
    return running, None, (
        f"{option}: EKS cluster {name} runs Kubernetes {running}, not {expected}: upgrade the cluster first"
    )  # fmt: skip


def compatible_versions(infos: list[dict[str, Any]], kubernetes_version: str | None) -> list[str]:
    """The add-on versions of DescribeAddonVersions ``addons`` items whose ``compatibilities`` name
    ``kubernetes_version`` (every version when it is None), in the order listed."""
    found: list[str] = []
    for info in infos:
        for item in info.get("addonVersions") or []:
            clusters = [c.get("clusterVersion") for c in item.get("compatibilities") or []]
            if (kubernetes_version is None or kubernetes_version in clusters) and item["addonVersion"] not in found:
                found.append(item["addonVersion"])
    return found


# --- reads ---------------------------------------------------------------------------------------------------
def describe_cluster(module: Any, client: Any, name: str) -> dict[str, Any] | None:
    found = describe(module, client, "describe_cluster", NOT_FOUND, f"EKS cluster {name}", name=name)
    return found["cluster"] if found else None


def describe_nodegroup(module: Any, client: Any, cluster: str, name: str) -> dict[str, Any] | None:
    found = describe(
        module, client, "describe_nodegroup", NOT_FOUND, f"node group {name} of EKS cluster {cluster}",
        clusterName=cluster, nodegroupName=name,
    )  # fmt: skip
    return found["nodegroup"] if found else None


def describe_addon(module: Any, client: Any, cluster: str, name: str) -> dict[str, Any] | None:
    found = describe(
        module, client, "describe_addon", NOT_FOUND, f"add-on {name} of EKS cluster {cluster}",
        clusterName=cluster, addonName=name,
    )  # fmt: skip
    return found["addon"] if found else None


def require_cluster(module: Any, client: Any, name: str, option: str = "cluster_name") -> dict[str, Any] | None:
    """The cluster, or: in check mode ``None`` with a warning (an earlier task of the same run creates it),
    in a real run a failure naming ``option``."""
    cluster = describe_cluster(module, client, name)
    if cluster is None:
        if module.check_mode:
            module.warn(f"EKS cluster {name} ({option}) does not exist yet: planning as if it were empty")
        else:
            module.fail_json(msg=f"EKS cluster {name} ({option}) not found: create it first")
    return cluster


# --- waits ---------------------------------------------------------------------------------------------------
def _failed_status(what: str) -> Any:
    def failed(item: dict[str, Any] | None) -> dict[str, Any] | None:
        if item and item.get("status") in FAILED_STATUSES:
            issues = (item.get("health") or {}).get("issues") or []
            return {"msg": f"{what} is {item['status']}", "health_issues": issues}
        return None

    return failed


def wait_status(
    module: Any, fetch: Any, budget: Budget, what: str, status: str | None = "ACTIVE",
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any] | None:  # fmt: skip
    """Poll ``fetch`` (a describe_* above, bound) until the resource reports ``status``; ``status=None``
    waits until it is gone. A FAILED/DEGRADED status fails at once with the reported health issues."""
    if status is None:
        return wait_until(module, fetch, lambda item: item is None, budget, f"{what} to be deleted",
                          status=lambda item: item.get("status") if item else "deleted", sleep=sleep)  # fmt: skip
    return wait_until(
        module, fetch, lambda item: bool(item) and item.get("status") == status, budget,
        f"{what} to be {status}", status=lambda item: item.get("status") if item else "missing",
        failed=_failed_status(what), sleep=sleep,
    )  # fmt: skip


def wait_update(
    module: Any, client: Any, cluster: str, update: dict[str, Any], budget: Budget,
    what: str, nodegroup: str | None = None, addon: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:  # fmt: skip
    """Wait for an ``update`` returned by an Update* call to be ``Successful``; ``Failed``/``Cancelled``
    fail with the errors EKS reports."""
    kwargs: dict[str, Any] = {"name": cluster, "updateId": update["id"]}
    if nodegroup:
        kwargs["nodegroupName"] = nodegroup
    if addon:
        kwargs["addonName"] = addon

    def fetch() -> dict[str, Any]:
        return call_or_fail(module, client, "describe_update", f"describe update {update['id']} ({what})", **kwargs)[
            "update"
        ]

    def failed(item: dict[str, Any]) -> dict[str, Any] | None:
        if item.get("status") in ("Failed", "Cancelled"):
            return {"msg": f"{what}: update {item['id']} {item['status']}", "errors": item.get("errors", [])}
        return None

    return wait_until(
        module, fetch, lambda item: item.get("status") == "Successful", budget, what,
        status=lambda item: item.get("status"), failed=failed, sleep=sleep,
    )  # fmt: skip
