"""Crash-safe creates (issue 14, point 2): a run that dies between two calls that belong together leaves a
resource the next run must find by its tags and adopt, never duplicate; teardown removes such orphans too.

The crash is injected at the backend (local_backend/aws/faults.py): the call that would complete the pair fails
once, as if the worker had been killed between the two calls. Each case uses the smallest run that shows it
(one role's tag) on its own backend without PostgreSQL.

KMS: amazon.aws.kms_key makes a key with CreateKey (the tags are part of that call) and then names it with
CreateAlias; the role looks the key up by its alias, so a key left without it would be invisible to the next run.

A half-finished run (issue 14, point 7), reached in two crashes: first between CreateInternetGateway and
AttachInternetGateway (amazon.aws.ec2_vpc_igw; the gateway, tags included, is left attached to nothing), which the
next run finds by its Name tag and attaches instead of making a second one; then the network role stopped by a failed
CreateNatGateway (VPC, subnets, gateways, route tables and the NAT gateway's Elastic IP made, nothing after) is
torn down completely by teardown.yml, which reports ok - the Elastic IP that no gateway holds and an internet gateway
attached to nothing included.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from .conftest import ROOT, Backend, _start_backend, _stop_backend, assert_ok, run_playbook
from .project_leftovers import leftovers, nothing_left

INVENTORY = yaml.safe_load((ROOT / "inventories/local/group_vars/all/main.yml").read_text())
NAME = f"{INVENTORY['platform_project']}-{INVENTORY['platform_environment']}"
KMS_TAG = ("--tags", "kms")


@pytest.fixture(scope="module")
def backend(tmp_path_factory) -> Iterator[Backend]:
    b = _start_backend(tmp_path_factory.mktemp("crash") / "backend", postgres=False)
    yield b
    _stop_backend(b)


def _platform_keys(backend: Backend) -> list[dict]:
    """Every key carrying this platform's Name and Project tags, with its aliases and state (read with boto3)."""
    kms = backend.client("kms")
    aliases = kms.list_aliases()["Aliases"]
    keys = []
    for key in kms.list_keys()["Keys"]:
        tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]}
        if tags.get("Name") == NAME and tags.get("Project") == INVENTORY["platform_project"]:
            keys.append({
                "id": key["KeyId"],
                "state": kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"],
                "aliases": sorted(a["AliasName"] for a in aliases if a.get("TargetKeyId") == key["KeyId"]),
            })  # fmt: skip
    return keys


def test_a_key_left_without_its_alias_is_adopted_not_duplicated_and_teardown_removes_orphans(backend: Backend):
    backend.arm_fault("kms", "CreateAlias", code="SimulatedCrash")
    crashed = run_playbook(backend, *KMS_TAG, playbook="playbooks/foundation.yml")
    assert crashed.rc != 0 and "SimulatedCrash" in crashed.text(), crashed.output[-3000:]
    (orphan,) = _platform_keys(backend)
    assert orphan["aliases"] == [] and orphan["state"] == "Enabled"

    backend.clear_requests()
    resumed = run_playbook(backend, *KMS_TAG, playbook="playbooks/foundation.yml")
    assert_ok(resumed)
    assert "Adopted arn:" in resumed.text()
    assert [(k["id"], k["aliases"]) for k in _platform_keys(backend)] == [(orphan["id"], [f"alias/{NAME}"])]
    assert [r["operation"] for r in backend.requests() if r["operation"] == "CreateKey"] == []

    # An orphan beside the aliased key (a crash in an earlier life of the platform, made here with the tags
    # CreateKey would have given it): not adopted while the alias exists (the re-run changes nothing), removed
    # by teardown with the key.
    kms = backend.client("kms")
    stray = kms.create_key(
        Description="left by an interrupted run",
        Tags=[{"TagKey": "Name", "TagValue": NAME}, {"TagKey": "Project", "TagValue": INVENTORY["platform_project"]}],
    )["KeyMetadata"]["KeyId"]
    assert_ok(run_playbook(backend, *KMS_TAG, playbook="playbooks/foundation.yml"), changed=0)
    down = run_playbook(backend, *KMS_TAG, "-e", f"platform_teardown_confirm={NAME}", playbook="teardown.yml")
    assert_ok(down)
    states = {k["id"]: k["state"] for k in _platform_keys(backend)}
    assert states == {orphan["id"]: "PendingDeletion", stray: "PendingDeletion"}
    assert_ok(
        run_playbook(backend, *KMS_TAG, "-e", f"platform_teardown_confirm={NAME}", playbook="teardown.yml"),
        changed=0,
    )


def _platform_igws(backend: Backend) -> list[dict]:
    found = backend.client("ec2").describe_internet_gateways(
        Filters=[{"Name": "tag:Name", "Values": [f"{NAME}-igw"]}])["InternetGateways"]
    return [{"id": g["InternetGatewayId"], "vpcs": [a["VpcId"] for a in g.get("Attachments", [])]} for g in found]


def test_half_finished_network_adopts_its_gateway_and_teardown_removes_everything(backend: Backend):
    # 1. A run stopped between CreateInternetGateway and AttachInternetGateway: the gateway exists, unattached.
    backend.arm_fault("ec2", "AttachInternetGateway", code="SimulatedCrash")
    crashed = run_playbook(backend, "--tags", "network", playbook="playbooks/foundation.yml")
    assert crashed.rc != 0 and "SimulatedCrash" in crashed.text(), crashed.output[-3000:]
    (orphan,) = _platform_igws(backend)
    assert orphan["vpcs"] == []

    # 2. The next run adopts it (no second CreateInternetGateway) and stops at the NAT gateway.
    backend.clear_requests()
    backend.arm_fault("ec2", "CreateNatGateway", code="SimulatedCrash")
    stopped = run_playbook(backend, "--tags", "network", playbook="playbooks/foundation.yml")
    assert stopped.rc != 0 and "SimulatedCrash" in stopped.text(), stopped.output[-3000:]
    half = leftovers(backend, INVENTORY["platform_project"], NAME)
    assert _platform_igws(backend) == [{"id": orphan["id"], "vpcs": half["vpcs"]}], half
    assert [r for r in backend.requests() if r["operation"] == "CreateInternetGateway"] == []
    # the run stopped halfway: the network's first half and the NAT gateway's Elastic IP exist, held by nothing
    assert half["vpcs"] and half["subnets"] and half["elastic_ips"] and not half["nat_gateways"], half

    # 3. Another gateway of ours attached to nothing (as step 1 left one; made here with the role's tags): teardown
    # removes it with the rest (twice in a row: test_site.py).
    backend.client("ec2").create_internet_gateway(TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": [
        {"Key": "Name", "Value": f"{NAME}-igw"}, {"Key": "Project", "Value": INVENTORY["platform_project"]}]}])
    confirm = ("-e", f"platform_teardown_confirm={NAME}")
    down = run_playbook(backend, "--tags", "network", *confirm, playbook="teardown.yml")
    assert_ok(down)
    nothing_left(backend, INVENTORY["platform_project"], NAME)
