#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: eks_access_entries
short_description: Converge the access entries of an EKS cluster and their access policies in one call
version_added: 0.1.0
description:
  - Creates, updates or deletes the listed access entries of one EKS cluster (C(CreateAccessEntry),
    C(UpdateAccessEntry), C(DeleteAccessEntry)), with their access policy associations
    (C(AssociateAccessPolicy), C(DisassociateAccessPolicy)) and their tags. amazon.aws and community.aws have
    no access-entry module, and C(community.aws.eks_cluster) cannot set the cluster's access configuration.
  - The cluster must use the authentication mode C(API) or C(API_AND_CONFIG_MAP). A missing cluster, or one
    still in C(CONFIG_MAP) mode, fails a real run; in check mode it is a warning (an earlier task of the same
    run creates or switches it) and every listed entry is planned as created.
  - C(kubernetes_groups) and C(username) are updated in place; the type of an entry cannot change (EKS has
    no call for it), so a different O(entries[].type) fails before any change. Omitted, C(kubernetes_groups),
    C(username), C(policies) and C(tags) are left as they are.
  - Policy associations are declarative for an entry whose O(entries[].policies) is given - a missing policy
    is associated, a policy whose scope differs is associated again (C(AssociateAccessPolicy) replaces the
    scope), a policy not listed is disassociated. Associations are changed before disassociations, so an
    entry keeps access while its policies change.
  - Every option is checked before the first API call; a failure names the option path, e.g.
    C(entries[1].policies[0].access_scope.namespaces). Policy names are checked against
    C(ListAccessPolicies) before the first change.
options:
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  entries:
    description: The access entries, one per IAM principal.
    type: list
    elements: dict
    required: true
    suboptions:
      principal_arn:
        description:
          - ARN of the IAM role or user (C(arn:aws:iam::<account>:role/<name>) or C(...:user/<name>)); an STS
            session ARN is refused, as EKS does. Each principal may be listed once.
        type: str
        required: true
      type:
        description:
          - Type of the entry. Only C(STANDARD) entries take O(entries[].kubernetes_groups) and
            O(entries[].username); C(EC2_LINUX) and C(EC2_WINDOWS) entries take no access policy. Node types
            need an IAM role.
          - Cannot change once the entry exists.
        type: str
        choices: [STANDARD, EC2, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, HYBRID_LINUX, HYPERPOD_LINUX]
        default: STANDARD
      kubernetes_groups:
        description:
          - Kubernetes group names bound by RoleBindings/ClusterRoleBindings (order does not matter). C([])
            removes every group; omitted, the groups are left as they are.
          - Names starting with C(system:), C(eks:), C(aws:), C(amazon:) or C(iam:) are refused, as EKS does.
        type: list
        elements: str
      username:
        description:
          - Kubernetes username. Omitted, EKS chooses it when it creates the entry
            (C(arn:aws:sts::<account>:assumed-role/<role>/{{SessionName}}) for a role) and it is not managed.
        type: str
      policies:
        description:
          - The access policies of the entry with their scopes. Omitted, associations are not managed; C([])
            disassociates every policy.
        type: list
        elements: dict
        suboptions:
          policy:
            description: A policy name (C(AmazonEKSEditPolicy)) or its full
              C(arn:aws:eks::aws:cluster-access-policy/...) ARN.
            type: str
            required: true
          access_scope:
            description: Where the policy applies.
            type: dict
            required: true
            suboptions:
              type:
                description: C(cluster) (no namespaces) or C(namespace) (at least one namespace).
                type: str
                required: true
                choices: [cluster, namespace]
              namespaces:
                description:
                  - Kubernetes namespace names (DNS-1123 labels), with
                    O(entries[].policies[].access_scope.type=namespace).
                type: list
                elements: str
      tags:
        description: Tags of this entry, on top of O(tags).
        type: dict
      state:
        description:
          - Whether the entry exists. C(absent) deletes it with its associations, even the cluster creator's
            entry.
        type: str
        choices: [present, absent]
        default: present
  purge_entries:
    description:
      - Delete the C(STANDARD) entries of the cluster that are not listed.
      - Never deleted by the purge, only by an entry listed with O(entries[].state=absent) - the node entries
        (C(EC2), C(EC2_LINUX), C(EC2_WINDOWS), C(FARGATE_LINUX), C(HYBRID_LINUX), C(HYPERPOD_LINUX) - EKS makes
        them for node groups and Fargate profiles, and deleting one breaks the nodes), the entry of the
        principal running the module, and the cluster creator's bootstrap entry (the first C(STANDARD) entry,
        made within 5 minutes of the cluster, when C(bootstrapClusterCreatorAdminPermissions) is true); a
        spared entry is reported as a warning.
    type: bool
    default: false
  tags:
    description:
      - Tags set on every present entry, under each entry's own O(entries[].tags). Omitted on both levels, the
        entry's tags are not managed.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove the tags of a managed entry that are not in its wanted tags (C(aws:) tags are kept).
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Access entries are synchronous in EKS, so there is nothing to wait for.
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: Admin, developer and read-only access to the production cluster
  cloudops.eks_platform.eks_access_entries:
    cluster_name: wealist-prod-eks
    tags:
      Project: wealist
    entries:
      - principal_arn: "arn:aws:iam::{{ account_id }}:role/eks-access/wealist-prod-eks-admin"
        policies:
          - policy: AmazonEKSClusterAdminPolicy
            access_scope:
              type: cluster
      - principal_arn: "arn:aws:iam::{{ account_id }}:role/eks-access/wealist-prod-eks-developer"
        policies:
          - policy: AmazonEKSEditPolicy
            access_scope:
              type: namespace
              namespaces: [wealist-prod, argocd]
      - principal_arn: "arn:aws:iam::{{ account_id }}:role/eks-access/wealist-prod-eks-readonly"
        policies:
          - policy: arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy
            access_scope:
              type: cluster

