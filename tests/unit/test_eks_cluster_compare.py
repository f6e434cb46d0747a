"""Unit tests of eks_cluster: its pure compare / plan functions, with expected values written from the EKS API
reference (botocore's ``eks`` model: CreateCluster, UpdateClusterConfig, UpdateClusterVersion, DescribeCluster,
``Logging``/``LogSetup``, ``VpcConfigRequest``, ``AuthenticationMode``), and its call order against a fake
client (one update at a time, each waited with DescribeUpdate; refusals make no write call)."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.cloudops.eks_platform.plugins.module_utils import eks as eks_utils  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.module_utils import waits  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.modules import eks_cluster as mod  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.modules.eks_cluster import (  # noqa: E402
    config_changes,
    create_problems,
    create_request,
    current_config,
    diff_after,
    drift,
    enabled_log_types,
    key_status,
    logging_request,
    planned_changes,
    refusals,
    validate,
    version_change,
    wanted_config,
)

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/wealist-prod-eks-cluster"
KEY = f"arn:aws:kms:ap-northeast-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY = f"arn:aws:kms:ap-northeast-2:{ACCOUNT}:key/99999999-12ab-34cd-56ef-1234567890ab"
ALL_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

# Every option unset, as AnsibleModule hands them over.
UNSET: dict[str, Any] = {
    "name": "wealist-prod-eks",
    "version": None,
    "role_arn": None,
    "subnets": None,
    "security_groups": None,
    "endpoint_public_access": None,
    "endpoint_private_access": None,
    "public_access_cidrs": None,
    "logging": None,
    "encryption_key_arn": None,
    "authentication_mode": None,
    "bootstrap_cluster_creator_admin_permissions": None,
    "deletion_protection": None,
    "tags": None,
    "purge_tags": True,
    "state": "present",
    "wait": True,
    "wait_timeout": 1800,
}
# wealist-inventory §1.2 "EKS cluster"
WEALIST = {
    **UNSET,
    "version": "1.34",
    "role_arn": ROLE,
    "subnets": ["subnet-b", "subnet-a"],
    "endpoint_public_access": True,
    "endpoint_private_access": True,
    "public_access_cidrs": ["0.0.0.0/0"],
    "logging": ["scheduler", "api", "audit", "authenticator", "controllerManager"],
    "encryption_key_arn": KEY,
    "authentication_mode": "API_AND_CONFIG_MAP",
    "bootstrap_cluster_creator_admin_permissions": True,
}


def described(**overrides: Any) -> dict[str, Any]:
    """A DescribeCluster ``cluster`` (shape of the API reference) converged to WEALIST."""
    cluster = {
        "name": "wealist-prod-eks",
        "arn": f"arn:aws:eks:ap-northeast-2:{ACCOUNT}:cluster/wealist-prod-eks",
        "version": "1.34",
        "roleArn": ROLE,
        "status": "ACTIVE",
        "resourcesVpcConfig": {
            "subnetIds": ["subnet-a", "subnet-b"],
            "securityGroupIds": [],
            "clusterSecurityGroupId": "sg-cluster",
            "vpcId": "vpc-1",
            "endpointPublicAccess": True,
            "endpointPrivateAccess": True,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
        "logging": {"clusterLogging": [{"types": list(ALL_LOGS), "enabled": True}]},
        "encryptionConfig": [{"resources": ["secrets"], "provider": {"keyArn": KEY}}],
        "accessConfig": {"bootstrapClusterCreatorAdminPermissions": True, "authenticationMode": "API_AND_CONFIG_MAP"},
        "tags": {"Project": "wealist"},
    }
    for key, value in overrides.items():
        if key in ("resourcesVpcConfig", "accessConfig"):
            cluster[key] = {**cluster[key], **value}
        else:
            cluster[key] = value
    return cluster


# --- validate / wanted_config ------------------------------------------------------------------------------------
def test_valid_options_have_no_problem() -> None:
    assert validate(WEALIST) == []
    assert validate(UNSET) == []


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"version": "latest"}, "version"),
        ({"version": "1.3"}, "version"),  # `version: 1.30` unquoted in YAML
        ({"endpoint_public_access": False, "endpoint_private_access": False}, "endpoint_public_access"),
        ({"endpoint_public_access": False, "endpoint_private_access": True, "public_access_cidrs": ["10.0.0.0/8"]},
         "public_access_cidrs"),
    ],
)  # fmt: skip
def test_bad_options_fail_naming_the_option(overrides: dict[str, Any], named: str) -> None:
    problems = validate({**UNSET, **overrides})
    assert len(problems) == 1 and named in problems[0]


def test_wanted_config_normalises_and_leaves_omitted_options_out() -> None:
    assert wanted_config(WEALIST) == {
        "version": "1.34",
        "role_arn": ROLE,
        "subnets": ["subnet-a", "subnet-b"],
        "endpoint_public_access": True,
        "endpoint_private_access": True,
        "public_access_cidrs": ["0.0.0.0/0"],
        "logging": ALL_LOGS,
        "encryption_key_arn": KEY,
        "authentication_mode": "API_AND_CONFIG_MAP",
        "bootstrap_cluster_creator_admin_permissions": True,
    }
    assert wanted_config(UNSET) == {}
    assert wanted_config({**UNSET, "logging": [], "security_groups": []}) == {"logging": [], "security_groups": []}


# --- reading DescribeCluster -----------------------------------------------------------------------------------
def test_current_config_of_the_api_reference_example() -> None:
    # DescribeCluster example of the API reference: no logging, accessConfig or encryptionConfig in the output
    example = {
        "version": "1.10",
        "name": "devel",
        "roleArn": "arn:aws:iam::012345678910:role/eks-service-role-AWSServiceRoleForAmazonEKS-J7ONKE3BQ4PI",
        "resourcesVpcConfig": {
            "securityGroupIds": ["sg-6979fe18"],
            "subnetIds": ["subnet-6782e71e", "subnet-e7e761ac"],
            "vpcId": "vpc-950809ec",
        },
        "status": "ACTIVE",
    }
    assert current_config(example) == {
        "version": "1.10",
        "role_arn": "arn:aws:iam::012345678910:role/eks-service-role-AWSServiceRoleForAmazonEKS-J7ONKE3BQ4PI",
        "subnets": ["subnet-6782e71e", "subnet-e7e761ac"],
        "security_groups": ["sg-6979fe18"],
        "endpoint_public_access": None,
        "endpoint_private_access": None,
        "public_access_cidrs": [],
        "logging": [],
        "encryption_key_arn": None,
        "authentication_mode": "CONFIG_MAP",  # CreateAccessConfigRequest: the API's default
        "bootstrap_cluster_creator_admin_permissions": None,
        "deletion_protection": False,  # no deletionProtection in the output: EKS's default, off
    }


def test_enabled_log_types_reads_enabled_and_disabled_setups() -> None:
    logging = {
        "clusterLogging": [
            {"types": ["audit", "api"], "enabled": True},
            {"types": ["authenticator", "controllerManager", "scheduler"], "enabled": False},
        ]
    }
    assert enabled_log_types(logging) == ["api", "audit"]
    assert enabled_log_types(None) == []


def test_logging_request_turns_the_other_types_off() -> None:
    assert logging_request(["audit", "api"]) == {
        "clusterLogging": [
            {"types": ["api", "audit"], "enabled": True},
            {"types": ["authenticator", "controllerManager", "scheduler"], "enabled": False},
        ]
    }
    assert logging_request([]) == {"clusterLogging": [{"types": ALL_LOGS, "enabled": False}]}
    assert logging_request(ALL_LOGS) == {"clusterLogging": [{"types": ALL_LOGS, "enabled": True}]}


# --- creation ----------------------------------------------------------------------------------------------------
def test_create_request_of_the_wealist_cluster() -> None:
    assert create_request("wealist-prod-eks", wanted_config(WEALIST), {"Project": "wealist"}) == {
        "name": "wealist-prod-eks",
        "version": "1.34",
        "roleArn": ROLE,
        "resourcesVpcConfig": {
            "subnetIds": ["subnet-a", "subnet-b"],
            "endpointPublicAccess": True,
            "endpointPrivateAccess": True,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
        "logging": {"clusterLogging": [{"types": ALL_LOGS, "enabled": True}]},
        "encryptionConfig": [{"resources": ["secrets"], "provider": {"keyArn": KEY}}],
        "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": True},
        "tags": {"Project": "wealist"},
    }


def test_create_request_leaves_omitted_settings_to_eks_defaults() -> None:
    wanted = wanted_config({**UNSET, "role_arn": ROLE, "subnets": ["subnet-a", "subnet-b"]})
    assert create_request("c", wanted, None) == {
        "name": "c",
        "roleArn": ROLE,
        "resourcesVpcConfig": {"subnetIds": ["subnet-a", "subnet-b"]},
    }


def test_creation_needs_a_role_and_subnets() -> None:
    assert create_problems(wanted_config({**UNSET, "version": "1.34"})) == [
        "role_arn is required to create the cluster",
        "subnets is required to create the cluster",
    ]
    assert create_problems(wanted_config(WEALIST)) == []


# --- converging an existing cluster ---------------------------------------------------------------------------------
def test_a_converged_cluster_needs_no_call() -> None:
    wanted = wanted_config(WEALIST)
    assert config_changes(described(), wanted) == []
    assert version_change(described(), wanted) is None
    assert refusals(described(), wanted, "same") == []
    assert drift(described(), wanted, "same") == []


def test_one_update_config_call_per_kind_of_change_in_order() -> None:
    cluster = described(
        resourcesVpcConfig={"endpointPrivateAccess": False, "publicAccessCidrs": ["198.51.100.0/24"]},
        logging={"clusterLogging": [{"types": ["api"], "enabled": True}]},
        accessConfig={"authenticationMode": "CONFIG_MAP"},
    )
    wanted = wanted_config({**WEALIST, "authentication_mode": "API", "security_groups": ["sg-extra"]})
    assert planned_changes(cluster, wanted) == [
        # subnets/security groups: both lists sent (VpcConfigRequest), the subnets as they are
        ("security_groups", {"resourcesVpcConfig": {"subnetIds": ["subnet-a", "subnet-b"],
                                                    "securityGroupIds": ["sg-extra"]}}),
        ("endpoint_private_access, public_access_cidrs", {"resourcesVpcConfig": {
            "endpointPublicAccess": True, "endpointPrivateAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}}),
        ("logging", {"logging": {"clusterLogging": [{"types": ALL_LOGS, "enabled": True}]}}),
        ("authentication_mode CONFIG_MAP -> API_AND_CONFIG_MAP",
         {"accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}}),
        ("authentication_mode API_AND_CONFIG_MAP -> API", {"accessConfig": {"authenticationMode": "API"}}),
    ]  # fmt: skip
    for kwargs in config_changes(cluster, wanted):
        assert len(kwargs) == 1  # EKS: "Only one type of update can be allowed"


def test_public_access_cidrs_compare_as_a_set() -> None:
    cluster = described(resourcesVpcConfig={"publicAccessCidrs": ["203.0.113.0/24", "198.51.100.0/24"]})
    wanted = wanted_config({**UNSET, "public_access_cidrs": ["198.51.100.0/24", "203.0.113.0/24"]})
    assert config_changes(cluster, wanted) == []


def test_logging_empty_list_turns_everything_off_and_omitted_is_unmanaged() -> None:
    assert config_changes(described(), wanted_config({**UNSET, "logging": []})) == [
        {"logging": {"clusterLogging": [{"types": ALL_LOGS, "enabled": False}]}}
    ]
    assert config_changes(described(), wanted_config(UNSET)) == []


def test_version_steps() -> None:
    assert version_change(described(version="1.33"), {"version": "1.34"}) == "1.34"
    assert version_change(described(version="1.34"), {"version": "1.34"}) is None
    assert version_change(described(version="1.34"), {}) is None
    assert refusals(described(version="1.33"), {"version": "1.34"}) == []


@pytest.mark.parametrize(
    ("cluster", "wanted", "keys", "named"),
    [
        (described(version="1.32"), {"version": "1.34"}, "unmanaged", "version: EKS upgrades one minor version"),
        (described(version="1.34"), {"version": "1.33"}, "unmanaged", "version: EKS cannot downgrade"),
        (described(), {"role_arn": f"arn:aws:iam::{ACCOUNT}:role/other"}, "unmanaged", "role_arn cannot be changed"),
        (described(), {"encryption_key_arn": OTHER_KEY}, "different", "encryption_key_arn: EKS cannot change"),
        (described(accessConfig={"authenticationMode": "API"}), {"authentication_mode": "API_AND_CONFIG_MAP"},
         "unmanaged", "authentication_mode: EKS only moves"),
        (described(resourcesVpcConfig={"endpointPrivateAccess": False}), {"endpoint_public_access": False},
         "unmanaged", "endpoint_public_access / endpoint_private_access"),
    ],
)  # fmt: skip
def test_refusals_name_the_option(cluster: dict, wanted: dict, keys: str, named: str) -> None:
    problems = refusals(cluster, wanted, keys)
    assert len(problems) == 1 and problems[0].startswith(named), problems


def test_a_backwards_authentication_mode_is_no_update() -> None:
    cluster = described(accessConfig={"authenticationMode": "API"})
    assert config_changes(cluster, {"authentication_mode": "CONFIG_MAP"}) == []


def test_creation_only_settings_are_drift() -> None:
    cluster = described(encryptionConfig=[], accessConfig={"bootstrapClusterCreatorAdminPermissions": False})
    wanted = wanted_config(WEALIST)
    keys = key_status(None, KEY, KEY, lambda ref: None)
    assert keys == "missing"
    assert drift(cluster, wanted, keys) == ["encryption_key_arn", "bootstrap_cluster_creator_admin_permissions"]
    assert refusals(cluster, wanted, keys) == []
    assert config_changes(cluster, wanted) == []  # never sent


def test_key_status_resolves_aliases_only_when_needed() -> None:
    looked_up: list[str] = []

    def resolve(reference: str) -> str | None:
        looked_up.append(reference)
        return {"alias/wealist-prod": KEY}.get(reference)

    assert key_status(KEY, None, None, resolve) == "unmanaged"
    assert key_status(KEY, "alias/wealist-prod", KEY, resolve) == "same"
    assert key_status("alias/wealist-prod", "alias/wealist-prod", KEY, resolve) == "same"
    assert key_status(OTHER_KEY, KEY, KEY, resolve) == "different"
    assert key_status("1234abcd-12ab-34cd-56ef-1234567890ab", KEY, KEY, resolve) == "same"
    assert looked_up == []


def test_diff_after_keeps_creation_only_settings_as_they_are() -> None:
    before = {"logging": ["api"], "encryption_key_arn": None, "version": "1.33"}
    wanted = {"logging": ALL_LOGS, "encryption_key_arn": KEY, "version": "1.34"}
    assert diff_after(before, wanted) == {"logging": ALL_LOGS, "encryption_key_arn": None, "version": "1.34"}


# --- call order against a fake client ------------------------------------------------------------------------------
class Exited(Exception):
    pass


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, params: dict[str, Any], client: Any, check_mode: bool = False) -> None:
        self.params = params
        self.check_mode = check_mode
        self._diff = True
        self._client = client
        self.warnings: list[str] = []
        self.result: dict[str, Any] = {}

    def client(self, service: str, **_: Any) -> Any:
        assert service == "eks"
        return self._client

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)

    def exit_json(self, **kwargs: Any) -> None:
        self.result = kwargs
        raise Exited()

    def fail_json(self, **kwargs: Any) -> None:
        self.result = kwargs
        raise Failed(kwargs["msg"])

    def fail_json_aws(self, error: Exception, msg: str) -> None:
        raise Failed(msg)


class FakeEKS:
    """DescribeCluster, UpdateClusterConfig / UpdateClusterVersion (each returns an InProgress update that
    DescribeUpdate reports Successful on its third read), ListNodegroups, DeleteCluster."""

    def __init__(self, cluster: dict[str, Any] | None, nodegroups: list[str] | None = None) -> None:
        self.cluster = cluster
        self.nodegroups = nodegroups or []
        self.calls: list[str] = []
        self.reads: dict[str, int] = {}

    def describe_cluster(self, name: str) -> dict[str, Any]:
        self.calls.append("describe_cluster")
        if self.cluster is None:
            error = {"Error": {"Code": "ResourceNotFoundException", "Message": f"No cluster found for name: {name}."}}
            raise ClientError(error, "DescribeCluster")
        found = self.cluster
        self._becomes_active()  # a created cluster is ACTIVE from the next read on
        return {"cluster": found}

    def create_cluster(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append("create_cluster")
        self.created = kwargs
        self.cluster = {"name": kwargs["name"], "status": "CREATING", "tags": kwargs.get("tags", {})}
        return {"cluster": self.cluster}

    def _update(self, kind: str) -> dict[str, Any]:
        update_id = f"u{len(self.reads) + 1}"
        self.reads[update_id] = 0
        return {"update": {"id": update_id, "status": "InProgress", "type": kind}}

    def update_cluster_config(self, name: str, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(f"update_cluster_config {sorted(kwargs)[0]}")
        if "deletionProtection" in kwargs:
            self.cluster = {**self.cluster, "deletionProtection": kwargs["deletionProtection"]}
        return self._update("ConfigUpdate")

    def update_cluster_version(self, name: str, version: str) -> dict[str, Any]:
        self.calls.append(f"update_cluster_version {version}")
        self.cluster = {**self.cluster, "version": version}
        return self._update("VersionUpdate")

    def _becomes_active(self) -> None:
        if self.cluster and self.cluster.get("status") == "CREATING":
            self.cluster = {**self.cluster, "status": "ACTIVE"}

    def describe_update(self, name: str, updateId: str) -> dict[str, Any]:  # noqa: N803 (boto3's name)
        self.calls.append(f"describe_update {updateId}")
        self.reads[updateId] += 1
        status = "Successful" if self.reads[updateId] >= 3 else "InProgress"
        return {"update": {"id": updateId, "status": status, "errors": []}}

    def list_nodegroups(self, clusterName: str) -> dict[str, Any]:  # noqa: N803
        self.calls.append("list_nodegroups")
        return {"nodegroups": self.nodegroups}

    def delete_cluster(self, name: str) -> dict[str, Any]:
        self.calls.append("delete_cluster")
        if self.cluster.get("deletionProtection") and self.cluster.get("status") == "ACTIVE":  # EKS user guide
            error = {"Error": {"Code": "InvalidRequestException", "Message": "deletion protection is enabled"}}
            raise ClientError(error, "DeleteCluster")
        deleting, self.cluster = {**self.cluster, "status": "DELETING"}, None
        return {"cluster": deleting}

    def can_paginate(self, method: str) -> bool:
        return False


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fake clock for the budget and every wait: no real sleep."""

    class Clock:
        def __init__(self) -> None:
            self.now = 1000.0
            self.sleeps: list[float] = []

        def __call__(self) -> float:
            return self.now

        def sleep(self, seconds: float) -> None:
            self.sleeps.append(seconds)
            self.now += seconds

    fake = Clock()
    monkeypatch.setattr(mod, "Budget", functools.partial(waits.Budget, clock=fake))
    for name in ("wait_status", "wait_update"):
        monkeypatch.setattr(mod, name, functools.partial(getattr(eks_utils, name), sleep=fake.sleep))
    monkeypatch.setattr(mod, "paginate", lambda client, method, **kw: getattr(client, method)(**kw))
    return fake


