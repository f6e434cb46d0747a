"""Unit tests of the AWS Backup plan filters (plugins/filter/backup.py over module_utils/backup_plans.py): pure, no
AWS. Expectations written from the AWS Backup API reference (names, windows, retention) and EventBridge cron rules."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.filter.backup import FilterModule  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.module_utils.backup_plans import (  # noqa: E402
    aws_cron_problems,
    backup_plan_specs,
    backup_plans_differing,
    backup_plans_problems,
    backup_resource_arns,
)

DEFAULTS = {"schedule": "cron(0 17 * * ? *)", "timezone": "Etc/UTC", "retention_days": 35,
            "start_window_minutes": 60, "completion_window_minutes": 1440}
ROLE_NAMES = {f: f"aws_backup_{f}" for f in DEFAULTS}
CONTEXT = {"platform_name": "shop-prod", "vault_name": "shop-prod-backup", "role_name": "shop-prod-backup",
           "rds_instance_names": {"postgres": "shop-prod-postgres", "legacy-db": "legacy-db"},
           "aurora_cluster_names": {"aurora": "shop-prod-aurora"}, "role_names": ROLE_NAMES}


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"backup_plan_specs", "backup_plans_problems", "backup_resource_arns",
                                             "backup_plans_differing", "aws_backup_cron_problems"}


def test_specs_derive_names_rules_and_stores():
    specs = backup_plan_specs([{"suffix": "daily"}, {"name": "Weekly.Plan", "schedule": "cron(30 2 ? * SUN *)",
                                                     "retention_days": "90", "rds_instances": ["postgres"],
                                                     "aurora_clusters": []}], DEFAULTS, CONTEXT)
    assert [s["name"] for s in specs] == ["shop-prod-daily", "Weekly.Plan"]
    daily, weekly = specs
    assert daily["rules"] == [{
        "rule_name": "shop-prod-daily", "target_backup_vault_name": "shop-prod-backup",
        "schedule_expression": "cron(0 17 * * ? *)", "schedule_expression_timezone": "Etc/UTC",
        "start_window_minutes": 60, "completion_window_minutes": 1440, "lifecycle": {"delete_after_days": 35},
        "enable_continuous_backup": False,
    }]
    assert (daily["selection_name"], daily["rds_instances"], daily["aurora_clusters"]) == (
        "shop-prod-daily", ["shop-prod-postgres", "legacy-db"], ["shop-prod-aurora"])
    assert (weekly["schedule"], weekly["retention_days"], weekly["rds_instances"], weekly["aurora_clusters"]) == (
        "cron(30 2 ? * SUN *)", 90, ["shop-prod-postgres"], [])


def test_resource_arns_are_exact_and_sorted():
    spec = {"rds_instances": ["shop-prod-postgres", "legacy-db"], "aurora_clusters": ["shop-prod-aurora"]}
    assert backup_resource_arns(spec, "aws", "ap-northeast-2", "123456789012") == [
        "arn:aws:rds:ap-northeast-2:123456789012:cluster:shop-prod-aurora",
        "arn:aws:rds:ap-northeast-2:123456789012:db:legacy-db",
        "arn:aws:rds:ap-northeast-2:123456789012:db:shop-prod-postgres",
    ]


@pytest.mark.parametrize("cron", ["cron(0 17 * * ? *)", "cron(30 2 ? * SUN *)", "cron(0 5 ? * MON-FRI *)",
                                  "cron(0 0/6 * * ? *)", "cron(15 3 1,15 * ? *)", "cron(0 1 L * ? *)",
                                  "cron(0 1 ? * 6#3 *)", "cron(0 12 ? JAN-MAR 2 2030)"])
def test_valid_crons(cron):
    assert aws_cron_problems(cron) == []


@pytest.mark.parametrize("cron, fragment", [
    ("0 17 * * *", "is not an AWS cron expression"),
    ("cron(0 17 * * *)", "has 5 fields"),
    ("cron(* 17 * * ? *)", "at most hourly"),
    ("cron(0/30 * * * ? *)", "at most hourly"),
    ("cron(0 24 * * ? *)", "hours '24'"),
    ("cron(0 17 * * * *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 17 ? * ? *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 17 32 * ? *)", "day-of-month '32'"),
    ("cron(0 17 ? 13 MON *)", "month '13'"),
    ("cron(0 17 ? * MOO *)", "day-of-week 'MOO'"),
    ("cron(0 17 * * ? 1969)", "year '1969'"),
    (17, "is not an AWS cron expression"),
])
def test_invalid_crons(cron, fragment):
    problems = aws_cron_problems(cron)
    assert len(problems) == 1 and fragment in problems[0], problems


def test_valid_list_has_no_problem():
    assert backup_plans_problems([{"suffix": "daily"}, {"name": "weekly", "rds_instances": ["legacy-db"]}],
                                 DEFAULTS, CONTEXT) == []
    assert backup_plans_problems(None, DEFAULTS, CONTEXT) == []
    assert backup_plans_problems([], DEFAULTS, CONTEXT) == []


def test_every_entry_problem_names_the_entry_and_field():
    plans = [
        {"suffix": "daily", "name": "x"},
        {"suffix": "a", "schedule": "cron(0 17 * * * *)", "timezone": "Mars/Base", "retention_days": 0,
         "start_window_minutes": 30, "completion_window_minutes": "soon", "rds_instances": ["nope"],
         "aurora_clusters": "aurora", "retension_days": 7},
        {"suffix": "a"},
        {"suffix": "x" * 41},
    ]
    problems = backup_plans_problems(plans, DEFAULTS, CONTEXT)
    expected = [
        "platform_backup_plans[0].suffix / platform_backup_plans[0].name: give exactly one of them",
        "platform_backup_plans[2].suffix: the name 'shop-prod-a' is already used by platform_backup_plans[1]",
        "platform_backup_plans[3].suffix: the name 'shop-prod-" + "x" * 41 + "' must be",
        "platform_backup_plans[1].retension_days: unknown field",
        "platform_backup_plans[1].schedule: 'cron(0 17 * * * *)': exactly one of day-of-month and day-of-week",
        "platform_backup_plans[1].timezone: 'Mars/Base' is not an IANA time zone",
        "platform_backup_plans[1].retention_days: 0 must be a whole number of days from 1 to 36500",
        "platform_backup_plans[1].start_window_minutes: 30 must be a whole number of minutes (AWS Backup: at least 60)",
        "platform_backup_plans[1].completion_window_minutes: 'soon' must be a whole number of minutes from 1",
        "platform_backup_plans[1].rds_instances[0]: 'nope' is not an entry of platform_rds_instances "
        "(entries: postgres, legacy-db)",
        "platform_backup_plans[1].aurora_clusters: must be a list of entries of platform_aurora_clusters",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert len(problems) == len(expected), problems


def test_left_out_settings_are_named_by_the_role_input():
    defaults = dict(DEFAULTS, schedule="daily", retention_days=40000)
    problems = backup_plans_problems([{"suffix": "daily"}], defaults, CONTEXT)
    assert problems[0].startswith("aws_backup_schedule: 'daily' is not an AWS cron expression")
    assert problems[1] == "aws_backup_retention_days: 40000 must be a whole number of days from 1 to 36500"
    assert len(problems) == 2


def test_a_plan_must_select_a_store():
    no_stores = dict(CONTEXT, rds_instance_names={}, aurora_cluster_names={})
    assert backup_plans_problems([{"suffix": "daily"}], DEFAULTS, no_stores) == [
        "platform_backup_plans[0]: selects no RDS instance and no Aurora cluster (platform_rds_instances and "
        "platform_aurora_clusters are empty, or the entry lists none): remove the plan or name the stores it backs up"]
    assert len(backup_plans_problems([{"suffix": "d", "rds_instances": [], "aurora_clusters": []}], DEFAULTS,
                                     CONTEXT)) == 1


def test_vault_and_role_names_and_a_non_list():
    context = dict(CONTEXT, vault_name="shop.prod.backup", role_name="r" * 65)
    assert backup_plans_problems({"suffix": "daily"}, DEFAULTS, context) == [
        "aws_backup_vault_name: the vault name 'shop.prod.backup' must be 2 to 50 letters, digits, '-' or '_'",
        "aws_backup_iam_role_name: the IAM role name '" + "r" * 65 + "' must be 1 to 64 letters, digits or +=,.@_-",
        "platform_backup_plans: must be a list of backup plans (dicts with suffix or name)",
    ]


def _existing(spec, tags, **rule_changes):
    rule = dict(spec["rules"][0], rule_id="0f4e", **rule_changes)
    return {"backup_plan_name": spec["name"], "backup_plan": {"backup_plan_name": spec["name"], "rules": [rule],
                                                              "advanced_backup_settings": []}, "tags": tags}


def test_differing_plans_follow_the_module_compare():
    specs = backup_plan_specs([{"suffix": "daily"}, {"suffix": "weekly"}, {"suffix": "monthly"}], DEFAULTS, CONTEXT)
    tags = {"Project": "shop", "Layer": "data"}
    existing = [_existing(specs[0], dict(tags, Name="shop-prod-daily")),
                _existing(specs[1], dict(tags, Name="shop-prod-weekly"), lifecycle={"delete_after_days": 7})]
    assert backup_plans_differing(specs, existing, tags) == ["shop-prod-weekly", "shop-prod-monthly"]
    assert backup_plans_differing(specs[:1], existing, dict(tags, Layer="other")) == ["shop-prod-daily"]
    assert backup_plans_differing(specs[:1], [_existing(specs[0], tags)], tags) == ["shop-prod-daily"]
    assert backup_plans_differing(specs[:1], existing, tags) == []
