# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Tag convergence through amazon.aws's own helpers (``compare_aws_tags``, ``ansible_dict_to_boto3_tag_list``,
``boto3_tag_list_to_ansible_dict``): :func:`plan_tags` says what to change (pure), :func:`update_tags`
makes the calls of the client's service. ``tags`` omitted (None) means tags are not managed;
``aws:`` tags are never removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import AWS_ERRORS, call


@dataclass
class TagPlan:
    before: dict[str, str]
    after: dict[str, str]
    to_set: dict[str, str] = field(default_factory=dict)
    to_unset: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.to_set or self.to_unset)


def tag_dict(tags: Mapping[str, Any] | list[dict[str, str]] | None) -> dict[str, str]:
    """A boto3 tag list (``Key``/``Value``) or a dict, as a dict."""
    if isinstance(tags, Mapping):
        return dict(tags)
    return boto3_tag_list_to_ansible_dict(tags or [])


def plan_tags(
    current: Mapping[str, Any] | list[dict[str, str]] | None, wanted: Mapping[str, Any] | None, purge: bool
) -> TagPlan:
    before = tag_dict(current)
    if wanted is None:
        return TagPlan(before, dict(before))
    to_set, to_unset = compare_aws_tags(before, dict(wanted), purge)
    to_set = {key: str(value) for key, value in to_set.items()}
    after = {key: value for key, value in before.items() if key not in to_unset}
    after.update(to_set)
    return TagPlan(before, after, to_set, sorted(to_unset))


_Call = tuple[str, dict[str, Any]]


def _tag_calls(resource: str, plan: TagPlan) -> dict[str, tuple[_Call, _Call]]:
    tags = ansible_dict_to_boto3_tag_list(plan.to_set)
    arn_api = (
        ("add_tags_to_resource", {"ResourceName": resource, "Tags": tags}),
        ("remove_tags_from_resource", {"ResourceName": resource, "TagKeys": plan.to_unset}),
    )
    return {
        "ec2": (
            ("create_tags", {"Resources": [resource], "Tags": tags}),
            ("delete_tags", {"Resources": [resource], "Tags": [{"Key": key} for key in plan.to_unset]}),
        ),
        "ecr": (
            ("tag_resource", {"resourceArn": resource, "tags": tags}),
            ("untag_resource", {"resourceArn": resource, "tagKeys": plan.to_unset}),
        ),
        "secretsmanager": (
            ("tag_resource", {"SecretId": resource, "Tags": tags}),
            ("untag_resource", {"SecretId": resource, "TagKeys": plan.to_unset}),
        ),
        "rds": arn_api,
        "elasticache": arn_api,
        # EKS takes the tags as a map, not a Key/Value list
        "eks": (
            ("tag_resource", {"resourceArn": resource, "tags": dict(plan.to_set)}),
            ("untag_resource", {"resourceArn": resource, "tagKeys": plan.to_unset}),
        ),
    }


def update_tags(module: Any, client: Any, resource: str, plan: TagPlan) -> None:
    """Remove, then set, the tags ``plan`` names on ``resource`` (id or ARN) with the calls of the
    client's service. Does nothing in check mode or when nothing differs."""
    if module.check_mode or not plan.changed:
        return
    service = client.meta.service_model.service_name
    (set_method, set_args), (unset_method, unset_args) = _tag_calls(resource, plan)[service]
    try:
        if plan.to_unset:
            call(client, unset_method, **unset_args)
        if plan.to_set:
            call(client, set_method, **set_args)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to update the tags of {resource}")


def list_tags(module: Any, client: Any, arn: str | None) -> dict[str, str]:
    """ListTagsForResource of an RDS, ElastiCache, ECR or EKS resource, as a dict."""
    if not arn:
        return {}
    service = client.meta.service_model.service_name
    try:
        if service in ("ecr", "eks"):
            return tag_dict(call(client, "list_tags_for_resource", resourceArn=arn).get("tags"))
        return tag_dict(call(client, "list_tags_for_resource", ResourceName=arn).get("TagList"))
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to list the tags of {arn}")
    return {}