def run_module(params: dict[str, Any], client: FakeEKS, check_mode: bool = False) -> FakeModule:
    """main()'s flow for an existing cluster (without AnsibleAWSModule and KMS)."""
    module = FakeModule({**UNSET, **params}, client, check_mode)
    run = mod.ClusterRun(module)
    cluster = run.describe()
    if module.params["state"] == "absent":
        run.absent(cluster)
    else:
        run.converge(cluster, wanted_config(module.params), "unmanaged")
    return module


def test_upgrade_calls_update_cluster_version_then_describe_update_until_successful(clock: Any) -> None:
    client = FakeEKS(described(version="1.33"))
    with pytest.raises(Exited):
        run_module({"version": "1.34"}, client)
    assert client.calls == [
        "describe_cluster",
        "update_cluster_version 1.34",
        "describe_update u1",
        "describe_update u1",
        "describe_update u1",
        "describe_cluster",  # ACTIVE again
    ]
    assert clock.sleeps == [2.0, 4.0]


def test_config_updates_wait_each_before_the_next_and_the_version_comes_last(clock: Any) -> None:
    client = FakeEKS(described(version="1.33", logging={"clusterLogging": [{"types": ALL_LOGS, "enabled": False}]}))
    module = FakeModule({**UNSET, "version": "1.34", "logging": ALL_LOGS}, client)
    run = mod.ClusterRun(module)
    with pytest.raises(Exited):
        run.converge(run.describe(), wanted_config(module.params), "unmanaged")
    assert client.calls == [
        "describe_cluster",
        "update_cluster_config logging",
        *["describe_update u1"] * 3,
        "update_cluster_version 1.34",
        *["describe_update u2"] * 3,
        "describe_cluster",
    ]
    assert module.result["changed"] is True
    assert module.result["changes"] == ["logging", "version 1.33 -> 1.34"]
    assert module.result["diff"] == {
        "before": {"version": "1.33", "logging": []},
        "after": {"version": "1.34", "logging": ALL_LOGS},
    }