- name: Remove a principal's access, and every other STANDARD entry not listed
  cloudops.eks_platform.eks_access_entries:
    cluster_name: wealist-prod-eks
    purge_entries: true
    entries:
      - principal_arn: "arn:aws:iam::{{ account_id }}:role/eks-access/wealist-prod-eks-admin"
      - principal_arn: "arn:aws:iam::{{ account_id }}:user/old-operator"
        state: absent
"""

RETURN = r"""
access_entries:
  description: The present entries of O(entries), in the order given (after the run; in check mode as planned,
    with C(access_entry_arn) null for an entry that would be created).
  returned: always
  type: list
  elements: dict
  contains:
    principal_arn:
      description: The IAM principal.
      type: str
    access_entry_arn:
      description: ARN of the access entry.
      type: str
    type:
      description: Type of the entry.
      type: str
    kubernetes_groups:
      description: Kubernetes groups, sorted.
      type: list
      elements: str
    username:
      description: Kubernetes username (null for an entry check mode would create without one).
      type: str
    policies:
      description: Associated access policies, sorted by ARN.
      type: list
      elements: dict
      sample: [{"policy_arn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
                "access_scope": {"type": "namespace", "namespaces": ["argocd", "wealist-prod"]}}]
    tags:
      description: Tags of the entry.
      type: dict
changes:
  description: What changed (or would in check mode), one line per change, prefixed with the principal ARN.
  returned: always
  type: list
  elements: str
  sample: ["arn:aws:iam::123456789012:role/dev: create (STANDARD)",
           "arn:aws:iam::123456789012:role/dev: associate AmazonEKSEditPolicy (namespace: argocd, wealist-prod)"]
diff:
  description: With C(--diff), C(before)/C(after) maps of principal ARN to type, kubernetes_groups, username,
    policies (with scopes) and tags, for the listed and purged principals.
  returned: when diff mode is on
  type: dict
