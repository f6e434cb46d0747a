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
  - "Resource policies (O(resource_policy), O(resource_policy_principals), O(purge_resource_policy)): one
    C(GetResourcePolicy) per secret, compared after normalization; C(PutResourcePolicy) with
    C(BlockPublicPolicy=true) when it differs (a new secret gets it right after C(CreateSecret)),
    C(DeleteResourcePolicy) when purged. Without these options the policies are neither read nor changed."
  - In check mode nothing is written; the result says what would be created, restored or updated.
    With C(--diff) the before/after of names, descriptions, KMS key ids, tags and (when managed) resource
    policies is returned, never a value.
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
  resource_policy:
    description:
      - The resource policy of every secret in O(secrets), as a policy document (a dict). C({partition}) and
        C({account_id}) in it are replaced with the caller's (C(sts:GetCallerIdentity)).
      - "Compared with C(GetResourcePolicy)'s answer after normalization (order of statements and of list items,
        duplicates, a one-item list = its item, C(Principal: {AWS: '*'}) = C(Principal: '*'), case of condition
        keys); a different policy is replaced as a whole (C(PutResourcePolicy), C(BlockPublicPolicy=true))."
      - "Refused before any write when an explicit Deny of it applies to this run's own identity: the caller's
        C(aws:PrincipalArn) - an IAM user's ARN, or for an assumed-role session the role's ARN B(with its path)
        (C(iam:GetRole); IAM Identity Center roles live under C(/aws-reserved/sso.amazonaws.com/)) - must be one of
        the statement's exceptions. Statements conditioned on other keys are not judged."
      - Only with O(state=present). Mutually exclusive with O(resource_policy_principals).
    type: dict
  resource_policy_principals:
    description:
      - "Build the resource policy of every secret in O(secrets): ONE statement that denies every Secrets Manager
        action (C(secretsmanager:*)) to every principal whose C(aws:PrincipalArn) is not in this list - the shape
        Prowler's check C(secretsmanager_has_restrictive_resource_policy) passes. This run's own principal ARN
        (see O(resource_policy)) is always added, so a run never locks its operator out."
      - "Exact IAM role or user ARNs, paths included (C(arn:aws:iam::123456789012:role/pod-identity/name));
        C({partition}) and C({account_id}) are replaced with the caller's. No wildcard, not the account root.
        The roles need not exist yet: a condition key compares ARNs as text, unlike a C(Principal) element."
      - Refused when this run's identity is the account root or a federated user (no role or user ARN to add).
      - Only with O(state=present). Mutually exclusive with O(resource_policy).
    type: list
    elements: str
  purge_resource_policy:
    description:
      - Without O(resource_policy) and O(resource_policy_principals), delete the resource policy of every secret
        in O(secrets) (C(DeleteResourcePolicy)). With one of them it has no effect (the policy is replaced whole).
      - Default C(false) - a run without a policy option leaves the policies as they are.
    type: bool
    default: false
notes:
  - "IAM actions: C(secretsmanager:DescribeSecret), C(CreateSecret), C(UpdateSecret), C(TagResource),
    C(UntagResource), C(RestoreSecret), C(DeleteSecret), and C(kms:DescribeKey), C(kms:GenerateDataKey),
    C(kms:Decrypt) on the key. With a policy option also C(secretsmanager:GetResourcePolicy),
    C(PutResourcePolicy), C(DeleteResourcePolicy), C(sts:GetCallerIdentity) and, for an assumed role,
    C(iam:GetRole) on it."
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

- name: Only the platform's roles (and this run's identity) may use the secrets
  cloudops.eks_platform.secretsmanager_secrets:
    kms_key_id: alias/wealist-prod
    resource_policy_principals:
      - "arn:{partition}:iam::{account_id}:role/pod-identity/wealist-prod-external-secrets-pod-identity"
      - "arn:{partition}:iam::{account_id}:role/wealist-prod-eks-admin"
    secrets:
      - name: wealist/prod/app/jwt-secret
        length: 64
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
      description:
        - What changed - C(create), C(restore), C(description), C(kms_key_id), C(tags), C(resource_policy),
          C(delete). A created secret gets its policy as part of C(create).
      type: list
      elements: str
    resource_policy:
      description: The secret's resource policy after the run, normalized (null = none). Only when managed.
      type: dict
