#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: rds_wait
short_description: Wait, with one time budget, until RDS DB instances and Aurora clusters are available
version_added: 0.1.0
description:
  - Polls C(DescribeDBInstances) / C(DescribeDBClusters) until every listed DB instance and cluster (and,
    with O(include_cluster_members), every member instance of the clusters) is C(available), or fails
    when O(timeout) seconds - B(one budget for all of them) - are spent. Polling starts at 2 s and
    backs off to 10 s; there is no fixed sleep.
  - It lets a playbook start several slow resources without waiting (C(wait=false) in
    M(cloudops.eks_platform.rds_instance_managed) / M(cloudops.eks_platform.rds_cluster_managed)) and wait
    for them together afterwards.
  - Never changes anything (C(changed=false)). In check mode it reads once and does not wait;
    RV(ready) tells whether everything was available.
  - Returns the endpoints and the ARN of each RDS-managed master secret (never a secret value).
options:
  db_instance_identifiers:
    description: DB instances to wait for.
    type: list
    elements: str
    default: []
  db_cluster_identifiers:
    description: Aurora clusters to wait for.
    type: list
    elements: str
    default: []
  include_cluster_members:
    description: Also wait for every member instance of the clusters.
    type: bool
    default: true
  timeout:
    description: Seconds, one budget for everything listed.
    type: int
    default: 1800
  timeout_variable:
    description:
      - The name the timeout message gives the budget, so that it names the variable to raise (a role passes its
        own, e.g. C(aws_rds_wait_timeout)). Default - the option name C(timeout).
    type: str
    default: timeout
notes:
  - "IAM actions: C(rds:DescribeDBInstances), C(rds:DescribeDBClusters)."
  - A resource that does not exist fails the module at once (nothing to wait for); in check mode it is
    listed in RV(missing) instead (it would be created by the run being checked).
  - When the budget runs out the module fails with one line naming the resource, its status, the changes it has
    pending (C(PendingModifiedValues)) and the budget's variable (O(timeout_variable)); nothing is undone, RDS
    goes on with the change.
  - A change that waits for the maintenance window (C(apply_immediately=false)) leaves the resource C(available),
    so it is not waited for.
author:
  - cloudops platform team
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Wait up to 30 minutes for the instance and both clusters
  cloudops.eks_platform.rds_wait:
    db_instance_identifiers: [wealist-prod-postgres]
    db_cluster_identifiers: [point-prod-aurora-mysql, pingvas-prod-aurora-pg]
    timeout: 1800
  register: waited

- name: Use the endpoint
  ansible.builtin.debug:
    msg: "{{ waited.instances[0].endpoint_address }}"
"""

RETURN = r"""
ready:
  description: Whether everything was available (always true outside check mode, else the module fails).
  returned: always
  type: bool
missing:
  description: Identifiers that do not exist (check mode only; outside check mode the module fails).
  returned: always
  type: list
  elements: str
waited_seconds:
  description: Seconds spent waiting.
  returned: always
  type: int
instances:
  description: One entry per waited DB instance (listed ones first, then cluster members).
  returned: always
  type: list
  elements: dict
  contains:
    db_instance_identifier:
      description: Identifier.
      type: str
    status:
      description: DBInstanceStatus.
      type: str
    endpoint_address:
      description: DNS name of the instance endpoint.
      type: str
    endpoint_port:
      description: Port.
      type: int
    db_cluster_identifier:
      description: Cluster of a member instance.
      type: str
    master_user_secret_arn:
      description: ARN of the RDS-managed master secret of a standalone instance.
      type: str
clusters:
  description: One entry per waited cluster - identifier, status, endpoint, reader_endpoint, port, members,
    writer, master_user_secret_arn.
  returned: always
  type: list
  elements: dict
