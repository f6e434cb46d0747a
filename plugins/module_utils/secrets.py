# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Pure helpers of the ``secretsmanager_secrets`` module (no boto3, no AnsibleModule).

* :func:`validate_specs` checks the wanted secrets before any API call;
* :func:`build_value` makes the value of a secret that does not exist yet (generated values come
  from the ``secrets`` module's CSPRNG and never from arguments);
* :func:`current_state` reduces a DescribeSecret answer to the metadata this module manages;
* :func:`plan_secret` / :func:`plan_absent` compare wanted and current and say what to change;
* :func:`diff_entry` / :func:`result_entry` are the only shapes that leave the module.

A plan, a diff entry and a result entry never hold a secret value: only names, ARNs, descriptions,
KMS key ids, tags and resource policies (module_utils/secret_policy.py). The value of an existing secret is never
compared, read or changed.
"""

from __future__ import annotations

import base64
import json
import re
import secrets as _secrets
import string
from collections.abc import Iterable, Mapping
from random import Random
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import plan_tags

PLACEHOLDER = "PLACEHOLDER-UPDATE-ME"
KINDS = ("generated", "placeholder", "static")
ENCODINGS = ("plain", "base64")
#: Characters Secrets Manager accepts in a secret name.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
MIN_LENGTH = 16
MAX_LENGTH = 4096
DEFAULT_LENGTH = 32
#: Punctuation of generated values with ``special: true`` (Terraform random_password's default set,
#: which the seed used for the Grafana admin password).
SPECIAL_CHARACTERS = "!@#$%&*()-_=+[]{}<>:?"
#: What Secrets Manager uses when a secret has no KmsKeyId.
DEFAULT_KMS_KEY = "alias/aws/secretsmanager"
#: Options that only make sense for ``kind: generated``.
GENERATED_ONLY = ("length", "special", "encoding", "json_key", "json_fields")
RECOVERY_WINDOW_RANGE = (7, 30)



def validate_specs(specs: Iterable[Mapping[str, Any]], state: str = "present") -> list[str]:
    """Return every problem of the wanted secrets (empty list = valid). Never mentions a value."""
    errors: list[str] = []
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        name = spec.get("name")
        label = f"secrets[{index}] ({name!r})"
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            errors.append(f"{label}: the name must be 1-512 characters of A-Z a-z 0-9 / _ + = . @ -")
        elif name in seen:
            errors.append(f"{label}: the name is listed twice")
        else:
            seen.add(name)
        if state != "present":
            continue
        kind = spec.get("kind") or "generated"
        if kind not in KINDS:
            errors.append(f"{label}: kind must be one of {', '.join(KINDS)}")
            continue
        if kind == "generated":
            length = spec.get("length")
            if length is not None and not MIN_LENGTH <= int(length) <= MAX_LENGTH:
                errors.append(f"{label}: length must be {MIN_LENGTH} to {MAX_LENGTH}")
            encoding = spec.get("encoding")
            if encoding is not None and encoding not in ENCODINGS:
                errors.append(f"{label}: encoding must be one of {', '.join(ENCODINGS)}")
            if spec.get("json_fields") and not spec.get("json_key"):
                errors.append(f"{label}: json_fields needs json_key (the field that holds the generated value)")
            if spec.get("json_key") and spec.get("json_key") in (spec.get("json_fields") or {}):
                errors.append(f"{label}: json_key must not also be a key of json_fields")
            if spec.get("value") is not None:
                errors.append(f"{label}: value is only for kind placeholder or static (generated values are made here)")
        else:
            given = [option for option in GENERATED_ONLY if spec.get(option) is not None]
            if given:
                errors.append(f"{label}: {', '.join(given)} only apply to kind generated")
            if kind == "static" and spec.get("value") is None:
                errors.append(f"{label}: kind static needs a value")
            value = spec.get("value")
            if value is not None and not isinstance(value, (str, dict)):
                errors.append(f"{label}: value must be a string or a dict (stored as JSON)")
    return errors


def validate_recovery_window(days: int) -> list[str]:
    """``0`` (delete without recovery) or 7 to 30 days."""
    low, high = RECOVERY_WINDOW_RANGE
    if days == 0 or low <= days <= high:
        return []
    return [f"recovery_window must be 0 (delete without recovery) or {low} to {high} days (got {days})"]


def generate_string(length: int, special: bool = False, rng: Random | None = None) -> str:
    """A random string of ``length`` characters with at least one lower, upper and digit character
    (and one of :data:`SPECIAL_CHARACTERS` when ``special``). ``rng`` defaults to the OS CSPRNG."""
    rng = rng or _secrets.SystemRandom()
    classes = [string.ascii_lowercase, string.ascii_uppercase, string.digits]
    if special:
        classes.append(SPECIAL_CHARACTERS)
    if length < len(classes):
        raise ValueError(f"length must be at least {len(classes)}")
    alphabet = "".join(classes)
    while True:
        candidate = "".join(rng.choice(alphabet) for _ in range(length))
        if all(any(char in chars for char in candidate) for chars in classes):
            return candidate


def to_secret_string(value: Any) -> str:
    """A placeholder/static value as Secrets Manager stores it: strings as they are, dicts as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def build_value(spec: Mapping[str, Any], rng: Random | None = None) -> tuple[str, list[str]]:
    """The value of a secret to create, and the strings of it that must never be logged.

    ``generated``: a random string (``length``, ``special``), base64-encoded with
    ``encoding: base64``, wrapped as ``{json_key: <it>, **json_fields}`` when ``json_key`` is set.
    ``placeholder``: ``value`` (default :data:`PLACEHOLDER`); ``static``: ``value``.
    """
    kind = spec.get("kind") or "generated"
    if kind != "generated":
        value = spec.get("value")
        secret_string = to_secret_string(PLACEHOLDER if value is None else value)
        return secret_string, [secret_string]
    raw = generate_string(int(spec.get("length") or DEFAULT_LENGTH), bool(spec.get("special")), rng)
    sensitive = [raw]
    generated = raw
    if (spec.get("encoding") or "plain") == "base64":
        generated = base64.b64encode(raw.encode("ascii")).decode("ascii")
        sensitive.append(generated)
    if spec.get("json_key"):
        document = dict(spec.get("json_fields") or {})
        document[spec["json_key"]] = generated
        secret_string = to_secret_string(document)
        sensitive.append(secret_string)
        return secret_string, sensitive
    return generated, sensitive


def current_state(described: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The managed metadata of a DescribeSecret answer (``None`` when the secret does not exist)."""
    if not described:
        return None
    return {
        "name": described["Name"],
        "arn": described.get("ARN"),
        "description": described.get("Description"),
        "kms_key_id": described.get("KmsKeyId") or None,
        "tags": boto3_tag_list_to_ansible_dict(described.get("Tags") or []),
        "scheduled_for_deletion": described.get("DeletedDate") is not None,
    }


def wanted_tags(module_tags: Mapping[str, Any] | None, secret_tags: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The module's ``tags`` with the secret's own ``tags`` on top; ``None`` = tags not managed."""
    if module_tags is None and secret_tags is None:
        return None
    merged = dict(module_tags or {})
    merged.update(secret_tags or {})
    return {str(key): str(value) for key, value in merged.items()}


def plan_secret(
    spec: Mapping[str, Any],
    current: Mapping[str, Any] | None,
    *,
    kms_key_id: str | None,
    kms_match: bool,
    tags: Mapping[str, str] | None,
    purge_tags: bool,
) -> dict[str, Any]:
    """What to do for one wanted secret. ``kms_key_id`` is the key new secrets get and existing ones
    move to (``None`` = not managed); ``kms_match`` is :func:`kms.key_matches` for the current secret;
    ``tags`` is :func:`wanted_tags`. The plan holds metadata only, never a value.

    ``changes`` lists ``create`` alone, or any of ``restore``, ``description``, ``kms_key_id``, ``tags``.
    """
    description = spec.get("description")
    plan: dict[str, Any] = {
        "name": spec["name"],
        "changes": [],
        "description": None,
        "kms_key_id": None,
        "tags_to_set": {},
        "tags_to_unset": [],
    }
    if current is None:
        plan["changes"] = ["create"]
        plan["description"] = description
        plan["kms_key_id"] = kms_key_id
        plan["tags_to_set"] = dict(tags or {})
        return plan
    if current.get("scheduled_for_deletion"):
        plan["changes"].append("restore")
    if description is not None and description != (current.get("description") or ""):
        plan["changes"].append("description")
        plan["description"] = description
    if kms_key_id is not None and not kms_match:
        plan["changes"].append("kms_key_id")
        plan["kms_key_id"] = kms_key_id
    tag_plan = plan_tags(current.get("tags") or {}, tags, purge_tags)
    to_set, to_unset = tag_plan.to_set, tag_plan.to_unset
    if to_set or to_unset:
        plan["changes"].append("tags")
        plan["tags_to_set"], plan["tags_to_unset"] = to_set, to_unset
    return plan


def plan_absent(current: Mapping[str, Any] | None, recovery_window: int) -> dict[str, Any]:
    """Delete (``changes == ['delete']``) unless the secret is gone, or already scheduled for deletion
    and no forced deletion (``recovery_window == 0``) is asked for."""
    if current is None:
        return {"changes": [], "force": recovery_window == 0}
    if current.get("scheduled_for_deletion") and recovery_window != 0:
        return {"changes": [], "force": False}
    return {"changes": ["delete"], "force": recovery_window == 0}


def state_after(current: Mapping[str, Any] | None, plan: Mapping[str, Any]) -> dict[str, Any]:
    """The managed metadata once ``plan`` is applied (for diff and results)."""
    before = dict(current or {})
    tags = {key: value for key, value in (before.get("tags") or {}).items() if key not in plan["tags_to_unset"]}
    tags.update(plan["tags_to_set"])
    description = plan["description"] if plan["description"] is not None else before.get("description")
    kms_key_id = plan["kms_key_id"] if plan["kms_key_id"] is not None else before.get("kms_key_id")
    return {
        "name": plan["name"],
        "arn": before.get("arn"),
        "description": description,
        "kms_key_id": kms_key_id,
        "tags": tags,
        "scheduled_for_deletion": False,
    }


def diff_entry(state: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The part of a secret's metadata shown by ``--diff``."""
    if state is None:
        return None
    return {
        "description": state.get("description"),
        "kms_key_id": state.get("kms_key_id"),
        "tags": dict(sorted((state.get("tags") or {}).items())),
        "scheduled_for_deletion": bool(state.get("scheduled_for_deletion")),
    }


def result_entry(state: Mapping[str, Any], plan: Mapping[str, Any]) -> dict[str, Any]:
    """One element of the module's ``secrets`` result."""
    changes = list(plan["changes"])
    return {
        "name": state["name"],
        "arn": state.get("arn"),
        "description": state.get("description"),
        "kms_key_id": state.get("kms_key_id"),
        "tags": dict(state.get("tags") or {}),
        "created": "create" in changes,
        "restored": "restore" in changes,
        "updated": any(
            change in changes for change in ("restore", "description", "kms_key_id", "tags", "resource_policy")
        ),
        "deleted": "delete" in changes,
        "changes": changes,
    }
