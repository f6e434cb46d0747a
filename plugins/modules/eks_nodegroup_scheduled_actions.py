#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: eks_nodegroup_scheduled_actions
short_description: Converge the scheduled scaling actions of the Auto Scaling groups behind EKS managed node groups
version_added: 0.1.0
description:
  - For every listed node group of one EKS cluster, finds the Auto Scaling groups EKS reports for it
    (C(DescribeNodegroup), C(resources.autoScalingGroups)) and converges their scheduled actions
    (C(PutScheduledUpdateGroupAction) semantics, sent in batches) to O(nodegroups[].actions) - the same actions on
    every Auto Scaling group of the node group.
  - B(Deletion by prefix.) With O(purge_prefix), an action of those Auto Scaling groups whose name starts with it and
    that is not listed is deleted - a schedule removed from the inventory, or disabled, is deleted on the next run.
    Actions with other names are never touched. Without O(purge_prefix) unlisted actions are left alone.
  - An action whose recurrence, time zone or sizes differ is updated in place. AWS keeps a setting an update leaves
    out, so an action that must lose one (a time zone no longer given, a size no longer given) is deleted and put
    again.
  - C(community.aws.autoscaling_scheduled_action) manages one action per call, writes it on every run and cannot
    list the actions of a group, so it cannot delete the ones removed from the inventory; this module reads each
    Auto Scaling group's actions once (C(DescribeScheduledActions)) and writes only the differences.
  - The options are validated before any AWS call, each failure naming its option path
    (C(nodegroups[0].actions[1].recurrence)) - five-field cron recurrences, IANA time zones, sizes
    (C(min_size <= desired_capacity <= max_size), at least one of them), names listed twice.
  - A node group listed without actions and without O(purge_prefix) is only read (its status, Auto Scaling groups
    and scaling configuration are returned); the run changes nothing then.
  - A node group (or cluster) that does not exist while actions are listed for it fails a real run; in check mode
    (an earlier task of the same run creates it) it is a warning and its actions are planned as created. A node
    group listed with no actions that does not exist is nothing to do (teardown).
options:
  cluster_name:
    description: Name of the EKS cluster of the node groups.
    type: str
    required: true
  nodegroups:
    description: The node groups whose Auto Scaling groups carry the actions.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the managed node group.
        type: str
        required: true
      actions:
        description:
          - The scheduled actions of every Auto Scaling group of the node group, by name (unique per group).
          - C([]) with O(purge_prefix) deletes every action of the group whose name starts with the prefix.
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: Scheduled action name (1 to 255 characters), unique within the Auto Scaling group.
            type: str
            required: true
          recurrence:
            description: When the action runs, a five-field cron expression (minute hour day-of-month month
              day-of-week), in O(nodegroups[].actions[].time_zone).
            type: str
            required: true
          time_zone:
            description: IANA time zone of the recurrence (C(Asia/Seoul)); not given, UTC.
            type: str
          min_size:
            description: Minimum size the action sets on the Auto Scaling group (not given, left as is).
            type: int
          max_size:
            description: Maximum size the action sets.
            type: int
          desired_capacity:
            description: Desired capacity the action sets.
            type: int
  purge_prefix:
    description:
      - Delete the actions of the node groups' Auto Scaling groups whose name starts with this and that are not listed.
      - Not given, unlisted actions are left alone. An empty string matches every action.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - The actions change the Auto Scaling group directly; EKS's own scaling configuration of the node group is not
    changed. C(cloudops.eks_platform.eks_nodegroups) leaves the desired size to them (and to Cluster Autoscaler).
  - Recurrences are checked as five-field cron expressions; AWS also checks them when the action is put.
  - "IAM actions: C(eks:DescribeNodegroup), C(autoscaling:DescribeScheduledActions),
    C(autoscaling:BatchPutScheduledUpdateGroupAction), C(autoscaling:BatchDeleteScheduledAction)."
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: Night and weekend scale-down of the spot node group, in Korean time
  cloudops.eks_platform.eks_nodegroup_scheduled_actions:
    cluster_name: wealist-prod-eks
    purge_prefix: wealist-prod-
    nodegroups:
      - name: wealist-prod-spot
        actions:
          - name: wealist-prod-weekday-scale-down
            recurrence: "0 1 * * 1-5"
            time_zone: Asia/Seoul
            min_size: 0
            max_size: 0
            desired_capacity: 0
          - name: wealist-prod-weekday-scale-up
            recurrence: "0 8 * * 1-5"
            time_zone: Asia/Seoul
            min_size: 1
            max_size: 4
            desired_capacity: 2

