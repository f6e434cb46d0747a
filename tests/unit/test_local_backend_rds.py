"""The RDS gaps the local backend fills (local_backend/aws/rds.py), driven through boto3."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_backend.aws import latency
from local_backend.aws.rds import valid_preferred_maintenance_window
from local_backend.aws.server import start_in_thread

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


# ---------------------------------------------------------------------------------- pending modifications
@pytest.fixture
def clocked() -> Iterator[tuple[Any, latency.ManualClock]]:
    """A backend whose latency clock moves only when the test advances it (latency off: scale 0)."""
    clock = latency.ManualClock()
    handle = start_in_thread(clock=clock)
    yield aws_client(handle.endpoint_url, "rds"), clock
    handle.stop()


@pytest.fixture
def slow() -> Iterator[tuple[Any, latency.ManualClock]]:
    """Latency mode (scale 1: RDS's own durations) on a clock the test moves."""
    clock = latency.ManualClock()
    handle = start_in_thread(latency_scale=1.0, clock=clock)
    yield aws_client(handle.endpoint_url, "rds"), clock
    handle.stop()


def _window_in(hours: float) -> tuple[str, str]:
    """A 30-minute maintenance window starting ``hours`` from now (UTC) and a daily backup window clear of it."""
    start = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=hours)).replace(second=0, microsecond=0)
    end = start + datetime.timedelta(minutes=30)
    backup = start + datetime.timedelta(hours=6)
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return (f"{day[start.weekday()]}:{start:%H:%M}-{day[end.weekday()]}:{end:%H:%M}",
            f"{backup:%H:%M}-{backup + datetime.timedelta(hours=1):%H:%M}")


def _instance(rds: Any, identifier: str, **extra: Any) -> dict[str, Any]:
    return rds.create_db_instance(
        DBInstanceIdentifier=identifier, Engine="postgres", EngineVersion="16.6", DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20, MasterUsername="app_admin", ManageMasterUserPassword=True, BackupRetentionPeriod=7,
        **extra,
    )["DBInstance"]


def _describe(rds: Any, identifier: str) -> dict[str, Any]:
    return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]


def test_apply_immediately_false_waits_for_the_maintenance_window_on_the_clock(clocked):
    """moto 5.2.5 applied every change at once and never reported PendingModifiedValues."""
    rds, clock = clocked
    maintenance, backup = _window_in(hours=2)
    _instance(rds, "pending-window", PreferredMaintenanceWindow=maintenance, PreferredBackupWindow=backup)
    answer = rds.modify_db_instance(
        DBInstanceIdentifier="pending-window", DBInstanceClass="db.t4g.small", AllocatedStorage=30,
        DeletionProtection=True, BackupRetentionPeriod=14, ApplyImmediately=False,
    )["DBInstance"]
    for db in (answer, _describe(rds, "pending-window")):
        # deferred: class and storage; at once: deletion protection, a non-zero retention to another non-zero one
        assert db["PendingModifiedValues"] == {"DBInstanceClass": "db.t4g.small", "AllocatedStorage": 30}
        assert (db["DBInstanceClass"], db["AllocatedStorage"]) == ("db.t4g.micro", 20)
        assert (db["DeletionProtection"], db["BackupRetentionPeriod"], db["DBInstanceStatus"]) == (
            True, 14, "available")
    clock.advance(3600)  # the window opens in two hours
    assert _describe(rds, "pending-window")["PendingModifiedValues"] == {"DBInstanceClass": "db.t4g.small",
                                                                         "AllocatedStorage": 30}
    # a second deferred change joins the queue; asking for the current value again drops that setting's change
    rds.modify_db_instance(DBInstanceIdentifier="pending-window", MultiAZ=True, AllocatedStorage=20)
    assert _describe(rds, "pending-window")["PendingModifiedValues"] == {"DBInstanceClass": "db.t4g.small",
                                                                         "MultiAZ": True}
    clock.advance(5400)  # past the window's start
    db = _describe(rds, "pending-window")
    assert db["PendingModifiedValues"] == {}
    assert (db["DBInstanceClass"], db["MultiAZ"], db["AllocatedStorage"], db["DBInstanceStatus"]) == (
        "db.t4g.small", True, 20, "available")


