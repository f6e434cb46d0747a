"""moto 5.2.5 gap: pod identity associations answer 404.

Create/Describe/List (namespace, serviceAccount filters)/Update/DeletePodIdentityAssociation, ``a-...``
ids, one association per namespace + service account, ``targetRoleArn``/``disableSessionTags``/``policy``.
Associations an add-on owns (``ownerArn``, made by ``addons``) cannot be updated or deleted directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.eks.responses import EKSResponse
from moto.moto_api._internal import mock_random as random
from moto.utilities.utils import get_partition

from .common import (
    ROLE_ARN,
    body,
    extras,
    get_cluster,
    in_use,
    invalid,
    invalid_request,
    not_found,
    paginate,
    path_param,
    query_value,
)

#: Paths added to moto.eks.urls.url_paths (regexes, as moto writes them).
URL_PATHS: tuple[str, ...] = (
    "{0}/clusters/(?P<name>[^/]+)/pod-identity-associations$",
    "{0}/clusters/(?P<name>[^/]+)/pod-identity-associations/(?P<associationId>[^/]+)$",
)


class PodIdentityAssociation:
    def __init__(
        self,
        cluster: Any,
        namespace: str,
        service_account: str,
        role_arn: str,
        tags: dict[str, str],
        region: str,
        account_id: str,
        owner_arn: str | None = None,
    ) -> None:
        self.association_id = "a-" + random.get_random_string(17, lower_case=True)
        self.cluster_name = cluster.name
        self.namespace = namespace
        self.service_account = service_account
        self.role_arn = role_arn
        self.tags = tags
        self.owner_arn = owner_arn
        self.arn = (
            f"arn:{get_partition(region)}:eks:{region}:{account_id}:podidentityassociation/"
            f"{cluster.name}/{self.association_id}"
        )
        self.created_at = self.modified_at = utcnow()
        self.disable_session_tags = False
        self.target_role_arn: str | None = None
        self.external_id: str | None = None
        self.policy: str | None = None

    def summary(self) -> dict[str, Any]:
        item = {
            "clusterName": self.cluster_name,
            "namespace": self.namespace,
            "serviceAccount": self.service_account,
            "associationArn": self.arn,
            "associationId": self.association_id,
        }
        if self.owner_arn:
            item["ownerArn"] = self.owner_arn
        return item

    def to_dict(self) -> dict[str, Any]:
        item = self.summary()
        item.update(
            {
                "roleArn": self.role_arn,
                "tags": dict(self.tags),
                "createdAt": self.created_at,
                "modifiedAt": self.modified_at,
                "disableSessionTags": self.disable_session_tags,
            }
        )
        for key, value in (
            ("targetRoleArn", self.target_role_arn),
            ("externalId", self.external_id),
            ("policy", self.policy),
        ):
            if value is not None:
                item[key] = value
        return item


def new_association(
    resp: EKSResponse,
    cluster: Any,
    namespace: str,
    service_account: str,
    role_arn: str,
    tags: dict[str, str],
    owner_arn: str | None = None,
) -> PodIdentityAssociation:
    if not namespace or not service_account:
        raise invalid("namespace and serviceAccount are required", cluster=cluster.name)
    if not ROLE_ARN.match(role_arn or ""):
        raise invalid(f"roleArn {role_arn!r} is not a valid IAM role ARN", cluster=cluster.name)
    for existing in extras(cluster).pod_identity.values():
        if (existing.namespace, existing.service_account) == (namespace, service_account):
            raise in_use(f"Association already exists: {existing.association_id}", cluster=cluster.name)
    association = PodIdentityAssociation(
        cluster, namespace, service_account, role_arn, dict(tags), resp.region, resp.current_account, owner_arn
    )
    extras(cluster).pod_identity[association.association_id] = association
    return association


def _get_association(cluster: Any, association_id: str) -> PodIdentityAssociation:
    association = extras(cluster).pod_identity.get(association_id)
    if association is None:
        raise not_found(f"Pod identity association {association_id} not found.", cluster=cluster.name)
    return association


def _apply_association_options(association: PodIdentityAssociation, params: dict[str, Any]) -> None:
    target = params.get("targetRoleArn")
    if target is not None:
        if target and not ROLE_ARN.match(target):
            raise invalid(f"targetRoleArn {target!r} is not a valid IAM role ARN")
        association.target_role_arn = target or None
        association.external_id = str(random.uuid4()) if target else None
    if params.get("disableSessionTags") is not None:
        association.disable_session_tags = bool(params["disableSessionTags"])
    if params.get("policy") is not None:
        association.policy = params["policy"] or None


def create_pod_identity_association(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    params = body(self)
    association = new_association(
        self,
        cluster,
        str(params.get("namespace") or ""),
        str(params.get("serviceAccount") or ""),
        str(params.get("roleArn") or ""),
        params.get("tags") or {},
    )
    _apply_association_options(association, params)
    return ActionResult({"association": association.to_dict()})


def describe_pod_identity_association(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    return ActionResult({"association": _get_association(cluster, path_param(self, "associationId")).to_dict()})


def list_pod_identity_associations(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    namespace, service_account = query_value(self, "namespace"), query_value(self, "serviceAccount")
    items = [
        a.summary()
        for a in sorted(extras(cluster).pod_identity.values(), key=lambda a: (a.namespace, a.service_account))
        if (namespace is None or a.namespace == namespace)
        and (service_account is None or a.service_account == service_account)
    ]
    page, next_token = paginate(items, self)
    return ActionResult({"associations": page, "nextToken": next_token})


def update_pod_identity_association(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    association = _get_association(cluster, path_param(self, "associationId"))
    if association.owner_arn:
        raise invalid_request(f"Association {association.association_id} is owned by {association.owner_arn}")
    params = body(self)
    if params.get("roleArn"):
        if not ROLE_ARN.match(params["roleArn"]):
            raise invalid(f"roleArn {params['roleArn']!r} is not a valid IAM role ARN", cluster=cluster.name)
        association.role_arn = params["roleArn"]
    _apply_association_options(association, params)
    association.modified_at = utcnow()
    return ActionResult({"association": association.to_dict()})


def delete_pod_identity_association(self: EKSResponse) -> ActionResult:
    cluster = get_cluster(self)
    association = _get_association(cluster, path_param(self, "associationId"))
    if association.owner_arn:
        raise invalid_request(f"Association {association.association_id} is owned by {association.owner_arn}")
    del extras(cluster).pod_identity[association.association_id]
    return ActionResult({"association": association.to_dict()})


#: Methods added to moto.eks.responses.EKSResponse, named after the operations.
RESPONSE_METHODS: tuple[Callable[[EKSResponse], ActionResult], ...] = (
    create_pod_identity_association,
    describe_pod_identity_association,
    list_pod_identity_associations,
    update_pod_identity_association,
    delete_pod_identity_association,
)