def test_without_wait_only_the_last_update_is_left_running(clock: Any) -> None:
    client = FakeEKS(described(version="1.33", logging={"clusterLogging": []}))
    module = FakeModule({**UNSET, "version": "1.34", "logging": ALL_LOGS, "wait": False}, client)
    run = mod.ClusterRun(module)
    with pytest.raises(Exited):
        run.converge(run.describe(), wanted_config(module.params), "unmanaged")
    assert client.calls == [
        "describe_cluster",
        "update_cluster_config logging",
        *["describe_update u1"] * 3,
        "update_cluster_version 1.34",
        "describe_cluster",  # the result, not a wait
    ]


def test_a_two_minor_jump_makes_no_call_after_the_read(clock: Any) -> None:
    client = FakeEKS(described(version="1.32"))
    with pytest.raises(Failed, match=r"^version: EKS upgrades one minor version at a time; cluster wealist-prod-eks"):
        run_module({"version": "1.34", "logging": []}, client)
    assert client.calls == ["describe_cluster"]


def test_check_mode_plans_without_writing(clock: Any) -> None:
    client = FakeEKS(described(version="1.33"))
    module = FakeModule({**UNSET, "version": "1.34", "authentication_mode": "API"}, client, check_mode=True)
    run = mod.ClusterRun(module)
    with pytest.raises(Exited):
        run.converge(run.describe(), wanted_config(module.params), "unmanaged")
    assert client.calls == ["describe_cluster"]
    assert module.result["changed"] is True
    assert module.result["changes"] == ["authentication_mode API_AND_CONFIG_MAP -> API", "version 1.33 -> 1.34"]


