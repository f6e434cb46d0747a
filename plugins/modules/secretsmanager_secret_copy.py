#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: secretsmanager_secret_copy
short_description: Write a JSON secret from static fields and fields copied from another secret, inside the module
version_added: 0.1.0
description:
  - Builds a JSON object from O(fields) (static, non-secret values such as a host name) and O(copy_fields)
    (target key to source key, read from a source secret) and writes it to the target secret O(name)
    with C(PutSecretValue) B(only when) the resulting object differs from the target's current value.
  - The source is O(source_secret_id), or the secret RDS manages for a DB instance
    (O(db_instance_identifier)) or an Aurora cluster (O(db_cluster_identifier)), found through its
    C(MasterUserSecret.SecretArn) - e.g. copy C(username)/C(password) of C(rds!db-...) into
    C(wealist/prod/database/endpoint) next to the instance's host.
  - "Secret values never leave the module: they are not options, not in the result, not in the diff
    and not in a warning or an error message (every value read is also registered as a no_log value).
    The result and the C(--diff) output name only the keys that change."
  - O(kms_key_id) - the target's KMS key; used on creation and converged on an existing secret with
    C(UpdateSecret) (without a value) when it designates another key.
  - Check mode reads (C(GetSecretValue) of source and target) and reports the keys that would change;
    nothing is written.
  - When RDS rotates the managed password, the next run copies the new one (changed). To keep no copy that
    can go stale, do not copy the password; give O(source_arn_key) instead, so the target holds a B(reference)
    to the source (its ARN) and consumers read the password from the source itself.
options:
  name:
    description: Name or ARN of the target secret.
    type: str
    required: true
  fields:
    description: Static fields of the JSON object (not secret - they appear in the task arguments).
    type: dict
    default: {}
  copy_fields:
    description: Target key to source key; each source key must exist in the source JSON object.
    type: dict
    default: {}
  source_secret_id:
    description: Name or ARN of the source secret (a JSON object).
    type: str
  db_instance_identifier:
    description: Use the RDS-managed master secret of this DB instance as the source.
    type: str
  db_cluster_identifier:
    description: Use the RDS-managed master secret of this Aurora cluster as the source.
    type: str
  source_arn_key:
    description:
      - Write the ARN of the source secret (O(source_secret_id), or the RDS-managed master secret of
        O(db_instance_identifier) / O(db_cluster_identifier)) under this key of the JSON object - a
        reference to the source, for consumers that read the source themselves (External Secrets), instead
        of a copy of its values. The ARN is not a secret value; it is returned (RV(source_secret_arn)).
      - Without O(copy_fields) the source's value is not read (only its ARN is resolved).
    type: str
  keep_other_keys:
    description: Keep keys of the target's current JSON object that O(fields) and O(copy_fields) do not set.
    type: bool
    default: false
  kms_key_id:
    description: KMS key (id, ARN, alias, alias ARN) of the target secret. Omitted = not managed.
    type: str
  description:
    description: Description of the target when this module creates it.
    type: str
  create:
    description: Create the target when it does not exist (otherwise fail).
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - "IAM actions: C(secretsmanager:GetSecretValue) on the source (and C(kms:Decrypt) on its key),
    C(secretsmanager:DescribeSecret), C(GetSecretValue), C(PutSecretValue), C(CreateSecret), C(UpdateSecret),
    C(TagResource), C(UntagResource) on the target (C(kms:GenerateDataKey), C(kms:Decrypt) on its key),
    C(kms:DescribeKey), and C(rds:DescribeDBInstances) / C(rds:DescribeDBClusters) to resolve the source."
  - O(tags) omitted = tags not managed (an existing target keeps the tags its creator gave it).
  - The target value is written as compact JSON with sorted keys.
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: Publish the database endpoint with a reference to the RDS-managed credentials (no password copy)
  cloudops.eks_platform.secretsmanager_secret_copy:
    name: wealist/prod/database/endpoint
    db_instance_identifier: wealist-prod-postgres
    fields:
      host: "{{ endpoint_address }}"
      port: "{{ endpoint_port }}"
    copy_fields:
      username: username
    source_arn_key: password_secret_arn
    kms_key_id: alias/wealist-prod
