#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: eks_addons
short_description: Converge the EKS managed add-ons of one cluster in one call
version_added: 0.1.0
description:
  - Creates, updates or deletes the listed EKS managed add-ons (C(vpc-cni), C(coredns), C(kube-proxy),
    C(aws-ebs-csi-driver), C(eks-pod-identity-agent), ...) of one cluster. Add-ons not listed are left alone.
    amazon.aws and community.aws have no add-on module.
  - Before any write, every add-on's version is checked against C(DescribeAddonVersions) for the cluster's
    Kubernetes version; an incompatible version fails naming O(addons[].version) and listing the compatible
    ones. Bad options (duplicate names, an unknown O(addons[].resolve_conflicts), O(addons[].configuration_values)
    not a dict ...) fail before any AWS call, naming the option as C(addons[i].<option>).
  - The settings C(UpdateAddon) can change (version, configuration values, service account role, pod identity
    associations) are updated in place; tags with C(TagResource)/C(UntagResource). An option left out is not
    managed, except O(addons[].version), which then means the default version for the cluster's Kubernetes
    version (so an add-on follows that default, also after a cluster upgrade; pin a version to avoid that).
  - Order and waits - every create, update and delete of the call is started, in list order, and only then
    waited for (one O(wait_timeout) for all), so the add-ons progress in parallel. An add-on whose pods need
    nodes (C(coredns), C(aws-ebs-csi-driver)) becomes C(DEGRADED) without them - give it in a separate call
    after the node groups are C(ACTIVE). C(DEGRADED) or C(CREATE_FAILED) fails the wait at once with the
    add-on's health issues.
  - An existing add-on still C(CREATING)/C(UPDATING) (an earlier run that did not wait) is waited for before it
    is updated; a cluster still C(CREATING)/C(UPDATING) is waited for before the first write.
  - The cluster must exist. In check mode a missing cluster (created by an earlier task of the same run) is a
    warning and every add-on is planned as created; versions are then checked against O(cluster_version), or
    only to exist for some Kubernetes version when it is not given (an omitted version is then shown as null).
  - After a cluster upgrade, the add-ons follow the control plane - list each with the version for the new
    Kubernetes version and O(cluster_version) set to it. An add-on whose pods need nodes can be listed with
    O(addons[].create=false) in the call made before the node groups - updated when it exists, created later.