def test_apply_immediately_passes_through_modifying_and_takes_the_pending_changes(slow):
    rds, clock = slow
    _instance(rds, "pending-now")
    clock.advance(600)  # created (latency mode: 600 s)
    assert _describe(rds, "pending-now")["DBInstanceStatus"] == "available"
    rds.modify_db_instance(DBInstanceIdentifier="pending-now", StorageType="gp3", ApplyImmediately=False)
    assert _describe(rds, "pending-now")["DBInstanceStatus"] == "available"  # waits for the window
    rds.modify_db_instance(DBInstanceIdentifier="pending-now", DBInstanceClass="db.t4g.small", ApplyImmediately=True)
    db = _describe(rds, "pending-now")
    assert db["DBInstanceStatus"] == "modifying"
    assert db["PendingModifiedValues"] == {"StorageType": "gp3", "DBInstanceClass": "db.t4g.small"}
    clock.advance(599)
    assert _describe(rds, "pending-now")["DBInstanceStatus"] == "modifying"
    clock.advance(2)
    db = _describe(rds, "pending-now")
    assert (db["DBInstanceStatus"], db["DBInstanceClass"], db["StorageType"], db["PendingModifiedValues"]) == (
        "available", "db.t4g.small", "gp3", {})
    # an engine upgrade reports "upgrading", and RDS refuses to modify the instance meanwhile
    rds.modify_db_instance(DBInstanceIdentifier="pending-now", EngineVersion="16.8", ApplyImmediately=True)
    assert _describe(rds, "pending-now")["DBInstanceStatus"] == "upgrading"
    with pytest.raises(ClientError) as refused:
        rds.modify_db_instance(DBInstanceIdentifier="pending-now", DeletionProtection=True, ApplyImmediately=True)
    assert refused.value.response["Error"]["Code"] == "InvalidDBInstanceState"
    clock.advance(601)
    assert (_describe(rds, "pending-now")["DBInstanceStatus"], _describe(rds, "pending-now")["EngineVersion"]) == (
        "available", "16.8")


def test_cluster_engine_upgrade_waits_for_the_window_and_members_follow(clocked):
    rds, clock = clocked
    maintenance, _backup = _window_in(hours=1)
    rds.create_db_cluster(DBClusterIdentifier="pending-aurora", Engine="aurora-postgresql", EngineVersion="16.6",
                          MasterUsername="app_admin", ManageMasterUserPassword=True,
                          PreferredMaintenanceWindow=maintenance)
    rds.create_db_instance(DBInstanceIdentifier="pending-aurora-1", DBClusterIdentifier="pending-aurora",
                           Engine="aurora-postgresql", DBInstanceClass="db.t4g.medium")
    rds.modify_db_cluster(DBClusterIdentifier="pending-aurora", EngineVersion="16.8", DeletionProtection=True,
                          ApplyImmediately=False)
    cluster = rds.describe_db_clusters(DBClusterIdentifier="pending-aurora")["DBClusters"][0]
    assert (cluster["EngineVersion"], cluster["PendingModifiedValues"], cluster["DeletionProtection"]) == (
        "16.6", {"EngineVersion": "16.8"}, True)
    clock.advance(2 * 3600)
    cluster = rds.describe_db_clusters(DBClusterIdentifier="pending-aurora")["DBClusters"][0]
    assert (cluster["EngineVersion"], "PendingModifiedValues" in cluster) == ("16.8", False)
    assert _describe(rds, "pending-aurora-1")["EngineVersion"] == "16.8"


