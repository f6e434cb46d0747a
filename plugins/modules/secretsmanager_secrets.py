#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: secretsmanager_secrets
short_description: Create a list of Secrets Manager secrets once, then converge only their metadata
version_added: 0.1.0
description:
  - Manages several AWS Secrets Manager secrets in one call. A secret that does not exist is created
    with its value; the value of an existing secret is B(never) read, compared or changed.
  - Generated values (O(secrets[].kind=generated)) are made inside the module with Python's
    C(secrets) CSPRNG; they are never module arguments and never part of the result, the diff or a
    log line. They are created once; rotating them is a separate, deliberate operation.
  - Placeholder values (O(secrets[].kind=placeholder)) are written only when the secret does not
    exist, so a value filled in later by a human or by another role (for example the data layer,
    which copies the RDS endpoint into C(database/endpoint)) is never overwritten. Static values
    (O(secrets[].kind=static)) behave the same way; use them for fixed, non-placeholder content.
  - On existing secrets only the metadata converges, with the fewest calls possible - description
    and KMS key (one C(UpdateSecret) without a value, which re-encrypts the stored versions with the
    new key), and tags (C(TagResource)/C(UntagResource), with O(purge_tags)).
  - A secret that is scheduled for deletion is B(restored) (C(RestoreSecret)) and then converged,
    keeping its value, so a present run inside the recovery window undoes an absent run.
  - In check mode nothing is written; the result says what would be created, restored or updated.
    With C(--diff) the before/after of names, descriptions, KMS key ids and tags is returned, never
    a value.