caller_principal_arn:
  description: This run's C(aws:PrincipalArn) (an assumed role as its IAM role ARN with its path). Only when
    O(resource_policy) or O(resource_policy_principals) is given.
  returned: when a policy option is given
  type: str
  sample: arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/ap-northeast-2/AWSReservedSSO_Admin_0123
diff:
  description: With C(--diff), C(before)/C(after) maps of secret name to description, kms_key_id, tags,
    scheduled_for_deletion and (when managed) resource_policy. Values never appear.
  returned: when diff mode is on
  type: dict
"""

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import (
    AWS_ERRORS,
    call,
    call_or_fail,
    describe,
    exit_with,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import state_option, tag_options
from ansible_collections.cloudops.eks_platform.plugins.module_utils.kms import KeyResolver, key_matches
from ansible_collections.cloudops.eks_platform.plugins.module_utils.secret_policy import (
    POLICY_MAX,
    caller_principal,
    caller_problem,
    deny_all_but,
    document_problems,
    lockout_problems,
    normalize_policy,
    plan_policy,
    policy_text,
    principal_arn_problems,
    substitute,
    substitute_any,
)
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


# --- resource policies ---------------------------------------------------------------------------------------


def caller(module: AnsibleAWSModule) -> tuple[str, str, dict[str, str]]:
    """This run's aws:PrincipalArn, its kind and the {partition}/{account_id} substitutions."""
    identity = call_or_fail(module, module.client("sts"), "get_caller_identity", "read this run's identity")
    arn = str(identity.get("Arn") or "")
    parts = arn.split(":")
    context = {"partition": parts[1] if len(parts) > 5 else "aws", "account_id": str(identity.get("Account"))}

    def role_arn(name: str) -> str:
        what = f"read role {name} (iam:GetRole): this run's aws:PrincipalArn is its ARN with its path"
        return call_or_fail(module, module.client("iam"), "get_role", what, RoleName=name)["Role"]["Arn"]

    principal, kind = caller_principal(arn, role_arn)
    return principal, kind, context


def wanted_policy(module: AnsibleAWSModule) -> tuple[dict[str, Any] | None, str | None]:
    """The policy every secret should have (None: not put) and this run's principal ARN. Fails, before any
    write, when the policy would deny this run's own identity."""
    params = module.params
    if params["resource_policy"] is None and params["resource_policy_principals"] is None:
        return None, None
    principal, kind, context = caller(module)
    if params["resource_policy_principals"] is not None:
        option = "resource_policy_principals"
        problem = caller_problem(principal, kind, option)
        if problem:
            module.fail_json(msg=problem)
        principals = [substitute(p, context) for p in params["resource_policy_principals"]]
        errors = principal_arn_problems(principals, option, templates=False)
        policy = deny_all_but([*principals, principal])
    else:
        option = "resource_policy"
        policy = substitute_any(params["resource_policy"], context)
        errors = []
    errors += lockout_problems(policy, principal, option)
    size = len(policy_text(policy))
    if size > POLICY_MAX:
        errors.append(f"{option}: the policy is {size} characters, over Secrets Manager's {POLICY_MAX}")
    if errors:
        module.fail_json(msg="; ".join(errors))
    return policy, principal


def read_policy(module: AnsibleAWSModule, client, secret_id: str, name: str, deleted: bool) -> Any:
    try:
        return call(client, "get_resource_policy", SecretId=secret_id).get("ResourcePolicy")
    except is_boto3_error_code("InvalidRequestException") as e:
        if not deleted:
            module.fail_json_aws(e, msg=f"Failed to read the resource policy of secret {name}")
        # Only in check mode (a real run restores the secret first): a secret scheduled for deletion may refuse
        # the read; reported as having no policy.
        return None
    except AWS_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to read the resource policy of secret {name}")
    return None


