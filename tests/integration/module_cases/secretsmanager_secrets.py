"""Four-run cases of secretsmanager_secrets' resource policies (its metadata case is in test_modules.py).

Before the runs (made with boto3): ``modtest/policy/existing`` with an older policy (a Deny of GetSecretValue to one
role), and ``modtest/policy/purged`` with a policy.

* ``secretsmanager_secrets_policy``: ``resource_policy_principals`` names a pod identity role that does not exist
  (a condition key, not a Principal: the policy is put before the role exists), with ``{partition}`` and
  ``{account_id}``; ``existing`` gets its policy replaced, ``new`` is created and gets it right after. The policy is
  the one statement of Prowler's secretsmanager_has_restrictive_resource_policy, with this run's identity added.
* ``secretsmanager_secrets_policy_purge``: ``purge_resource_policy`` without a policy deletes ``purged``'s.

The read is GetResourcePolicy of each secret (None: no secret, or no policy), parsed - never through the module.
"""

from __future__ import annotations

import json
from typing import Any

from . import TAGS, Case, P

EXISTING, NEW, PURGED = f"{P}/policy/existing", f"{P}/policy/new", f"{P}/policy/purged"
ACCOUNT = "123456789012"  # the emulator's account
ESO_ROLE = f"arn:aws:iam::{ACCOUNT}:role/pod-identity/{P}-external-secrets-pod-identity"  # never created
# This run's identity: sts:GetCallerIdentity answers arn:aws:sts::123456789012:user/moto for the emulator's
# credentials (AWS would answer arn:aws:iam::<account>:user/<name> for an IAM user), which is that IAM user.
CALLER = f"arn:aws:iam::{ACCOUNT}:user/moto"
OLD_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/{P}-old-reader"},
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
        }
    ],
}


def prerequisites(b: Any, pre: dict) -> dict:
    sm = b.client("secretsmanager")
    for name in (EXISTING, PURGED):
        sm.create_secret(Name=name, SecretString=json.dumps({"k": "PLACEHOLDER-UPDATE-ME"}), KmsKeyId=pre["key_arn"])
        sm.put_resource_policy(SecretId=name, ResourcePolicy=json.dumps(OLD_POLICY))
    return {}


def _reader(names: tuple[str, ...]):
    def read(b: Any, pre: dict) -> dict:
        sm = b.client("secretsmanager")
        out: dict[str, Any] = {}
        for name in names:
            try:
                answer = sm.get_resource_policy(SecretId=name)
            except sm.exceptions.ResourceNotFoundException:
                out[name] = None
                continue
            out[name] = json.loads(answer["ResourcePolicy"]) if answer.get("ResourcePolicy") else None
        return out

    return read


# Written from Prowler's rule (one Deny for Principal "*", Action secretsmanager:*, Resource "*", StringNotEquals
# aws:PrincipalArn with exact role / user ARNs) and the module's docs (this run's identity added, sorted).
WANTED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyOutsidePlatformPrincipals",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "secretsmanager:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:PrincipalArn": [ESO_ROLE, CALLER]}},
        }
    ],
}

CASES = [
    Case(
        id="secretsmanager_secrets_policy",
        module="secretsmanager_secrets",
        args=lambda pre: {
            "kms_key_id": f"alias/{P}",
            "tags": TAGS,
            "resource_policy_principals": [
                f"arn:{{partition}}:iam::{{account_id}}:role/pod-identity/{P}-external-secrets-pod-identity"
            ],
            "secrets": [
                {"name": EXISTING, "kind": "placeholder", "value": {"k": "PLACEHOLDER-UPDATE-ME"}},
                {"name": NEW, "kind": "generated", "length": 24},
            ],
        },
        read=_reader((EXISTING, NEW)),
        before=lambda pre: {EXISTING: OLD_POLICY, NEW: None},
        after=lambda pre: {EXISTING: WANTED, NEW: WANTED},
    ),
    Case(
        id="secretsmanager_secrets_policy_purge",
        module="secretsmanager_secrets",
        args=lambda pre: {
            "kms_key_id": f"alias/{P}",
            "purge_resource_policy": True,
            "secrets": [{"name": PURGED, "kind": "placeholder"}],
        },
        read=_reader((PURGED,)),
        before=lambda pre: {PURGED: OLD_POLICY},
        after=lambda pre: {PURGED: None},
    ),
]