"""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import (
    AWS_ERRORS,
    call,
    call_or_fail,
    describe,
    exit_with,
    paginate,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import state_option, tag_options
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks import NOT_FOUND, require_cluster
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import TagPlan, plan_tags, update_tags

ENTRY_TYPES = ("STANDARD", "EC2", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX", "HYPERPOD_LINUX")
#: Types that EKS documents as taking no access policy (CreateAccessEntry, ``type``).
NO_POLICY_TYPES = ("EC2_LINUX", "EC2_WINDOWS")
#: Prefixes EKS refuses in Kubernetes group names and usernames.
RESERVED_PREFIXES = ("system:", "eks:", "aws:", "amazon:", "iam:")
SCOPE_TYPES = ("cluster", "namespace")
#: Seconds between the cluster's and its creator entry's createdAt within which a STANDARD entry counts as
#: the creator's bootstrap entry (EKS makes it while it creates the cluster).
BOOTSTRAP_WINDOW = 300

PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(?P<kind>role|user)/(?:[\w+=,.@-]+/)*[\w+=,.@-]+$")
POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:eks::aws:cluster-access-policy/[A-Za-z][A-Za-z0-9]*$")
POLICY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_CALLER = re.compile(r"^arn:[^:]+:(?:iam|sts)::(?P<account>\d{12}):(?P<kind>role|user|assumed-role)/(?P<rest>.+)$")
_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"), ("us-iso-", "aws-iso"))


# --- pure: names, validation, plans, views -------------------------------------------------------------------


def partition_for_region(region: str | None) -> str:
    """The ARN partition of a region (``cn-north-1`` → ``aws-cn``; commercial regions → ``aws``)."""
    for prefix, partition in _PARTITIONS:
        if (region or "").startswith(prefix):
            return partition
    return "aws"


def policy_arn(reference: str | None, partition: str = "aws") -> str | None:
    """An access policy name (``AmazonEKSEditPolicy``) or ARN as its ARN; None when it is neither."""
    ref = (reference or "").strip()
    if POLICY_ARN.match(ref):
        return ref
    if POLICY_NAME.match(ref):
        return f"arn:{partition}:eks::aws:cluster-access-policy/{ref}"
    return None


def policy_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def scope_of(access_scope: Mapping[str, Any] | None) -> dict[str, Any]:
    """An access scope (option or API shape) in the form compared: type and sorted namespaces."""
    scope = access_scope or {}
    return {"type": scope.get("type"), "namespaces": sorted(set(scope.get("namespaces") or []))}


def principal_key(arn: str | None) -> tuple[str, str, str] | None:
    """(account, role|user, name) of an IAM principal, an STS assumed-role ARN (its role) or a caller identity;
    paths are ignored (an STS ARN does not carry the role's path)."""
    match = _CALLER.match(arn or "")
    if not match:
        return None
    if match["kind"] == "assumed-role":
        return match["account"], "role", match["rest"].split("/", 1)[0]
    return match["account"], match["kind"], match["rest"].rsplit("/", 1)[-1]


def _reserved(name: str) -> bool:
    return name.startswith(RESERVED_PREFIXES)


def _scope_problems(path: str, scope: Mapping[str, Any] | None) -> list[str]:
    scope = scope or {}
    kind, namespaces = scope.get("type"), list(scope.get("namespaces") or [])
    if kind not in SCOPE_TYPES:
        return [f"{path}.type: must be one of {', '.join(SCOPE_TYPES)}"]
    if kind == "cluster" and namespaces:
        return [f"{path}.namespaces: a cluster scope takes no namespaces"]
    if kind == "namespace" and not namespaces:
        return [f"{path}.namespaces: a namespace scope needs at least one namespace"]
    problems = []
    for k, namespace in enumerate(namespaces):
        if not isinstance(namespace, str) or not NAMESPACE.match(namespace):
            problems.append(
                f"{path}.namespaces[{k}]: {namespace!r} is not a Kubernetes namespace name (DNS-1123 label: "
                "at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit)"
            )
        elif namespaces.index(namespace) != k:
            problems.append(f"{path}.namespaces[{k}]: {namespace} is listed twice")
    return problems


def _policy_problems(path: str, kind: str, policies: list[Mapping[str, Any]] | None, partition: str) -> list[str]:
    if policies and kind in NO_POLICY_TYPES:
        return [f"{path}.policies: EKS associates no access policy with an entry of type {kind}"]
    problems: list[str] = []
    seen: dict[str, int] = {}
    for j, policy in enumerate(policies or []):
        ppath = f"{path}.policies[{j}]"
        arn = policy_arn(policy.get("policy"), partition)
        if arn is None:
            problems.append(
                f"{ppath}.policy: {policy.get('policy')!r} is neither an access policy name (AmazonEKSEditPolicy) "
                "nor an arn:aws:eks::aws:cluster-access-policy/<name> ARN"
            )
        elif arn in seen:
            problems.append(f"{ppath}.policy: {policy_name(arn)} is already {path}.policies[{seen[arn]}]")
        else:
            seen[arn] = j
        problems += _scope_problems(f"{ppath}.access_scope", policy.get("access_scope"))
    return problems


def validate_entries(entries: list[Mapping[str, Any]], option: str = "entries", partition: str = "aws") -> list[str]:
    """Everything wrong with ``entries`` that is known without asking AWS, each naming its option path."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        path = f"{option}[{i}]"
        arn = entry.get("principal_arn") or ""
        match = PRINCIPAL_ARN.match(arn)
        if not match:
            problems.append(
                f"{path}.principal_arn: {arn!r} is not an IAM role or user ARN "
                "(arn:aws:iam::<account>:role/<name> or arn:aws:iam::<account>:user/<name>)"
            )
        elif arn in seen:
            problems.append(f"{path}.principal_arn: {arn} is already {option}[{seen[arn]}]")
        else:
            seen[arn] = i
        if entry.get("state", "present") == "absent":
            continue
        kind = entry.get("type") or "STANDARD"
        if kind not in ENTRY_TYPES:
            problems.append(f"{path}.type: must be one of {', '.join(ENTRY_TYPES)}")
            continue
        groups, username = entry.get("kubernetes_groups"), entry.get("username")
        if kind != "STANDARD":
            if match and match["kind"] != "role":
                problems.append(f"{path}.principal_arn: an entry of type {kind} needs an IAM role")
            if groups:
                problems.append(f"{path}.kubernetes_groups: only STANDARD entries take groups (EKS sets a {kind}'s)")
            if username:
                problems.append(f"{path}.username: only STANDARD entries take a username (EKS sets a {kind}'s)")
        for j, group in enumerate(groups or []):
            if not group or _reserved(group):
                problems.append(
                    f"{path}.kubernetes_groups[{j}]: {group!r} is empty or starts with {', '.join(RESERVED_PREFIXES)}"
                )
        if username is not None and (not username or _reserved(username)):
            problems.append(f"{path}.username: {username!r} is empty or starts with {', '.join(RESERVED_PREFIXES)}")
        problems += _policy_problems(path, kind, entry.get("policies"), partition)
    return problems


def wanted_tags(module_tags: Mapping[str, Any] | None, entry_tags: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The module's ``tags`` with the entry's own on top; None = tags not managed."""
    if module_tags is None and entry_tags is None:
        return None
    merged = {**(module_tags or {}), **(entry_tags or {})}
    return {str(key): str(value) for key, value in merged.items()}


def wanted_entry(spec: Mapping[str, Any], partition: str = "aws", module_tags: Mapping[str, Any] | None = None):
    """One (validated) entry of ``entries`` in the form compared; None = not managed."""
    groups, policies = spec.get("kubernetes_groups"), spec.get("policies")
    return {
        "principal_arn": spec["principal_arn"],
        "state": spec.get("state") or "present",
        "type": spec.get("type") or "STANDARD",
        "kubernetes_groups": None if groups is None else list(dict.fromkeys(groups)),
        "username": spec.get("username"),
        "policies": None
        if policies is None
        else {policy_arn(p["policy"], partition): scope_of(p.get("access_scope")) for p in policies},
        "tags": wanted_tags(module_tags, spec.get("tags")),
    }


def current_entry(entry: Mapping[str, Any] | None, associations: list[Mapping[str, Any]] | None = None):
    """A DescribeAccessEntry ``accessEntry`` and its ListAssociatedAccessPolicies items in the form compared."""
    if not entry:
        return None
    return {
        "principal_arn": entry["principalArn"],
        "access_entry_arn": entry.get("accessEntryArn"),
        "type": entry.get("type") or "STANDARD",
        "kubernetes_groups": sorted(entry.get("kubernetesGroups") or []),
        "username": entry.get("username"),
        "policies": {a["policyArn"]: scope_of(a.get("accessScope")) for a in associations or []},
        "tags": dict(entry.get("tags") or {}),
    }


def plan_associations(current: Mapping[str, Any], wanted: Mapping[str, Any] | None) -> dict[str, Any]:
    """Policies to associate (missing or with another scope: AssociateAccessPolicy replaces the scope) and to
    disassociate (not wanted); ``wanted`` None = associations not managed."""
    if wanted is None:
        return {"associate": {}, "disassociate": []}
    return {
        "associate": {arn: scope for arn, scope in wanted.items() if current.get(arn) != scope},
        "disassociate": sorted(arn for arn in current if arn not in wanted),
    }


def plan_entry(
    index: int, wanted: Mapping[str, Any], current: Mapping[str, Any] | None, purge_tags: bool, option: str = "entries"
) -> dict[str, Any]:
    """What brings ``current`` (None: missing) to ``wanted``: ``action`` (create, update, delete or none), the
    UpdateAccessEntry arguments, the associations to make and remove, the tag plan, and ``problem`` (a change
    EKS cannot make, naming the option)."""
    plan: dict[str, Any] = {
        "principal_arn": wanted["principal_arn"], "type": wanted["type"], "action": "none", "update": {},
        "associate": {}, "disassociate": [], "tags": None, "problem": None,
    }  # fmt: skip
    if wanted["state"] == "absent":
        plan["action"] = "delete" if current else "none"
        return plan
    if current is None:
        tags = wanted["tags"] or {}
        plan.update(action="create", associate=dict(wanted["policies"] or {}), tags=TagPlan({}, dict(tags), dict(tags)))
        return plan
    if current["type"] != wanted["type"]:
        plan["problem"] = (
            f"{option}[{index}].type: the access entry of {wanted['principal_arn']} is of type {current['type']}, "
            f"not {wanted['type']}; EKS cannot change the type of an entry (delete it with state=absent first)"
        )
        return plan
    groups = wanted["kubernetes_groups"]
    if groups is not None and sorted(set(groups)) != sorted(set(current["kubernetes_groups"])):
        plan["update"]["kubernetesGroups"] = list(groups)
    if wanted["username"] is not None and wanted["username"] != current["username"]:
        plan["update"]["username"] = wanted["username"]
    plan.update(plan_associations(current["policies"], wanted["policies"]))
    plan["tags"] = plan_tags(current["tags"], wanted["tags"], purge_tags)
    if plan["update"] or plan["associate"] or plan["disassociate"] or plan["tags"].changed:
        plan["action"] = "update"
    return plan


def plan_changed(plan: Mapping[str, Any]) -> bool:
    return plan["action"] != "none"


def state_after(current: Mapping[str, Any] | None, wanted: Mapping[str, Any], plan: Mapping[str, Any]):
    """The entry as it will be once ``plan`` is applied (None: absent); ``access_entry_arn`` and ``username``
    stay None for an entry that will be created (EKS chooses them)."""
    if plan["action"] == "delete" or wanted["state"] == "absent":
        return None
    after = dict(current) if current else {
        "principal_arn": wanted["principal_arn"], "access_entry_arn": None, "type": wanted["type"],
        "kubernetes_groups": [], "username": wanted["username"], "policies": {}, "tags": {},
    }  # fmt: skip
    if current is None and wanted["kubernetes_groups"]:
        after["kubernetes_groups"] = sorted(set(wanted["kubernetes_groups"]))
    if "kubernetesGroups" in plan["update"]:
        after["kubernetes_groups"] = sorted(set(plan["update"]["kubernetesGroups"]))
    if "username" in plan["update"]:
        after["username"] = plan["update"]["username"]
    policies = {arn: scope for arn, scope in after["policies"].items() if arn not in plan["disassociate"]}
    after["policies"] = {**policies, **plan["associate"]}
    if plan["tags"] is not None:
        after["tags"] = dict(plan["tags"].after)
    return after


def result_view(state: Mapping[str, Any]) -> dict[str, Any]:
    """An entry as the module returns it."""
    return {
        "principal_arn": state["principal_arn"],
        "access_entry_arn": state["access_entry_arn"],
        "type": state["type"],
        "kubernetes_groups": sorted(state["kubernetes_groups"]),
        "username": state["username"],
        "policies": [{"policy_arn": arn, "access_scope": state["policies"][arn]} for arn in sorted(state["policies"])],
        "tags": dict(state["tags"]),
    }


def diff_view(state: Mapping[str, Any]) -> dict[str, Any]:
    """An entry as the diff shows it (keyed by principal ARN, without it)."""
    view = result_view(state)
    return {k: view[k] for k in ("type", "kubernetes_groups", "username", "policies", "tags")}


def _scope_text(scope: Mapping[str, Any]) -> str:
    return f"namespace: {', '.join(scope['namespaces'])}" if scope["type"] == "namespace" else scope["type"]


def describe_changes(plan: Mapping[str, Any]) -> list[str]:
    """The lines of ``changes`` for one plan."""
    arn, action = plan["principal_arn"], plan["action"]
    if action == "delete":
        return [f"{arn}: delete"]
    lines = [f"{arn}: create ({plan['type']})"] if action == "create" else []
    lines += [f"{arn}: {'kubernetes_groups' if key == 'kubernetesGroups' else key}" for key in plan["update"]]
    lines += [f"{arn}: associate {policy_name(p)} ({_scope_text(s)})" for p, s in plan["associate"].items()]
    lines += [f"{arn}: disassociate {policy_name(p)}" for p in plan["disassociate"]]
    if action == "update" and plan["tags"] is not None and plan["tags"].changed:
        lines.append(f"{arn}: tags")
    return lines


def creator_entry(entries: list[Mapping[str, Any]], cluster: Mapping[str, Any]) -> str | None:
    """The principal of the cluster creator's bootstrap entry among DescribeAccessEntry items: EKS makes it while
    it creates the cluster when ``bootstrapClusterCreatorAdminPermissions`` is true, so it is the first STANDARD
    entry, made within :data:`BOOTSTRAP_WINDOW` seconds of the cluster; None when there is none."""
    if not (cluster.get("accessConfig") or {}).get("bootstrapClusterCreatorAdminPermissions", True):
        return None
    cluster_created = cluster.get("createdAt")
    dated = [
        (e["createdAt"], e["principalArn"])
        for e in entries
        if (e.get("type") or "STANDARD") == "STANDARD" and isinstance(e.get("createdAt"), datetime)
    ]
    if not dated or not isinstance(cluster_created, datetime):
        return None
    created, arn = min(dated)
    return arn if abs((created - cluster_created).total_seconds()) <= BOOTSTRAP_WINDOW else None


def plan_purge(
    existing: list[Mapping[str, Any]], listed: set[str], cluster: Mapping[str, Any], caller: str | None
) -> tuple[list[str], list[str]]:
    """Of every entry of the cluster (DescribeAccessEntry items), the unlisted ones ``purge_entries`` deletes and
    those it spares: the creator's bootstrap entry and the caller's own. Entries of a node type are never purged."""
    creator, caller_key = creator_entry(existing, cluster), principal_key(caller)
    delete, spared = [], []
    for entry in existing:
        arn = entry["principalArn"]
        if arn in listed or (entry.get("type") or "STANDARD") != "STANDARD":
            continue
        own = caller_key is not None and principal_key(arn) == caller_key
        (spared if arn == creator or own else delete).append(arn)
    return sorted(delete), sorted(spared)


# --- AWS calls ---------------------------------------------------------------------------------------------


def usable_cluster(module: AnsibleAWSModule, client, name: str) -> dict[str, Any] | None:
    """The cluster, when its access entries can be read; None in check mode for a missing cluster or one in
    CONFIG_MAP mode (warned: an earlier task would create or switch it)."""
    cluster = require_cluster(module, client, name)
    mode = ((cluster or {}).get("accessConfig") or {}).get("authenticationMode", "CONFIG_MAP")
    if cluster is None or mode != "CONFIG_MAP":
        return cluster
    msg = (
        f"EKS cluster {name} (cluster_name) has authentication mode CONFIG_MAP: access entries need "
        "API_AND_CONFIG_MAP or API"
    )
    if not module.check_mode:
        module.fail_json(msg=msg)
    module.warn(f"{msg}; planning every entry as created")
    return None


def check_policies_exist(module: AnsibleAWSModule, client, entries: list[dict[str, Any]], partition: str) -> None:
    """Fail, naming the option, on a policy ListAccessPolicies does not know (before any change)."""
    refs = [
        (f"entries[{i}].policies[{j}].policy", policy_arn(p["policy"], partition))
        for i, e in enumerate(entries) if e["state"] == "present" for j, p in enumerate(e.get("policies") or [])
    ]  # fmt: skip
    if not refs:
        return
    try:
        known = {p["arn"] for p in paginate(client, "list_access_policies")["accessPolicies"]}
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg="Failed to list the EKS access policies")
    unknown = [f"{path}: {policy_name(arn)} is not an EKS access policy" for path, arn in refs if arn not in known]
    if unknown:
        module.fail_json(msg="; ".join(unknown) + f" (known: {', '.join(sorted(policy_name(a) for a in known))})")


