#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: eks_cluster
short_description: Manage an EKS cluster's control plane, its settings and its Kubernetes version
version_added: 0.1.0
description:
  - Creates, converges or deletes one EKS cluster, found by its name. Unlike C(community.aws.eks_cluster) it
    manages endpoint access, control-plane logging, secrets encryption and the access configuration, and
    upgrades the Kubernetes version.
  - An existing cluster is changed in place with C(UpdateClusterConfig), one kind of change per call as EKS
    requires, in this order - subnets and security groups, endpoint access, logging, authentication mode,
    deletion protection - then C(UpdateClusterVersion). Each call returns an update that is waited for
    (C(DescribeUpdate)) before the next call; the whole run shares one time budget, O(wait_timeout).
  - Every refusal is decided after the cluster is read and before any change is made, and names the
    option - a different O(role_arn) (EKS cannot change the role), a different O(encryption_key_arn)
    (EKS cannot change or remove the key), a O(version) lower than the cluster's or more than one minor
    version above it, and a backwards O(authentication_mode).
  - Reported as drift with a warning and left alone (never sent) - O(encryption_key_arn) on a cluster
    created without secrets encryption (this module sets encryption only at creation; it does not call
    C(AssociateEncryptionConfig)), and O(bootstrap_cluster_creator_admin_permissions) (creation only).
  - An option that is omitted is not managed - the cluster's value is kept, and EKS's default applies at
    creation.
options:
  name:
    description: Name of the cluster.
    type: str
    required: true
  version:
    description:
      - Kubernetes version, C(<major>.<minor>), e.g. C("1.34"). Quote it in YAML (C(1.30) unquoted is the
        number 1.3, which is refused).
      - On an existing cluster the same version does nothing, one minor version up is an upgrade
        (C(UpdateClusterVersion)); a downgrade or a jump of two or more minors fails before any change
        (EKS upgrades one minor at a time).
      - Omitted at creation, EKS chooses its default version.
    type: str
  role_arn:
    description: ARN of the cluster's IAM role. Required to create; cannot change afterwards (a difference fails).
    type: str
  subnets:
    description:
      - Subnet ids (at least two Availability Zones, one VPC). Required to create.
      - On an existing cluster a different list is changed in place (C(UpdateClusterConfig) with
        C(resourcesVpcConfig.subnetIds)); EKS requires the new subnets to be in the cluster's VPC.
    type: list
    elements: str
  security_groups:
    description:
      - Extra security groups of the control-plane network interfaces (EKS also creates a cluster security
        group of its own, not listed here). C([]) means none. Changed in place like O(subnets).
    type: list
    elements: str
  endpoint_public_access:
    description: Whether the API server endpoint is public (EKS default C(true)).
    type: bool
  endpoint_private_access:
    description: Whether the API server endpoint is reachable from the VPC (EKS default C(false)).
    type: bool
  public_access_cidrs:
    description:
      - CIDR blocks allowed to reach the public endpoint (EKS default C(0.0.0.0/0)). Compared as a set.
      - Cannot be given with O(endpoint_public_access=false).
    type: list
    elements: str
  logging:
    description:
      - Control-plane log types exported to CloudWatch Logs; the others are turned off. C([]) turns every
        type off.
    type: list
    elements: str
    choices: [api, audit, authenticator, controllerManager, scheduler]
  encryption_key_arn:
    description:
      - KMS key (ARN, id, alias or alias ARN) for envelope encryption of Kubernetes secrets
        (C(encryptionConfig) with resources C(["secrets"])). Set at creation only.
      - On an existing cluster a different key fails; a cluster without encryption is reported in RV(drift)
        with a warning.
      - A key that does not exist fails a real run; in check mode it is a warning.
    type: str
  authentication_mode:
    description:
      - How the cluster authenticates IAM principals. EKS only moves forward,
        C(CONFIG_MAP) -> C(API_AND_CONFIG_MAP) -> C(API) (C(CONFIG_MAP) to C(API) is done in these two
        steps); a backwards move fails before any change.
      - Omitted at creation, the EKS API default applies (C(CONFIG_MAP)).
    type: str
    choices: [API, API_AND_CONFIG_MAP, CONFIG_MAP]
  bootstrap_cluster_creator_admin_permissions:
    description:
      - Whether the identity that creates the cluster gets a cluster-admin access entry (EKS default
        C(true)). Creation only; a difference on an existing cluster is reported in RV(drift).
    type: bool
  deletion_protection:
    description:
      - Deletion protection (C(deletionProtection), EKS default C(false)) - EKS refuses C(DeleteCluster) on an
        active cluster while it is on (C(InvalidRequestException)). Set at creation, changed in place with
        C(UpdateClusterConfig).
      - With O(state=absent) - a protected cluster fails before any change, naming this option, unless it is
        V(false) - then protection is turned off (C(UpdateClusterConfig), waited for) and the cluster deleted.
        A cluster that is creating, failed or deleting is deleted whatever its protection, as EKS allows.
    type: bool
  state:
    description:
      - V(absent) deletes the cluster and (with O(wait)) waits until it is gone. EKS refuses while node groups
        exist, and while deletion protection is on (see O(deletion_protection)); the module then fails naming
        them, before any change.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait for the cluster to be C(ACTIVE) after creating or changing it (or, with O(state=absent), to be
        gone), and for the last update to finish.
      - Updates followed by another call are always waited for (EKS runs one update at a time), and an
        existing cluster that is not C(ACTIVE) is waited for before it is changed.
    type: bool
    default: true
  wait_timeout:
    description: Seconds all the waits of one run may take together.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - Supports check mode (reads, no writes; the plan is the real difference) and diff mode (the managed
    settings and the tags before and after).
  - Moving from C(CONFIG_MAP) to an API mode does not create access entries for identities mapped in
    C(aws-auth); create them (C(eks_access_entry)) before moving to C(API).
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: The production cluster
  cloudops.eks_platform.eks_cluster:
    name: wealist-prod-eks
    version: "1.34"
    role_arn: "{{ eks_cluster_role_arn }}"
    subnets: "{{ private_subnet_ids }}"
    endpoint_public_access: false
    endpoint_private_access: true
    logging: [api, audit, authenticator, controllerManager, scheduler]
    encryption_key_arn: alias/wealist-prod
    authentication_mode: API_AND_CONFIG_MAP
    bootstrap_cluster_creator_admin_permissions: true
    deletion_protection: true
    tags:
      Project: wealist
      Environment: prod

