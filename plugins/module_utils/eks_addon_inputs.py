# Copyright: cloudops.eks_platform contributors
# Apache-2.0
"""EKS managed add-on list entries (``platform_eks_addons``) of the aws_eks_addons role: validation, the two
phases (before / after the node groups) and what the ``cloudops.eks_platform.eks_addons`` module is sent.

An entry: ``name`` and ``version`` (``v<major>.<minor>.<patch>-eksbuild.<n>``, pinned) and/or ``versions`` (the
pins per Kubernetes minor version, ``{"1.34": v..., "1.35": v...}``: the one of the cluster's target version -
``platform_eks_version`` - is used, else ``version``) required; ``configuration_values`` (a dict; left out =
none), ``resolve_conflicts``, ``tags``, ``after_nodes``,
``service_account_role_arn`` (IRSA) or ``pod_identity`` (``{service_account, managed_policies?, statements?}``:
the role makes an IAM role ``<prefix>-<add-on>-pod-identity`` exactly like a platform_eks_pod_identities entry -
module_utils/eks_pod_identity_inputs.py - and the add-on owns the association).

Add-ons whose pods need nodes (coredns, aws-ebs-csi-driver, ... - the role input ``node_dependent``) are in the
``after_nodes`` phase and may not say ``after_nodes: false``: created before a node group, they stay CREATING
and end DEGRADED. Once they exist they are also updated with the ``before_nodes`` call (``create: false``): after a
cluster upgrade every add-on follows the control plane before the node groups are upgraded.

Pure functions (no Ansible, no boto3): plugins/filter/eks_addons.py and the unit tests import them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_pod_identity_inputs import (
    ADDON_POD_IDENTITY_FIELDS,
    DNS1123_SUBDOMAIN,
    ROLE_NAME,
    PlaceholderError,
    addon_role_name,
    needs,
    permissions_problems,
    role_spec,
    substitute,
    validation_context,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.list_entries import field_label, type_name

ADDON_FIELDS = (
    "name",
    "version",
    "versions",
    "configuration_values",
    "service_account_role_arn",
    "pod_identity",
    "resolve_conflicts",
    "tags",
    "after_nodes",
)
PHASES = ("before_nodes", "after_nodes")
RESOLVE_CONFLICTS = ("OVERWRITE", "NONE", "PRESERVE")
POD_IDENTITY_AGENT = "eks-pod-identity-agent"
#: EKS add-on versions: v<semver>-eksbuild.<n>.
VERSION = re.compile(r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")
#: Add-on names as DescribeAddonVersions lists them (AWS: vpc-cni; marketplace: vendor_product).
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/([\x21-\x7e]+/)?[\w+=,.@-]{1,64}$", re.ASCII)
#: Kubernetes minor versions, the keys of ``versions``.
MINOR = re.compile(r"^\d+\.\d+$")


def pick_version(entry: Mapping[str, Any], kubernetes_version: Any) -> tuple[Any, str]:
    """The add-on version for the cluster's Kubernetes version and the field it comes from: ``versions[<minor>]``
    when the entry pins one for ``kubernetes_version``, else ``version`` (None when neither)."""
    pins = entry.get("versions")
    minor = str(kubernetes_version or "")
    if isinstance(pins, Mapping) and minor and minor in pins:
        return pins[minor], f'versions["{minor}"]'
    return entry.get("version"), "version"


def _version_problems(label: str, entry: Mapping[str, Any], target: str) -> list[str]:
    """``version`` / ``versions`` of one entry: formats, and a version for the target Kubernetes version."""
    problems = []
    version, pins = entry.get("version"), entry.get("versions")
    if version is not None and (not isinstance(version, str) or not VERSION.match(version)):
        problems.append(
            f"{label}.version: {version!r} is not an EKS add-on version "
            "(v<major>.<minor>.<patch>-eksbuild.<n>, e.g. v1.21.1-eksbuild.1)"
        )
    if pins is not None:
        if not isinstance(pins, Mapping) or not pins:
            return problems + [
                f"{label}.versions: must be a dict of Kubernetes minor version -> add-on version, e.g. "
                '{"1.34": v1.34.1-eksbuild.2, "1.35": ...} (quote the keys)'
            ]
        for minor, pinned in pins.items():
            if not isinstance(minor, str) or not MINOR.match(minor):
                hint = " - quote it (1.30 unquoted is the number 1.3)" if isinstance(minor, (int, float)) else ""
                problems.append(f'{label}.versions: key {minor!r} is not a Kubernetes minor version like "1.34"{hint}')
            elif not isinstance(pinned, str) or not VERSION.match(pinned):
                problems.append(
                    f'{label}.versions["{minor}"]: {pinned!r} is not an EKS add-on version '
                    "(v<major>.<minor>.<patch>-eksbuild.<n>)"
                )
    if version is None and pins is None:
        problems.append(
            f"{label}.version: missing - pin the version (v<major>.<minor>.<patch>-eksbuild.<n>, "
            "e.g. v1.21.1-eksbuild.1; aws eks describe-addon-versions lists them), or one per Kubernetes minor "
            "version in versions"
        )
    elif version is None and isinstance(pins, Mapping) and pins:
        if not target:
            problems.append(
                f"{label}.versions: the cluster's Kubernetes version (platform_eks_version) is not set, so none of "
                "these pins can be chosen: set platform_eks_version or give version"
            )
        elif target not in pins:
            known = ", ".join(str(k) for k in pins)
            problems.append(
                f"{label}.versions: no version for Kubernetes {target} (platform_eks_version; pinned: {known}) - "
                f'add "{target}": <the add-on version for {target}> (aws eks describe-addon-versions '
                f"--kubernetes-version {target} --addon-name {entry.get('name')})"
            )
    return problems


def addon_pins(entries: Any, kubernetes_version: Any, var: str = "platform_eks_addons") -> list[dict[str, Any]]:
    """The add-on version each (valid) entry uses for ``kubernetes_version``: ``{name, version, field}``, field the
    variable path it comes from (``platform_eks_addons[2].versions["1.35"]``). Entries without one are left out."""
    pins = []
    for index, entry in enumerate(entries or []):
        if not isinstance(entry, Mapping) or entry.get("state", "present") != "present":
            continue
        version, where = pick_version(entry, kubernetes_version)
        if isinstance(version, str) and isinstance(entry.get("name"), str):
            pins.append({"name": entry["name"], "version": version, "field": f"{field_label(var, index)}.{where}"})
    return pins


def after_nodes(entry: Mapping[str, Any], node_dependent: Sequence[str]) -> bool:
    """Whether the add-on belongs to the after_nodes phase."""
    given = entry.get("after_nodes")
    return bool(given) if given is not None else entry.get("name") in node_dependent


def addon_problems(entries: Any, context: Mapping[str, Any], var: str = "platform_eks_addons") -> list[str]:
    """Every problem of the add-on list (empty = valid), named ``<var>[i].<field>``.

    ``context``: node_dependent (add-on names that need nodes), kubernetes_version (the cluster's target version,
    platform_eks_version: picks among ``versions``; '' = not set), and for the pod identity roles what
    :func:`eks_pod_identity_inputs.pod_identity_problems` takes (platform_name / name_prefix, region, secret_prefix,
    cluster_name, buckets, bucket_prefix)."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        return [f"{var}: must be a list of add-on entries (empty list = none)"]
    ctx = validation_context(context)
    target = str(context.get("kubernetes_version") or "")
    prefix = str(context.get("name_prefix") or context.get("platform_name") or "")
    node_dependent = list(context.get("node_dependent") or [])
    names = [e.get("name") for e in entries if isinstance(e, Mapping)]
    problems: list[str] = []
    first: dict[str, int] = {}
    for index, entry in enumerate(entries):
        label = field_label(var, index)
        if not isinstance(entry, Mapping):
            problems.append(f"{label}: each entry must be a dict (got {type_name(entry)})")
            continue
        for key in sorted(str(k) for k in entry if str(k) not in ADDON_FIELDS):
            problems.append(f"{label}.{key}: unknown field (allowed: {', '.join(ADDON_FIELDS)})")
        name = entry.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            problems.append(
                f"{label}.name: {name!r} is not an EKS add-on name (lower-case letters, digits, '-' and "
                "'_', as DescribeAddonVersions lists it)"
            )
        elif name in first:
            problems.append(f"{label}.name: add-on {name} is already listed as {field_label(var, first[name])}")
        else:
            first[name] = index
        problems += _version_problems(label, entry, target)
        config = entry.get("configuration_values")
        if config is not None:
            if not isinstance(config, Mapping):
                problems.append(
                    f"{label}.configuration_values: must be a dict (sent to EKS as a JSON object), got "
                    f"{type_name(config)}"
                )
            elif isinstance(config.get("env"), Mapping):
                for key, value in config["env"].items():
                    if not isinstance(value, str):
                        quoted = str(value).lower() if isinstance(value, bool) else str(value)
                        problems.append(
                            f"{label}.configuration_values.env.{key}: {value!r} is not a string - the add-on's "
                            f'schema takes environment values as strings: quote it ("{quoted}")'
                        )
        resolve = entry.get("resolve_conflicts")
        if resolve is not None and resolve not in RESOLVE_CONFLICTS:
            problems.append(
                f"{label}.resolve_conflicts: must be one of {', '.join(RESOLVE_CONFLICTS)} (got {resolve!r})"
            )
        tags = entry.get("tags")
        if tags is not None and not isinstance(tags, Mapping):
            problems.append(f"{label}.tags: must be a dict")
        flag = entry.get("after_nodes")
        if flag is not None and not isinstance(flag, bool):
            problems.append(f"{label}.after_nodes: must be true or false")
        elif flag is False and name in node_dependent:
            problems.append(
                f"{label}.after_nodes: {name} runs pods on the nodes, so it is only installed after a node group is "
                "ACTIVE (aws_eks_addons_node_dependent) - before the nodes it stays CREATING and ends DEGRADED"
            )
        role = entry.get("service_account_role_arn")
        if role is not None:
            try:
                resolved = substitute(str(role), ctx)
            except PlaceholderError as exc:
                problems.append(f"{label}.service_account_role_arn: {exc}")
            else:
                if not _ROLE_ARN.match(resolved):
                    problems.append(f"{label}.service_account_role_arn: {role!r} is not an IAM role ARN")
        identity = entry.get("pod_identity")
        if identity is not None:
            problems += _pod_identity_problems(identity, f"{label}.pod_identity", name, prefix, ctx)
            if role is not None:
                problems.append(f"{label}.pod_identity: give service_account_role_arn (IRSA) or pod_identity, not both")
            if POD_IDENTITY_AGENT not in names:
                problems.append(
                    f"{label}.pod_identity: needs the {POD_IDENTITY_AGENT} add-on, which {var} does not "
                    "list (its pods get the role's credentials through the agent)"
                )
    return problems


