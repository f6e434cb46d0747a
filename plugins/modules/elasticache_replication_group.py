#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: elasticache_replication_group
short_description: Manage an ElastiCache Redis OSS or Valkey replication group (and its own parameter group)
version_added: 0.1.0
description:
  - Creates, modifies or deletes an Amazon ElastiCache replication group, cluster mode disabled
    (O(num_cache_clusters)) or enabled (O(num_node_groups) and O(replicas_per_node_group)).
    community.aws has no replication group module (its C(elasticache) module manages single cache clusters).
  - Describes the group, compares it with the options and changes only what differs - C(ModifyReplicationGroup)
    with the changed fields only, C(IncreaseReplicaCount) / C(DecreaseReplicaCount) for node counts, tags with
    C(AddTagsToResource) / C(RemoveTagsFromResource). An option left unset is not managed.
  - Settings the API cannot change in place make the module fail with the reason, before any change - encryption
    at rest and its KMS key, in-transit encryption, subnet group, port, cluster mode, the shard count (online
    resharding is not done here), an engine version downgrade, valkey back to redis.
  - Engine version, parameter group, subnet group, security groups and maintenance window are reported by AWS on
    the member cache clusters, so they are read from the first member (C(DescribeCacheClusters)). When no member
    can be read, these settings are not compared and a warning says so.
  - Changes waiting for the maintenance window (O(apply_immediately=false)) count as done, so they are not asked
    for again on the next run.
  - The AUTH token is either O(auth_token) or, better, read by the module itself from Secrets Manager
    (O(auth_token_secret_id)), so it never passes through Ansible variables. It is only read when it is needed
    (creation, turning AUTH on, a rotation); its value never appears in the result, the diff or a message.
  - "Rotation (with O(auth_token_secret_id)): AWS never returns a group's token, so the module compares when the
    secret's C(AWSCURRENT) version was made (C(ListSecretVersionIds)) with the group's C(AuthTokenLastModifiedDate):
    a version made after the token was last set is a rotated secret. Its token is applied with
    C(AuthTokenUpdateStrategy=ROTATE) (AWS then accepts the old and the new token, so clients move over at their
    pace) and the run reports changed; the group is tagged C(cloudops:auth-token-version=<VersionId>:rotating:<epoch>)
    meanwhile (an identifier and a time, no token material; O(purge_tags) leaves it alone). On a later run, once AWS
    finished the rotation and O(auth_token_rotation_grace) seconds have passed, the same token (that VersionId) is
    applied with C(SET), which drops the old token (how the ElastiCache user guide finishes a rotation), and the tag
    is removed. A token given as O(auth_token) is not compared (no version to compare)."
  - With O(parameter_group) the module also manages the custom cache parameter group named
    O(cache_parameter_group_name) (created with its family, the listed parameters converged, tags), before the
    replication group uses it. community.aws.elasticache_parameter_group cannot create C(redis7) or C(valkey)
    families.
  - In check mode nothing is written. With C(--diff) the before/after of the compared settings, tags and parameters
    is returned (AUTH only as C(auth_token_enabled)).