def test_delete_is_refused_while_node_groups_exist(clock: Any) -> None:
    client = FakeEKS(described(), nodegroups=["spot"])
    with pytest.raises(Failed, match=r"still has node groups \(spot\)"):
        run_module({"state": "absent"}, client)
    assert "delete_cluster" not in client.calls


def test_delete_then_wait_until_gone(clock: Any) -> None:
    client = FakeEKS(described())
    with pytest.raises(Exited):
        run_module({"state": "absent"}, client)
    assert client.calls == ["describe_cluster", "list_nodegroups", "delete_cluster", "describe_cluster"]


def test_check_mode_deletes_nothing(clock: Any) -> None:
    client = FakeEKS(described())
    module = FakeModule({**UNSET, "state": "absent"}, client, check_mode=True)
    run = mod.ClusterRun(module)
    with pytest.raises(Exited):
        run.absent(run.describe())
    assert client.calls == ["describe_cluster", "list_nodegroups"]
    assert (module.result["changed"], module.result["changes"], module.result["cluster"]) == (True, ["delete"], {})


def test_create_in_check_mode_writes_nothing_and_in_a_real_run_waits_for_active(clock: Any) -> None:
    params = {**WEALIST, "tags": {"Project": "wealist"}}
    for check_mode in (True, False):
        client = FakeEKS(None)
        module = FakeModule({**UNSET, **params}, client, check_mode=check_mode)
        run = mod.ClusterRun(module)
        assert run.describe() is None
        with pytest.raises(Exited):
            run.create(wanted_config(module.params))
        assert module.result["changed"] is True and module.result["changes"] == ["create"]
        assert module.result["diff"]["after"]["tags"] == {"Project": "wealist"}
        if check_mode:
            assert client.calls == ["describe_cluster"] and module.result["cluster"] == {}
        else:
            assert client.calls == ["describe_cluster", "create_cluster", "describe_cluster", "describe_cluster"]
            assert client.created == create_request("wealist-prod-eks", wanted_config(params), {"Project": "wealist"})
            assert module.result["cluster"]["status"] == "ACTIVE"


