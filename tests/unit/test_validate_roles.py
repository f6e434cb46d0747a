"""The validate_roles action plugin (plugins/action/validate_roles.py): site.yml's first play and the layer
playbooks validate every role in one task with the roles' own rules (meta/argument_specs.yml 'validate'
and the asserts of tasks/validate.yml). test_bad_inputs.py runs every bad-input case through it; these
tests pin what it may read, that it reports every failing role at once, one line per problem naming the inventory
variable (its pure functions: where a role option comes from, the argument-spec wording, the entry names), and that
a role run on its own (include_role tasks_from: validate, Ansible's own task engine) fails with the same problem."""

from __future__ import annotations

import json
import os
import re
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
    SPEC_KEYS,
    assert_steps,
    choice_problem,
    entry_label,
    mention_sources,
    merge_lines,
    name_entries,
    option_sources,
    role_dir,
    spec_keys,
    spec_problems,
    type_problem,
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

BAD = {"platform_nat_mode": "bogus", "platform_namespaces": [{"name": "Bad_Name"}, {"name": "Also_Bad"}]}


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
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "LOCAL_BACKEND_DIR": str(backend_dir),
    }
    args = [str(BIN / "ansible-playbook"), playbook, "-i", "inventories/local", "-e", json.dumps(extra)]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False)


def _flat(proc: subprocess.CompletedProcess) -> str:
    return " ".join((proc.stdout + proc.stderr).split())


def _failures(proc: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(block) for block in re.findall(r"^fatal: \[[^]]+\]: FAILED! => (.*)$", proc.stdout, re.M)]


def test_site_reports_every_problem_on_a_line_of_its_own_and_a_role_alone_says_the_same(tmp_path: Path):
    site = _run(tmp_path, "site.yml", {**BAD, "platform_no_such_tag_probe": 1})
    assert site.returncode != 0
    [failure] = _failures(site)
    problems = failure["problems"]
    assert "cloudops.eks_platform.aws_network: platform_nat_mode: 'bogus' is not one of single, per_az" in problems
    # each namespace problem is a line of its own, naming the inventory list, the entry's index and name
    bad_name = [p for p in problems if 'platform_namespaces[0] (Bad_Name).name "Bad_Name" is not a DNS-1123 label' in p]
    also_bad = [p for p in problems if 'platform_namespaces[1] (Also_Bad).name "Also_Bad" is not a DNS-1123 label' in p]
    assert len(bad_name) == 1 and len(also_bad) == 1 and bad_name != also_bad, problems
    assert bad_name[0].startswith("cloudops.eks_platform.k8s_namespaces: Validate the namespaces: ")
    assert failure["msg"].splitlines()[1:] == problems
    assert "TASK [cloudops.eks_platform.aws_network : " not in site.stdout, "a role ran after a failed validation"

    (tmp_path / "group_vars").symlink_to(ROOT / "group_vars")
    playbook = tmp_path / "standalone.yml"
    playbook.write_text(STANDALONE)
    alone = _run(tmp_path, str(playbook), BAD)
    # Ansible's own assert: the same problems, in one message, without the entry names the plugin adds
    assert alone.returncode != 0
    assert 'platform_namespaces[0].name "Bad_Name" is not a DNS-1123 label' in _flat(alone)
    assert 'platform_namespaces[1].name "Also_Bad" is not a DNS-1123 label' in _flat(alone)


def test_valid_inputs_pass_in_one_task(tmp_path: Path):
    run = _run(tmp_path, "site.yml", {})
    # --tags is not given: the validation passes, then the first AWS call fails to connect (no backend)
    out = _flat(run)
    assert "Invalid inputs" not in out
    validate = out.split("TASK [Validate the inputs of every role]", 1)[1].split("TASK [", 1)
    assert "ok: [local-controller]" in validate[0], out[-3000:]
    # the plays went on after it, to the first AWS call (a read: the catalogue preflight or the EKS cluster)
    assert len(validate) == 2 and run.returncode != 0


# --- where a role option comes from (the raw defaults text) --------------------------------------------------------

DEFAULTS = """
---
# a comment naming platform_commented_out
x_instances: "{{ platform_instances | default([]) }}"
x_region: "{{ platform_region }}"
x_flag: "{{ platform_flag | d(false) }}"
x_pattern: "{{ platform_pattern | default('{project}/{service}') }}"
x_tags: "{{ platform_tags | combine({'Layer': 'data'}) }}"
x_description: "Redis of {{ platform_name }}"
x_role_name: "{{ platform_name }}-eks-cluster-role"
x_port: 5432
x_constant: single
x_literal: "{{ 'platform_not_a_variable' }}"
x_list: ["{{ platform_vpc_cidr }}"]
"""


