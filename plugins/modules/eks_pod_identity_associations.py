#!/usr/bin/python
# Copyright: cloudops.eks_platform contributors
# Apache-2.0

DOCUMENTATION = r"""
module: eks_pod_identity_associations
short_description: Converge every EKS Pod Identity association of a cluster in one call
version_added: 0.1.0
description:
  - Creates, updates and deletes the EKS Pod Identity associations of one cluster. An association maps a Kubernetes
    service account (O(associations[].namespace) / O(associations[].service_account)) to the IAM role whose
    credentials the EKS Pod Identity agent gives the service account's Pods. amazon.aws and community.aws have no
    module for them.
  - An association is identified by its namespace and service account (EKS allows one per pair and cannot move
    one). A different O(associations[].role_arn) is changed in place with C(UpdatePodIdentityAssociation); tags are
    converged with C(TagResource) / C(UntagResource) on the association ARN.
  - Associations of the cluster that are not listed are left alone, unless O(purge_associations=true).
  - Associations owned by an EKS add-on (C(ownerArn) set; the add-on's C(podIdentityAssociations) made them) are
    never changed or deleted by this module, also not by O(purge_associations). Listing one fails before any
    change - manage it through the add-on.
  - The options are validated before any AWS call, each failure naming the option (for example
    C(associations[2].namespace)) - namespaces are DNS-1123 labels, service accounts DNS-1123 subdomains,
    O(associations[].role_arn) an IAM role ARN, and a namespace / service account pair is listed once.
  - The cluster must exist. In check mode a missing cluster (an earlier task of the same run creates it) is a
    warning and every listed association is planned as created; a real run fails.
options:
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  associations:
    description:
      - The associations, each identified by O(associations[].namespace) and O(associations[].service_account).
      - An empty list with O(purge_associations=true) deletes every association of the cluster not owned by an add-on.
    type: list
    elements: dict
    required: true
    suboptions:
      namespace:
        description: Kubernetes namespace of the service account (a DNS-1123 label, at most 63 characters).
        type: str
        required: true
      service_account:
        description: Name of the Kubernetes service account (a DNS-1123 subdomain, at most 253 characters).
        type: str
        required: true
      role_arn:
        description:
          - ARN of the IAM role the service account's Pods get credentials for
            (C(arn:aws:iam::<account>:role/[<path>/]<name>)). The role must trust C(pods.eks.amazonaws.com) for
            C(sts:AssumeRole) and C(sts:TagSession).
          - Required with O(associations[].state=present); ignored with O(associations[].state=absent) (the
            association is deleted whatever its role).
        type: str
      tags:
        description:
          - Tags of this association, merged over the module's O(tags) (this entry's value wins for the same key).
          - With neither this nor O(tags) given, the association's tags are not managed.
        type: dict
      state:
        description: Whether the association exists.
        type: str
        choices: [present, absent]
        default: present
  purge_associations:
    description:
      - Delete the associations of the cluster that are not listed in O(associations).
      - Associations owned by an EKS add-on (C(ownerArn) set) are never deleted.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - O(tags) are set on every listed association, under each entry's own O(associations[].tags); O(purge_tags)
    applies to the merged tags of each association. C(aws:) tags are never removed.
  - The association's C(targetRoleArn), C(disableSessionTags) and C(policy) are not managed (left as they are,
    EKS defaults on create).
author:
  - cloudops platform team
"""

EXAMPLES = r"""
- name: Pod Identity associations of the platform's controllers
  cloudops.eks_platform.eks_pod_identity_associations:
    cluster_name: wealist-prod-eks
    tags:
      Project: wealist
    purge_associations: true
    associations:
      - namespace: kube-system
        service_account: cluster-autoscaler
        role_arn: "arn:aws:iam::123456789012:role/pod-identity/wealist-prod-cluster-autoscaler-pod-identity"
        tags:
          Component: cluster-autoscaler
      - namespace: external-secrets
        service_account: external-secrets
        role_arn: "arn:aws:iam::123456789012:role/pod-identity/wealist-prod-external-secrets-pod-identity"
      - namespace: cert-manager
        service_account: cert-manager
        state: absent
"""

