"""Unit tests of eks_pod_identity_associations' pure logic: validation, what the cluster has, what to change.

Shapes come from the EKS API (botocore eks 2017-11-01 model): ListPodIdentityAssociations returns summaries
(clusterName, namespace, serviceAccount, associationArn, associationId, ownerArn when an add-on owns it),
DescribePodIdentityAssociation adds roleArn and tags (a TagMap: key → value, 1 to 50 entries). An association
cannot move between namespaces or service accounts (UpdatePodIdentityAssociation changes the role); names follow
Kubernetes' DNS-1123 rules (namespace: label ≤ 63; service account: subdomain ≤ 253).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.modules.eks_pod_identity_associations import (  # noqa: E402
    association_list,
    create_request,
    current_associations,
    diff_views,
    plan_associations,
    plan_changes,
    planned_associations,
    validate,
)

ACCOUNT = "123456789012"
ROLE_CA = f"arn:aws:iam::{ACCOUNT}:role/pod-identity/wealist-prod-cluster-autoscaler-pod-identity"
ROLE_ESO = f"arn:aws:iam::{ACCOUNT}:role/pod-identity/wealist-prod-external-secrets-pod-identity"
ROLE_OLD = f"arn:aws:iam::{ACCOUNT}:role/old"
ADDON_ARN = f"arn:aws:eks:ap-northeast-2:{ACCOUNT}:addon/prod/aws-ebs-csi-driver/1"


def _described(namespace, account, role, ident, tags=None, owner=None):
    """A summary merged with DescribePodIdentityAssociation's ``association``, as the module reads it."""
    item = {
        "clusterName": "prod",
        "namespace": namespace,
        "serviceAccount": account,
        "roleArn": role,
        "associationId": ident,
        "associationArn": f"arn:aws:eks:ap-northeast-2:{ACCOUNT}:podidentityassociation/prod/{ident}",
        "tags": tags or {},
        "disableSessionTags": False,
    }
    if owner:
        item["ownerArn"] = owner
    return item


CURRENT = current_associations(
    [
        _described("kube-system", "cluster-autoscaler", ROLE_OLD, "a-ca", {"Stale": "yes", "Project": "wealist"}),
        _described("cert-manager", "cert-manager", ROLE_OLD, "a-cm"),
        _described("kube-system", "ebs-csi-controller-sa", ROLE_OLD, "a-ebs", owner=ADDON_ARN),
    ]
)


def entry(namespace, account, role=None, tags=None, state="present"):
    return {"namespace": namespace, "service_account": account, "role_arn": role, "tags": tags, "state": state}


# --- validation -------------------------------------------------------------------------------------------


def test_valid_entries_have_no_problems():
    entries = [
        entry("kube-system", "cluster-autoscaler", ROLE_CA),
        entry("wealist-prod", "storage-service", f"arn:aws:iam::{ACCOUNT}:role/storage-service-pod-identity"),
        entry("a" * 63, "sa.with.dots", f"arn:aws-cn:iam::{ACCOUNT}:role/a/b/c+=,.@-_x"),
        entry("cert-manager", "cert-manager", state="absent"),  # absent needs no role
    ]
    assert validate(entries) == []


def test_namespace_is_a_dns1123_label():
    entries = [
        entry("Kube-System", "sa", ROLE_CA),
        entry("a" * 64, "sa", ROLE_CA),
        entry("-ns", "sa", ROLE_CA),
        entry("name.space", "sa", ROLE_CA),  # a label has no dots
    ]
    problems = validate(entries)
    assert [p.split(" ")[0] for p in problems] == [f"associations[{i}].namespace" for i in range(4)]
    assert "DNS-1123 label" in problems[0]


def test_service_account_is_a_dns1123_subdomain():
    long_ok = ".".join(["a" * 63] * 3) + "." + "a" * 61  # 253 characters
    assert len(long_ok) == 253
    assert validate([entry("ns", long_ok, ROLE_CA)]) == []
    problems = validate(
        [entry("ns", long_ok + "a", ROLE_CA), entry("ns", "sa_", ROLE_CA), entry("ns", "a..b", ROLE_CA)]
    )
    assert [p.split(" ")[0] for p in problems] == [f"associations[{i}].service_account" for i in range(3)]
    assert "DNS-1123 subdomain" in problems[0]