def apply_policy(module: AnsibleAWSModule, client, secret_id: str, name: str, action: str, policy: Any) -> None:
    try:
        if action == "put":
            call(
                client,
                "put_resource_policy",
                SecretId=secret_id,
                ResourcePolicy=policy_text(policy),
                BlockPublicPolicy=True,
            )
        else:
            call(client, "delete_resource_policy", SecretId=secret_id)
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to {action} the resource policy of secret {name}")


def converge_policy(
    module: AnsibleAWSModule, client, current: dict[str, Any] | None, arn: str | None, plan: dict[str, Any],
    wanted: dict[str, Any] | None,
) -> tuple[Any, Any]:
    """Read, compare and (outside check mode) put or delete one secret's policy; adds ``resource_policy`` to the
    plan's changes (not for a created secret: its policy is part of ``create``). Returns before / after."""
    before = None
    if current is not None:
        deleted = bool(current.get("scheduled_for_deletion")) and module.check_mode
        before = normalize_policy(read_policy(module, client, arn or plan["name"], plan["name"], deleted))
    action = plan_policy(before, wanted, module.params["purge_resource_policy"])
    after = normalize_policy(wanted) if action == "put" else None if action == "delete" else before
    if action:
        if "create" not in plan["changes"]:
            plan["changes"].append("resource_policy")
        if not module.check_mode:
            apply_policy(module, client, arn or plan["name"], plan["name"], action, wanted)
    return before, after


def ensure_present(
    module: AnsibleAWSModule, client, policy: dict[str, Any] | None
) -> tuple[bool, list[dict[str, Any]], dict[str, Any]]:
    params = module.params
    kms_key_id = params["kms_key_id"]
    keys = KeyResolver(module)
    kms_key_arn = keys.require(kms_key_id, "kms_key_id")
    policies = policy is not None or params["purge_resource_policy"]
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
        if plan["changes"] and not module.check_mode:
            if "create" in plan["changes"]:
                after["arn"] = create(module, client, spec, plan)
            else:
                update(module, client, current["arn"] or spec["name"], plan)
        before_entry, after_entry = diff_entry(current), diff_entry(after)
        if policies:
            old, new = converge_policy(module, client, current, after["arn"], plan, policy)
            if before_entry is not None:
                before_entry["resource_policy"] = old
            after_entry["resource_policy"] = after["resource_policy"] = new
        changed = changed or bool(plan["changes"])
        if before_entry is not None:
            diff["before"][spec["name"]] = before_entry
        diff["after"][spec["name"]] = after_entry
        entry = result_entry(after, plan)
        if policies:
            entry["resource_policy"] = after["resource_policy"]
        results.append(entry)
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


def option_problems(params: dict[str, Any]) -> list[str]:
    """Bad option combinations and values, before any API call."""
    errors = validate_specs(params["secrets"], params["state"])
    if params["state"] == "absent":
        errors += validate_recovery_window(params["recovery_window"])
        given = [o for o in ("resource_policy", "resource_policy_principals") if params[o] is not None]
        if params["purge_resource_policy"]:
            given.append("purge_resource_policy")
        errors += [f"{option} only applies to state present" for option in given]
    if params["resource_policy"] is not None:
        errors += document_problems(params["resource_policy"], "resource_policy")
    errors += principal_arn_problems(params["resource_policy_principals"], "resource_policy_principals")
    return errors


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
        resource_policy=dict(type="dict"),
        resource_policy_principals=dict(type="list", elements="str"),
        purge_resource_policy=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("resource_policy", "resource_policy_principals")],
    )

    errors = option_problems(module.params)
    if errors:
        module.fail_json(msg="Invalid secrets: " + "; ".join(errors))

    client = module.client("secretsmanager")
    extra: dict[str, Any] = {}
    if module.params["state"] == "present":
        # the caller and the policy first: a policy that would lock this run out fails before any write
        policy, principal = wanted_policy(module)
        if principal:
            extra["caller_principal_arn"] = principal
        changed, results, diff = ensure_present(module, client, policy)
    else:
        changed, results, diff = ensure_absent(module, client)

    exit_with(module, changed, diff, secrets=results, **extra)


if __name__ == "__main__":
    main()