- name: Remove every wealist-prod- action of the node group (teardown)
  cloudops.eks_platform.eks_nodegroup_scheduled_actions:
    cluster_name: wealist-prod-eks
    purge_prefix: wealist-prod-
    nodegroups:
      - name: wealist-prod-spot
"""

RETURN = r"""
nodegroups:
  description: The listed node groups after the run (in check mode, as planned), in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Node group name.
      type: str
    status:
      description: The node group's status, null when it does not exist.
      type: str
    autoscaling_group_names:
      description: The node group's Auto Scaling groups (empty when it does not exist).
      type: list
      elements: str
    scaling_config:
      description: The node group's scaling configuration as EKS reports it (C(min_size), C(max_size),
        C(desired_size); null values when it does not exist) - after a scheduled action ran, the sizes it set.
      type: dict
    scheduled_actions:
      description:
        - Auto Scaling group name to its actions (all of them, not only the listed ones), by action name -
          C(recurrence), C(time_zone), C(min_size), C(max_size), C(desired_capacity).
        - Empty for a node group listed without actions when O(purge_prefix) is not given (nothing to manage, the
          node group is only read).
      type: dict
  sample: [{"name": "wealist-prod-spot", "status": "ACTIVE", "autoscaling_group_names": ["eks-wealist-prod-spot-1a2b"],
            "scaling_config": {"min_size": 1, "max_size": 4, "desired_size": 2},
            "scheduled_actions": {"eks-wealist-prod-spot-1a2b": {"wealist-prod-weekday-scale-down": {
              "recurrence": "0 1 * * 1-5", "time_zone": "Asia/Seoul", "min_size": 0, "max_size": 0,
              "desired_capacity": 0}}}}]
changes:
  description: Auto Scaling group name (or, for a node group that does not exist yet, the node group name) to the
    action names C(create)d, C(update)d and C(delete)d (or that would be). Only groups with a change are listed.
  returned: always
  type: dict
  sample: {"eks-wealist-prod-spot-1a2b": {"create": ["wealist-prod-weekday-scale-up"], "update": [],
           "delete": ["wealist-prod-weekend-scale-down"]}}
diff:
  description: With C(--diff), C(before) / C(after) maps of node group name to Auto Scaling group name to action name
    to settings - only the actions the run manages (listed, or matching O(purge_prefix)).
  returned: when diff mode is on
  type: dict
