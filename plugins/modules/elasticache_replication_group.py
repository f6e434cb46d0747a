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
    (creation, or turning AUTH on); its value never appears in the result, the diff or a message. Rotating a token
    is not done by this module.
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
        returns it).
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
        description: Parameter group family, for example C(redis7), C(valkey8). Required to create it; fixed after.
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
    AddTagsToResource, RemoveTagsFromResource; with O(parameter_group) DescribeCacheParameterGroups,
    DescribeCacheParameters, CreateCacheParameterGroup, ModifyCacheParameterGroup, DeleteCacheParameterGroup;
    kms:DescribeKey with O(kms_key_id) (and the grants ElastiCache needs on the key); secretsmanager:DescribeSecret
    and GetSecretValue with O(auth_token_secret_id).
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
    cache_parameter_group_name: wealist-prod-redis-params
    parameter_group:
      family: redis7
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

- name: Cluster mode enabled, two shards with one replica each (failover and Multi-AZ on by default)
  cloudops.eks_platform.elasticache_replication_group:
    name: point-redis
    engine: redis
    engine_version: "7.1"
    node_type: cache.r7g.large
    num_node_groups: 2
    replicas_per_node_group: 1
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
      Empty when it does not exist (or would be created in check mode).
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
    parameter_group:
      description: With O(parameter_group) - name, family, ARN, tags, managed parameters' values as AWS holds them.
      type: dict
      returned: when parameter_group is set
      sample:
        name: wealist-prod-redis-params
        family: redis7
        parameters: {"maxmemory-policy": "volatile-lru"}
