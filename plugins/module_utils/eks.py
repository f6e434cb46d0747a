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
