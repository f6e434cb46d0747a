"""The RDS gaps the local backend fills (local_backend/aws/rds.py), driven through boto3."""

from __future__ import annotations

import json

import pytest

from local_backend.aws.rds import valid_preferred_maintenance_window

from .conftest import REGION, aws_client


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


def test_managed_master_secret_holds_the_instance_username_and_a_random_password(local_backend_endpoint):
    """moto 5.2.5 puts {"username": "admin", "password": "P@55w0rd!"} in every rds!db-... secret."""
    rds = aws_client(local_backend_endpoint, "rds")
    passwords = []
    for identifier in ("secret-a", "secret-b"):
        db = rds.create_db_instance(
            DBInstanceIdentifier=identifier,
            Engine="postgres",
            DBInstanceClass="db.t4g.small",
            AllocatedStorage=20,
            MasterUsername="wealist_admin",
            ManageMasterUserPassword=True,
        )["DBInstance"]
        value = aws_client(local_backend_endpoint, "secretsmanager").get_secret_value(
            SecretId=db["MasterUserSecret"]["SecretArn"]
        )
        secret = json.loads(value["SecretString"])
        assert secret["username"] == "wealist_admin"
        assert len(secret["password"]) == 28 and not set(secret["password"]) & set("/@\"' \\")
        passwords.append(secret["password"])
    assert passwords[0] != passwords[1]


def test_modify_db_port_number_moves_the_endpoint(local_backend_endpoint):
    """moto 5.2.5 stores ModifyDBInstance's DBPortNumber in an unused attribute; the port never changed."""
    rds = aws_client(local_backend_endpoint, "rds")
    created = rds.create_db_instance(
        DBInstanceIdentifier="port-move",
        Engine="mysql",
        DBInstanceClass="db.t4g.small",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="Passw0rd-123",
    )["DBInstance"]
    assert created["Endpoint"]["Port"] == 3306
    rds.modify_db_instance(DBInstanceIdentifier="port-move", DBPortNumber=3307, ApplyImmediately=True)
    db = rds.describe_db_instances(DBInstanceIdentifier="port-move")["DBInstances"][0]
    assert (db["Endpoint"]["Port"], db["DbInstancePort"]) == (3307, 3307)


def test_aurora_members_go_to_the_zone_asked_for_or_spread(local_backend_endpoint):
    rds = aws_client(local_backend_endpoint, "rds")
    rds.create_db_cluster(
        DBClusterIdentifier="az-cluster",
        Engine="aurora-postgresql",
        EngineVersion="16.6",
        MasterUsername="pingvas_admin",
        ManageMasterUserPassword=True,
    )
    member = {"DBClusterIdentifier": "az-cluster", "Engine": "aurora-postgresql", "DBInstanceClass": "db.t4g.medium"}
    rds.create_db_instance(DBInstanceIdentifier="az-cluster-1", AvailabilityZone=f"{REGION}c", **member)
    rds.create_db_instance(DBInstanceIdentifier="az-cluster-2", **member)
    rds.create_db_instance(DBInstanceIdentifier="az-cluster-3", **member)
    zones = {
        i["DBInstanceIdentifier"]: i["AvailabilityZone"]
        for i in rds.describe_db_instances()["DBInstances"]
        if i["DBInstanceIdentifier"].startswith("az-cluster-")
    }
    assert zones["az-cluster-1"] == f"{REGION}c"
    # Without a zone, the members spread over the cluster's zones instead of all landing in the first one.
    assert len(set(zones.values())) == 3, zones
    assert all(zone.startswith(REGION) for zone in zones.values())


def test_a_zone_of_another_region_is_refused(local_backend_endpoint):
    rds = aws_client(local_backend_endpoint, "rds")
    with pytest.raises(rds.exceptions.ClientError) as err:
        rds.create_db_instance(
            DBInstanceIdentifier="elsewhere",
            Engine="postgres",
            DBInstanceClass="db.t4g.micro",
            AllocatedStorage=20,
            MasterUsername="u_admin",
            MasterUserPassword="password-password",
            AvailabilityZone="us-west-2a",
        )
    assert "InvalidParameterValue" in str(err.value)
