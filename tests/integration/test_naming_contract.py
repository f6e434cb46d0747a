"""The naming contract between roles (group_vars/all: platform_vpc_name, platform_db_subnet_group_name and
the list-shaped platform_rds_instance_names / platform_aurora_cluster_names / platform_redis_group_names):
a name one role creates and another finds is derived once, and each role's own input defaults to it.
Overriding one role's name prefix in an inventory (aws_rds_name) changes that role's own resources (the
security group description) but cannot make aws_databases or the VPC lookup look for a name nobody made.

The check resolves the roles' inputs through Ansible itself (include_role with public defaults, the
validate entry point, no AWS call: the backend file points at a closed port) for the local inventory with
an overlay that sets aws_rds_name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

PLAYBOOK = """
- name: Resolve the names each role uses
  hosts: aws_account
  gather_facts: false
  tasks:
    - name: Load the inputs of every role that creates or finds these names
      ansible.builtin.include_role:
        name: "cloudops.eks_platform.{{ item }}"
        tasks_from: validate
        public: true
      loop: [aws_network, aws_rds, aws_aurora, aws_databases]
    - name: Write them out
      ansible.builtin.copy:
        dest: "{{ out }}"
        mode: "0600"
        content: "{{ {'network_vpc': aws_network_vpc_name, 'network_subnet_group': aws_network_db_subnet_group_name,
                      'rds_identifiers': __aws_rds_specs | map(attribute='identifier') | list,
                      'rds_vpc': aws_rds_vpc_name,
                      'rds_subnet_group': aws_rds_db_subnet_group_name,
                      'rds_sg_description': __aws_rds_specs[0].security_group_description,
                      'aurora_vpc': aws_aurora_vpc_name, 'aurora_subnet_group': aws_aurora_db_subnet_group_name,
                      'databases_targets': __aws_databases_targets | map(attribute='id') | list} | to_json }}"
"""


def _resolve(tmp_path: Path, overlay: dict) -> dict:
    backend_dir = tmp_path / "backend"
    backend_dir.mkdir()
    # No backend runs: any AWS call would fail to connect, so the resolution provably makes none.
    (backend_dir / "backend.json").write_text(
        json.dumps(
            {
                "endpoint_url": "http://127.0.0.1:9",
                "region": "ap-northeast-2",
                "aws_access_key_id": "x",
                "aws_secret_access_key": "x",
            }
        )
    )
    inv = tmp_path / "overlay"
    (inv / "group_vars" / "all").mkdir(parents=True)
    (inv / "hosts.yml").write_text((ROOT / "inventories/local/hosts.yml").read_text())
    (inv / "group_vars" / "all" / "overlay.yml").write_text(yaml.safe_dump(overlay or {"platform_naming_probe": 1}))
    # Beside a playbook, like site.yml, so the top-level group_vars (the derived names) apply.
    (tmp_path / "group_vars").symlink_to(ROOT / "group_vars")
    playbook = tmp_path / "resolve.yml"
    playbook.write_text(PLAYBOOK)
    out = tmp_path / "names.json"
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "LOCAL_BACKEND_DIR": str(backend_dir),
    }
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), str(playbook), "-i", "inventories/local", "-i", str(inv), "-e", f"out={out}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,  # safety net only
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text())


def test_overriding_the_rds_prefix_keeps_the_contract(tmp_path: Path) -> None:
    inventory = yaml.safe_load((ROOT / "inventories/local/group_vars/all/main.yml").read_text())
    platform_name = f"{inventory['platform_project']}-{inventory['platform_environment']}"
    names = _resolve(tmp_path, {"aws_rds_name": "custom-prefix"})
    # The override reaches the RDS role's own resources ...
    assert names["rds_sg_description"] == "custom-prefix RDS PostgreSQL"
    # ... but every name one role finds from another still agrees with its maker.
    assert names["rds_identifiers"] == names["databases_targets"] == [f"{platform_name}-postgres"]
    assert names["rds_vpc"] == names["aurora_vpc"] == names["network_vpc"] == f"{platform_name}-vpc"
    assert (
        names["rds_subnet_group"]
        == names["aurora_subnet_group"]
        == names["network_subnet_group"]
        == f"{platform_name}-db-subnet-group"
    )