def test_option_sources_come_from_the_raw_defaults_text():
    assert option_sources(DEFAULTS) == {
        "x_instances": ("platform_instances", True),
        "x_region": ("platform_region", True),
        "x_flag": ("platform_flag", True),
        "x_pattern": ("platform_pattern", True),
        "x_tags": ("platform_tags", False),
        "x_description": ("platform_name", False),
        "x_role_name": ("platform_name", False),
    }


@pytest.mark.parametrize(
    ("role", "option", "source"),
    [
        ("aws_rds", "aws_rds_instances", ("platform_rds_instances", True)),
        ("aws_network", "aws_network_nat_mode", ("platform_nat_mode", True)),
        ("aws_network", "aws_network_azs", ("platform_azs", True)),
        ("aws_elasticache", "aws_elasticache_groups", ("platform_redis_groups", True)),
        ("aws_eks_nodegroups", "aws_eks_nodegroups_list", ("platform_eks_nodegroups", True)),
        ("k8s_istio", "k8s_istio_routes", ("platform_istio_routes", True)),
        ("aws_rds", "aws_rds_tags", ("platform_tags", False)),
    ],
)
def test_the_roles_options_map_to_the_inventory_variables(role: str, option: str, source: tuple):
    assert option_sources((ROOT / "roles" / role / "defaults/main.yml").read_text())[option] == source


@pytest.mark.parametrize("role", ROLES)
def test_every_list_of_entries_of_every_role_names_its_inventory_list(role: str):
    # a problem in an entry is reported under platform_<kind>[i]: every list of dicts a role takes is mapped from one
    path = Path(role_dir(role))
    options = yaml.safe_load((path / "meta/argument_specs.yml").read_text())["argument_specs"]["validate"]["options"]
    sources = option_sources((path / "defaults/main.yml").read_text())
    lists = [name for name, option in options.items() if option.get("elements") == "dict"]
    assert [name for name in lists if not sources.get(name, ("", False))[0].startswith("platform_")] == []


# --- argument-spec problems, worded for the user -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "wanted", "problem"),
    [
        ("20GB", "int", "expected an integer, got '20GB'"),
        ("two", "int", "expected an integer, got 'two'"),
        (20.5, "int", "expected an integer, got the number 20.5"),
        (True, "int", "expected an integer, got true"),
        ([20], "int", "expected an integer, got a list"),
        ("1.5x", "float", "expected a number, got '1.5x'"),
        ("maybe", "bool", "expected true or false, got 'maybe'"),
        (2, "bool", "expected true or false, got the number 2"),
        ("a,b", "list", "is a string ('a,b'), expected a list"),
        ("eu-west-1a", "list", "is a string ('eu-west-1a'), expected a list"),
        ({"a": 1}, "list", "expected a list, got a dict"),
        ([{"Key": "Team", "Value": "x"}], "dict",
         "is a list of Key/Value pairs, expected a dict (write each tag as key: value)"),
        (["a"], "dict", "expected a dict, got a list"),
        ("a=b", "dict", "expected a dict, got 'a=b'"),
        (["a"], "str", "expected a string, got a list"),
        ({"a": 1}, None, "expected a string, got a dict"),
    ],
)
def test_a_value_of_the_wrong_type_is_named_as_written(value, wanted, problem):
    assert type_problem(value, wanted) == problem


@pytest.mark.parametrize(
    ("value", "wanted"),
    [(20, "int"), ("20", "int"), (20.0, "int"), ("1.5", "float"), (2, "float"), (True, "bool"), ("yes", "bool"),
     (0, "bool"), ([], "list"), (("a",), "list"), ({}, "dict"), ("x", "str"), (1.3, "str"), (None, "int"),
     ("anything", "raw"), ([1], "raw")],
)
def test_a_value_ansible_would_take_as_it_is_passes(value, wanted):
    assert type_problem(value, wanted) is None


def test_choices_name_the_value_and_the_allowed_ones():
    assert choice_problem("single-az", ["single", "per_az"], "str") == "'single-az' is not one of single, per_az"
    assert choice_problem("60", [60, 600], "int") is None
    assert choice_problem(["api", "nope"], ["api", "audit"], "list") == "'nope' is not one of api, audit"
    assert choice_problem(None, ["a"], "str") is None


SPEC = {
    "x_mode": {"type": "str", "choices": ["single", "per_az"]},
    "x_region": {"type": "str", "required": True},
    "x_azs": {"type": "list", "elements": "str", "required": True},
    "x_port": {"type": "int"},
    "x_routes": {
        "type": "list",
        "elements": "dict",
        "options": {"name": {"type": "str", "required": True}, "port": {"type": "int", "required": True},
                    "path": {"type": "str"}},
    },
}
LABELS = {"x_mode": "platform_mode", "x_region": "platform_region", "x_azs": "platform_azs",
          "x_routes": "platform_routes"}


