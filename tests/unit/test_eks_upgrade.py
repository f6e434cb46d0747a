"""Unit tests of the upgrade path (issue 9, point 10): the version check made before any change of a run
(module_utils/eks.py ``upgrade_problems``, filter eks_upgrade_problems), the add-on version picked per Kubernetes
minor version (``versions``), node groups following the cluster's version (and the skew an explicit one may have),
the phase selection that updates existing after_nodes add-ons before the node groups, and the modules' check-mode
planning for a cluster upgrade an earlier task only planned (``cluster_version``).

Expected values are written by hand from the EKS rules: one minor version up at a time, never down; UpdateClusterVersion
refused while a node group is behind; a kubelet at most three minor versions older than the control plane
(Kubernetes version skew policy, 1.28 and later); CreateNodegroup accepts only the cluster's version."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.filter.eks_upgrade import (  # noqa: E402
    FilterModule,
    eks_upgrade_problems,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils import eks  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_addon_inputs import (  # noqa: E402
    addon_pins,
    addon_problems,
    addon_specs,
    phase_addons,
    pick_version,
)
from ansible_collections.cloudops.eks_platform.plugins.module_utils.eks_nodegroup_inputs import (  # noqa: E402
    module_nodegroups,
    nodegroup_specs,
    nodegroups_problems,
)
from ansible_collections.cloudops.eks_platform.plugins.modules import eks_addons  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.modules import eks_cluster_info as info_mod  # noqa: E402

from . import test_eks_addons_compare as addons_test  # noqa: E402
from . import test_eks_cluster_compare as cluster_test  # noqa: E402
from . import test_eks_nodegroups_compare as nodegroups_test  # noqa: E402

CLUSTER = "shop-prod-eks"


# --- the version check before any change ------------------------------------------------------------------------
def test_same_version_absent_cluster_or_no_target_is_no_problem() -> None:
    assert eks.upgrade_problems(CLUSTER, "1.34", "1.34") == []
    assert eks.upgrade_problems(CLUSTER, None, "1.36") == []  # created at that version
    assert eks.upgrade_problems(CLUSTER, "1.34", "") == []  # version not managed


def test_one_minor_up_is_fine_when_every_node_group_runs_the_cluster_version() -> None:
    groups = [{"name": "shop-prod-spot", "version": "1.34"}, {"name": "shop-prod-system", "version": "1.34"}]
    assert eks.upgrade_problems(CLUSTER, "1.34", "1.35", groups) == []


def test_a_two_minor_jump_names_the_variable_the_current_and_the_wanted_version() -> None:
    assert eks.upgrade_problems(CLUSTER, "1.33", "1.35") == [
        "platform_eks_version: EKS cluster shop-prod-eks runs Kubernetes 1.33, and 1.35 is more than one minor "
        "version above it: EKS upgrades one minor version at a time - set platform_eks_version to 1.34, run, then "
        "raise it again"
    ]


def test_a_downgrade_is_refused() -> None:
    assert eks.upgrade_problems(CLUSTER, "1.34", "1.33", variable="aws_eks_version") == [
        "aws_eks_version: EKS cluster shop-prod-eks runs Kubernetes 1.34 and cannot be downgraded to 1.33 (set "
        "aws_eks_version back to 1.34, or delete and re-create the cluster)"
    ]


def test_an_upgrade_with_a_node_group_behind_is_refused() -> None:
    groups = [{"name": "shop-prod-spot", "version": "1.34"}, {"name": "shop-prod-old", "version": "1.33"}]
    (problem,) = eks.upgrade_problems(CLUSTER, "1.34", "1.35", groups)
    assert problem.startswith("platform_eks_version: EKS upgrades cluster shop-prod-eks from 1.34 to 1.35 only when")
    assert "behind: shop-prod-old (1.33)" in problem and "shop-prod-spot" not in problem


@pytest.mark.parametrize(
    ("node", "cluster", "behind"),
    [("1.34", "1.34", 0), ("1.31", "1.34", 3), ("1.35", "1.34", -1), ("1.9", "1.10", 1), ("2.0", "1.34", None)],
)
def test_minors_behind(node: str, cluster: str, behind: int | None) -> None:
    assert eks.minors_behind(node, cluster) == behind


def test_planned_cluster_version_for_a_module_run() -> None:
    assert eks.planned_cluster_version(CLUSTER, "1.34", None, False) == ("1.34", None, None)
    assert eks.planned_cluster_version(CLUSTER, "1.34", "1.34", False) == ("1.34", None, None)
    assert eks.planned_cluster_version(CLUSTER, None, "1.34", True) == ("1.34", None, None)  # created in this run
    version, warning, failure = eks.planned_cluster_version(CLUSTER, "1.33", "1.34", True)
    assert (version, failure) == ("1.34", None)
    assert warning == (
        "EKS cluster shop-prod-eks runs Kubernetes 1.33: planning for 1.34 (cluster_version), the version an earlier "
        "task of this run upgrades it to"
    )
    refused = "cluster_version: EKS cluster shop-prod-eks runs Kubernetes 1.33, not 1.34: upgrade the cluster first"
    assert eks.planned_cluster_version(CLUSTER, "1.33", "1.34", False) == ("1.33", None, refused)


# --- the filter: eks_cluster_info's result -> problems ----------------------------------------------------------
ADDONS = [
    {"name": "vpc-cni", "version": "v1.21.1-eksbuild.1"},
    {"name": "kube-proxy", "versions": {"1.34": "v1.34.1-eksbuild.2", "1.35": "v1.35.0-eksbuild.1"}},
    {"name": "coredns", "version": "v1.12.4-eksbuild.1", "versions": {"1.35": "v1.13.1-eksbuild.1"}},
]


def read(version: str | None, offered: dict[str, list[str]], nodegroups: list | None = None) -> dict[str, Any]:
    """What eks_cluster_info returns (exists, cluster, nodegroups, addon_versions)."""
    cluster = {"name": CLUSTER, "version": version} if version else {}
    return {"exists": bool(version), "cluster": cluster, "nodegroups": nodegroups or [], "addon_versions": offered}


def test_an_upgrade_with_every_pin_listed_for_the_new_version_passes() -> None:
    offered = {
        "vpc-cni": ["v1.21.1-eksbuild.1"],
        "kube-proxy": ["v1.35.0-eksbuild.1"],
        "coredns": ["v1.13.1-eksbuild.1", "v1.12.4-eksbuild.1"],
    }
    assert eks_upgrade_problems(read("1.34", offered), "1.35", ADDONS) == []
    assert FilterModule().filters() == {"eks_upgrade_problems": eks_upgrade_problems}


def test_a_pin_eks_does_not_list_for_the_new_version_is_named_by_its_field() -> None:
    offered = {"vpc-cni": [], "kube-proxy": ["v1.35.1-eksbuild.1"], "coredns": ["v1.13.1-eksbuild.1"]}
    assert eks_upgrade_problems(read("1.34", offered), "1.35", ADDONS) == [
        "platform_eks_addons[0].version: EKS lists no version of the add-on vpc-cni for Kubernetes 1.35",
        'platform_eks_addons[1].versions["1.35"]: kube-proxy v1.35.0-eksbuild.1 is not compatible with Kubernetes '
        "1.35 (platform_eks_version); EKS lists: v1.35.1-eksbuild.1",
    ]


def test_a_jump_is_reported_alone_and_an_absent_cluster_only_checks_the_pins() -> None:
    (problem,) = eks_upgrade_problems(read("1.33", {"vpc-cni": []}), "1.35", ADDONS)  # no add-on problem with it
    assert problem.startswith("platform_eks_version: EKS cluster shop-prod-eks runs Kubernetes 1.33, and 1.35 is more")
    assert eks_upgrade_problems(read(None, {"kube-proxy": ["v1.35.0-eksbuild.1"]}), "1.35", ADDONS) == []
    assert eks_upgrade_problems({"exists": False, "cluster": {}}, "", ADDONS) == []
    assert eks_upgrade_problems(None, "1.35") == []  # the read was skipped


# --- add-on versions per Kubernetes minor version ---------------------------------------------------------------
def test_pick_version_prefers_the_pin_of_the_minor_then_version() -> None:
    assert pick_version(ADDONS[1], "1.35") == ("v1.35.0-eksbuild.1", 'versions["1.35"]')
    assert pick_version(ADDONS[2], "1.34") == ("v1.12.4-eksbuild.1", "version")
    assert pick_version(ADDONS[2], "1.35") == ("v1.13.1-eksbuild.1", 'versions["1.35"]')
    assert pick_version(ADDONS[1], "1.33") == (None, "version")
    assert pick_version(ADDONS[0], "") == ("v1.21.1-eksbuild.1", "version")


def test_addon_pins_name_the_field_each_version_comes_from() -> None:
    assert addon_pins(ADDONS, "1.34") == [
        {"name": "vpc-cni", "version": "v1.21.1-eksbuild.1", "field": "platform_eks_addons[0].version"},
        {"name": "kube-proxy", "version": "v1.34.1-eksbuild.2", "field": 'platform_eks_addons[1].versions["1.34"]'},
        {"name": "coredns", "version": "v1.12.4-eksbuild.1", "field": "platform_eks_addons[2].version"},
    ]


CONTEXT = {"node_dependent": ["coredns"], "platform_name": "shop-prod", "region": "eu-west-1",
           "secret_prefix": "shop/prod", "cluster_name": CLUSTER, "buckets": []}  # fmt: skip


def test_versions_are_valid_with_a_pin_for_the_target() -> None:
    assert addon_problems(ADDONS, {**CONTEXT, "kubernetes_version": "1.34"}) == []
    assert addon_problems(ADDONS, {**CONTEXT, "kubernetes_version": "1.35"}) == []


def test_a_missing_pin_names_versions() -> None:
    assert addon_problems([ADDONS[1]], {**CONTEXT, "kubernetes_version": "1.36"}) == [
        "platform_eks_addons[0].versions: no version for Kubernetes 1.36 (platform_eks_version; pinned: 1.34, 1.35) - "
        'add "1.36": <the add-on version for 1.36> (aws eks describe-addon-versions --kubernetes-version 1.36 '
        "--addon-name kube-proxy)"
    ]
    [problem] = addon_problems([ADDONS[1]], {**CONTEXT, "kubernetes_version": ""})
    assert problem.startswith("platform_eks_addons[0].versions: the cluster's Kubernetes version (platform_eks_ver")


def test_versions_shapes_are_checked() -> None:
    entry = {"name": "kube-proxy", "versions": {1.3: "v1.30.14-eksbuild.12", "1.34": "1.34.1"}}
    assert addon_problems([entry], {**CONTEXT, "kubernetes_version": "1.34"}) == [
        'platform_eks_addons[0].versions: key 1.3 is not a Kubernetes minor version like "1.34" - quote it (1.30 '
        "unquoted is the number 1.3)",
        "platform_eks_addons[0].versions[\"1.34\"]: '1.34.1' is not an EKS add-on version "
        "(v<major>.<minor>.<patch>-eksbuild.<n>)",
    ]
    [problem] = addon_problems([{"name": "kube-proxy", "versions": []}], CONTEXT)
    assert problem.startswith("platform_eks_addons[0].versions: must be a dict of Kubernetes minor version")
    [problem] = addon_problems([{"name": "kube-proxy"}], CONTEXT)
    assert problem.startswith("platform_eks_addons[0].version: missing - pin the version")


def test_specs_send_the_pin_of_the_target_version() -> None:
    specs = addon_specs(ADDONS, {**CONTEXT, "kubernetes_version": "1.35", "resolve_conflicts": "OVERWRITE"})
    assert [s["addon"]["version"] for s in specs] == ["v1.21.1-eksbuild.1", "v1.35.0-eksbuild.1", "v1.13.1-eksbuild.1"]


# --- phases: existing after_nodes add-ons are updated before the node groups ------------------------------------
def test_the_before_nodes_call_lists_the_after_nodes_add_ons_without_creating_them() -> None:
    specs = addon_specs(ADDONS, {**CONTEXT, "kubernetes_version": "1.34"})
    before = phase_addons(specs, "before_nodes", update_late=True)
    assert [(a["name"], a.get("create", True)) for a in before] == [
        ("vpc-cni", True), ("kube-proxy", True), ("coredns", False)
    ]  # fmt: skip
    # the after_nodes call lists the before_nodes add-ons after its own, never creating them: it waits for them
    after = phase_addons(specs, "after_nodes", update_late=True)
    assert [(a["name"], a.get("create", True)) for a in after] == [
        ("coredns", True), ("vpc-cni", False), ("kube-proxy", False)
    ]  # fmt: skip
    assert "create" not in phase_addons(specs, "after_nodes")[0]
    assert [a["name"] for a in phase_addons(specs, "before_nodes")] == ["vpc-cni", "kube-proxy"]


def test_create_false_leaves_a_missing_add_on_missing_and_updates_an_existing_one() -> None:
    wanted = {"version": "v1.12.4-eksbuild.1", "configuration_values": None, "service_account_role_arn": None,
              "pod_identity_associations": None, "tags": None}  # fmt: skip
    assert eks_addons.plan_addon(None, wanted, "present", True, create=False) == {
        "action": None, "settings": [], "tags": None
    }  # fmt: skip
    current = {**wanted, "version": "v1.12.2-eksbuild.4", "tags": {}}
    assert eks_addons.plan_addon(current, wanted, "present", True, create=False)["action"] == "update"


class OldCluster(addons_test.FakeEKS):
    """The fake EKS of test_eks_addons_compare with the cluster still at 1.33 (its catalog answers 1.34's)."""

    def describe_cluster(self, name: str) -> dict[str, Any]:
        self.calls.append(("describe_cluster", {"name": name}))
        return {"cluster": {"name": name, "version": "1.33", "status": "ACTIVE"}}


def test_eks_addons_plans_a_planned_cluster_upgrade_in_check_mode_and_refuses_it_in_a_real_run() -> None:
    proxy = addons_test.entry("kube-proxy", version="v1.34.1-eksbuild.2", create=True)
    proxy_now = {"addonName": "kube-proxy", "addonVersion": "v1.33.5-eksbuild.2", "status": "ACTIVE",
                 "addonArn": "arn:aws:eks:ap-northeast-2:123456789012:addon/c1/kube-proxy/1", "tags": {}}  # fmt: skip
    client = OldCluster(addons={"kube-proxy": proxy_now})
    module = addons_test.FakeModule([proxy], check_mode=True)
    module.params["cluster_version"] = "1.34"
    result = addons_test.run(module, client)
    assert result["changes"] == {"kube-proxy": ["version"]} and client.writes() == []
    assert module.warnings == [
        "EKS cluster c1 runs Kubernetes 1.33: planning for 1.34 (cluster_version), the version an earlier task of "
        "this run upgrades it to"
    ]
    assert ("describe_addon_versions", {"addonName": "kube-proxy", "kubernetesVersion": "1.34"}) in client.calls
    real = addons_test.FakeModule([proxy])
    real.params["cluster_version"] = "1.34"
    with pytest.raises(addons_test.Failed, match=r"^cluster_version: EKS cluster c1 runs Kubernetes 1\.33, not 1\.34"):
        eks_addons.run(real, client)
    assert client.writes() == []


def test_eks_addons_create_false_makes_no_call_for_a_missing_add_on() -> None:
    client = addons_test.FakeEKS()
    coredns = addons_test.entry("kube-proxy", version="v1.34.1-eksbuild.2", create=False)
    result = addons_test.run(addons_test.FakeModule([coredns]), client)
    assert (result["changed"], result["changes"], client.writes()) == (False, {}, [])
    assert result["addons"][0]["status"] is None


# --- node groups follow the cluster ------------------------------------------------------------------------------
NG_DEFAULTS = {"capacity_type": "ON_DEMAND", "instance_types": ["t3.medium"], "ami_type": "", "disk_size": 20}
NG_CONTEXT = {"platform_name": "shop-prod", "cluster_name": CLUSTER, "azs": ["eu-west-1a", "eu-west-1b"],
              "network_name": "shop-prod"}  # fmt: skip
SYSTEM = {"suffix": "system", "min_size": 1, "max_size": 2}


def test_a_node_group_without_version_follows_the_cluster() -> None:
    pinned = {**SYSTEM, "suffix": "old", "version": "1.33"}
    specs = nodegroup_specs([SYSTEM, pinned], NG_DEFAULTS, {**NG_CONTEXT, "cluster_version": "1.34"})
    assert [s["version"] for s in specs] == ["1.34", "1.33"]
    assert [e["version"] for e in module_nodegroups(specs, [], "arn:aws:iam::123456789012:role/n")] == ["1.34", "1.33"]
    assert nodegroup_specs([SYSTEM], NG_DEFAULTS, {**NG_CONTEXT, "cluster_version": ""})[0]["version"] is None
    assert "version" not in module_nodegroups(nodegroup_specs([SYSTEM], NG_DEFAULTS, NG_CONTEXT), [], "arn")[0]


@pytest.mark.parametrize(
    ("version", "problem"),
    [
        ("1.34", None),
        ("1.31", None),  # three behind: allowed
        ("1.35", "platform_eks_nodegroups[0].version: 1.35 is above the cluster's version 1.34 (platform_eks_version)"),
        ("1.30", "platform_eks_nodegroups[0].version: 1.30 is 4 minor versions below the cluster's 1.34 "
                 "(platform_eks_version); EKS allows a node group at most 3 behind"),
    ],
)  # fmt: skip
def test_an_explicit_node_group_version_stays_within_the_skew(version: str, problem: str | None) -> None:
    context = {**NG_CONTEXT, "cluster_version": "1.34"}
    found = nodegroups_problems([{**SYSTEM, "version": version}], NG_DEFAULTS, context)
    assert [p[: len(problem)] for p in found] == ([problem] if problem else [])


def test_eks_nodegroups_plans_the_upgrade_of_a_cluster_an_earlier_task_only_planned():
    client = nodegroups_test.FakeEKS({"wealist-prod-spot": nodegroups_test.described(version="1.33")})
    client.cluster["version"] = "1.33"  # check mode: the earlier eks_cluster task did not upgrade it
    module = nodegroups_test.FakeModule(
        {"cluster_version": "1.34", "nodegroups": [{**nodegroups_test.SPOT, "version": "1.34"}]}, check_mode=True
    )
    with pytest.raises(nodegroups_test.Exited) as exited:
        nodegroups_test.m.run(module, client)
    result = exited.value.result
    assert (result["changed"], result["changes"]) == (True, {"wealist-prod-spot": ["version"]})
    assert result["nodegroups"][0]["version"] == "1.34" and client.writes() == []
    assert module.warnings[0].startswith("EKS cluster wealist-prod-eks runs Kubernetes 1.33: planning for 1.34")
    # without cluster_version the same entry is refused: above the cluster's version
    plain = nodegroups_test.FakeModule({"nodegroups": [{**nodegroups_test.SPOT, "version": "1.34"}]}, check_mode=True)
    with pytest.raises(nodegroups_test.Failed, match=r"version 1\.34 is above the version 1\.33 of the cluster"):
        nodegroups_test.m.run(plain, client)
    # a real run with the cluster still at 1.33 fails before any change, naming cluster_version
    real = nodegroups_test.FakeModule({"cluster_version": "1.34", "nodegroups": [{**nodegroups_test.SPOT}]})
    with pytest.raises(nodegroups_test.Failed, match=r"^cluster_version: EKS cluster wealist-prod-eks runs Kubernetes"):
        nodegroups_test.m.run(real, client)
    assert client.writes() == []


# --- the info module's pure parts and eks_cluster re-planning after a running update ---------------------------------
def test_cluster_info_views() -> None:
    assert info_mod.cluster_view(None) == {}
    view = info_mod.cluster_view({"name": CLUSTER, "version": "1.34", "resourcesVpcConfig": {"vpcId": "v"},
                                  "tags": {"aws:x": "1", "Project": "p"}})  # fmt: skip
    assert view == {"name": CLUSTER, "version": "1.34", "resources_vpc_config": {"vpc_id": "v"},
                    "tags": {"aws:x": "1", "Project": "p"}}  # fmt: skip
    described = {"version": "1.34", "releaseVersion": "1.34.2-20251112", "status": "ACTIVE", "nodegroupName": "ng"}
    assert info_mod.nodegroup_version("ng", described) == {
        "name": "ng", "version": "1.34", "release_version": "1.34.2-20251112", "status": "ACTIVE"
    }  # fmt: skip
    assert info_mod.lookup_version("1.35", {"version": "1.34"}) == "1.35"
    assert info_mod.lookup_version(None, {"version": "1.34"}) == "1.34"
    assert info_mod.lookup_version(None, None) is None


class UpdatingCluster(cluster_test.FakeEKS):
    """A cluster whose UpdateClusterVersion (started by an earlier task without waiting) is running: EKS reports
    UPDATING and the old version until it is done (here, from the second read on: ACTIVE at the new version)."""

    def describe_cluster(self, name: str) -> dict[str, Any]:
        found = super().describe_cluster(name)
        self.cluster = {**self.cluster, "status": "ACTIVE", "version": "1.34"}
        return found


def test_eks_cluster_waits_for_a_running_version_update_and_does_not_repeat_it(clock: Any) -> None:
    client = UpdatingCluster(cluster_test.described(version="1.33", status="UPDATING"))
    with pytest.raises(cluster_test.Exited):
        cluster_test.run_module({"version": "1.34", "wait": True}, client)
    assert client.calls == ["describe_cluster", "describe_cluster"]  # the wait, then nothing to do


clock = cluster_test.clock
