# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""AWS side of ``rds_parameter_group_managed``: a DB or DB cluster parameter group converged through the
same :class:`rds_managed.RDSContext` (retried calls, tags) as the instance and cluster modules.
The pure parts (which values differ, which user-set parameters to reset) are in :mod:`rds_compare`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import AWS_ERRORS, call, paginate
from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_compare import (
    batches,
    normalize_parameter_value,
    parameter_changes,
    parameter_resets,
    user_parameters,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_managed import RDSContext

#: API names per kind of parameter group.
API: dict[str, dict[str, Any]] = {
    "instance": {
        "describe_groups": "describe_db_parameter_groups",
        "groups_key": "DBParameterGroups",
        "describe_params": "describe_db_parameters",
        "create": "create_db_parameter_group",
        "modify": "modify_db_parameter_group",
        "reset": "reset_db_parameter_group",
        "delete": "delete_db_parameter_group",
        "name": "DBParameterGroupName",
        "arn": "DBParameterGroupArn",
        "not_found": "DBParameterGroupNotFound",
    },
    "cluster": {
        "describe_groups": "describe_db_cluster_parameter_groups",
        "groups_key": "DBClusterParameterGroups",
        "describe_params": "describe_db_cluster_parameters",
        "create": "create_db_cluster_parameter_group",
        "modify": "modify_db_cluster_parameter_group",
        "reset": "reset_db_cluster_parameter_group",
        "delete": "delete_db_cluster_parameter_group",
        "name": "DBClusterParameterGroupName",
        "arn": "DBClusterParameterGroupArn",
        "not_found": ["DBParameterGroupNotFound", "DBClusterParameterGroupNotFound",
                      "DBClusterParameterGroupNotFoundFault"],
    },
}


class ParameterGroup:
    """One DB (cluster) parameter group, by kind and name."""

    def __init__(self, ctx: RDSContext, kind: str, name: str) -> None:
        self.ctx, self.api, self.kind, self.name = ctx, API[kind], kind, name

    def what(self, verb: str) -> str:
        return f"{verb} {self.kind} parameter group {self.name}"

    def call(self, method: str, verb: str, **kwargs: Any) -> dict[str, Any]:
        return self.ctx.call(self.api[method], self.what(verb), **{self.api["name"]: self.name}, **kwargs)

    def describe(self) -> dict[str, Any] | None:
        try:
            found = call(self.ctx.client, self.api["describe_groups"], **{self.api["name"]: self.name})
        except is_boto3_error_code(self.api["not_found"]):
            return None
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.ctx.fail(e, f"Failed to {self.what('describe')}")
        groups = found.get(self.api["groups_key"], [])
        return groups[0] if groups else None  # moto answers an empty list instead of the NotFound fault

    def parameters(self, source: str | None) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {self.api["name"]: self.name}
        if source:
            kwargs["Source"] = source
        try:
            return paginate(self.ctx.client, self.api["describe_params"], **kwargs).get("Parameters", [])
        except AWS_ERRORS as e:
            self.ctx.fail(e, f"Failed to {self.what('read the parameters of')}")
        return []

    def delete(self) -> None:
        try:
            call(self.ctx.client, self.api["delete"], **{self.api["name"]: self.name})
        except is_boto3_error_code(self.api["not_found"]):
            pass
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.ctx.fail(e, f"Failed to {self.what('delete')}")


def absent(ctx: RDSContext, params: Mapping[str, Any]) -> dict[str, Any]:
    group = ParameterGroup(ctx, params["kind"], params["name"])
    found = group.describe()
    if found and not ctx.check_mode:
        group.delete()
    return dict(changed=bool(found), parameter_group={}, changed_parameters=[], pending_reboot_parameters=[],
                drift=[], diff={"before": {"name": params["name"], "exists": bool(found)}, "after": {}})


def _changes(group: ParameterGroup, wanted: dict[str, str], params: Mapping[str, Any]) -> tuple[list, list, dict]:
    """(modify entries, reset entries, current user-set entries): the user-set parameters are read first,
    the full list only when an ApplyType is needed to choose the apply method."""
    apply_method = params["apply_method"]
    user_set = user_parameters(group.parameters("user")) if (wanted or params["purge_parameters"]) else {}
    current = dict(user_set)
    changes = parameter_changes(current, wanted, apply_method)
    if changes and apply_method == "auto":
        missing_type = [c["ParameterName"] for c in changes if "ApplyType" not in current.get(c["ParameterName"], {})]
        if missing_type:
            every = {e["ParameterName"]: e for e in group.parameters(None)}
            for name in missing_type:
                if name in every:
                    current[name] = {**every[name], **current.get(name, {})}
            changes = parameter_changes(current, wanted, apply_method)
    resets = parameter_resets(user_set, wanted, apply_method) if params["purge_parameters"] else []
    return changes, resets, current


def present(ctx: RDSContext, params: Mapping[str, Any]) -> dict[str, Any]:
    """Create or converge the group (parameters, tags); family and description are reported as drift."""
    name = params["name"]
    group = ParameterGroup(ctx, params["kind"], name)
    tags = None
    if params["tags"] is not None:
        tags = dict(params["tags"])
        tags.setdefault("Name", name)
    wanted = {k: normalize_parameter_value(v) for k, v in (params["parameters"] or {}).items()}
    found = group.describe()
    drift: list[str] = []
    created = found is None
    if created:
        if not params["family"]:
            ctx.module.fail_json(msg=f"Parameter group {name} does not exist; creating it needs family")
        if ctx.check_mode:
            return dict(changed=True, parameter_group={}, changed_parameters=sorted(wanted),
                        pending_reboot_parameters=[], drift=[],
                        diff={"before": {}, "after": {"name": name, "family": params["family"], "parameters": wanted,
                                                      "tags": tags or {}}})
        kwargs: dict[str, Any] = {"DBParameterGroupFamily": params["family"],
                                  "Description": params["description"] or name}
        if tags:
            kwargs["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        group.call("create", "create", **kwargs)
        found = group.describe() or {group.api["name"]: name}
    else:
        if params["family"] and found.get("DBParameterGroupFamily") not in (None, params["family"]):
            drift.append("family")
        if params["description"] and found.get("Description") not in (None, params["description"]):
            drift.append("description")

    changes, resets, current = _changes(group, wanted, params)
    reset_names = {r["ParameterName"] for r in resets}
    before: dict[str, Any] = {"parameters": {k: e.get("ParameterValue") for k, e in sorted(current.items())
                                             if k in wanted or k in reset_names}}
    after: dict[str, Any] = {"parameters": {**{k: v for k, v in before["parameters"].items() if k not in reset_names},
                                            **wanted}}
    if (changes or resets) and not ctx.check_mode:
        for batch in batches(changes):
            group.call("modify", "modify the parameters of", Parameters=batch)
        for batch in batches(resets):
            group.call("reset", "modify the parameters of", Parameters=batch)
    tags_changed = False
    if tags is not None and not created:
        tags_changed, before["tags"], after["tags"] = ctx.converge_tags(
            found[group.api["arn"]], ctx.tags(found[group.api["arn"]]), tags, params["purge_tags"]
        )
    if drift:
        ctx.module.warn(f"Parameter group {name}: {', '.join(drift)} cannot be changed in place (left as they are)")
    result = camel_dict_to_snake_dict(found)
    if tags is not None:
        result["tags"] = after.get("tags", tags)
    return dict(
        changed=created or bool(changes or resets) or tags_changed,
        parameter_group=result,
        changed_parameters=[c["ParameterName"] for c in changes] + [r["ParameterName"] for r in resets],
        pending_reboot_parameters=[c["ParameterName"] for c in changes + resets
                                   if c["ApplyMethod"] == "pending-reboot"],
        drift=drift,
        diff={"before": before if not created else {}, "after": after},
    )