"""

import time
from typing import Any

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.elasticache import (
    MEMBER_KEYS,
    auth_token_problem,
    described_settings,
    diff_view,
    endpoint_of,
    parameter_changes,
    parameter_value,
    plan_changes,
    validate,
    wanted_settings,
)

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

#: ModifyCacheParameterGroup accepts at most 20 parameters per call.
PARAMETERS_PER_CALL = 20
FAILED_STATES = ("create-failed",)


# --- thin API wrappers -------------------------------------------------------------------------------


@AWSRetry.jittered_backoff()
def _describe_replication_groups(client, name: str) -> list[dict[str, Any]]:
    return client.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"]


@AWSRetry.jittered_backoff()
def _describe_cache_clusters(client, cluster_id: str) -> list[dict[str, Any]]:
    return client.describe_cache_clusters(CacheClusterId=cluster_id)["CacheClusters"]


@AWSRetry.jittered_backoff()
def _list_tags(client, arn: str) -> list[dict[str, str]]:
    return client.list_tags_for_resource(ResourceName=arn).get("TagList", [])


@AWSRetry.jittered_backoff()
def _describe_cache_parameter_groups(client, name: str) -> list[dict[str, Any]]:
    return client.describe_cache_parameter_groups(CacheParameterGroupName=name)["CacheParameterGroups"]


@AWSRetry.jittered_backoff()
def _describe_cache_parameters_page(client, **kwargs) -> dict[str, Any]:
    return client.describe_cache_parameters(**kwargs)


@AWSRetry.jittered_backoff()
def _describe_key(client, key_id: str) -> dict[str, Any]:
    return client.describe_key(KeyId=key_id)["KeyMetadata"]


@AWSRetry.jittered_backoff()
def _describe_secret(client, secret_id: str) -> dict[str, Any]:
    return client.describe_secret(SecretId=secret_id)


@AWSRetry.jittered_backoff()
def _get_secret_value(client, secret_id: str) -> dict[str, Any]:
    return client.get_secret_value(SecretId=secret_id)


# --- reads -----------------------------------------------------------------------------------------


def describe_group(client, module: AnsibleAWSModule, name: str) -> dict[str, Any] | None:
    try:
        groups = _describe_replication_groups(client, name)
    except is_boto3_error_code("ReplicationGroupNotFoundFault"):
        return None
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe replication group {name}")
    return groups[0] if groups else None


def describe_member(client, module: AnsibleAWSModule, group: dict[str, Any]) -> dict[str, Any] | None:
    """The first member cache cluster, where AWS reports engine version, parameter/subnet/security groups."""
    members = group.get("MemberClusters") or []
    if not members:
        return None
    try:
        clusters = _describe_cache_clusters(client, members[0])
    except is_boto3_error_code("CacheClusterNotFound"):
        return None
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe member cache cluster {members[0]}")
    return clusters[0] if clusters else None


def read_tags(client, module: AnsibleAWSModule, arn: str | None) -> dict[str, str]:
    if not arn:
        return {}
    try:
        return boto3_tag_list_to_ansible_dict(_list_tags(client, arn))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to list the tags of {arn}")


def resolve_kms_key(module: AnsibleAWSModule, key_id: str) -> str:
    """Key ARN of a key id, ARN, alias or alias ARN."""
    kms = module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
    try:
        return _describe_key(kms, key_id)["Arn"]
    except is_boto3_error_code("NotFoundException"):
        if module.check_mode:
            # An earlier task of the same (real) run may create it; check mode cannot know.
            module.warn(
                f"kms_key_id: KMS key {key_id} does not exist (yet); a real run fails unless it is created first"
            )
            return key_id
        module.fail_json(msg=f"kms_key_id: KMS key {key_id} was not found")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe KMS key {key_id}")


def read_auth_token(module: AnsibleAWSModule) -> str | None:
    """The AUTH token (from the option or read from Secrets Manager); None in check mode (existence checked)."""
    p = module.params
    if p["auth_token"] is not None:
        return p["auth_token"]
    secret_id = p["auth_token_secret_id"]
    if secret_id is None:
        return None
    sm = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
    try:
        if module.check_mode:
            meta = _describe_secret(sm, secret_id)
            if meta.get("DeletedDate"):
                module.fail_json(msg=f"auth_token_secret_id: secret {secret_id} is scheduled for deletion")
            return None
        answer = _get_secret_value(sm, secret_id)
    except is_boto3_error_code("ResourceNotFoundException"):
        if module.check_mode:
            module.warn(
                f"auth_token_secret_id: secret {secret_id} does not exist (yet); a real run fails unless it is "
                "created first"
            )
            return None
        module.fail_json(msg=f"auth_token_secret_id: Secrets Manager secret {secret_id} was not found")
    except is_boto3_error_code("InvalidRequestException"):  # pylint: disable=duplicate-except
        module.fail_json(msg=f"auth_token_secret_id: secret {secret_id} cannot be read (scheduled for deletion?)")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to read secret {secret_id}")
    token = answer.get("SecretString")
    if not token:
        module.fail_json(msg=f"auth_token_secret_id: secret {secret_id} has no string value")
    problem = auth_token_problem(token)
    if problem:
        module.fail_json(msg=f"auth_token_secret_id: the token in {secret_id} {problem}")
    return token


# --- waits -----------------------------------------------------------------------------------------


class Budget:
    """One deadline for every wait of the call."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


def wait_for(
    client, module: AnsibleAWSModule, name: str, budget: Budget, absent: bool = False
) -> dict[str, Any] | None:
    """Poll until the group is available (or gone); fail when the shared budget runs out."""
    delay = 1.0
    while True:
        group = describe_group(client, module, name)
        if absent and group is None:
            return None
        if not absent:
            if group is None:
                module.fail_json(msg=f"Replication group {name} disappeared while waiting for it to be available")
            status = group.get("Status")
            if status in FAILED_STATES:
                module.fail_json(msg=f"Replication group {name} is {status}", replication_group=result_view(group))
            if status == "available":
                return group
        remaining = budget.remaining()
        if remaining <= 0:
            state = "deleted" if absent else "available"
            status = group.get("Status") if group else "gone"
            module.fail_json(
                msg=f"Timed out after {budget.seconds} s (wait_timeout) waiting for replication group {name} "
                f"to be {state} (status: {status})"
            )
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 15.0)


# --- parameter group -------------------------------------------------------------------------------