"""

RETURN = r"""
name:
  description: Name of the target secret.
  returned: always
  type: str
arn:
  description: ARN of the target secret (null when it would be created in check mode).
  returned: always
  type: str
source_secret_arn:
  description: ARN of the source secret (never its value).
  returned: when copy_fields or source_arn_key is set
  type: str
changed_keys:
  description: Keys of the target JSON object that were (or would be) added, changed or removed. Names only.
  returned: always
  type: list
  elements: str
created:
  description: Whether the target was (or would be) created.
  returned: always
  type: bool
kms_key_updated:
  description: Whether the target's KMS key was (or would be) changed.
  returned: always
  type: bool
version_id:
  description: Version id of the value written (absent when nothing was written).
  returned: when a value was written
  type: str
"""

import json
from collections.abc import Mapping
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import AWS_ERRORS, call, describe
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import optional, tag_options
from ansible_collections.cloudops.eks_platform.plugins.module_utils.kms import KeyResolver
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import plan_tags, update_tags

HIDDEN = "<hidden>"


# --- pure functions (unit-tested) ----------------------------------------------------------------
def parse_document(text: str | None) -> dict[str, Any] | None:
    """The JSON object stored in a secret, or None when the value is missing or not a JSON object."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def build_document(
    fields: Mapping[str, Any],
    copy_fields: Mapping[str, str],
    source: Mapping[str, Any] | None,
    current: Mapping[str, Any] | None,
    keep_other_keys: bool = False,
    source_arn_key: str | None = None,
    source_arn: str | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The wanted JSON object and the source keys that are missing (names only).

    Precedence: current keys (only with ``keep_other_keys``) < static ``fields`` < ``copy_fields`` <
    the source's ARN under ``source_arn_key``.
    """
    document: dict[str, Any] = dict(current or {}) if keep_other_keys else {}
    document.update(fields)
    missing: list[str] = []
    for target_key, source_key in copy_fields.items():
        if source is None or source_key not in source:
            missing.append(source_key)
            continue
        document[target_key] = source[source_key]
    if source_arn_key:
        document[source_arn_key] = source_arn
    return document, sorted(set(missing))


def changed_keys(current: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> list[str]:
    """Keys added, removed or whose value differs (names only, sorted)."""
    current = current or {}
    keys = set(current) | set(wanted)
    return sorted(k for k in keys if k not in current or k not in wanted or current[k] != wanted[k])


def document_string(document: Mapping[str, Any]) -> str:
    """How the target value is stored: compact JSON, sorted keys."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def diff_texts(current: Mapping[str, Any] | None, wanted: Mapping[str, Any], name: str) -> dict[str, str]:
    """A text diff that shows key names only: unchanged keys identical, changed ones differ by marker."""
    changed = set(changed_keys(current, wanted))
    before = "".join(f"{k}: {HIDDEN}\n" for k in sorted(current or {}))
    after = "".join(f"{k}: {HIDDEN}{' (changed)' if k in changed else ''}\n" for k in sorted(wanted))
    return {"before_header": f"{name} (current)", "after_header": f"{name} (wanted)", "before": before, "after": after}


def sensitive_strings(*documents: Mapping[str, Any] | None, skip_keys: frozenset[str] = frozenset()) -> set[str]:
    """Every scalar value of the documents as a string, for module.no_log_values."""
    out: set[str] = set()
    for document in documents:
        for key, value in (document or {}).items():
            if key in skip_keys or value is None or isinstance(value, bool):
                continue
            text = value if isinstance(value, str) else json.dumps(value)
            if len(text) >= 3:
                out.add(text)
    return out


def argument_spec() -> dict[str, Any]:
    return dict(
        name=dict(type="str", required=True),
        fields=dict(type="dict", default={}),
        copy_fields=dict(type="dict", default={}),
        source_arn_key=dict(type="str", no_log=False),
        **optional("str", "source_secret_id", "db_instance_identifier", "db_cluster_identifier"),
        **optional("str", "kms_key_id", "description"),
        keep_other_keys=dict(type="bool", default=False),
        create=dict(type="bool", default=True),
        **tag_options(),
    )