def test_role_arn_must_be_an_iam_role_arn_and_is_required_when_present():
    problems = validate(
        [
            entry("ns", "a", f"arn:aws:iam::{ACCOUNT}:user/someone"),
            entry("ns", "b", "cluster-autoscaler"),
            entry("ns", "c", "arn:aws:iam::123:role/short-account"),
            entry("ns", "d"),
        ]
    )
    assert [p.split(" ")[0] for p in problems] == [
        "associations[0].role_arn",
        "associations[1].role_arn",
        "associations[2].role_arn",
        "associations[3].role_arn",
    ]
    assert problems[3] == "associations[3].role_arn is required with state=present"


def test_a_service_account_is_listed_once():
    problems = validate(
        [
            entry("kube-system", "cluster-autoscaler", ROLE_CA),
            entry("external-secrets", "external-secrets", ROLE_ESO),
            entry("kube-system", "cluster-autoscaler", state="absent"),
        ]
    )
    assert problems == [
        "associations[2]: kube-system/cluster-autoscaler is already associations[0] "
        "(one association per service account)"
    ]


# --- current state ------------------------------------------------------------------------------------------


def test_current_is_keyed_by_namespace_and_service_account():
    assert sorted(CURRENT) == [
        "cert-manager/cert-manager",
        "kube-system/cluster-autoscaler",
        "kube-system/ebs-csi-controller-sa",
    ]
    ca = CURRENT["kube-system/cluster-autoscaler"]
    assert ca == {
        "namespace": "kube-system",
        "service_account": "cluster-autoscaler",
        "role_arn": ROLE_OLD,
        "association_id": "a-ca",
        "association_arn": f"arn:aws:eks:ap-northeast-2:{ACCOUNT}:podidentityassociation/prod/a-ca",
        "tags": {"Stale": "yes", "Project": "wealist"},
        "owner_arn": None,
    }
    assert CURRENT["kube-system/ebs-csi-controller-sa"]["owner_arn"] == ADDON_ARN


# --- plan ---------------------------------------------------------------------------------------------------


def test_nothing_listed_changes_nothing_without_purge():
    plan = plan_associations(CURRENT, [], {"Project": "wealist"}, True, False)
    assert plan == {"steps": [], "managed": [], "problems": []}
    assert planned_associations(CURRENT, plan) == CURRENT


def test_missing_association_is_created_with_the_merged_tags():
    plan = plan_associations(
        CURRENT, [entry("external-secrets", "external-secrets", ROLE_ESO, {"Component": "eso", "Project": "x"})],
        {"Project": "wealist", "Env": "prod"}, True, False,
    )  # fmt: skip
    assert plan_changes(plan) == {"external-secrets/external-secrets": ["create"]}
    (step,) = plan["steps"]
    assert create_request("prod", step) == {
        "clusterName": "prod",
        "namespace": "external-secrets",
        "serviceAccount": "external-secrets",
        "roleArn": ROLE_ESO,
        "tags": {"Project": "x", "Env": "prod", "Component": "eso"},  # the entry's value wins
    }
    after = planned_associations(CURRENT, plan)["external-secrets/external-secrets"]
    assert (after["association_id"], after["association_arn"], after["owner_arn"]) == (None, None, None)


def test_create_without_tags_sends_no_tag_map():
    # TagMap has min 1 entry: an empty map is not sent
    plan = plan_associations({}, [entry("ns", "sa", ROLE_CA)], None, True, False)
    assert "tags" not in create_request("prod", plan["steps"][0])
    assert planned_associations({}, plan)["ns/sa"]["tags"] == {}


def test_another_role_is_an_in_place_update_and_tags_are_converged():
    plan = plan_associations(
        CURRENT, [entry("kube-system", "cluster-autoscaler", ROLE_CA, {"Component": "ca"})], {"Project": "wealist"},
        True, False,
    )  # fmt: skip
    (step,) = plan["steps"]
    assert (step["action"], step["changes"]) == ("update", ["role", "tags"])
    assert (step["tag_plan"].to_set, step["tag_plan"].to_unset) == ({"Component": "ca"}, ["Stale"])
    after = planned_associations(CURRENT, plan)["kube-system/cluster-autoscaler"]
    assert (after["role_arn"], after["tags"], after["association_id"]) == (
        ROLE_CA,
        {"Project": "wealist", "Component": "ca"},
        "a-ca",
    )


