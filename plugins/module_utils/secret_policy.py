# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Resource policies of Secrets Manager secrets: the pure part (no boto3, no AnsibleModule) of
``secretsmanager_secrets``' ``resource_policy`` / ``resource_policy_principals`` options and of the aws_secrets
role's ``secrets_policy_*`` filters.

* :func:`deny_all_but` builds the ONE statement Prowler's ``secretsmanager_has_restrictive_resource_policy``
  accepts: ``Deny`` for ``Principal: *``, ``Action: secretsmanager:*``, ``Resource: *`` unless the caller's
  ``aws:PrincipalArn`` is one of a list of exact IAM role / user ARNs (``StringNotEquals``). A condition key on the
  principal's ARN - not a ``Principal`` element - so the policy can name roles that do not exist yet (IAM turns
  ``Principal`` ARNs into unique ids and refuses unknown ones), and a role deleted and made again with the same
  path and name gets its access back.
* :func:`normalize_policy` / :func:`policies_equal` compare a wanted policy with GetResourcePolicy's answer;
* :func:`caller_principal` maps sts:GetCallerIdentity's ARN to the caller's ``aws:PrincipalArn``;
* :func:`lockout_problems` refuses a policy that would deny the identity applying it;
* :func:`principal_arn_problems`, :func:`platform_principals`, :func:`policy_input_problems` are the role's input
  checks and the list of the platform's principals (pod identity roles, admin access roles, the inventory's own).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.list_entries import type_name

#: Sid of the statement :func:`deny_all_but` builds.
DENY_SID = "DenyOutsidePlatformPrincipals"
#: Secrets Manager's limit on a resource policy (characters).
POLICY_MAX = 20480
#: ``{field}`` substitutions of principal ARNs (from sts:GetCallerIdentity).
FIELDS = ("partition", "account_id")
_SUBSTITUTION = re.compile(r"(?<!\$)\{(partition|account_id)\}")
#: An IAM role or user ARN, exactly (what StringNotEquals compares and Prowler's pattern accepts): a path of
#: printable characters, a name of IAM's characters, no wildcard.
_PATH = r"(?:[\x21-\x29\x2b-\x2e\x30-\x3e\x40-\x7e]+/)*"
PRINCIPAL_ARN = re.compile(rf"^arn:(aws[a-z-]*):iam::(\d{{12}}):(role|user)/{_PATH}[\w+=,.@-]{{1,64}}$", re.ASCII)
#: The same with ``{partition}`` / ``{account_id}`` allowed (inventory values, before substitution).
PRINCIPAL_TEMPLATE = re.compile(
    rf"^arn:(aws[a-z-]*|\{{partition\}}):iam::(\d{{12}}|\{{account_id\}}):(role|user)/{_PATH}[\w+=,.@-]{{1,64}}$",
    re.ASCII,
)
_STS = re.compile(r"^arn:(?P<partition>aws[a-z-]*):sts::(?P<account>\d{12}):(?P<kind>[a-z-]+)/(?P<rest>.+)$")
_IAM = re.compile(r"^arn:(?P<partition>aws[a-z-]*):iam::(?P<account>\d{12}):(?P<rest>.+)$")
#: What the module calls on a secret: a Deny matching one of these would lock its operator out.
MODULE_ACTIONS = (
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetResourcePolicy",
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:UpdateSecret",
    "secretsmanager:TagResource",
)
#: EKS access policies whose roles are the platform's administrators (aws_eks_access entries).
ADMIN_ACCESS_POLICIES = ("AmazonEKSClusterAdminPolicy",)
#: IAM paths (aws_eks_pod_identity / aws_eks_access): / or /<segments>/.
IAM_PATH = re.compile(r"^/(?:[\x21-\x2e\x30-\x7e]+/)*$")
#: Stand-ins while validating (no AWS call then): same length as the real values.
STAND_IN = {"partition": "aws", "account_id": "000000000000"}


# --- building and comparing ------------------------------------------------------------------------------------


def substitute(text: str, context: Mapping[str, str]) -> str:
    """``text`` with ``{partition}`` and ``{account_id}`` replaced (``${aws:...}`` policy variables are kept)."""
    return _SUBSTITUTION.sub(lambda m: str(context[m.group(1)]), text)


