"""Unit tests of the scaling schedule rules (plugins/module_utils/scaling_schedules.py): cron syntax, the
lead/lag shift across midnight and the day-of-week wrap, entry validation and the derived workload jobs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.module_utils.scaling_schedules import (  # noqa: E402
    cron_problems,
    schedule_problems,
    shift_cron,
    workload_jobs,
)

# The seed's intent (reference inventory §1.2), written in Seoul time instead of UTC.
SEED = [
    {"name": "weekday-scale-down", "cron": "0 1 * * 1-5", "time_zone": "Asia/Seoul",
     "min_size": 0, "max_size": 0, "desired_size": 0, "enabled": True},
    {"name": "weekday-scale-up", "cron": "0 8 * * 1-5", "time_zone": "Asia/Seoul",
     "min_size": 1, "max_size": 4, "desired_size": 2, "enabled": True},
    {"name": "weekend-scale-down", "cron": "0 3 * * 6,0", "time_zone": "Asia/Seoul",
     "min_size": 0, "max_size": 0, "desired_size": 0, "enabled": True},
    {"name": "weekend-scale-up", "cron": "0 9 * * 6,0", "time_zone": "Asia/Seoul",
     "min_size": 1, "max_size": 4, "desired_size": 2, "enabled": True},
]  # fmt: skip


@pytest.mark.parametrize(
    ("cron", "minutes", "expected"),
    [
        ("0 1 * * 1-5", -10, "50 0 * * 1-5"),  # same day
        ("0 8 * * 1-5", 10, "10 8 * * 1-5"),
        ("5 0 * * 1-5", -10, "55 23 * * 0-4"),  # back across midnight: Mon-Fri -> Sun-Thu
        ("0 0 * * 6,0", -10, "50 23 * * 5,6"),  # Sunday 0 wraps back to Saturday 6
        ("55 23 * * 6", 10, "5 0 * * 0"),  # Saturday 6 wraps forward to Sunday 0
        ("50 23 * * 5,6", 20, "10 0 * * 0,6"),
        ("0 12 * * 7", -720, "0 0 * * 0"),  # 7 is Sunday too
        ("30 2 * * *", -180, "30 23 * * *"),  # every day stays every day
        ("0 1 * * 1-5", 0, "0 1 * * 1-5"),
    ],
)
def test_shift_cron(cron, minutes, expected):
    assert shift_cron(cron, minutes) == expected


@pytest.mark.parametrize(
    "cron",
    ["*/5 1 * * 1-5", "0 1,2 * * 1-5", "0 1 1 * *", "0 1 * 6 *"],
)
def test_shift_refuses_what_it_cannot_shift(cron):
    with pytest.raises(ValueError, match="can be shifted"):
        shift_cron(cron, -10)


@pytest.mark.parametrize(
    ("cron", "fragment"),
    [
        ("0 25 * * 1-5", "hour field '25' is outside 0-23"),
        ("0 1 * * 1-8", "day-of-week field '1-8' is outside 0-7"),
        ("0 1 * *", "has 4 fields"),
        ("0 1 * * mon", "not a number"),
        ("*/0 1 * * *", "step of 0"),
        ("0 5-1 * * *", "descending range"),
    ],
)
def test_cron_problems(cron, fragment):
    problems = cron_problems(cron)
    assert problems and fragment in problems[0]


def test_valid_crons_have_no_problem():
    for cron in ("0 1 * * 1-5", "*/15 0-6 1,15 1-12/2 0,6", "59 23 31 12 7"):
        assert cron_problems(cron) == []


def test_seed_schedules_are_valid():
    assert schedule_problems(SEED) == []


def test_schedule_problems_name_the_variable_entry_and_field():
    bad = [dict(SEED[0], cron="0 24 * * 1-5"), dict(SEED[1], time_zone="Asia/Nowhere"), dict(SEED[2], colour=1)]
    problems = schedule_problems(bad, "k8s_scheduled_scaling_schedules")
    assert any(p.startswith("k8s_scheduled_scaling_schedules[0].cron:") and "outside 0-23" in p for p in problems)
    assert any(p.startswith("k8s_scheduled_scaling_schedules[1].time_zone:") and "Asia/Nowhere" in p for p in problems)
    assert any(p.startswith("k8s_scheduled_scaling_schedules[2].colour: unknown field") for p in problems)
    assert len(problems) == 3


def test_schedule_sizes_names_and_duplicates():
    problems = schedule_problems(
        [
            dict(SEED[1], min_size=3, desired_size=2),
            dict(SEED[1], max_size=-1),
            dict(SEED[0], name="Weekday"),
            dict(SEED[0], enabled="yes"),
            dict(SEED[0]),
        ]
    )
    assert any(p.startswith("platform_scaling_schedules[0]: min_size <= desired_size") for p in problems)
    assert any(p.startswith("platform_scaling_schedules[1].max_size:") for p in problems)
    assert any(p.startswith("platform_scaling_schedules[2].name:") for p in problems)
    assert any(p.startswith("platform_scaling_schedules[3].enabled:") for p in problems)
    assert any(p.startswith("platform_scaling_schedules[4].name:") and "listed twice" in p for p in problems)


def test_missing_fields_are_named():
    problems = schedule_problems([{"name": "x"}])
    assert sorted(p.split(":")[0] for p in problems) == sorted(
        f"platform_scaling_schedules[0].{f}" for f in ("cron", "time_zone", "min_size", "max_size", "desired_size")
    )


def test_workload_jobs_lead_the_scale_down_and_lag_the_scale_up():
    jobs = {j["name"]: j for j in workload_jobs(SEED, lead=10, lag=15)}
    assert jobs["weekday-scale-down-workloads"] == {
        "name": "weekday-scale-down-workloads",
        "schedule": "weekday-scale-down",
        "action": "down",
        "cron": "50 0 * * 1-5",
        "node_cron": "0 1 * * 1-5",
        "time_zone": "Asia/Seoul",
    }
    assert jobs["weekday-scale-up-workloads"]["action"] == "up"
    assert jobs["weekday-scale-up-workloads"]["cron"] == "15 8 * * 1-5"
    assert jobs["weekend-scale-down-workloads"]["cron"] == "50 2 * * 0,6"
    assert jobs["weekend-scale-up-workloads"]["cron"] == "15 9 * * 0,6"


def test_disabled_schedules_get_no_job():
    jobs = workload_jobs([dict(SEED[0], enabled=False), SEED[1]], lead=10, lag=10)
    assert [j["schedule"] for j in jobs] == ["weekday-scale-up"]
