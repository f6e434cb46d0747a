"""Project-level contracts: the collection builds and works when installed elsewhere, pins agree,
inventories parse, the README's tag table matches --list-tags, the execution environment names its
dependencies."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    env["ANSIBLE_NOCOLOR"] = "1"
    env.update(extra)
    return env


def _run(cmd: list[str], cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, env=_env(**env), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_collection_tarball_installs_and_works_elsewhere(tmp_path):
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    _run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(ROOT)])
    tarball = tmp_path / f"{galaxy['namespace']}-{galaxy['name']}-{galaxy['version']}.tar.gz"
    assert tarball.is_file()
    colls = tmp_path / "colls"
    # From outside the checkout: there, ansible.cfg's collections_path already holds the working tree.
    _run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(colls), str(tarball)],
        cwd=tmp_path,
    )
    installed = colls / "ansible_collections" / "cloudops" / "eks_platform"
    assert (installed / "roles" / "aws_network" / "tasks" / "main.yml").is_file()
    assert not (installed / "local_backend").exists(), "the test backend must not ship in the collection"

    work = tmp_path / "elsewhere"
    work.mkdir()
    doc = _run(
        [str(BIN / "ansible-doc"), "cloudops.eks_platform.ec2_flow_log"], cwd=work, ANSIBLE_COLLECTIONS_PATH=str(colls)
    )
    assert str(installed) in doc.stdout, "ansible-doc did not read the installed copy"
    assert "max_aggregation_interval" in doc.stdout

    (work / "play.yml").write_text(
        "---\n- name: Use the installed roles by FQCN\n  hosts: localhost\n  gather_facts: false\n"
        "  roles:\n    - role: cloudops.eks_platform.aws_network\n    - role: cloudops.eks_platform.aws_secrets\n"
    )
    syntax = _run(
        [str(BIN / "ansible-playbook"), "--syntax-check", "play.yml"], cwd=work, ANSIBLE_COLLECTIONS_PATH=str(colls)
    )
    assert "play.yml" in syntax.stdout


def test_requirements_yml_matches_bundled_collections():
    pinned = yaml.safe_load((ROOT / "collections/requirements.yml").read_text())["collections"]
    wanted = {c["name"]: c["version"] for c in pinned}
    out = _run([str(BIN / "ansible-galaxy"), "collection", "list", "--format", "json"]).stdout
    installed: dict[str, str] = {}
    for path_entries in json.loads(out).values():
        for name, meta in path_entries.items():
            installed.setdefault(name, meta["version"])
    for name in ("amazon.aws", "community.aws", "kubernetes.core", "community.general"):
        assert name in wanted, f"{name} missing from collections/requirements.yml"
    drift = {n: (v, installed.get(n)) for n, v in wanted.items() if installed.get(n) != v}
    assert drift == {}, f"collections/requirements.yml pins vs the venv: {drift}"


def test_python_requirements_are_exact_pins():
    lines = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    reqs = [ln for ln in lines if ln and not ln.startswith("#")]
    assert reqs and all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", r) for r in reqs), reqs


@pytest.mark.parametrize("env", ["local", "dev", "prod"])
def test_inventory_graph(env):
    out = _run([str(BIN / "ansible-inventory"), "-i", f"inventories/{env}", "--graph"]).stdout
    assert "@aws_account:" in out and f"{env}-controller" in out


def _resolved(env: str, names: list[str]) -> dict:
    """The named variables (or expressions over them) as Ansible renders them for the environment's
    controller: inventory facts plus the top-level group_vars (derived names), as the layer playbooks see
    them. One ad-hoc call."""
    msg = "{{ {" + ", ".join(f'"{n}": {n}' for n in names) + "} | to_json }}"
    out = _run(
        [
            str(BIN / "ansible"),
            f"{env}-controller",
            "-i",
            f"inventories/{env}",
            "--playbook-dir",
            "playbooks",
            "-m",
            "ansible.builtin.debug",
            "-a",
            f"msg={msg}",
        ],
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal",
        ANSIBLE_CALLBACK_RESULT_FORMAT="json",
    ).stdout
    return json.loads(json.loads(out.split("=>", 1)[1])["msg"])


# Reference inventory (../shared/reference/wealist-inventory.md, seed 01): weAlist production.
SEED_PROD = {
    "platform_project": "wealist",
    "platform_environment": "prod",
    "platform_region": "ap-northeast-2",
    "platform_vpc_cidr": "10.0.0.0/16",
    "platform_azs": ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"],
    "platform_private_subnets": ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"],
    "platform_public_subnets": ["10.0.101.0/24", "10.0.102.0/24", "10.0.103.0/24"],
    "platform_database_subnets": ["10.0.201.0/24", "10.0.202.0/24", "10.0.203.0/24"],
    "platform_nat_mode": "single",
    "platform_ecr_repositories": [
        "auth-service",
        "user-service",
        "board-service",
        "chat-service",
        "noti-service",
        "storage-service",
        "frontend",
    ],
    "platform_deletion_protection": True,
    "platform_rds_instances | map(attribute='suffix') | list": ["postgres"],
    "platform_rds_instances[0].engine_version": "17.7",
    "platform_rds_instances[0].instance_class": "db.t4g.small",
    "platform_rds_instances[0].db_name": "wealist",
    "platform_rds_instances[0].master_username": "wealist_admin",
    "platform_rds_instances[0].databases": ["board_db", "user_db", "chat_db", "noti_db", "storage_db", "video_db"],
    "platform_redis_groups | map(attribute='suffix') | list": ["redis"],
    "platform_redis_groups[0].engine_version": "7.1",
    "platform_redis_groups[0].node_type": "cache.t4g.small",
    "platform_redis_groups[0].num_cache_clusters": 1,
    "platform_aurora_clusters": [],
    # derived in group_vars/all
    "platform_name": "wealist-prod",
    "platform_cluster_name": "wealist-prod-eks",
    "platform_secret_prefix": "wealist/prod",
    "platform_kms_alias": "alias/wealist-prod",
    "platform_tags": {"Project": "wealist", "Environment": "prod", "ManagedBy": "ansible"},
}

# The dev account (README, Inventories): the prod layout made cheaper - two zones, single NAT, its own
# CIDR, the smallest sizes, no deletion protection and no final snapshot.
EXPECTED_DEV = {
    "platform_project": "wealist",
    "platform_environment": "dev",
    "platform_vpc_cidr": "10.10.0.0/16",
    "platform_azs": ["ap-northeast-2a", "ap-northeast-2c"],
    "platform_private_subnets": ["10.10.1.0/24", "10.10.2.0/24"],
    "platform_public_subnets": ["10.10.101.0/24", "10.10.102.0/24"],
    "platform_database_subnets": ["10.10.201.0/24", "10.10.202.0/24"],
    "platform_nat_mode": "single",
    "platform_deletion_protection": False,
    "platform_rds_instances[0].final_snapshot": False,
    "platform_rds_instances[0].instance_class": "db.t4g.micro",
    "platform_redis_groups[0].node_type": "cache.t4g.micro",
    "platform_name": "wealist-dev",
    "platform_secret_prefix": "wealist/dev",
    "platform_kms_alias": "alias/wealist-dev",
    "platform_tags": {"Project": "wealist", "Environment": "dev", "ManagedBy": "ansible"},
}


@pytest.mark.parametrize(("env", "expected"), [("prod", SEED_PROD), ("dev", EXPECTED_DEV)], ids=["prod", "dev"])
def test_inventory_resolves_to_the_expected_values(env, expected):
    # Rendered by Ansible from the inventory and the top-level group_vars, not read from the YAML file.
    assert _resolved(env, sorted(expected)) == expected


def test_no_name_defined_in_both_inventory_and_top_level_group_vars():
    top = set()
    for f in (ROOT / "group_vars/all").glob("*.yml"):
        top |= set(yaml.safe_load(f.read_text()) or {})
    for inv in ("local", "dev", "prod"):
        for f in (ROOT / f"inventories/{inv}/group_vars/all").glob("*.yml"):
            both = top & set(yaml.safe_load(f.read_text()) or {})
            assert both == set(), f"{f} redefines {both} (top-level group_vars would silently win)"


def _readme_tags() -> set[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- tags:start -->", 1)[1].split("<!-- tags:end -->", 1)[0]
    tags: set[str] = set()
    for row in block.splitlines():
        if row.startswith("|") and not row.startswith("|---"):
            cells = row.split("|")
            if len(cells) > 2:
                tags |= set(re.findall(r"`([a-z0-9_]+)`", cells[2]))
    return tags


def test_readme_tag_table_matches_list_tags():
    cfg = str(ROOT / "ansible.cfg")
    out = _run([str(BIN / "ansible-playbook"), "site.yml", "--list-tags"], ANSIBLE_CONFIG=cfg).stdout
    listed: set[str] = set()
    for m in re.finditer(r"TAGS: \[([^\]]*)\]", out):
        listed |= {t.strip() for t in m.group(1).split(",") if t.strip()}
    listed.discard("always")
    assert listed, out
    assert _readme_tags() == listed


def test_execution_environment_context_names_dependencies(tmp_path):
    ctx = tmp_path / "context"
    _run([str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml", "--context", str(ctx)])
    pyreqs = (ctx / "_build" / "requirements.txt").read_text()
    for pin in ("boto3==1.44.5", "botocore==1.44.5"):
        assert pin in pyreqs
    galaxy = yaml.safe_load((ctx / "_build" / "requirements.yml").read_text())
    names = {c["name"] for c in galaxy["collections"]}
    assert {"amazon.aws", "community.aws", "kubernetes.core", "community.general"} <= names
    dockerfile = (ctx / "Dockerfile").read_text()
    assert "ansible-core==2.21.5" in dockerfile
    # the controller speed-up, loaded by a .pth file of the image's Python as in make setup's venv
    shipped = ctx / "_build" / "speedups" / "cloudops_speedups.py"
    assert shipped.read_text() == (ROOT / "speedups" / "cloudops_speedups.py").read_text()
    assert "import cloudops_speedups; cloudops_speedups.install()" in dockerfile


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_real_inventories_pass_input_validation(env):
    # Only the validation play, without its read of the existing EKS cluster (the upgrade check, tag compute) and
    # without the catalogue preflight (its reads; test_local_backend_catalogue.py runs it on these inventories): no
    # AWS call is made, no credentials are needed.
    out = _run(
        [str(BIN / "ansible-playbook"), "playbooks/validate.yml", "-i", f"inventories/{env}", "--skip-tags", "compute",
         "-e", "platform_catalogue_preflight=false"],
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
    ).stdout
    assert re.search(rf"{env}-controller\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", out), out[-2000:]


def test_every_module_is_in_the_aws_action_group():
    # module_defaults for group/cloudops.eks_platform.aws silently skips a module missing from the group.
    modules = sorted(p.stem for p in (ROOT / "plugins/modules").glob("*.py") if p.stem != "__init__")
    group = yaml.safe_load((ROOT / "meta/runtime.yml").read_text())["action_groups"]["aws"]
    listed = sorted(m for m in group if isinstance(m, str))
    assert modules == listed
    assert {"metadata": {"extend_group": ["amazon.aws.aws"]}} in group


MODULE_FILES = sorted(p for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("path", MODULE_FILES, ids=[p.stem for p in MODULE_FILES])
def test_module_documentation_parses_and_names_the_module(path: Path):
    """DOCUMENTATION / EXAMPLES / RETURN are YAML ansible-doc can read (a stray ``: `` in a description runs
    fine but breaks ansible-doc), the module is named after its file, each option documents a description,
    and the examples call it by its FQCN."""
    import ast

    blocks = {
        node.targets[0].id: node.value.value
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in ("DOCUMENTATION", "EXAMPLES", "RETURN")
    }
    assert sorted(blocks) == ["DOCUMENTATION", "EXAMPLES", "RETURN"]
    doc = yaml.safe_load(blocks["DOCUMENTATION"])
    assert doc["module"] == path.stem
    assert [name for name, opt in (doc.get("options") or {}).items() if not opt.get("description")] == []
    examples = yaml.safe_load(blocks["EXAMPLES"])
    assert any(f"cloudops.eks_platform.{path.stem}" in task for task in examples), "no example uses the FQCN"
    assert isinstance(yaml.safe_load(blocks["RETURN"]), dict)
