"""moto 5.2.5 gap: DescribeUpdate / ListUpdates answer 404. Served for the updates recorded by
UpdateClusterConfig (``clusters``), UpdateNodegroupConfig (``nodegroups``) and UpdateAddon (``addons``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.eks.responses import EKSResponse
from moto.moto_api._internal import mock_random as random

from .. import latency
from .common import extras, get_cluster, not_found, paginate, path_param, query_value

#: Paths added to moto.eks.urls.url_paths (regexes, as moto writes them).
URL_PATHS: tuple[str, ...] = (
    "{0}/clusters/(?P<name>[^/]+)/updates$",
    "{0}/clusters/(?P<name>[^/]+)/updates/(?P<updateId>[^/]+)$",
)


class Update:
    def __init__(
        self,
        update_type: str,
        params: list[dict[str, str]],
        seconds: float = 0.0,
        nodegroup: str | None = None,
        addon: str | None = None,
    ) -> None:
        self.id = str(random.uuid4())
        self.type = update_type
        self.params = params
        self.created_at = utcnow()
        self.done_at = latency.now() + seconds
        self.nodegroup = nodegroup
        self.addon = addon

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": "InProgress" if latency.now() < self.done_at else "Successful",
            "type": self.type,
            "params": self.params,
            "createdAt": self.created_at,
            "errors": [],
        }


def describe_update(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    update_id = path_param(self, "updateId")
    update = extras(cluster).updates.get(update_id)
    nodegroup, addon = query_value(self, "nodegroupName"), query_value(self, "addonName")
    if update is None or update.nodegroup != nodegroup or update.addon != addon:
        raise not_found(f"No update found for ID: {update_id}", cluster=cluster.name, nodegroup=nodegroup, addon=addon)
    return ActionResult({"update": update.to_dict()})


def list_updates(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    nodegroup, addon = query_value(self, "nodegroupName"), query_value(self, "addonName")
    ids = [u.id for u in extras(cluster).updates.values() if u.nodegroup == nodegroup and u.addon == addon]
    page, next_token = paginate(ids, self)
    return ActionResult({"updateIds": page, "nextToken": next_token})


#: Methods added to moto.eks.responses.EKSResponse, named after the operations.
RESPONSE_METHODS: tuple[Callable[[EKSResponse], ActionResult], ...] = (
    describe_update,
    list_updates,
)
