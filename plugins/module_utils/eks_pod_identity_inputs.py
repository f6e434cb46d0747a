# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""EKS Pod Identity list entries (``platform_eks_pod_identities``, and the ``pod_identity`` of an add-on entry):
validation, the IAM role of each entry (name, trust, tags, managed policies, ONE inline policy) and the
resource placeholders its statements use.

An entry's statements name the platform's own resources, never ``*`` where an ARN is known. A resource is one
of:

* ``*`` - only for actions without resource-level ARNs. Refused when an action's service is one of
  :data:`SCOPED_SERVICES` (s3, secretsmanager, kms, ssm, eks), except the account-level actions of
  :data:`ACCOUNT_LEVEL_ACTIONS` (``secretsmanager:ListSecrets``, ``s3:ListAllMyBuckets``, ...), which IAM only
  accepts on ``*``.
* an ARN (``arn:...``), taken as it is after ``{field}`` substitution;
* a placeholder the role resolves (:data:`PLACEHOLDERS`): ``secret:<name pattern>``, ``rds_secrets``,
  ``ssm:<parameter path>``, ``bucket:<platform_s3_buckets entry>`` (the bucket and its objects), ``kms_key``
  (the foundation key found by its alias), ``cluster``, ``cluster_nodegroups``.

``{field}`` substitutions (:data:`FIELDS`), in ARNs, placeholder arguments, condition keys and values and
managed policy ARNs: ``{partition}``, ``{region}``, ``{account_id}``, ``{platform_name}``, ``{secret_prefix}``,
``{cluster_name}``. IAM policy variables (``${aws:username}``) are left alone.

An ARN of a scoped service that names all of that service's resources (``arn:aws:s3:::*``,
``...:secret:*``, ``...:key/*``, ``...:parameter/*``) is refused like ``*``.

Pure functions (no Ansible, no boto3): the filters (plugins/filter/eks_pod_identity.py,
plugins/filter/eks_addons.py) and the unit tests import them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.foundation_lists import s3_bucket_name
from ansible_collections.cloudops.eks_platform.plugins.module_utils.list_entries import (
    derived_name,
    duplicate_problems,
    entry_problems,
    field_label,
    is_text,
    naming_field,
    naming_ok,
    refers_to,
)

#: IAM path of every pod identity role.
ROLE_PATH = "/pod-identity/"
#: IAM role names: at most 64 characters of letters, digits and +=,.@_-.
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
#: The trust policy EKS Pod Identity needs (the agent assumes the role and tags the session).
TRUST_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }
    ],
}


def trust_policy(account_id: Any) -> dict[str, Any]:
    """:data:`TRUST_POLICY` limited to requests EKS makes on behalf of this account (``aws:SourceAccount``): the
    cross-service confused-deputy guard IAM recommends for service principals (Prowler
    ``iam_role_cross_service_confused_deputy_prevention``). Without a known account id: the bare policy."""
    if not account_id:
        return TRUST_POLICY
    statement = {**TRUST_POLICY["Statement"][0], "Condition": {"StringEquals": {"aws:SourceAccount": str(account_id)}}}
    return {"Version": TRUST_POLICY["Version"], "Statement": [statement]}
#: Fields of a platform_eks_pod_identities entry (besides suffix / name).
ENTRY_FIELDS = ("namespace", "service_account", "managed_policies", "statements", "enabled", "tags")
#: Fields of an add-on entry's pod_identity.
ADDON_POD_IDENTITY_FIELDS = ("service_account", "managed_policies", "statements")
STATEMENT_FIELDS = ("sid", "effect", "actions", "resources", "conditions")
#: The {field} substitutions.
FIELDS = ("partition", "region", "account_id", "platform_name", "secret_prefix", "cluster_name")
#: Services whose resources this platform knows the ARNs of: "*" is refused for their actions.
SCOPED_SERVICES = ("s3", "secretsmanager", "kms", "ssm", "eks")
#: Actions of those services that IAM only authorizes on "*" (no resource-level permission), lower case.
ACCOUNT_LEVEL_ACTIONS = frozenset(
    {
        "s3:listallmybuckets",
        "secretsmanager:listsecrets",
        "secretsmanager:getrandompassword",
        "secretsmanager:batchgetsecretvalue",
        "kms:listkeys",
        "kms:listaliases",
        "kms:generaterandom",
        "ssm:describeparameters",
        "eks:listclusters",
        "eks:describeaddonversions",
        "eks:describeaddonconfiguration",
        "eks:listaccesspolicies",
    }
)
#: Resource placeholders: name -> (takes an argument, what it stands for).
PLACEHOLDERS: dict[str, tuple[bool, str]] = {
    "secret": (True, "arn:{partition}:secretsmanager:{region}:{account_id}:secret:<pattern>"),
    "rds_secrets": (False, "arn:{partition}:secretsmanager:{region}:{account_id}:secret:rds!* (RDS-managed secrets)"),
    "ssm": (True, "arn:{partition}:ssm:{region}:{account_id}:parameter/<path>"),
    "bucket": (True, "the bucket of a platform_s3_buckets entry (by suffix or name) and its objects"),
    "kms_key": (False, "the foundation KMS key (found by platform_kms_alias)"),
    "cluster": (False, "arn:{partition}:eks:{region}:{account_id}:cluster/{cluster_name}"),
    "cluster_nodegroups": (False, "arn:{partition}:eks:{region}:{account_id}:nodegroup/{cluster_name}/*/*"),
}
#: AWS managed policies that live under a path (a bare name is arn:<partition>:iam::aws:policy/<name>).
AWS_POLICY_PATHS = {
    "AmazonEBSCSIDriverPolicy": "service-role/",
    "AmazonEFSCSIDriverPolicy": "service-role/",
}
#: IAM's limit on a role's inline policies (characters, whitespace not counted).
INLINE_POLICY_MAX = 10240
#: Stand-ins while validating (no AWS call then): same shape and length as the real values.
STAND_IN = {"partition": "aws", "account_id": "000000000000"}
#: The region of the ARNs built for validation when the context has none (an empty or unset platform_region is
#: reported by the network role's checks, once; the pod identity checks say nothing about it).
STAND_IN_REGION = "us-east-1"
STAND_IN_KEY = "arn:aws:kms:{region}:000000000000:key/00000000-0000-0000-0000-000000000000"