- name: Upgrade one minor version (1.33 -> 1.34); a two-minor jump fails before any change
  cloudops.eks_platform.eks_cluster:
    name: wealist-prod-eks
    version: "1.34"

- name: Delete the cluster (its node groups must be deleted first), turning its deletion protection off
  cloudops.eks_platform.eks_cluster:
    name: wealist-prod-eks
    deletion_protection: false
    state: absent
"""

RETURN = r"""
cluster:
  description:
    - The cluster as DescribeCluster returns it, snake_cased, with C(tags) as a dict; empty when absent or
      when it would be created in check mode. C(certificate_authority.data) is the cluster's public CA
      certificate (not a secret); no token is returned.
  returned: always
  type: dict
  sample:
    name: wealist-prod-eks
    arn: arn:aws:eks:ap-northeast-2:123456789012:cluster/wealist-prod-eks
    version: "1.34"
    status: ACTIVE
    endpoint: https://0123456789ABCDEF.gr7.ap-northeast-2.eks.amazonaws.com
    access_config: {"authentication_mode": "API_AND_CONFIG_MAP", "bootstrap_cluster_creator_admin_permissions": true}
    tags: {"Project": "wealist"}
changes:
  description:
    - What was (in check mode, would be) changed, in order - C(create), C(delete), the options of each
      C(UpdateClusterConfig) call (C(subnets), C(security_groups), C(endpoint_public_access),
      C(endpoint_private_access), C(public_access_cidrs), C(logging)), C(authentication_mode A -> B),
      C(deletion_protection on) or C(off) (also before a C(delete)), C(version A -> B), C(tags).
  returned: always
  type: list
  elements: str
  sample: ["logging", "version 1.33 -> 1.34"]
drift:
  description: Options that differ but cannot be changed in place by this module (warned about, never sent).
  returned: always
  type: list
  elements: str
  sample: ["encryption_key_arn"]
