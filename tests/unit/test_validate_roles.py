"""The validate_roles action plugin (plugins/action/validate_roles.py): site.yml's first play and the layer
playbooks validate every role in one task with the roles' own rules (meta/argument_specs.yml 'validate'
and the asserts of tasks/validate.yml). test_bad_inputs.py runs every bad-input case through it; these
tests pin what it may read, that it reports every failing role at once, and that a role run on its own
(include_role tasks_from: validate, Ansible's own task engine) fails with the same message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "collections"))

from ansible.errors import AnsibleError  # noqa: E402
from ansible_collections.cloudops.eks_platform.plugins.action.validate_roles import (  # noqa: E402
    assert_steps,
    role_dir,
)

LAYER_ROLES = yaml.safe_load((ROOT / "group_vars/all/main.yml").read_text())["platform_layer_roles"]
ROLES = [role for layer in LAYER_ROLES.values() for role in layer]


@pytest.mark.parametrize("role", ROLES)
def test_every_layer_role_validate_file_is_asserts_the_plugin_can_run(role: str):
    path = Path(role_dir(role))
    assert path.resolve() == (ROOT / "roles" / role.split(".")[-1]).resolve()
    tasks = yaml.safe_load((path / "tasks/validate.yml").read_text())
    steps = assert_steps(tasks, role)
    assert [s["name"] for s in steps] == [t["name"] for t in tasks] and steps
    assert all(s["that"] and all(isinstance(c, str) for c in s["that"]) for s in steps)
    specs = yaml.safe_load((path / "meta/argument_specs.yml").read_text())["argument_specs"]
    assert specs["validate"]["options"], f"{role} has no 'validate' entry point options"


@pytest.mark.parametrize(
    "task",
    [
        {"name": "a fact", "ansible.builtin.set_fact": {"x": 1}},
        {"name": "conditional", "ansible.builtin.assert": {"that": ["x"]}, "when": "y"},
        {"name": "looped", "ansible.builtin.assert": {"that": ["item"]}, "loop": [1]},
        {"name": "unknown arg", "ansible.builtin.assert": {"that": ["x"], "bogus": 1}},
    ],
)
def test_a_task_the_plugin_would_not_run_faithfully_is_refused(task: dict):
    with pytest.raises(AnsibleError, match="only ansible.builtin.assert tasks"):
        assert_steps([task], "roles/x/tasks/validate.yml")


def test_only_roles_of_this_collection():
    with pytest.raises(AnsibleError, match="not a role of cloudops.eks_platform"):
        role_dir("amazon.aws.something")
    with pytest.raises(AnsibleError, match="not found"):
        role_dir("cloudops.eks_platform.no_such_role")


STANDALONE = """
- name: One role validated by Ansible's own task engine
  hosts: aws_account
  gather_facts: false
  tasks:
    - name: Validate k8s_namespaces alone
      ansible.builtin.include_role:
        name: cloudops.eks_platform.k8s_namespaces
        tasks_from: validate
"""

BAD = {"platform_nat_mode": "bogus", "platform_namespaces": [{"name": "Bad_Name"}]}


def _run(tmp_path: Path, playbook: str, extra: dict) -> subprocess.CompletedProcess:
    backend_dir = tmp_path / "backend"
    backend_dir.mkdir(exist_ok=True)
    # no backend runs: an AWS call would fail to connect, so validation provably makes none
    (backend_dir / "backend.json").write_text(
        json.dumps({"endpoint_url": "http://127.0.0.1:9", "region": "ap-northeast-2",
                    "aws_access_key_id": "x", "aws_secret_access_key": "x", "chart_repository_url": "http://127.0.0.1:9",
                    "kubeconfig": str(backend_dir / "kubeconfig")})
    )
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "LOCAL_BACKEND_DIR": str(backend_dir),
    }
    args = [str(BIN / "ansible-playbook"), playbook, "-i", "inventories/local", "-e", json.dumps(extra)]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False)


def _flat(proc: subprocess.CompletedProcess) -> str:
    return " ".join((proc.stdout + proc.stderr).split())


def test_site_reports_every_failing_role_at_once_and_a_role_alone_says_the_same(tmp_path: Path):
    site = _run(tmp_path, "site.yml", {**BAD, "platform_no_such_tag_probe": 1})
    out = _flat(site)
    assert site.returncode != 0
    assert "cloudops.eks_platform.aws_network: Validation of arguments failed: value of aws_network_nat_mode" in out
    namespace_problem = (
        'k8s_namespaces_list (platform_namespaces) is invalid: [0].name "Bad_Name" is not a DNS-1123 label'
    )
    assert f"cloudops.eks_platform.k8s_namespaces: Validate the namespaces: {namespace_problem}" in out
    assert "TASK [cloudops.eks_platform.aws_network : " not in out, "a role ran after a failed validation"

    (tmp_path / "group_vars").symlink_to(ROOT / "group_vars")
    playbook = tmp_path / "standalone.yml"
    playbook.write_text(STANDALONE)
    alone = _run(tmp_path, str(playbook), BAD)
    assert alone.returncode != 0 and namespace_problem in _flat(alone)


def test_valid_inputs_pass_in_one_task(tmp_path: Path):
    run = _run(tmp_path, "site.yml", {})
    # --tags is not given: the validation passes, then the first AWS call fails to connect (no backend)
    out = _flat(run)
    assert "TASK [Validate the inputs of every role]" in out
    assert "Invalid inputs" not in out
    # the first AWS call: the first play's read of the existing EKS cluster (the upgrade check)
    assert "TASK [cloudops.eks_platform.aws_eks : Read the EKS cluster" in out, "validation passed, the read started"
