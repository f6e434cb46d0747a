"""The local backend's EKS extensions, driven with boto3 against ``start_in_thread``.

Each test names the moto 5.2.5 fidelity gap it covers: moto answers 404 for access entries, access
policies, pod identity associations, add-ons and DescribeUpdate; drops ``accessConfig``; never creates
the Auto Scaling group a node group names; omits the node group's ``updateConfig``.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# `pytest tests` does not put the repository root on sys.path; local_backend lives there.
REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from local_backend.aws.server import BackendHandle, start_in_thread  # noqa: E402
from tests.unit.conftest import aws_client  # noqa: E402

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
CLUSTER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-cluster"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-node"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/eks-admin"
POLICY = "arn:aws:eks::aws:cluster-access-policy/{}"


@pytest.fixture(scope="module")
def local_backend_eks_server() -> Iterator[BackendHandle]:
    handle = start_in_thread()
    yield handle
    handle.stop()


def _client(handle: BackendHandle, service: str) -> Any:
    return aws_client(handle.endpoint_url, service)


@pytest.fixture(scope="module")
def eks(local_backend_eks_server: BackendHandle) -> Any:
    return _client(local_backend_eks_server, "eks")


@pytest.fixture(scope="module")
def ec2(local_backend_eks_server: BackendHandle) -> Any:
    return _client(local_backend_eks_server, "ec2")


@pytest.fixture(scope="module")
def autoscaling(local_backend_eks_server: BackendHandle) -> Any:
    return _client(local_backend_eks_server, "autoscaling")


@pytest.fixture(scope="module")
def subnets(ec2: Any) -> list[str]:
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    return [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in enumerate("abc", start=1)
    ]


def _new_cluster(eks: Any, subnets: list[str], **kwargs: Any) -> str:
    name = f"c-{uuid.uuid4().hex[:8]}"
    eks.create_cluster(
        name=name, version="1.34", roleArn=CLUSTER_ROLE, resourcesVpcConfig={"subnetIds": subnets}, **kwargs
    )
    return name


@pytest.fixture
def cluster(eks: Any, subnets: list[str]) -> str:
    """A 1.34 cluster in authentication mode API_AND_CONFIG_MAP."""
    return _new_cluster(eks, subnets, accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})


def _error(exc: pytest.ExceptionInfo[Any]) -> tuple[str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


# --------------------------------------------------------------------------------------------------
# access entries (moto: 404)


def test_access_entry_create_describe_list_update_delete(eks: Any, cluster: str) -> None:
    created = eks.create_access_entry(
        clusterName=cluster, principalArn=ADMIN_ROLE, kubernetesGroups=["platform-admins"], tags={"Team": "ops"}
    )["accessEntry"]
    assert created["principalArn"] == ADMIN_ROLE
    assert created["type"] == "STANDARD"
    assert created["kubernetesGroups"] == ["platform-admins"]
    assert created["username"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/eks-admin/{{{{SessionName}}}}"
    assert created["accessEntryArn"].startswith(
        f"arn:aws:eks:{REGION}:{ACCOUNT}:access-entry/{cluster}/role/{ACCOUNT}/eks-admin/"
    )
    assert created["tags"] == {"Team": "ops"}

    described = eks.describe_access_entry(clusterName=cluster, principalArn=ADMIN_ROLE)["accessEntry"]
    assert described["accessEntryArn"] == created["accessEntryArn"]
    assert ADMIN_ROLE in eks.list_access_entries(clusterName=cluster)["accessEntries"]

    updated = eks.update_access_entry(
        clusterName=cluster, principalArn=ADMIN_ROLE, kubernetesGroups=["viewers"], username="admin"
    )["accessEntry"]
    assert (updated["kubernetesGroups"], updated["username"]) == (["viewers"], "admin")
    assert eks.describe_access_entry(clusterName=cluster, principalArn=ADMIN_ROLE)["accessEntry"]["username"] == "admin"

    eks.delete_access_entry(clusterName=cluster, principalArn=ADMIN_ROLE)
    assert ADMIN_ROLE not in eks.list_access_entries(clusterName=cluster)["accessEntries"]
    with pytest.raises(eks.exceptions.ResourceNotFoundException) as exc:
        eks.describe_access_entry(clusterName=cluster, principalArn=ADMIN_ROLE)
    assert _error(exc) == ("ResourceNotFoundException", 404)


def test_access_entry_errors(eks: Any, cluster: str) -> None:
    eks.create_access_entry(clusterName=cluster, principalArn=ADMIN_ROLE)
    with pytest.raises(eks.exceptions.ResourceInUseException) as exc:
        eks.create_access_entry(clusterName=cluster, principalArn=ADMIN_ROLE)
    assert _error(exc) == ("ResourceInUseException", 409)
    with pytest.raises(eks.exceptions.InvalidParameterException) as exc:
        eks.create_access_entry(clusterName=cluster, principalArn="arn:aws:s3:::not-a-principal")
    assert _error(exc) == ("InvalidParameterException", 400)
    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.create_access_entry(
            clusterName=cluster, principalArn=f"arn:aws:iam::{ACCOUNT}:role/x", kubernetesGroups=["system:masters"]
        )
    with pytest.raises(eks.exceptions.ResourceNotFoundException) as exc:
        eks.update_access_entry(clusterName=cluster, principalArn=f"arn:aws:iam::{ACCOUNT}:role/unknown")
    assert _error(exc) == ("ResourceNotFoundException", 404)
    with pytest.raises(eks.exceptions.ResourceNotFoundException) as exc:
        eks.list_access_entries(clusterName="no-such-cluster")
    assert _error(exc) == ("ResourceNotFoundException", 404)


def test_access_entries_need_api_authentication_mode(eks: Any, subnets: list[str]) -> None:
    name = _new_cluster(eks, subnets)  # default mode CONFIG_MAP
    with pytest.raises(eks.exceptions.InvalidRequestException) as exc:
        eks.create_access_entry(clusterName=name, principalArn=ADMIN_ROLE)
    assert _error(exc) == ("InvalidRequestException", 400)
    eks.update_cluster_config(name=name, accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})
    assert eks.create_access_entry(clusterName=name, principalArn=ADMIN_ROLE)["accessEntry"]["type"] == "STANDARD"


def test_cluster_creator_gets_admin_entry_unless_disabled(eks: Any, subnets: list[str]) -> None:
    name = _new_cluster(eks, subnets, accessConfig={"authenticationMode": "API"})
    creator = f"arn:aws:iam::{ACCOUNT}:user/moto"  # moto's caller identity for unknown access keys
    assert eks.list_access_entries(clusterName=name)["accessEntries"] == [creator]
    policies = eks.list_associated_access_policies(clusterName=name, principalArn=creator)["associatedAccessPolicies"]
    assert [(p["policyArn"], p["accessScope"]["type"]) for p in policies] == [
        (POLICY.format("AmazonEKSClusterAdminPolicy"), "cluster")
    ]
    bare = _new_cluster(
        eks, subnets, accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    )
    assert eks.list_access_entries(clusterName=bare)["accessEntries"] == []


# --------------------------------------------------------------------------------------------------
# access policies (moto: 404)


def test_list_access_policies_has_the_real_arns(eks: Any) -> None:
    arns = {p["name"]: p["arn"] for p in eks.list_access_policies()["accessPolicies"]}
    for name in ("AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy"):
        assert arns[name] == POLICY.format(name)


def test_access_policy_associate_list_disassociate(eks: Any, cluster: str) -> None:
    eks.create_access_entry(clusterName=cluster, principalArn=ADMIN_ROLE)
    edit = POLICY.format("AmazonEKSEditPolicy")
    first = eks.associate_access_policy(
        clusterName=cluster,
        principalArn=ADMIN_ROLE,
        policyArn=edit,
        accessScope={"type": "namespace", "namespaces": ["wealist-prod", "argocd"]},
    )
    assert first["clusterName"] == cluster and first["principalArn"] == ADMIN_ROLE
    assert first["associatedAccessPolicy"]["accessScope"] == {
        "type": "namespace",
        "namespaces": ["wealist-prod", "argocd"],
    }
    assert eks.list_access_entries(clusterName=cluster, associatedPolicyArn=edit)["accessEntries"] == [ADMIN_ROLE]
    assert (
        eks.list_access_entries(clusterName=cluster, associatedPolicyArn=POLICY.format("AmazonEKSViewPolicy"))[
            "accessEntries"
        ]
        == []
    )

    again = eks.associate_access_policy(
        clusterName=cluster, principalArn=ADMIN_ROLE, policyArn=edit, accessScope={"type": "cluster"}
    )["associatedAccessPolicy"]
    assert again["accessScope"]["type"] == "cluster"
    assert again["associatedAt"] == first["associatedAccessPolicy"]["associatedAt"]
    listed = eks.list_associated_access_policies(clusterName=cluster, principalArn=ADMIN_ROLE)
    assert [p["policyArn"] for p in listed["associatedAccessPolicies"]] == [edit]

    eks.disassociate_access_policy(clusterName=cluster, principalArn=ADMIN_ROLE, policyArn=edit)
    assert (
        eks.list_associated_access_policies(clusterName=cluster, principalArn=ADMIN_ROLE)["associatedAccessPolicies"]
        == []
    )
    with pytest.raises(eks.exceptions.ResourceNotFoundException) as exc:
        eks.disassociate_access_policy(clusterName=cluster, principalArn=ADMIN_ROLE, policyArn=edit)
    assert _error(exc) == ("ResourceNotFoundException", 404)


def test_access_policy_errors(eks: Any, cluster: str) -> None:
    eks.create_access_entry(clusterName=cluster, principalArn=ADMIN_ROLE)
    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.associate_access_policy(
            clusterName=cluster,
            principalArn=ADMIN_ROLE,
            policyArn=POLICY.format("NoSuchPolicy"),
            accessScope={"type": "cluster"},
        )
    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.associate_access_policy(
            clusterName=cluster,
            principalArn=ADMIN_ROLE,
            policyArn=POLICY.format("AmazonEKSViewPolicy"),
            accessScope={"type": "namespace"},
        )
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.associate_access_policy(
            clusterName=cluster,
            principalArn=f"arn:aws:iam::{ACCOUNT}:role/unknown",
            policyArn=POLICY.format("AmazonEKSViewPolicy"),
            accessScope={"type": "cluster"},
        )


# --------------------------------------------------------------------------------------------------
# pod identity associations (moto: 404)


def test_pod_identity_association_lifecycle(eks: Any, cluster: str) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/external-secrets-pod-identity"
    created = eks.create_pod_identity_association(
        clusterName=cluster,
        namespace="external-secrets",
        serviceAccount="external-secrets",
        roleArn=role,
        tags={"Layer": "compute"},
    )["association"]
    association_id = created["associationId"]
    assert association_id.startswith("a-") and len(association_id) == 19
    assert (
        created["associationArn"] == f"arn:aws:eks:{REGION}:{ACCOUNT}:podidentityassociation/{cluster}/{association_id}"
    )
    assert (created["namespace"], created["serviceAccount"], created["roleArn"]) == (
        "external-secrets",
        "external-secrets",
        role,
    )

    described = eks.describe_pod_identity_association(clusterName=cluster, associationId=association_id)
    assert described["association"]["tags"] == {"Layer": "compute"}
    eks.create_pod_identity_association(
        clusterName=cluster, namespace="kube-system", serviceAccount="cluster-autoscaler", roleArn=role
    )
    everything = eks.list_pod_identity_associations(clusterName=cluster)["associations"]
    assert [a["serviceAccount"] for a in everything] == ["external-secrets", "cluster-autoscaler"]
    only = eks.list_pod_identity_associations(clusterName=cluster, namespace="kube-system")["associations"]
    assert [a["serviceAccount"] for a in only] == ["cluster-autoscaler"]

    new_role = f"arn:aws:iam::{ACCOUNT}:role/other"
    updated = eks.update_pod_identity_association(clusterName=cluster, associationId=association_id, roleArn=new_role)
    assert updated["association"]["roleArn"] == new_role

    deleted = eks.delete_pod_identity_association(clusterName=cluster, associationId=association_id)
    assert deleted["association"]["associationId"] == association_id
    with pytest.raises(eks.exceptions.ResourceNotFoundException) as exc:
        eks.describe_pod_identity_association(clusterName=cluster, associationId=association_id)
    assert _error(exc) == ("ResourceNotFoundException", 404)


def test_pod_identity_association_errors(eks: Any, cluster: str) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/r"
    eks.create_pod_identity_association(clusterName=cluster, namespace="ns", serviceAccount="sa", roleArn=role)
    with pytest.raises(eks.exceptions.ResourceInUseException) as exc:
        eks.create_pod_identity_association(clusterName=cluster, namespace="ns", serviceAccount="sa", roleArn=role)
    assert _error(exc) == ("ResourceInUseException", 409)
    with pytest.raises(eks.exceptions.InvalidParameterException) as exc:
        eks.create_pod_identity_association(clusterName=cluster, namespace="ns", serviceAccount="b", roleArn="role")
    assert _error(exc) == ("InvalidParameterException", 400)
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.delete_pod_identity_association(clusterName=cluster, associationId="a-00000000000000000")
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.list_pod_identity_associations(clusterName="no-such-cluster")


# --------------------------------------------------------------------------------------------------
# add-ons (moto: 404)


def test_addon_lifecycle_with_update_tracking(eks: Any, cluster: str) -> None:
    created = eks.create_addon(
        clusterName=cluster,
        addonName="vpc-cni",
        addonVersion="v1.21.1-eksbuild.1",
        resolveConflicts="OVERWRITE",
        configurationValues='{"env":{"ENABLE_PREFIX_DELEGATION":"true"}}',
        tags={"Layer": "compute"},
    )["addon"]
    assert (created["addonName"], created["addonVersion"], created["status"]) == (
        "vpc-cni",
        "v1.21.1-eksbuild.1",
        "ACTIVE",
    )
    assert created["addonArn"].startswith(f"arn:aws:eks:{REGION}:{ACCOUNT}:addon/{cluster}/vpc-cni/")
    described = eks.describe_addon(clusterName=cluster, addonName="vpc-cni")["addon"]
    assert described["configurationValues"] == '{"env":{"ENABLE_PREFIX_DELEGATION":"true"}}'
    assert eks.list_addons(clusterName=cluster)["addons"] == ["vpc-cni"]

    update = eks.update_addon(clusterName=cluster, addonName="vpc-cni", addonVersion="v1.20.4-eksbuild.2")["update"]
    assert update["type"] == "AddonUpdate"
    assert {"type": "AddonVersion", "value": "v1.20.4-eksbuild.2"} in update["params"]
    tracked = eks.describe_update(name=cluster, updateId=update["id"], addonName="vpc-cni")["update"]
    assert (tracked["id"], tracked["status"]) == (update["id"], "Successful")
    assert eks.list_updates(name=cluster, addonName="vpc-cni")["updateIds"] == [update["id"]]
    assert eks.describe_addon(clusterName=cluster, addonName="vpc-cni")["addon"]["addonVersion"] == "v1.20.4-eksbuild.2"

    assert eks.delete_addon(clusterName=cluster, addonName="vpc-cni")["addon"]["status"] == "DELETING"
    assert eks.list_addons(clusterName=cluster)["addons"] == []
    with pytest.raises(eks.exceptions.ResourceNotFoundException) as exc:
        eks.describe_addon(clusterName=cluster, addonName="vpc-cni")
    assert _error(exc) == ("ResourceNotFoundException", 404)


def test_addon_errors(eks: Any, cluster: str) -> None:
    eks.create_addon(clusterName=cluster, addonName="coredns")
    with pytest.raises(eks.exceptions.ResourceInUseException) as exc:
        eks.create_addon(clusterName=cluster, addonName="coredns")
    assert _error(exc) == ("ResourceInUseException", 409)
    with pytest.raises(eks.exceptions.InvalidParameterException) as exc:
        eks.create_addon(clusterName=cluster, addonName="not-an-addon")
    assert _error(exc) == ("InvalidParameterException", 400)
    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.create_addon(clusterName=cluster, addonName="kube-proxy", addonVersion="v1.28.15-eksbuild.34")
    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.create_addon(clusterName=cluster, addonName="aws-ebs-csi-driver", configurationValues="[not an object")
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.update_addon(clusterName=cluster, addonName="kube-proxy", addonVersion="v1.34.1-eksbuild.2")
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.describe_update(name=cluster, updateId="no-such-update")


@pytest.mark.parametrize(
    ("addon", "version"),
    [
        ("vpc-cni", "v1.21.1-eksbuild.1"),
        ("coredns", "v1.12.4-eksbuild.1"),
        ("kube-proxy", "v1.34.1-eksbuild.2"),
        ("aws-ebs-csi-driver", "v1.54.0-eksbuild.1"),
        ("eks-pod-identity-agent", "v1.3.10-eksbuild.2"),
    ],
)
def test_addon_catalog_has_pinned_versions_as_defaults(eks: Any, addon: str, version: str) -> None:
    found = eks.describe_addon_versions(addonName=addon, kubernetesVersion="1.34")["addons"]
    assert [a["addonName"] for a in found] == [addon]
    versions = {v["addonVersion"]: v for v in found[0]["addonVersions"]}
    assert len(versions) >= 2
    assert versions[version]["compatibilities"] == [
        {"clusterVersion": "1.34", "platformVersions": ["*"], "defaultVersion": True}
    ]


def test_addon_default_version_follows_cluster_and_owns_pod_identity(eks: Any, cluster: str) -> None:
    assert (
        eks.create_addon(clusterName=cluster, addonName="kube-proxy")["addon"]["addonVersion"] == "v1.34.1-eksbuild.2"
    )
    role = f"arn:aws:iam::{ACCOUNT}:role/ebs-csi"
    addon = eks.create_addon(
        clusterName=cluster,
        addonName="aws-ebs-csi-driver",
        podIdentityAssociations=[{"serviceAccount": "ebs-csi-controller-sa", "roleArn": role}],
    )["addon"]
    owned = eks.list_pod_identity_associations(clusterName=cluster)["associations"]
    assert [(a["namespace"], a["serviceAccount"], a["ownerArn"]) for a in owned] == [
        ("kube-system", "ebs-csi-controller-sa", addon["addonArn"])
    ]
    assert addon["podIdentityAssociations"] == [owned[0]["associationArn"]]
    eks.delete_addon(clusterName=cluster, addonName="aws-ebs-csi-driver")
    assert eks.list_pod_identity_associations(clusterName=cluster)["associations"] == []


# --------------------------------------------------------------------------------------------------
# cluster accessConfig and UpdateClusterConfig (moto drops accessConfig, returns no update)


def test_access_config_round_trip(eks: Any, subnets: list[str]) -> None:
    default = _new_cluster(eks, subnets)
    assert eks.describe_cluster(name=default)["cluster"]["accessConfig"] == {
        "bootstrapClusterCreatorAdminPermissions": True,
        "authenticationMode": "CONFIG_MAP",
    }
    name = _new_cluster(
        eks,
        subnets,
        accessConfig={"authenticationMode": "API_AND_CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": False},
    )
    cluster = eks.describe_cluster(name=name)["cluster"]
    assert cluster["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
    assert cluster["accessConfig"]["bootstrapClusterCreatorAdminPermissions"] is False

    update = eks.update_cluster_config(name=name, accessConfig={"authenticationMode": "API"})["update"]
    assert (update["type"], update["params"]) == (
        "AccessConfigUpdate",
        [{"type": "AuthenticationMode", "value": "API"}],
    )
    assert eks.describe_update(name=name, updateId=update["id"])["update"]["status"] == "Successful"
    assert eks.describe_cluster(name=name)["cluster"]["accessConfig"]["authenticationMode"] == "API"
    with pytest.raises(eks.exceptions.InvalidParameterException):  # EKS never goes back towards CONFIG_MAP
        eks.update_cluster_config(name=name, accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})
    with pytest.raises(eks.exceptions.InvalidParameterException):  # no-op update
        eks.update_cluster_config(name=name, accessConfig={"authenticationMode": "API"})
    with pytest.raises(eks.exceptions.InvalidParameterException):
        _new_cluster(eks, subnets, accessConfig={"authenticationMode": "TOKENS"})
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.update_cluster_config(name="no-such-cluster", accessConfig={"authenticationMode": "API"})


def test_update_cluster_config_one_kind_per_call_and_merges_vpc_config(eks: Any, subnets: list[str], ec2: Any) -> None:
    name = _new_cluster(eks, subnets)
    vpc_config = eks.describe_cluster(name=name)["cluster"]["resourcesVpcConfig"]
    assert vpc_config["vpcId"] == ec2.describe_subnets(SubnetIds=subnets[:1])["Subnets"][0]["VpcId"]
    assert (vpc_config["endpointPublicAccess"], vpc_config["endpointPrivateAccess"]) == (True, False)
    group = ec2.describe_security_groups(GroupIds=[vpc_config["clusterSecurityGroupId"]])["SecurityGroups"][0]
    assert {"Key": "aws:eks:cluster-name", "Value": name} in group["Tags"]

    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.update_cluster_config(
            name=name,
            logging={"clusterLogging": [{"types": ["api"], "enabled": True}]},
            accessConfig={"authenticationMode": "API"},
        )
    logging_update = eks.update_cluster_config(
        name=name, logging={"clusterLogging": [{"types": ["api", "audit"], "enabled": True}]}
    )["update"]
    assert logging_update["type"] == "LoggingUpdate"
    assert eks.describe_cluster(name=name)["cluster"]["logging"]["clusterLogging"] == [
        {"types": ["api", "audit"], "enabled": True},
        {"types": ["authenticator", "controllerManager", "scheduler"], "enabled": False},
    ]
    endpoint = eks.update_cluster_config(name=name, resourcesVpcConfig={"endpointPrivateAccess": True})["update"]
    assert endpoint["type"] == "EndpointAccessUpdate"
    merged = eks.describe_cluster(name=name)["cluster"]["resourcesVpcConfig"]
    assert merged["endpointPrivateAccess"] is True
    assert merged["subnetIds"] == subnets  # moto replaced the whole resourcesVpcConfig

    eks.delete_cluster(name=name)
    assert (
        ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": [group["GroupId"]]}])["SecurityGroups"]
        == []
    )


def test_deletion_protection_is_kept_returned_and_refuses_delete_cluster(eks: Any, subnets: list[str]) -> None:
    # moto 5.2.5 drops deletionProtection; EKS keeps it, returns it and refuses DeleteCluster on an active cluster
    # while it is on with InvalidRequestException (EKS user guide, "Protect EKS clusters from accidental deletion").
    default = _new_cluster(eks, subnets)
    assert eks.describe_cluster(name=default)["cluster"]["deletionProtection"] is False
    name = _new_cluster(eks, subnets, deletionProtection=True)
    assert eks.describe_cluster(name=name)["cluster"]["deletionProtection"] is True
    with pytest.raises(eks.exceptions.InvalidRequestException) as refused:
        eks.delete_cluster(name=name)
    assert _error(refused) == ("InvalidRequestException", 400)
    assert eks.describe_cluster(name=name)["cluster"]["status"] == "ACTIVE"  # still there

    update = eks.update_cluster_config(name=name, deletionProtection=False)["update"]
    assert (update["type"], update["params"]) == (
        "DeletionProtectionUpdate",
        [{"type": "DeletionProtection", "value": "false"}],
    )
    assert eks.describe_cluster(name=name)["cluster"]["deletionProtection"] is False
    eks.delete_cluster(name=name)
    eks.update_cluster_config(name=default, deletionProtection=True)
    assert eks.describe_cluster(name=default)["cluster"]["deletionProtection"] is True
    with pytest.raises(eks.exceptions.InvalidRequestException):
        eks.delete_cluster(name=default)
    eks.update_cluster_config(name=default, deletionProtection=False)
    eks.delete_cluster(name=default)


# --------------------------------------------------------------------------------------------------
# node group -> Auto Scaling group, updateConfig (moto: ASG never created, updateConfig missing)


def test_nodegroup_creates_and_syncs_its_auto_scaling_group(
    eks: Any, autoscaling: Any, cluster: str, subnets: list[str]
) -> None:
    nodegroup = eks.create_nodegroup(
        clusterName=cluster,
        nodegroupName="spot",
        nodeRole=NODE_ROLE,
        subnets=subnets[:2],
        scalingConfig={"minSize": 1, "maxSize": 4, "desiredSize": 2},
        capacityType="SPOT",
        instanceTypes=["t3.large", "t3a.large"],
        tags={"Layer": "compute"},
    )["nodegroup"]
    assert nodegroup["updateConfig"] == {"maxUnavailable": 1}
    assert (nodegroup["version"], nodegroup["amiType"]) == ("1.34", "AL2023_x86_64_STANDARD")
    assert "remoteAccess" not in nodegroup
    asg_name = nodegroup["resources"]["autoScalingGroups"][0]["name"]
    assert asg_name.startswith("eks-spot-")

    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[asg_name])["AutoScalingGroups"][0]
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (1, 4, 2)
    assert sorted(group["VPCZoneIdentifier"].split(",")) == sorted(subnets[:2])
    tags = {t["Key"]: t["Value"] for t in group["Tags"]}
    assert tags["eks:nodegroup-name"] == "spot"
    assert tags[f"k8s.io/cluster-autoscaler/{cluster}"] == "owned"
    overrides = group["MixedInstancesPolicy"]["LaunchTemplate"]["Overrides"]
    assert [o["InstanceType"] for o in overrides] == ["t3.large", "t3a.large"]

    autoscaling.put_scheduled_update_group_action(
        AutoScalingGroupName=asg_name,
        ScheduledActionName="night",
        Recurrence="0 13 * * *",
        MinSize=0,
        MaxSize=4,
        DesiredCapacity=0,
    )
    actions = autoscaling.describe_scheduled_actions(AutoScalingGroupName=asg_name)["ScheduledUpdateGroupActions"]
    assert [(a["ScheduledActionName"], a["DesiredCapacity"]) for a in actions] == [("night", 0)]

    update = eks.update_nodegroup_config(
        clusterName=cluster, nodegroupName="spot", scalingConfig={"minSize": 2, "maxSize": 6, "desiredSize": 3}
    )["update"]
    assert {"type": "DesiredSize", "value": "3"} in update["params"]
    assert eks.describe_update(name=cluster, updateId=update["id"], nodegroupName="spot")["update"]["type"] == (
        "ConfigUpdate"
    )
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[asg_name])["AutoScalingGroups"][0]
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (2, 6, 3)

    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.update_nodegroup_config(clusterName=cluster, nodegroupName="spot", scalingConfig={"desiredSize": 9})

    eks.delete_nodegroup(clusterName=cluster, nodegroupName="spot")
    assert autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[asg_name])["AutoScalingGroups"] == []


def test_nodegroup_role_gets_ec2_linux_access_entry_and_keeps_requested_update_config(
    eks: Any, cluster: str, subnets: list[str]
) -> None:
    nodegroup = eks.create_nodegroup(
        clusterName=cluster,
        nodegroupName="general",
        nodeRole=NODE_ROLE,
        subnets=subnets,
        updateConfig={"maxUnavailablePercentage": 33},
    )["nodegroup"]
    assert nodegroup["updateConfig"] == {"maxUnavailablePercentage": 33}
    entry = eks.describe_access_entry(clusterName=cluster, principalArn=NODE_ROLE)["accessEntry"]
    assert (entry["type"], entry["kubernetesGroups"]) == ("EC2_LINUX", ["system:nodes"])
    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.create_nodegroup(
            clusterName=cluster,
            nodegroupName="bad",
            nodeRole=NODE_ROLE,
            subnets=subnets,
            scalingConfig={"minSize": 3, "maxSize": 2, "desiredSize": 2},
        )


def test_tags_work_on_addons_and_nodegroups(eks: Any, cluster: str, subnets: list[str]) -> None:
    addon_arn = eks.create_addon(clusterName=cluster, addonName="eks-pod-identity-agent")["addon"]["addonArn"]
    nodegroup_arn = eks.create_nodegroup(
        clusterName=cluster, nodegroupName="tagged", nodeRole=NODE_ROLE, subnets=subnets, tags={"a": "1"}
    )["nodegroup"]["nodegroupArn"]
    for arn in (addon_arn, nodegroup_arn):
        eks.tag_resource(resourceArn=arn, tags={"Environment": "test"})
        eks.untag_resource(resourceArn=arn, tagKeys=["a"])
        assert eks.list_tags_for_resource(resourceArn=arn)["tags"] == {"Environment": "test"}