"""

import re
from typing import Any

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.cloudops.eks_platform.plugins.module_utils.api import (
    AWS_ERRORS,
    call_or_fail,
    exit_with,
    paginate,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.argspec import (
    optional,
    state_option,
    tag_options,
    wait_options,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks import (
    describe_cluster,
    parse_version,
    version_step,
    wait_status,
    wait_update,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.kms import KeyResolver, key_matches
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import plan_tags, update_tags
from ansible_collections.cloudops.eks_platform.plugins.module_utils.waits import Budget

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
#: Authentication modes in the only order EKS moves between them.
AUTH_MODES = ("CONFIG_MAP", "API_AND_CONFIG_MAP", "API")
_VPC = (("subnets", "subnetIds"), ("security_groups", "securityGroupIds"))
_ENDPOINT = (
    ("endpoint_public_access", "endpointPublicAccess"),
    ("endpoint_private_access", "endpointPrivateAccess"),
    ("public_access_cidrs", "publicAccessCidrs"),
)
_SETS = ("subnets", "security_groups", "public_access_cidrs")
#: The settings this module compares (diff keys), in option order.
MANAGED = (
    "version", "role_arn", "subnets", "security_groups", "endpoint_public_access", "endpoint_private_access",
    "public_access_cidrs", "logging", "encryption_key_arn", "authentication_mode",
    "bootstrap_cluster_creator_admin_permissions", "deletion_protection",
)  # fmt: skip
#: Settings that are only reported when they differ (see drift()).
CREATION_ONLY = ("encryption_key_arn", "bootstrap_cluster_creator_admin_permissions")


# --- pure compare / plan functions (no AWS) ------------------------------------------------------------------
def validate(params: dict[str, Any]) -> list[str]:
    """Problems of the options alone (no AWS needed), each naming the option."""
    problems = []
    version = params.get("version")
    if version is not None:
        if parse_version(version) is None:
            problems.append(f'version must be <major>.<minor>, e.g. "1.34"; got {version!r}')
        elif re.fullmatch(r"\d+\.\d", str(version).strip()):
            problems.append(f"version {version} looks like an unquoted YAML number (1.30 reads as 1.3): quote it")
    if params.get("endpoint_public_access") is False and params.get("endpoint_private_access") is False:
        problems.append("endpoint_public_access and endpoint_private_access cannot both be false")
    if params.get("endpoint_public_access") is False and params.get("public_access_cidrs"):
        problems.append("public_access_cidrs needs endpoint_public_access=true (they restrict the public endpoint)")
    return problems


def wanted_config(params: dict[str, Any]) -> dict[str, Any]:
    """The managed settings the caller set (omitted options are not compared), normalised: lists as sorted
    sets, log types in EKS's order. ``encryption_key_arn`` is taken as given (resolve it first)."""
    wanted: dict[str, Any] = {}
    for option in MANAGED:
        value = params.get(option)
        if value is None:
            continue
        if option in _SETS:
            value = sorted(set(value))
        elif option == "logging":
            value = [t for t in LOG_TYPES if t in value]
        elif option == "version":
            value = str(value).strip()
        wanted[option] = value
    return wanted


def enabled_log_types(logging: dict[str, Any] | None) -> list[str]:
    """The enabled types of a ``logging`` ({"clusterLogging": [LogSetup]}), in EKS's order."""
    enabled = set()
    for setup in (logging or {}).get("clusterLogging") or []:
        if setup.get("enabled"):
            enabled.update(setup.get("types") or [])
    return [t for t in LOG_TYPES if t in enabled]


def logging_request(enabled: list[str]) -> dict[str, Any]:
    """``logging`` for CreateCluster/UpdateClusterConfig: the enabled types on, every other type off."""
    on = [t for t in LOG_TYPES if t in enabled]
    off = [t for t in LOG_TYPES if t not in enabled]
    setups = [{"types": types, "enabled": flag} for types, flag in ((on, True), (off, False)) if types]
    return {"clusterLogging": setups}


def secrets_key(encryption_config: list[dict[str, Any]] | None) -> str | None:
    """The KMS key of the ``encryptionConfig`` entry that covers ``secrets``."""
    for entry in encryption_config or []:
        if "secrets" in (entry.get("resources") or []):
            return (entry.get("provider") or {}).get("keyArn")
    return None


