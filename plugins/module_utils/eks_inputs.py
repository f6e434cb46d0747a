# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""Inputs of the compute layer's first two roles, checked and derived before any AWS call.

* aws_eks: the cluster settings (:func:`cluster_problems`) - Kubernetes version format, endpoint access and the
  public endpoint's CIDRs (0.0.0.0/0 only with an explicit switch), control-plane log types, authentication mode,
  names - and the extra rules of the nodes' security group (``platform_eks_node_security_group_rules``:
  :func:`node_rule_problems`, turned into amazon.aws.ec2_security_group rules by :func:`security_group_rules`).
* aws_eks_access: the entries of ``platform_eks_access`` (:func:`access_problems`, :func:`access_specs`), one IAM
  group + IAM role + EKS access entry each, and the module entries of eks_access_entries (:func:`access_entries`).

Pure functions (no Ansible, no boto3): the filters of plugins/filter/eks_cluster_inputs.py and the unit tests
(tests/unit/test_eks_inputs.py) import them. Every message names the variable (``aws_eks_version (from
platform_eks_version)``) or the entry and field (``platform_eks_access[1].namespaces[0]``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any

#: Control-plane log types, in EKS's order.
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
#: Authentication modes, in the only order EKS moves between them.
AUTH_MODES = ("CONFIG_MAP", "API_AND_CONFIG_MAP", "API")
#: EKS cluster names (CreateCluster: 1-100 characters, letter or digit first).
CLUSTER_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")
#: IAM role / group / inline policy names (characters); the lengths are checked apart.
IAM_NAME = re.compile(r"^[\w+=,.@-]+$")
ROLE_NAME_MAX = 64
GROUP_NAME_MAX = 128
POLICY_NAME_MAX = 128
#: IAM paths: / or /a/b/ (printable ASCII without spaces), at most 512 characters.
IAM_PATH = re.compile(r"^/(?:[\x21-\x2e\x30-\x7e]+/)*$")
VERSION = re.compile(r"^(\d+)\.(\d+)$")
#: Kubernetes namespace names: DNS-1123 labels.
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_LABEL_MAX = 63
#: What EC2 accepts in a security group rule description (at most 255 characters).
RULE_DESCRIPTION = re.compile(r"^[A-Za-z0-9. _\-:/()#,@\[\]+=&;{}!$*]*$")
RULE_DESCRIPTION_MAX = 255
RULE_FIELDS = ("description", "direction", "protocol", "from_port", "to_port", "peer", "cidr")
DIRECTIONS = ("ingress", "egress")
PROTOCOLS = ("tcp", "udp", "all")
PEERS = ("cluster", "self", "cidr")
#: EKS access policies by name, or as the full cluster-access-policy ARN.
POLICY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:eks::aws:cluster-access-policy/[A-Za-z][A-Za-z0-9]*$")
#: Kubernetes group prefixes EKS refuses in an access entry.
RESERVED_GROUP_PREFIXES = ("system:", "eks:", "aws:", "amazon:", "iam:")
ACCESS_FIELDS = ("suffix", "name", "policy", "namespaces", "kubernetes_groups")
WORLD = "0.0.0.0/0"

#: The aws_eks settings (keys of :func:`cluster_problems`' input) and how a message names each.
CLUSTER_LABELS = {
    "cluster_name": "aws_eks_cluster_name (from platform_cluster_name)",
    "version": "aws_eks_version (from platform_eks_version)",
    "endpoint_public_access": "aws_eks_endpoint_public_access (from platform_eks_endpoint_public_access)",
    "endpoint_private_access": "aws_eks_endpoint_private_access (from platform_eks_endpoint_private_access)",
    "public_access_cidrs": "aws_eks_public_access_cidrs (from platform_eks_public_access_cidrs)",
    "public_endpoint_open_to_world": (
        "aws_eks_public_endpoint_open_to_world (from platform_eks_public_endpoint_open_to_world)"
    ),
    "logging": "aws_eks_logging (from platform_eks_logging)",
    "authentication_mode": "aws_eks_authentication_mode (from platform_eks_authentication_mode)",
    "cluster_role_name": "aws_eks_cluster_role_name (from platform_name)",
    "node_security_group_rules": "platform_eks_node_security_group_rules",
}


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or (isinstance(value, str) and value.strip().lower() in ("true", "false"))


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)


