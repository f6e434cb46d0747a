"""Unit tests of ec2_flow_log's compare logic."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.modules.ec2_flow_log import (  # noqa: E402
    settings_differ,
    wanted_settings,
)

PARAMS = {
    "traffic_type": "ALL",
    "log_destination_type": "cloud-watch-logs",
    "log_group_name": "/aws/vpc-flow-log/x",
    "log_destination": None,
    "deliver_logs_permission_arn": "arn:aws:iam::1:role/r",
    "max_aggregation_interval": 60,
}
EXISTING = {
    "FlowLogId": "fl-1",
    "TrafficType": "ALL",
    "LogDestinationType": "cloud-watch-logs",
    "LogGroupName": "/aws/vpc-flow-log/x",
    "LogDestination": "arn:aws:logs:ap-northeast-2:1:log-group:/aws/vpc-flow-log/x",
    "DeliverLogsPermissionArn": "arn:aws:iam::1:role/r",
    "MaxAggregationInterval": 60,
}


def test_unset_options_are_not_compared():
    assert "LogDestination" not in wanted_settings(PARAMS)


def test_same_settings_do_not_differ():
    assert settings_differ(EXISTING, wanted_settings(PARAMS)) == []


def test_interval_change_means_replace():
    assert settings_differ(EXISTING, wanted_settings(dict(PARAMS, max_aggregation_interval=600))) == [
        "MaxAggregationInterval"
    ]


def test_role_and_traffic_changes_are_listed_sorted():
    wanted = wanted_settings(dict(PARAMS, traffic_type="REJECT", deliver_logs_permission_arn="arn:other"))
    assert settings_differ(EXISTING, wanted) == ["DeliverLogsPermissionArn", "TrafficType"]
