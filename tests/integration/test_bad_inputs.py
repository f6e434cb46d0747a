"""Every inventory under tests/bad_inputs/ must fail before any change to the account, with a line that names
the inventory variable the user wrote (``platform_*``, the list entry and the field). The whole site.yml runs (no
tag), layered on inventories/local, so a bad value in any role is caught before the first role of its layer
changes anything. Reads are allowed (a catalogue preflight may ask AWS what it offers); writes never.

One ansible-playbook run checks every case: each case becomes a host of its own (its group_vars/all
file becomes that host's host_vars, which take precedence over the inventory's and the playbook's
group_vars/all exactly as the case's overlay did), all hosts run site.yml at once, and each case's
own host must fail with its own message. A case whose host passed validation would go on into the
foundation layer, fail its test, and show up as mutating calls in the backend's request log.

A case's ``expect`` must be found within ONE line of the host's failure (a line of the failed task's message, an
entry of the validate_roles plugin's ``problems``), never pieced together from the whole output.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, mutating, run_playbook

CASES = sorted(p for p in (ROOT / "tests" / "bad_inputs").iterdir() if (p / "case.yml").is_file())


LAYER_ROLES = yaml.safe_load((ROOT / "group_vars" / "all" / "main.yml").read_text())["platform_layer_roles"]


def _host(case: Path) -> str:
    return "case-" + case.name.replace("_", "-")


def _expect(case: Path) -> str:
    return " ".join(str(yaml.safe_load((case / "case.yml").read_text())["expect"]).split())


def failure_lines(output: str, host: str) -> list[str]:
    """The lines of the host's failed results (``fatal: [host]: FAILED! => {json}``): each entry of ``problems``
    (validate_roles), else each line of ``msg``; whitespace collapsed within a line."""
    lines: list[str] = []
    for block in re.findall(rf"^fatal: \[{re.escape(host)}\]: FAILED! => (.*(?:\n[ \t].*)*)", output, re.M):
        try:
            result = json.loads(block)
        except ValueError:
            lines += block.splitlines()
            continue
        problems = result.get("problems")
        lines += problems if isinstance(problems, list) else str(result.get("msg", "")).splitlines()
    return [" ".join(str(line).split()) for line in lines if str(line).strip()]


def matching_line(lines: list[str], expect: str) -> str | None:
    return next((line for line in lines if expect in line), None)


def test_failure_lines_keep_one_problem_per_line():
    # the harness itself: text spread over two lines of a failure does not count as found
    output = (
        'fatal: [case-x]: FAILED! => {"failed": true, "msg": "Invalid inputs:\\na: platform_a: x\\nb: y", '
        '"problems": ["a: platform_a: x", "b:   y"]}\n'
        'fatal: [case-y]: FAILED! => {"failed": true, "msg": "first\\nsecond"}\n'
    )
    assert failure_lines(output, "case-x") == ["a: platform_a: x", "b: y"]
    assert failure_lines(output, "case-y") == ["first", "second"]
    assert matching_line(failure_lines(output, "case-x"), "platform_a: x") == "a: platform_a: x"
    assert matching_line(failure_lines(output, "case-x"), "x b: y") is None
    assert matching_line(failure_lines(output, "case-y"), "first second") is None


def test_every_case_is_an_overlay_of_group_vars_all_only():
    # the batch below moves group_vars/all/*.yml to host_vars; anything else in a case would be lost
    for case in CASES:
        files = sorted(str(p.relative_to(case)) for p in case.rglob("*") if p.is_file())
        extra = [f for f in files if f not in ("case.yml", "hosts.yml") and not f.startswith("group_vars/all/")]
        assert extra == [], f"{case.name}: {extra}"


def test_every_case_expects_an_inventory_variable_or_a_role_variable():
    # a case pins what the user reads: the platform_* variable (or, for a role setting no inventory variable
    # feeds, the role variable itself), never only a free-text fragment
    for case in CASES:
        expect = _expect(case)
        assert re.search(r"\b(platform|aws|k8s)_[a-z0-9_]+", expect), f"{case.name}: {expect!r} names no variable"


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


def test_no_case_makes_any_mutating_call(batch):
    # site.yml's first play validates every role of every layer (and may read AWS's catalogue): no case gets as
    # far as a Create/Modify/Put/Delete/Tag call
    run, requests = batch
    assert run.rc != 0
    writes = mutating(requests)
    assert writes == [], f"mutating AWS calls before validation failed: {writes[:5]}"


def test_every_role_has_a_bad_input_case(batch):
    # Every role of every layer (group_vars/all platform_layer_roles) reports the expected line of at least one case
    # (the line starts with the role that found the problem): the requirement grows with the roles.
    run, _ = batch
    roles = sorted(role for layer in LAYER_ROLES.values() for role in layer)
    reporters = set()
    for case in CASES:
        expect = _expect(case)
        reporters.update(re.split(r"[: ]", line, maxsplit=1)[0]
                         for line in failure_lines(run.output, _host(case)) if expect in line)
    assert sorted(r for r in roles if r in reporters) == roles, f"no case for {sorted(set(roles) - reporters)}"


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_fails_before_any_mutating_call(batch, case: Path):
    run, _ = batch
    host = _host(case)
    assert run.recap.get(host, {}).get("failures") == 1, f"{case.name}: recap {run.recap.get(host)}"
    expect = _expect(case)
    lines = failure_lines(run.output, host)
    assert matching_line(lines, expect), f"{case.name}: no failure line says {expect!r}:\n" + "\n".join(lines)[:3000]