def _port(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        port = int(value)
    except (TypeError, ValueError):
        return None
    return port if 0 <= port <= 65535 and str(value).strip().lstrip("+").isdigit() else None


# --- aws_eks: the cluster -------------------------------------------------------------------------------------
def version_problems(version: Any, label: str) -> list[str]:
    """``"x.y"`` or empty (EKS's default at creation). ``1.30`` unquoted in YAML is the number 1.3: refused, as the
    eks_cluster module refuses it (no EKS version has a one-digit minor)."""
    if version is None or version == "":
        return []
    if isinstance(version, bool) or not isinstance(version, (str, int, float)):
        return [f"{label}: must be a Kubernetes version \"<major>.<minor>\" (a quoted string), got {version!r}"]
    text = str(version).strip()
    if not VERSION.match(text):
        return [f"{label}: {version!r} is not a Kubernetes version \"<major>.<minor>\", e.g. \"1.34\" (quote it)"]
    if re.fullmatch(r"\d+\.\d", text):
        return [f"{label}: {version!r} looks like an unquoted YAML number (1.30 reads as 1.3): quote it, e.g. \"1.30\""]
    return []


def effective_public_cidrs(settings: Mapping[str, Any]) -> list[str]:
    """The CIDRs the public endpoint is open to: the list, or EKS's default 0.0.0.0/0 when it is empty (none when
    the endpoint is not public)."""
    if not _truthy(settings.get("endpoint_public_access", True)):
        return []
    cidrs = settings.get("public_access_cidrs") or []
    return [str(c).strip() for c in cidrs] if _is_list(cidrs) and cidrs else [WORLD]


def _cidr_problems(cidrs: Any, label: str) -> list[str]:
    if cidrs is None:
        return []
    if not _is_list(cidrs):
        return [f"{label}: must be a list of IPv4 CIDR blocks"]
    problems, seen = [], set()
    for position, cidr in enumerate(cidrs):
        text = str(cidr).strip()
        try:
            network = ipaddress.ip_network(text, strict=True)
        except ValueError as exc:
            problems.append(f"{label}[{position}]: {cidr!r} is not an IPv4 CIDR block ({exc})")
            continue
        if network.version != 4:
            problems.append(f"{label}[{position}]: {cidr!r} is not an IPv4 CIDR block (the EKS public endpoint "
                            "takes IPv4 CIDRs)")
        elif str(network) in seen:
            problems.append(f"{label}[{position}]: {cidr!r} is listed twice")
        seen.add(str(network))
    return problems


def cluster_problems(settings: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> list[str]:
    """Problems of the aws_eks settings (empty list = valid). ``settings`` keys: the keys of
    :data:`CLUSTER_LABELS`; ``labels`` overrides how a setting is named in the messages."""
    names = {**CLUSTER_LABELS, **dict(labels or {})}
    problems: list[str] = []

    name = settings.get("cluster_name")
    if not isinstance(name, str) or not CLUSTER_NAME.match(name):
        problems.append(f"{names['cluster_name']}: {name!r} is not an EKS cluster name (1-100 letters, digits, '-' "
                        "and '_', starting with a letter or digit)")
    role = settings.get("cluster_role_name")
    if "cluster_role_name" in settings and (
        not isinstance(role, str) or not IAM_NAME.match(role) or len(role) > ROLE_NAME_MAX
    ):
        problems.append(f"{names['cluster_role_name']}: {role!r} is not an IAM role name (at most {ROLE_NAME_MAX} "
                        "of letters, digits and +=,.@_-)")

    problems += version_problems(settings.get("version"), names["version"])

    public, private = settings.get("endpoint_public_access", True), settings.get("endpoint_private_access", True)
    for key, value in (("endpoint_public_access", public), ("endpoint_private_access", private)):
        if not _is_bool(value):
            problems.append(f"{names[key]}: must be true or false, got {value!r}")
    cidrs = settings.get("public_access_cidrs")
    cidr_problems = _cidr_problems(cidrs, names["public_access_cidrs"])
    problems += cidr_problems
    if _is_bool(public) and _is_bool(private) and not _truthy(public) and not _truthy(private):
        problems.append(f"{names['endpoint_public_access']} and {names['endpoint_private_access']} are both false: "
                        "the API server endpoint must be public, private or both")
    if _is_bool(public) and not _truthy(public):
        if _is_list(cidrs) and cidrs:
            problems.append(f"{names['public_access_cidrs']}: must be empty when {names['endpoint_public_access']} is "
                            "false (the CIDRs restrict the public endpoint)")
    elif not cidr_problems:
        open_to_world = settings.get("public_endpoint_open_to_world", False)
        if not _is_bool(open_to_world):
            problems.append(f"{names['public_endpoint_open_to_world']}: must be true or false, got {open_to_world!r}")
        elif WORLD in effective_public_cidrs(settings) and not _truthy(open_to_world):
            given = "contains 0.0.0.0/0" if _is_list(cidrs) and cidrs else "is empty (EKS then opens it to 0.0.0.0/0)"
            problems.append(
                f"{names['public_access_cidrs']} {given}: the cluster's public API endpoint would be reachable from "
                f"the whole internet. List the CIDR blocks that need it, or set "
                f"{names['public_endpoint_open_to_world']} to true to accept that"
            )

    logging = settings.get("logging")
    if logging is not None:
        if not _is_list(logging):
            problems.append(f"{names['logging']}: must be a list of log types ({', '.join(LOG_TYPES)})")
        else:
            seen: set[str] = set()
            for position, kind in enumerate(logging):
                if kind not in LOG_TYPES:
                    problems.append(f"{names['logging']}[{position}]: {kind!r} is not a control-plane log type "
                                    f"({', '.join(LOG_TYPES)})")
                elif kind in seen:
                    problems.append(f"{names['logging']}[{position}]: {kind!r} is listed twice")
                seen.add(str(kind))

    mode = settings.get("authentication_mode")
    if mode not in (None, "") and mode not in AUTH_MODES:
        problems.append(f"{names['authentication_mode']}: {mode!r} is not one of {', '.join(AUTH_MODES)} "
                        "(access entries need API_AND_CONFIG_MAP or API)")

    problems += node_rule_problems(settings.get("node_security_group_rules"), names["node_security_group_rules"])
    return problems


# --- aws_eks: the node security group rules -------------------------------------------------------------------
def _rule_key(rule: Mapping[str, Any]) -> tuple[Any, ...]:
    protocol = str(rule.get("protocol", "tcp"))
    ports = (None, None) if protocol == "all" else (_port(rule.get("from_port")), _port(rule.get("to_port")))
    target = str(rule.get("cidr")) if rule.get("peer") == "cidr" else None
    return (rule.get("direction"), protocol, *ports, rule.get("peer"), target)


def node_rule_problems(rules: Any, label: str = "platform_eks_node_security_group_rules") -> list[str]:
    """Each rule: {description, direction ingress|egress, protocol tcp|udp|all, from_port, to_port (not for all),
    peer cluster|self|cidr, cidr (with peer cidr only)}; no rule twice."""
    if rules is None:
        return []
    if not _is_list(rules):
        return [f"{label}: must be a list of rules {{description, direction, protocol, from_port, to_port, peer}}"]
    problems: list[str] = []
    seen: dict[tuple[Any, ...], int] = {}
    for index, rule in enumerate(rules):
        where = f"{label}[{index}]"
        if not isinstance(rule, Mapping):
            problems.append(f"{where}: must be a dict {{description, direction, protocol, from_port, to_port, peer}}")
            continue
        before = len(problems)
        for field in sorted(str(k) for k in rule if k not in RULE_FIELDS):
            problems.append(f"{where}.{field}: unknown field (fields: {', '.join(RULE_FIELDS)})")
        description = rule.get("description")
        if description is not None and (
            not isinstance(description, str) or len(description) > RULE_DESCRIPTION_MAX
            or not RULE_DESCRIPTION.match(description)
        ):
            problems.append(f"{where}.description: {description!r} must be at most {RULE_DESCRIPTION_MAX} of "
                            "a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$* (what EC2 accepts)")
        if rule.get("direction") not in DIRECTIONS:
            problems.append(f"{where}.direction: {rule.get('direction')!r} must be one of {', '.join(DIRECTIONS)}")
        protocol = rule.get("protocol", "tcp")
        if protocol not in PROTOCOLS:
            problems.append(f"{where}.protocol: {protocol!r} must be one of {', '.join(PROTOCOLS)}")
        elif protocol == "all":
            for field in ("from_port", "to_port"):
                if rule.get(field) is not None:
                    problems.append(f"{where}.{field}: protocol all covers every port; leave the ports out")
        else:
            ports = {}
            for field in ("from_port", "to_port"):
                ports[field] = _port(rule.get(field))
                if ports[field] is None:
                    problems.append(f"{where}.{field}: {rule.get(field)!r} must be a port number 0-65535")
            if None not in ports.values() and ports["from_port"] > ports["to_port"]:
                problems.append(f"{where}.to_port: {ports['to_port']} is below from_port {ports['from_port']}")
        peer = rule.get("peer")
        if peer not in PEERS:
            problems.append(f"{where}.peer: {peer!r} must be one of {', '.join(PEERS)} (cluster: the cluster "
                            "security group; self: the group itself; cidr: the rule's cidr)")
        elif peer == "cidr":
            if rule.get("cidr") in (None, ""):
                problems.append(f"{where}.cidr: required with peer cidr (an IPv4 CIDR block)")
            else:
                found = _cidr_problems([rule["cidr"]], f"{where}.cidr")
                problems += [p.replace(f"{where}.cidr[0]", f"{where}.cidr", 1) for p in found]
        elif rule.get("cidr") is not None:
            problems.append(f"{where}.cidr: only with peer cidr (peer is {peer})")
        if len(problems) == before:
            key = _rule_key(rule)
            if key in seen:
                problems.append(f"{where}: the same rule as {label}[{seen[key]}]")
            seen.setdefault(key, index)
    return problems


def security_group_rules(rules: Any, cluster_group_id: str, self_group_id: str | None = None) -> dict[str, Any]:
    """amazon.aws.ec2_security_group ``rules`` and ``rules_egress`` of valid node rules: peer ``cluster`` is
    ``cluster_group_id``, ``self`` is ``self_group_id`` (default the same group: the nodes of managed node groups
    without a launch template carry the cluster security group), ``cidr`` the rule's CIDR. Rules that become the
    same (cluster and self naming one group) are kept once, with the first one's description."""
    self_group_id = self_group_id or cluster_group_id
    out: dict[str, list[dict[str, Any]]] = {"rules": [], "rules_egress": []}
    seen: set[tuple[Any, ...]] = set()
    for rule in rules or []:
        peer = rule.get("peer")
        target = {"cluster": cluster_group_id, "self": self_group_id}.get(peer) or str(rule.get("cidr"))
        protocol = str(rule.get("protocol", "tcp"))
        item: dict[str, Any] = {"proto": protocol}
        if protocol != "all":
            item.update(from_port=int(rule["from_port"]), to_port=int(rule["to_port"]))
        item["cidr_ip" if peer == "cidr" else "group_id"] = target
        if rule.get("description"):
            item["rule_desc"] = str(rule["description"])
        direction = "rules_egress" if rule.get("direction") == "egress" else "rules"
        key = (direction, protocol, item.get("from_port"), item.get("to_port"), target)
        if key not in seen:
            seen.add(key)
            out[direction].append(item)
    return out


# --- aws_eks_access: the entries -------------------------------------------------------------------------------
def access_name(entry: Mapping[str, Any], platform_name: str) -> str:
    """``<platform_name>-eks-<suffix>``, or the exact ``name``."""
    if entry.get("name") is not None:
        return str(entry["name"])
    return f"{platform_name}-eks-{entry.get('suffix')}"


def access_policy_name(entry: Mapping[str, Any], platform_name: str) -> str:
    """The group's inline policy: ``assume-eks-<suffix>-role``, or ``assume-<name>-role`` for a named entry."""
    if entry.get("name") is not None:
        return f"assume-{entry['name']}-role"
    return f"assume-eks-{entry.get('suffix')}-role"


def access_problems(entries: Any, platform_name: str, label: str = "platform_eks_access") -> list[str]:
    """Problems of the access entries (empty list = valid): a dict each, exactly one of suffix / name, the IAM
    names the entry derives, no name twice, the policy (a name or a cluster-access-policy ARN), the namespaces
    (DNS-1123 labels, each once, only with a policy), the Kubernetes groups, no unknown field."""
    if entries is None:
        return []
    if not _is_list(entries):
        return [f"{label}: must be a list of entries {{suffix or name, policy, namespaces, kubernetes_groups}}"]
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        where = f"{label}[{index}]"
        if not isinstance(entry, Mapping):
            problems.append(f"{where}: must be a dict {{suffix or name, policy, namespaces, kubernetes_groups}}")
            continue
        for field in sorted(str(k) for k in entry if k not in ACCESS_FIELDS):
            problems.append(f"{where}.{field}: unknown field (fields: {', '.join(ACCESS_FIELDS)})")
        given = [k for k in ("suffix", "name") if entry.get(k) not in (None, "")]
        if len(given) != 1:
            problems.append(f"{where}.suffix / {where}.name: give exactly one of them (suffix: the IAM group and role "
                            f"are {platform_name}-eks-<suffix>; name: their exact name), got "
                            f"{' and '.join(given) or 'neither'}")
        else:
            field = given[0]
            value = entry[field]
            name = access_name(entry, platform_name)
            policy_name = access_policy_name(entry, platform_name)
            if not isinstance(value, str) or not IAM_NAME.match(name) or len(name) > ROLE_NAME_MAX:
                problems.append(f"{where}.{field}: the IAM group and role name {name!r} must be at most "
                                f"{ROLE_NAME_MAX} of letters, digits and +=,.@_-")
            elif len(policy_name) > POLICY_NAME_MAX:
                problems.append(f"{where}.{field}: the inline policy name {policy_name!r} is longer than "
                                f"{POLICY_NAME_MAX} characters")
            elif name in seen:
                problems.append(f"{where}.{field}: the name {name!r} is already used by {label}[{seen[name]}]")
            seen.setdefault(name, index)

        policy = entry.get("policy")
        if policy is not None and (
            not isinstance(policy, str) or not (POLICY_NAME.match(policy) or POLICY_ARN.match(policy))
        ):
            problems.append(f"{where}.policy: {policy!r} must be an EKS access policy name (e.g. AmazonEKSViewPolicy) "
                            "or its arn:aws:eks::aws:cluster-access-policy/... ARN")

        namespaces = entry.get("namespaces")
        if namespaces is not None:
            if not _is_list(namespaces):
                problems.append(f"{where}.namespaces: must be a list of namespace names (empty: cluster scope)")
            else:
                if namespaces and policy is None:
                    problems.append(f"{where}.namespaces: scope a policy; give {where}.policy too")
                names_seen: set[str] = set()
                for position, namespace in enumerate(namespaces):
                    text = namespace if isinstance(namespace, str) else repr(namespace)
                    if not isinstance(namespace, str) or len(namespace) > DNS_LABEL_MAX or not DNS_LABEL.match(
                        namespace
                    ):
                        problems.append(f"{where}.namespaces[{position}]: {text!r} is not a DNS-1123 label (at most "
                                        f"{DNS_LABEL_MAX} of a-z, 0-9 and '-', starting and ending with a letter "
                                        "or digit)")
                    elif namespace in names_seen:
                        problems.append(f"{where}.namespaces[{position}]: {namespace!r} is listed twice")
                    names_seen.add(text)

        groups = entry.get("kubernetes_groups")
        if groups is not None:
            if not _is_list(groups):
                problems.append(f"{where}.kubernetes_groups: must be a list of Kubernetes group names")
            else:
                for position, group in enumerate(groups):
                    if not isinstance(group, str) or not group.strip():
                        problems.append(f"{where}.kubernetes_groups[{position}]: must be a non-empty string")
                    elif group.startswith(RESERVED_GROUP_PREFIXES):
                        problems.append(f"{where}.kubernetes_groups[{position}]: {group!r} starts with a prefix EKS "
                                        f"reserves ({', '.join(RESERVED_GROUP_PREFIXES)})")
        if policy is None and not groups:
            problems.append(f"{where}.policy: give a policy or kubernetes_groups (otherwise the entry grants nothing)")
    return problems


def path_problems(path: Any, label: str) -> list[str]:
    if not isinstance(path, str) or len(path) > 512 or not IAM_PATH.match(path):
        return [f"{label}: {path!r} must be an IAM path, / or /<name>/ (e.g. /eks-access/)"]
    return []


def access_specs(entries: Any, platform_name: str) -> list[dict[str, Any]]:
    """One spec per valid entry: ``name`` (the IAM group and role), ``policy_name`` (the group's inline policy),
    ``policy`` (None: no access policy), ``scope`` (``cluster`` / ``namespace``), ``namespaces``,
    ``kubernetes_groups`` (None: not managed) and ``key`` (the suffix, else the name)."""
    specs: list[dict[str, Any]] = []
    for entry in entries if _is_list(entries) else []:
        if not isinstance(entry, Mapping) or (entry.get("suffix") is None) == (entry.get("name") is None):
            continue
        namespaces = [str(n) for n in entry.get("namespaces") or []]
        groups = entry.get("kubernetes_groups")
        specs.append({
            "key": str(entry.get("suffix") if entry.get("suffix") is not None else entry.get("name")),
            "name": access_name(entry, platform_name),
            "policy_name": access_policy_name(entry, platform_name),
            "policy": entry.get("policy"),
            "scope": "namespace" if namespaces else "cluster",
            "namespaces": namespaces,
            "kubernetes_groups": sorted({str(g) for g in groups}) if groups is not None else None,
        })
    return specs


def role_arn(caller_arn: str, account: str, path: str, name: str) -> str:
    """``arn:<partition>:iam::<account>:role<path><name>`` (the partition taken from the caller's ARN)."""
    partition = str(caller_arn or "arn:aws:").split(":")[1] or "aws"
    return f"arn:{partition}:iam::{account}:role{path}{name}"


def access_entries(specs: Sequence[Mapping[str, Any]], caller_arn: str, account: str, role_path: str,
                   state: str = "present") -> list[dict[str, Any]]:
    """The ``entries`` of cloudops.eks_platform.eks_access_entries for the specs: a STANDARD entry per role, its
    policy with its scope, its Kubernetes groups when given; with ``state`` absent only the principals."""
    out: list[dict[str, Any]] = []
    for spec in specs:
        entry: dict[str, Any] = {"principal_arn": role_arn(caller_arn, account, role_path, spec["name"])}
        if state == "absent":
            entry["state"] = "absent"
        else:
            entry["type"] = "STANDARD"
            scope: dict[str, Any] = {"type": spec["scope"]}
            if spec["scope"] == "namespace":
                scope["namespaces"] = list(spec["namespaces"])
            entry["policies"] = [{"policy": spec["policy"], "access_scope": scope}] if spec["policy"] else []
            if spec.get("kubernetes_groups") is not None:
                entry["kubernetes_groups"] = list(spec["kubernetes_groups"])
        out.append(entry)
    return out