options:
  secrets:
    description: The secrets to manage.
    type: list
    elements: dict
    required: true
    no_log: false
    suboptions:
      name:
        description: Full name of the secret (C(wealist/prod/app/jwt-secret)); C(A-Za-z0-9/_+=.@-).
        type: str
        required: true
      description:
        description: Description of the secret. Omitted = not managed.
        type: str
      kind:
        description:
          - C(generated) - a random value made here on creation.
          - C(placeholder) - O(secrets[].value) (default C(PLACEHOLDER-UPDATE-ME)), written only on creation,
            to be replaced later outside this module.
          - C(static) - O(secrets[].value), written only on creation.
        type: str
        choices: [generated, placeholder, static]
        default: generated
      length:
        description: Length of the generated string (16 to 4096). Default 32. Only for C(generated).
        type: int
      special:
        description:
          - Include punctuation (C(!@#$%&*()-_=+[]{}<>:?)) in the generated string. Default false. Every
            generated string has at least one lower-case letter, one upper-case letter and one digit (and
            one punctuation character with O(secrets[].special=true)). Only for C(generated).
        type: bool
      encoding:
        description:
          - C(plain) stores the random string, C(base64) its base64 encoding (the seed's C(jwt-secret)).
            Default C(plain). Only for C(generated).
        type: str
        choices: [plain, base64]
      json_key:
        description:
          - "Store a JSON object C({<json_key>: <generated>}) merged with O(secrets[].json_fields) instead
            of the bare string. Only for C(generated)."
        type: str
        no_log: false
      json_fields:
        description:
          - "Fixed, non-secret fields added to the JSON object, for example C({admin_user: admin}).
            Needs O(secrets[].json_key). Only for C(generated)."
        type: dict
      value:
        description:
          - Value of a C(placeholder) or C(static) secret, written only when the secret is created. A dict is
            stored as compact JSON with sorted keys, a string as it is.
        type: raw
      tags:
        description: Tags of this secret only, merged over O(tags) (for example C(Name)).
        type: dict
  kms_key_id:
    description:
      - "KMS key of every secret in O(secrets): key id, key ARN, alias (C(alias/wealist-prod)) or alias ARN.
        New secrets are created with it; existing secrets using another key are moved to it."
      - The key is resolved with C(kms:DescribeKey); the module fails when it does not exist.
      - "Omitted: new secrets use the AWS managed key C(aws/secretsmanager); existing ones keep theirs."
    type: str
    no_log: false
  state:
    description:
      - C(present) - the secrets exist (created if missing, restored if scheduled for deletion).
      - C(absent) - the secrets are deleted after O(recovery_window) days.
    type: str
    choices: [present, absent]
    default: present
  recovery_window:
    description:
      - With O(state=absent), days (7 to 30) Secrets Manager keeps a deleted secret restorable.
        C(0) deletes at once without recovery (also for secrets already scheduled for deletion).
    type: int
    default: 7
notes:
  - "IAM actions: C(secretsmanager:DescribeSecret), C(CreateSecret), C(UpdateSecret), C(TagResource),
    C(UntagResource), C(RestoreSecret), C(DeleteSecret), and C(kms:DescribeKey), C(kms:GenerateDataKey),
    C(kms:Decrypt) on the key."
  - One C(DescribeSecret) per secret (strongly consistent, unlike C(ListSecrets)).
  - The module never calls C(GetSecretValue) or C(PutSecretValue).
author:
  - cloudops platform team
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Create the application secrets once, converge KMS key and tags
  cloudops.eks_platform.secretsmanager_secrets:
    kms_key_id: alias/wealist-prod
    tags:
      Project: wealist
      Environment: prod
    secrets:
      - name: wealist/prod/app/jwt-secret
        description: JWT signing secret
        kind: generated
        length: 64
        encoding: base64
        tags:
          Name: wealist/prod/app/jwt-secret
      - name: wealist/prod/monitoring/grafana
        kind: generated
        length: 24
        special: true
        json_key: admin_password
        json_fields:
          admin_user: admin
      - name: wealist/prod/oauth/google
        kind: placeholder
        value:
          client_id: PLACEHOLDER-UPDATE-ME
          client_secret: PLACEHOLDER-UPDATE-ME
  no_log: true

- name: Delete them, restorable for 7 days
  cloudops.eks_platform.secretsmanager_secrets:
    state: absent
    recovery_window: 7
    secrets:
      - name: wealist/prod/app/jwt-secret
      - name: wealist/prod/monitoring/grafana
      - name: wealist/prod/oauth/google
"""

RETURN = r"""
secrets:
  description: One entry per secret of O(secrets), in the same order. Metadata only, never a value.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the secret.
      type: str
      sample: wealist/prod/app/jwt-secret
    arn:
      description: ARN of the secret (null for a secret that would be created in check mode or is absent).
      type: str
      sample: arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:wealist/prod/app/jwt-secret-AbCdEf
    description:
      description: Description of the secret.
      type: str
    kms_key_id:
      description: KMS key of the secret as Secrets Manager reports it (the key ARN when set by this module).
      type: str
    tags:
      description: Tags of the secret.
      type: dict
    created:
      description: Whether the secret was (or in check mode would be) created.
      type: bool
    restored:
      description: Whether a secret scheduled for deletion was (or would be) restored.
      type: bool
    updated:
      description: Whether the metadata of an existing secret was (or would be) changed.
      type: bool
    deleted:
      description: Whether the secret was (or would be) deleted (O(state=absent)).
      type: bool
    changes:
      description: What changed - C(create), C(restore), C(description), C(kms_key_id), C(tags), C(delete).
      type: list
      elements: str
diff:
  description: With C(--diff), C(before)/C(after) maps of secret name to description, kms_key_id, tags and
    scheduled_for_deletion. Values never appear.
  returned: when diff mode is on
  type: dict
"""

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import AWS_ERRORS, call, describe, exit_with
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import state_option, tag_options
from ansible_collections.cloudops.eks_platform.plugins.module_utils.kms import KeyResolver, key_matches
from ansible_collections.cloudops.eks_platform.plugins.module_utils.secrets import (
    DEFAULT_KMS_KEY,
    build_value,
    current_state,
    diff_entry,
    plan_absent,
    plan_secret,
    result_entry,
    state_after,
    validate_recovery_window,
    validate_specs,
    wanted_tags,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import TagPlan, update_tags


def describe_secret(module: AnsibleAWSModule, client, name: str) -> dict[str, Any] | None:
    return describe(module, client, "describe_secret", "ResourceNotFoundException", f"secret {name}", SecretId=name)


def create(module: AnsibleAWSModule, client, spec: dict[str, Any], plan: dict[str, Any]) -> str:
    secret_string, sensitive = build_value(spec)
    # Defence in depth: the value is never returned; registering it masks it in the result and in
    # failure messages too (Ansible does not filter module warnings, so none ever carries a value).
    for part in sensitive:
        module.no_log_values.add(part)
    kwargs: dict[str, Any] = {"Name": spec["name"], "SecretString": secret_string}
    if plan["description"] is not None:
        kwargs["Description"] = plan["description"]
    if plan["kms_key_id"] is not None:
        kwargs["KmsKeyId"] = plan["kms_key_id"]
    if plan["tags_to_set"]:
        kwargs["Tags"] = ansible_dict_to_boto3_tag_list(plan["tags_to_set"])
    try:
        return call(client, "create_secret", **kwargs)["ARN"]
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to create secret {spec['name']}")


def update(module: AnsibleAWSModule, client, secret_id: str, plan: dict[str, Any]) -> None:
    name = plan["name"]
    try:
        if "restore" in plan["changes"]:
            call(client, "restore_secret", SecretId=secret_id)
        metadata: dict[str, Any] = {}
        if plan["description"] is not None:
            metadata["Description"] = plan["description"]
        if plan["kms_key_id"] is not None:
            metadata["KmsKeyId"] = plan["kms_key_id"]
        if metadata:
            # No SecretString/SecretBinary: the value (and its versions) stay as they are.
            call(client, "update_secret", SecretId=secret_id, **metadata)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to update the metadata of secret {name}")
    update_tags(module, client, secret_id, TagPlan({}, {}, plan["tags_to_set"], plan["tags_to_unset"]))


def ensure_present(module: AnsibleAWSModule, client) -> tuple[bool, list[dict[str, Any]], dict[str, Any]]:
    params = module.params
    kms_key_id = params["kms_key_id"]
    keys = KeyResolver(module)
    kms_key_arn = keys.require(kms_key_id, "kms_key_id")
    changed = False
    results: list[dict[str, Any]] = []
    diff: dict[str, Any] = {"before": {}, "after": {}}
    for spec in params["secrets"]:
        current = current_state(describe_secret(module, client, spec["name"]))
        kms_match = current is None or key_matches(
            current["kms_key_id"], kms_key_id, kms_key_arn, keys.lookup, default=DEFAULT_KMS_KEY
        )
        plan = plan_secret(
            spec,
            current,
            kms_key_id=kms_key_arn,
            kms_match=kms_match,
            tags=wanted_tags(params["tags"], spec.get("tags")),
            purge_tags=params["purge_tags"],
        )
        after = state_after(current, plan)
        if plan["changes"]:
            changed = True
            if not module.check_mode:
                if "create" in plan["changes"]:
                    after["arn"] = create(module, client, spec, plan)
                else:
                    update(module, client, current["arn"] or spec["name"], plan)
        if current is not None:
            diff["before"][spec["name"]] = diff_entry(current)
        diff["after"][spec["name"]] = diff_entry(after)
        results.append(result_entry(after, plan))
    return changed, results, diff


def ensure_absent(module: AnsibleAWSModule, client) -> tuple[bool, list[dict[str, Any]], dict[str, Any]]:
    window = module.params["recovery_window"]
    changed = False
    results: list[dict[str, Any]] = []
    diff: dict[str, Any] = {"before": {}, "after": {}}
    for spec in module.params["secrets"]:
        current = current_state(describe_secret(module, client, spec["name"]))
        plan = plan_absent(current, window)
        state = dict(current or {"name": spec["name"], "arn": None})
        if current is not None:
            diff["before"][spec["name"]] = diff_entry(current)
        if plan["changes"]:
            changed = True
            state["scheduled_for_deletion"] = True
            if not module.check_mode:
                kwargs: dict[str, Any] = {"SecretId": current["arn"] or spec["name"]}
                if plan["force"]:
                    kwargs["ForceDeleteWithoutRecovery"] = True
                else:
                    kwargs["RecoveryWindowInDays"] = window
                try:
                    call(client, "delete_secret", **kwargs)
                except AWS_ERRORS as e:
                    module.fail_json_aws(e, msg=f"Failed to delete secret {spec['name']}")
        if current is not None and not (plan["force"] and plan["changes"]):
            diff["after"][spec["name"]] = diff_entry(state)
        results.append(result_entry(state, plan))
    return changed, results, diff


def main() -> None:
    secret_options = dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        kind=dict(type="str", choices=["generated", "placeholder", "static"], default="generated"),
        length=dict(type="int"),
        special=dict(type="bool"),
        encoding=dict(type="str", choices=["plain", "base64"]),
        json_key=dict(type="str", no_log=False),
        json_fields=dict(type="dict"),
        value=dict(type="raw", no_log=True),
        tags=dict(type="dict"),
    )
    argument_spec = dict(
        secrets=dict(type="list", elements="dict", required=True, options=secret_options, no_log=False),
        kms_key_id=dict(type="str", no_log=False),
        **tag_options(),
        state=state_option(),
        recovery_window=dict(type="int", default=7),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    errors = validate_specs(module.params["secrets"], module.params["state"])
    if module.params["state"] == "absent":
        errors += validate_recovery_window(module.params["recovery_window"])
    if errors:
        module.fail_json(msg="Invalid secrets: " + "; ".join(errors))

    client = module.client("secretsmanager")
    if module.params["state"] == "present":
        changed, results, diff = ensure_present(module, client)
    else:
        changed, results, diff = ensure_absent(module, client)

    exit_with(module, changed, diff, secrets=results)


if __name__ == "__main__":
    main()