options:
  name:
    description: The replication group id (ReplicationGroupId); 1-40 characters, stored in lower case.
    type: str
    required: true
    aliases: [replication_group_id]
  state:
    description: Whether the replication group exists.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Description of the group. Defaults to O(name) on creation.
    type: str
  engine:
    description: Cache engine.
    type: str
    choices: [redis, valkey]
  engine_version:
    description:
      - Engine version, for example C(7.1) (major.minor from 6 on; AWS runs the latest patch release, so C(7.1)
        matches a running C(7.1.0)). Upgrades are in place, downgrades fail.
    type: str
  node_type:
    description: Node type, for example C(cache.t4g.small). Required to create the group.
    type: str
  num_cache_clusters:
    description:
      - Number of nodes (one primary and replicas), cluster mode disabled, 1 to 6. Default 1 on creation.
      - Changed in place with IncreaseReplicaCount / DecreaseReplicaCount.
      - Mutually exclusive with O(num_node_groups).
    type: int
  num_node_groups:
    description:
      - Number of shards; setting it creates the group with cluster mode enabled. Cannot be changed by this module.
    type: int
  replicas_per_node_group:
    description: Replicas in every shard (cluster mode enabled), 0 to 5. Default 0 on creation.
    type: int
  preferred_availability_zones:
    description:
      - Zones of the nodes, used when the group is created (placement is not compared afterwards).
      - Cluster mode disabled - one zone per node, the primary first (as many as O(num_cache_clusters)).
      - Cluster mode enabled - the zones the shards spread over, shard I(i)'s primary in the I(i)-th zone (round
        robin) and its replicas in the zones that follow.
    type: list
    elements: str
  automatic_failover:
    description:
      - Promote a replica when the primary fails.
      - Default on when the group has more than one node, off with one node. V(true) with a single node fails.
    type: bool
  multi_az:
    description:
      - Place replicas in other zones than the primary and fail over across zones.
      - Default on when there is a replica (in every shard) and automatic failover is on. V(true) with a single node,
        or without automatic failover, fails.
    type: bool
  transit_encryption:
    description: TLS between clients and nodes. Needed for an AUTH token. Fixed at creation by this module.
    type: bool
  at_rest_encryption:
    description: Encryption at rest. Fixed at creation.
    type: bool
  kms_key_id:
    description:
      - KMS key for encryption at rest - key id, ARN, alias name or alias ARN (resolved to the key ARN with
        C(kms:DescribeKey)). Needs O(at_rest_encryption=true). Fixed at creation.
    type: str
  auth_token:
    description:
      - "The AUTH token: 16 to 128 characters, letters, digits and C(! & # $ ^ < > -). Needs
        O(transit_encryption=true). Prefer O(auth_token_secret_id)."
      - Used on creation and to turn AUTH on; a different token on an existing group is not detected (AWS never
        returns it; with O(auth_token_secret_id) a new secret version is).
    type: str
  auth_token_secret_id:
    description:
      - Name or ARN of a Secrets Manager secret whose plain string value is the AUTH token. The module reads it
        itself (C(secretsmanager:GetSecretValue)) only when the token is needed, and checks that it exists
        (C(secretsmanager:DescribeSecret)) in check mode.
      - Mutually exclusive with O(auth_token).
    type: str
  cache_parameter_group_name:
    description: Parameter group of the nodes (engine default when unset on creation).
    type: str
  parameter_group:
    description:
      - Manage the custom parameter group O(cache_parameter_group_name) too. It is converged before the replication
        group is created or modified, and deleted after the replication group with O(state=absent) and O(wait=true).
    type: dict
    suboptions:
      family:
        description:
          - Parameter group family, for example C(redis6.x), C(redis7), C(valkey7), C(valkey8). Default - derived
            from O(engine) and O(engine_version) (redis 6.x -> C(redis6.x), redis 7.x -> C(redis7), valkey 7.x ->
            C(valkey7), valkey 8.x -> C(valkey8)); a family that does not fit them fails before any call.
          - A group's family cannot change - a major upgrade (another family) names a new group (for example
            C(<group>-params-redis7)) and lists the old one in O(replaced_parameter_groups).
        type: str
      description:
        description: Description, used on creation only. Default C(Parameters of <name>).
        type: str
      parameters:
        description:
          - Parameters to set (name to value; booleans are stored as C(yes)/C(no)). Parameters not listed keep
            their values.
        type: dict
        default: {}
      tags:
        description: Tags of the parameter group (O(purge_tags) applies). Unset = not managed.
        type: dict
  replaced_parameter_groups:
    description:
      - Earlier custom parameter groups of this replication group (for example the one of the engine family before
        a major upgrade). One the replication group uses that is of the wanted family (an unversioned name of an
        older release) is kept as O(cache_parameter_group_name) - no new group, no switch - with tag values that
        named the wanted group (C(Name)) following it.
      - After the group was created / modified (and waited for, with O(wait=true)), each one that exists and that
        the replication group no longer uses - nor has pending - is deleted; one still in use is
        left with a warning and deleted by a later run. So a major upgrade creates the new group, switches the
        replication group to it together with the engine version (one C(ModifyReplicationGroup)), then deletes the
        old group.
    type: list
    elements: str
  auth_token_rotation_grace:
    description:
      - Seconds between a C(ROTATE) of the AUTH token (both tokens valid) and the C(SET) that drops the old token,
        applied by the first run after that time once AWS has finished the rotation. V(0) - the next run.
    type: int
    default: 0
  cache_subnet_group_name:
    description: Cache subnet group (the VPC subnets of the nodes). Fixed at creation.
    type: str
  security_group_ids:
    description: VPC security groups of the nodes.
    type: list
    elements: str
  snapshot_retention_limit:
    description: Days automatic snapshots are kept, 0 (off) to 35.
    type: int
  snapshot_window:
    description: Daily UTC range of the automatic snapshot, C(hh:mm-hh:mm), at least 60 minutes.
    type: str
  preferred_maintenance_window:
    description: Weekly UTC maintenance range, C(ddd:hh:mm-ddd:hh:mm), at least 60 minutes.
    type: str
  port:
    description: Port of the nodes. Fixed at creation.
    type: int
  auto_minor_version_upgrade:
    description: Apply minor engine upgrades in the maintenance window.
    type: bool
  apply_immediately:
    description:
      - Apply modifications now instead of in the next maintenance window. Replica count changes and turning AUTH on
        are always applied immediately (the API requires it).
    type: bool
    default: false
  final_snapshot_identifier:
    description: With O(state=absent), name of a final snapshot taken before the group is deleted.
    type: str
  wait:
    description:
      - Return only when the group is C(available) (or gone, with O(state=absent)). Steps that need the group
        available (a modification after a replica count change) wait whatever this option says.
    type: bool
    default: true
  wait_timeout:
    description: One time budget in seconds for every wait of this call together.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - IAM actions - elasticache:DescribeReplicationGroups, DescribeCacheClusters, CreateReplicationGroup,
    ModifyReplicationGroup, IncreaseReplicaCount, DecreaseReplicaCount, DeleteReplicationGroup, ListTagsForResource,
    AddTagsToResource, RemoveTagsFromResource; with O(parameter_group) or O(replaced_parameter_groups)
    DescribeCacheParameterGroups,
    DescribeCacheParameters, CreateCacheParameterGroup, ModifyCacheParameterGroup, DeleteCacheParameterGroup;
    kms:DescribeKey with O(kms_key_id) (and the grants ElastiCache needs on the key); secretsmanager:DescribeSecret,
    ListSecretVersionIds and GetSecretValue with O(auth_token_secret_id).
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: Redis 7.1, one node, TLS, at-rest KMS, AUTH token read from Secrets Manager by the module
  cloudops.eks_platform.elasticache_replication_group:
    name: wealist-prod-redis
    description: weAlist Redis
    engine: redis
    engine_version: "7.1"
    node_type: cache.t4g.small
    num_cache_clusters: 1          # failover and Multi-AZ off; on by default from 2 nodes
    transit_encryption: true
    at_rest_encryption: true
    kms_key_id: alias/wealist-prod
    auth_token_secret_id: wealist/prod/redis/auth-token
    cache_parameter_group_name: wealist-prod-redis-params-redis7
    parameter_group:               # family derived from engine and version: redis7
      parameters:
        maxmemory-policy: volatile-lru
    cache_subnet_group_name: wealist-prod-redis-subnet
    security_group_ids: ["{{ redis_sg_id }}"]
    snapshot_retention_limit: 7
    snapshot_window: "00:00-05:00"
    preferred_maintenance_window: tue:05:00-tue:09:00
    auto_minor_version_upgrade: true
    tags:
      Name: wealist-prod-redis
      Project: wealist
  register: redis