def _code(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_a_parameter_group_that_does_not_exist_is_refused(local_backend_endpoint):
    rds = aws_client(local_backend_endpoint, "rds")
    _instance(rds, "no-such-group")
    assert _code(lambda: rds.modify_db_instance(DBInstanceIdentifier="no-such-group",
                                                DBParameterGroupName="nothing-here"))[0] == "DBParameterGroupNotFound"
    # moto accepted a cluster parameter group that does not exist, on create and on modify
    code, message = _code(lambda: rds.create_db_cluster(
        DBClusterIdentifier="no-such-cluster-group", Engine="aurora-postgresql", EngineVersion="16.6",
        MasterUsername="app_admin", ManageMasterUserPassword=True, DBClusterParameterGroupName="nothing-here"))
    assert (code, "nothing-here" in message) == ("DBClusterParameterGroupNotFound", True)
    rds.create_db_cluster(DBClusterIdentifier="no-such-cluster-group", Engine="aurora-postgresql",
                          EngineVersion="16.6", MasterUsername="app_admin", ManageMasterUserPassword=True)
    assert _code(lambda: rds.modify_db_cluster(DBClusterIdentifier="no-such-cluster-group",
                                               DBClusterParameterGroupName="nothing-here"))[0] == (
        "DBClusterParameterGroupNotFound")


def test_modify_db_cluster_refuses_a_parameter_group_of_another_family(local_backend_endpoint):
    rds = aws_client(local_backend_endpoint, "rds")
    for family in ("aurora-postgresql15", "aurora-postgresql16"):
        rds.create_db_cluster_parameter_group(DBClusterParameterGroupName=f"family-{family}",
                                              DBParameterGroupFamily=family, Description="x")
    rds.create_db_cluster(DBClusterIdentifier="family-aurora", Engine="aurora-postgresql", EngineVersion="16.6",
                          MasterUsername="app_admin", ManageMasterUserPassword=True)
    code, message = _code(lambda: rds.modify_db_cluster(DBClusterIdentifier="family-aurora",
                                                        DBClusterParameterGroupName="family-aurora-postgresql15"))
    assert (code, "aurora-postgresql15" in message, "aurora-postgresql16" in message) == (
        "InvalidParameterCombination", True, True)
    rds.modify_db_cluster(DBClusterIdentifier="family-aurora", DBClusterParameterGroupName="family-aurora-postgresql16")


def test_an_engine_version_that_does_not_exist_or_goes_down_is_refused(local_backend_endpoint):
    rds = aws_client(local_backend_endpoint, "rds")
    _instance(rds, "no-such-version")
    assert _code(lambda: rds.modify_db_instance(DBInstanceIdentifier="no-such-version", EngineVersion="16.99")) == (
        "InvalidParameterCombination", "Cannot find upgrade path from 16.6 to 16.99.")
    assert _code(lambda: rds.modify_db_instance(DBInstanceIdentifier="no-such-version", EngineVersion="16.4"))[0] == (
        "InvalidParameterCombination")
    rds.create_db_cluster(DBClusterIdentifier="no-such-version", Engine="aurora-postgresql", EngineVersion="16.6",
                          MasterUsername="app_admin", ManageMasterUserPassword=True)
    assert _code(lambda: rds.modify_db_cluster(DBClusterIdentifier="no-such-version", EngineVersion="16.99"))[0] == (
        "InvalidParameterCombination")
    rds.modify_db_instance(DBInstanceIdentifier="no-such-version", EngineVersion="16.8")  # the valid neighbour


def test_a_major_upgrade_needs_allow_major_version_upgrade_and_a_group_of_the_new_family(local_backend_endpoint):
    rds = aws_client(local_backend_endpoint, "rds")
    for family in ("postgres16", "postgres17"):
        rds.create_db_parameter_group(DBParameterGroupName=f"major-{family}", DBParameterGroupFamily=family,
                                      Description="x")
    _instance(rds, "major", DBParameterGroupName="major-postgres16")
    assert _code(lambda: rds.modify_db_instance(DBInstanceIdentifier="major", EngineVersion="17.7",
                                                DBParameterGroupName="major-postgres17")) == (
        "InvalidParameterCombination",
        "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.")
    code, message = _code(lambda: rds.modify_db_instance(DBInstanceIdentifier="major", EngineVersion="17.7",
                                                         AllowMajorVersionUpgrade=True))
    assert (code, "major-postgres16 is custom" in message) == ("InvalidParameterCombination", True)
    answer = rds.modify_db_instance(DBInstanceIdentifier="major", EngineVersion="17.7", AllowMajorVersionUpgrade=True,
                                    DBParameterGroupName="major-postgres17")["DBInstance"]
    assert answer["PendingModifiedValues"] == {"EngineVersion": "17.7"}
