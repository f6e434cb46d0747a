# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""AWS side of the ``elasticache_replication_group`` module: reads, the AUTH token, waits, the custom
parameter group and the create / modify / replica-count / delete calls, all through the shared helpers
(:mod:`api` retries, :mod:`waits` budget, :mod:`kms` resolver, :mod:`tagging`). What to change is decided
by the pure :mod:`elasticache_compare`.

No function here returns or reports an AUTH token value.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import (
    AWS_ERRORS,
    call,
    call_or_fail,
    describe,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.elasticache_compare import (
    AUTH_TOKEN_TAG,
    FAILED_STATES,
    PARAMETERS_PER_CALL,
    Plan,
    auth_token_problem,
    create_arguments,
    failover_in_effect,
    parameter_changes,
    parameter_group_family,
    parameter_value,
    plan_steps,
    result_view,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.kms import KeyResolver
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import list_tags, plan_tags, update_tags
from ansible_collections.cloudops.eks_platform.plugins.module_utils.waits import Budget, wait_until


class ElastiCache:
    """The client, check mode, time budget and KMS resolver of one module run, and its calls."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.client = module.client("elasticache")
        self.budget = Budget(module.params["wait_timeout"])
        self.keys = KeyResolver(module)

    # --- reads -------------------------------------------------------------------------------------
    def group(self, name: str) -> dict[str, Any] | None:
        found = describe(self.module, self.client, "describe_replication_groups", "ReplicationGroupNotFoundFault",
                         f"replication group {name}", ReplicationGroupId=name)
        groups = (found or {}).get("ReplicationGroups") or []
        return groups[0] if groups else None

    def member(self, group: dict[str, Any]) -> dict[str, Any] | None:
        """The first member cache cluster, where AWS reports engine version, parameter/subnet/security groups."""
        members = group.get("MemberClusters") or []
        if not members:
            return None
        found = describe(self.module, self.client, "describe_cache_clusters", "CacheClusterNotFound",
                         f"member cache cluster {members[0]}", CacheClusterId=members[0])
        clusters = (found or {}).get("CacheClusters") or []
        return clusters[0] if clusters else None

    def tags(self, arn: str | None) -> dict[str, str]:
        return list_tags(self.module, self.client, arn)

    def converge_tags(self, arn: str, current: dict[str, str], wanted: dict[str, str]) -> bool:
        wanted = with_own_tags(current, wanted)
        plan = plan_tags(current, wanted, self.params["purge_tags"])
        update_tags(self.module, self.client, arn, plan)
        return plan.changed

    def secret_version(self) -> str | None:
        """The AWSCURRENT VersionId of auth_token_secret_id (DescribeSecret: the value is not read), or None."""
        secret_id = self.params["auth_token_secret_id"]
        if secret_id is None:
            return None
        sm = self.module.client("secretsmanager")
        try:
            described = call(sm, "describe_secret", SecretId=secret_id)
        except is_boto3_error_code("ResourceNotFoundException"):
            if self.check_mode:
                return None
            self.module.fail_json(msg=f"auth_token_secret_id: Secrets Manager secret {secret_id} was not found")
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Failed to describe secret {secret_id}")
        for version, stages in (described.get("VersionIdsToStages") or {}).items():
            if "AWSCURRENT" in stages:
                return version
        return None

    def record_token_version(self, arn: str, value: str) -> None:
        """Write (``value``) or remove (``""``) the rotation tag (a Secrets Manager VersionId and a time, never token
        material)."""
        if value:
            call_or_fail(self.module, self.client, "add_tags_to_resource", f"tag {arn}", ResourceName=arn,
                         Tags=[{"Key": AUTH_TOKEN_TAG, "Value": value}])
        else:
            call_or_fail(self.module, self.client, "remove_tags_from_resource", f"untag {arn}", ResourceName=arn,
                         TagKeys=[AUTH_TOKEN_TAG])

    def secret_version_created(self, version_id: str) -> Any:
        """CreatedDate of one version of auth_token_secret_id (ListSecretVersionIds), or None."""
        sm = self.module.client("secretsmanager")
        kwargs: dict[str, Any] = {"SecretId": self.params["auth_token_secret_id"]}
        while True:
            page = call_or_fail(self.module, sm, "list_secret_version_ids",
                                f"list the versions of {self.params['auth_token_secret_id']}", **kwargs)
            for version in page.get("Versions") or []:
                if version.get("VersionId") == version_id:
                    return version.get("CreatedDate")
            if not page.get("NextToken"):
                return None
            kwargs["NextToken"] = page["NextToken"]

    def kept_parameter_group(self, group: dict[str, Any], family: str | None) -> str | None:
        """The parameter group the replication group uses, when it is one of replaced_parameter_groups of the wanted
        family (an unversioned ``<id>-params`` of an older release): kept instead of a new group of that family."""
        names = self.params["replaced_parameter_groups"] or []
        member = self.member(group)
        current = ((member or {}).get("CacheParameterGroup") or {}).get("CacheParameterGroupName")
        if not family or not current or current not in names:
            return None
        described = self.parameter_group(current)
        if described and described.get("CacheParameterGroupFamily") == family:
            return current
        return None

    def auth_token(self, version_id: str | None = None) -> str | None:
        """The AUTH token (from the option or read from Secrets Manager, at ``version_id`` when given); None in
        check mode (existence checked)."""
        p, module = self.params, self.module
        if p["auth_token"] is not None:
            return p["auth_token"]
        secret_id = p["auth_token_secret_id"]
        if secret_id is None:
            return None
        sm = module.client("secretsmanager")
        try:
            if module.check_mode:
                if call(sm, "describe_secret", SecretId=secret_id).get("DeletedDate"):
                    module.fail_json(msg=f"auth_token_secret_id: secret {secret_id} is scheduled for deletion")
                return None
            extra = {"VersionId": version_id} if version_id else {}
            answer = call(sm, "get_secret_value", SecretId=secret_id, **extra)
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
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to read secret {secret_id}")
        token = answer.get("SecretString")
        if not token:
            module.fail_json(msg=f"auth_token_secret_id: secret {secret_id} has no string value")
        problem = auth_token_problem(token)
        if problem:
            module.fail_json(msg=f"auth_token_secret_id: the token in {secret_id} {problem}")
        return token

    # --- waits -------------------------------------------------------------------------------------
    def wait(self, name: str, absent: bool = False, settled: dict[str, str] | None = None) -> dict[str, Any] | None:
        """Until the group is available (or gone), within the run's budget; a failed group fails at once.
        ``settled``: AutomaticFailover / MultiAZ values that must be in effect too (after a failover change)."""

        def failed(group: dict[str, Any] | None) -> dict[str, Any] | None:
            if absent:
                return None
            if group is None:
                return {"msg": f"Replication group {name} disappeared while waiting for it to be available"}
            if group.get("Status") in FAILED_STATES:
                return {"msg": f"Replication group {name} is {group['Status']}",
                        "replication_group": result_view(group)}
            return None

        return wait_until(
            self.module,
            lambda: self.group(name),
            (lambda g: g is None) if absent else (lambda g: failover_in_effect(g, settled or {})),
            self.budget,
            f"replication group {name} to be {'deleted' if absent else 'available'}"
            + (" with " + ", ".join(f"{k} {v}" for k, v in sorted(settled.items())) if settled else ""),
            lambda g: (str(g.get("Status")) + "".join(f", {k} {g.get(k)}" for k in sorted(settled or {})))
            if g else "gone",
            failed=failed,
        )

    # --- writes ------------------------------------------------------------------------------------
    def create(self, name: str, wanted: dict[str, Any], token: str | None) -> None:
        p = self.params
        kwargs = create_arguments(name, p["description"], p["node_type"], wanted)
        if token:
            kwargs["AuthToken"] = token
        if p["tags"]:
            kwargs["Tags"] = ansible_dict_to_boto3_tag_list(p["tags"])
        call_or_fail(self.module, self.client, "create_replication_group", f"create replication group {name}",
                     **kwargs)

    def delete(self, name: str) -> bool:
        kwargs: dict[str, Any] = {"ReplicationGroupId": name}
        if self.params["final_snapshot_identifier"]:
            kwargs["FinalSnapshotIdentifier"] = self.params["final_snapshot_identifier"]
        try:
            call(self.client, "delete_replication_group", **kwargs)
        except is_boto3_error_code("ReplicationGroupNotFoundFault"):
            return False
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Failed to delete replication group {name}")
        return True

    def modify(self, name: str, fields: dict[str, Any], apply_immediately: bool) -> None:
        try:
            call(self.client, "modify_replication_group", ReplicationGroupId=name, ApplyImmediately=apply_immediately,
                 **fields)
        except AWS_ERRORS as e:
            changed = sorted(k for k in fields if k != "AuthToken")
            self.module.fail_json_aws(e, msg=f"Failed to modify replication group {name} ({', '.join(changed)})")

    def rotate_auth_token(self, name: str, strategy: str, version_id: str | None) -> None:
        """ModifyReplicationGroup AuthToken + AuthTokenUpdateStrategy (ROTATE / SET), applied immediately."""
        token = self.auth_token(version_id)
        self.modify(name, {"AuthToken": token, "AuthTokenUpdateStrategy": strategy}, True)

    def change_replicas(self, name: str, direction: str, count: int) -> None:
        call_or_fail(self.module, self.client, f"{direction}_replica_count",
                     f"{direction} the replica count of {name} to {count}",
                     ReplicationGroupId=name, NewReplicaCount=count, ApplyImmediately=True)

    def apply(self, name: str, group: dict[str, Any], plan: Plan, version_id: str | None = None) -> None:
        """Make the planned calls, waiting (within the budget) for the group to be available before each; a
        replica decrease after a failover / Multi-AZ change waits for that change to be in effect."""
        if group.get("Status") != "available":
            self.wait(name)
        previous = None
        for index, step in enumerate(plan_steps(plan)):
            if index:
                settled = plan.failover_settled() if (previous == "modify" and step == "replicas") else None
                self.wait(name, settled=settled)
            previous = step
            if step == "auth":
                self.rotate_auth_token(name, plan.auth_strategy, version_id)
                continue
            if step == "replicas":
                self.change_replicas(name, plan.replica_direction, plan.replica_count)
                continue
            fields = dict(plan.modify)
            apply_now = self.params["apply_immediately"]
            if plan.enable_auth:
                fields["AuthToken"] = self.auth_token(version_id)
                fields["AuthTokenUpdateStrategy"] = "ROTATE"
                apply_now = True
            self.modify(name, fields, apply_now)
            fields.clear()

    # --- parameter group ---------------------------------------------------------------------------
    def parameter_group(self, name: str) -> dict[str, Any] | None:
        found = describe(self.module, self.client, "describe_cache_parameter_groups", "CacheParameterGroupNotFound",
                         f"cache parameter group {name}", CacheParameterGroupName=name)
        groups = (found or {}).get("CacheParameterGroups") or []
        return groups[0] if groups else None

    def parameters(self, name: str) -> list[dict[str, Any]]:
        params: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"CacheParameterGroupName": name}
        while True:
            page = call_or_fail(self.module, self.client, "describe_cache_parameters",
                                f"describe the parameters of {name}", **kwargs)
            params.extend(page.get("Parameters", []))
            if not page.get("Marker"):
                return params
            kwargs["Marker"] = page["Marker"]

    def ensure_parameter_group(self) -> tuple[bool, dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Create / converge the custom parameter group. Returns (changed, result, diff before, diff after)."""
        p, module = self.params, self.module
        name = p["cache_parameter_group_name"]
        spec = dict(p["parameter_group"])
        if not spec.get("family") and p.get("engine_version"):
            spec["family"] = parameter_group_family(p.get("engine") or "redis", p["engine_version"])
        wanted_params = {k: parameter_value(v) for k, v in (spec.get("parameters") or {}).items()}
        tags = spec.get("tags")
        current = self.parameter_group(name)
        after = {"name": name, "family": spec.get("family"), "parameters": wanted_params}
        if tags is not None:
            after["tags"] = tags

        if current is None:
            if not spec.get("family"):
                module.fail_json(msg=f"parameter_group.family (or engine_version) is required to create cache "
                                 f"parameter group {name}")
            if module.check_mode:
                return True, after, {}, after
            kwargs: dict[str, Any] = {
                "CacheParameterGroupName": name,
                "CacheParameterGroupFamily": spec["family"],
                "Description": spec.get("description") or f"Parameters of {name}",
            }
            if tags:
                kwargs["Tags"] = ansible_dict_to_boto3_tag_list(tags)
            call_or_fail(module, self.client, "create_cache_parameter_group",
                         f"create cache parameter group {name}", **kwargs)
            current = self.parameter_group(name) or {"CacheParameterGroupName": name}
            before: dict[str, Any] = {}
        else:
            family = current.get("CacheParameterGroupFamily")
            if spec.get("family") and family != spec["family"]:
                module.fail_json(
                    msg=f"parameter_group.family: {name} is a {family} group and a group's family cannot change; "
                    f"{spec['family']} needs a parameter group of its own (a name with the family, e.g. "
                    f"<group>-params-{spec['family'].replace('.', '-')}, and the old one in replaced_parameter_groups)"
                )
            before = {"name": name, "family": family}
            after["family"] = family

        changes, problems, values = parameter_changes(wanted_params, self.parameters(name))
        if problems:
            module.fail_json(msg=f"Cache parameter group {name}: " + "; ".join(problems))
        if before:
            before["parameters"] = values
        changed = not before or bool(changes)

        arn = current.get("ARN")
        if tags is not None and before:
            before["tags"] = self.tags(arn)
            changed = self.converge_tags(arn, before["tags"], tags) or changed

        if changes and not module.check_mode:
            items = [{"ParameterName": k, "ParameterValue": v} for k, v in sorted(changes.items())]
            for start in range(0, len(items), PARAMETERS_PER_CALL):
                call_or_fail(module, self.client, "modify_cache_parameter_group",
                             f"modify cache parameter group {name}", CacheParameterGroupName=name,
                             ParameterNameValues=items[start : start + PARAMETERS_PER_CALL])
        # The result reports what AWS holds for the managed parameters (after this call's changes).
        described = dict(values)
        if not module.check_mode:
            described.update(changes)
        result = dict(after, arn=arn, parameters=described)
        if tags is not None and before and module.check_mode:
            result["tags"] = before.get("tags", {})
        return changed, result, before, after

    def delete_parameter_group(self) -> bool:
        name = self.params["cache_parameter_group_name"]
        if self.parameter_group(name) is None:
            return False
        if not self.check_mode:
            try:
                call(self.client, "delete_cache_parameter_group", CacheParameterGroupName=name)
            except is_boto3_error_code("CacheParameterGroupNotFound"):
                return False
            except AWS_ERRORS as e:  # pylint: disable=duplicate-except
                self.module.fail_json_aws(e, msg=f"Failed to delete cache parameter group {name}")
        return True

    def delete_replaced_parameter_groups(self, names: list[str], in_use: set[str]) -> list[str]:
        """Delete the parameter groups of ``names`` that exist and that this replication group no longer uses
        (``in_use``: its current and wanted groups); one that another group still uses (AWS:
        InvalidCacheParameterGroupState) is left with a warning. Returns the names deleted (would be, in check
        mode)."""
        existing: set[str] = set()
        kwargs: dict[str, Any] = {}
        while True:
            page = call_or_fail(self.module, self.client, "describe_cache_parameter_groups",
                                "list the cache parameter groups", **kwargs)
            existing.update(g["CacheParameterGroupName"] for g in page.get("CacheParameterGroups") or [])
            if not page.get("Marker"):
                break
            kwargs["Marker"] = page["Marker"]
        deleted: list[str] = []
        for name in names:
            if name not in existing or name in in_use or name.startswith("default."):
                continue
            if not self.check_mode:
                try:
                    call(self.client, "delete_cache_parameter_group", CacheParameterGroupName=name)
                except is_boto3_error_code("CacheParameterGroupNotFound"):
                    continue
                except is_boto3_error_code("InvalidCacheParameterGroupState"):  # pylint: disable=duplicate-except
                    self.module.warn(f"Cache parameter group {name} (replaced) is still in use (the switch is being "
                                     "applied); it is deleted once unused, by a run with wait or a later run")
                    continue
                except AWS_ERRORS as e:  # pylint: disable=duplicate-except
                    self.module.fail_json_aws(e, msg=f"Failed to delete the replaced cache parameter group {name}")
            deleted.append(name)
        return deleted


def with_own_tags(current: dict[str, str], wanted: dict[str, str]) -> dict[str, str]:
    """The wanted tags plus the module's own bookkeeping tag (:data:`AUTH_TOKEN_TAG`), which tags / purge_tags do
    not manage."""
    if AUTH_TOKEN_TAG in current and AUTH_TOKEN_TAG not in wanted:
        return dict(wanted, **{AUTH_TOKEN_TAG: current[AUTH_TOKEN_TAG]})
    return wanted