def describe_parameters(client, module: AnsibleAWSModule, name: str) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"CacheParameterGroupName": name}
    try:
        while True:
            page = _describe_cache_parameters_page(client, **kwargs)
            params.extend(page.get("Parameters", []))
            marker = page.get("Marker")
            if not marker:
                return params
            kwargs["Marker"] = marker
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe the parameters of {name}")


def describe_parameter_group(client, module: AnsibleAWSModule, name: str) -> dict[str, Any] | None:
    try:
        groups = _describe_cache_parameter_groups(client, name)
    except is_boto3_error_code("CacheParameterGroupNotFound"):
        return None
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe cache parameter group {name}")
    return groups[0] if groups else None


def ensure_parameter_group(
    client, module: AnsibleAWSModule
) -> tuple[bool, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Create / converge the custom parameter group. Returns (changed, result, diff before, diff after)."""
    p = module.params
    name = p["cache_parameter_group_name"]
    spec = p["parameter_group"]
    wanted_params = {k: parameter_value(v) for k, v in (spec.get("parameters") or {}).items()}
    tags = spec.get("tags")
    current = describe_parameter_group(client, module, name)
    after = {"name": name, "family": spec.get("family"), "parameters": wanted_params}
    if tags is not None:
        after["tags"] = tags

    if current is None:
        if not spec.get("family"):
            module.fail_json(msg=f"parameter_group.family is required to create cache parameter group {name}")
        if module.check_mode:
            return True, after, {}, after
        kwargs: dict[str, Any] = {
            "CacheParameterGroupName": name,
            "CacheParameterGroupFamily": spec["family"],
            "Description": spec.get("description") or f"Parameters of {name}",
        }
        if tags:
            kwargs["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        try:
            client.create_cache_parameter_group(aws_retry=True, **kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg=f"Failed to create cache parameter group {name}")
        current = describe_parameter_group(client, module, name) or {"CacheParameterGroupName": name}
        before: dict[str, Any] = {}
    else:
        family = current.get("CacheParameterGroupFamily")
        if spec.get("family") and family != spec["family"]:
            module.fail_json(
                msg=f"parameter_group.family: {name} is a {family} group; the family cannot change "
                f"(use a new cache_parameter_group_name for {spec['family']})"
            )
        before = {"name": name, "family": family}
        after["family"] = family

    changes, problems, values = parameter_changes(wanted_params, describe_parameters(client, module, name))
    if problems:
        module.fail_json(msg=f"Cache parameter group {name}: " + "; ".join(problems))
    if before:
        before["parameters"] = values
    changed = not before or bool(changes)

    arn = current.get("ARN")
    if tags is not None and before:
        current_tags = read_tags(client, module, arn)
        before["tags"] = current_tags
        to_set, to_unset = compare_aws_tags(current_tags, tags, p["purge_tags"])
        if to_set or to_unset:
            changed = True
            if not module.check_mode:
                set_tags(client, module, arn, to_set, to_unset)

    if changes and not module.check_mode:
        items = [{"ParameterName": k, "ParameterValue": v} for k, v in sorted(changes.items())]
        for start in range(0, len(items), PARAMETERS_PER_CALL):
            try:
                client.modify_cache_parameter_group(
                    aws_retry=True,
                    CacheParameterGroupName=name,
                    ParameterNameValues=items[start : start + PARAMETERS_PER_CALL],
                )
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                module.fail_json_aws(e, msg=f"Failed to modify cache parameter group {name}")
    # The result reports what AWS holds for the managed parameters (after this call's changes).
    described = dict(values)
    if not module.check_mode:
        described.update(changes)
    result = dict(after, arn=arn, parameters=described)
    if tags is not None and before and module.check_mode:
        result["tags"] = before.get("tags", {})
    return changed, result, before, after


def delete_parameter_group(client, module: AnsibleAWSModule) -> bool:
    name = module.params["cache_parameter_group_name"]
    if describe_parameter_group(client, module, name) is None:
        return False
    if not module.check_mode:
        try:
            client.delete_cache_parameter_group(aws_retry=True, CacheParameterGroupName=name)
        except is_boto3_error_code("CacheParameterGroupNotFound"):
            return False
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to delete cache parameter group {name}")
    return True


# --- writes ----------------------------------------------------------------------------------------


def set_tags(client, module: AnsibleAWSModule, arn: str, to_set: dict[str, str], to_unset: list[str]) -> None:
    try:
        if to_unset:
            client.remove_tags_from_resource(aws_retry=True, ResourceName=arn, TagKeys=to_unset)
        if to_set:
            client.add_tags_to_resource(aws_retry=True, ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(to_set))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to update the tags of {arn}")


def create_group(client, module: AnsibleAWSModule, name: str, wanted: dict[str, Any], token: str | None) -> None:
    p = module.params
    kwargs: dict[str, Any] = {
        "ReplicationGroupId": name,
        "ReplicationGroupDescription": p["description"] or name,
        "CacheNodeType": p["node_type"],
    }
    if wanted["cluster_mode"] == "enabled":
        kwargs.update(
            NumNodeGroups=wanted["num_node_groups"],
            ReplicasPerNodeGroup=wanted["replicas_per_node_group"],
            ClusterMode="enabled",
        )
    else:
        kwargs["NumCacheClusters"] = wanted["num_cache_clusters"]
    for api, key in (
        ("Engine", "engine"),
        ("EngineVersion", "engine_version"),
        ("AutomaticFailoverEnabled", "automatic_failover"),
        ("MultiAZEnabled", "multi_az"),
        ("TransitEncryptionEnabled", "transit_encryption"),
        ("AtRestEncryptionEnabled", "at_rest_encryption"),
        ("KmsKeyId", "kms_key_id"),
        ("CacheParameterGroupName", "cache_parameter_group_name"),
        ("CacheSubnetGroupName", "cache_subnet_group_name"),
        ("SecurityGroupIds", "security_group_ids"),
        ("SnapshotRetentionLimit", "snapshot_retention_limit"),
        ("SnapshotWindow", "snapshot_window"),
        ("PreferredMaintenanceWindow", "preferred_maintenance_window"),
        ("Port", "port"),
        ("AutoMinorVersionUpgrade", "auto_minor_version_upgrade"),
    ):
        if wanted.get(key) is not None:
            kwargs[api] = wanted[key]
    if token:
        kwargs["AuthToken"] = token
    if p["tags"]:
        kwargs["Tags"] = ansible_dict_to_boto3_tag_list(p["tags"])
    try:
        client.create_replication_group(aws_retry=True, **kwargs)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to create replication group {name}")


def modify_group(client, module: AnsibleAWSModule, name: str, fields: dict[str, Any], apply_immediately: bool) -> None:
    try:
        client.modify_replication_group(
            aws_retry=True, ReplicationGroupId=name, ApplyImmediately=apply_immediately, **fields
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        changed = sorted(k for k in fields if k != "AuthToken")
        module.fail_json_aws(e, msg=f"Failed to modify replication group {name} ({', '.join(changed)})")


def change_replicas(client, module: AnsibleAWSModule, name: str, direction: str, count: int) -> None:
    call = client.increase_replica_count if direction == "increase" else client.decrease_replica_count
    try:
        call(aws_retry=True, ReplicationGroupId=name, NewReplicaCount=count, ApplyImmediately=True)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to {direction} the replica count of {name} to {count}")


# --- result ----------------------------------------------------------------------------------------


def result_view(
    group: dict[str, Any] | None, member: dict[str, Any] | None = None, tags: dict[str, str] | None = None
) -> dict[str, Any]:
    if not group:
        return {}
    result = camel_dict_to_snake_dict(group)
    result["endpoint"] = endpoint_of(group)
    primary = (group.get("NodeGroups") or [{}])[0].get("PrimaryEndpoint") or {}
    result["primary_endpoint"] = {"address": primary.get("Address"), "port": primary.get("Port")}
    result["settings"] = described_settings(group, member)
    if tags is not None:
        result["tags"] = tags
    return result


def settings_for_diff(settings: dict[str, Any], member_read: bool) -> dict[str, Any]:
    if member_read:
        return settings
    return {k: v for k, v in settings.items() if k not in MEMBER_KEYS}


# --- state handlers --------------------------------------------------------------------------------


def ensure_absent(client, module: AnsibleAWSModule, name: str, group: dict[str, Any] | None, budget: Budget) -> None:
    p = module.params
    changed = False
    before = result_view(group).get("settings", {}) if group else {}
    if group is not None and group.get("Status") != "deleting":
        changed = True
        if not module.check_mode:
            kwargs: dict[str, Any] = {"ReplicationGroupId": name}
            if p["final_snapshot_identifier"]:
                kwargs["FinalSnapshotIdentifier"] = p["final_snapshot_identifier"]
            try:
                client.delete_replication_group(aws_retry=True, **kwargs)
            except is_boto3_error_code("ReplicationGroupNotFoundFault"):
                changed = False
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
                module.fail_json_aws(e, msg=f"Failed to delete replication group {name}")
    gone = group is None
    if group is not None and p["wait"] and not module.check_mode:
        wait_for(client, module, name, budget, absent=True)
        gone = True
    if p["parameter_group"] is not None and p["cache_parameter_group_name"]:
        if gone or module.check_mode:
            changed = delete_parameter_group(client, module) or changed
        else:
            module.warn(
                f"Cache parameter group {p['cache_parameter_group_name']} was not deleted: it is in use until "
                "the replication group is gone (use wait: true)"
            )
    module.exit_json(changed=changed, replication_group={}, diff={"before": before, "after": {}})


def ensure_present(client, module: AnsibleAWSModule, name: str, group: dict[str, Any] | None, budget: Budget) -> None:
    p = module.params
    changed = False
    diff_before: dict[str, Any] = {}
    diff_after: dict[str, Any] = {}
    kms_arn = resolve_kms_key(module, p["kms_key_id"]) if p["kms_key_id"] else None

    pg_result = None
    if p["parameter_group"] is not None:
        pg_changed, pg_result, pg_before, pg_after = ensure_parameter_group(client, module)
        changed = changed or pg_changed
        if pg_before or pg_after:
            diff_before["parameter_group"] = pg_before
            diff_after["parameter_group"] = pg_after

    if group is not None and group.get("Status") == "deleting":
        module.fail_json(msg=f"Replication group {name} is being deleted; run again once it is gone")

    member = None
    tags = None
    if group is None:
        wanted = wanted_settings(p, creating=True)
        if kms_arn:
            wanted["kms_key_id"] = kms_arn
        if not p["node_type"]:
            module.fail_json(msg=f"Replication group {name} does not exist; node_type is required to create it")
        token = read_auth_token(module)
        changed = True
        diff_after.update(wanted)
        if p["tags"] is not None:
            diff_after["tags"] = p["tags"]
        if module.check_mode:
            module.exit_json(changed=True, replication_group={}, diff={"before": diff_before, "after": diff_after})
        create_group(client, module, name, wanted, token)
        token = None
        group = describe_group(client, module, name)
        if p["wait"]:
            group = wait_for(client, module, name, budget)
    else:
        member = describe_member(client, module, group)
        current = described_settings(group, member)
        wanted = wanted_settings(p)
        if kms_arn:
            wanted["kms_key_id"] = kms_arn
            described_key = current.get("kms_key_id")
            if described_key and not described_key.startswith("arn:") and "key/" not in described_key:
                current["kms_key_id"] = resolve_kms_key(module, described_key)
        plan = plan_changes(wanted, current)
        before, after = diff_view(wanted, settings_for_diff(current, member is not None))
        diff_before.update(before)
        diff_after.update(after)
        if plan.impossible:
            module.fail_json(
                msg=f"Replication group {name} cannot be changed in place: " + "; ".join(plan.impossible),
                diff={"before": diff_before, "after": diff_after},
            )
        if plan.unverified:
            module.warn(
                f"No member cache cluster of {name} could be read, so {', '.join(plan.unverified)} were not compared"
            )
        tags = read_tags(client, module, group.get("ARN"))
        to_set: dict[str, str] = {}
        to_unset: list[str] = []
        if p["tags"] is not None:
            to_set, to_unset = compare_aws_tags(tags, p["tags"], p["purge_tags"])
            diff_before["tags"] = tags
            diff_after["tags"] = dict(p["tags"]) if p["purge_tags"] else dict(tags, **p["tags"])
        if plan.needs_change or to_set or to_unset:
            changed = True
        if not module.check_mode:
            if plan.needs_change:
                apply_plan(client, module, name, group, plan, budget)
            if to_set or to_unset:
                set_tags(client, module, group["ARN"], to_set, to_unset)
                tags = read_tags(client, module, group["ARN"])
            if plan.needs_change:
                group = describe_group(client, module, name)
                member = describe_member(client, module, group)
        if p["wait"] and not module.check_mode and group.get("Status") != "available":
            group = wait_for(client, module, name, budget)

    if member is None:
        member = describe_member(client, module, group)
    if tags is None:
        tags = read_tags(client, module, group.get("ARN"))
    result = result_view(group, member, tags)
    if pg_result is not None:
        result["parameter_group"] = pg_result
    module.exit_json(changed=changed, replication_group=result, diff={"before": diff_before, "after": diff_after})


def apply_plan(client, module: AnsibleAWSModule, name: str, group: dict[str, Any], plan, budget: Budget) -> None:
    """Replica count up before the modification (failover needs the replicas), down after it."""
    p = module.params
    steps: list[str] = []
    if plan.replica_direction == "increase":
        steps.append("replicas")
    if plan.modify or plan.enable_auth:
        steps.append("modify")
    if plan.replica_direction == "decrease":
        steps.append("replicas")
    if group.get("Status") != "available":
        wait_for(client, module, name, budget)
    for index, step in enumerate(steps):
        if index:
            wait_for(client, module, name, budget)
        if step == "replicas":
            change_replicas(client, module, name, plan.replica_direction, plan.replica_count)
            continue
        fields = dict(plan.modify)
        apply_now = p["apply_immediately"]
        if plan.enable_auth:
            fields["AuthToken"] = read_auth_token(module)
            fields["AuthTokenUpdateStrategy"] = "ROTATE"
            apply_now = True
        modify_group(client, module, name, fields, apply_now)
        fields.clear()


def main() -> None:
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["replication_group_id"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        engine=dict(type="str", choices=["redis", "valkey"]),
        engine_version=dict(type="str"),
        node_type=dict(type="str"),
        num_cache_clusters=dict(type="int"),
        num_node_groups=dict(type="int"),
        replicas_per_node_group=dict(type="int"),
        automatic_failover=dict(type="bool"),
        multi_az=dict(type="bool"),
        transit_encryption=dict(type="bool"),
        at_rest_encryption=dict(type="bool"),
        kms_key_id=dict(type="str"),
        auth_token=dict(type="str", no_log=True),
        auth_token_secret_id=dict(type="str", no_log=False),
        cache_parameter_group_name=dict(type="str"),
        parameter_group=dict(
            type="dict",
            options=dict(
                family=dict(type="str"),
                description=dict(type="str"),
                parameters=dict(type="dict", default={}),
                tags=dict(type="dict"),
            ),
        ),
        cache_subnet_group_name=dict(type="str"),
        security_group_ids=dict(type="list", elements="str"),
        snapshot_retention_limit=dict(type="int"),
        snapshot_window=dict(type="str"),
        preferred_maintenance_window=dict(type="str"),
        port=dict(type="int"),
        auto_minor_version_upgrade=dict(type="bool"),
        apply_immediately=dict(type="bool", default=False),
        final_snapshot_identifier=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[
            ("auth_token", "auth_token_secret_id"),
            ("num_cache_clusters", "num_node_groups"),
        ],
    )
    budget = Budget(module.params["wait_timeout"])
    problems = validate(module.params)
    if problems:
        module.fail_json(msg="Invalid options: " + "; ".join(problems))
    name = module.params["name"].lower()
    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())
    group = describe_group(client, module, name)
    if module.params["state"] == "absent":
        ensure_absent(client, module, name, group, budget)
    ensure_present(client, module, name, group, budget)


if __name__ == "__main__":
    main()
