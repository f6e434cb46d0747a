"""Unit tests of eks_access_entries' pure functions: policy names, validation, per-entry plans, association
plans, purge. Expected values come from the EKS API reference (botocore's eks service model: CreateAccessEntry,
UpdateAccessEntry, AssociateAccessPolicy, AccessScope, ListAccessPolicies) and the wealist inventory (§1.2)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.modules.eks_access_entries import (  # noqa: E402
    creator_entry,
    current_entry,
    describe_changes,
    diff_view,
    partition_for_region,
    plan_associations,
    plan_changed,
    plan_entry,
    plan_purge,
    policy_arn,
    principal_key,
    result_view,
    state_after,
    validate_entries,
    wanted_entry,
)

ACCOUNT = "123456789012"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/eks-access/wealist-prod-eks-admin"
DEV = f"arn:aws:iam::{ACCOUNT}:role/eks-access/wealist-prod-eks-developer"
POLICY = "arn:aws:eks::aws:cluster-access-policy/"
EDIT, ADMIN_POLICY, VIEW = (
    f"{POLICY}AmazonEKSEditPolicy",
    f"{POLICY}AmazonEKSClusterAdminPolicy",
    f"{POLICY}AmazonEKSViewPolicy",
)
CLUSTER_SCOPE = {"type": "cluster", "namespaces": []}


def spec(arn: str = DEV, **options) -> dict:
    """An entry of ``entries`` as AnsibleModule hands it over (every suboption present, defaults applied)."""
    base = {
        "principal_arn": arn,
        "type": "STANDARD",
        "kubernetes_groups": None,
        "username": None,
        "policies": None,
        "tags": None,
        "state": "present",
    }
    return {**base, **options}


def edit_in(*namespaces: str) -> list[dict]:
    return [{"policy": "AmazonEKSEditPolicy", "access_scope": {"type": "namespace", "namespaces": list(namespaces)}}]


# DescribeAccessEntry's accessEntry and ListAssociatedAccessPolicies' items for the developer (AccessEntry and
# AssociatedAccessPolicy shapes); EKS chose the username (assumed-role ARN with {{SessionName}}).
DEV_ENTRY = {
    "clusterName": "wealist-prod-eks",
    "principalArn": DEV,
    "kubernetesGroups": ["devs"],
    "accessEntryArn": f"arn:aws:eks:ap-northeast-2:{ACCOUNT}:access-entry/wealist-prod-eks/role/{ACCOUNT}/x/1",
    "username": f"arn:aws:sts::{ACCOUNT}:assumed-role/wealist-prod-eks-developer/{{{{SessionName}}}}",
    "type": "STANDARD",
    "tags": {"Project": "wealist", "Stale": "yes"},
}
DEV_POLICIES = [{"policyArn": EDIT, "accessScope": {"type": "namespace", "namespaces": ["wealist-prod", "argocd"]}}]


# --- names ---------------------------------------------------------------------------------------------------


def test_a_policy_name_becomes_its_cluster_access_policy_arn():
    assert policy_arn("AmazonEKSEditPolicy") == EDIT
    assert policy_arn(ADMIN_POLICY) == ADMIN_POLICY
    assert policy_arn("AmazonEKSViewPolicy", partition_for_region("cn-north-1")) == (
        "arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
    )
    assert partition_for_region("ap-northeast-2") == "aws" and partition_for_region("us-gov-west-1") == "aws-us-gov"


def test_an_iam_policy_arn_is_not_an_access_policy():
    assert policy_arn("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy") is None
    assert policy_arn("") is None and policy_arn("Amazon EKS Edit") is None


def test_principal_keys_match_a_role_its_sessions_and_ignore_paths():
    role = (ACCOUNT, "role", "wealist-prod-eks-admin")
    assert principal_key(ADMIN) == role
    assert principal_key(f"arn:aws:sts::{ACCOUNT}:assumed-role/wealist-prod-eks-admin/ci-session") == role
    assert principal_key(f"arn:aws:iam::{ACCOUNT}:user/ops") == (ACCOUNT, "user", "ops")
    assert principal_key("not-an-arn") is None


# --- validation ----------------------------------------------------------------------------------------------


def test_the_inventory_entries_are_valid():
    entries = [
        spec(ADMIN, policies=[{"policy": "AmazonEKSClusterAdminPolicy", "access_scope": {"type": "cluster"}}]),
        spec(DEV, policies=edit_in("wealist-prod", "argocd")),
        spec(
            f"arn:aws:iam::{ACCOUNT}:role/eks-access/wealist-prod-eks-readonly",
            policies=[{"policy": VIEW, "access_scope": {"type": "cluster", "namespaces": []}}],
        ),
    ]
    assert validate_entries(entries) == []


def test_scopes_are_checked_with_their_option_path():
    entries = [
        spec(ADMIN, policies=[{"policy": "AmazonEKSClusterAdminPolicy", "access_scope": {"type": "cluster"}}]),
        spec(
            DEV,
            policies=[
                {"policy": "AmazonEKSEditPolicy", "access_scope": {"type": "namespace", "namespaces": []}},
                {"policy": "AmazonEKSViewPolicy", "access_scope": {"type": "cluster", "namespaces": ["argocd"]}},
                {
                    "policy": "AmazonEKSAdminPolicy",
                    "access_scope": {"type": "namespace", "namespaces": ["Team_A", "ok"]},
                },
            ],
        ),
    ]
    problems = validate_entries(entries)
    assert len(problems) == 3
    assert problems[0].startswith("entries[1].policies[0].access_scope.namespaces: a namespace scope needs")
    assert problems[1].startswith("entries[1].policies[1].access_scope.namespaces: a cluster scope takes no")
    assert problems[2].startswith("entries[1].policies[2].access_scope.namespaces[0]: 'Team_A' is not a Kubernetes")


def test_namespace_names_are_dns_1123_labels():
    def problems(namespace: str) -> list[str]:
        return validate_entries([spec(policies=edit_in(namespace))])

    assert problems("a") == [] and problems("team-a") == [] and problems("a" * 63) == []
    for bad in ("a" * 64, "-team", "team-", "team.a", "Team", ""):
        assert problems(bad) and problems(bad)[0].startswith("entries[0].policies[0].access_scope.namespaces[0]:")
    assert validate_entries([spec(policies=edit_in("argocd", "argocd"))]) == [
        "entries[0].policies[0].access_scope.namespaces[1]: argocd is listed twice"
    ]


def test_principals_must_be_iam_roles_or_users_listed_once():
    sts = f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/session"  # "You can't use the STS session principal type"
    problems = validate_entries([spec(DEV), spec(sts), spec(DEV), spec(f"arn:aws:iam::{ACCOUNT}:user/ops")])
    assert len(problems) == 2
    assert problems[0].startswith("entries[1].principal_arn: 'arn:aws:sts::")
    assert problems[1] == f"entries[2].principal_arn: {DEV} is already entries[0]"


def test_a_policy_is_a_name_or_an_access_policy_arn_listed_once():
    problems = validate_entries(
        [
            spec(
                policies=[
                    *edit_in("a"),
                    {"policy": EDIT, "access_scope": {"type": "cluster"}},
                    {"policy": "arn:aws:iam::aws:policy/AdministratorAccess", "access_scope": {"type": "cluster"}},
                ]
            )
        ]
    )
    assert problems[0] == "entries[0].policies[1].policy: AmazonEKSEditPolicy is already entries[0].policies[0]"
    assert problems[1].startswith("entries[0].policies[2].policy: 'arn:aws:iam::aws:policy/AdministratorAccess' is")
    assert len(problems) == 2


def test_node_entries_take_no_groups_username_or_policies_and_need_a_role():
    # CreateAccessEntry: "If you set the value to EC2_LINUX or EC2_WINDOWS, you can't specify values for
    # kubernetesGroups, or associate an AccessPolicy"; node types: "the only valid ARN is IAM roles".
    problems = validate_entries(
        [
            spec(type="EC2_LINUX", kubernetes_groups=["nodes"], policies=edit_in("a")),
            spec(f"arn:aws:iam::{ACCOUNT}:user/ops", type="FARGATE_LINUX", username="node"),
            spec(
                ADMIN, type="EC2", policies=[{"policy": "AmazonEKSAutoNodePolicy", "access_scope": {"type": "cluster"}}]
            ),
        ]
    )
    assert [p.split(":")[0] for p in problems] == [
        "entries[0].kubernetes_groups",
        "entries[0].policies",
        "entries[1].principal_arn",
        "entries[1].username",
    ]


def test_reserved_kubernetes_names_are_refused():
    problems = validate_entries([spec(kubernetes_groups=["devs", "system:masters"], username="eks:admin")])
    assert [p.split(":")[0] for p in problems] == ["entries[0].kubernetes_groups[1]", "entries[0].username"]


def test_an_absent_entry_needs_only_its_principal():
    assert validate_entries([spec(state="absent", type="EC2_LINUX", policies=edit_in("Bad_NS"))]) == []


# --- plans ---------------------------------------------------------------------------------------------------


def test_a_missing_entry_is_created_with_its_policies_and_tags():
    wanted = wanted_entry(
        spec(kubernetes_groups=["devs"], policies=edit_in("team-a", "argocd"), tags={"Team": "dev"}),
        module_tags={"Project": "wealist"},
    )
    plan = plan_entry(0, wanted, None, purge_tags=True)
    assert plan["action"] == "create" and plan_changed(plan)
    assert plan["associate"] == {EDIT: {"type": "namespace", "namespaces": ["argocd", "team-a"]}}
    assert plan["tags"].to_set == {"Project": "wealist", "Team": "dev"}
    assert describe_changes(plan) == [
        f"{DEV}: create (STANDARD)",
        f"{DEV}: associate AmazonEKSEditPolicy (namespace: argocd, team-a)",
    ]
    after = state_after(None, wanted, plan)
    assert result_view(after) == {
        "principal_arn": DEV,
        "access_entry_arn": None,  # EKS makes it
        "type": "STANDARD",
        "kubernetes_groups": ["devs"],
        "username": None,  # EKS chooses it
        "policies": [{"policy_arn": EDIT, "access_scope": {"type": "namespace", "namespaces": ["argocd", "team-a"]}}],
        "tags": {"Project": "wealist", "Team": "dev"},
    }


def test_a_converged_entry_needs_nothing():
    current = current_entry(DEV_ENTRY, DEV_POLICIES)
    wanted = wanted_entry(
        spec(
            kubernetes_groups=["devs"],
            policies=edit_in("argocd", "wealist-prod"),
            tags={"Project": "wealist", "Stale": "yes"},
        )
    )
    plan = plan_entry(0, wanted, current, purge_tags=True)
    assert not plan_changed(plan) and describe_changes(plan) == []
    assert state_after(current, wanted, plan) == current


def test_omitted_options_are_not_managed():
    current = current_entry(DEV_ENTRY, DEV_POLICIES)
    plan = plan_entry(0, wanted_entry(spec()), current, purge_tags=True)
    assert not plan_changed(plan)


def test_groups_username_scopes_and_tags_change_in_place():
    current = current_entry(DEV_ENTRY, [*DEV_POLICIES, {"policyArn": VIEW, "accessScope": CLUSTER_SCOPE}])
    wanted = wanted_entry(
        spec(
            kubernetes_groups=["devs", "ops"],
            username="developer",
            policies=edit_in("wealist-prod"),
            tags={"Project": "wealist"},
        )
    )
    plan = plan_entry(3, wanted, current, purge_tags=True)
    assert plan["action"] == "update"
    assert plan["update"] == {"kubernetesGroups": ["devs", "ops"], "username": "developer"}
    # AssociateAccessPolicy replaces the scope of an associated policy; policies not listed are disassociated
    assert plan_associations(current["policies"], wanted["policies"]) == {
        "associate": {EDIT: {"type": "namespace", "namespaces": ["wealist-prod"]}},
        "disassociate": [VIEW],
    }
    assert (plan["tags"].to_set, plan["tags"].to_unset) == ({}, ["Stale"])
    assert describe_changes(plan) == [
        f"{DEV}: kubernetes_groups",
        f"{DEV}: username",
        f"{DEV}: associate AmazonEKSEditPolicy (namespace: wealist-prod)",
        f"{DEV}: disassociate AmazonEKSViewPolicy",
        f"{DEV}: tags",
    ]
    assert diff_view(state_after(current, wanted, plan)) == {
        "type": "STANDARD",
        "kubernetes_groups": ["devs", "ops"],
        "username": "developer",
        "policies": [{"policy_arn": EDIT, "access_scope": {"type": "namespace", "namespaces": ["wealist-prod"]}}],
        "tags": {"Project": "wealist"},
    }


def test_policies_empty_disassociates_all_and_purge_tags_false_keeps_tags():
    current = current_entry(DEV_ENTRY, DEV_POLICIES)
    plan = plan_entry(0, wanted_entry(spec(policies=[], tags={"New": "1"})), current, purge_tags=False)
    assert plan["associate"] == {} and plan["disassociate"] == [EDIT]
    assert (plan["tags"].to_set, plan["tags"].to_unset) == ({"New": "1"}, [])


def test_the_order_of_groups_and_namespaces_does_not_matter():
    current = current_entry(DEV_ENTRY, DEV_POLICIES)
    wanted = wanted_entry(spec(kubernetes_groups=["devs", "devs"], policies=edit_in("wealist-prod", "argocd")))
    assert not plan_changed(plan_entry(0, wanted, current, purge_tags=True))


def test_the_type_of_an_entry_cannot_change():
    current = current_entry({**DEV_ENTRY, "type": "EC2_LINUX", "kubernetesGroups": ["system:nodes"]}, [])
    plan = plan_entry(2, wanted_entry(spec()), current, purge_tags=True)
    assert plan["problem"].startswith(f"entries[2].type: the access entry of {DEV} is of type EC2_LINUX, not STANDARD")
    assert not plan_changed(plan)


def test_absent_deletes_an_existing_entry_only():
    current = current_entry(DEV_ENTRY, DEV_POLICIES)
    plan = plan_entry(0, wanted_entry(spec(state="absent")), current, purge_tags=True)
    assert plan["action"] == "delete" and describe_changes(plan) == [f"{DEV}: delete"]
    assert state_after(current, wanted_entry(spec(state="absent")), plan) is None
    assert not plan_changed(plan_entry(0, wanted_entry(spec(state="absent")), None, purge_tags=True))


# --- purge ---------------------------------------------------------------------------------------------------

CREATED = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
CLUSTER = {
    "name": "c",
    "createdAt": CREATED,
    "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": True},
}


def entry(name: str, kind: str = "STANDARD", minutes: int = 60) -> dict:
    return {
        "principalArn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "type": kind,
        "createdAt": CREATED + timedelta(minutes=minutes),
    }


def test_purge_deletes_unlisted_standard_entries_only():
    existing = [
        entry("creator", minutes=0),
        entry("nodes", "EC2_LINUX"),
        entry("fargate", "FARGATE_LINUX"),
        entry("hybrid", "HYBRID_LINUX"),
        entry("auto", "EC2"),
        entry("old-dev", minutes=2),
        entry("listed"),
    ]
    listed = {f"arn:aws:iam::{ACCOUNT}:role/listed"}
    delete, spared = plan_purge(existing, listed, CLUSTER, f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/session")
    assert delete == [f"arn:aws:iam::{ACCOUNT}:role/old-dev"]
    assert spared == [f"arn:aws:iam::{ACCOUNT}:role/creator"]


def test_the_callers_own_entry_is_spared():
    delete, spared = plan_purge([entry("ci")], set(), CLUSTER, f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/session-1")
    assert (delete, spared) == ([], [f"arn:aws:iam::{ACCOUNT}:role/ci"])


def test_the_creator_entry_is_the_first_standard_entry_made_with_the_cluster():
    first = f"arn:aws:iam::{ACCOUNT}:role/creator"
    assert creator_entry([entry("later", minutes=3), entry("creator", minutes=0)], CLUSTER) == first
    # a node entry made earlier does not count; a listed creator is still found (it is not purged either way)
    assert creator_entry([entry("nodes", "EC2_LINUX", minutes=0), entry("creator", minutes=1)], CLUSTER) == first
    # deleted creator entry: the first remaining one was made long after the cluster
    assert creator_entry([entry("later", minutes=30)], CLUSTER) is None
    cluster = {**CLUSTER, "accessConfig": {"bootstrapClusterCreatorAdminPermissions": False}}
    assert creator_entry([entry("creator", minutes=0)], cluster) is None