- name: Major upgrade - new parameter group (redis7), switched with the version, the redis6.x one deleted after
  cloudops.eks_platform.elasticache_replication_group:
    name: wealist-prod-redis
    engine: redis
    engine_version: "7.1"
    cache_parameter_group_name: wealist-prod-redis-params-redis7
    parameter_group: {}
    replaced_parameter_groups: [wealist-prod-redis-params-redis6-x]
    apply_immediately: true

- name: Cluster mode enabled, two shards with one replica each (failover and Multi-AZ on by default)
  cloudops.eks_platform.elasticache_replication_group:
    name: point-redis
    engine: redis
    engine_version: "7.1"
    node_type: cache.r7g.large
    num_node_groups: 2
    replicas_per_node_group: 1
    preferred_availability_zones: [ap-northeast-2a, ap-northeast-2c]   # shard 1: a + c, shard 2: c + a
    cache_parameter_group_name: default.redis7.cluster.on
    transit_encryption: true
    wait: false

- name: Wait (at most 20 minutes) for a group started earlier, and read its endpoint
  cloudops.eks_platform.elasticache_replication_group:
    name: wealist-prod-redis
    wait_timeout: 1200
  register: redis

- name: Delete it with a final snapshot
  cloudops.eks_platform.elasticache_replication_group:
    name: wealist-prod-redis
    state: absent
    final_snapshot_identifier: wealist-prod-redis-final
