"""apply_immediately: false end to end (issue 14, point 5), module-level runs against the emulator's pending states.

The backend runs in latency mode (scale 1: RDS's own durations) on its clock, which the test moves
(``POST /_local/clock``), so nothing sleeps but the budget expiry itself:

1. ``rds_instance_managed`` changes the class of an available instance with ``apply_immediately: false``: changed,
   and RDS reports the new class in ``PendingModifiedValues`` while the instance keeps the old one; the same task
   again and in check mode: changed=0, and the request log holds exactly one ModifyDBInstance (pending counts as
   current, nothing is sent twice).
2. The clock passes the maintenance window: the class is applied, nothing is pending; a re-run is clean.
3. A change with ``apply_immediately: true`` puts the instance in ``modifying``: the module's own wait and
   ``rds_wait`` run out of a 2-second budget and fail with one line naming the instance, its status, the pending
   class and the budget's variable (``wait_timeout``; ``aws_rds_wait_timeout`` given as ``timeout_variable``).
"""

from __future__ import annotations

import datetime
import json
import urllib.request

import pytest

from .conftest import _start_backend, _stop_backend, assert_ok, run_playbook

pytestmark = pytest.mark.slow

IDENT = "pending-e2e"
PLAYBOOK = """---
- name: Change an instance class with apply_immediately false, then again, then in check mode
  hosts: aws_account
  gather_facts: false
  module_defaults:
    group/cloudops.eks_platform.aws: "{{ {'region': platform_region} | combine(platform_aws_connection_extra) }}"
  tasks:
    - name: Change the class for the next maintenance window
      cloudops.eks_platform.rds_instance_managed: &deferred
        db_instance_identifier: pending-e2e
        db_instance_class: db.t4g.small
        apply_immediately: false
        wait_timeout: 30
    - name: The same, while the change is pending
      cloudops.eks_platform.rds_instance_managed: *deferred
    - name: The same in check mode
      cloudops.eks_platform.rds_instance_managed: *deferred
      check_mode: true
"""

EXPIRY = """---
- name: Re-run once applied, then run out of the wait budget
  hosts: aws_account
  gather_facts: false
  module_defaults:
    group/cloudops.eks_platform.aws: "{{ {'region': platform_region} | combine(platform_aws_connection_extra) }}"
  tasks:
    - name: The class is applied now
      cloudops.eks_platform.rds_instance_managed:
        db_instance_identifier: pending-e2e
        db_instance_class: db.t4g.small
        apply_immediately: false
    - name: Change it now and wait at most 2 seconds
      cloudops.eks_platform.rds_instance_managed:
        db_instance_identifier: pending-e2e
        db_instance_class: db.t4g.medium
        apply_immediately: true
        wait_timeout: 2
      ignore_errors: true
    - name: Wait for it with rds_wait, at most 2 seconds
      cloudops.eks_platform.rds_wait:
        db_instance_identifiers: [pending-e2e]
        timeout: 2
        timeout_variable: aws_rds_wait_timeout
      ignore_errors: true
"""


def _advance(backend, seconds: float) -> None:
    body = json.dumps({"advance": seconds}).encode()
    req = urllib.request.Request(f"{backend.endpoint}/_local/clock", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).close()


def _window_in(hours: float) -> str:
    start = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=hours)).replace(second=0, microsecond=0)
    end = start + datetime.timedelta(minutes=30)
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return f"{day[start.weekday()]}:{start:%H:%M}-{day[end.weekday()]}:{end:%H:%M}"


@pytest.fixture
def slow_backend(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCAL_BACKEND_LATENCY_SCALE", "1")
    backend = _start_backend(tmp_path / "backend", postgres=False)
    yield backend
    _stop_backend(backend)


def test_apply_immediately_false_end_to_end(slow_backend, tmp_path):
    backend, rds = slow_backend, slow_backend.client("rds")
    maintenance = _window_in(hours=2)
    backup_start = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=8)
    rds.create_db_instance(
        DBInstanceIdentifier=IDENT, Engine="postgres", EngineVersion="16.6", DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20, MasterUsername="pending_admin", ManageMasterUserPassword=True,
        PreferredMaintenanceWindow=maintenance,
        PreferredBackupWindow=f"{backup_start:%H:%M}-{backup_start + datetime.timedelta(hours=1):%H:%M}",
    )
    _advance(backend, 601)  # created (600 s in latency mode)
    playbook = tmp_path / "deferred.yml"
    playbook.write_text(PLAYBOOK)
    backend.clear_requests()
    deferred = run_playbook(backend, playbook=str(playbook), tmp=tmp_path)
    assert_ok(deferred, changed=1)  # the first task only
    assert [r["operation"] for r in backend.mutating_requests()] == ["ModifyDBInstance"], backend.requests()
    db = rds.describe_db_instances(DBInstanceIdentifier=IDENT)["DBInstances"][0]
    assert (db["DBInstanceClass"], db["PendingModifiedValues"], db["DBInstanceStatus"]) == (
        "db.t4g.micro", {"DBInstanceClass": "db.t4g.small"}, "available")

    _advance(backend, 3 * 3600)  # past the window's start (and the 600 s the change takes)
    db = rds.describe_db_instances(DBInstanceIdentifier=IDENT)["DBInstances"][0]
    assert (db["DBInstanceClass"], db["PendingModifiedValues"], db["DBInstanceStatus"]) == (
        "db.t4g.small", {}, "available")

    playbook = tmp_path / "expiry.yml"
    playbook.write_text(EXPIRY)
    backend.clear_requests()
    expiry = run_playbook(backend, playbook=str(playbook), tmp=tmp_path)
    assert expiry.rc == 0, expiry.output[-4000:]
    assert [r["operation"] for r in backend.mutating_requests()] == ["ModifyDBInstance"], backend.requests()
    text = expiry.text()
    for variable in ("wait_timeout", "aws_rds_wait_timeout"):
        assert (f"Timed out after 2 s ({variable}) waiting for DB instance {IDENT} to be available: its status is "
                "still modifying (pending: DBInstanceClass=db.t4g.medium). Nothing was undone") in text, text[-4000:]