options:
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  cluster_version:
    description:
      - The Kubernetes version (C(<major>.<minor>)) the cluster runs when this task runs - normally the one an
        earlier task of the same run upgraded it to. Versions are checked against it.
      - In check mode, when the cluster still runs another version (the earlier task only planned the upgrade),
        or does not exist yet, the add-ons are planned for this version, with a warning.
      - In a real run the cluster must run it - another version fails before any change, naming this option.
      - Omitted - the cluster's version.
    type: str
  addons:
    description: The add-ons. Each name at most once.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Add-on name as C(DescribeAddonVersions) lists it.
        type: str
        required: true
      version:
        description:
          - Add-on version, e.g. C(v1.21.1-eksbuild.1); one C(DescribeAddonVersions) lists as compatible with
            the cluster's Kubernetes version.
          - Omitted - the version C(DescribeAddonVersions) marks as the default for the cluster's Kubernetes
            version.
        type: str
      configuration_values:
        description:
          - The add-on's configuration (its C(DescribeAddonConfiguration) schema) as a dict; sent as JSON.
          - Compared with the add-on's current configuration as parsed JSON/YAML, so key order or formatting
            never makes a change. C({}) removes the configuration. Omitted - not managed.
          - Anything but a dict fails naming C(addons[i].configuration_values).
        type: raw
      service_account_role_arn:
        description: IAM role (IRSA) bound to the add-on's service account. Omitted - not managed (the API
          cannot unset it).
        type: str
      pod_identity_associations:
        description:
          - EKS Pod Identity associations the add-on owns (compared as a set). C([]) removes them all.
            Omitted - not managed.
        type: list
        elements: dict
        suboptions:
          service_account:
            description: Kubernetes service account of the add-on (e.g. C(aws-node), C(ebs-csi-controller-sa)).
            type: str
            required: true
          role_arn:
            description: IAM role the service account assumes.
            type: str
            required: true
      resolve_conflicts:
        description: How EKS resolves conflicts with fields changed outside EKS, sent with every create and
          update (C(CreateAddon)/C(UpdateAddon) C(resolveConflicts)); not compared.
        type: str
        choices: [OVERWRITE, NONE, PRESERVE]
        default: OVERWRITE
      tags:
        description: Tags of this add-on, added to (and overriding) the module's O(tags). When neither is given,
          tags are not managed.
        type: dict
      preserve:
        description: With O(addons[].state=absent), keep the add-on's software on the cluster (C(DeleteAddon)
          C(preserve)).
        type: bool
        default: false
      create:
        description:
          - Whether a missing add-on is created. V(false) - an add-on that exists is converged (updated, tagged) and
            a missing one is left missing, without a change (C(status) null in RV(addons)).
          - For an add-on whose pods need nodes, listed with the add-ons updated before the node groups (after a
            cluster upgrade) and created by a later call, once a node group is C(ACTIVE).
        type: bool
        default: true
      state:
        description: Whether the add-on exists.
        type: str
        choices: [present, absent]
        default: present
  wait:
    description:
      - Wait until every created or updated add-on is C(ACTIVE) and every deleted one is gone.
      - Also waits for a listed add-on that needs no change but is still C(CREATING) or C(UPDATING) (started by an
        earlier call that did not wait for it, see O(wait_creates)), so that every listed add-on is C(ACTIVE) when
        the module returns; waiting alone is not a change.
    type: bool
    default: true
  wait_creates:
    description:
      - With V(false) and O(wait), the add-ons this call creates are started and not waited for (updates and
        deletes still are); a later call listing them with O(wait) waits for them. The compute layer creates the
        add-ons nodes need this way, starts the node groups at once and waits for those add-ons with the ones
        that need nodes, so that the node groups do not wait for them.
    type: bool
    default: true
  wait_timeout:
    description: Seconds all the waits of the run may take together.
    type: int
    default: 900
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - O(tags) are common to every listed add-on; O(purge_tags) applies to each add-on whose tags are managed.
  - C(resolve_conflicts) cannot be read back, so it never makes a change by itself.
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: Add-ons the nodes need, before the node groups
  cloudops.eks_platform.eks_addons:
    cluster_name: wealist-prod-eks
    tags:
      Project: wealist
    addons:
      - name: vpc-cni
        version: v1.21.1-eksbuild.1
        configuration_values:
          env:
            POD_SECURITY_GROUP_ENFORCING_MODE: standard
            ENABLE_PREFIX_DELEGATION: "true"
            WARM_PREFIX_TARGET: "1"
      - name: kube-proxy
        version: v1.34.1-eksbuild.2
      - name: eks-pod-identity-agent
        version: v1.3.10-eksbuild.2

- name: Add-ons whose pods run on the nodes, once a node group is ACTIVE
  cloudops.eks_platform.eks_addons:
    cluster_name: wealist-prod-eks
    tags:
      Project: wealist
    addons:
      - name: coredns
        version: v1.12.4-eksbuild.1
      - name: aws-ebs-csi-driver
        version: v1.54.0-eksbuild.1
        service_account_role_arn: "{{ ebs_csi_role_arn }}"

- name: After the cluster went 1.33 -> 1.34, before the node groups - coredns updated, not created if missing
  cloudops.eks_platform.eks_addons:
    cluster_name: wealist-prod-eks
    cluster_version: "1.34"
    addons:
      - name: kube-proxy
        version: v1.34.1-eksbuild.2
      - name: coredns
        version: v1.12.4-eksbuild.1
        create: false

- name: Remove an add-on but keep its software running
  cloudops.eks_platform.eks_addons:
    cluster_name: wealist-prod-eks
    addons:
      - name: metrics-server
        state: absent
        preserve: true
"""

RETURN = r"""
addons:
  description:
    - The listed add-ons, in the order given, as EKS reports them after the run (in check mode, as they would
      be). C(arn) and C(status) are null for an add-on that does not exist (or that check mode would create).
  returned: always
  type: list
  elements: dict
  sample:
    - name: vpc-cni
      arn: arn:aws:eks:ap-northeast-2:123456789012:addon/wealist-prod-eks/vpc-cni/0123
      version: v1.21.1-eksbuild.1
      status: ACTIVE
      configuration_values: {"env": {"ENABLE_PREFIX_DELEGATION": "true", "WARM_PREFIX_TARGET": "1"}}
      service_account_role_arn: null
      pod_identity_associations: []
      health_issues: []
      tags: {"Project": "wealist"}