"""

from typing import Any
from zoneinfo import available_timezones

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import (
    AWS_ERRORS,
    call_or_fail,
    exit_with,
    paginate,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import optional
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks import describe_nodegroup
from ansible_collections.cloudops.eks_platform.plugins.module_utils.scaling_schedules import cron_problems

SIZES = ("min_size", "max_size", "desired_capacity")
# module option -> ScheduledUpdateGroupAction field
_API = {
    "recurrence": "Recurrence",
    "time_zone": "TimeZone",
    "min_size": "MinSize",
    "max_size": "MaxSize",
    "desired_capacity": "DesiredCapacity",
}
BATCH = 50  # BatchPut/BatchDelete accept at most 50 actions per call
NAME_MAX = 255


# --- pure: validation ----------------------------------------------------------------------------------------


def _action_problems(where: str, action: dict[str, Any], zones: set[str]) -> list[str]:
    problems = []
    name = action.get("name") or ""
    if not 1 <= len(name) <= NAME_MAX:
        problems.append(f"{where}.name must be 1 to {NAME_MAX} characters")
    for problem in cron_problems(action.get("recurrence")):
        problems.append(f"{where}.recurrence: {problem}")
    zone = action.get("time_zone")
    if zone is not None and zones and zone not in zones:
        problems.append(f"{where}.time_zone {zone!r} is not an IANA time zone (like Asia/Seoul)")
    sizes = {key: action.get(key) for key in SIZES if action.get(key) is not None}
    if not sizes:
        problems.append(f"{where}: give at least one of {', '.join(SIZES)}")
    for key, value in sizes.items():
        if value < 0:
            problems.append(f"{where}.{key} must be at least 0, got {value}")
    low, high, desired = (action.get(key) for key in SIZES)
    if low is not None and high is not None and low > high:
        problems.append(f"{where}.min_size {low} is above max_size {high}")
    if desired is not None and low is not None and desired < low:
        problems.append(f"{where}.desired_capacity {desired} is below min_size {low}")
    if desired is not None and high is not None and desired > high:
        problems.append(f"{where}.desired_capacity {desired} is above max_size {high}")
    return problems


def validate(nodegroups: list[dict[str, Any]], zones: set[str] | None = None) -> list[str]:
    """Problems of the ``nodegroups`` option, each naming its option path; empty when valid. ``zones`` are the
    known IANA time zones (empty: not checked, no time zone database)."""
    zones = available_timezones() if zones is None else zones
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, nodegroup in enumerate(nodegroups):
        path = f"nodegroups[{i}]"
        if nodegroup["name"] in seen:
            problems.append(
                f"{path}.name: node group {nodegroup['name']} is already nodegroups[{seen[nodegroup['name']]}]"
            )
        seen.setdefault(nodegroup["name"], i)
        names: dict[str, int] = {}
        for j, action in enumerate(nodegroup.get("actions") or []):
            where = f"{path}.actions[{j}]"
            if action.get("name") in names:
                problems.append(f"{where}.name: {action['name']} is already {path}.actions[{names[action['name']]}]")
            names.setdefault(action.get("name"), j)
            problems += _action_problems(where, action, zones)
    return problems


# --- pure: what an Auto Scaling group has and what to change -------------------------------------------------


def _recurrence(text: Any) -> Any:
    return " ".join(text.split()) if isinstance(text, str) else text


def current_action(action: dict[str, Any]) -> dict[str, Any]:
    """A ScheduledUpdateGroupAction (DescribeScheduledActions) as settings: the module's option names, unset
    fields None."""
    settings = {option: action.get(field) for option, field in _API.items()}
    settings["recurrence"] = _recurrence(settings["recurrence"])
    return settings


def wanted_action(action: dict[str, Any]) -> dict[str, Any]:
    settings = {option: action.get(option) for option in _API}
    settings["recurrence"] = _recurrence(settings["recurrence"])
    return settings


def plan_group(
    current: list[dict[str, Any]], wanted: list[dict[str, Any]], purge_prefix: str | None
) -> dict[str, list[str]]:
    """The changes that bring one Auto Scaling group's actions (``current``, DescribeScheduledActions) to
    ``wanted`` (the option's actions): ``create``, ``update`` (in place), ``replace`` (updates that must clear a
    setting AWS would keep: deleted and put again; also listed in ``update``) and ``delete`` (unlisted, matching
    ``purge_prefix``)."""
    have = {a["ScheduledActionName"]: current_action(a) for a in current}
    want = {a["name"]: wanted_action(a) for a in wanted}
    plan: dict[str, list[str]] = {"create": [], "update": [], "replace": [], "delete": []}
    for name, settings in want.items():
        if name not in have:
            plan["create"].append(name)
        elif have[name] != settings:
            plan["update"].append(name)
            if any(settings[key] is None and have[name][key] is not None for key in _API):
                plan["replace"].append(name)
    if purge_prefix is not None:
        plan["delete"] = sorted(name for name in have if name.startswith(purge_prefix) and name not in want)
    return plan


def plan_changed(plan: dict[str, list[str]]) -> bool:
    return bool(plan["create"] or plan["update"] or plan["delete"])


def put_request(action: dict[str, Any]) -> dict[str, Any]:
    """One entry of BatchPutScheduledUpdateGroupAction's ``ScheduledUpdateGroupActions``."""
    request = {"ScheduledActionName": action["name"]}
    request.update({field: action[option] for option, field in _API.items() if action.get(option) is not None})
    return request


