"""The RDS gaps the local backend fills (local_backend/rds.py), driven through boto3."""

from __future__ import annotations

import pytest

from local_backend.rds import valid_preferred_maintenance_window

from .conftest import aws_client


@pytest.mark.parametrize(
    ("maintenance", "backup", "ok"),
    [
        ("mon:00:00-mon:03:00", "03:00-06:00", True),  # the seed's windows only touch
        ("sun:23:00-mon:02:00", "03:00-06:00", True),  # crosses midnight
        ("mon:00:00-mon:03:00", "02:00-04:00", False),
        ("sun:23:30-mon:00:30", "00:00-01:00", False),  # overlap across the week boundary
        ("mon:00:00-mon:00:10", None, False),  # shorter than 30 minutes
    ],
)
def test_window_rules(maintenance, backup, ok):
    assert (valid_preferred_maintenance_window(maintenance, backup) is None) is ok


def test_seed_windows_and_performance_insights_round_trip(local_backend_endpoint):
    rds = aws_client(local_backend_endpoint, "rds")
    rds.create_db_instance(
        DBInstanceIdentifier="pi-test",
        Engine="postgres",
        DBInstanceClass="db.t4g.small",
        AllocatedStorage=20,
        MasterUsername="wealist_admin",
        ManageMasterUserPassword=True,
        PreferredBackupWindow="03:00-06:00",
        PreferredMaintenanceWindow="mon:00:00-mon:03:00",
        EnablePerformanceInsights=True,
        PerformanceInsightsRetentionPeriod=7,
    )
    db = rds.describe_db_instances(DBInstanceIdentifier="pi-test")["DBInstances"][0]
    assert db["PerformanceInsightsEnabled"] is True
    assert db["PerformanceInsightsRetentionPeriod"] == 7
    assert db["PreferredBackupWindow"] == "03:00-06:00"