RETURN = r"""
associations:
  description:
    - Every Pod Identity association of the cluster after the run (in check mode, as planned), sorted by namespace
      and service account, including the ones this module leaves alone.
    - C(association_id) and C(association_arn) are null for an association check mode would create.
  returned: always
  type: list
  elements: dict
  contains:
    namespace:
      description: Kubernetes namespace.
      type: str
    service_account:
      description: Kubernetes service account.
      type: str
    role_arn:
      description: IAM role of the association.
      type: str
    association_id:
      description: Id of the association (C(a-...)).
      type: str
    association_arn:
      description: ARN of the association.
      type: str
    tags:
      description: Tags of the association.
      type: dict
    owner_arn:
      description: ARN of the EKS add-on that owns the association; null when none does.
      type: str
  sample: [{"namespace": "kube-system", "service_account": "cluster-autoscaler",
            "role_arn": "arn:aws:iam::123456789012:role/cluster-autoscaler", "association_id": "a-0123456789abcdefg",
            "association_arn":
              "arn:aws:eks:ap-northeast-2:123456789012:podidentityassociation/prod/a-0123456789abcdefg",
            "tags": {"Project": "wealist"}, "owner_arn": null}]
changes:
  description: C(namespace/service_account) to what changed (or would change) - C(create), C(role), C(tags), C(delete).
    Only associations with a change are listed.
  returned: always
  type: dict
  sample: {"kube-system/cluster-autoscaler": ["role", "tags"], "cert-manager/cert-manager": ["delete"]}
diff:
  description: With C(--diff), C(before) / C(after) maps of C(namespace/service_account) to C(role_arn) and C(tags), for
    the listed associations and, with O(purge_associations=true), every association not owned by an add-on.
  returned: when diff mode is on
  type: dict
"""

import re
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
from ansible_collections.cloudops.eks_platform.plugins.module_utils.tagging import plan_tags, tag_dict, update_tags

# Kubernetes names (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/)
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL = re.compile(rf"^{_LABEL}$")
DNS1123_SUBDOMAIN = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
# IAM role ARN: partition aws / aws-cn / aws-us-gov / ..., 12-digit account, optional path, name of [\w+=,.@-]
ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/([\x21-\x7e]+/)?[\w+=,.@-]{1,64}$", re.ASCII)
_LABEL_RULE = "lower-case letters, digits and '-', starting and ending with a letter or digit"


# --- pure: validation, current state, plan, views ------------------------------------------------------------


def association_key(namespace: str, service_account: str) -> str:
    return f"{namespace}/{service_account}"


def validate(entries: list[dict[str, Any]]) -> list[str]:
    """Problems of the ``associations`` option, each naming its option path; empty when valid."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        path = f"associations[{i}]"
        namespace, account = entry.get("namespace") or "", entry.get("service_account") or ""
        if len(namespace) > 63 or not DNS1123_LABEL.match(namespace):
            problems.append(
                f"{path}.namespace {namespace!r} is not a DNS-1123 label ({_LABEL_RULE}, at most 63 characters)"
            )
        if len(account) > 253 or not DNS1123_SUBDOMAIN.match(account):
            problems.append(
                f"{path}.service_account {account!r} is not a DNS-1123 subdomain ({_LABEL_RULE}, "
                "in '.'-separated parts, at most 253 characters)"
            )
        role_arn = entry.get("role_arn")
        if role_arn and not ROLE_ARN.match(role_arn):
            problems.append(f"{path}.role_arn {role_arn!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
        elif not role_arn and entry.get("state", "present") == "present":
            problems.append(f"{path}.role_arn is required with state=present")
        key = association_key(namespace, account)
        if key in seen:
            problems.append(f"{path}: {key} is already associations[{seen[key]}] (one association per service account)")
        seen.setdefault(key, i)
    return problems


def association_view(item: dict[str, Any]) -> dict[str, Any]:
    """An association as DescribePodIdentityAssociation (merged over its list summary) returns it, as returned."""
    return {
        "namespace": item["namespace"],
        "service_account": item["serviceAccount"],
        "role_arn": item.get("roleArn"),
        "association_id": item.get("associationId"),
        "association_arn": item.get("associationArn"),
        "tags": tag_dict(item.get("tags")),
        "owner_arn": item.get("ownerArn"),
    }


def current_associations(described: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``namespace/service_account`` → view of the described associations."""
    views = (association_view(item) for item in described)
    return {association_key(v["namespace"], v["service_account"]): v for v in views}