"""

RETURN = r"""
replication_group:
  description:
    - The replication group as DescribeReplicationGroups returns it, snake_cased, plus RV(replication_group.endpoint),
      RV(replication_group.primary_endpoint), RV(replication_group.settings) and RV(replication_group.tags).
      Empty when it does not exist (or would be created in check mode). With O(state=absent) - the group as it
      was before the deletion (empty when there was none), so a check mode run reads what a teardown would delete.
  returned: always
  type: dict
  contains:
    replication_group_id:
      description: Id of the group.
      type: str
      sample: wealist-prod-redis
    status:
      description: C(creating), C(available), C(modifying), C(deleting), ...
      type: str
      sample: available
    endpoint:
      description: Where clients connect - the primary endpoint, or the configuration endpoint in cluster mode.
      type: dict
      sample: {"address": "master.wealist-prod-redis.abc123.apn2.cache.amazonaws.com", "port": 6379}
    primary_endpoint:
      description: The primary endpoint (cluster mode disabled; empty values in cluster mode).
      type: dict
      sample: {"address": "master.wealist-prod-redis.abc123.apn2.cache.amazonaws.com", "port": 6379}
    settings:
      description:
        - The compared settings as read from AWS (member-level ones null when no member cluster could be read),
          pending modifications applied. C(auth_token_enabled) says whether AUTH is on; no token is ever returned.
      type: dict
      sample: {"engine": "redis", "engine_version": "7.1.0", "node_type": "cache.t4g.small", "multi_az": false}
    tags:
      description: Tags of the group.
      type: dict
      sample: {"Name": "wealist-prod-redis"}
    replaced_parameter_groups_deleted:
      description: With O(replaced_parameter_groups) - the ones deleted by this run (would be, in check mode).
      type: list
      elements: str
      returned: when replaced_parameter_groups is set
      sample: [wealist-prod-redis-params-redis6-x]
    parameter_group:
      description: With O(parameter_group) - name, family, ARN, tags, managed parameters' values as AWS holds them.
      type: dict
      returned: when parameter_group is set
      sample:
        name: wealist-prod-redis-params-redis7
        family: redis7
        parameters: {"maxmemory-policy": "volatile-lru"}