_SUBSTITUTION = re.compile(r"(?<!\$)\{([^{}]*)\}")
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$")
_SID = re.compile(r"^[A-Za-z0-9]*$")
_ARN = re.compile(r"^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:(\d{12}|aws)?:.+$")
_POLICY_ARN = re.compile(r"^arn:[a-z-]+:iam::(\d{12}|aws):policy/([\w+=,.@-]+/)*[\w+=,.@-]+$", re.ASCII)
_POLICY_NAME = re.compile(r"^([\w+=,.@-]+/)*[\w+=,.@-]{1,128}$", re.ASCII)
_PLACEHOLDER = re.compile(r"^([a-z_]+)(?::(.*))?$", re.S)
_CONDITION = re.compile(
    r"^(ForAllValues:|ForAnyValue:)?(StringEquals|StringNotEquals|StringEqualsIgnoreCase|StringNotEqualsIgnoreCase"
    r"|StringLike|StringNotLike|NumericEquals|NumericNotEquals|NumericLessThan|NumericLessThanEquals"
    r"|NumericGreaterThan|NumericGreaterThanEquals|DateEquals|DateNotEquals|DateLessThan|DateLessThanEquals"
    r"|DateGreaterThan|DateGreaterThanEquals|Bool|BinaryEquals|IpAddress|NotIpAddress|ArnEquals|ArnLike"
    r"|ArnNotEquals|ArnNotLike|Null)(IfExists)?$"
)
# Kubernetes names (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/)
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL = re.compile(rf"^{_LABEL}$")
DNS1123_SUBDOMAIN = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
#: Any resource of a service: the resource part is only a type and a wildcard.
_ALL_OF_SERVICE = re.compile(r"^([A-Za-z-]+[/:])?\*(/\*)?$")


class PlaceholderError(ValueError):
    """A resource, condition or policy the context cannot resolve; the message says why."""


# --- names -----------------------------------------------------------------------------------------------------


