"""A killed run is resumed safely (issue 14, point 8).

`ansible-playbook` is SIGKILLed while the network role's NAT gateway is being created (the request log shows
CreateNatGateway; the backend runs in latency mode with the gateway pending until the test advances the backend's
clock, so the run is mid-layer). The worker processes it forked (and, with the mitogen strategy of ansible.cfg, the
interpreters it started) are not killed with it: they finish the task in flight. The test waits for each of them to
exit (by pid, bounded), then re-runs the same tag: the run completes the layer and adopts what the killed run made
(found by name and tags) - one VPC, one Elastic IP and one NAT gateway, no second create - and the private route
goes through that gateway.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, VENV_BIN, Backend, _stop_backend, assert_ok, run_playbook

INVENTORY = yaml.safe_load((ROOT / "inventories/local/group_vars/all/main.yml").read_text())
NAME = f"{INVENTORY['platform_project']}-{INVENTORY['platform_environment']}"
NETWORK = ("--tags", "network")
CREATES = {"CreateVpc", "AllocateAddress", "CreateNatGateway", "CreateInternetGateway", "CreateSubnet"}


@pytest.fixture
def slow_nat_backend(tmp_path) -> Iterator[Backend]:
    """A backend whose NAT gateways stay pending until the clock is advanced (latency mode, one kind slowed)."""
    state_dir = tmp_path / "backend"
    env = {**os.environ, "LOCAL_BACKEND_LATENCY_SECONDS": json.dumps({"nat_gateway": 10**6})}
    subprocess.run(
        [sys.executable, "-m", "local_backend", "up", "--state-dir", str(state_dir), "--no-postgres",
         "--latency-scale", "1"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    b = Backend(state_dir=state_dir, info=json.loads((state_dir / "backend.json").read_text()))
    yield b
    _stop_backend(b)


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (read from /proc: ppid chains)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        out += kids
        todo += kids
    return out


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (an orphan nobody reaps still has a /proc entry)."""
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except OSError:
        return False


def _operations(backend: Backend) -> list[str]:
    return [r.get("operation") or "" for r in backend.requests()]


def test_a_run_killed_during_a_create_is_resumed_without_duplicates(slow_nat_backend: Backend):
    backend = slow_nat_backend
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "LOCAL_BACKEND_DIR": str(backend.state_dir),
    }
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(var, None)
    log = backend.state_dir / "killed-run.log"
    with log.open("w") as out:
        run = subprocess.Popen(
            [str(VENV_BIN / "ansible-playbook"), "playbooks/foundation.yml", "-i", "inventories/local", *NETWORK],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 300
            while "CreateNatGateway" not in _operations(backend):
                assert run.poll() is None, "the run ended before its NAT gateway create:\n" + log.read_text()[-3000:]
                assert time.monotonic() < deadline, "no CreateNatGateway within 300 s"
                time.sleep(0.1)
            orphans = _descendants(run.pid)
            os.kill(run.pid, signal.SIGKILL)
            run.wait()
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
    assert orphans, "ansible-playbook had no worker process when it was killed"
    # The workers finish the task in flight on their own; the re-run must not start before they are gone.
    deadline = time.monotonic() + 120
    while [pid for pid in orphans if _running(pid)]:
        assert time.monotonic() < deadline, f"the killed run's processes still run after 120 s: {orphans}"
        time.sleep(0.2)
    ec2 = backend.client("ec2")
    named = [{"Name": "tag:Name", "Values": [f"{NAME}-nat-*"]}]
    assert len([n for n in ec2.describe_nat_gateways(Filters=named)["NatGateways"] if n["State"] != "deleted"]) == 1

    # the gateway the killed run started becomes available; the re-run completes the layer and adopts it
    req = urllib.request.Request(
        f"{backend.endpoint}/_local/clock", data=json.dumps({"advance": 2 * 10**6}).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    urllib.request.urlopen(req, timeout=10).close()
    backend.clear_requests()
    resumed = run_playbook(backend, *NETWORK, playbook="playbooks/foundation.yml")
    assert_ok(resumed)
    assert sorted(set(_operations(backend)) & CREATES) == [], "the re-run made again what the killed run made"
    mine = [{"Name": "tag:Project", "Values": [INVENTORY["platform_project"]]}]
    (vpc,) = ec2.describe_vpcs(Filters=mine)["Vpcs"]
    (nat,) = [n for n in ec2.describe_nat_gateways(Filters=mine)["NatGateways"] if n["State"] != "deleted"]
    (eip,) = ec2.describe_addresses(Filters=mine)["Addresses"]
    assert nat["State"] == "available" and eip["AllocationId"] == nat["NatGatewayAddresses"][0]["AllocationId"]
    routes = [
        r
        for t in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["RouteTables"]
        for r in t["Routes"]
        if r.get("NatGatewayId")
    ]
    assert routes and {r["NatGatewayId"] for r in routes} == {nat["NatGatewayId"]}