def substitute_any(value: Any, context: Mapping[str, str]) -> Any:
    """:func:`substitute` through a policy document (keys and values)."""
    if isinstance(value, str):
        return substitute(value, context)
    if isinstance(value, Mapping):
        return {substitute(str(k), context): substitute_any(v, context) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [substitute_any(v, context) for v in value]
    return value


def deny_all_but(principals: Iterable[str]) -> dict[str, Any]:
    """The policy that denies every Secrets Manager action on the secret to every principal whose
    ``aws:PrincipalArn`` is not one of ``principals`` (sorted, each once)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": DENY_SID,
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalArn": sorted(set(principals))}},
            }
        ],
    }


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _normalize_value(value: Any) -> Any:
    """Lists sorted, each item once, a one-item list as its item; scalars as IAM compares them (strings)."""
    if isinstance(value, Mapping):
        return {str(k): _normalize_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = {_canonical(_normalize_value(v)): _normalize_value(v) for v in value}
        ordered = [items[key] for key in sorted(items)]
        return ordered[0] if len(ordered) == 1 else ordered
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _normalize_statement(statement: Any) -> Any:
    if not isinstance(statement, Mapping):
        return _normalize_value(statement)
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key in ("Principal", "NotPrincipal"):
            value = _normalize_value(value)
            # "*" and {"AWS": "*"} are the same principal (everyone)
            out[key] = "*" if value == {"AWS": "*"} else value
        elif key == "Condition" and isinstance(value, Mapping):
            # condition keys are case-insensitive (aws:PrincipalArn = aws:principalarn); operators are not
            out[key] = {
                str(op): (
                    {str(k).lower(): _normalize_value(v) for k, v in keys.items()}
                    if isinstance(keys, Mapping)
                    else _normalize_value(keys)
                )
                for op, keys in value.items()
            }
        else:
            out[key] = _normalize_value(value)
    return out


def normalize_policy(policy: str | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A policy (JSON text as GetResourcePolicy returns it, or a dict) in one canonical form: statements as a
    sorted list, lists sorted and without duplicates, a one-item list as its item, ``{"AWS": "*"}`` as ``"*"``,
    condition keys in lower case. ``None`` (or an empty answer) when there is no policy."""
    if policy is None or (isinstance(policy, str) and not policy.strip()):
        return None
    document = json.loads(policy) if isinstance(policy, str) else policy
    if not isinstance(document, Mapping):
        raise ValueError("a policy must be a JSON object")
    out: dict[str, Any] = {}
    for key, value in document.items():
        if key == "Statement":
            statements = value if isinstance(value, list) else [value]
            normalized = [_normalize_statement(s) for s in statements]
            out[key] = sorted(normalized, key=_canonical)
        else:
            out[str(key)] = _normalize_value(value)
    return out


def policies_equal(current: str | Mapping[str, Any] | None, wanted: str | Mapping[str, Any] | None) -> bool:
    return normalize_policy(current) == normalize_policy(wanted)


def plan_policy(current: Any, wanted: Mapping[str, Any] | None, purge: bool) -> str | None:
    """``put`` (wanted differs from current), ``delete`` (no policy wanted, one exists, ``purge``) or None."""
    if wanted is not None:
        return None if policies_equal(current, wanted) else "put"
    if purge and normalize_policy(current) is not None:
        return "delete"
    return None


def policy_text(policy: Mapping[str, Any]) -> str:
    """The JSON PutResourcePolicy receives (compact, keys in a stable order)."""
    return json.dumps(policy, sort_keys=True, separators=(",", ":"))


# --- the caller ------------------------------------------------------------------------------------------------


def caller_principal(identity_arn: str, role_arn: Callable[[str], str]) -> tuple[str, str]:
    """The caller's ``aws:PrincipalArn`` and its kind (``role``, ``user``, ``root``, ``federated-user`` or
    ``unknown``) from sts:GetCallerIdentity's ``Arn``.

    An assumed-role session ``arn:aws:sts::A:assumed-role/NAME/SESSION`` is the role's ARN WITH its path, which
    the session ARN leaves out: ``role_arn(NAME)`` reads it (iam:GetRole; SSO roles live under
    ``/aws-reserved/sso.amazonaws.com/...``). An IAM user is its own ARN. moto answers
    ``arn:aws:sts::A:user/moto`` for credentials it does not know (AWS answers ``arn:aws:iam::A:user/NAME``):
    read as that IAM user."""
    text = str(identity_arn or "")
    sts = _STS.match(text)
    if sts:
        kind, rest = sts["kind"], sts["rest"]
        if kind == "assumed-role":
            return role_arn(rest.split("/", 1)[0]), "role"
        if kind == "user":
            return f"arn:{sts['partition']}:iam::{sts['account']}:user/{rest}", "user"
        if kind == "federated-user":
            return text, "federated-user"
        return text, "unknown"
    iam = _IAM.match(text)
    if iam:
        if iam["rest"] == "root":
            return text, "root"
        if iam["rest"].startswith("user/"):
            return text, "user"
        if iam["rest"].startswith("role/"):
            return text, "role"
    return text, "unknown"


def caller_problem(principal: str, kind: str, option: str, inventory_hint: str = "") -> str | None:
    """Why the caller cannot be added to a policy of exact role / user ARNs (None when it can)."""
    if kind in ("role", "user") and PRINCIPAL_ARN.match(principal):
        return None
    hint = f" ({inventory_hint})" if inventory_hint else ""
    what = {
        "root": "the account root user",
        "federated-user": "a federated user session (sts:GetFederationToken)",
    }.get(kind, "not an IAM role or user")
    return (
        f"{option}: this run's identity {principal} is {what}; the policy only exempts exact IAM role and user ARNs "
        f"(Prowler's secretsmanager_has_restrictive_resource_policy refuses the others), so it would lock this run "
        f"out. Run as an IAM role or user and list its ARN in {option}{hint}"
    )


# --- lock-out check ---------------------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _wildcard(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """IAM's ``*`` / ``?`` matching (no other special character)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.S | (re.I if ignore_case else 0)) is not None


def _condition_holds(operator: str, key: str, values: Any, caller: str) -> bool | None:
    """Whether one condition (operator, key, values) is true for a request by ``caller`` (an IAM principal, so
    aws:PrincipalArn is present and aws:PrincipalServiceName absent); None when it cannot be told here."""
    if operator.startswith(("ForAnyValue:", "ForAllValues:")):
        return None
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    values = [str(v) for v in _as_list(values)]
    if key == "aws:principalarn":
        if base == "Null":
            return all(v.lower() == "false" for v in values)
        ignore_case = base.endswith("IgnoreCase")
        core = base[: -len("IgnoreCase")] if ignore_case else base
        negated = core in ("StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike")
        positive = core.replace("Not", "", 1) if negated else core
        if positive in ("StringEquals",):
            match = any((v.lower() == caller.lower()) if ignore_case else v == caller for v in values)
        elif positive in ("StringLike", "ArnEquals", "ArnLike"):
            match = any(_wildcard(v, caller, ignore_case) for v in values)
        else:
            return None
        return not match if negated else match
    if key == "aws:principalservicename":
        if base == "Null":
            return all(v.lower() == "true" for v in values)
        return True if if_exists else None
    return None


def _statement_denies(statement: Mapping[str, Any], caller: str) -> bool | None:
    """True when the Deny statement applies to ``caller`` for an action this module calls, False when it does
    not, None when it cannot be told (NotPrincipal, NotAction, conditions on other keys)."""
    if "NotPrincipal" in statement or "NotAction" in statement:
        return None
    principal = statement.get("Principal")
    if principal == "*":
        everyone = True
        named: list[str] = []
    elif isinstance(principal, Mapping):
        named = [str(p) for p in _as_list(principal.get("AWS"))]
        everyone = "*" in named
    else:
        return False
    if not everyone and caller not in named:
        return False
    actions = [str(a) for a in _as_list(statement.get("Action"))]
    if not any(_wildcard(a, m, ignore_case=True) for a in actions for m in MODULE_ACTIONS):
        return False
    results = []
    for operator, keys in (statement.get("Condition") or {}).items():
        if not isinstance(keys, Mapping):
            return None
        for key, values in keys.items():
            results.append(_condition_holds(str(operator), str(key).lower(), values, caller))
    if any(r is False for r in results):
        return False  # conditions are ANDed: one that is false for the caller exempts it
    if any(r is None for r in results):
        return None
    return True


def lockout_problems(policy: Mapping[str, Any], caller: str, option: str, inventory_hint: str = "") -> list[str]:
    """The statements of ``policy`` that would deny ``caller`` (this run's ``aws:PrincipalArn``) an action the
    module needs: an explicit Deny for every principal (or for the caller) with no condition that exempts it.
    Statements conditioned on keys other than aws:PrincipalArn / aws:PrincipalServiceName are not judged."""
    problems = []
    statements = policy.get("Statement")
    for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Deny":
            continue
        if _statement_denies(statement, caller):
            name = statement.get("Sid") or f"#{index}"
            hint = f" ({inventory_hint})" if inventory_hint else ""
            problems.append(
                f"{option}: statement {name} denies this run's identity {caller} (sts:GetCallerIdentity) and would "
                f"lock it out of the secrets; add {caller} to the statement's aws:PrincipalArn exceptions{hint}"
            )
    return problems


# --- inputs -----------------------------------------------------------------------------------------------------


def document_problems(policy: Any, option: str) -> list[str]:
    """The shape of a policy document given as an option: a dict with ``Statement`` (a statement or a list of
    them), each a dict with ``Effect`` Allow or Deny."""
    if not isinstance(policy, Mapping):
        return [f"{option}: must be a policy document (a dict with Version and Statement)"]
    statements = policy.get("Statement")
    if statements is None:
        return [f"{option}: has no Statement"]
    problems = []
    for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
        if not isinstance(statement, Mapping):
            problems.append(f"{option}.Statement[{index}]: must be a dict")
        elif statement.get("Effect") not in ("Allow", "Deny"):
            problems.append(f"{option}.Statement[{index}].Effect: must be Allow or Deny")
    return problems


def principal_arn_problems(arns: Any, label: str, templates: bool = True) -> list[str]:
    """Each item is an exact IAM role or user ARN (``{partition}`` / ``{account_id}`` allowed with
    ``templates``), never a wildcard or the account root."""
    if arns is None:
        return []
    if not isinstance(arns, (list, tuple)):
        return [f"{label}: must be a list of IAM role or user ARNs (got {type_name(arns)})"]
    pattern = PRINCIPAL_TEMPLATE if templates else PRINCIPAL_ARN
    problems = []
    for index, arn in enumerate(arns):
        where = f"{label}[{index}]"
        text = arn if isinstance(arn, str) else ""
        if pattern.match(text):
            continue
        if text.endswith(":root"):
            why = (
                "the account root is not an exception: Prowler's secretsmanager_has_restrictive_resource_policy only "
                "accepts role and user ARNs; list a break-glass role instead"
            )
        elif "*" in text or "?" in text:
            why = "no wildcard: StringNotEquals on aws:PrincipalArn compares exact ARNs"
        else:
            why = "expected arn:<partition>:iam::<12-digit account>:role/<path/>name (or user/...)"
            if templates:
                why += "; {partition} and {account_id} are substituted from the caller"
        problems.append(f"{where}: {arn!r} is not an IAM role or user ARN ({why})")
    return problems


def _uses_secrets(entry: Mapping[str, Any]) -> bool:
    """Whether a pod identity entry is meant to reach Secrets Manager: an Allow statement with a secretsmanager
    action or a ``secret:`` / ``rds_secrets`` / secretsmanager ARN resource, or a managed policy named after
    Secrets Manager (``SecretsManagerReadWrite``)."""
    for statement in entry.get("statements") or []:
        if not isinstance(statement, Mapping) or str(statement.get("effect") or "Allow") != "Allow":
            continue
        actions = [str(a).lower() for a in _as_list(statement.get("actions"))]
        if any(a.startswith("secretsmanager:") or a == "*" for a in actions):
            return True
        for resource in _as_list(statement.get("resources")):
            text = str(resource).strip()
            if text == "rds_secrets" or text.startswith("secret:") or ":secretsmanager:" in text:
                return True
    return any("secretsmanager" in str(p).lower() for p in _as_list(entry.get("managed_policies")))


def _named(entry: Any) -> bool:
    return (
        isinstance(entry, Mapping)
        and (entry.get("suffix") is None) != (entry.get("name") is None)
        and bool(str(entry.get("suffix") if entry.get("suffix") is not None else entry.get("name")).strip())
    )


def _role(path: str, name: str) -> str:
    return f"arn:{{partition}}:iam::{{account_id}}:role{path}{name}"


def platform_principals(
    pod_identities: Any,
    eks_access: Any,
    allowed: Any,
    name_prefix: str,
    pod_identity_role_path: str = "/pod-identity/",
    access_role_path: str = "/",
    admin_policies: Sequence[str] = ADMIN_ACCESS_POLICIES,
) -> list[str]:
    """The ``aws:PrincipalArn`` exceptions of the platform's secrets, as ARN templates (``{partition}``,
    ``{account_id}``), sorted, each once:

    * the role of every enabled ``platform_eks_pod_identities`` entry that uses Secrets Manager
      (:func:`_uses_secrets`): ``role<pod_identity_role_path><prefix>-<suffix>-pod-identity`` (or its ``name``),
      as aws_eks_pod_identity names it;
    * the role of every ``platform_eks_access`` entry whose policy is one of ``admin_policies``:
      ``role<access_role_path><prefix>-eks-<suffix>`` (or its ``name``), as aws_eks_access names it;
    * ``allowed`` as given (break-glass, CI, audit roles).

    Entries that are not valid (checked by their own roles) are skipped."""
    out: set[str] = set()
    for entry in pod_identities if isinstance(pod_identities, (list, tuple)) else []:
        if _named(entry) and entry.get("enabled", True) is not False and _uses_secrets(entry):
            name = entry["name"] if entry.get("name") is not None else f"{name_prefix}-{entry['suffix']}-pod-identity"
            out.add(_role(pod_identity_role_path, str(name)))
    admin = {str(p).rsplit("/", 1)[-1] for p in admin_policies}
    for entry in eks_access if isinstance(eks_access, (list, tuple)) else []:
        if _named(entry) and str(entry.get("policy") or "").rsplit("/", 1)[-1] in admin:
            name = entry["name"] if entry.get("name") is not None else f"{name_prefix}-eks-{entry['suffix']}"
            out.add(_role(access_role_path, str(name)))
    for arn in allowed if isinstance(allowed, (list, tuple)) else []:
        if isinstance(arn, str) and arn.strip():
            out.add(arn.strip())
    return sorted(out)


def policy_input_problems(
    allowed: Any,
    *,
    enabled: Any = True,
    principals: Sequence[str] = (),
    pod_identity_role_path: Any = "/pod-identity/",
    access_role_path: Any = "/",
    labels: Mapping[str, str] | None = None,
) -> list[str]:
    """The role's policy inputs: the switch is a boolean, the allowed principals are exact role / user ARNs, the
    two role paths are IAM paths, and the policy with every principal (and a caller) fits Secrets Manager's
    20,480 characters."""
    names = {
        "enabled": "aws_secrets_resource_policy",
        "allowed": "platform_secrets_allowed_principal_arns",
        "pod_identity_role_path": "aws_secrets_pod_identity_role_path",
        "access_role_path": "aws_secrets_eks_access_role_path",
        "policy": "the resource policy",
        **(labels or {}),
    }
    problems = []
    if not isinstance(enabled, bool):
        problems.append(f"{names['enabled']}: must be true or false (got {enabled!r})")
    problems += principal_arn_problems(allowed, names["allowed"])
    for key, path in (("pod_identity_role_path", pod_identity_role_path), ("access_role_path", access_role_path)):
        if not isinstance(path, str) or len(path) > 512 or not IAM_PATH.match(path):
            problems.append(f"{names[key]}: {path!r} must be an IAM path, / or /<name>/ (e.g. /pod-identity/)")
    caller = "arn:aws:iam::000000000000:role/" + "c" * 64  # room for this run's identity
    policy = substitute_any(deny_all_but([*principals, caller]), STAND_IN)
    size = len(policy_text(policy))
    if size > POLICY_MAX:
        problems.append(
            f"{names['policy']}: {len(principals)} principals make a policy of about {size} characters, over Secrets "
            f"Manager's {POLICY_MAX}; list fewer in {names['allowed']}"
        )
    return problems
