"""Why amazon.aws.rds_cluster reports changed on every run (and why aws_aurora uses
cloudops.eks_platform.rds_cluster_managed instead).

With ``vpc_security_group_ids`` set and ``purge_security_groups: true`` (its default), the stock
module's ``changing_cluster_options`` puts the wanted security groups into the ModifyDBCluster call
without comparing them with the cluster's: every run sends ModifyDBCluster and reports changed. The
logic is the module's, so it happens against real AWS too (where the call is accepted as a no-op
modification).

The test shows it end to end (second run: changed, and ModifyDBCluster is the only mutating call; with
``purge_security_groups: false`` the same run is clean) and pins the attribute: the modify options the
module computes against the converged cluster are exactly ``VpcSecurityGroupIds``.
"""

from __future__ import annotations

import pytest

from .conftest import assert_ok, run_playbook

PLAYBOOK = """---
- name: Stock amazon.aws.rds_cluster, run twice
  hosts: aws_account
  gather_facts: false
  module_defaults:
    group/amazon.aws.aws: "{{ {'region': platform_region} | combine(platform_aws_connection_extra) }}"
  tasks:
    - name: Ensure an Aurora PostgreSQL cluster with one security group
      amazon.aws.rds_cluster:
        db_cluster_identifier: idem-probe
        engine: aurora-postgresql
        engine_version: "16.6"
        username: probe_admin
        # Throwaway value for the emulator: the stock module cannot let RDS manage the password.
        password: not-a-real-password-1
        vpc_security_group_ids: ["{{ sg_id }}"]
        purge_security_groups: "{{ purge | bool }}"
        backup_retention_period: 7
        port: 5432
        tags:
          Name: idem-probe
      register: cluster
      no_log: true

    - name: Report the result without the password
      ansible.builtin.debug:
        msg: "changed={{ cluster.changed }}"
"""


def _modifying(backend) -> list[str]:
    return [r["operation"] for r in backend.mutating_requests()]


@pytest.mark.slow
def test_stock_rds_cluster_resends_security_groups(backend, tmp_path):
    ec2 = backend.client("ec2")
    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    sg_id = ec2.create_security_group(GroupName="idem-probe", Description="probe", VpcId=vpc_id)["GroupId"]
    playbook = tmp_path / "probe.yml"
    playbook.write_text(PLAYBOOK)

    def run(purge: bool):
        return run_playbook(
            backend, "-e", f"sg_id={sg_id}", "-e", f"purge={purge}", playbook=str(playbook), tmp=tmp_path
        )

    assert_ok(run(True), changed=1)  # create

    backend.clear_requests()
    second = run(True)
    assert_ok(second)
    assert second.changed == 1, "expected the stock module to report changed on an unchanged cluster"
    assert _modifying(backend) == ["ModifyDBCluster"], backend.requests()

    backend.clear_requests()
    clean = run(False)
    assert_ok(clean, changed=0)
    assert _modifying(backend) == []

    # Pin the attribute: the stock module's own compare, fed the converged cluster.
    from ansible_collections.amazon.aws.plugins.modules import rds_cluster

    current = backend.client("rds").describe_db_clusters(DBClusterIdentifier="idem-probe")["DBClusters"][0]
    assert [g["VpcSecurityGroupId"] for g in current["VpcSecurityGroups"]] == [sg_id]

    class _Module:
        params = {"purge_security_groups": True, "purge_cloudwatch_logs_exports": True, "state": "present"}

    rds_cluster.module = _Module()
    wanted = {
        "ApplyImmediately": False,
        "DBClusterIdentifier": "idem-probe",
        "VpcSecurityGroupIds": [sg_id],
        "BackupRetentionPeriod": 7,
        "Port": 5432,
    }
    assert rds_cluster.changing_cluster_options(dict(wanted), current) == {
        "VpcSecurityGroupIds": [sg_id],
        "DBClusterIdentifier": "idem-probe",
        "ApplyImmediately": False,
    }
    _Module.params["purge_security_groups"] = False
    assert rds_cluster.changing_cluster_options(dict(wanted), current) == {}
