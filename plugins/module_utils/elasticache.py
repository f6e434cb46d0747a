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
    FAILED_STATES,
    PARAMETERS_PER_CALL,
    Plan,
    auth_token_problem,
    create_arguments,
    parameter_changes,
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
        plan = plan_tags(current, wanted, self.params["purge_tags"])
        update_tags(self.module, self.client, arn, plan)
        return plan.changed

    def auth_token(self) -> str | None:
        """The AUTH token (from the option or read from Secrets Manager); None in check mode (existence checked)."""
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
            answer = call(sm, "get_secret_value", SecretId=secret_id)
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
    def wait(self, name: str, absent: bool = False) -> dict[str, Any] | None:
        """Until the group is available (or gone), within the run's budget; a failed group fails at once."""

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
            (lambda g: g is None) if absent else (lambda g: g is not None and g.get("Status") == "available"),
            self.budget,
            f"replication group {name} to be {'deleted' if absent else 'available'}",
            lambda g: g.get("Status") if g else "gone",
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

    def change_replicas(self, name: str, direction: str, count: int) -> None:
        call_or_fail(self.module, self.client, f"{direction}_replica_count",
                     f"{direction} the replica count of {name} to {count}",
                     ReplicationGroupId=name, NewReplicaCount=count, ApplyImmediately=True)

    def apply(self, name: str, group: dict[str, Any], plan: Plan) -> None:
        """Make the planned calls, waiting (within the budget) for the group to be available before each."""
        if group.get("Status") != "available":
            self.wait(name)
        for index, step in enumerate(plan_steps(plan)):
            if index:
                self.wait(name)
            if step == "replicas":
                self.change_replicas(name, plan.replica_direction, plan.replica_count)
                continue
            fields = dict(plan.modify)
            apply_now = self.params["apply_immediately"]
            if plan.enable_auth:
                fields["AuthToken"] = self.auth_token()
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
        spec = p["parameter_group"]
        wanted_params = {k: parameter_value(v) for k, v in (spec.get("parameters") or {}).items()}
        tags = spec.get("tags")
        current = self.parameter_group(name)
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
            call_or_fail(module, self.client, "create_cache_parameter_group",
                         f"create cache parameter group {name}", **kwargs)
            current = self.parameter_group(name) or {"CacheParameterGroupName": name}
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
