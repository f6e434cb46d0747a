"""Unit tests of eks_addons: option validation, version compatibility, configuration equality, plans and
requests (pure functions), and the module's flow against a fake EKS client (what is called, in which order,
and that nothing is written before the version check).

Expected values are written from the EKS API reference (botocore's eks model, 2017-11-01): DescribeAddonVersions
``addons[].addonVersions[].compatibilities[].{clusterVersion, defaultVersion}``; CreateAddon/UpdateAddon
``addonVersion``, ``configurationValues`` (a string), ``serviceAccountRoleArn``, ``resolveConflicts``
(OVERWRITE | NONE | PRESERVE), ``podIdentityAssociations`` ([{serviceAccount, roleArn}]), ``tags`` (a map);
DescribeAddon ``podIdentityAssociations`` (association ARNs); UpdateAddon returns an ``update``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.modules import eks_addons  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.modules.eks_addons import (  # noqa: E402
    compatible_versions,
    configuration_equal,
    create_request,
    default_version,
    parse_configuration,
    plan_addon,
    plan_changes,
    planned_settings,
    resolve_versions,
    settings_differ,
    update_request,
    validate,
    wanted_settings,
)

ROLE = "arn:aws:iam::123456789012:role/ebs-csi"
POD_ROLE = "arn:aws:iam::123456789012:role/cni-pod-identity"
CNI_ENV = {
    "POD_SECURITY_GROUP_ENFORCING_MODE": "standard",
    "ENABLE_PREFIX_DELEGATION": "true",
    "WARM_PREFIX_TARGET": "1",
}


def entry(name: str, **options: Any) -> dict[str, Any]:
    """An add-on entry as Ansible hands it to the module (every suboption present, defaults applied)."""
    base = {
        "name": name,
        "version": None,
        "configuration_values": None,
        "service_account_role_arn": None,
        "pod_identity_associations": None,
        "resolve_conflicts": "OVERWRITE",
        "tags": None,
        "preserve": False,
        "state": "present",
    }
    return {**base, **options}


def versions_item(version: str, *clusters: str, default_for: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "addonVersion": version,
        "compatibilities": [
            {"clusterVersion": c, "platformVersions": ["*"], "defaultVersion": c in default_for} for c in clusters
        ],
    }


# DescribeAddonVersions(addonName=kube-proxy, kubernetesVersion=1.34) and (addonName=vpc-cni, ...), by hand
KUBE_PROXY = [
    {
        "addonName": "kube-proxy",
        "type": "networking",
        "addonVersions": [
            versions_item("v1.34.1-eksbuild.2", "1.34", default_for=("1.34",)),
            versions_item("v1.34.0-eksbuild.4", "1.34"),
        ],
    }
]
VPC_CNI = [
    {
        "addonName": "vpc-cni",
        "type": "networking",
        "addonVersions": [
            versions_item("v1.21.1-eksbuild.1", "1.33", "1.34"),
            versions_item("v1.20.4-eksbuild.2", "1.33", "1.34", default_for=("1.33", "1.34")),
        ],
    }
]
# the same without kubernetesVersion: every version, each with its own Kubernetes versions
KUBE_PROXY_ALL = [
    {
        "addonName": "kube-proxy",
        "addonVersions": [
            versions_item("v1.34.1-eksbuild.2", "1.34", default_for=("1.34",)),
            versions_item("v1.33.5-eksbuild.2", "1.33", default_for=("1.33",)),
        ],
    }
]


# --- validate ---------------------------------------------------------------------------------------------
def test_valid_entries_have_no_problems() -> None:
    entries = [
        entry("vpc-cni", version="v1.21.1-eksbuild.1", configuration_values={"env": CNI_ENV},
              pod_identity_associations=[{"service_account": "aws-node", "role_arn": POD_ROLE}]),
        entry("aws-ebs-csi-driver", service_account_role_arn=ROLE, resolve_conflicts="PRESERVE"),
        entry("metrics-server", state="absent", preserve=True),
    ]  # fmt: skip
    assert validate(entries) == []


def test_each_problem_names_the_option_path() -> None:
    entries = [
        entry("vpc-cni", configuration_values='{"env": {}}'),
        entry("coredns", resolve_conflicts="overwrite"),
        entry("vpc-cni"),
        entry("kube-proxy", state="gone", service_account_role_arn="ebs-csi"),
        entry(
            "aws-ebs-csi-driver",
            pod_identity_associations=[
                {"service_account": "ebs-csi-controller-sa", "role_arn": ROLE},
                {"service_account": "ebs-csi-controller-sa", "role_arn": "not-an-arn"},
            ],
        ),
    ]
    problems = validate(entries)
    assert problems == [
        "addons[0].configuration_values must be a dict (sent to EKS as a JSON object), got str",
        "addons[1].resolve_conflicts must be one of OVERWRITE, NONE, PRESERVE, got 'overwrite'",
        "addons[2].name: add-on vpc-cni is already listed as addons[0]",
        "addons[3].state must be one of present, absent, got 'gone'",
        "addons[3].service_account_role_arn must be an IAM role ARN, got 'ebs-csi'",
        "addons[4].pod_identity_associations[1].service_account: ebs-csi-controller-sa is listed twice",
        "addons[4].pod_identity_associations[1].role_arn must be an IAM role ARN, got 'not-an-arn'",
    ]


def test_validate_uses_the_callers_option_name() -> None:
    assert validate([entry("x", resolve_conflicts="ALL")], option="platform_eks_addons") == [
        "platform_eks_addons[0].resolve_conflicts must be one of OVERWRITE, NONE, PRESERVE, got 'ALL'"
    ]


# --- versions ---------------------------------------------------------------------------------------------
def test_compatible_versions_follow_the_compatibilities() -> None:
    assert compatible_versions(KUBE_PROXY_ALL, "1.34") == ["v1.34.1-eksbuild.2"]
    assert compatible_versions(KUBE_PROXY_ALL, "1.33") == ["v1.33.5-eksbuild.2"]
    assert compatible_versions(KUBE_PROXY_ALL, None) == ["v1.34.1-eksbuild.2", "v1.33.5-eksbuild.2"]
    assert compatible_versions([], "1.34") == []


def test_default_version_is_the_one_flagged_for_the_cluster_version() -> None:
    assert default_version(VPC_CNI, "1.34") == "v1.20.4-eksbuild.2"  # flagged, although not the newest
    assert default_version(KUBE_PROXY_ALL, "1.33") == "v1.33.5-eksbuild.2"
    assert default_version(KUBE_PROXY_ALL, "1.30") is None


def test_resolve_versions_pins_defaults_and_refuses_incompatible_versions() -> None:
    entries = [
        entry("vpc-cni"),
        entry("kube-proxy", version="v1.33.5-eksbuild.2"),
        entry("coredns", version="v1.12.4-eksbuild.1"),
        entry("metrics-server", state="absent"),
    ]
    versions, problems = resolve_versions(entries, {"vpc-cni": VPC_CNI, "kube-proxy": KUBE_PROXY}, "1.34")
    assert versions["vpc-cni"] == "v1.20.4-eksbuild.2"
    assert "metrics-server" not in versions
    assert problems == [
        "addons[1].version: kube-proxy v1.33.5-eksbuild.2 is not compatible with Kubernetes 1.34; "
        "compatible versions: v1.34.1-eksbuild.2, v1.34.0-eksbuild.4",
        "addons[2].name: EKS lists no version of add-on coredns for Kubernetes 1.34",
    ]


def test_resolve_versions_without_a_cluster_checks_the_version_exists_at_all() -> None:
    entries = [entry("kube-proxy", version="v1.33.5-eksbuild.2"), entry("vpc-cni")]
    versions, problems = resolve_versions(entries, {"kube-proxy": KUBE_PROXY_ALL, "vpc-cni": VPC_CNI}, None)
    assert problems == []
    assert versions == {"kube-proxy": "v1.33.5-eksbuild.2", "vpc-cni": None}  # default unknown yet
    _, problems = resolve_versions([entry("kube-proxy", version="v9.9.9-eksbuild.1")], {"kube-proxy": KUBE_PROXY_ALL},
                                   None)  # fmt: skip
    assert problems == [
        "addons[0].version: kube-proxy v9.9.9-eksbuild.1 is not compatible with any Kubernetes version; "
        "compatible versions: v1.34.1-eksbuild.2, v1.33.5-eksbuild.2"
    ]


def test_resolve_versions_without_a_default_asks_for_a_version() -> None:
    catalog = {"kube-proxy": [{"addonVersions": [versions_item("v1.34.0-eksbuild.4", "1.34")]}]}
    _, problems = resolve_versions([entry("kube-proxy")], catalog, "1.34")
    assert problems == [
        "addons[0].version: EKS names no default version of kube-proxy for Kubernetes 1.34; "
        "set one of: v1.34.0-eksbuild.4"
    ]


# --- configuration values ---------------------------------------------------------------------------------
def test_configuration_is_compared_as_parsed_json() -> None:
    wanted = {"env": CNI_ENV}
    as_sent_elsewhere = (
        '{ "env" : { "WARM_PREFIX_TARGET": "1", "ENABLE_PREFIX_DELEGATION": "true",\n'
        '  "POD_SECURITY_GROUP_ENFORCING_MODE": "standard" } }'
    )
    as_yaml = (
        'env:\n  ENABLE_PREFIX_DELEGATION: "true"\n  WARM_PREFIX_TARGET: "1"\n'
        "  POD_SECURITY_GROUP_ENFORCING_MODE: standard\n"
    )
    assert configuration_equal(as_sent_elsewhere, wanted)
    assert configuration_equal(as_yaml, wanted)
    assert parse_configuration(as_yaml) == wanted


def test_configuration_types_matter() -> None:
    # "true" (a string, what the vpc-cni schema takes) is not true; 1 is not "1"
    assert not configuration_equal(
        '{"env": {"ENABLE_PREFIX_DELEGATION": true}}', {"env": {"ENABLE_PREFIX_DELEGATION": "true"}}
    )
    assert not configuration_equal('{"replicaCount": 1}', {"replicaCount": True})
    assert not configuration_equal('{"env": {"WARM_PREFIX_TARGET": "1"}}', {"env": {}})


def test_no_configuration_is_an_empty_one() -> None:
    assert parse_configuration(None) == {} and parse_configuration("") == {}
    assert configuration_equal(None, {}) and configuration_equal("{}", {})
    assert not configuration_equal(None, {"env": CNI_ENV})


# --- settings and plans -----------------------------------------------------------------------------------
CURRENT = {
    "version": "v1.20.4-eksbuild.2",
    "configuration_values": {"env": {"WARM_PREFIX_TARGET": "1"}},
    "service_account_role_arn": None,
    "pod_identity_associations": [{"service_account": "aws-node", "role_arn": POD_ROLE}],
    "tags": {"Project": "p", "Old": "x"},
}


def test_current_settings_from_describe_addon() -> None:
    addon = {
        "addonName": "vpc-cni",
        "addonVersion": "v1.20.4-eksbuild.2",
        "status": "ACTIVE",
        "configurationValues": '{"env":{"WARM_PREFIX_TARGET":"1"}}',
        "podIdentityAssociations": ["arn:aws:eks:ap-northeast-2:123456789012:podidentityassociation/c/a-1"],
        "tags": {"Project": "p", "Old": "x"},
    }
    described = [
        {"associationId": "a-1", "namespace": "kube-system", "serviceAccount": "aws-node", "roleArn": POD_ROLE}
    ]
    assert eks_addons.current_settings(addon, described) == CURRENT
    assert eks_addons.current_settings(None, []) is None


def test_wanted_settings_merge_tags_and_leave_unset_options_unmanaged() -> None:
    wanted = wanted_settings(
        entry("vpc-cni", tags={"Component": "cni", "Project": "q"}), "v1", {"Project": "p", "N": 1}
    )
    assert wanted == {
        "version": "v1",
        "configuration_values": None,
        "service_account_role_arn": None,
        "pod_identity_associations": None,
        "tags": {"Project": "q", "N": "1", "Component": "cni"},
    }
    assert wanted_settings(entry("vpc-cni"), "v1", None)["tags"] is None


def test_an_unchanged_addon_plans_nothing() -> None:
    wanted = wanted_settings(
        entry("vpc-cni", configuration_values={"env": {"WARM_PREFIX_TARGET": "1"}},
              pod_identity_associations=[{"service_account": "aws-node", "role_arn": POD_ROLE}]),
        "v1.20.4-eksbuild.2", None,
    )  # fmt: skip
    plan = plan_addon(CURRENT, wanted, "present", purge_tags=True)
    assert plan["action"] is None and plan_changes(plan) == []
    assert planned_settings(CURRENT, wanted, plan) == CURRENT


def test_update_plans_only_the_differing_managed_settings_and_the_tags() -> None:
    wanted = wanted_settings(
        entry("vpc-cni", configuration_values={"env": CNI_ENV}, pod_identity_associations=[]),
        "v1.21.1-eksbuild.1", {"Project": "p"},
    )  # fmt: skip
    plan = plan_addon(CURRENT, wanted, "present", purge_tags=True)
    assert plan["action"] == "update"
    assert plan["settings"] == ["configuration_values", "pod_identity_associations", "version"]
    assert plan["tags"].to_unset == ["Old"] and plan["tags"].to_set == {}
    assert plan_changes(plan) == ["configuration_values", "pod_identity_associations", "version", "tags"]
    assert planned_settings(CURRENT, wanted, plan) == {
        "version": "v1.21.1-eksbuild.1",
        "configuration_values": {"env": CNI_ENV},
        "service_account_role_arn": None,
        "pod_identity_associations": [],
        "tags": {"Project": "p"},
    }


def test_tags_only_is_not_an_update_call() -> None:
    wanted = wanted_settings(entry("vpc-cni"), "v1.20.4-eksbuild.2", {"Project": "p", "Old": "x", "New": "y"})
    plan = plan_addon(CURRENT, wanted, "present", purge_tags=False)
    assert plan["action"] is None and plan_changes(plan) == ["tags"]


def test_create_delete_and_nothing_to_delete() -> None:
    wanted = wanted_settings(entry("coredns"), "v1.12.4-eksbuild.1", None)
    assert plan_changes(plan_addon(None, wanted, "present", True)) == ["create"]
    assert plan_changes(plan_addon(CURRENT, wanted, "absent", True)) == ["delete"]
    assert plan_addon(None, wanted, "absent", True)["action"] is None
    assert planned_settings(CURRENT, wanted, plan_addon(CURRENT, wanted, "absent", True)) is None


def test_differ_ignores_unmanaged_settings() -> None:
    assert settings_differ(CURRENT, {"version": "v1.20.4-eksbuild.2", "configuration_values": None}) == []
    assert settings_differ(CURRENT, {"version": None, "service_account_role_arn": ROLE}) == ["service_account_role_arn"]


# --- requests ---------------------------------------------------------------------------------------------
def test_create_request() -> None:
    e = entry("vpc-cni", configuration_values={"env": {"WARM_PREFIX_TARGET": "1"}},
              pod_identity_associations=[{"service_account": "aws-node", "role_arn": POD_ROLE}])  # fmt: skip
    request = create_request("c1", e, wanted_settings(e, "v1.21.1-eksbuild.1", {"Project": "p"}))
    assert request == {
        "clusterName": "c1",
        "addonName": "vpc-cni",
        "resolveConflicts": "OVERWRITE",
        "addonVersion": "v1.21.1-eksbuild.1",
        "configurationValues": '{"env":{"WARM_PREFIX_TARGET":"1"}}',
        "podIdentityAssociations": [{"serviceAccount": "aws-node", "roleArn": POD_ROLE}],
        "tags": {"Project": "p"},
    }
    minimal = create_request("c1", entry("coredns"), wanted_settings(entry("coredns"), None, None))
    assert minimal == {"clusterName": "c1", "addonName": "coredns", "resolveConflicts": "OVERWRITE"}


def test_update_request_sends_only_what_differs() -> None:
    e = entry("vpc-cni", configuration_values={}, pod_identity_associations=[], resolve_conflicts="PRESERVE")
    wanted = wanted_settings(e, "v1.21.1-eksbuild.1", None)
    request = update_request("c1", e, wanted, ["configuration_values", "pod_identity_associations", "version"])
    assert request == {
        "clusterName": "c1",
        "addonName": "vpc-cni",
        "resolveConflicts": "PRESERVE",
        "addonVersion": "v1.21.1-eksbuild.1",
        "configurationValues": "{}",
        "podIdentityAssociations": [],  # UpdateAddon: an empty array deletes the add-on's associations
    }


# --- the module's flow with a fake EKS client ---------------------------------------------------------------
WRITES = {"create_addon", "update_addon", "delete_addon", "tag_resource", "untag_resource"}
CLUSTER = "c1"


class Failed(Exception):
    pass


class Exited(Exception):
    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__("exit_json")
        self.result = result


def not_found(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "not found"}}, operation)


class FakeEKS:
    """Answers like EKS (shapes of the API reference); add-ons are ACTIVE at once, updates Successful."""

    meta = SimpleNamespace(service_model=SimpleNamespace(service_name="eks"))

    def __init__(self, cluster: bool = True, addons: dict[str, dict] | None = None) -> None:
        self.cluster = cluster
        self.addons = dict(addons or {})
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def describe_cluster(self, name: str) -> dict[str, Any]:
        self.calls.append(("describe_cluster", {"name": name}))
        if not self.cluster:
            raise not_found("DescribeCluster")
        return {"cluster": {"name": name, "version": "1.34", "status": "ACTIVE"}}

    def get_paginator(self, operation: str) -> Any:
        assert operation == "describe_addon_versions"
        fake = self

        class Paginator:
            def paginate(self, **kwargs: Any) -> Any:
                fake.calls.append((operation, kwargs))
                catalog = {"kube-proxy": KUBE_PROXY, "vpc-cni": VPC_CNI} if "kubernetesVersion" in kwargs else {
                    "kube-proxy": KUBE_PROXY_ALL, "vpc-cni": VPC_CNI}  # fmt: skip
                return SimpleNamespace(build_full_result=lambda: {"addons": catalog.get(kwargs["addonName"], [])})

        return Paginator()

    def describe_addon(self, clusterName: str, addonName: str) -> dict[str, Any]:  # noqa: N803 (boto3's names)
        self.calls.append(("describe_addon", {"addonName": addonName}))
        if addonName not in self.addons:
            raise not_found("DescribeAddon")
        return {"addon": dict(self.addons[addonName])}

    def create_addon(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("create_addon", kwargs))
        name = kwargs["addonName"]
        self.addons[name] = {
            "addonName": name,
            "clusterName": kwargs["clusterName"],
            "addonVersion": kwargs.get("addonVersion", "default"),
            "status": "ACTIVE",
            "addonArn": f"arn:aws:eks:ap-northeast-2:123456789012:addon/{CLUSTER}/{name}/1",
            "configurationValues": kwargs.get("configurationValues"),
            "tags": kwargs.get("tags", {}),
            "health": {"issues": []},
        }
        return {"addon": dict(self.addons[name], status="CREATING")}

    def update_addon(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("update_addon", kwargs))
        self.addons[kwargs["addonName"]]["addonVersion"] = kwargs.get("addonVersion")
        return {"update": {"id": "u-1", "status": "InProgress", "type": "AddonUpdate"}}

    def describe_update(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("describe_update", kwargs))
        return {"update": {"id": kwargs["updateId"], "status": "Successful", "errors": []}}

    def _by_arn(self, arn: str) -> dict[str, Any]:
        return next(a for a in self.addons.values() if a["addonArn"] == arn)

    def tag_resource(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("tag_resource", kwargs))
        self._by_arn(kwargs["resourceArn"])["tags"].update(kwargs["tags"])
        return {}

    def untag_resource(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("untag_resource", kwargs))
        for key in kwargs["tagKeys"]:
            self._by_arn(kwargs["resourceArn"])["tags"].pop(key, None)
        return {}

    def writes(self) -> list[str]:
        return [method for method, _ in self.calls if method in WRITES]


class FakeModule:
    def __init__(self, addons: list[dict[str, Any]], check_mode: bool = False, tags: dict | None = None) -> None:
        self.params = {
            "cluster_name": CLUSTER,
            "addons": addons,
            "tags": tags,
            "purge_tags": True,
            "wait": True,
            "wait_creates": True,
            "wait_timeout": 60,
        }
        self.check_mode = check_mode
        self._diff = True
        self.warnings: list[str] = []

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)

    def fail_json(self, **kwargs: Any) -> None:
        raise Failed(kwargs["msg"])

    def fail_json_aws(self, error: Exception, msg: str) -> None:
        raise Failed(f"{msg}: {error}")

    def exit_json(self, **kwargs: Any) -> None:
        raise Exited(kwargs)


def run(module: FakeModule, client: FakeEKS) -> dict[str, Any]:
    with pytest.raises(Exited) as done:
        eks_addons.run(module, client)
    return done.value.result


def test_an_incompatible_version_fails_before_any_write() -> None:
    client = FakeEKS()
    module = FakeModule(
        [entry("vpc-cni", version="v1.21.1-eksbuild.1"), entry("kube-proxy", version="v1.33.5-eksbuild.2")]
    )
    with pytest.raises(Failed) as failure:
        eks_addons.run(module, client)
    assert str(failure.value) == (
        "EKS cluster c1: addons[1].version: kube-proxy v1.33.5-eksbuild.2 is not compatible with Kubernetes 1.34; "
        "compatible versions: v1.34.1-eksbuild.2, v1.34.0-eksbuild.4"
    )
    assert client.writes() == []
    # only reads: the cluster, then each add-on's versions for the cluster's Kubernetes version
    assert client.calls == [
        ("describe_cluster", {"name": "c1"}),
        ("describe_addon_versions", {"addonName": "vpc-cni", "kubernetesVersion": "1.34"}),
        ("describe_addon_versions", {"addonName": "kube-proxy", "kubernetesVersion": "1.34"}),
    ]


def test_bad_options_fail_before_any_call() -> None:
    client = FakeEKS()
    with pytest.raises(Failed, match=r"addons\[0\]\.resolve_conflicts must be one of OVERWRITE, NONE, PRESERVE"):
        eks_addons.run(FakeModule([entry("vpc-cni", resolve_conflicts="FORCE")]), client)
    assert client.calls == []


def test_check_mode_plans_without_writing() -> None:
    client = FakeEKS()
    cni = entry("vpc-cni", version="v1.21.1-eksbuild.1", configuration_values={"env": CNI_ENV})
    result = run(FakeModule([cni, entry("kube-proxy")], check_mode=True, tags={"Project": "p"}), client)
    assert client.writes() == []
    assert result["changed"] is True
    assert result["changes"] == {"vpc-cni": ["create"], "kube-proxy": ["create"]}
    assert result["diff"] == {
        "before": {},
        "after": {
            "vpc-cni": {
                "version": "v1.21.1-eksbuild.1",
                "configuration_values": {"env": CNI_ENV},
                "tags": {"Project": "p"},
            },
            "kube-proxy": {"version": "v1.34.1-eksbuild.2", "tags": {"Project": "p"}},  # the 1.34 default
        },
    }
    assert [(a["name"], a["status"], a["arn"]) for a in result["addons"]] == [
        ("vpc-cni", None, None),
        ("kube-proxy", None, None),
    ]


def test_check_mode_on_a_missing_cluster_warns_and_plans_creates() -> None:
    client = FakeEKS(cluster=False)
    module = FakeModule([entry("kube-proxy", version="v1.33.5-eksbuild.2"), entry("vpc-cni")], check_mode=True)
    result = run(module, client)
    assert module.warnings == ["EKS cluster c1 (cluster_name) does not exist yet: planning as if it were empty"]
    assert result["changes"] == {"kube-proxy": ["create"], "vpc-cni": ["create"]}
    assert result["diff"]["after"] == {"kube-proxy": {"version": "v1.33.5-eksbuild.2"}, "vpc-cni": {"version": None}}
    assert ("describe_addon_versions", {"addonName": "kube-proxy"}) in client.calls  # no kubernetesVersion known
    assert client.writes() == []


def test_a_real_run_on_a_missing_cluster_fails() -> None:
    with pytest.raises(Failed, match=r"EKS cluster c1 \(cluster_name\) not found"):
        eks_addons.run(FakeModule([entry("kube-proxy")]), FakeEKS(cluster=False))


def test_every_change_starts_before_any_wait() -> None:
    existing = {
        "addonName": "kube-proxy",
        "addonVersion": "v1.34.0-eksbuild.4",
        "status": "ACTIVE",
        "addonArn": "arn:aws:eks:ap-northeast-2:123456789012:addon/c1/kube-proxy/0",
        "tags": {"Stale": "yes"},
        "health": {"issues": []},
    }
    client = FakeEKS(addons={"kube-proxy": existing})
    cni = entry("vpc-cni", version="v1.21.1-eksbuild.1", configuration_values={"env": CNI_ENV})
    proxy = entry("kube-proxy", version="v1.34.1-eksbuild.2")
    result = run(FakeModule([cni, proxy], tags={"Project": "p"}), client)
    assert result["changes"] == {"vpc-cni": ["create"], "kube-proxy": ["version", "tags"]}
    writes = [(m, k) for m, k in client.calls if m in WRITES or m == "describe_update"]
    assert writes == [
        ("create_addon", {
            "clusterName": "c1", "addonName": "vpc-cni", "resolveConflicts": "OVERWRITE",
            "addonVersion": "v1.21.1-eksbuild.1", "tags": {"Project": "p"},
            "configurationValues": '{"env":{"ENABLE_PREFIX_DELEGATION":"true",'
                                   '"POD_SECURITY_GROUP_ENFORCING_MODE":"standard","WARM_PREFIX_TARGET":"1"}}',
        }),
        ("untag_resource", {"resourceArn": existing["addonArn"], "tagKeys": ["Stale"]}),
        ("tag_resource", {"resourceArn": existing["addonArn"], "tags": {"Project": "p"}}),
        ("update_addon", {"clusterName": "c1", "addonName": "kube-proxy", "resolveConflicts": "OVERWRITE",
                          "addonVersion": "v1.34.1-eksbuild.2"}),
        ("describe_update", {"name": "c1", "updateId": "u-1", "addonName": "kube-proxy"}),
    ]  # fmt: skip
    # every wait (DescribeUpdate, DescribeAddon after the first write) comes after the last write
    indexes = [i for i, (m, _) in enumerate(client.calls) if m in WRITES]
    waits = [
        i for i, (m, _) in enumerate(client.calls) if m in ("describe_update", "describe_addon") and i > indexes[0]
    ]
    assert waits and min(waits) > max(indexes)
    assert [(a["name"], a["status"], a["version"], a["tags"]) for a in result["addons"]] == [
        ("vpc-cni", "ACTIVE", "v1.21.1-eksbuild.1", {"Project": "p"}),
        ("kube-proxy", "ACTIVE", "v1.34.1-eksbuild.2", {"Project": "p"}),
    ]


def test_wait_creates_false_starts_creates_without_waiting_for_them() -> None:
    client = FakeEKS()
    module = FakeModule([entry("vpc-cni", version="v1.21.1-eksbuild.1")])
    module.params["wait_creates"] = False
    result = run(module, client)
    assert result["changes"] == {"vpc-cni": ["create"]}
    created = [i for i, (m, _) in enumerate(client.calls) if m == "create_addon"]
    # one describe before the create (the read), one after it (the result as EKS reports it), no wait loop
    reads = [m for m, k in client.calls[created[0]:] if m == "describe_addon"]
    assert len(created) == 1 and reads == ["describe_addon"]


class SlowEKS(FakeEKS):
    """The listed add-ons report CREATING the first ``busy_reads`` times they are described, then ACTIVE."""

    def __init__(self, busy_reads: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.busy_reads = busy_reads

    def describe_addon(self, clusterName: str, addonName: str) -> dict[str, Any]:  # noqa: N803 (boto3's names)
        answer = super().describe_addon(clusterName, addonName)
        reads = sum(1 for m, k in self.calls if m == "describe_addon" and k["addonName"] == addonName)
        if reads <= self.busy_reads:
            answer["addon"]["status"] = "CREATING"
        return answer


def test_wait_waits_for_an_unchanged_add_on_still_creating_without_a_change() -> None:
    # created by an earlier call with wait_creates=false: this call changes nothing and returns once it is ACTIVE
    existing = {
        "addonName": "vpc-cni",
        "addonVersion": "v1.21.1-eksbuild.1",
        "status": "ACTIVE",
        "addonArn": "arn:aws:eks:ap-northeast-2:123456789012:addon/c1/vpc-cni/0",
        "tags": {},
        "health": {"issues": []},
    }
    client = SlowEKS(busy_reads=1, addons={"vpc-cni": existing})
    result = run(FakeModule([entry("vpc-cni", version="v1.21.1-eksbuild.1", create=False)]), client)
    assert result["changed"] is False and client.writes() == []
    assert [m for m, _ in client.calls].count("describe_addon") >= 2  # read CREATING, then waited for ACTIVE
    assert [(a["name"], a["status"]) for a in result["addons"]] == [("vpc-cni", "ACTIVE")]
    # with wait=false nothing is waited for: the add-on is reported as it was read
    client = SlowEKS(busy_reads=1, addons={"vpc-cni": existing})
    module = FakeModule([entry("vpc-cni", version="v1.21.1-eksbuild.1")])
    module.params["wait"] = False
    result = run(module, client)
    assert [(a["name"], a["status"]) for a in result["addons"]] == [("vpc-cni", "CREATING")]