def current_config(cluster: dict[str, Any]) -> dict[str, Any]:
    """The managed settings of a DescribeCluster ``cluster``, in :func:`wanted_config`'s shape."""
    vpc = cluster.get("resourcesVpcConfig") or {}
    access = cluster.get("accessConfig") or {}
    return {
        "version": cluster.get("version"),
        "role_arn": cluster.get("roleArn"),
        "subnets": sorted(vpc.get("subnetIds") or []),
        "security_groups": sorted(vpc.get("securityGroupIds") or []),
        "endpoint_public_access": vpc.get("endpointPublicAccess"),
        "endpoint_private_access": vpc.get("endpointPrivateAccess"),
        "public_access_cidrs": sorted(vpc.get("publicAccessCidrs") or []),
        "logging": enabled_log_types(cluster.get("logging")),
        "encryption_key_arn": secrets_key(cluster.get("encryptionConfig")),
        # the API's documented default for clusters made through the API
        "authentication_mode": access.get("authenticationMode", "CONFIG_MAP"),
        "bootstrap_cluster_creator_admin_permissions": access.get("bootstrapClusterCreatorAdminPermissions"),
        # absent from clusters described before the setting existed: off, EKS's default
        "deletion_protection": bool(cluster.get("deletionProtection", False)),
    }


def create_problems(wanted: dict[str, Any]) -> list[str]:
    return [
        f"{option} is required to create the cluster" for option in ("role_arn", "subnets") if not wanted.get(option)
    ]


def create_request(name: str, wanted: dict[str, Any], tags: dict[str, str] | None) -> dict[str, Any]:
    """CreateCluster's arguments for the wanted settings (omitted options: EKS defaults)."""
    vpc: dict[str, Any] = {"subnetIds": wanted["subnets"]}
    if "security_groups" in wanted:
        vpc["securityGroupIds"] = wanted["security_groups"]
    vpc.update({api: wanted[option] for option, api in _ENDPOINT if option in wanted})
    request: dict[str, Any] = {"name": name, "roleArn": wanted["role_arn"], "resourcesVpcConfig": vpc}
    if "version" in wanted:
        request["version"] = wanted["version"]
    if "logging" in wanted:
        request["logging"] = logging_request(wanted["logging"])
    if wanted.get("encryption_key_arn"):
        request["encryptionConfig"] = [{"resources": ["secrets"], "provider": {"keyArn": wanted["encryption_key_arn"]}}]
    access = {}
    if "authentication_mode" in wanted:
        access["authenticationMode"] = wanted["authentication_mode"]
    if "bootstrap_cluster_creator_admin_permissions" in wanted:
        access["bootstrapClusterCreatorAdminPermissions"] = wanted["bootstrap_cluster_creator_admin_permissions"]
    if access:
        request["accessConfig"] = access
    if "deletion_protection" in wanted:
        request["deletionProtection"] = wanted["deletion_protection"]
    if tags:
        request["tags"] = dict(tags)
    return request


def key_status(current_key: str | None, wanted_ref: str | None, wanted_arn: str | None, resolve: Any) -> str:
    """``unmanaged`` (no key wanted), ``missing`` (cluster not encrypted), ``same`` or ``different``."""
    if not wanted_ref:
        return "unmanaged"
    if not current_key:
        return "missing"
    return "same" if key_matches(current_key, wanted_ref, wanted_arn, resolve) else "different"