def test_create_without_a_role_fails_before_any_write(clock: Any) -> None:
    client = FakeEKS(None)
    module = FakeModule({**UNSET, "subnets": ["subnet-a", "subnet-b"]}, client)
    run = mod.ClusterRun(module)
    with pytest.raises(Failed, match="^role_arn is required to create the cluster$"):
        run.create(wanted_config(module.params))
    assert client.calls == []


# --- deletion protection (EKS user guide "Protect EKS clusters from accidental deletion"; CreateCluster and
# UpdateClusterConfig ``deletionProtection``, DeleteCluster refused with InvalidRequestException while it is on) ---
def test_deletion_protection_is_sent_at_creation_and_changed_in_place_last() -> None:
    wanted = wanted_config({**WEALIST, "deletion_protection": True})
    assert create_request("wealist-prod-eks", wanted, None)["deletionProtection"] is True
    assert "deletionProtection" not in create_request("wealist-prod-eks", wanted_config(WEALIST), None)
    # a cluster described without the field is unprotected: turning it on is one UpdateClusterConfig call
    assert planned_changes(described(), wanted) == [("deletion_protection on", {"deletionProtection": True})]
    assert planned_changes(described(deletionProtection=True), wanted) == []
    assert planned_changes(described(deletionProtection=True), wanted_config(WEALIST)) == []  # omitted: unmanaged
    off = wanted_config({**WEALIST, "deletion_protection": False, "authentication_mode": "API"})
    assert planned_changes(described(deletionProtection=True), off) == [
        ("authentication_mode API_AND_CONFIG_MAP -> API", {"accessConfig": {"authenticationMode": "API"}}),
        ("deletion_protection off", {"deletionProtection": False}),
    ]
    assert diff_after(current_config(described()), wanted)["deletion_protection"] is True