def describe_entry(module: AnsibleAWSModule, client, cluster: str, arn: str) -> dict[str, Any] | None:
    found = describe(
        module, client, "describe_access_entry", NOT_FOUND, f"access entry {arn} of EKS cluster {cluster}",
        clusterName=cluster, principalArn=arn,
    )  # fmt: skip
    return found["accessEntry"] if found else None


def read_entry(module: AnsibleAWSModule, client, cluster: str, arn: str) -> dict[str, Any] | None:
    entry = describe_entry(module, client, cluster, arn)
    if entry is None:
        return None
    try:
        found = paginate(client, "list_associated_access_policies", clusterName=cluster, principalArn=arn)
    except is_boto3_error_code(NOT_FOUND):
        return None
    except AWS_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to list the access policies of {arn} on EKS cluster {cluster}")
    return current_entry(entry, found.get("associatedAccessPolicies"))


def purge_targets(module: AnsibleAWSModule, client, cluster: dict[str, Any], wanted: list[dict[str, Any]]):
    """The current state of each unlisted STANDARD entry that ``purge_entries`` deletes."""
    name = cluster["name"]
    try:
        arns = paginate(client, "list_access_entries", clusterName=name)["accessEntries"]
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to list the access entries of EKS cluster {name}")
    listed = {w["principal_arn"] for w in wanted}
    if not set(arns) - listed:
        return []
    existing = [e for e in (describe_entry(module, client, name, a) for a in arns) if e]  # createdAt of all
    caller = call_or_fail(module, module.client("sts"), "get_caller_identity", "get the caller identity")["Arn"]
    delete, spared = plan_purge(existing, listed, cluster, caller)
    for arn in spared:
        module.warn(f"purge_entries spares {arn}: the cluster creator's or the caller's own entry (list it with "
                    "state=absent to delete it)")  # fmt: skip
    return [s for s in (read_entry(module, client, name, a) for a in delete) if s]


