#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: rds_parameter_group_managed
short_description: Manage an RDS DB parameter group or DB cluster parameter group, per-parameter apply method
version_added: 0.1.0
description:
  - Creates, converges or deletes a DB parameter group (O(kind=instance)) or a DB cluster parameter
    group (O(kind=cluster)) and the parameters set in it.
  - "Why not M(amazon.aws.rds_instance_param_group) / M(amazon.aws.rds_cluster_param_group): they apply
    every parameter with one apply method (C(immediate) fails for static parameters such as
    C(shared_preload_libraries), C(pending-reboot) delays dynamic ones), and they validate the wanted
    parameters against the engine default catalog, so they cannot run against a backend without one
    (moto 5.2.5 also answers C(DescribeDBParameterGroups) for a missing group with an empty list, which
    makes M(amazon.aws.rds_instance_param_group) crash with C(list index out of range))."
  - Parameters are compared with what RDS reports (C(Source=user) first; the full list only when a
    parameter must change and its C(ApplyType) is needed). Only differing parameters are sent, in
    batches of 20; each with C(immediate) when its C(ApplyType) is C(dynamic) and C(pending-reboot)
    when it is C(static) or unknown (O(apply_method=auto)).
  - Values are compared as RDS stores them - strings; C(true)/C(false) become C(1)/C(0), lists are
    joined with commas.
  - With O(purge_parameters=true), user-set parameters that are not in O(parameters) are reset to the
    engine default.
  - The family and the description cannot be changed in place; a difference is reported in RV(drift).
  - Check mode reads only; C(--diff) shows before/after of the managed parameters and tags.
options:
  name:
    description: Name of the parameter group.
    type: str
    required: true
  kind:
    description: C(instance) - DB parameter group; C(cluster) - DB cluster parameter group (Aurora).
    type: str
    choices: [instance, cluster]
    default: instance
  family:
    description: Parameter group family (C(postgres17), C(aurora-postgresql16), C(aurora-mysql8.0)). Needed to create.
    type: str
  description:
    description: Description (set on create; defaults to the name).
    type: str
  parameters:
    description: Parameter name to value. Omitted = parameters not managed.
    type: dict
  apply_method:
    description: C(auto) (by ApplyType), or one method for every parameter.
    type: str
    choices: [auto, immediate, pending-reboot]
    default: auto
  purge_parameters:
    description: Reset user-set parameters not listed in O(parameters).
    type: bool
    default: false
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
notes:
  - "IAM actions: C(rds:DescribeDBParameterGroups), C(rds:DescribeDBParameters), C(rds:CreateDBParameterGroup),
    C(rds:ModifyDBParameterGroup), C(rds:ResetDBParameterGroup), C(rds:DeleteDBParameterGroup) (the
    C(DBClusterParameterGroup) equivalents for O(kind=cluster)), C(rds:ListTagsForResource),
    C(rds:AddTagsToResource), C(rds:RemoveTagsFromResource)."
  - A DB instance picks up C(pending-reboot) values at its next reboot; on creation it starts with them.
    M(cloudops.eks_platform.rds_instance_managed) reports C(pending_reboot) and can reboot.
author:
  - cloudops platform team
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: PostgreSQL 17 parameters (static ones pending-reboot, dynamic ones immediate)
  cloudops.eks_platform.rds_parameter_group_managed:
    name: wealist-prod-postgres17
    family: postgres17
    description: wealist-prod PostgreSQL 17 parameters
    parameters:
      shared_preload_libraries: pg_stat_statements
      log_statement: ddl
      log_min_duration_statement: 1000
    tags:
      Project: wealist

- name: Aurora MySQL cluster parameters
  cloudops.eks_platform.rds_parameter_group_managed:
    name: point-prod-aurora-mysql
    kind: cluster
    family: aurora-mysql8.0
    parameters:
      time_zone: Asia/Seoul
"""

RETURN = r"""
parameter_group:
  description: The group as RDS describes it, snake_cased, with tags (empty when absent or not yet created).
  returned: always
  type: dict