changes:
  description: Add-on name to what was (or in check mode would be) changed - C(create), C(delete), the names of
    the updated options (C(version), C(configuration_values), C(service_account_role_arn),
    C(pod_identity_associations)) and C(tags). Add-ons without a change are not listed.
  returned: always
  type: dict
  sample: {"vpc-cni": ["configuration_values", "version"], "coredns": ["create"]}
"""

import json
import re
from collections.abc import Mapping
from typing import Any

import yaml
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import (
    AWS_ERRORS,
    call_or_fail,
    describe,
    exit_with,
    paginate,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import optional, tag_options, wait_options
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks import (
    NOT_FOUND,
    compatible_versions,
    describe_addon,
    describe_cluster,
    parse_version,
    planned_cluster_version,
    require_cluster,
    wait_status,
    wait_update,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import TagPlan, plan_tags, update_tags
from ansible_collections.cloudops.eks_platform.plugins.module_utils.waits import Budget

RESOLVE_CONFLICTS = ("OVERWRITE", "NONE", "PRESERVE")  # botocore eks model: ResolveConflicts
STATES = ("present", "absent")
#: The settings UpdateAddon changes, under their option names, with the request member of each.
UPDATABLE = {
    "version": "addonVersion",
    "configuration_values": "configurationValues",
    "service_account_role_arn": "serviceAccountRoleArn",
    "pod_identity_associations": "podIdentityAssociations",
}
BUSY = ("CREATING", "UPDATING")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")


# --- pure: options, versions, settings, plans ---------------------------------------------------------------


def validate(addons: list[Mapping[str, Any]], option: str = "addons") -> list[str]:
    """Every problem of the add-on entries (empty = valid), each naming ``<option>[i].<field>``."""
    problems: list[str] = []
    first: dict[str, int] = {}
    for i, entry in enumerate(addons):
        path = f"{option}[{i}]"
        name = entry.get("name")
        if name in first:
            problems.append(f"{path}.name: add-on {name} is already listed as {option}[{first[name]}]")
        first.setdefault(name, i)
        if entry.get("state", "present") not in STATES:
            problems.append(f"{path}.state must be one of {', '.join(STATES)}, got {entry.get('state')!r}")
        if entry.get("resolve_conflicts", "OVERWRITE") not in RESOLVE_CONFLICTS:
            problems.append(
                f"{path}.resolve_conflicts must be one of {', '.join(RESOLVE_CONFLICTS)}, "
                f"got {entry.get('resolve_conflicts')!r}"
            )
        config = entry.get("configuration_values")
        if config is not None and not isinstance(config, Mapping):
            problems.append(
                f"{path}.configuration_values must be a dict (sent to EKS as a JSON object), "
                f"got {type(config).__name__}"
            )
        elif config is not None:
            try:
                json.dumps(config)
            except (TypeError, ValueError) as e:
                problems.append(f"{path}.configuration_values cannot be written as JSON: {e}")
        role = entry.get("service_account_role_arn")
        if role is not None and not _ROLE_ARN.match(role):
            problems.append(f"{path}.service_account_role_arn must be an IAM role ARN, got {role!r}")
        accounts: list[str] = []
        for j, association in enumerate(entry.get("pod_identity_associations") or []):
            account = association.get("service_account")
            if account in accounts:
                problems.append(f"{path}.pod_identity_associations[{j}].service_account: {account} is listed twice")
            accounts.append(account)
            if not _ROLE_ARN.match(association.get("role_arn") or ""):
                problems.append(
                    f"{path}.pod_identity_associations[{j}].role_arn must be an IAM role ARN, "
                    f"got {association.get('role_arn')!r}"
                )
    return problems


def default_version(infos: list[Mapping[str, Any]], kubernetes_version: str | None) -> str | None:
    """The version whose compatibility with ``kubernetes_version`` has ``defaultVersion: true``."""
    for info in infos:
        for item in info.get("addonVersions") or []:
            for compatibility in item.get("compatibilities") or []:
                if compatibility.get("clusterVersion") == kubernetes_version and compatibility.get("defaultVersion"):
                    return item["addonVersion"]
    return None


def resolve_versions(
    addons: list[Mapping[str, Any]],
    catalog: Mapping[str, list[Mapping[str, Any]]],
    kubernetes_version: str | None,
    option: str = "addons",
) -> tuple[dict[str, str | None], list[str]]:
    """The version of every present add-on (name → version; None: omitted and the cluster's Kubernetes version
    unknown) and the problems, from ``catalog`` (name → its DescribeAddonVersions ``addons`` items)."""
    versions: dict[str, str | None] = {}
    problems: list[str] = []
    where = f"Kubernetes {kubernetes_version}" if kubernetes_version else "any Kubernetes version"
    for i, entry in enumerate(addons):
        if entry.get("state", "present") != "present":
            continue
        name, wanted = entry["name"], entry.get("version")
        compatible = compatible_versions(catalog.get(name) or [], kubernetes_version)
        if not compatible:
            problems.append(f"{option}[{i}].name: EKS lists no version of add-on {name} for {where}")
        elif wanted is not None and wanted not in compatible:
            problems.append(
                f"{option}[{i}].version: {name} {wanted} is not compatible with {where}; "
                f"compatible versions: {', '.join(compatible)}"
            )
        elif wanted is None and kubernetes_version is not None:
            wanted = default_version(catalog.get(name) or [], kubernetes_version)
            if wanted is None:
                problems.append(
                    f"{option}[{i}].version: EKS names no default version of {name} for {where}; "
                    f"set one of: {', '.join(compatible)}"
                )
        versions[name] = wanted
    return versions, problems


def parse_configuration(value: Any) -> Any:
    """Configuration values as EKS holds them (a JSON or YAML string; missing or empty = ``{}``), parsed;
    a dict stays as it is; a string that is neither JSON nor YAML stays a string."""
    if value is None or value == "":
        return {}
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        pass
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    return {} if parsed is None else parsed


def _canonical(value: Any) -> str:
    # JSON text with sorted keys: equal only for equal JSON (unlike ==, which takes True for 1 and 1 for 1.0)
    return json.dumps(parse_configuration(value), sort_keys=True, separators=(",", ":"), default=str)


def configuration_equal(current: Any, wanted: Any) -> bool:
    """Whether two configurations (strings as EKS returns them, or dicts) are the same JSON document."""
    return _canonical(current) == _canonical(wanted)


def associations(items: list[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """Pod identity associations as ``{service_account, role_arn}``, sorted; from the options or from
    DescribePodIdentityAssociation (``serviceAccount``/``roleArn``)."""
    out = [
        {
            "service_account": item.get("service_account", item.get("serviceAccount")),
            "role_arn": item.get("role_arn", item.get("roleArn")),
        }
        for item in items or []
    ]
    return sorted(out, key=lambda a: (str(a["service_account"]), str(a["role_arn"])))


def current_settings(addon: Mapping[str, Any] | None, described: list[Mapping[str, Any]] | None) -> dict | None:
    """What a DescribeAddon ``addon`` (with its described pod identity associations) has, or None."""
    if addon is None:
        return None
    return {
        "version": addon.get("addonVersion"),
        "configuration_values": parse_configuration(addon.get("configurationValues")),
        "service_account_role_arn": addon.get("serviceAccountRoleArn"),
        "pod_identity_associations": associations(described),
        "tags": dict(addon.get("tags") or {}),
    }


def wanted_settings(
    entry: Mapping[str, Any], version: str | None, common_tags: Mapping[str, Any] | None
) -> dict[str, Any]:
    """What an entry asks for; None = not managed (tags: when neither the module nor the entry has tags)."""
    tags = None
    if common_tags is not None or entry.get("tags") is not None:
        tags = {k: str(v) for k, v in {**(common_tags or {}), **(entry.get("tags") or {})}.items()}
    config = entry.get("configuration_values")
    pod_identity = entry.get("pod_identity_associations")
    return {
        "version": version,
        "configuration_values": None if config is None else dict(config),
        "service_account_role_arn": entry.get("service_account_role_arn"),
        "pod_identity_associations": None if pod_identity is None else associations(pod_identity),
        "tags": tags,
    }


def settings_differ(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    """Names of the updatable settings the entry manages that differ from the add-on's."""
    differ = []
    for key in UPDATABLE:
        want = wanted.get(key)
        if want is None:
            continue
        if key == "configuration_values":
            same = configuration_equal(current.get(key), want)
        else:
            same = current.get(key) == want
        if not same:
            differ.append(key)
    return sorted(differ)