def test_tags_not_purged_without_purge_tags_and_not_managed_when_not_given():
    keep = plan_associations(
        CURRENT, [entry("kube-system", "cluster-autoscaler", ROLE_OLD, {"A": "1"})], None, False, False
    )
    assert keep["steps"][0]["changes"] == ["tags"]
    assert keep["steps"][0]["tag_plan"].to_unset == []
    unmanaged = plan_associations(CURRENT, [entry("kube-system", "cluster-autoscaler", ROLE_OLD)], None, True, False)
    assert plan_changes(unmanaged) == {}
    assert unmanaged["steps"][0]["tag_plan"].after == {"Stale": "yes", "Project": "wealist"}


def test_aws_tags_are_never_purged():
    current = current_associations([_described("ns", "sa", ROLE_CA, "a-1", {"aws:cloudformation:stack-name": "s"})])
    plan = plan_associations(current, [entry("ns", "sa", ROLE_CA, {})], None, True, False)
    assert plan_changes(plan) == {}


def test_state_absent_deletes_and_a_missing_absent_one_is_no_change():
    plan = plan_associations(
        CURRENT, [entry("cert-manager", "cert-manager", state="absent"), entry("loki", "loki", state="absent")],
        None, True, False,
    )  # fmt: skip
    assert plan_changes(plan) == {"cert-manager/cert-manager": ["delete"]}
    assert plan["steps"][0]["current"]["association_id"] == "a-cm"
    assert sorted(planned_associations(CURRENT, plan)) == [
        "kube-system/cluster-autoscaler",
        "kube-system/ebs-csi-controller-sa",
    ]


def test_purge_deletes_unlisted_associations_but_never_an_add_on_s():
    plan = plan_associations(CURRENT, [entry("kube-system", "cluster-autoscaler", ROLE_OLD)], None, True, True)
    assert plan_changes(plan) == {"cert-manager/cert-manager": ["delete"]}
    assert plan["managed"] == ["kube-system/cluster-autoscaler", "cert-manager/cert-manager"]
    assert "kube-system/ebs-csi-controller-sa" in planned_associations(CURRENT, plan)


def test_listing_an_add_on_owned_association_is_a_problem():
    for state in ("present", "absent"):
        plan = plan_associations(
            CURRENT, [entry("kube-system", "ebs-csi-controller-sa", ROLE_CA, state=state)], None, True, False
        )
        assert plan["steps"] == []
        assert plan["problems"] == [
            f"associations[0]: kube-system/ebs-csi-controller-sa is owned by the EKS add-on {ADDON_ARN}: "
            "manage it through the add-on"
        ]


def test_converged_state_plans_no_change():
    current = current_associations(
        [_described("kube-system", "cluster-autoscaler", ROLE_CA, "a-ca", {"Project": "wealist", "Component": "ca"})]
    )
    entries = [entry("kube-system", "cluster-autoscaler", ROLE_CA, {"Component": "ca"})]
    plan = plan_associations(current, entries, {"Project": "wealist"}, True, True)
    assert plan_changes(plan) == {}
    assert planned_associations(current, plan) == current


def test_missing_cluster_in_check_mode_plans_everything_as_created():
    entries = [
        entry("kube-system", "cluster-autoscaler", ROLE_CA),
        entry("cert-manager", "cert-manager", state="absent"),
    ]
    plan = plan_associations({}, entries, {"Project": "wealist"}, True, True)
    assert plan_changes(plan) == {"kube-system/cluster-autoscaler": ["create"]}


# --- diff and result ----------------------------------------------------------------------------------------


def test_diff_shows_role_and_tags_of_the_managed_keys_only():
    plan = plan_associations(
        CURRENT, [entry("kube-system", "cluster-autoscaler", ROLE_CA), entry("loki", "loki", ROLE_ESO)],
        {"Project": "wealist"}, True, False,
    )  # fmt: skip
    planned = planned_associations(CURRENT, plan)
    assert diff_views(CURRENT, plan["managed"]) == {
        "kube-system/cluster-autoscaler": {"role_arn": ROLE_OLD, "tags": {"Stale": "yes", "Project": "wealist"}},
    }
    assert diff_views(planned, plan["managed"]) == {
        "kube-system/cluster-autoscaler": {"role_arn": ROLE_CA, "tags": {"Project": "wealist"}},
        "loki/loki": {"role_arn": ROLE_ESO, "tags": {"Project": "wealist"}},
    }
    listed = association_list(planned)
    assert [(a["namespace"], a["service_account"]) for a in listed] == [
        ("cert-manager", "cert-manager"),
        ("kube-system", "cluster-autoscaler"),
        ("kube-system", "ebs-csi-controller-sa"),
        ("loki", "loki"),
    ]