def wanted_tags(common: dict[str, Any] | None, own: dict[str, Any] | None) -> dict[str, Any] | None:
    """The module's ``tags`` under the entry's own; None (tags not managed) when neither is given."""
    if common is None and own is None:
        return None
    return {**(common or {}), **(own or {})}


def _step(action: str, entry_or_view: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "action": action,
        "namespace": entry_or_view["namespace"],
        "service_account": entry_or_view["service_account"],
        **more,
    }


def plan_associations(
    current: dict[str, dict[str, Any]],
    entries: list[dict[str, Any]],
    common_tags: dict[str, Any] | None,
    purge_tags: bool,
    purge_associations: bool,
) -> dict[str, Any]:
    """What brings ``current`` to ``entries``: ``steps`` (create / update / delete; an update with no
    ``changes`` is a listed association already right), ``managed`` (the keys the caller manages: listed, plus
    with ``purge_associations`` every association not owned by an add-on) and ``problems`` (listed
    associations an add-on owns)."""
    steps: list[dict[str, Any]] = []
    problems: list[str] = []
    managed: list[str] = []
    for i, entry in enumerate(entries):
        key = association_key(entry["namespace"], entry["service_account"])
        managed.append(key)
        have = current.get(key)
        if have and have.get("owner_arn"):
            problems.append(
                f"associations[{i}]: {key} is owned by the EKS add-on {have['owner_arn']}: manage it through the add-on"
            )
        elif entry.get("state", "present") == "absent":
            if have:
                steps.append(_step("delete", have, current=have, changes=["delete"]))
        elif have is None:
            tags = wanted_tags(common_tags, entry.get("tags")) or {}
            steps.append(_step("create", entry, role_arn=entry["role_arn"], tags=tags, changes=["create"]))
        else:
            tag_plan = plan_tags(have["tags"], wanted_tags(common_tags, entry.get("tags")), purge_tags)
            changes = ["role"] if have["role_arn"] != entry["role_arn"] else []
            changes += ["tags"] if tag_plan.changed else []
            steps.append(
                _step("update", entry, current=have, role_arn=entry["role_arn"], tag_plan=tag_plan, changes=changes)
            )
    if purge_associations:
        for key, have in sorted(current.items()):
            if key not in managed and not have.get("owner_arn"):
                managed.append(key)
                steps.append(_step("delete", have, current=have, changes=["delete"]))
    return {"steps": steps, "managed": managed, "problems": problems}


def plan_changes(plan: dict[str, Any]) -> dict[str, list[str]]:
    """``namespace/service_account`` → its changes, for the steps that change something."""
    return {association_key(s["namespace"], s["service_account"]): s["changes"] for s in plan["steps"] if s["changes"]}


def create_request(cluster: str, step: dict[str, Any]) -> dict[str, Any]:
    """CreatePodIdentityAssociation's arguments (no ``tags`` when there are none: the API's TagMap has min 1)."""
    request = {
        "clusterName": cluster,
        "namespace": step["namespace"],
        "serviceAccount": step["service_account"],
        "roleArn": step["role_arn"],
    }
    if step["tags"]:
        request["tags"] = {key: str(value) for key, value in step["tags"].items()}
    return request