def delete_entry(module: AnsibleAWSModule, client, cluster: str, arn: str) -> None:
    try:
        call(client, "delete_access_entry", clusterName=cluster, principalArn=arn)
    except is_boto3_error_code(NOT_FOUND):
        return
    except AWS_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to delete access entry {arn} of EKS cluster {cluster}")


def apply_plan(module, client, cluster: str, wanted: dict[str, Any], current, plan: dict[str, Any]) -> None:
    arn = plan["principal_arn"]
    what = f"access entry {arn} of EKS cluster {cluster}"
    base = {"clusterName": cluster, "principalArn": arn}
    if plan["action"] == "delete":
        delete_entry(module, client, cluster, arn)
        return
    if plan["action"] == "create":
        optional = {"kubernetesGroups": wanted["kubernetes_groups"], "username": wanted["username"],
                    "tags": wanted["tags"]}  # fmt: skip
        kwargs = {**base, "type": wanted["type"], **{k: v for k, v in optional.items() if v}}
        call_or_fail(module, client, "create_access_entry", f"create {what}", **kwargs)
    elif plan["update"]:
        call_or_fail(module, client, "update_access_entry", f"update {what} ({', '.join(plan['update'])})",
                     **base, **plan["update"])  # fmt: skip
    for policy, scope in plan["associate"].items():
        access_scope = {"type": scope["type"], **({"namespaces": scope["namespaces"]} if scope["namespaces"] else {})}
        call_or_fail(module, client, "associate_access_policy", f"associate {policy_name(policy)} with {what}",
                     **base, policyArn=policy, accessScope=access_scope)  # fmt: skip
    for policy in plan["disassociate"]:
        call_or_fail(module, client, "disassociate_access_policy", f"disassociate {policy_name(policy)} from {what}",
                     **base, policyArn=policy)  # fmt: skip
    if plan["action"] == "update" and plan["tags"] is not None:
        update_tags(module, client, current["access_entry_arn"], plan["tags"])