def role_name(entry: Mapping[str, Any], prefix: str) -> str:
    """``name`` as given, or ``<prefix>-<suffix>-pod-identity``."""
    return derived_name(entry, lambda suffix: f"{prefix}-{suffix}-pod-identity")


def addon_role_name(addon_name: str, prefix: str) -> str:
    """The pod identity role of an add-on: ``<prefix>-<add-on name>-pod-identity``."""
    return f"{prefix}-{addon_name}-pod-identity"


def role_arn(name: str, context: Mapping[str, Any], path: str = ROLE_PATH) -> str:
    return f"arn:{context['partition']}:iam::{context['account_id']}:role{path}{name}"


# --- substitutions and placeholders -----------------------------------------------------------------------------


def substitute(text: str, context: Mapping[str, Any]) -> str:
    """``text`` with every ``{field}`` replaced from ``context``; ``${...}`` (IAM policy variables) is kept."""

    def one(match: re.Match[str]) -> str:
        field = match.group(1)
        if field not in FIELDS:
            raise PlaceholderError(f"unknown substitution {{{field}}} (allowed: {', '.join(FIELDS)})")
        value = context.get(field)
        if value in (None, ""):
            raise PlaceholderError(f"{{{field}}} has no value here")
        return str(value)

    return _SUBSTITUTION.sub(one, text)


def _arn(service: str, resource: str, context: Mapping[str, Any], regional: bool = True) -> str:
    region = context["region"] if regional else ""
    account = context["account_id"] if regional else ""
    return f"arn:{context['partition']}:{service}:{region}:{account}:{resource}"


def _bucket(reference: str, context: Mapping[str, Any]) -> list[str]:
    buckets = context.get("buckets") or []
    entry = next((b for b in buckets if refers_to(b, reference)), None)
    if entry is None or not naming_ok(entry):
        known = [str(b.get("suffix") or b.get("name")) for b in buckets if isinstance(b, Mapping)]
        raise PlaceholderError(
            f"bucket:{reference} names no entry of platform_s3_buckets (by suffix or name; "
            f"entries: {', '.join(known) or 'none'})"
        )
    name = s3_bucket_name(
        entry, str(context.get("bucket_prefix") or context.get("platform_name")), str(context["account_id"])
    )
    arn = f"arn:{context['partition']}:s3:::{name}"
    return [arn, f"{arn}/*"]


def expand_resource(resource: Any, context: Mapping[str, Any]) -> list[str]:
    """The ARNs (or ``*``) a statement resource stands for. Raises :class:`PlaceholderError`."""
    if not is_text(resource):
        raise PlaceholderError(f"must be a non-empty string (got {resource!r})")
    text = str(resource).strip()
    if text == "*":
        return ["*"]
    if text.startswith("arn:"):
        arn = substitute(text, context)
        if not _ARN.match(arn):
            raise PlaceholderError(f"{text!r} is not an ARN (arn:<partition>:<service>:<region>:<account>:<resource>)")
        return [arn]
    match = _PLACEHOLDER.match(text)
    kind = match.group(1) if match else None
    if kind not in PLACEHOLDERS:
        raise PlaceholderError(f"{text!r} is neither '*', an ARN nor a placeholder ({', '.join(_placeholder_forms())})")
    argument = match.group(2) if match else None
    takes_argument = PLACEHOLDERS[kind][0]
    if takes_argument and not (argument or "").strip():
        raise PlaceholderError(f"{kind} needs an argument: {kind}:<...> ({PLACEHOLDERS[kind][1]})")
    if not takes_argument and argument is not None:
        raise PlaceholderError(f"{kind} takes no argument ({PLACEHOLDERS[kind][1]})")
    argument = substitute(argument.strip(), context) if argument is not None else ""
    if kind == "secret":
        return [_arn("secretsmanager", f"secret:{argument}", context)]
    if kind == "rds_secrets":
        return [_arn("secretsmanager", "secret:rds!*", context)]
    if kind == "ssm":
        return [_arn("ssm", f"parameter/{argument.lstrip('/')}", context)]
    if kind == "bucket":
        return _bucket(argument, context)
    if kind == "kms_key":
        key = context.get("kms_key_arn")
        if not key:
            raise PlaceholderError("kms_key: the foundation KMS key is not known (platform_kms_alias)")
        return [str(key)]
    cluster = context.get("cluster_name")
    if kind == "cluster":
        return [_arn("eks", f"cluster/{cluster}", context)]
    return [_arn("eks", f"nodegroup/{cluster}/*/*", context)]


