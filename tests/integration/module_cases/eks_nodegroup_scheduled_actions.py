"""Four-run case of eks_nodegroup_scheduled_actions on a node group of the base cluster (``pre["eks_base_cluster"]``).

``modtest-sched`` is made with boto3 (the emulator creates the Auto Scaling group EKS names for it), and its group
gets three actions with boto3 before the runs: ``modtest-weekday-scale-up`` with an old recurrence (the
inventory's cron changed: updated), ``modtest-weekend-scale-down`` (a schedule removed from the inventory: deleted,
it has the purge prefix) and ``manual-hold`` (another prefix: kept). The module lists the weekday scale-down (new)
and scale-up (new cron), in Korean time, with the prefix ``modtest-``.

The read is DescribeScheduledActions on the Auto Scaling group DescribeNodegroup names.
"""

from __future__ import annotations

from typing import Any

from . import Case, P

NODEGROUP = f"{P}-sched"
PREFIX = f"{P}-"


def _group(b: Any, pre: dict) -> str:
    nodegroup = b.client("eks").describe_nodegroup(clusterName=pre["eks_base_cluster"], nodegroupName=NODEGROUP)
    return nodegroup["nodegroup"]["resources"]["autoScalingGroups"][0]["name"]


def prerequisites(b: Any, pre: dict) -> dict:
    b.client("eks").create_nodegroup(
        clusterName=pre["eks_base_cluster"],
        nodegroupName=NODEGROUP,
        nodeRole=pre["eks_node_role_arn"],
        subnets=pre["subnets"],
        scalingConfig={"minSize": 1, "maxSize": 4, "desiredSize": 2},
    )
    group = _group(b, pre)
    autoscaling = b.client("autoscaling")
    for name, recurrence, zone, sizes in (
        (f"{PREFIX}weekday-scale-up", "0 9 * * 1-5", "Asia/Seoul", (1, 4, 2)),
        (f"{PREFIX}weekend-scale-down", "0 3 * * 6,0", "Asia/Seoul", (0, 0, 0)),
        ("manual-hold", "0 12 * * *", None, (2, 4, 2)),
    ):
        autoscaling.put_scheduled_update_group_action(
            AutoScalingGroupName=group,
            ScheduledActionName=name,
            Recurrence=recurrence,
            MinSize=sizes[0],
            MaxSize=sizes[1],
            DesiredCapacity=sizes[2],
            **({"TimeZone": zone} if zone else {}),
        )
    return {}


def args(pre: dict) -> dict:
    return {
        "cluster_name": pre["eks_base_cluster"],
        "purge_prefix": PREFIX,
        "nodegroups": [
            {
                "name": NODEGROUP,
                "actions": [
                    {"name": f"{PREFIX}weekday-scale-down", "recurrence": "0 1 * * 1-5", "time_zone": "Asia/Seoul",
                     "min_size": 0, "max_size": 0, "desired_capacity": 0},
                    {"name": f"{PREFIX}weekday-scale-up", "recurrence": "0 8 * * 1-5", "time_zone": "Asia/Seoul",
                     "min_size": 1, "max_size": 4, "desired_capacity": 2},
                ],
            }
        ],
    }  # fmt: skip


def read(b: Any, pre: dict) -> list:
    actions = b.client("autoscaling").describe_scheduled_actions(AutoScalingGroupName=_group(b, pre))
    return sorted(
        (a["ScheduledActionName"], a.get("Recurrence"), a.get("TimeZone"), a.get("MinSize"), a.get("MaxSize"),
         a.get("DesiredCapacity"))
        for a in actions["ScheduledUpdateGroupActions"]
    )  # fmt: skip


def before(pre: dict) -> list:
    return [
        ("manual-hold", "0 12 * * *", None, 2, 4, 2),
        (f"{PREFIX}weekday-scale-up", "0 9 * * 1-5", "Asia/Seoul", 1, 4, 2),
        (f"{PREFIX}weekend-scale-down", "0 3 * * 6,0", "Asia/Seoul", 0, 0, 0),
    ]


def after(pre: dict) -> list:
    return [
        ("manual-hold", "0 12 * * *", None, 2, 4, 2),
        (f"{PREFIX}weekday-scale-down", "0 1 * * 1-5", "Asia/Seoul", 0, 0, 0),
        (f"{PREFIX}weekday-scale-up", "0 8 * * 1-5", "Asia/Seoul", 1, 4, 2),
    ]


CASES = [
    Case(
        id="eks_nodegroup_scheduled_actions",
        module="eks_nodegroup_scheduled_actions",
        args=args,
        read=read,
        before=before,
        after=after,
    ),
]