@pytest.mark.parametrize(
    ("status", "protected", "option", "step"),
    [
        ("ACTIVE", True, None, "refuse"),
        ("ACTIVE", True, True, "refuse"),
        ("UPDATING", True, None, "refuse"),
        ("ACTIVE", True, False, "turn_off"),
        ("ACTIVE", False, None, "none"),
        ("FAILED", True, None, "none"),  # EKS deletes a creating, failed or deleting cluster anyway
        ("CREATING", True, True, "none"),
    ],
)
def test_delete_protection_step(status: str, protected: bool, option: bool | None, step: str) -> None:
    assert mod.delete_protection_step(described(status=status, deletionProtection=protected), option) == step


def test_delete_of_a_protected_cluster_fails_naming_the_option_before_any_change(clock: Any) -> None:
    for params in ({"state": "absent"}, {"state": "absent", "deletion_protection": True}):
        client = FakeEKS(described(deletionProtection=True))
        refused = r"has deletion protection on \(deletion_protection\).*set deletion_protection"
        with pytest.raises(Failed, match=refused):
            run_module(params, client)
        assert client.calls == ["describe_cluster"]


def test_delete_with_protection_switched_off_turns_it_off_waits_then_deletes(clock: Any) -> None:
    client = FakeEKS(described(deletionProtection=True))
    module = run_module_result({"state": "absent", "deletion_protection": False}, client)
    assert client.calls == [
        "describe_cluster",
        "list_nodegroups",
        "update_cluster_config deletionProtection",
        *["describe_update u1"] * 3,
        "delete_cluster",
        "describe_cluster",
    ]
    assert module.result["changes"] == ["deletion_protection off", "delete"]
    # node groups still there: refused before protection is touched
    client = FakeEKS(described(deletionProtection=True), nodegroups=["spot"])
    with pytest.raises(Failed, match="still has node groups"):
        run_module({"state": "absent", "deletion_protection": False}, client)
    assert client.calls == ["describe_cluster", "list_nodegroups"]
    # check mode: planned, nothing written
    client = FakeEKS(described(deletionProtection=True))
    module = run_module_result({"state": "absent", "deletion_protection": False}, client, check_mode=True)
    assert client.calls == ["describe_cluster", "list_nodegroups"]
    assert module.result["changes"] == ["deletion_protection off", "delete"] and module.result["changed"] is True