"""

import time
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_compare import AVAILABLE
from ansible_collections.cloudops.eks_platform.plugins.module_utils.rds_managed import RDSContext
from ansible_collections.cloudops.eks_platform.plugins.module_utils.waits import wait_until


def instance_entry(i: dict[str, Any]) -> dict[str, Any]:
    entry = {
        "db_instance_identifier": i["DBInstanceIdentifier"],
        "status": i.get("DBInstanceStatus"),
        "endpoint_address": (i.get("Endpoint") or {}).get("Address"),
        "endpoint_port": (i.get("Endpoint") or {}).get("Port"),
        "db_cluster_identifier": i.get("DBClusterIdentifier"),
    }
    if i.get("MasterUserSecret"):
        entry["master_user_secret_arn"] = i["MasterUserSecret"].get("SecretArn")
    return entry


def cluster_entry(c: dict[str, Any]) -> dict[str, Any]:
    members = c.get("DBClusterMembers") or []
    entry = {
        "db_cluster_identifier": c["DBClusterIdentifier"],
        "status": c.get("Status"),
        "endpoint": c.get("Endpoint"),
        "reader_endpoint": c.get("ReaderEndpoint"),
        "port": c.get("Port"),
        "members": [m["DBInstanceIdentifier"] for m in members],
        "writer": next((m["DBInstanceIdentifier"] for m in members if m.get("IsClusterWriter")), None),
    }
    if c.get("MasterUserSecret"):
        entry["master_user_secret_arn"] = c["MasterUserSecret"].get("SecretArn")
    return entry


#: How each kind is read and when it is ready: (label, RDSContext reader, status key).
KINDS = {
    "cluster": ("DB cluster", "cluster", "Status"),
    "instance": ("DB instance", "instance", "DBInstanceStatus"),
}


def wait_each(ctx: RDSContext, kind: str, identifiers: list[str], missing: list[str]) -> tuple[bool, list[dict]]:
    """Wait (one shared budget) until every named resource is available; in check mode only read them.
    Returns (all ready, the described resources)."""
    label, reader, status_key = KINDS[kind]
    module = ctx.module

    def fetch(ident: str) -> Any:
        item = getattr(ctx, reader)(ident)
        if item is None and not module.check_mode:
            module.fail_json(msg=f"{label} {ident} does not exist: nothing to wait for")
        return item

    def ready(item: Any) -> bool:
        return item is not None and item.get(status_key) == AVAILABLE

    all_ready = True
    found: list[dict[str, Any]] = []
    for ident in identifiers:
        item = fetch(ident)
        if item is None:
            missing.append(ident)
            all_ready = False
            continue
        if module.check_mode:
            all_ready = all_ready and ready(item)
        elif not ready(item):
            goal = f"{label} {ident} to be available"
            item = wait_until(module, lambda i=ident: fetch(i), ready, ctx.budget, goal, lambda i: i.get(status_key),
                              failed=ctx.expiry(goal, status_key))
        found.append(item)
    return all_ready, found


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=dict(
            db_instance_identifiers=dict(type="list", elements="str", default=[]),
            db_cluster_identifiers=dict(type="list", elements="str", default=[]),
            include_cluster_members=dict(type="bool", default=True),
            timeout=dict(type="int", default=1800),
            timeout_variable=dict(type="str", default="timeout"),
        ),
        supports_check_mode=True,
    )
    ctx = RDSContext(module, timeout=0 if module.check_mode else module.params["timeout"],
                     budget_name=module.params["timeout_variable"])
    started = time.monotonic()
    missing: list[str] = []
    clusters_ready, clusters = wait_each(ctx, "cluster", module.params["db_cluster_identifiers"], missing)
    ids = list(module.params["db_instance_identifiers"])
    if module.params["include_cluster_members"]:
        for cluster in clusters:
            ids += [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers") or []
                    if m["DBInstanceIdentifier"] not in ids]
    instances_ready, instances = wait_each(ctx, "instance", ids, missing)
    module.exit_json(
        changed=False,
        ready=clusters_ready and instances_ready,
        missing=missing,
        waited_seconds=int(time.monotonic() - started),
        instances=[instance_entry(i) for i in instances],
        clusters=[cluster_entry(c) for c in clusters],
    )


if __name__ == "__main__":
    main()