def managed_view(
    current: list[dict[str, Any]], wanted: list[dict[str, Any]], purge_prefix: str | None
) -> dict[str, dict[str, Any]]:
    """The diff side of one Auto Scaling group: its actions that are listed or match ``purge_prefix``."""
    listed = {a["name"] for a in wanted}
    return {
        a["ScheduledActionName"]: current_action(a)
        for a in sorted(current, key=lambda a: a["ScheduledActionName"])
        if a["ScheduledActionName"] in listed
        or (purge_prefix is not None and a["ScheduledActionName"].startswith(purge_prefix))
    }


def planned_actions(
    current: list[dict[str, Any]], wanted: list[dict[str, Any]], plan: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """The group's actions (DescribeScheduledActions' shape) as they are after ``plan`` - check mode's answer."""
    wanted_by_name = {a["name"]: a for a in wanted}
    kept = [
        a for a in current
        if a["ScheduledActionName"] not in plan["delete"] and a["ScheduledActionName"] not in plan["update"]
    ]  # fmt: skip
    changed = [put_request(wanted_by_name[name]) for name in plan["create"] + plan["update"]]
    return sorted(kept + changed, key=lambda a: a["ScheduledActionName"])


def actions_view(actions: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        a["ScheduledActionName"]: current_action(a) for a in sorted(actions, key=lambda a: a["ScheduledActionName"])
    }


# --- AWS calls -------------------------------------------------------------------------------------------------


def describe_actions(module: AnsibleAWSModule, client, group: str) -> list[dict[str, Any]]:
    try:
        return paginate(client, "describe_scheduled_actions", AutoScalingGroupName=group)["ScheduledUpdateGroupActions"]
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to describe the scheduled actions of Auto Scaling group {group}")
    return []


def _failures(response: dict[str, Any], key: str) -> list[str]:
    return [
        f"{f.get('ScheduledActionName')}: {f.get('ErrorCode')} {f.get('ErrorMessage') or ''}".strip()
        for f in response.get(key) or []
    ]


def apply_plan(module: AnsibleAWSModule, client, group: str, wanted: list[dict[str, Any]], plan) -> None:
    wanted_by_name = {a["name"]: a for a in wanted}
    deletions = plan["delete"] + plan["replace"]
    for start in range(0, len(deletions), BATCH):
        response = call_or_fail(
            module, client, "batch_delete_scheduled_action", f"delete scheduled actions of Auto Scaling group {group}",
            AutoScalingGroupName=group, ScheduledActionNames=deletions[start:start + BATCH],
        )  # fmt: skip
        failed = _failures(response, "FailedScheduledActions")
        if failed:
            module.fail_json(
                msg=f"Failed to delete scheduled actions of Auto Scaling group {group}: {'; '.join(failed)}"
            )
    puts = [put_request(wanted_by_name[name]) for name in plan["create"] + plan["update"]]
    for start in range(0, len(puts), BATCH):
        response = call_or_fail(
            module, client, "batch_put_scheduled_update_group_action",
            f"put scheduled actions on Auto Scaling group {group}",
            AutoScalingGroupName=group, ScheduledUpdateGroupActions=puts[start:start + BATCH],
        )  # fmt: skip
        failed = _failures(response, "FailedScheduledUpdateGroupActions")
        if failed:
            module.fail_json(msg=f"Failed to put scheduled actions on Auto Scaling group {group}: {'; '.join(failed)}")


def argument_spec() -> dict[str, Any]:
    action = dict(
        name=dict(type="str", required=True),
        recurrence=dict(type="str", required=True),
        time_zone=dict(type="str"),
        **optional("int", *SIZES),
    )
    nodegroup = dict(
        name=dict(type="str", required=True),
        actions=dict(type="list", elements="dict", default=[], options=action),
    )
    return dict(
        cluster_name=dict(type="str", required=True),
        nodegroups=dict(type="list", elements="dict", required=True, options=nodegroup),
        purge_prefix=dict(type="str"),
    )


def _missing(module: AnsibleAWSModule, cluster: str, index: int, nodegroup: dict[str, Any], found) -> None:
    """A node group with actions but nothing to put them on: a warning in check mode, else a failure."""
    what = f"node group {nodegroup['name']} of EKS cluster {cluster} (nodegroups[{index}].name)"
    if found is None:
        why = f"{what} does not exist"
    else:
        why = f"{what} reports no Auto Scaling group (status {found.get('status')})"
    if module.check_mode:
        module.warn(f"{why} yet: its scheduled actions are planned as created")
    else:
        module.fail_json(msg=f"{why}: create it (and wait until it is ACTIVE) first")


def nodegroup_view(name: str, found: dict[str, Any] | None) -> dict[str, Any]:
    """What the module returns for one node group before its actions (DescribeNodegroup's ``nodegroup``)."""
    found = found or {}
    scaling = found.get("scalingConfig") or {}
    return {
        "name": name,
        "status": found.get("status"),
        "autoscaling_group_names": [g["name"] for g in (found.get("resources") or {}).get("autoScalingGroups") or []],
        "scaling_config": {"min_size": scaling.get("minSize"), "max_size": scaling.get("maxSize"),
                           "desired_size": scaling.get("desiredSize")},
        "scheduled_actions": {},
    }  # fmt: skip


def converge_nodegroup(module: AnsibleAWSModule, clients, cluster: str, index: int, nodegroup, changes) -> tuple:
    """Read one node group and converge the actions of its Auto Scaling groups (recording ``changes``); returns
    its view and the diff's before / after sides."""
    eks, autoscaling = clients
    prefix, name, wanted = module.params["purge_prefix"], nodegroup["name"], nodegroup["actions"]
    found = describe_nodegroup(module, eks, cluster, name)
    view = nodegroup_view(name, found)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if not view["autoscaling_group_names"]:
        if wanted:
            _missing(module, cluster, index, nodegroup, found)
            changes[name] = {"create": [a["name"] for a in wanted], "update": [], "delete": []}
            after = {"(not created yet)": actions_view([put_request(a) for a in wanted])}
        return view, before, after
    if not wanted and prefix is None:
        return view, before, after  # nothing to manage: a read of the node group only
    for group in view["autoscaling_group_names"]:
        current = describe_actions(module, autoscaling, group)
        plan = plan_group(current, wanted, prefix)
        before[group] = managed_view(current, wanted, prefix)
        if plan_changed(plan):
            changes[group] = {key: plan[key] for key in ("create", "update", "delete")}
            if module.check_mode:
                current = planned_actions(current, wanted, plan)
            else:
                apply_plan(module, autoscaling, group, wanted, plan)
                current = describe_actions(module, autoscaling, group)
        after[group] = managed_view(current, wanted, prefix)
        view["scheduled_actions"][group] = actions_view(current)
    return view, before, after


def main() -> None:
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    problems = validate(module.params["nodegroups"])
    if problems:
        module.fail_json(msg="; ".join(problems))
    clients = (module.client("eks"), module.client("autoscaling"))
    changes: dict[str, dict[str, list[str]]] = {}
    views, diff = [], {"before": {}, "after": {}}
    for i, nodegroup in enumerate(module.params["nodegroups"]):
        view, before, after = converge_nodegroup(module, clients, module.params["cluster_name"], i, nodegroup, changes)
        views.append(view)
        diff["before"][nodegroup["name"]], diff["after"][nodegroup["name"]] = before, after
    exit_with(module, bool(changes), diff=diff, nodegroups=views, changes=changes)


if __name__ == "__main__":
    main()