def refusals(cluster: dict[str, Any], wanted: dict[str, Any], keys: str = "unmanaged") -> list[str]:
    """What EKS cannot do to this existing cluster, each naming the option (checked before any change)."""
    current = current_config(cluster)
    name = cluster.get("name")
    problems = []
    if "role_arn" in wanted and wanted["role_arn"] != current["role_arn"]:
        problems.append(
            f"role_arn cannot be changed on an existing cluster (EKS has no API for it; {name} uses "
            f"{current['role_arn']}): delete and re-create the cluster to change it"
        )
    if keys == "different":
        problems.append(
            f"encryption_key_arn: EKS cannot change or remove the secrets encryption key of cluster {name} "
            f"(it uses {current['encryption_key_arn']})"
        )
    if "version" in wanted:
        step, have, want = version_step(current["version"], wanted["version"]), current["version"], wanted["version"]
        if step == "downgrade":
            problems.append(f"version: EKS cannot downgrade cluster {name} from {have} to {want}")
        elif step == "jump":
            problems.append(
                f"version: EKS upgrades one minor version at a time; cluster {name} is at {have}, so {want} cannot "
                "be reached in one step: upgrade to the next minor version first"
            )
        elif step == "invalid":
            problems.append(f"version: cannot compare the cluster's version {have!r} with {want!r}")
    if "authentication_mode" in wanted and AUTH_MODES.index(wanted["authentication_mode"]) < AUTH_MODES.index(
        current["authentication_mode"]
    ):
        problems.append(
            f"authentication_mode: EKS only moves CONFIG_MAP -> API_AND_CONFIG_MAP -> API; cluster {name} uses "
            f"{current['authentication_mode']} and cannot go back to {wanted['authentication_mode']}"
        )
    public = wanted.get("endpoint_public_access", current["endpoint_public_access"])
    private = wanted.get("endpoint_private_access", current["endpoint_private_access"])
    if public is False and private is False:
        problems.append(
            "endpoint_public_access / endpoint_private_access: the endpoint must stay public, private or both"
        )
    return problems


def drift(cluster: dict[str, Any], wanted: dict[str, Any], keys: str = "unmanaged") -> list[str]:
    """Creation-only options that differ: reported (with a warning), never sent."""
    current = current_config(cluster)
    found = []
    if keys == "missing":
        found.append("encryption_key_arn")
    option = "bootstrap_cluster_creator_admin_permissions"
    if option in wanted and current[option] is not None and wanted[option] != current[option]:
        found.append(option)
    return found