def plan_addon(
    current: Mapping[str, Any] | None, wanted: Mapping[str, Any], state: str, purge_tags: bool, create: bool = True
) -> dict[str, Any]:
    """``action`` (create / update / delete / None), the ``settings`` an update sends and the tag plan
    (None for a create or delete: CreateAddon takes the tags). ``create=False``: a missing add-on stays missing."""
    if state == "absent":
        return {"action": "delete" if current is not None else None, "settings": [], "tags": None}
    if current is None:
        return {"action": "create" if create else None, "settings": [], "tags": None}
    differ = settings_differ(current, wanted)
    return {
        "action": "update" if differ else None,
        "settings": differ,
        "tags": plan_tags(current["tags"], wanted["tags"], purge_tags),
    }


def plan_changes(plan: Mapping[str, Any]) -> list[str]:
    """What a plan changes: ``create``, ``delete``, updated option names, ``tags``."""
    if plan["action"] in ("create", "delete"):
        return [plan["action"]]
    tags: TagPlan | None = plan["tags"]
    return list(plan["settings"]) + (["tags"] if tags is not None and tags.changed else [])


def planned_settings(
    current: Mapping[str, Any] | None, wanted: Mapping[str, Any], plan: Mapping[str, Any]
) -> dict | None:
    """The settings the add-on has once the plan is carried out (None: it will not exist)."""
    if plan["action"] == "delete" or (current is None and plan["action"] != "create"):
        return None
    if plan["action"] == "create":
        return {
            "version": wanted["version"],
            "configuration_values": wanted["configuration_values"] or {},
            "service_account_role_arn": wanted["service_account_role_arn"],
            "pod_identity_associations": wanted["pod_identity_associations"] or [],
            "tags": dict(wanted["tags"] or {}),
        }
    after = dict(current)
    after.update({key: wanted[key] for key in UPDATABLE if wanted.get(key) is not None})
    after["tags"] = plan["tags"].after
    return after