"""

import time
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import (
    optional,
    state_option,
    tag_options,
    wait_options,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.elasticache import ElastiCache, with_own_tags
from ansible_collections.cloudops.eks_platform.plugins.module_utils.elasticache_compare import (
    AUTH_TOKEN_TAG,
    auth_rotation,
    described_settings,
    diff_view,
    parameter_group_family,
    plan_changes,
    result_view,
    settings_for_diff,
    validate,
    wanted_settings,
)


def argument_spec() -> dict[str, Any]:
    return dict(
        name=dict(type="str", required=True, aliases=["replication_group_id"]),
        state=state_option(),
        engine=dict(type="str", choices=["redis", "valkey"]),
        **optional("str", "description", "engine_version", "node_type", "kms_key_id", "cache_parameter_group_name"),
        **optional("str", "cache_subnet_group_name", "snapshot_window", "preferred_maintenance_window"),
        **optional("str", "final_snapshot_identifier"),
        replaced_parameter_groups=dict(type="list", elements="str"),
        auth_token_rotation_grace=dict(type="int", default=0),
        **optional("int", "num_cache_clusters", "num_node_groups", "replicas_per_node_group"),
        **optional("int", "snapshot_retention_limit", "port"),
        **optional("bool", "automatic_failover", "multi_az", "transit_encryption", "at_rest_encryption"),
        auto_minor_version_upgrade=dict(type="bool"),
        preferred_availability_zones=dict(type="list", elements="str"),
        security_group_ids=dict(type="list", elements="str"),
        auth_token=dict(type="str", no_log=True),
        auth_token_secret_id=dict(type="str", no_log=False),
        parameter_group=dict(
            type="dict",
            options=dict(
                family=dict(type="str"),
                description=dict(type="str"),
                parameters=dict(type="dict", default={}),
                tags=dict(type="dict"),
            ),
        ),
        apply_immediately=dict(type="bool", default=False),
        **tag_options(),
        **wait_options(1800),
    )


def ensure_absent(ec: ElastiCache, name: str, group: dict[str, Any] | None) -> None:
    module, p = ec.module, ec.params
    changed = False
    before = result_view(group).get("settings", {}) if group else {}
    if group is not None and group.get("Status") != "deleting":
        changed = module.check_mode or ec.delete(name)
    gone = group is None
    if group is not None and p["wait"] and not module.check_mode:
        ec.wait(name, absent=True)
        gone = True
    if p["parameter_group"] is not None and p["cache_parameter_group_name"]:
        if gone or module.check_mode:
            changed = ec.delete_parameter_group() or changed
        else:
            module.warn(
                f"Cache parameter group {p['cache_parameter_group_name']} was not deleted: it is in use until "
                "the replication group is gone (use wait: true)"
            )
    if p["replaced_parameter_groups"] and (gone or module.check_mode):
        changed = bool(ec.delete_replaced_parameter_groups(list(p["replaced_parameter_groups"]), set())) or changed
    # The group as it was before the deletion (teardown preflights read it in check mode).
    module.exit_json(changed=changed, replication_group=result_view(group) if group else {},
                     diff={"before": before, "after": {}})


def create(ec: ElastiCache, name: str, kms_arn: str | None, diff: tuple[dict[str, Any], dict[str, Any]]) -> dict:
    """Create the group (nothing in check mode: the module exits with the plan). Returns it described."""
    module, p = ec.module, ec.params
    wanted = wanted_settings(p, creating=True)
    if kms_arn:
        wanted["kms_key_id"] = kms_arn
    if not p["node_type"]:
        module.fail_json(msg=f"Replication group {name} does not exist; node_type is required to create it")
    token = ec.auth_token()
    diff_before, diff_after = diff
    diff_after.update(wanted)
    if p["tags"] is not None:
        diff_after["tags"] = p["tags"]
    if module.check_mode:
        module.exit_json(changed=True, replication_group={}, diff={"before": diff_before, "after": diff_after})
    ec.create(name, wanted, token)
    token = None
    group = ec.group(name)
    return ec.wait(name) if p["wait"] else group


def converge(ec: ElastiCache, name: str, group: dict[str, Any], kms_arn: str | None,
             diff: tuple[dict[str, Any], dict[str, Any]]) -> tuple[bool, dict, dict | None, dict[str, str]]:
    """Compare the existing group with the options and change what differs.
    Returns (changed, group, member, tags)."""
    module, p = ec.module, ec.params
    diff_before, diff_after = diff
    member = ec.member(group)
    current = described_settings(group, member)
    wanted = wanted_settings(p)
    if kms_arn:
        wanted["kms_key_id"] = kms_arn
        described_key = current.get("kms_key_id")
        if described_key and not described_key.startswith("arn:") and "key/" not in described_key:
            current["kms_key_id"] = ec.keys.require(described_key, "kms_key_id")
    plan = plan_changes(wanted, current)
    before, after = diff_view(wanted, settings_for_diff(current, member is not None))
    diff_before.update(before)
    diff_after.update(after)
    tags = ec.tags(group.get("ARN"))
    version_id = plan_auth_rotation(ec, group, plan, tags, (diff_before, diff_after))
    if plan.impossible:
        module.fail_json(msg=f"Replication group {name} cannot be changed in place: " + "; ".join(plan.impossible),
                         diff={"before": diff_before, "after": diff_after})
    if plan.unverified:
        module.warn(
            f"No member cache cluster of {name} could be read, so {', '.join(plan.unverified)} were not compared"
        )
    if p["tags"] is not None:
        diff_before["tags"] = tags
        diff_after["tags"] = with_own_tags(tags, dict(p["tags"]) if p["purge_tags"] else dict(tags, **p["tags"]))
    if plan.needs_change and not module.check_mode:
        ec.apply(name, group, plan, version_id)
        if plan.auth_tag is not None:
            ec.record_token_version(group["ARN"], plan.auth_tag)
            tags = {k: v for k, v in tags.items() if k != AUTH_TOKEN_TAG}
            if plan.auth_tag:
                tags[AUTH_TOKEN_TAG] = plan.auth_tag
    tags_changed = p["tags"] is not None and ec.converge_tags(group["ARN"], tags, p["tags"])
    if tags_changed and not module.check_mode:
        tags = ec.tags(group["ARN"])
    if plan.needs_change and not module.check_mode:
        group = ec.group(name)
        member = ec.member(group)
    if p["wait"] and not module.check_mode and group.get("Status") != "available":
        group = ec.wait(name)
    return plan.needs_change or tags_changed, group, member, tags


def plan_auth_rotation(ec: ElastiCache, group: dict[str, Any], plan: Any, tags: dict[str, str],
                       diff: tuple[dict[str, Any], dict[str, Any]]) -> str | None:
    """With auth_token_secret_id and AUTH on: compare the secret's current VersionId with the one the module
    applied last (tag AUTH_TOKEN_TAG) and put the ROTATE / SET step in the plan. Returns the VersionId to apply."""
    p = ec.params
    if p["auth_token_secret_id"] is None or not (group.get("AuthTokenEnabled") or plan.enable_auth):
        return None
    version_id = ec.secret_version()
    if plan.enable_auth:
        return version_id
    status = (group.get("PendingModifiedValues") or {}).get("AuthTokenStatus")
    tag = tags.get(AUTH_TOKEN_TAG)
    created = ec.secret_version_created(version_id) if version_id and not tag and not status else None
    rotation = auth_rotation(version_id, tag, status, time.time(), p["auth_token_rotation_grace"],
                             created, group.get("AuthTokenLastModifiedDate"))
    plan.auth_strategy, plan.auth_tag = rotation.strategy, rotation.tag
    if rotation.strategy:
        plan.changed.append("auth_token")
        diff[0]["auth_token"] = tags.get(AUTH_TOKEN_TAG) or "current"
        diff[1]["auth_token"] = f"{rotation.strategy} to secret version {version_id}"
    return version_id


def delete_replaced(ec: ElastiCache, group: dict[str, Any] | None, member: dict[str, Any] | None) -> list[str]:
    """replaced_parameter_groups that exist and are no longer used by the group (nor pending for it): deleted."""
    p = ec.params
    in_use = {n for n in (p["cache_parameter_group_name"],) if n}
    if member is not None:
        in_use.add((member.get("CacheParameterGroup") or {}).get("CacheParameterGroupName") or "")
    elif group is not None:
        # the members could not be read: nothing is known to be unused
        return []
    return ec.delete_replaced_parameter_groups(list(p["replaced_parameter_groups"]), in_use)


def keep_existing_parameter_group(ec: ElastiCache, group: dict[str, Any] | None) -> None:
    """A group already using one of replaced_parameter_groups of the wanted family (the unversioned <id>-params of
    an older release) keeps it: no new group, no switch (an existing account converges with changed=0). Tag values
    naming the wanted group (Name) follow the group kept."""
    p = ec.params
    if group is None or not p["replaced_parameter_groups"] or not p["cache_parameter_group_name"]:
        return
    spec = p["parameter_group"]
    family = spec.get("family")
    if not family and p.get("engine_version"):
        family = parameter_group_family(p.get("engine") or "redis", p["engine_version"])
    kept = ec.kept_parameter_group(group, family)
    if kept and kept != p["cache_parameter_group_name"]:
        wanted = p["cache_parameter_group_name"]
        p["cache_parameter_group_name"] = kept
        if spec.get("tags"):
            spec["tags"] = {k: (kept if v == wanted else v) for k, v in spec["tags"].items()}


def ensure_present(ec: ElastiCache, name: str, group: dict[str, Any] | None) -> None:
    module, p = ec.module, ec.params
    diff_before: dict[str, Any] = {}
    diff_after: dict[str, Any] = {}
    kms_arn = ec.keys.require(p["kms_key_id"], "kms_key_id")
    changed, pg_result = False, None
    if p["parameter_group"] is not None:
        keep_existing_parameter_group(ec, group)
        changed, pg_result, pg_before, pg_after = ec.ensure_parameter_group()
        if pg_before or pg_after:
            diff_before["parameter_group"], diff_after["parameter_group"] = pg_before, pg_after
    if group is not None and group.get("Status") == "deleting":
        module.fail_json(msg=f"Replication group {name} is being deleted; run again once it is gone")
    member = tags = None
    if group is None:
        group = create(ec, name, kms_arn, (diff_before, diff_after))
        changed = True
    else:
        group_changed, group, member, tags = converge(ec, name, group, kms_arn, (diff_before, diff_after))
        changed = changed or group_changed
    if member is None:
        member = ec.member(group)
    if tags is None:
        tags = ec.tags(group.get("ARN"))
    result = result_view(group, member, tags)
    if pg_result is not None:
        result["parameter_group"] = pg_result
    if p["replaced_parameter_groups"]:
        deleted = delete_replaced(ec, group, member)
        if deleted:
            changed = True
            diff_before["replaced_parameter_groups"], diff_after["replaced_parameter_groups"] = deleted, []
        result["replaced_parameter_groups_deleted"] = deleted
    module.exit_json(changed=changed, replication_group=result, diff={"before": diff_before, "after": diff_after})


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        mutually_exclusive=[
            ("auth_token", "auth_token_secret_id"),
            ("num_cache_clusters", "num_node_groups"),
        ],
    )
    problems = validate(module.params)
    if problems:
        module.fail_json(msg="Invalid options: " + "; ".join(problems))
    ec = ElastiCache(module)
    name = module.params["name"].lower()
    group = ec.group(name)
    if module.params["state"] == "absent":
        ensure_absent(ec, name, group)
    ensure_present(ec, name, group)


if __name__ == "__main__":
    main()
