"""Every inventory under tests/bad_inputs/ must fail before any AWS call (not even a read), with a message
that names the offending variable. The whole site.yml runs (no tag), layered on inventories/local, so a
bad value in any role is caught before the first role of its layer touches AWS.

One ansible-playbook run checks every case: each case becomes a host of its own (its group_vars/all
file becomes that host's host_vars, which take precedence over the inventory's and the playbook's
group_vars/all exactly as the case's overlay did), all hosts run site.yml at once, and each case's
own host must fail with its own message. A case whose host passed validation would go on into the
foundation layer, fail its test, and show up as mutating calls in the backend's request log.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, run_playbook

CASES = sorted(p for p in (ROOT / "tests" / "bad_inputs").iterdir() if (p / "case.yml").is_file())


LAYER_ROLES = yaml.safe_load((ROOT / "group_vars" / "all" / "main.yml").read_text())["platform_layer_roles"]


def _host(case: Path) -> str:
    return "case-" + case.name.replace("_", "-")


def test_every_role_has_a_bad_input_case():
    # Every role of every layer (group_vars/all platform_layer_roles) has at least one case whose
    # expected message names one of its variables (aws_<role>_...): the pattern grows with the roles.
    roles = sorted(role.rsplit(".", 1)[1] for layer in LAYER_ROLES.values() for role in layer)
    expects = [yaml.safe_load((c / "case.yml").read_text())["expect"] for c in CASES]
    covered = sorted(r for r in roles if any(f"{r}_" in e for e in expects))
    assert covered == roles


def test_every_case_is_an_overlay_of_group_vars_all_only():
    # the batch below moves group_vars/all/*.yml to host_vars; anything else in a case would be lost
    for case in CASES:
        files = sorted(str(p.relative_to(case)) for p in case.rglob("*") if p.is_file())
        extra = [f for f in files if f not in ("case.yml", "hosts.yml") and not f.startswith("group_vars/all/")]
        assert extra == [], f"{case.name}: {extra}"


@pytest.fixture(scope="module")
def batch(module_backend, tmp_path_factory):
    inventory = tmp_path_factory.mktemp("bad-inputs")
    hosts = {}
    for case in CASES:
        hosts[_host(case)] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        }
        (inventory / "host_vars" / _host(case)).mkdir(parents=True)
        for f in (case / "group_vars" / "all").glob("*.yml"):
            shutil.copy(f, inventory / "host_vars" / _host(case) / f.name)
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"aws_account": {"hosts": hosts}}}}))
    module_backend.clear_requests()
    run = run_playbook(
        module_backend,
        "--limit",
        ",".join(hosts),
        "--forks",
        "20",
        inventories=("inventories/local", str(inventory)),
    )
    return run, module_backend.requests()


def _failure_of(output: str, host: str) -> str:
    """The messages of the host's failed results (``fatal: [host]: FAILED! => {json}``, continuation lines
    indented), whitespace collapsed."""
    texts = []
    for block in re.findall(rf"^fatal: \[{re.escape(host)}\]: FAILED! => (.*(?:\n[ \t].*)*)", output, re.M):
        try:
            result = json.loads(block)
        except ValueError:
            texts.append(block)
        else:
            texts.append(str(result.get("msg", "")) + " " + json.dumps(result))
    return re.sub(r"\s+", " ", " ".join(texts))


def test_no_case_reaches_any_aws_call(batch):
    # site.yml's first play validates every role of every layer: no case gets as far as a read
    run, requests = batch
    assert run.rc != 0
    assert requests == [], f"AWS calls before validation failed: {requests[:5]}"


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_fails_before_any_mutating_call(batch, case: Path):
    run, _ = batch
    spec = yaml.safe_load((case / "case.yml").read_text())
    host = _host(case)
    assert run.recap.get(host, {}).get("failures") == 1, f"{case.name}: recap {run.recap.get(host)}"
    expect = re.sub(r"\s+", " ", spec["expect"])
    failure = _failure_of(run.output, host)
    assert expect in failure, f"{case.name}: failure does not say {expect!r}:\n{failure[:3000]}"