def diff_view(settings: Mapping[str, Any] | None, entry: Mapping[str, Any], common_tags: Any) -> dict | None:
    """The settings the entry manages (version always; tags when managed), for ``diff``."""
    if settings is None:
        return None
    managed = ["version"] + [key for key in UPDATABLE if key != "version" and entry.get(key) is not None]
    if common_tags is not None or entry.get("tags") is not None:
        managed.append("tags")
    return {key: settings.get(key) for key in managed}


def addon_view(name: str, settings: Mapping[str, Any] | None, addon: Mapping[str, Any] | None) -> dict[str, Any]:
    """One item of the returned ``addons``."""
    settings = settings or {}
    return {
        "name": name,
        "arn": (addon or {}).get("addonArn"),
        "status": (addon or {}).get("status"),
        "version": settings.get("version"),
        "configuration_values": settings.get("configuration_values", {}),
        "service_account_role_arn": settings.get("service_account_role_arn"),
        "pod_identity_associations": settings.get("pod_identity_associations", []),
        "health_issues": [camel_dict_to_snake_dict(i) for i in ((addon or {}).get("health") or {}).get("issues", [])],
        "tags": dict(settings.get("tags") or {}),
    }


def _json(config: Mapping[str, Any]) -> str:
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def _api_associations(items: list[Mapping[str, str]]) -> list[dict[str, str]]:
    return [{"serviceAccount": a["service_account"], "roleArn": a["role_arn"]} for a in items]