def argument_spec() -> dict[str, Any]:
    scope = dict(type=dict(type="str", required=True, choices=list(SCOPE_TYPES)),
                 namespaces=dict(type="list", elements="str"))  # fmt: skip
    policy = dict(policy=dict(type="str", required=True), access_scope=dict(type="dict", required=True, options=scope))
    entry = dict(
        principal_arn=dict(type="str", required=True),
        type=dict(type="str", default="STANDARD", choices=list(ENTRY_TYPES)),
        kubernetes_groups=dict(type="list", elements="str"),
        username=dict(type="str"),
        policies=dict(type="list", elements="dict", options=policy),
        tags=dict(type="dict"),
        state=state_option(),
    )
    return dict(
        cluster_name=dict(type="str", required=True),
        entries=dict(type="list", elements="dict", required=True, options=entry),
        purge_entries=dict(type="bool", default=False),
        **tag_options(),
    )


def converge(module, client, name: str, wanted, current, plans, purged) -> list[dict[str, Any] | None]:
    """Apply the plans (not in check mode) and return the listed entries as they are (or will be)."""
    after = [state_after(current[w["principal_arn"]], w, plan) for w, plan in zip(wanted, plans, strict=True)]
    if module.check_mode or not (purged or any(plan_changed(plan) for plan in plans)):
        return after
    for w, plan in zip(wanted, plans, strict=True):
        apply_plan(module, client, name, w, current[w["principal_arn"]], plan)
    for state in purged:
        delete_entry(module, client, name, state["principal_arn"])
    kept = [w["principal_arn"] for w, state in zip(wanted, after, strict=True) if state]
    return [read_entry(module, client, name, arn) for arn in kept]