def planned_associations(current: dict[str, dict[str, Any]], plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``current`` as it is after ``plan`` (check mode: created associations have no id or ARN yet)."""
    result = dict(current)
    for step in plan["steps"]:
        key = association_key(step["namespace"], step["service_account"])
        if step["action"] == "delete":
            result.pop(key, None)
        elif step["action"] == "create":
            result[key] = {
                "namespace": step["namespace"],
                "service_account": step["service_account"],
                "role_arn": step["role_arn"],
                "association_id": None,
                "association_arn": None,
                "tags": {key: str(value) for key, value in step["tags"].items()},
                "owner_arn": None,
            }
        else:
            result[key] = {**step["current"], "role_arn": step["role_arn"], "tags": step["tag_plan"].after}
    return result


def diff_views(associations: dict[str, dict[str, Any]], managed: list[str]) -> dict[str, dict[str, Any]]:
    """The diff side: ``namespace/service_account`` → role_arn and tags, for the managed keys that exist."""
    return {
        key: {"role_arn": associations[key]["role_arn"], "tags": associations[key]["tags"]}
        for key in sorted(managed)
        if key in associations
    }


def association_list(associations: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [associations[key] for key in sorted(associations)]


# --- AWS calls ---------------------------------------------------------------------------------------------


def read_associations(module: AnsibleAWSModule, client, cluster: str) -> dict[str, dict[str, Any]]:
    """Every association of the cluster: ListPodIdentityAssociations, then DescribePodIdentityAssociation of each
    (role and tags are not in the summary)."""
    try:
        summaries = paginate(client, "list_pod_identity_associations", clusterName=cluster)["associations"]
    except AWS_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to list the pod identity associations of EKS cluster {cluster}")
    described = []
    for summary in summaries:
        found = describe(
            module, client, "describe_pod_identity_association", NOT_FOUND,
            f"pod identity association {summary['associationId']} of EKS cluster {cluster}",
            clusterName=cluster, associationId=summary["associationId"],
        )  # fmt: skip
        if found:  # else deleted since the list
            described.append({**summary, **found["association"]})
    return current_associations(described)


def apply_step(module: AnsibleAWSModule, client, cluster: str, step: dict[str, Any]) -> None:
    key = association_key(step["namespace"], step["service_account"])
    if step["action"] == "create":
        call_or_fail(
            module, client, "create_pod_identity_association", f"create pod identity association {key}",
            **create_request(cluster, step),
        )  # fmt: skip
    elif step["action"] == "delete":
        try:
            call(
                client, "delete_pod_identity_association",
                clusterName=cluster, associationId=step["current"]["association_id"],
            )  # fmt: skip
        except is_boto3_error_code(NOT_FOUND):
            pass  # already gone
        except AWS_ERRORS as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to delete pod identity association {key}")
    else:
        if "role" in step["changes"]:
            call_or_fail(
                module, client, "update_pod_identity_association", f"update the role of pod identity association {key}",
                clusterName=cluster, associationId=step["current"]["association_id"], roleArn=step["role_arn"],
            )  # fmt: skip
        update_tags(module, client, step["current"]["association_arn"], step["tag_plan"])


def argument_spec() -> dict[str, Any]:
    association = dict(
        namespace=dict(type="str", required=True),
        service_account=dict(type="str", required=True),
        role_arn=dict(type="str"),
        tags=dict(type="dict"),
        state=state_option(),
    )
    return dict(
        cluster_name=dict(type="str", required=True),
        associations=dict(type="list", elements="dict", required=True, options=association),
        purge_associations=dict(type="bool", default=False),
        **tag_options(),
    )


def main() -> None:
    module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
    p = module.params
    problems = validate(p["associations"])
    if problems:
        module.fail_json(msg="; ".join(problems))
    client = module.client("eks")
    cluster = p["cluster_name"]
    current = read_associations(module, client, cluster) if require_cluster(module, client, cluster) else {}
    plan = plan_associations(current, p["associations"], p["tags"], p["purge_tags"], p["purge_associations"])
    if plan["problems"]:
        module.fail_json(msg="; ".join(plan["problems"]))
    changes = plan_changes(plan)
    if changes and not module.check_mode:
        for step in plan["steps"]:
            if step["changes"]:
                apply_step(module, client, cluster, step)
        final = read_associations(module, client, cluster)
    else:
        final = planned_associations(current, plan)
    diff = {"before": diff_views(current, plan["managed"]), "after": diff_views(final, plan["managed"])}
    exit_with(module, bool(changes), diff=diff, associations=association_list(final), changes=changes)


if __name__ == "__main__":
    main()