def fail(module: AnsibleAWSModule, e: Exception, what: str) -> None:
    # fail_json_aws reports the API error (code and message), never a value this module read.
    module.fail_json_aws(e, msg=f"Failed to {what}")


def master_secret_arn(module: AnsibleAWSModule) -> str:
    """ARN of the RDS-managed master secret of the DB instance or cluster the options name."""
    p = module.params
    if not (p["db_instance_identifier"] or p["db_cluster_identifier"]):
        module.fail_json(
            msg="copy_fields and source_arn_key need source_secret_id, db_instance_identifier or db_cluster_identifier"
        )
    rds = module.client("rds")
    try:
        if p["db_instance_identifier"]:
            what = f"DB instance {p['db_instance_identifier']}"
            found = call(rds, "describe_db_instances", DBInstanceIdentifier=p["db_instance_identifier"])["DBInstances"]
        else:
            what = f"DB cluster {p['db_cluster_identifier']}"
            found = call(rds, "describe_db_clusters", DBClusterIdentifier=p["db_cluster_identifier"])["DBClusters"]
    except is_boto3_error_code(["DBInstanceNotFound", "DBClusterNotFoundFault"]):
        module.fail_json(msg=f"{what} not found: it has no managed master secret to copy from")
    except AWS_ERRORS as e:  # pylint: disable=duplicate-except
        fail(module, e, f"describe {what}")
    arn = ((found[0] if found else {}).get("MasterUserSecret") or {}).get("SecretArn")
    if not arn:
        module.fail_json(msg=f"{what} has no RDS-managed master secret (ManageMasterUserPassword is off)")
    return arn


def source_secret_arn(module: AnsibleAWSModule, sm) -> str:
    """ARN of the source secret, without reading its value (DescribeSecret of source_secret_id)."""
    source_id = module.params["source_secret_id"]
    if not source_id:
        return master_secret_arn(module)
    found = describe(
        module, sm, "describe_secret", "ResourceNotFoundException", f"secret {source_id}", SecretId=source_id
    )
    if found is None:
        module.fail_json(msg=f"The source secret {source_id} does not exist")
    return found["ARN"]


def read_source(module: AnsibleAWSModule, sm) -> tuple[str | None, dict[str, Any] | None]:
    """(source ARN, source JSON object); both None without copy_fields and source_arn_key, the object None
    without copy_fields (its value is then not read). Every value read is masked."""
    if not module.params["copy_fields"]:
        if not module.params["source_arn_key"]:
            return None, None
        return source_secret_arn(module, sm), None
    source_arn = module.params["source_secret_id"] or master_secret_arn(module)
    try:
        source_value = call(sm, "get_secret_value", SecretId=source_arn)
    except AWS_ERRORS as e:
        fail(module, e, f"read the source secret {source_arn}")
    text = source_value.get("SecretString")
    if text:
        module.no_log_values.add(text)
    source_doc = parse_document(text)
    source_arn = source_value.get("ARN", source_arn)
    if source_doc is None:
        module.fail_json(msg=f"The source secret {source_arn} does not hold a JSON object")
    module.no_log_values.update(sensitive_strings(source_doc))
    return source_arn, source_doc