def planned_changes(cluster: dict[str, Any], wanted: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(label, UpdateClusterConfig kwargs)`` in the order they are made, one kind of change per call:
    subnets / security groups, endpoint access, logging, each forward authentication-mode step, then deletion
    protection."""
    current = current_config(cluster)

    def differs(option: str) -> bool:
        return option in wanted and wanted[option] != current[option]

    steps: list[tuple[str, dict[str, Any]]] = []
    vpc_options = [option for option, _ in _VPC if differs(option)]
    if vpc_options:  # both lists are sent, the unmanaged one as it is, so neither is dropped
        vpc = {api: wanted.get(option, current[option]) for option, api in _VPC}
        steps.append((", ".join(vpc_options), {"resourcesVpcConfig": vpc}))
    endpoint_options = [option for option, _ in _ENDPOINT if differs(option)]
    if endpoint_options:
        endpoint = {api: wanted[option] for option, api in _ENDPOINT if option in wanted}
        steps.append((", ".join(endpoint_options), {"resourcesVpcConfig": endpoint}))
    if differs("logging"):
        steps.append(("logging", {"logging": logging_request(wanted["logging"])}))
    if "authentication_mode" in wanted:
        have, want = AUTH_MODES.index(current["authentication_mode"]), AUTH_MODES.index(wanted["authentication_mode"])
        for index in range(have, want):  # CONFIG_MAP -> API goes through API_AND_CONFIG_MAP
            before, after = AUTH_MODES[index], AUTH_MODES[index + 1]
            steps.append((f"authentication_mode {before} -> {after}", {"accessConfig": {"authenticationMode": after}}))
    if differs("deletion_protection"):
        state = "on" if wanted["deletion_protection"] else "off"
        steps.append((f"deletion_protection {state}", {"deletionProtection": wanted["deletion_protection"]}))
    return steps


#: Cluster states in which EKS deletes a cluster whatever its deletion protection (EKS user guide,
#: "Protect EKS clusters from accidental deletion").
UNPROTECTED_STATES = ("CREATING", "FAILED", "DELETING")


def delete_protection_step(cluster: dict[str, Any], deletion_protection: bool | None) -> str:
    """Before a delete: ``none`` (not protected, or in a state EKS deletes anyway), ``turn_off`` (protected and
    the caller set deletion_protection=false) or ``refuse`` (protected and not switched off)."""
    if not cluster.get("deletionProtection") or cluster.get("status") in UNPROTECTED_STATES:
        return "none"
    return "turn_off" if deletion_protection is False else "refuse"


def config_changes(cluster: dict[str, Any], wanted: dict[str, Any]) -> list[dict[str, Any]]:
    """The UpdateClusterConfig calls (kwargs without ``name``) that converge the cluster, in order."""
    return [kwargs for _, kwargs in planned_changes(cluster, wanted)]


def version_change(cluster: dict[str, Any], wanted: dict[str, Any]) -> str | None:
    """The version to upgrade to (exactly one minor up), else None (same, or refused by :func:`refusals`)."""
    if "version" in wanted and version_step(cluster.get("version"), wanted["version"]) == "upgrade":
        return wanted["version"]
    return None


def diff_after(before: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The managed settings after the run: the wanted values, except the creation-only ones (kept as they are,
    reported as drift when they differ)."""
    return {**before, **{k: v for k, v in wanted.items() if k not in CREATION_ONLY}}


def cluster_result(cluster: dict[str, Any] | None) -> dict[str, Any]:
    if not cluster:
        return {}
    result = camel_dict_to_snake_dict(cluster, ignore_list=["tags"])
    result["tags"] = dict(cluster.get("tags") or {})
    return result


# --- the run --------------------------------------------------------------------------------------------------
class ClusterRun:
    """One module run: the client, the time budget, the update waited for before the next call."""

    def __init__(self, module: AnsibleAWSModule) -> None:
        self.module = module
        self.params = module.params
        self.name = module.params["name"]
        self.client = module.client("eks")
        self.budget = Budget(module.params["wait_timeout"])
        self.changes: list[str] = []
        self.pending: tuple[str, dict[str, Any]] | None = None

    def describe(self) -> dict[str, Any] | None:
        return describe_cluster(self.module, self.client, self.name)

    def wait_active(self) -> dict[str, Any] | None:
        return wait_status(self.module, self.describe, self.budget, f"EKS cluster {self.name}")

    def settle(self) -> None:
        """Wait for the last update (EKS runs one update of a cluster at a time)."""
        if self.pending:
            label, update = self.pending
            self.pending = None
            wait_update(self.module, self.client, self.name, update, self.budget, f"EKS cluster {self.name} ({label})")

    def update(self, label: str, method: str, **kwargs: Any) -> None:
        self.changes.append(label)
        if self.module.check_mode:
            return
        self.settle()
        what = f"update EKS cluster {self.name} ({label})"
        self.pending = (label, call_or_fail(self.module, self.client, method, what, name=self.name, **kwargs)["update"])

    def absent(self, cluster: dict[str, Any] | None) -> None:
        if cluster and cluster.get("status") != "DELETING":
            protection = delete_protection_step(cluster, self.params["deletion_protection"])
            if protection == "refuse":
                self.module.fail_json(
                    msg=f"EKS cluster {self.name} has deletion protection on (deletion_protection): EKS refuses to "
                    "delete it; set deletion_protection to false to turn protection off and delete it"
                )
            groups: list[str] = []
            try:
                groups = paginate(self.client, "list_nodegroups", clusterName=self.name).get("nodegroups") or []
            except AWS_ERRORS as e:
                self.module.fail_json_aws(e, msg=f"Failed to list the node groups of EKS cluster {self.name}")
            if groups:
                self.module.fail_json(
                    msg=f"EKS cluster {self.name} still has node groups ({', '.join(sorted(groups))}): EKS refuses "
                    "to delete a cluster with node groups; delete them first"
                )
            if protection == "turn_off":
                self.update("deletion_protection off", "update_cluster_config", deletionProtection=False)
                self.settle()
            self.changes.append("delete")
            if not self.module.check_mode:
                call_or_fail(
                    self.module, self.client, "delete_cluster", f"delete EKS cluster {self.name}", name=self.name
                )
        if cluster and self.params["wait"] and not self.module.check_mode:
            wait_status(self.module, self.describe, self.budget, f"EKS cluster {self.name}", status=None)
        self.exit({"before": current_config(cluster) if cluster else {}, "after": {}}, None)

    def create(self, wanted: dict[str, Any]) -> None:
        problems = create_problems(wanted)
        if problems:
            self.module.fail_json(msg="; ".join(problems))
        tags = dict(self.params["tags"] or {})
        self.changes.append("create")
        diff = {"before": {}, "after": {**wanted, "tags": tags}}
        if self.module.check_mode:
            self.exit(diff, None)
        request = create_request(self.name, wanted, tags)
        call_or_fail(self.module, self.client, "create_cluster", f"create EKS cluster {self.name}", **request)
        self.exit(diff, self.wait_active() if self.params["wait"] else self.describe())

    def converge(self, cluster: dict[str, Any], wanted: dict[str, Any], keys: str) -> None:
        problems = refusals(cluster, wanted, keys)
        if problems:
            self.module.fail_json(msg="; ".join(problems))
        if cluster.get("status") == "DELETING":
            self.module.fail_json(msg=f"EKS cluster {self.name} is being deleted: run again once it is gone")
        skipped = drift(cluster, wanted, keys)
        if skipped:
            self.module.warn(
                f"EKS cluster {self.name}: {', '.join(skipped)} differ but can only be set when the cluster is "
                "created (left as they are)"
            )
        steps, version = planned_changes(cluster, wanted), version_change(cluster, wanted)
        tag_plan = plan_tags(cluster.get("tags"), self.params["tags"], self.params["purge_tags"])
        before = {k: v for k, v in current_config(cluster).items() if k in wanted}
        diff = {"before": before, "after": diff_after(before, wanted)}
        if self.params["tags"] is not None:
            diff["before"]["tags"], diff["after"]["tags"] = tag_plan.before, tag_plan.after
        writes = bool(steps or version)
        if not self.module.check_mode and cluster.get("status") != "ACTIVE" and (writes or self.params["wait"]):
            cluster = self.wait_active() or cluster  # EKS changes only an ACTIVE cluster
            # planned again on the cluster as it is now: an update that was running (an UpdateClusterVersion an
            # earlier task started without waiting: EKS reports the old version until it is done) is not repeated
            steps, version = planned_changes(cluster, wanted), version_change(cluster, wanted)
            writes = bool(steps or version)
        for label, kwargs in steps:
            self.update(label, "update_cluster_config", **kwargs)
        if version:
            self.update(f"version {cluster.get('version')} -> {version}", "update_cluster_version", version=version)
        if tag_plan.changed:
            self.changes.append("tags")
            update_tags(self.module, self.client, cluster["arn"], tag_plan)
        if writes and self.params["wait"] and not self.module.check_mode:
            self.settle()
            cluster = self.wait_active() or cluster
        elif self.changes and not self.module.check_mode:
            cluster = self.describe() or cluster
        self.exit(diff, cluster, skipped)

    def exit(self, diff: dict[str, Any], cluster: dict[str, Any] | None, skipped: list[str] | None = None) -> None:
        exit_with(
            self.module, bool(self.changes), diff, cluster=cluster_result(cluster), changes=self.changes,
            drift=skipped or [],
        )  # fmt: skip


def argument_spec() -> dict[str, Any]:
    return dict(
        name=dict(type="str", required=True),
        **optional("str", "version", "role_arn", "encryption_key_arn"),
        subnets=dict(type="list", elements="str"),
        security_groups=dict(type="list", elements="str"),
        public_access_cidrs=dict(type="list", elements="str"),
        **optional("bool", "endpoint_public_access", "endpoint_private_access"),
        **optional("bool", "bootstrap_cluster_creator_admin_permissions", "deletion_protection"),
        logging=dict(type="list", elements="str", choices=list(LOG_TYPES)),
        authentication_mode=dict(type="str", choices=["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"]),
        **tag_options(),
        state=state_option(),
        **wait_options(1800),
    )


def main() -> None:
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    problems = validate(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems))
    run = ClusterRun(module)
    cluster = run.describe()
    if module.params["state"] == "absent":
        run.absent(cluster)
        return
    resolver = KeyResolver(module)
    key_ref = module.params["encryption_key_arn"]
    wanted = wanted_config({**module.params, "encryption_key_arn": resolver.require(key_ref, "encryption_key_arn")})
    if cluster is None:
        run.create(wanted)
        return
    current_key = secrets_key(cluster.get("encryptionConfig"))
    run.converge(cluster, wanted, key_status(current_key, key_ref, wanted.get("encryption_key_arn"), resolver.lookup))


if __name__ == "__main__":
    main()