def create_request(cluster: str, entry: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """CreateAddon's arguments."""
    request: dict[str, Any] = {
        "clusterName": cluster,
        "addonName": entry["name"],
        "resolveConflicts": entry.get("resolve_conflicts") or "OVERWRITE",
    }
    if wanted["version"]:
        request["addonVersion"] = wanted["version"]
    if wanted["configuration_values"]:
        request["configurationValues"] = _json(wanted["configuration_values"])
    if wanted["service_account_role_arn"]:
        request["serviceAccountRoleArn"] = wanted["service_account_role_arn"]
    if wanted["pod_identity_associations"]:
        request["podIdentityAssociations"] = _api_associations(wanted["pod_identity_associations"])
    if wanted["tags"]:
        request["tags"] = dict(wanted["tags"])
    return request


def update_request(
    cluster: str, entry: Mapping[str, Any], wanted: Mapping[str, Any], settings: list[str]
) -> dict[str, Any]:
    """UpdateAddon's arguments: the differing ``settings`` only (``[]`` pod identity associations removes the
    add-on's associations, ``{}`` configuration removes the configuration)."""
    request: dict[str, Any] = {
        "clusterName": cluster,
        "addonName": entry["name"],
        "resolveConflicts": entry.get("resolve_conflicts") or "OVERWRITE",
    }
    for key in settings:
        value = wanted[key]
        if key == "configuration_values":
            value = _json(value)
        elif key == "pod_identity_associations":
            value = _api_associations(value)
        request[UPDATABLE[key]] = value
    return request


# --- AWS calls ----------------------------------------------------------------------------------------------


def addon_catalog(module, client, names: list[str], kubernetes_version: str | None) -> dict[str, list]:
    """Name → DescribeAddonVersions ``addons`` items for the cluster's Kubernetes version (all when None)."""
    catalog = {}
    for name in names:
        kwargs = {"addonName": name}
        if kubernetes_version:
            kwargs["kubernetesVersion"] = kubernetes_version
        try:
            catalog[name] = paginate(client, "describe_addon_versions", **kwargs).get("addons", [])
        except AWS_ERRORS as e:
            module.fail_json_aws(e, msg=f"Failed to describe the versions of add-on {name}")
    return catalog


def read_associations(module, client, cluster: str, addon: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The pod identity associations an add-on owns (its ``podIdentityAssociations`` are ARNs)."""
    found = []
    for arn in (addon or {}).get("podIdentityAssociations") or []:
        association_id = arn.rsplit("/", 1)[-1]
        item = describe(
            module, client, "describe_pod_identity_association", NOT_FOUND,
            f"pod identity association {association_id} of EKS cluster {cluster}",
            clusterName=cluster, associationId=association_id,
        )  # fmt: skip
        if item:
            found.append(item["association"])
    return found


class Run:
    """One module run: the client, the cluster, the budget, and the add-ons' reads, plans and waits."""

    def __init__(self, module, client) -> None:
        self.module, self.client = module, client
        self.p = module.params
        self.cluster = self.p["cluster_name"]
        self.budget = Budget(self.p["wait_timeout"])

    def what(self, name: str) -> str:
        return f"add-on {name} of EKS cluster {self.cluster}"

    def fetch(self, name: str):
        return lambda: describe_addon(self.module, self.client, self.cluster, name)

    def read(self, name: str) -> tuple[dict | None, dict | None]:
        addon = describe_addon(self.module, self.client, self.cluster, name)
        return addon, current_settings(addon, read_associations(self.module, self.client, self.cluster, addon))

    def existing(self, entry: Mapping[str, Any], cluster: Mapping[str, Any] | None) -> tuple[dict | None, dict | None]:
        """The add-on and its settings; one being deleted counts as missing (waited for when it is wanted)."""
        if cluster is None:
            return None, None
        addon, settings = self.read(entry["name"])
        if addon and addon.get("status") == "DELETING":
            if entry["state"] == "present" and entry.get("create", True) and not self.module.check_mode:
                wait_status(self.module, self.fetch(entry["name"]), self.budget, self.what(entry["name"]), status=None)
            return None, None
        return addon, settings

    def ready_cluster(self, cluster: Mapping[str, Any]) -> None:
        if cluster.get("status") in BUSY:
            fetch = lambda: describe_cluster(self.module, self.client, self.cluster)  # noqa: E731
            wait_status(self.module, fetch, self.budget, f"EKS cluster {self.cluster}")

    def start(self, entry, addon, wanted, plan) -> Any:
        """Make the plan's call(s); return what to wait for (None: nothing)."""
        name, action = entry["name"], plan["action"]
        if action == "create":
            request = create_request(self.cluster, entry, wanted)
            call_or_fail(self.module, self.client, "create_addon", f"create {self.what(name)}", **request)
            return ("create", name, None)
        if action == "delete":
            call_or_fail(
                self.module, self.client, "delete_addon", f"delete {self.what(name)}",
                clusterName=self.cluster, addonName=name, preserve=entry["preserve"],
            )  # fmt: skip
            return ("delete", name, None)
        if plan["tags"] is not None:
            update_tags(self.module, self.client, addon["addonArn"], plan["tags"])
        if action == "update":
            if addon.get("status") in BUSY:  # an earlier run that did not wait: UpdateAddon would be refused
                wait_status(self.module, self.fetch(name), self.budget, self.what(name))
            request = update_request(self.cluster, entry, wanted, plan["settings"])
            what = f"update {self.what(name)} ({', '.join(plan['settings'])})"
            update = call_or_fail(self.module, self.client, "update_addon", what, **request)["update"]
            return ("update", name, update)
        return None

    def wait(self, kind: str, name: str, update: Mapping[str, Any] | None) -> None:
        if kind == "delete":
            wait_status(self.module, self.fetch(name), self.budget, self.what(name), status=None)
            return
        if update is not None:
            wait_update(self.module, self.client, self.cluster, update, self.budget, f"update of {self.what(name)}",
                        addon=name)  # fmt: skip
        wait_status(self.module, self.fetch(name), self.budget, self.what(name))


def run(module, client) -> None:
    p = module.params
    entries = p["addons"]
    problems = validate(entries)
    if problems:
        module.fail_json(msg="; ".join(problems))
    expected = p.get("cluster_version")
    if expected is not None and parse_version(expected) is None:
        module.fail_json(msg=f'cluster_version must be <major>.<minor>, e.g. "1.34"; got {expected!r}')
    r = Run(module, client)
    cluster = require_cluster(module, client, r.cluster)
    kubernetes_version, warning, failure = planned_cluster_version(
        r.cluster, cluster.get("version") if cluster else None, expected, module.check_mode
    )
    if failure:
        module.fail_json(msg=failure)
    if warning:
        module.warn(warning)
    present = [e["name"] for e in entries if e["state"] == "present"]
    versions, problems = resolve_versions(entries, addon_catalog(module, client, present, kubernetes_version),
                                          kubernetes_version)  # fmt: skip
    if problems:
        module.fail_json(msg=f"EKS cluster {r.cluster}: " + "; ".join(problems))

    plans = []
    for entry in entries:
        addon, current = r.existing(entry, cluster)
        wanted = wanted_settings(entry, versions.get(entry["name"]), p["tags"])
        plan = plan_addon(current, wanted, entry["state"], p["purge_tags"], entry.get("create", True))
        plans.append((entry, addon, current, wanted, plan))
    changes = {e["name"]: plan_changes(plan) for e, _a, _c, _w, plan in plans if plan_changes(plan)}

    if not module.check_mode and changes:
        r.ready_cluster(cluster)
        pending = [r.start(e, a, w, plan) for e, a, _c, w, plan in plans]
        if p["wait"]:
            for item in filter(None, pending):
                if item[0] != "create" or p["wait_creates"]:
                    r.wait(*item)
    # created or updated by an earlier call that did not wait (wait_creates=false): waiting is not a change
    busy = [e["name"] for e, addon, _c, _w, _p in plans
            if addon and addon.get("status") in BUSY and e["name"] not in changes] if p["wait"] else []  # fmt: skip
    if not module.check_mode:
        for name in busy:
            wait_status(module, r.fetch(name), r.budget, r.what(name))
    before, after, result = {}, {}, []
    for entry, addon, current, wanted, plan in plans:
        name = entry["name"]
        settings = planned_settings(current, wanted, plan) if name in changes else current
        if (name in changes or name in busy) and not module.check_mode:
            addon, settings = r.read(name)  # after the waits: as EKS reports it (DELETING when not waited for)
        if current is not None:
            before[name] = diff_view(current, entry, p["tags"])
        if settings is not None and plan["action"] != "delete":
            after[name] = diff_view(settings, entry, p["tags"])
        result.append(addon_view(name, settings, addon if settings is not None else None))
    exit_with(module, bool(changes), diff={"before": before, "after": after}, addons=result, changes=changes)


def argument_spec() -> dict[str, Any]:
    association = dict(service_account=dict(type="str", required=True), role_arn=dict(type="str", required=True))
    addon = dict(
        name=dict(type="str", required=True),
        **optional("str", "version", "service_account_role_arn"),
        configuration_values=dict(type="raw"),
        pod_identity_associations=dict(type="list", elements="dict", options=association),
        # choices are checked by validate(), which names the entry (addons[i].resolve_conflicts)
        resolve_conflicts=dict(type="str", default="OVERWRITE"),
        tags=dict(type="dict"),
        preserve=dict(type="bool", default=False),
        create=dict(type="bool", default=True),
        state=dict(type="str", default="present"),
    )
    return dict(
        cluster_name=dict(type="str", required=True),
        cluster_version=dict(type="str"),
        addons=dict(type="list", elements="dict", required=True, options=addon),
        **tag_options(),
        **wait_options(900),
        wait_creates=dict(type="bool", default=True),
    )


def main() -> None:
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    run(module, module.client("eks"))


if __name__ == "__main__":
    main()
