"""Unit tests of eks_nodegroup_scheduled_actions' pure logic: option validation, what an Auto Scaling group's
actions need (create / update / replace / delete by prefix), the batch requests and the check-mode answer.
Shapes follow the Auto Scaling API docs (DescribeScheduledActions' ScheduledUpdateGroupAction)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.modules.eks_nodegroup_scheduled_actions import (  # noqa: E402
    managed_view,
    plan_changed,
    plan_group,
    planned_actions,
    put_request,
    validate,
)

ZONES = {"Asia/Seoul", "UTC"}
DOWN = {"name": "p-weekday-scale-down", "recurrence": "0 1 * * 1-5", "time_zone": "Asia/Seoul",
        "min_size": 0, "max_size": 0, "desired_capacity": 0}  # fmt: skip
UP = {"name": "p-weekday-scale-up", "recurrence": "0 8 * * 1-5", "time_zone": "Asia/Seoul",
      "min_size": 1, "max_size": 4, "desired_capacity": 2}  # fmt: skip


def described(name, recurrence, zone=None, low=None, high=None, desired=None):
    """A ScheduledUpdateGroupAction as DescribeScheduledActions returns it (unset fields absent)."""
    action = {
        "AutoScalingGroupName": "eks-p-spot-1",
        "ScheduledActionName": name,
        "ScheduledActionARN": f"arn:aws:autoscaling:ap-northeast-2:123456789012:scheduledUpdateGroupAction:x:{name}",
        "Recurrence": recurrence,
        "StartTime": "2026-01-05T16:00:00Z",
    }
    for key, value in (("TimeZone", zone), ("MinSize", low), ("MaxSize", high), ("DesiredCapacity", desired)):
        if value is not None:
            action[key] = value
    return action


def test_valid_options_have_no_problem():
    assert validate([{"name": "p-spot", "actions": [DOWN, UP]}, {"name": "p-system", "actions": []}], ZONES) == []


def test_bad_options_are_named():
    bad = [
        {"name": "p-spot", "actions": [
            {**DOWN, "recurrence": "0 1 * *"},
            {**UP, "name": "p-weekday-scale-down", "time_zone": "Mars/Olympus"},
            {"name": "x", "recurrence": "* * * * *"},
            {"name": "y", "recurrence": "0 1 * * *", "min_size": 3, "max_size": 2, "desired_capacity": 5},
            {"name": "z", "recurrence": "0 1 * * *", "min_size": -1},
        ]},
        {"name": "p-spot", "actions": []},
    ]  # fmt: skip
    assert validate(bad, ZONES) == [
        "nodegroups[0].actions[0].recurrence: '0 1 * *' has 4 fields, not 5 (minute hour day-of-month month "
        "day-of-week)",
        "nodegroups[0].actions[1].name: p-weekday-scale-down is already nodegroups[0].actions[0]",
        "nodegroups[0].actions[1].time_zone 'Mars/Olympus' is not an IANA time zone (like Asia/Seoul)",
        "nodegroups[0].actions[2]: give at least one of min_size, max_size, desired_capacity",
        "nodegroups[0].actions[3].min_size 3 is above max_size 2",
        "nodegroups[0].actions[3].desired_capacity 5 is above max_size 2",
        "nodegroups[0].actions[4].min_size must be at least 0, got -1",
        "nodegroups[1].name: node group p-spot is already nodegroups[0]",
    ]


def test_no_time_zone_database_skips_the_zone_check():
    assert validate([{"name": "p", "actions": [{**DOWN, "time_zone": "Any/Zone"}]}], set()) == []


def test_a_converged_group_needs_nothing():
    current = [described(DOWN["name"], "0 1 * * 1-5", "Asia/Seoul", 0, 0, 0), described(UP["name"], "0  8 * * 1-5",
               "Asia/Seoul", 1, 4, 2)]  # fmt: skip
    plan = plan_group(current, [DOWN, UP], "p-")
    assert not plan_changed(plan)  # whitespace in the recurrence does not count


def test_create_update_replace_and_delete_by_prefix():
    current = [
        described(DOWN["name"], "0 1 * * 1-5", "Asia/Seoul", 0, 0, 0),
        described(UP["name"], "0 9 * * 1-5", "Asia/Seoul", 1, 4, 2),  # cron changed in the inventory
        described("p-weekend-scale-down", "0 3 * * 6,0", "Asia/Seoul", 0, 0, 0),  # removed from the inventory
        described("manual-hold", "0 12 * * *", None, 2),  # another prefix: never touched
    ]
    night = {"name": "p-night", "recurrence": "0 2 * * *", "min_size": 1}
    plan = plan_group(current, [DOWN, UP, night], "p-")
    assert plan == {"create": ["p-night"], "update": [UP["name"]], "replace": [], "delete": ["p-weekend-scale-down"]}
    # without a prefix nothing unlisted is deleted
    assert plan_group(current, [DOWN, UP, night], None)["delete"] == []
    # an empty prefix matches every action
    assert plan_group(current, [], "")["delete"] == sorted(a["ScheduledActionName"] for a in current)


def test_an_update_that_clears_a_setting_replaces_the_action():
    # AWS keeps a setting PutScheduledUpdateGroupAction leaves out: losing the time zone needs delete + put
    current = [described(DOWN["name"], "0 1 * * 1-5", "Asia/Seoul", 0, 0, 0)]
    utc = {key: value for key, value in DOWN.items() if key != "time_zone"}
    plan = plan_group(current, [utc], "p-")
    assert plan == {"create": [], "update": [DOWN["name"]], "replace": [DOWN["name"]], "delete": []}


def test_put_request_and_views():
    assert put_request({"name": "p-night", "recurrence": "0 2 * * *", "time_zone": None, "min_size": 1,
                        "max_size": None, "desired_capacity": None}) == {  # fmt: skip
        "ScheduledActionName": "p-night",
        "Recurrence": "0 2 * * *",
        "MinSize": 1,
    }
    current = [
        described(UP["name"], "0 9 * * 1-5", "Asia/Seoul", 1, 4, 2),
        described("p-old", "0 3 * * 6,0", "Asia/Seoul", 0, 0, 0),
        described("manual-hold", "0 12 * * *", None, 2),
    ]
    plan = plan_group(current, [UP], "p-")
    after = planned_actions(current, [UP], plan)
    assert managed_view(after, [UP], "p-") == {
        UP["name"]: {"recurrence": "0 8 * * 1-5", "time_zone": "Asia/Seoul", "min_size": 1, "max_size": 4,
                     "desired_capacity": 2},
    }  # fmt: skip
    assert [a["ScheduledActionName"] for a in after] == ["manual-hold", UP["name"]]
    assert sorted(managed_view(current, [UP], "p-")) == ["p-old", UP["name"]]
