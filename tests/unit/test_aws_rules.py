"""Unit tests of the AWS rules without a read call (module_utils/aws_rules.py) and their filters
(plugins/filter/aws_rules.py).

Expected values come from the AWS documentation each rule cites (RULES): the tag limits of the Tag Editor
guide, the retentionInDays list of PutRetentionPolicy, S3's Transition / LifecycleExpiration pages, the
60-minute minimum of ElastiCache's PreferredMaintenanceWindow, RDS Provisioned IOPS ranges and ports."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.filter.aws_rules import FilterModule  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.module_utils import aws_rules  # noqa: E402

F = FilterModule().filters()


def test_every_rule_cites_an_aws_documentation_page():
    assert aws_rules.RULES
    for name, (url, rule) in aws_rules.RULES.items():
        assert url.startswith("https://docs.aws.amazon.com/"), name
        assert rule, name


# --------------------------------------------------------------------------------------------- tags
def test_valid_tags_have_no_problem():
    tags = {"Project": "wealist", "Environment": "prod", "kubernetes.io/cluster/x": "owned", "Team": "",
            "Owner": "ops@example.com", "Cost center": "1234", "Köln": "München", "Version": 2}
    assert F["aws_tag_problems"](tags, "platform_tags") == []
    assert F["aws_tag_problems"](None, "platform_tags") == []


@pytest.mark.parametrize("key", ["aws:owner", "AWS:owner", "Aws:cost"])
def test_aws_prefix_is_reserved_in_any_case(key):
    problems = F["aws_tag_problems"]({key: "x"}, "platform_tags")
    assert len(problems) == 1
    assert problems[0].startswith(f"platform_tags['{key}']: ") and "aws:" in problems[0]


def test_aws_inside_a_key_is_fine():
    assert F["aws_tag_problems"]({"team-aws:x": "1", "awsome": "1"}, "platform_tags") == []


def test_key_and_value_lengths():
    assert F["aws_tag_problems"]({"k" * 128: "v" * 256}, "t") == []
    too_long_key = F["aws_tag_problems"]({"k" * 129: "v"}, "t")
    assert len(too_long_key) == 1 and "1-128" in too_long_key[0]
    too_long_value = F["aws_tag_problems"]({"Owner": "v" * 257}, "platform_tags")
    assert too_long_value == [
        "platform_tags['Owner']: the value is 257 characters long; AWS allows at most 256"
    ]
    assert "1-128" in F["aws_tag_problems"]({"": "v"}, "t")[0]
    assert F["aws_tag_problems"]({2024: "v"}, "t") == ["t['2024']: a tag key is a string (got int: quote it)"]


def test_characters_outside_the_allowed_set():
    problems = F["aws_tag_problems"]({"team#1": "a", "ok": "b*c"}, "t")
    assert len(problems) == 2
    assert "'#'" in problems[0] and "key" in problems[0]
    assert "'*'" in problems[1] and "value" in problems[1]


def test_at_most_50_tags_counting_those_the_role_adds():
    tags = {f"k{i}": "v" for i in range(48)}
    assert F["aws_tag_problems"](tags, "t", 2) == []
    problems = F["aws_tag_problems"](tags, "t", 3)
    assert len(problems) == 1 and "48 tags plus the 3 the role adds" in problems[0] and "50" in problems[0]


def test_key_value_list_is_reported_as_such():
    problems = F["aws_tag_problems"]([{"Key": "Project", "Value": "x"}], "platform_tags")
    assert len(problems) == 1
    assert problems[0].startswith("platform_tags: is a list of Key/Value pairs")
    assert F["aws_tag_problems"](["Project"], "t") == ["t: must be a dict of tag keys to values (got list)"]
    assert F["aws_tag_problems"]({"Nested": {"a": 1}}, "t") == ["t['Nested']: a tag value is a string, not a dict"]


def test_role_tags_name_platform_tags_or_the_role_variable():
    platform = {"Project": "wealist"}
    role = {"Project": "wealist", "Layer": "data"}
    assert F["aws_role_tag_problems"](role, "aws_rds_tags", platform) == []
    bad_platform = {"aws:x": "1"}
    problems = F["aws_role_tag_problems"]({**bad_platform, "Layer": "data"}, "aws_rds_tags", bad_platform)
    assert problems == ["platform_tags['aws:x']: tag keys may not start with aws: (any case), AWS reserves the prefix"]
    own = F["aws_role_tag_problems"]({"Project": "wealist", "aws:y": "1"}, "aws_rds_tags", platform)
    assert len(own) == 1 and own[0].startswith("aws_rds_tags['aws:y']")
    listed = F["aws_role_tag_problems"]({"Key": "Value"}, "aws_rds_tags", [{"Key": "Project", "Value": "x"}])
    assert listed[0].startswith("platform_tags: is a list of Key/Value pairs")


def test_entry_tags_are_named_by_index_and_suffix():
    entries = [{"suffix": "files"}, {"suffix": "logs", "tags": {"aws:x": "1"}},
               {"name": "exact", "tags": [{"Key": "a", "Value": "b"}]}]
    problems = F["aws_entries_tag_problems"](entries, "platform_s3_buckets", {"Project": "p"})
    assert len(problems) == 2
    assert problems[0].startswith("platform_s3_buckets[1] (logs).tags['aws:x']: ")
    assert problems[1].startswith("platform_s3_buckets[2] (exact).tags: is a list of Key/Value pairs")


def test_entry_tags_with_the_base_tags_count_against_50():
    base = {f"b{i}": "v" for i in range(40)}
    entries = [{"suffix": "x", "tags": {f"e{i}": "v" for i in range(9)}}]
    assert F["aws_entries_tag_problems"](entries, "v", base) == []
    entries[0]["tags"]["e9"] = "v"  # 40 + 10 + Name = 51
    problems = F["aws_entries_tag_problems"](entries, "v", base)
    assert len(problems) == 1 and "10 tags plus the 41 the role adds" in problems[0]


# ---------------------------------------------------------------------------------- log retention
@pytest.mark.parametrize("days", [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                                  2557, 2922, 3288, 3653, "30", None])
def test_offered_retentions(days):
    assert F["aws_log_retention_problems"](days, "aws_network_flow_logs_retention_days") == []


@pytest.mark.parametrize("days", [0, 2, 31, 366, 730, 3650, -1, "thirty", 30.5, True])
def test_retentions_not_offered(days):
    problems = F["aws_log_retention_problems"](days, "aws_network_flow_logs_retention_days")
    assert len(problems) == 1
    assert problems[0].startswith(f"aws_network_flow_logs_retention_days: {days!r} days is not a retention")
    assert "1, 3, 5, 7, 14, 30, 60" in problems[0]


# ------------------------------------------------------------------------------------ S3 lifecycle
def _rule(**fields):
    return [{"id": "r", **fields}]


def test_reference_lifecycle_rules_are_valid():
    rules = [
        {"id": "transition-to-ia", "transitions": [{"days": 90, "storage_class": "standard_ia"},
                                                   {"days": 365, "storage_class": "glacier"}]},
        {"id": "delete-old-versions", "noncurrent_expiration_days": 30},
        {"id": "now", "transitions": [{"days": 0, "storage_class": "glacier_ir"}], "expiration_days": 1},
        {"id": "ia", "transitions": [{"days": 30, "storage_class": "STANDARD_IA"},
                                     {"days": 60, "storage_class": "DEEP_ARCHIVE"}], "expiration_days": 61},
    ]
    assert F["aws_s3_lifecycle_problems"](rules, "platform_s3_buckets[0].lifecycle_rules") == []


def test_expiration_days_must_be_positive():
    for days in (0, -1):
        problems = F["aws_s3_lifecycle_problems"](_rule(expiration_days=days), "b")
        assert problems == [f"b[0].expiration_days: {days}; S3 needs a positive whole number of days"]
    problems = F["aws_s3_lifecycle_problems"](_rule(noncurrent_expiration_days=0), "b")
    assert problems[0].startswith("b[0].noncurrent_expiration_days: 0")


def test_negative_transition_days():
    problems = F["aws_s3_lifecycle_problems"](_rule(transitions=[{"days": -5, "storage_class": "glacier"}]), "b")
    assert problems == ["b[0].transitions[0].days: -5 days; S3 needs 0 or more"]
    problems = F["aws_s3_lifecycle_problems"](
        _rule(noncurrent_transitions=[{"days": 0, "storage_class": "glacier"}]), "b")
    assert problems == ["b[0].noncurrent_transitions[0].days: 0 days; S3 needs a positive number"]


def test_expiration_after_every_transition():
    rules = _rule(transitions=[{"days": 90, "storage_class": "glacier"}], expiration_days=30)
    problems = F["aws_s3_lifecycle_problems"](rules, "b")
    assert len(problems) == 1 and problems[0].startswith("b[0].expiration_days: 30 days is not after")
    rules = _rule(transitions=[{"days": 90, "storage_class": "glacier"}], expiration_days=90)
    assert len(F["aws_s3_lifecycle_problems"](rules, "b")) == 1
    rules = _rule(noncurrent_transitions=[{"days": 40, "storage_class": "standard_ia"}], noncurrent_expiration_days=40)
    assert F["aws_s3_lifecycle_problems"](rules, "b")[0].startswith("b[0].noncurrent_expiration_days: 40 days")


@pytest.mark.parametrize("storage", ["standard_ia", "ONEZONE_IA"])
@pytest.mark.parametrize("field", ["transitions", "noncurrent_transitions"])
def test_infrequent_access_only_after_30_days(storage, field):
    ok = F["aws_s3_lifecycle_problems"](_rule(**{field: [{"days": 30, "storage_class": storage}]}), "b")
    assert ok == []
    problems = F["aws_s3_lifecycle_problems"](_rule(**{field: [{"days": 29, "storage_class": storage}]}), "b")
    assert len(problems) == 1
    assert problems[0].startswith(f"b[0].{field}[0].days: 29 days") and "at least 30 days" in problems[0]


def test_thirty_days_in_infrequent_access_before_the_next_transition():
    rules = _rule(transitions=[{"days": 30, "storage_class": "standard_ia"}, {"days": 59, "storage_class": "glacier"}])
    problems = F["aws_s3_lifecycle_problems"](rules, "b")
    assert len(problems) == 1
    assert problems[0].startswith("b[0].transitions[1].days: 59 days") and "at least 60" in problems[0]


def test_bucket_entries_are_named_by_index_and_suffix():
    buckets = [{"suffix": "files"},
               {"suffix": "logs", "lifecycle_rules": [{"id": "x", "transitions": [
                   {"days": 10, "storage_class": "standard_ia"}]}]}]
    problems = F["aws_s3_buckets_lifecycle_problems"](buckets, "platform_s3_buckets")
    assert len(problems) == 1
    assert problems[0].startswith("platform_s3_buckets[1] (logs).lifecycle_rules[0].transitions[0].days: 10 days")


def test_a_value_that_is_not_a_whole_number_is_left_to_the_bucket_checks():
    # the shape (foundation_lists.s3_bucket_problems says "expected an integer"), not a rule of S3's numbers
    rules = _rule(transitions=[{"days": "90d", "storage_class": "glacier"}], expiration_days="a month",
                  noncurrent_transitions=[{"days": None, "storage_class": "glacier"}])
    assert F["aws_s3_lifecycle_problems"](rules, "b") == []
    rules = _rule(transitions=[{"days": 30.0, "storage_class": "standard_ia"}], expiration_days=29.0)
    assert F["aws_s3_lifecycle_problems"](rules, "b")[0].startswith("b[0].expiration_days: 29 days is not after")


S3_CASES = sorted((ROOT / "tests" / "bad_inputs").glob("s3_*/group_vars/all/*.yml"))


@pytest.mark.parametrize("case", [c for c in S3_CASES if "lifecycle_rules" in c.read_text()],
                         ids=lambda c: c.parents[2].name)
def test_each_s3_lifecycle_mistake_is_one_line_of_both_checks(case):
    # the aws_s3 role runs the bucket checks (shapes) and these rules side by side: a bad-input case's mistake is
    # reported once, by one of them, on the line its case.yml expects
    from ansible_collections.cloudops.eks_platform.plugins.module_utils.foundation_lists import s3_bucket_problems

    buckets = yaml.safe_load(case.read_text())["platform_s3_buckets"]
    lines = s3_bucket_problems(buckets, "p-e") + F["aws_s3_buckets_lifecycle_problems"](buckets, "platform_s3_buckets")
    expect = yaml.safe_load((case.parents[2] / "case.yml").read_text())["expect"]
    assert len(lines) == 1, lines
    # validate_roles adds the entry's name after the index where a check leaves it out
    named = re.sub(r"platform_s3_buckets\[0\](?! \()", f"platform_s3_buckets[0] ({buckets[0]['suffix']})", lines[0])
    assert expect in named, named


def test_tag_messages_name_plain_types_when_ansible_tags_the_values():
    # Ansible 2.19+ passes _AnsibleTaggedList / _AnsibleTaggedInt ...: the message says list, int
    from ansible._internal._datatag._tags import Origin

    def tagged(value):
        return Origin(path="/inventory/group_vars/all/main.yml").tag(value)

    assert F["aws_tag_problems"](tagged(["Project"]), "t") == ["t: must be a dict of tag keys to values (got list)"]
    assert F["aws_tag_problems"]({tagged(2024): "v"}, "t") == ["t['2024']: a tag key is a string (got int: quote it)"]
    assert F["aws_tag_problems"]({"k": tagged({"a": 1})}, "t") == ["t['k']: a tag value is a string, not a dict"]


# ------------------------------------------------------------------------- ElastiCache maintenance window
@pytest.mark.parametrize("window", ["tue:05:00-tue:09:00", "sun:23:30-mon:00:30", "Mon:00:00-Mon:01:00", None])
def test_windows_of_an_hour_or_more(window):
    assert F["aws_elasticache_window_problems"](window, "w") == []


def test_window_shorter_than_60_minutes():
    label = "platform_redis_groups[0].maintenance_window"
    problems = F["aws_elasticache_window_problems"]("tue:05:00-tue:05:30", label)
    assert problems == ["platform_redis_groups[0].maintenance_window: tue:05:00-tue:05:30 lasts 30 minutes; "
                        "ElastiCache needs a maintenance window of at least 60 minutes"]
    assert "59 minutes" in F["aws_elasticache_window_problems"]("sun:23:30-mon:00:29", "w")[0]


@pytest.mark.parametrize("window", ["tue 05:00-09:00", "tue:25:00-tue:26:00", "xyz:05:00-xyz:07:00", 5])
def test_malformed_windows(window):
    problems = F["aws_elasticache_window_problems"](window, "w")
    assert len(problems) == 1 and "ddd:hh24:mi-ddd:hh24:mi" in problems[0]


def test_entry_windows_fall_back_to_the_role_input():
    entries = [{"suffix": "redis"}, {"suffix": "cache", "maintenance_window": "mon:01:00-mon:01:15"}]
    problems = F["aws_entries_window_problems"](entries, "platform_redis_groups", "tue:05:00-tue:05:45",
                                                "aws_elasticache_maintenance_window")
    assert [p.split(":")[0] for p in problems] == ["aws_elasticache_maintenance_window",
                                                   "platform_redis_groups[1] (cache).maintenance_window"]


def test_entry_windows_leave_the_format_to_the_entry_checks_unless_asked():
    entries = [{"suffix": "redis", "maintenance_window": "tue 05:00"}]
    assert F["aws_entries_window_problems"](entries, "platform_redis_groups") == []
    problems = F["aws_entries_window_problems"](entries, "platform_redis_groups", None, "", True)
    assert len(problems) == 1 and problems[0].startswith("platform_redis_groups[0] (redis).maintenance_window: ")


# ------------------------------------------------------------------------------------------ RDS storage
def test_piops_storage_needs_iops():
    names = {"storage_type": "platform_rds_instances[0] (pg).storage_type"}
    problems = F["aws_rds_storage_problems"]({"storage_type": "io1", "allocated_storage": 100}, names)
    assert len(problems) == 1
    assert problems[0].startswith("platform_rds_instances[0] (pg).storage_type: io1 storage needs provisioned IOPS")
    with_field = F["aws_rds_storage_problems"]({"storage_type": "io2"}, {"iops": "x.iops"})
    assert with_field[0].startswith("x.iops: io2 storage")


def test_piops_ranges_and_ratios():
    check = F["aws_rds_storage_problems"]
    assert check({"storage_type": "io1", "allocated_storage": 100, "iops": 5000}, {}) == []
    assert "above 50 IOPS per GiB" in check({"storage_type": "io1", "allocated_storage": 100, "iops": 5001}, {})[0]
    assert check({"storage_type": "io2", "allocated_storage": 100, "iops": 100000}, {}) == []
    assert "outside 1000-256000" in check({"storage_type": "io1", "allocated_storage": 100, "iops": 999}, {})[0]


def test_gp3_iops_and_throughput_only_from_400_gib():
    check = F["aws_rds_storage_problems"]
    assert check({"storage_type": "gp3", "allocated_storage": 20}, {}) == []
    assert "only from 400 GiB" in check({"storage_type": "gp3", "allocated_storage": 100, "iops": 12000}, {})[0]
    assert check({"storage_type": "gp3", "allocated_storage": 400, "iops": 12000, "storage_throughput": 500}, {}) == []
    assert "outside 500-4000" in check({"storage_type": "gp3", "allocated_storage": 400, "storage_throughput": 100},
                                       {})[0]
    assert "takes no iops" in check({"storage_type": "gp2", "allocated_storage": 100, "iops": 3000}, {})[0]


def test_entry_storage_falls_back_to_the_role_input():
    entries = [{"suffix": "a", "allocated_storage": 100}, {"suffix": "b", "storage_type": "gp3"}]
    problems = F["aws_entries_storage_problems"](entries, "platform_rds_instances", {"storage_type": "io1"},
                                                 {"storage_type": "aws_rds_storage_type"})
    assert len(problems) == 1 and problems[0].startswith("aws_rds_storage_type: io1 storage")


# ------------------------------------------------------------------------------------------------ ports
@pytest.mark.parametrize(("port", "service", "ok"), [
    (5432, "rds", True), (1150, "rds", True), (1149, "rds", False), (0, "rds", False), (65536, "rds", False),
    (6379, "elasticache", True), (1, "elasticache", True), (0, "elasticache", False), ("6379", "tcp", True),
    ("x", "tcp", False), (None, "tcp", True), (3306, "aurora", True), (80, "aurora", False),
])
def test_ports(port, service, ok):
    problems = F["aws_port_problems"](port, "p", service)
    assert (problems == []) is ok
    if not ok:
        assert problems[0].startswith(f"p: {port!r} is not a port")


def test_entry_ports_name_the_entry_or_the_role_input():
    entries = [{"suffix": "a", "port": 0}, {"suffix": "b"}]
    problems = F["aws_entries_port_problems"](entries, "platform_redis_groups", "elasticache", 0,
                                              "aws_elasticache_port")
    assert [p.split(":")[0] for p in problems] == ["platform_redis_groups[0] (a).port", "aws_elasticache_port"]
