# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Filters over module_utils/scaling_schedules.py: the one schedule list (platform_scaling_schedules)
shared by the node-group actions and the workload CronJobs."""

from __future__ import annotations

from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.scaling_schedules import (
    schedule_problems,
    shift_cron,
    workload_jobs,
)

DOCUMENTATION = r"""
name: scaling_schedule_problems
short_description: List what is wrong with the scaling schedules
description:
  - Returns every problem of the schedule list (empty when valid), each naming C(<variable>[i].<field>), for
    unknown or missing fields, names, five-field cron syntax, IANA time zones (zoneinfo), sizes.
  - Also provides C(workload_scaling_jobs) (the workload CronJobs, shifted by the lead/lag minutes) and
    C(cron_shift) (a fixed-time cron moved by signed minutes, across midnight into the day of week).
positional: variable
options:
  _input:
    description: The schedule entries.
    type: list
    elements: dict
    required: true
  variable:
    description: How to name the list in the messages.
    type: str
"""

EXAMPLES = r"""
problems: "{{ platform_scaling_schedules | cloudops.eks_platform.scaling_schedule_problems('my_schedules') }}"
jobs: "{{ platform_scaling_schedules | cloudops.eks_platform.workload_scaling_jobs(10, 10) }}"
earlier: "{{ '0 1 * * 1-5' | cloudops.eks_platform.cron_shift(-10) }}"  # '50 0 * * 1-5'
"""

RETURN = r"""
_value:
  description: The problems, the jobs or the shifted cron expression.
  type: raw
"""


def scaling_schedule_problems(schedules: Any, variable: str = "platform_scaling_schedules") -> list[str]:
    return schedule_problems(schedules, variable)


def workload_scaling_jobs(schedules: Any, lead: int, lag: int) -> list[dict[str, Any]]:
    return workload_jobs(schedules, int(lead), int(lag))


def cron_shift(cron: str, minutes: int) -> str:
    return shift_cron(cron, int(minutes))


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "scaling_schedule_problems": scaling_schedule_problems,
            "workload_scaling_jobs": workload_scaling_jobs,
            "cron_shift": cron_shift,
        }