def main() -> None:
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    p = module.params
    partition = partition_for_region(module.region)
    problems = validate_entries(p["entries"], partition=partition)
    if problems:
        module.fail_json(msg="; ".join(problems))
    wanted = [wanted_entry(e, partition, p["tags"]) for e in p["entries"]]
    client = module.client("eks")
    name = p["cluster_name"]
    cluster = usable_cluster(module, client, name)
    check_policies_exist(module, client, p["entries"], partition)
    current = {w["principal_arn"]: read_entry(module, client, name, w["principal_arn"]) if cluster else None
               for w in wanted}  # fmt: skip
    plans = [plan_entry(i, w, current[w["principal_arn"]], p["purge_tags"]) for i, w in enumerate(wanted)]
    problems = [plan["problem"] for plan in plans if plan["problem"]]
    if problems:
        module.fail_json(msg="; ".join(problems))
    purged = purge_targets(module, client, cluster, wanted) if p["purge_entries"] and cluster else []
    changes = [line for plan in plans for line in describe_changes(plan)]
    changes += [f"{s['principal_arn']}: delete (purge_entries)" for s in purged]
    after = converge(module, client, name, wanted, current, plans, purged)
    before = {s["principal_arn"]: diff_view(s) for s in [*current.values(), *purged] if s}
    diff = {"before": before, "after": {s["principal_arn"]: diff_view(s) for s in after if s}}
    exit_with(module, bool(changes), diff=diff, access_entries=[result_view(s) for s in after if s], changes=changes)


if __name__ == "__main__":
    main()