def read_target(module: AnsibleAWSModule, sm) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(DescribeSecret of the target or None, its current JSON object or None). Every value read is masked."""
    p = module.params
    name = p["name"]
    target = describe(module, sm, "describe_secret", "ResourceNotFoundException", f"secret {name}", SecretId=name)
    if target is not None and target.get("DeletedDate"):
        module.fail_json(msg=f"Secret {name} is scheduled for deletion; restore it first")
    if target is None:
        if not p["create"]:
            module.fail_json(msg=f"Secret {name} does not exist (create: false)")
        return None, None
    try:
        current_text = call(sm, "get_secret_value", SecretId=target["ARN"]).get("SecretString")
    except is_boto3_error_code("ResourceNotFoundException"):
        current_text = None  # a secret without any value yet
    except AWS_ERRORS as e:  # pylint: disable=duplicate-except
        fail(module, e, f"read secret {name}")
    if current_text:
        module.no_log_values.add(current_text)
    current_doc = parse_document(current_text)
    skip = set(p["fields"]) | ({p["source_arn_key"]} if p["source_arn_key"] else set())
    module.no_log_values.update(sensitive_strings(current_doc, skip_keys=frozenset(skip)))
    return target, current_doc


def target_key(module: AnsibleAWSModule, target: dict[str, Any] | None) -> tuple[str | None, bool]:
    """(wanted key ARN, whether the existing target must move to it)."""
    if not module.params["kms_key_id"]:
        return None, False
    resolver = KeyResolver(module)
    key_arn = resolver.require(module.params["kms_key_id"], "kms_key_id")
    if target is None:
        return key_arn, False
    current_key = target.get("KmsKeyId")
    return key_arn, current_key != key_arn and (not current_key or resolver.lookup(current_key) != key_arn)


def write(
    module: AnsibleAWSModule,
    sm,
    target: dict[str, Any] | None,
    text: str,
    key_arn: str | None,
    kms_update: bool,
    keys: list[str],
) -> dict[str, Any]:
    """Create the target, or move its key and put the new value; returns arn / version_id."""
    p = module.params
    out: dict[str, Any] = {}
    try:
        if target is None:
            kwargs: dict[str, Any] = {"Name": p["name"], "SecretString": text}
            if key_arn:
                kwargs["KmsKeyId"] = key_arn
            if p["description"]:
                kwargs["Description"] = p["description"]
            if p["tags"]:
                kwargs["Tags"] = ansible_dict_to_boto3_tag_list(p["tags"])
            created = call(sm, "create_secret", **kwargs)
            return {"arn": created.get("ARN"), "version_id": created.get("VersionId")}
        if kms_update:
            call(sm, "update_secret", SecretId=target["ARN"], KmsKeyId=key_arn)
        if keys:
            out["version_id"] = call(sm, "put_secret_value", SecretId=target["ARN"], SecretString=text).get("VersionId")
    except AWS_ERRORS as e:
        fail(module, e, f"write secret {p['name']}")
    return out


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("source_secret_id", "db_instance_identifier", "db_cluster_identifier")],
        supports_check_mode=True,
    )
    p = module.params
    name = p["name"]
    sm = module.client("secretsmanager")

    source_arn, source_doc = read_source(module, sm)
    target, current_doc = read_target(module, sm)
    wanted_doc, missing = build_document(
        p["fields"], p["copy_fields"], source_doc, current_doc, p["keep_other_keys"], p["source_arn_key"], source_arn
    )
    if missing:
        module.fail_json(msg=f"The source secret {source_arn} has no key(s) {', '.join(missing)}")
    keys = changed_keys(current_doc, wanted_doc) if current_doc is not None else sorted(wanted_doc)
    wanted_text = document_string(wanted_doc)
    module.no_log_values.add(wanted_text)
    key_arn, kms_update = target_key(module, target)
    tag_plan = plan_tags(target.get("Tags") if target else None, p["tags"] if target else None, p["purge_tags"])
    changed = target is None or bool(keys) or kms_update or tag_plan.changed

    result: dict[str, Any] = {
        "name": name,
        "arn": (target or {}).get("ARN"),
        "changed_keys": keys,
        "created": target is None,
        "kms_key_updated": kms_update,
    }
    if source_arn:
        result["source_secret_arn"] = source_arn
    if changed and not module.check_mode:
        result.update(write(module, sm, target, wanted_text, key_arn, kms_update, keys))
        if target is not None:
            update_tags(module, sm, target["ARN"], tag_plan)
    module.exit_json(changed=changed, diff=diff_texts(current_doc, wanted_doc, name), **result)


if __name__ == "__main__":
    main()