changed_parameters:
  description: Names of the parameters that were (or would be) set or reset.
  returned: always
  type: list
  elements: str
pending_reboot_parameters:
  description: Names of the changed parameters applied with C(pending-reboot).
  returned: always
  type: list
  elements: str
drift:
  description: Settings that differ but cannot be changed in place (C(family), C(description)).
  returned: always
  type: list
  elements: str
"""

from typing import Any

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_compare import (
    normalize_parameter_value,
    parameter_changes,
)

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

# API names per kind.
API = {
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
BATCH = 20


@AWSRetry.jittered_backoff()
def _call(client, method: str, **kwargs: Any) -> dict[str, Any]:
    return getattr(client, method)(**kwargs)


@AWSRetry.jittered_backoff()
def _parameters(client, method: str, **kwargs: Any) -> list[dict[str, Any]]:
    return client.get_paginator(method).paginate(**kwargs).build_full_result().get("Parameters", [])


def batches(items: list[Any], size: int = BATCH) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def user_parameters(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Parameters set by the user (entries without Source count as user-set, as moto reports them)."""
    return {e["ParameterName"]: e for e in entries if e.get("Source", "user") == "user"}


def resets(user_set: dict[str, dict[str, Any]], wanted: dict[str, Any], apply_method: str) -> list[dict[str, str]]:
    """ResetDB(Cluster)ParameterGroup entries for user-set parameters not wanted."""
    out = []
    for name in sorted(set(user_set) - set(wanted)):
        method = apply_method
        if method == "auto":
            method = "immediate" if user_set[name].get("ApplyType") == "dynamic" else "pending-reboot"
        out.append({"ParameterName": name, "ApplyMethod": method})
    return out


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            kind=dict(type="str", default="instance", choices=["instance", "cluster"]),
            family=dict(type="str"),
            description=dict(type="str"),
            parameters=dict(type="dict"),
            apply_method=dict(type="str", default="auto", choices=["auto", "immediate", "pending-reboot"]),
            purge_parameters=dict(type="bool", default=False),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    api = API[p["kind"]]
    client = module.client("rds")
    name = p["name"]

    def fail(e: Exception, what: str) -> None:
        module.fail_json_aws(e, msg=f"Failed to {what} {p['kind']} parameter group {name}")

    def describe() -> dict[str, Any] | None:
        try:
            groups = _call(client, api["describe_groups"], **{api["name"]: name}).get(api["groups_key"], [])
        except is_boto3_error_code(api["not_found"]):
            return None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            fail(e, "describe")
        # moto answers an empty list instead of the NotFound fault.
        return groups[0] if groups else None

    def read_parameters(source: str | None) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {api["name"]: name}
        if source:
            kwargs["Source"] = source
        try:
            return _parameters(client, api["describe_params"], **kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            fail(e, "read the parameters of")
        return []

    def tags_of(group: dict[str, Any]) -> dict[str, str]:
        try:
            found = _call(client, "list_tags_for_resource", ResourceName=group[api["arn"]])["TagList"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            fail(e, "list the tags of")
        return boto3_tag_list_to_ansible_dict(found)

    group = describe()
    changed = False
    if p["state"] == "absent":
        if group:
            changed = True
            if not module.check_mode:
                try:
                    _call(client, api["delete"], **{api["name"]: name})
                except is_boto3_error_code(api["not_found"]):
                    pass
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
                    fail(e, "delete")
        module.exit_json(changed=changed, parameter_group={}, changed_parameters=[], pending_reboot_parameters=[],
                         drift=[], diff={"before": {"name": name, "exists": bool(group)}, "after": {}})

    tags = None
    if p["tags"] is not None:
        tags = dict(p["tags"])
        tags.setdefault("Name", name)
    wanted = {k: normalize_parameter_value(v) for k, v in (p["parameters"] or {}).items()}
    drift: list[str] = []
    before: dict[str, Any] = {}
    created = False
    if group is None:
        if not p["family"]:
            module.fail_json(msg=f"Parameter group {name} does not exist; creating it needs family")
        changed = created = True
        if module.check_mode:
            changes = [{"ParameterName": k, "ParameterValue": v, "ApplyMethod": "?"} for k, v in sorted(wanted.items())]
            module.exit_json(
                changed=True, parameter_group={}, changed_parameters=[c["ParameterName"] for c in changes],
                pending_reboot_parameters=[], drift=[],
                diff={"before": {}, "after": {"name": name, "family": p["family"], "parameters": wanted,
                                              "tags": tags or {}}},
            )
        kwargs = {api["name"]: name, "DBParameterGroupFamily": p["family"], "Description": p["description"] or name}
        if tags:
            kwargs["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        try:
            _call(client, api["create"], **kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            fail(e, "create")
        group = describe() or {api["name"]: name}
        current_tags = dict(tags or {})
    else:
        if p["family"] and group.get("DBParameterGroupFamily") not in (None, p["family"]):
            drift.append("family")
        if p["description"] and group.get("Description") not in (None, p["description"]):
            drift.append("description")
        current_tags = tags_of(group) if tags is not None else {}

    # Parameters: the user-set ones first; the full list only when something must change.
    user_set = user_parameters(read_parameters("user")) if (wanted or p["purge_parameters"]) else {}
    current = dict(user_set)
    changes = parameter_changes(current, wanted, p["apply_method"])
    if changes and p["apply_method"] == "auto":
        missing_type = [c["ParameterName"] for c in changes if "ApplyType" not in current.get(c["ParameterName"], {})]
        if missing_type:
            every = {e["ParameterName"]: e for e in read_parameters(None)}
            for param in missing_type:
                if param in every:
                    current[param] = {**every[param], **current.get(param, {})}
            changes = parameter_changes(current, wanted, p["apply_method"])
    to_reset = resets(user_set, wanted, p["apply_method"]) if p["purge_parameters"] else []
    before = {"parameters": {k: e.get("ParameterValue") for k, e in sorted(current.items()) if k in wanted
                             or k in {r["ParameterName"] for r in to_reset}}}
    after = {"parameters": {**{k: v for k, v in before["parameters"].items()
                               if k not in {r["ParameterName"] for r in to_reset}}, **wanted}}
    if changes or to_reset:
        changed = True
        if not module.check_mode:
            try:
                for batch in batches(changes):
                    _call(client, api["modify"], **{api["name"]: name, "Parameters": batch})
                for batch in batches(to_reset):
                    _call(client, api["reset"], **{api["name"]: name, "Parameters": batch})
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                fail(e, "modify the parameters of")

    if tags is not None and not created:
        to_set, to_unset = compare_aws_tags(current_tags, tags, p["purge_tags"])
        if to_set or to_unset:
            changed = True
            if not module.check_mode:
                try:
                    if to_unset:
                        _call(client, "remove_tags_from_resource", ResourceName=group[api["arn"]], TagKeys=to_unset)
                    if to_set:
                        _call(client, "add_tags_to_resource", ResourceName=group[api["arn"]],
                              Tags=ansible_dict_to_boto3_tag_list(to_set))
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                    fail(e, "tag")
        before["tags"] = current_tags
        after["tags"] = {**{k: v for k, v in current_tags.items() if k not in to_unset}, **to_set}
    if drift:
        module.warn(f"Parameter group {name}: {', '.join(drift)} cannot be changed in place (left as they are)")
    result = camel_dict_to_snake_dict(group)
    if tags is not None:
        result["tags"] = after.get("tags", tags)
    module.exit_json(
        changed=changed,
        parameter_group=result,
        changed_parameters=[c["ParameterName"] for c in changes] + [r["ParameterName"] for r in to_reset],
        pending_reboot_parameters=[c["ParameterName"] for c in changes + to_reset
                                   if c["ApplyMethod"] == "pending-reboot"],
        drift=drift,
        diff={"before": before if not created else {}, "after": after},
    )


if __name__ == "__main__":
    main()