def _placeholder_forms() -> list[str]:
    return [f"{name}:<...>" if arg else name for name, (arg, _) in PLACEHOLDERS.items()]


def references(statements: Any, kind: str) -> bool:
    """Whether any resource of the statements uses the placeholder ``kind`` (e.g. kms_key)."""
    for statement in statements or []:
        if not isinstance(statement, Mapping):
            continue
        for resource in statement.get("resources") or []:
            if isinstance(resource, str) and (resource.strip() == kind or resource.strip().startswith(kind + ":")):
                return True
    return False


def managed_policy_arn(policy: Any, context: Mapping[str, Any]) -> str:
    """A managed policy, given as an ARN (``{field}`` substituted) or as the name of an AWS managed policy
    (``ElasticLoadBalancingFullAccess`` -> ``arn:<partition>:iam::aws:policy/ElasticLoadBalancingFullAccess``; a
    name may carry its path, ``service-role/X``; the few AWS policies under a path are known by name)."""
    if not is_text(policy):
        raise PlaceholderError(f"must be a policy name or ARN (got {policy!r})")
    text = str(policy).strip()
    if text.startswith("arn:"):
        arn = substitute(text, context)
        if not _POLICY_ARN.match(arn):
            raise PlaceholderError(
                f"{text!r} is not a managed policy ARN (arn:<partition>:iam::<account|aws>:policy/...)"
            )
        return arn
    if not _POLICY_NAME.match(text):
        raise PlaceholderError(f"{text!r} is not a managed policy name (letters, digits, +=,.@_- and an optional path)")
    return f"arn:{context['partition']}:iam::aws:policy/{AWS_POLICY_PATHS.get(text, '')}{text}"


