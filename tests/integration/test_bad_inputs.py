"""Every inventory under tests/bad_inputs/ must fail before any mutating AWS call, with a message that
names the offending variable. The whole site.yml runs (no tag), layered on inventories/local, so a
bad value in any role is caught before the first role of its layer touches AWS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, run_playbook

CASES = sorted(p for p in (ROOT / "tests" / "bad_inputs").iterdir() if (p / "case.yml").is_file())


LAYER_ROLES = yaml.safe_load((ROOT / "group_vars" / "all" / "main.yml").read_text())["platform_layer_roles"]


def test_every_role_has_a_bad_input_case():
    # Every role of every layer (group_vars/all platform_layer_roles) has at least one case whose
    # expected message names one of its variables (aws_<role>_...): the pattern grows with the roles.
    roles = sorted(role.rsplit(".", 1)[1] for layer in LAYER_ROLES.values() for role in layer)
    expects = [yaml.safe_load((c / "case.yml").read_text())["expect"] for c in CASES]
    covered = sorted(r for r in roles if any(f"{r}_" in e for e in expects))
    assert covered == roles


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_fails_before_any_mutating_call(module_backend, case: Path):
    spec = yaml.safe_load((case / "case.yml").read_text())
    module_backend.clear_requests()
    run = run_playbook(module_backend, inventories=("inventories/local", str(case.relative_to(ROOT))))
    assert run.rc != 0, f"{case.name}: the playbook succeeded with bad input:\n{run.output[-3000:]}"
    expect = re.sub(r"\s+", " ", spec["expect"])
    assert expect in run.text(), f"{case.name}: failure does not say {expect!r}:\n{run.output[-3000:]}"
    assert module_backend.mutating_requests() == [], f"{case.name}: mutating calls reached AWS"