def _pod_identity_problems(identity: Any, label: str, addon: Any, prefix: str, ctx: Mapping[str, Any]) -> list[str]:
    if not isinstance(identity, Mapping):
        return [f"{label}: must be a dict {{service_account, managed_policies?, statements?}}"]
    problems = [
        f"{label}.{key}: unknown field (allowed: {', '.join(ADDON_POD_IDENTITY_FIELDS)})"
        for key in sorted(str(k) for k in identity if str(k) not in ADDON_POD_IDENTITY_FIELDS)
    ]
    account = identity.get("service_account")
    if not isinstance(account, str) or len(account) > 253 or not DNS1123_SUBDOMAIN.match(account):
        problems.append(
            f"{label}.service_account: {account!r} is not a Kubernetes service account name "
            "(the add-on's, e.g. ebs-csi-controller-sa)"
        )
    if isinstance(addon, str):
        name = addon_role_name(addon, prefix)
        if not ROLE_NAME.match(name):
            problems.append(
                f"{label}: gives the role name {name!r}, not a valid IAM role name (at most 64 letters, "
                "digits and +=,.@_-)"
            )
    return problems + permissions_problems(identity, label, ctx)


def addon_specs(entries: Sequence[Mapping[str, Any]], context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One spec per (validated) entry: ``name``, ``after_nodes``, ``phase``, ``role`` (the pod identity role as
    :func:`eks_pod_identity_inputs.role_spec` makes it, or None) and ``addon`` (the entry of the eks_addons
    module's ``addons`` option). The role and the module entry are exactly what the inventory says: no
    configuration values means ``{}`` and no pod_identity means no association (both converge).

    ``context``: node_dependent, resolve_conflicts (default of an entry), kubernetes_version (picks the entry's
    ``versions`` pin; else ``version``), and what
    :func:`eks_pod_identity_inputs.pod_identity_specs` takes (partition, account_id, region, platform_name /
    name_prefix, secret_prefix, cluster_name, kms_key_arn, buckets, bucket_prefix, role_path, policy_name,
    tags = the roles' base tags)."""
    prefix = str(context.get("name_prefix") or context.get("platform_name") or "")
    node_dependent = list(context.get("node_dependent") or [])
    base = dict(context.get("tags") or {})
    specs = []
    for entry in entries or []:
        name = str(entry["name"])
        late = after_nodes(entry, node_dependent)
        addon: dict[str, Any] = {
            "name": name,
            "version": pick_version(entry, context.get("kubernetes_version"))[0],
            "configuration_values": dict(entry.get("configuration_values") or {}),
            "resolve_conflicts": entry.get("resolve_conflicts") or context.get("resolve_conflicts") or "OVERWRITE",
            "tags": {"Name": name, **{str(k): str(v) for k, v in (entry.get("tags") or {}).items()}},
            "pod_identity_associations": [],
        }
        if entry.get("service_account_role_arn"):
            addon["service_account_role_arn"] = substitute(str(entry["service_account_role_arn"]), context)
        role = None
        identity = entry.get("pod_identity")
        if identity:
            role_name = addon_role_name(name, prefix)
            account = str(identity["service_account"])
            role = role_spec(
                name=role_name,
                entry=identity,
                context=context,
                tags={
                    **base,
                    "Name": role_name,
                    "ClusterName": context.get("cluster_name"),
                    "Addon": name,
                    "ServiceAccount": account,
                },
                description=f"EKS Pod Identity of the add-on {name} ({account}) on {context.get('cluster_name')}",
            )
            addon["pod_identity_associations"] = [{"service_account": account, "role_arn": role["arn"]}]
        specs.append(
            {"name": name, "after_nodes": late, "phase": PHASES[1] if late else PHASES[0], "role": role, "addon": addon}
        )
    return specs


def phase_addons(specs: Sequence[Mapping[str, Any]], phase: str, update_late: bool = False) -> list[dict[str, Any]]:
    """The eks_addons module entries of one phase (before_nodes or after_nodes), in list order.

    ``update_late``: the before_nodes call also lists the after_nodes add-ons, with ``create: false`` - those that
    already exist are converged (updated) with the others, those that do not are left to the after_nodes call,
    which creates them once a node group is ACTIVE. So after a cluster upgrade every add-on is updated before the
    node groups, and a fresh build still creates coredns only after them. For the after_nodes call it lists the
    before_nodes add-ons (``create: false``) after its own: that call waits for them, so the before_nodes call
    may leave its creates unwaited (``wait_creates: false``) and the node groups start at once."""
    own = [spec["addon"] for spec in specs if spec["phase"] == phase]
    if not update_late:
        return own
    other = PHASES[1] if phase == PHASES[0] else PHASES[0]
    return own + [{**spec["addon"], "create": False} for spec in specs if spec["phase"] == other]


def phase_roles(specs: Sequence[Mapping[str, Any]], phases: Sequence[str]) -> list[dict[str, Any]]:
    """The pod identity roles of the add-ons of the given phases."""
    return [spec["role"] for spec in specs if spec["role"] and spec["phase"] in phases]


def phases(phase: str) -> list[str]:
    """The phases a role run covers: ``all`` is both, in order."""
    return list(PHASES) if phase == "all" else [phase]


def addons_need(
    entries: Any, kind: str, selected: Sequence[str] | None = None, node_dependent: Sequence[str] = ()
) -> bool:
    """Whether a pod_identity of the entries (of the selected phases) uses the placeholder ``kind``."""
    identities = []
    for entry in entries or []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("pod_identity"), Mapping):
            continue
        phase = PHASES[1] if after_nodes(entry, node_dependent) else PHASES[0]
        if selected is None or phase in selected:
            identities.append(entry["pod_identity"])
    return needs(identities, kind)


def addon_teardown(
    entries: Sequence[Mapping[str, Any]], prefix: str, selected: Sequence[str], node_dependent: Sequence[str] = ()
) -> dict[str, Any]:
    """The add-ons of the selected phases by name only - what teardown removes: ``addons`` (eks_addons entries with
    state absent), ``roles`` (the add-ons' pod identity role names); and ``after_nodes`` (the names of those in
    the after_nodes phase)."""
    chosen = [e for e in entries or [] if (PHASES[1] if after_nodes(e, node_dependent) else PHASES[0]) in selected]
    return {
        "addons": [{"name": str(e["name"]), "state": "absent"} for e in chosen],
        "roles": [addon_role_name(str(e["name"]), prefix) for e in chosen if e.get("pod_identity")],
        "after_nodes": [str(e["name"]) for e in chosen if after_nodes(e, node_dependent)],
    }