def _substitute_any(value: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return substitute(value, context)
    if isinstance(value, Mapping):
        return {substitute(str(k), context): _substitute_any(v, context) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_substitute_any(v, context) for v in value]
    return value


def _service(action: str) -> str:
    return action.split(":", 1)[0].lower()


def policy_statement(statement: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """One IAM statement from an entry's statement (resources expanded, duplicates dropped)."""
    resources: list[str] = []
    for resource in statement.get("resources") or []:
        for arn in expand_resource(resource, context):
            if arn not in resources:
                resources.append(arn)
    out: dict[str, Any] = {}
    if statement.get("sid"):
        out["Sid"] = str(statement["sid"])
    out["Effect"] = statement.get("effect") or "Allow"
    out["Action"] = [str(a) for a in statement.get("actions") or []]
    out["Resource"] = resources
    if statement.get("conditions"):
        out["Condition"] = _substitute_any(dict(statement["conditions"]), context)
    return out


def policy_document(statements: Any, context: Mapping[str, Any]) -> dict[str, Any] | None:
    """The inline policy of an entry (None without statements)."""
    if not statements:
        return None
    return {"Version": "2012-10-17", "Statement": [policy_statement(s, context) for s in statements]}


# --- validation --------------------------------------------------------------------------------------------------


def validation_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """The context with stand-ins for what is only known at run time (account, partition, key ARN) and for a
    region left empty (reported elsewhere)."""
    out = {**STAND_IN, **{k: v for k, v in context.items() if v not in (None, "")}}
    out["partition"], out["account_id"] = STAND_IN["partition"], STAND_IN["account_id"]
    if not isinstance(out.get("region"), str) or not out["region"].strip():
        out["region"] = STAND_IN_REGION
    out["kms_key_arn"] = STAND_IN_KEY.format(region=out["region"])
    return out


def _condition_problems(conditions: Any, label: str, context: Mapping[str, Any]) -> list[str]:
    if not isinstance(conditions, Mapping) or not conditions:
        return [
            f"{label}: must be a dict of IAM condition operators, e.g. "
            "{StringEquals: {'aws:ResourceTag/<key>': <value>}}"
        ]
    problems: list[str] = []
    for operator, tests in conditions.items():
        if not _CONDITION.match(str(operator)):
            problems.append(
                f"{label}.{operator}: not an IAM condition operator (StringEquals, StringLike, ArnLike, "
                "Bool, Null, ... with an optional IfExists / ForAnyValue: / ForAllValues:)"
            )
            continue
        if not isinstance(tests, Mapping) or not tests:
            problems.append(f"{label}.{operator}: must be a dict of condition key -> value or list of values")
            continue
        for key, value in tests.items():
            values = value if isinstance(value, list) else [value]
            if not values or not all(isinstance(v, (str, bool, int, float)) for v in values):
                problems.append(f"{label}.{operator}.{key}: must be a value or a list of values")
        try:
            _substitute_any(dict(tests), context)
        except PlaceholderError as exc:
            problems.append(f"{label}.{operator}: {exc}")
    return problems


def _star_problem(actions: Sequence[str], label: str) -> str | None:
    scoped = [a for a in actions if _service(a) in SCOPED_SERVICES and a.lower() not in ACCOUNT_LEVEL_ACTIONS]
    if not scoped:
        return None
    services = sorted({_service(a) for a in scoped})
    return (
        f"{label}: '*' is refused for {', '.join(scoped)} - the ARNs of {', '.join(services)} resources are known "
        "here: name them (secret:{secret_prefix}/*, rds_secrets, ssm:<path>, bucket:<platform_s3_buckets entry>, "
        "kms_key, cluster, cluster_nodegroups or an ARN); '*' is only for actions without resource-level ARNs "
        "(ec2 Describe*, route53 List*, autoscaling Describe*, ...)"
    )


def statement_problems(statement: Any, label: str, context: Mapping[str, Any]) -> list[str]:
    """Problems of one statement, named ``<label>.<field>``; ``context`` as :func:`validation_context` makes it."""
    if not isinstance(statement, Mapping):
        return [f"{label}: must be a dict with actions, resources and optional conditions, effect, sid"]
    problems = [
        f"{label}.{key}: unknown field (allowed: {', '.join(STATEMENT_FIELDS)})"
        for key in sorted(str(k) for k in statement if str(k) not in STATEMENT_FIELDS)
    ]
    actions = statement.get("actions")
    valid_actions: list[str] = []
    if not isinstance(actions, list) or not actions:
        problems.append(f"{label}.actions: must be a non-empty list of IAM actions (service:Action)")
    else:
        for i, action in enumerate(actions):
            if not isinstance(action, str) or not _ACTION.match(action):
                problems.append(
                    f"{label}.actions[{i}]: {action!r} is not an IAM action (service:Action, "
                    "wildcards allowed in the action part)"
                )
            else:
                valid_actions.append(action)
    resources = statement.get("resources")
    if not isinstance(resources, list) or not resources:
        problems.append(f"{label}.resources: must be a non-empty list ('*', ARNs or placeholders)")
    else:
        for i, resource in enumerate(resources):
            where = f"{label}.resources[{i}]"
            try:
                expanded = expand_resource(resource, context)
            except PlaceholderError as exc:
                problems.append(f"{where}: {exc}")
                continue
            if expanded == ["*"]:
                star = _star_problem(valid_actions, where)
                if star:
                    problems.append(star)
                continue
            for arn in expanded:
                parts = arn.split(":", 5)
                if len(parts) == 6 and parts[2] in SCOPED_SERVICES and _ALL_OF_SERVICE.match(parts[5]):
                    problems.append(
                        f"{where}: {arn!r} names every {parts[2]} resource, which is the same as '*' - name this "
                        "platform's own (secret:{secret_prefix}/*, bucket:<entry>, kms_key, ...)"
                    )
    effect = statement.get("effect")
    if effect is not None and effect not in ("Allow", "Deny"):
        problems.append(f"{label}.effect: must be Allow or Deny (got {effect!r})")
    sid = statement.get("sid")
    if sid is not None and (not isinstance(sid, str) or not _SID.match(sid)):
        problems.append(f"{label}.sid: letters and digits only (got {sid!r})")
    if statement.get("conditions") is not None:
        problems += _condition_problems(statement["conditions"], f"{label}.conditions", context)
    return problems


def permissions_problems(entry: Mapping[str, Any], label: str, context: Mapping[str, Any]) -> list[str]:
    """``managed_policies`` and ``statements`` of an entry (or of an add-on's pod_identity), the resolved inline
    policy's size, and that the role gets some permission."""
    problems: list[str] = []
    managed = entry.get("managed_policies")
    if managed is not None and not isinstance(managed, list):
        problems.append(f"{label}.managed_policies: must be a list of managed policy names or ARNs")
    else:
        seen: dict[str, int] = {}
        for i, policy in enumerate(managed or []):
            try:
                arn = managed_policy_arn(policy, context)
            except PlaceholderError as exc:
                problems.append(f"{label}.managed_policies[{i}]: {exc}")
                continue
            if arn in seen:
                problems.append(f"{label}.managed_policies[{i}]: {arn} is already listed as [{seen[arn]}]")
            seen.setdefault(arn, i)
        if len(managed or []) > 20:
            problems.append(f"{label}.managed_policies: {len(managed)} policies, IAM attaches at most 20 to a role")
    statements = entry.get("statements")
    if statements is not None and not isinstance(statements, list):
        problems.append(f"{label}.statements: must be a list of statements ({{actions, resources, conditions?}})")
        statements = None
    found: list[str] = []
    for i, statement in enumerate(statements or []):
        found += statement_problems(statement, f"{label}.statements[{i}]", context)
    problems += found
    if statements and not found:
        size = len(json.dumps(policy_document(statements, context), separators=(",", ":")))
        if size > INLINE_POLICY_MAX:
            problems.append(
                f"{label}.statements: the inline policy is {size} characters, IAM allows "
                f"{INLINE_POLICY_MAX} for a role's inline policies: move actions to managed_policies"
            )
    if not managed and not statements and not problems:
        problems.append(f"{label}: gives neither managed_policies nor statements - the role would have no permission")
    return problems


def pod_identity_problems(
    entries: Any, context: Mapping[str, Any], var: str = "platform_eks_pod_identities"
) -> list[str]:
    """Every problem of the pod identity list (empty = valid), named ``<var>[i].<field>``.

    ``context``: platform_name (role name prefix, or name_prefix), region, secret_prefix, cluster_name, buckets
    (platform_s3_buckets) and bucket_prefix - no AWS value is needed (stand-ins for account and key)."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        return [f"{var}: must be a list of pod identity entries (empty list = none)"]
    ctx = validation_context(context)
    prefix = str(context.get("name_prefix") or context.get("platform_name") or "")
    problems: list[str] = []
    named: list[tuple[int, str, str]] = []
    pairs: list[tuple[int, str, str]] = []
    for index, entry in enumerate(entries):
        problems += entry_problems(entry, var, index, ENTRY_FIELDS)
        if not isinstance(entry, Mapping):
            continue
        label = field_label(var, index)
        if naming_ok(entry):
            field = naming_field(entry)
            name = role_name(entry, prefix)
            if not ROLE_NAME.match(name):
                problems.append(
                    f"{label}.{field}: gives the role name {name!r}, not a valid IAM role name (at most "
                    "64 letters, digits and +=,.@_-)"
                )
            named.append((index, field, name))
        namespace, account = entry.get("namespace"), entry.get("service_account")
        if not isinstance(namespace, str) or len(namespace) > 63 or not DNS1123_LABEL.match(namespace):
            problems.append(
                f"{label}.namespace: {namespace!r} is not a Kubernetes namespace (DNS-1123 label: "
                "lower-case letters, digits and '-', at most 63 characters)"
            )
        if not isinstance(account, str) or len(account) > 253 or not DNS1123_SUBDOMAIN.match(account):
            problems.append(
                f"{label}.service_account: {account!r} is not a Kubernetes service account name (DNS-1123 subdomain)"
            )
        else:
            pairs.append((index, "service_account", f"{namespace}/{account}"))
        if entry.get("enabled") is not None and not isinstance(entry.get("enabled"), bool):
            problems.append(f"{label}.enabled: must be true or false")
        tags = entry.get("tags")
        if tags is not None and not isinstance(tags, Mapping):
            problems.append(f"{label}.tags: must be a dict")
        problems += permissions_problems(entry, label, ctx)
    problems += duplicate_problems(named, var)
    for problem in duplicate_problems(pairs, var):
        problems.append(
            problem.replace("the name", "the service account") + " (EKS allows one association per "
            "namespace and service account)"
        )
    return problems


# --- specs ---------------------------------------------------------------------------------------------------------


def role_spec(
    *,
    name: str,
    entry: Mapping[str, Any],
    context: Mapping[str, Any],
    tags: Mapping[str, Any],
    description: str,
) -> dict[str, Any]:
    """The IAM role of an entry: what the role's iam_role / iam_policy tasks send."""
    path = str(context.get("role_path") or ROLE_PATH)
    return {
        "name": name,
        "arn": role_arn(name, context, path),
        "path": path,
        "description": description,
        "trust_policy": trust_policy(context.get("account_id")),
        "managed_policies": [managed_policy_arn(p, context) for p in entry.get("managed_policies") or []],
        "policy_name": str(context.get("policy_name") or "pod-identity"),
        "policy": policy_document(entry.get("statements"), context),
        "tags": {str(k): str(v) for k, v in tags.items()},
    }


def pod_identity_specs(entries: Sequence[Mapping[str, Any]], context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One spec per platform_eks_pod_identities entry (validated first): the role (:func:`role_spec`) plus
    ``key``, ``namespace``, ``service_account``, ``enabled``.

    ``context``: partition, account_id, region, platform_name (or name_prefix), secret_prefix, cluster_name,
    kms_key_arn (only needed when a statement uses kms_key), buckets + bucket_prefix, role_path, policy_name and
    tags (the role's base tags: Project, Environment, ManagedBy, Layer)."""
    prefix = str(context.get("name_prefix") or context.get("platform_name") or "")
    base = dict(context.get("tags") or {})
    specs = []
    for entry in entries or []:
        name = role_name(entry, prefix)
        namespace, account = str(entry["namespace"]), str(entry["service_account"])
        tags = {
            **base,
            **{str(k): v for k, v in (entry.get("tags") or {}).items()},
            "Name": name,
            "ClusterName": context.get("cluster_name"),
            "Namespace": namespace,
            "ServiceAccount": account,
        }
        enabled = entry.get("enabled", True) is not False
        if enabled:
            spec = role_spec(
                name=name,
                entry=entry,
                context=context,
                tags=tags,
                description=f"EKS Pod Identity of {namespace}/{account} on {context.get('cluster_name')}",
            )
        else:
            # A disabled entry's role and association are removed: only the name is needed.
            path = str(context.get("role_path") or ROLE_PATH)
            spec = {"name": name, "arn": role_arn(name, context, path), "path": path}
        spec.update(
            key=entry.get("suffix") or entry.get("name"),
            namespace=namespace,
            service_account=account,
            enabled=enabled,
            state="present" if enabled else "absent",
        )
        specs.append(spec)
    return specs


def associations(specs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The ``associations`` option of eks_pod_identity_associations: every enabled entry present with its role,
    every disabled one absent (Name tag: the role's name)."""
    out = []
    for spec in specs:
        item: dict[str, Any] = {
            "namespace": spec["namespace"],
            "service_account": spec["service_account"],
            "state": spec["state"],
        }
        if spec["state"] == "present":
            item["role_arn"] = spec["arn"]
            item["tags"] = {"Name": spec["name"]}
        out.append(item)
    return out


def needs(entries: Any, kind: str) -> bool:
    """Whether an enabled entry's statements use the placeholder ``kind`` (``kms_key``: look the key up)."""
    return any(
        isinstance(entry, Mapping)
        and entry.get("enabled", True) is not False
        and references(entry.get("statements"), kind)
        for entry in entries or []
    )


def pod_identity_teardown(entries: Sequence[Mapping[str, Any]], prefix: str) -> dict[str, Any]:
    """What teardown removes, by name only (no ARN, no key): ``associations`` (every entry's, state absent) and
    ``roles`` (every entry's role name)."""
    return {
        "associations": [
            {"namespace": str(e["namespace"]), "service_account": str(e["service_account"]), "state": "absent"}
            for e in entries or []
        ],
        "roles": [role_name(e, prefix) for e in entries or []],
    }