def test_turning_protection_on_is_one_waited_update_and_check_mode_writes_nothing(clock: Any) -> None:
    client = FakeEKS(described())
    module = run_module_result({"deletion_protection": True}, client)
    assert client.calls == [
        "describe_cluster", "update_cluster_config deletionProtection", *["describe_update u1"] * 3, "describe_cluster"
    ]  # fmt: skip
    assert module.result["diff"] == {"before": {"deletion_protection": False}, "after": {"deletion_protection": True}}
    client = FakeEKS(described())
    module = run_module_result({"deletion_protection": True}, client, check_mode=True)
    assert client.calls == ["describe_cluster"] and module.result["changes"] == ["deletion_protection on"]
    client = FakeEKS(described(deletionProtection=True))
    module = run_module_result({"deletion_protection": True}, client)
    assert client.calls == ["describe_cluster"] and module.result["changed"] is False


def run_module_result(params: dict[str, Any], client: FakeEKS, check_mode: bool = False) -> FakeModule:
    """run_module for a run that exits (not fails): the module with its result."""
    module = FakeModule({**UNSET, **params}, client, check_mode)
    run = mod.ClusterRun(module)
    with pytest.raises(Exited):
        cluster = run.describe()
        if module.params["state"] == "absent":
            run.absent(cluster)
        else:
            run.converge(cluster, wanted_config(module.params), "unmanaged")
    return module