def _label(name: str) -> str:
    return LABELS.get(name, name)


def test_spec_problems_are_one_line_each_naming_the_inventory_variable_the_entry_and_the_field():
    provided = {
        "x_mode": "single-az",
        "x_region": "",
        "x_azs": ["a", ["b"]],
        "x_port": "5432/tcp",
        "x_routes": [{"name": "auth", "port": "http"}, {"port": 80, "paht": "/x"}, "auth:8080"],
    }
    assert spec_problems(SPEC, provided, _label) == [
        "platform_mode: 'single-az' is not one of single, per_az",
        "platform_region: required, but empty",
        "platform_azs[1]: expected a string, got a list",
        "x_port: expected an integer, got '5432/tcp'",
        "platform_routes[0] (auth).port: expected an integer, got 'http'",
        "platform_routes[1].paht: unknown field (allowed: name, path, port)",
        "platform_routes[1].name: required field missing",
        "platform_routes[2]: expected a dict, got 'auth:8080'",
    ]


def test_spec_problems_report_a_missing_required_option_and_never_the_whole_spec():
    problems = spec_problems(SPEC, {"x_azs": "a,b"}, _label)
    assert problems == ["platform_region: required, but not set", "platform_azs: is a string ('a,b'), expected a list"]
    assert not any("x_mode" in p or "x_routes" in p for p in problems)


@pytest.mark.parametrize("role", ROLES)
def test_the_roles_specs_use_only_what_the_plugin_checks_itself(role: str):
    # anything else would fall back to Ansible's ArgumentSpecValidator (and its spec-dump wording)
    specs = yaml.safe_load((Path(role_dir(role)) / "meta/argument_specs.yml").read_text())["argument_specs"]
    assert spec_keys(specs["validate"]["options"]) <= SPEC_KEYS
    assert spec_keys({"x": {"type": "str", "aliases": ["y"]}}) - SPEC_KEYS == {"aliases"}


def test_valid_values_have_no_spec_problem():
    provided = {"x_mode": "per_az", "x_region": "eu-west-1", "x_azs": ["a"], "x_port": "5432",
                "x_routes": [{"name": "auth", "port": 8080, "path": "/"}]}
    assert spec_problems(SPEC, provided, _label) == []


# --- the lines as the user reads them ------------------------------------------------------------------------------


def test_entries_are_named_by_index_and_name():
    assert entry_label("platform_rds_instances", 0, {"suffix": "postgres"}) == "platform_rds_instances[0] (postgres)"
    assert entry_label("platform_ecr_repositories", 2, {"service": "auth"}) == "platform_ecr_repositories[2] (auth)"
    assert entry_label("platform_azs", 1, "eu-west-1a") == "platform_azs[1]"
    lists = {"platform_rds_instances": [{"suffix": "postgres"}, {"name": "exact-db"}],
             "platform_istio_routes": [{"name": "auth", "port": 8080}], "platform_azs": ["a"]}
    assert name_entries(
        "platform_rds_instances[1].port: 0; already used by platform_rds_instances[0]", lists.get
    ) == "platform_rds_instances[1] (exact-db).port: 0; already used by platform_rds_instances[0] (postgres)"
    assert name_entries("k8s_istio_routes[0] (platform_istio_routes).port 0 is outside 1-65535", lists.get) == (
        "platform_istio_routes[0] (auth).port 0 is outside 1-65535"
    )
    # already named, out of range, a list of strings, an unknown variable: unchanged
    for line in ["platform_rds_instances[0] (postgres).port", "platform_rds_instances[5].port", "platform_azs[0]: x",
                 "platform_unknown[0].x"]:
        assert name_entries(line, lists.get) == line


def test_a_role_option_in_a_message_gets_its_inventory_variable():
    mapped = {"aws_network_nat_mode": "platform_nat_mode", "aws_network_azs": "platform_azs"}
    assert mention_sources("aws_network_nat_mode must be single", mapped) == (
        "aws_network_nat_mode (from platform_nat_mode) must be single"
    )
    # already named, or named as the source already: unchanged; a longer option name is not a match
    for line in ["aws_network_azs (platform_azs): 2 zones", "aws_network_nat_mode (from platform_nat_mode) x",
                 "aws_network_nat_mode_x is fine"]:
        assert mention_sources(line, mapped) == line


def test_a_problem_several_roles_report_is_one_line():
    found = [("r.aws_network", "platform_azs: is a string"), ("r.aws_rds", "platform_azs: is a string"),
             ("r.aws_rds", "platform_rds_instances[0] (pg).port: 0"), ("r.aws_eks", "platform_azs: is a string")]
    assert merge_lines(found) == [
        "r.aws_network (and 2 more roles): platform_azs: is a string",
        "r.aws_rds: platform_rds_instances[0] (pg).port: 0",
    ]
